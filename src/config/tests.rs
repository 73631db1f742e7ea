use std::time::Duration;

use clap::Parser;

use super::*;

fn parse(args: &[&str]) -> Options {
    let mut argv = vec!["hawser"];
    argv.extend_from_slice(args);
    Cli::try_parse_from(argv).expect("valid flags").options
}

#[test]
fn defaults_match_the_documentation() {
    let settings = parse(&["--docker-host", "unix:///var/run/docker.sock"])
        .resolve()
        .expect("valid");
    let [entry_point] = settings.proxy.entry_points.as_slice() else {
        panic!("one entry point: {:?}", settings.proxy.entry_points)
    };
    assert_eq!(entry_point.name, "web");
    assert_eq!(entry_point.address.to_string(), "0.0.0.0:80");
    assert_eq!(settings.admin_listen.to_string(), "0.0.0.0:8080");
    assert_eq!(settings.routing.labels.prefix, "traefik");
    assert!(settings.routing.labels.exposed_by_default);
    assert_eq!(settings.proxy.access_log, AccessLogFormat::Off);
    assert_eq!(settings.proxy.header_read_timeout, Duration::from_secs(30));
    assert_eq!(
        settings.proxy.backend_connect_timeout,
        Duration::from_secs(5)
    );
    assert_eq!(
        settings.proxy.backend_response_timeout,
        Duration::from_secs(60)
    );
    assert_eq!(settings.proxy.grace_period, Duration::from_secs(10));
    assert_eq!(settings.proxy.retries, 2);
    assert_eq!(settings.poll.quiet_interval, Duration::from_secs(1));
    assert_eq!(settings.poll.active_interval, Duration::from_millis(200));
    assert!(settings.proxy.workers >= 1);
    assert_eq!(
        settings.docker,
        Some(DockerEndpoint::Unix("/var/run/docker.sock".into()))
    );
}

#[test]
fn flags_are_parsed_into_typed_values() {
    let settings = parse(&[
        "--docker-host",
        "tcp://10.0.0.1:2375",
        "--listen",
        "127.0.0.1:8000",
        "--exposed-by-default=false",
        "--access-log",
        "json",
        "--log-level",
        "debug",
        "--trusted-proxies",
        "10.0.0.0/8,192.168.0.0/16",
        "--poll-interval-active",
        "150ms",
        "--grace-period",
        "1m",
        "--network",
        "proxy",
        "--domain",
        "docker.localhost",
        "--workers",
        "3",
    ])
    .resolve()
    .expect("valid");
    assert_eq!(
        settings.proxy.entry_points[0].address.to_string(),
        "127.0.0.1:8000"
    );
    assert!(!settings.routing.labels.exposed_by_default);
    assert_eq!(settings.proxy.access_log, AccessLogFormat::Json);
    assert_eq!(settings.log_level, LogLevel::Debug);
    assert_eq!(settings.proxy.trusted_proxies.len(), 2);
    assert!(settings.proxy.is_trusted("10.1.2.3".parse().expect("ip")));
    assert!(!settings.proxy.is_trusted("172.16.0.1".parse().expect("ip")));
    assert_eq!(settings.poll.active_interval, Duration::from_millis(150));
    assert_eq!(settings.proxy.grace_period, Duration::from_secs(60));
    assert_eq!(settings.routing.default_network.as_deref(), Some("proxy"));
    assert_eq!(
        settings.routing.labels.domain.as_deref(),
        Some("docker.localhost")
    );
    assert_eq!(settings.proxy.workers, 3);
}

#[test]
fn the_config_file_fills_gaps_and_flags_win() {
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(
        file.path(),
        "listen = \"127.0.0.1:9000\"\nadmin-listen = \"127.0.0.1:9001\"\n\
         label-prefix = \"hawser\"\nbackend-connect-timeout = \"2s\"\nno-docker = true\n\
         file = \"/etc/hawser/routes.toml\"\ntrusted-proxies = [\"10.0.0.0/8\"]\n",
    )
    .expect("write");
    let path = file.path().to_str().expect("utf-8 path");
    let settings = parse(&["--config", path, "--listen", "127.0.0.1:7000"])
        .with_file()
        .expect("file read")
        .resolve()
        .expect("valid");
    assert_eq!(
        settings.proxy.entry_points[0].address.to_string(),
        "127.0.0.1:7000",
        "the flag wins"
    );
    assert_eq!(settings.admin_listen.to_string(), "127.0.0.1:9001");
    assert_eq!(settings.routing.labels.prefix, "hawser");
    assert_eq!(
        settings.proxy.backend_connect_timeout,
        Duration::from_secs(2)
    );
    assert!(settings.docker.is_none());
    assert_eq!(settings.proxy.trusted_proxies.len(), 1);
}

#[test]
fn bad_settings_are_clear_errors() {
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), "lisen = \"127.0.0.1:9000\"\n").expect("write");
    let path = file.path().to_str().expect("utf-8 path");
    let err = parse(&["--config", path])
        .with_file()
        .expect_err("unknown key");
    assert!(err.to_string().contains("lisen"), "{err}");

    let err = parse(&["--no-docker"])
        .resolve()
        .expect_err("nothing to route");
    assert!(err.to_string().contains("--file"), "{err}");
    let err = parse(&["--docker-host", "ftp://x"])
        .resolve()
        .expect_err("bad scheme");
    assert!(err.to_string().contains("ftp://x"), "{err}");
    let err = parse(&["--workers", "0", "--docker-host", "unix:///s"])
        .resolve()
        .expect_err("no workers");
    assert!(err.to_string().contains("--workers"), "{err}");

    let mut argv = vec!["hawser", "--grace-period", "soon"];
    assert!(Cli::try_parse_from(argv.clone()).is_err());
    argv[1] = "--listen";
    argv[2] = "localhost";
    assert!(Cli::try_parse_from(argv).is_err());
}

#[test]
fn healthcheck_is_a_subcommand() {
    let cli = Cli::try_parse_from(["hawser", "healthcheck"]).expect("valid");
    assert!(matches!(cli.command, Some(Command::Healthcheck { .. })));
}

/// The README's command-line table: each flag's default column, backticks removed.
fn readme_defaults() -> std::collections::HashMap<String, String> {
    let readme = include_str!("../../README.md");
    readme
        .lines()
        .filter_map(|line| line.strip_prefix("| `--"))
        .filter_map(|row| {
            let name: String = row
                .chars()
                .take_while(|ch| ch.is_ascii_alphanumeric() || *ch == '-')
                .collect();
            let default = row.split(" | ").nth(1)?.replace('`', "");
            Some((name, default))
        })
        .collect()
}

#[test]
fn the_readme_shows_the_defaults_the_flags_use() {
    use clap::CommandFactory;
    let readme = readme_defaults();
    let command = Cli::command();
    let mut checked = 0;
    for arg in command.get_arguments() {
        let Some(name) = arg.get_long() else { continue };
        let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
        let Some(default) = help
            .split_once("[default: ")
            .and_then(|(_, rest)| rest.strip_suffix(']'))
        else {
            continue;
        };
        let written = readme
            .get(name)
            .unwrap_or_else(|| panic!("README has no row for --{name}"));
        assert_eq!(written, default, "--{name}: README vs flag help");
        checked += 1;
    }
    assert!(
        checked >= 20,
        "only {checked} flags have a default in their help"
    );
}

#[test]
fn the_example_config_file_spells_out_the_defaults() {
    let docker = ["--docker-host", "unix:///var/run/docker.sock"];
    let example = parse(&docker);
    let text = include_str!("../../config/hawser.toml");
    let from_file: Options = toml::from_str(text).expect("the example parses");
    let with_file = example.or(from_file).resolve().expect("valid");
    let defaults = parse(&docker).resolve().expect("valid");
    assert_eq!(format!("{with_file:?}"), format!("{defaults:?}"));
}

#[test]
fn tls_flags_become_tls_settings() {
    use crate::tls::acme::ChallengeKind;
    use crate::tls::{ClientAuthMode, TlsVersion};
    let settings = parse(&[
        "--no-docker",
        "--file",
        "routes.toml",
        "--tls-cert",
        "/certs/a.crt,/certs/b.crt",
        "--tls-key",
        "/certs/a.key",
        "--tls-key",
        "/certs/b.key",
        "--tls-cert-dir",
        "/run/secrets",
        "--tls-min-version",
        "1.3",
        "--tls-cipher-suites",
        "TLS_AES_256_GCM_SHA384",
        "--tls-client-ca",
        "/certs/clients.pem",
        "--tls-client-auth",
        "verify-if-given",
        "--tls-sni-strict",
        "--certresolver",
        "le.email=ops@example.com,challenge=tlsalpn",
        "--certresolver",
        "le.storage=/data/acme.json",
    ])
    .resolve()
    .expect("valid");
    let tls = &settings.tls;
    assert_eq!(tls.files.pairs.len(), 2);
    assert_eq!(tls.files.pairs[1].cert, Path::new("/certs/b.crt"));
    assert_eq!(tls.files.pairs[1].key, Path::new("/certs/b.key"));
    assert_eq!(tls.files.directories, [PathBuf::from("/run/secrets")]);
    assert_eq!(tls.options.min_version, TlsVersion::Tls13);
    assert_eq!(tls.options.cipher_suites.len(), 1);
    let client_auth = tls.options.client_auth.as_ref().expect("mutual TLS");
    assert_eq!(client_auth.mode, ClientAuthMode::VerifyIfGiven);
    assert!(tls.options.sni_strict);
    assert!(tls.options.session_tickets);
    assert_eq!(tls.resolvers.len(), 1);
    assert_eq!(tls.resolvers[0].challenge, ChallengeKind::TlsAlpn01);
    assert_eq!(tls.resolvers[0].storage, Path::new("/data/acme.json"));

    let defaults = parse(&["--docker-host", "unix:///s"])
        .resolve()
        .expect("valid");
    assert_eq!(defaults.tls.options, crate::tls::TlsOptions::default());
    assert_eq!(defaults.tls.poll_interval, Duration::from_secs(2));
    assert!(defaults.tls.resolvers.is_empty());
    assert_eq!(defaults.tls.files, crate::tls::CertificateFiles::default());
}

#[test]
fn bad_tls_flags_are_clear_errors() {
    let cases: [(&[&str], &str); 8] = [
        (
            &["--tls-cert", "a.crt"],
            "--tls-cert and --tls-key come in pairs",
        ),
        (&["--tls-default-cert", "d.crt"], "--tls-default-key"),
        (&["--tls-min-version", "1.1"], "--tls-min-version"),
        (
            &["--tls-min-version", "1.3", "--tls-max-version", "1.2"],
            "above",
        ),
        (&["--tls-cipher-suites", "RC4"], "\"RC4\" is unknown"),
        (&["--tls-client-auth", "require"], "needs --tls-client-ca"),
        (
            &[
                "--tls-client-ca",
                "ca.pem",
                "--tls-client-auth",
                "RequireAnyClientCert",
            ],
            "--tls-client-auth",
        ),
        (&["--certresolver", "le.challenge=dns"], "DNS-01"),
    ];
    for (flags, expected) in cases {
        let mut args = vec!["--docker-host", "unix:///s"];
        args.extend_from_slice(flags);
        let err = parse(&args).resolve().expect_err(expected).to_string();
        assert!(err.contains(expected), "{flags:?}: {err}");
    }
}

#[test]
fn the_default_rule_is_traefiks_unless_set_and_a_bad_one_stops_startup() {
    use std::collections::BTreeMap;
    let docker = ["--docker-host", "unix:///var/run/docker.sock"];
    let settings = parse(&docker).resolve().expect("valid");
    let labels = BTreeMap::new();
    assert_eq!(
        settings.routing.default_rule.render("demo-web", &labels),
        "Host(`demo-web`)"
    );
    let mut args = docker.to_vec();
    args.extend(["--default-rule", "Host(`{{ .Name }}.example.org`)"]);
    let settings = parse(&args).resolve().expect("valid");
    assert_eq!(
        settings.routing.default_rule.render("demo-web", &labels),
        "Host(`demo-web.example.org`)"
    );
    let mut args = docker.to_vec();
    args.extend(["--default-rule", "Host(`{{ .ContainerName }}`)"]);
    let err = parse(&args).resolve().expect_err("unsupported template");
    let text = err.to_string();
    assert!(text.starts_with("--default-rule: "), "{text}");
    assert!(text.contains(".ContainerName is not supported"), "{text}");
}

#[test]
fn constraints_are_parsed_at_startup() {
    let docker = ["--docker-host", "unix:///var/run/docker.sock"];
    assert!(
        parse(&docker)
            .resolve()
            .expect("valid")
            .routing
            .constraints
            .is_none()
    );
    let mut args = docker.to_vec();
    args.extend(["--constraints", "Label(`team`, `blue`)"]);
    let settings = parse(&args).resolve().expect("valid");
    let constraints = settings.routing.constraints.expect("set");
    assert_eq!(constraints.text, "Label(`team`, `blue`)");
    let labels = [("team".to_owned(), "blue".to_owned())].into();
    assert!(constraints.constraints.matches(&labels));
    let mut args = docker.to_vec();
    args.extend(["--constraints", "label(`team`, `blue`)"]);
    let err = parse(&args).resolve().expect_err("unknown function");
    assert!(
        err.to_string()
            .starts_with("--constraints \"label(`team`, `blue`)\": "),
        "{err}"
    );
}

#[test]
fn limits_and_path_policy_have_safe_defaults_and_read_sizes() {
    let docker = ["--docker-host", "unix:///s"];
    let settings = parse(&docker).resolve().expect("valid");
    let limits = &settings.proxy.limits;
    assert_eq!(limits.connections, None);
    assert_eq!(limits.connections_per_ip, None);
    assert_eq!(limits.header_count, 100);
    assert_eq!(limits.header_size, 32 * 1024);
    assert_eq!(limits.uri_length, 8 * 1024);
    assert_eq!(limits.request_body, None);
    assert_eq!(settings.proxy.paths, PathPolicy::default());
    assert_eq!(settings.proxy.paths.encoded_slashes, EncodedSlashes::Reject);
    assert_eq!(settings.proxy.paths.encoded_dots, EncodedDots::Reject);

    let mut args = docker.to_vec();
    args.extend([
        "--max-connections",
        "5000",
        "--max-connections-per-ip",
        "50",
        "--max-header-size",
        "16KiB",
        "--max-uri-length",
        "4096",
        "--max-request-body",
        "10MiB",
        "--encoded-slashes",
        "keep",
        "--encoded-dots",
        "decode",
    ]);
    let settings = parse(&args).resolve().expect("valid");
    let limits = &settings.proxy.limits;
    assert_eq!(limits.connections, Some(5000));
    assert_eq!(limits.connections_per_ip, Some(50));
    assert_eq!(limits.header_size, 16 * 1024);
    assert_eq!(limits.uri_length, 4096);
    assert_eq!(limits.request_body, Some(10 << 20));
    assert_eq!(settings.proxy.paths.encoded_slashes, EncodedSlashes::Keep);
    assert_eq!(settings.proxy.paths.encoded_dots, EncodedDots::Decode);
}

#[test]
fn sizes_are_bytes_or_binary_units() {
    let cases = [
        ("0", Some(0)),
        ("8192", Some(8192)),
        ("16KiB", Some(16 << 10)),
        ("16kib", Some(16 << 10)),
        ("10 MiB", Some(10 << 20)),
        ("1GiB", Some(1 << 30)),
        ("12b", Some(12)),
        ("16KB", None),
        ("1.5MiB", None),
        ("MiB", None),
        ("-1", None),
        ("99999999999GiB", None),
    ];
    for (text, expected) in cases {
        assert_eq!(
            text.parse::<ByteSize>().ok().map(|size| size.0),
            expected,
            "{text}"
        );
    }
    let from_file: Options =
        toml::from_str("max-request-body = 4096\nmax-header-size = \"8KiB\"\n").expect("valid");
    assert_eq!(from_file.max_request_body, Some(ByteSize(4096)));
    assert_eq!(from_file.max_header_size, Some(ByteSize(8192)));
}

#[test]
fn limits_out_of_range_are_clear_errors() {
    let bad = [
        (["--max-connections", "0"], "--max-connections"),
        (
            ["--max-connections-per-ip", "0"],
            "--max-connections-per-ip",
        ),
        (["--max-header-count", "0"], "--max-header-count"),
        (["--max-header-size", "512"], "--max-header-size"),
        (["--max-header-size", "2MiB"], "--max-header-size"),
        (["--max-uri-length", "0"], "--max-uri-length"),
        (["--max-uri-length", "64KiB"], "--max-uri-length"),
    ];
    for (flag, named) in bad {
        let mut args = vec!["--docker-host", "unix:///s"];
        args.extend(flag);
        let err = parse(&args).resolve().expect_err("out of range");
        assert!(err.to_string().contains(named), "{flag:?}: {err}");
    }
    assert!(Cli::try_parse_from(["hawser", "--encoded-dots", "allow"]).is_err());
    assert!(Cli::try_parse_from(["hawser", "--max-request-body", "lots"]).is_err());
}
