//! `--entrypoint`, `--default-entrypoints` and `--listen`, from flags and the file. The
//! environment (`HAWSER_ENTRYPOINT`) is read by the same clap argument; tests/entry_points.rs
//! sets it on the real binary, since tests here cannot change the process's environment.

use clap::Parser;

use super::*;

const DOCKER: [&str; 2] = ["--docker-host", "unix:///var/run/docker.sock"];

fn options(args: &[&str]) -> Options {
    let argv = ["hawser"].iter().chain(&DOCKER).chain(args);
    Cli::try_parse_from(argv).expect("valid flags").options
}

fn settings(args: &[&str]) -> Settings {
    options(args).resolve().expect("valid settings")
}

/// `name=address` per entry point, then the default ones.
fn listed(settings: &Settings) -> (Vec<String>, Vec<String>) {
    let proxy = settings.proxy.entry_points.iter();
    let all = proxy.map(|entry_point| format!("{}={}", entry_point.name, entry_point.address));
    let routing = &settings.routing.entry_points;
    let defaults = (0..routing.len())
        .filter(|&position| routing.is_default(position))
        .filter_map(|position| routing.name(position).map(str::to_owned));
    (all.collect(), defaults.collect())
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

fn error(args: &[&str]) -> String {
    match Cli::try_parse_from(["hawser"].iter().chain(&DOCKER).chain(args)) {
        Err(err) => err.to_string(),
        Ok(cli) => cli.options.resolve().expect_err("invalid").to_string(),
    }
}

#[test]
fn without_entry_points_there_is_web_on_port_80() {
    let expected = (strings(&["web=0.0.0.0:80"]), strings(&["web"]));
    assert_eq!(listed(&settings(&[])), expected);
}

#[test]
fn entry_points_are_named_addresses_repeated_or_comma_separated() {
    let repeated = settings(&[
        "--entrypoint",
        "web=:80",
        "--entrypoint",
        "websecure=127.0.0.1:443",
    ]);
    let expected = (
        strings(&["web=0.0.0.0:80", "websecure=127.0.0.1:443"]),
        strings(&["web", "websecure"]),
    );
    assert_eq!(
        listed(&repeated),
        expected,
        "every entry point is a default"
    );
    let listed_once = settings(&["--entrypoint", " a = [::1]:8000 ,b=:0"]);
    assert_eq!(
        listed(&listed_once).0,
        strings(&["a=[::1]:8000", "b=0.0.0.0:0"])
    );
    // Routing knows the ports (a v1 redirect names an entry point); `:0` is set once bound.
    let routing = &repeated.routing.entry_points;
    assert_eq!((routing.port(0), routing.port(1)), (Some(80), Some(443)));
}

/// `;tls`, `;certresolver=` and `;redirect=` become the proxy's and routing's views.
#[test]
fn entry_point_options_make_tls_redirecting_and_resolving_entry_points() {
    let settings = settings(&[
        "--entrypoint",
        "web=:80;redirect=websecure, websecure=:443; TLS ;certresolver=le, admin=:81",
        "--certresolver",
        "le.email=ops@example.com",
    ]);
    let proxy: Vec<(&str, bool, Option<usize>)> = settings
        .proxy
        .entry_points
        .iter()
        .map(|entry| (entry.name.as_str(), entry.tls, entry.redirect))
        .collect();
    assert_eq!(
        proxy,
        [
            ("web", false, Some(1)),
            ("websecure", true, None),
            ("admin", false, None)
        ]
    );
    let routing = &settings.routing.entry_points;
    assert!(!routing.is_tls(0) && routing.is_tls(1) && !routing.is_tls(2));
    let resolver = routing.tls(1).and_then(|tls| tls.cert_resolver.as_deref());
    assert_eq!(resolver, Some("le"));
}

#[test]
fn listen_is_one_entry_point_named_web() {
    let expected = (strings(&["web=127.0.0.1:8000"]), strings(&["web"]));
    assert_eq!(listed(&settings(&["--listen", "127.0.0.1:8000"])), expected);
    let both = error(&["--listen", "127.0.0.1:80", "--entrypoint", "web=:80"]);
    assert!(
        both.contains("--listen and --entrypoint are both set"),
        "{both}"
    );
}

#[test]
fn default_entry_points_choose_where_unnamed_routes_go() {
    let chosen = settings(&[
        "--entrypoint",
        "web=:80,admin=:81,internal=:82",
        "--default-entrypoints",
        "internal, web",
    ]);
    assert_eq!(listed(&chosen).1, strings(&["web", "internal"]));
}

#[test]
fn bad_entry_points_are_clear_errors() {
    let cases: &[(&[&str], &str)] = &[
        (&["--entrypoint", "web"], "expected NAME=ADDRESS"),
        (&["--entrypoint", "=:80"], "the name is empty"),
        (&["--entrypoint", "my web=:80"], "use letters, digits"),
        (&["--entrypoint", "web=80"], "\"80\" is not an address"),
        (&["--entrypoint", "web=localhost:80"], "is not an address"),
        (&["--entrypoint", "web=:99999"], "is not an address"),
        (
            &["--entrypoint", "web=:443;tsl"],
            "unknown option \"tsl\"; known: tls",
        ),
        (&["--entrypoint", "web=:443;tls;tls"], "tls is given twice"),
        (&["--entrypoint", "web=:443;tls=yes"], "tls takes no value"),
        (
            &["--entrypoint", "web=:80;redirect"],
            "redirect needs a value",
        ),
        (
            &["--entrypoint", "web=:80;tls;redirect=web"],
            "tls and redirect do not go together",
        ),
        (
            &["--entrypoint", "web=:80;redirect=websecure"],
            "redirect=websecure, which is not an entry point",
        ),
        (
            &["--entrypoint", "web=:80;redirect=web"],
            "redirect names the entry point itself",
        ),
        (
            &["--entrypoint", "web=:80;redirect=other,other=:81"],
            "redirect=other, which is not a TLS entry point (add ;tls to it)",
        ),
        (
            &["--entrypoint", "web=:443;certresolver=le"],
            "certresolver needs tls",
        ),
        (
            &["--entrypoint", "web=:443;tls;certresolver=l.e"],
            "a resolver name is letters, digits",
        ),
        (
            &["--entrypoint", "web=:443;tls;certresolver=le"],
            "certresolver \"le\" is not a --certresolver (none is configured",
        ),
        (
            &[
                "--entrypoint",
                "web=:443;tls;certresolver=le",
                "--certresolver",
                "pebble.email=ops@example.com",
            ],
            "(configured: pebble)",
        ),
        (
            &["--entrypoint", "web=:80", "--entrypoint", "web=:81"],
            "the name \"web\" is given twice",
        ),
        (
            &["--entrypoint", "a=127.0.0.1:80,b=127.0.0.1:80"],
            "a and b both listen on 127.0.0.1:80",
        ),
        (
            &[
                "--entrypoint",
                "web=:80",
                "--default-entrypoints",
                "websecure",
            ],
            "names \"websecure\", which is not an entry point (configured: web)",
        ),
        (&["--default-entrypoints", "web,"], "an empty name"),
    ];
    for (args, expected) in cases {
        let message = error(args);
        assert!(message.contains(expected), "{args:?}: {message}");
    }
    // Port 0 is resolved per entry point when bound, so two of them never collide.
    let zero = settings(&["--entrypoint", "a=127.0.0.1:0,b=127.0.0.1:0"]);
    assert_eq!(zero.proxy.entry_points.len(), 2);
}

#[test]
fn the_file_lists_entry_points_and_flags_replace_them_whole() {
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(
        file.path(),
        "entrypoint = [\"web=:80\", \"admin=127.0.0.1:8081\"]\n\
         default-entrypoints = [\"web\"]\n",
    )
    .expect("write");
    let path = file.path().to_str().expect("utf-8 path");
    let from_file = |args: &[&str]| {
        let mut all = vec!["--config", path];
        all.extend_from_slice(args);
        let options = options(&all).with_file().expect("file read");
        listed(&options.resolve().expect("valid"))
    };
    assert_eq!(
        from_file(&[]),
        (
            strings(&["web=0.0.0.0:80", "admin=127.0.0.1:8081"]),
            strings(&["web"])
        )
    );
    assert_eq!(
        from_file(&["--listen", "127.0.0.1:9000"]).0,
        strings(&["web=127.0.0.1:9000"]),
        "a --listen flag replaces the file's entry points rather than clashing with them"
    );

    std::fs::write(
        file.path(),
        "listen = \"127.0.0.1:80\"\nentrypoint = [\"web=:80\"]\n",
    )
    .expect("write");
    let clash = options(&["--config", path])
        .with_file()
        .expect("file read")
        .resolve()
        .expect_err("both in one file");
    assert!(
        clash.to_string().contains("--listen and --entrypoint"),
        "{clash}"
    );

    std::fs::write(file.path(), "entrypoint = [\"web=:80;tlz\"]\n").expect("write");
    let bad = options(&["--config", path])
        .with_file()
        .expect_err("bad option");
    assert!(bad.to_string().contains("unknown option"), "{bad}");
}
