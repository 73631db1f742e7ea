use super::*;
use crate::routing::middleware::test_support::request;

const TEST: &str = "test:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/";
const TEST2: &str = "test2:$apr1$d9hr9HBB$4HxwgUir3HP4EsggP/QNo0";

fn parse(pairs: &[(&str, &str)]) -> Result<BasicAuth, OptionError> {
    let mut options = Options::new("traefik.http.middlewares.a.basicauth");
    for (key, value) in pairs {
        options.push(key, key, value);
    }
    let parsed = BasicAuth::from_options(&options)?;
    options.finish()?;
    Ok(parsed)
}

fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
}

fn check(auth: &BasicAuth, headers: &[(&str, &str)], file: Option<&Users>) -> (Verdict, Parts) {
    let mut parts = request("GET", "/", headers);
    let verdict = auth.authenticate(&mut parts, file);
    (verdict, parts)
}

#[test]
fn good_credentials_pass_and_others_are_challenged() {
    // pkg/middlewares/auth/basic_auth_test.go, and the doc's two users
    let auth = parse(&[("users", &format!("{TEST},{TEST2}"))]).expect("valid");
    for (user, password) in [("test", "test"), ("test2", "test2")] {
        let (verdict, parts) = check(&auth, &[("authorization", &basic(user, password))], None);
        assert_eq!(verdict, Verdict::Continue, "{user}");
        assert!(
            parts.headers.contains_key("authorization"),
            "kept by default"
        );
    }
    for headers in [
        vec![("authorization", basic("test", "wrong"))],
        vec![("authorization", basic("nobody", "test"))],
        vec![("authorization", "Bearer abc".to_owned())],
        vec![("authorization", "Basic !!!".to_owned())],
        vec![],
    ] {
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
            .collect();
        let (verdict, _) = check(&auth, &headers, None);
        let Verdict::Respond(answer) = verdict else {
            panic!("{headers:?} passed");
        };
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            answer.headers["www-authenticate"],
            "Basic realm=\"traefik\""
        );
        assert_eq!(answer.headers["content-type"], "text/plain");
        assert_eq!(answer.body, "401 Unauthorized\n");
    }
    let lower = format!("basic {}", STANDARD.encode("test:test"));
    assert_eq!(
        check(&auth, &[("authorization", &lower)], None).0,
        Verdict::Continue,
        "the scheme in any case"
    );
}

#[test]
fn plain_text_passwords_are_refused_with_a_warning() {
    // basic_auth_test.go TestBasicAuthFail: "test:test" with password test is 401
    let mut options = Options::new("traefik.http.middlewares.a.basicauth");
    options.push(
        "users",
        "traefik.http.middlewares.a.basicauth.users",
        "test:test",
    );
    let auth = BasicAuth::from_options(&options).expect("Traefik builds it");
    assert!(matches!(
        check(&auth, &[("authorization", &basic("test", "test"))], None).0,
        Verdict::Respond(_)
    ));
    let warnings = options.warnings();
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0].contains("\"test\"") && warnings[0].contains("never matches"),
        "{warnings:?}"
    );
}

#[test]
fn the_realm_header_field_and_remove_header() {
    // basic_auth_test.go: realm traefiker; headerField X-Webauth-User; a client's X-User
    // replaced; removeHeader
    let auth = parse(&[("users", TEST), ("realm", "traefiker")]).expect("valid");
    let Verdict::Respond(answer) = check(&auth, &[], None).0 else {
        panic!("no credentials");
    };
    assert_eq!(
        answer.headers["www-authenticate"],
        "Basic realm=\"traefiker\""
    );
    let auth = parse(&[("users", TEST), ("headerField", "x-user")]).expect("valid");
    let credentials = basic("test", "test");
    let (_, parts) = check(
        &auth,
        &[("authorization", &credentials), ("x-user", "admin")],
        None,
    );
    let users: Vec<_> = parts.headers.get_all("x-user").iter().collect();
    assert_eq!(users, ["test"]);
    let auth = parse(&[("users", TEST), ("removeHeader", "true")]).expect("valid");
    let (verdict, parts) = check(&auth, &[("authorization", &credentials)], None);
    assert_eq!(verdict, Verdict::Continue);
    assert!(!parts.headers.contains_key("authorization"));
}

#[test]
fn the_label_wins_over_the_file_for_the_same_user() {
    // basic_auth_test.go: file test/test2, given test2 with password "overridden"
    let file = Users::parse_file(&format!("{TEST}\n#Comment\n{TEST2}\n")).expect("valid");
    let auth = parse(&[
        ("users", "test2:$apr1$mK.GtItK$ncnLYvNLek0weXdxo68690"),
        ("usersFile", "/etc/users"),
    ])
    .expect("valid");
    assert_eq!(
        auth.users_file.as_deref(),
        Some(std::path::Path::new("/etc/users"))
    );
    let passes = |user: &str, password: &str| {
        check(
            &auth,
            &[("authorization", &basic(user, password))],
            Some(&file),
        )
        .0 == Verdict::Continue
    };
    assert!(passes("test", "test"), "from the file");
    assert!(passes("test2", "overridden"), "the label's");
    assert!(!passes("test2", "test2"), "the file's is overridden");
    assert!(!passes("foo", "foo"));
}

#[test]
fn bad_options_name_their_label() {
    // basic_auth_test.go: no users, and "test" alone, are build errors
    let err = parse(&[]).expect_err("no users");
    assert_eq!(err.label, "traefik.http.middlewares.a.basicauth.users");
    let err = parse(&[("users", "test")]).expect_err("not name:hash");
    assert_eq!(err.label, "users");
    let err = parse(&[("users", TEST), ("headerField", "bad field")]).expect_err("header");
    assert_eq!(err.label, "headerField");
    assert!(
        parse(&[("usersFile", "/etc/users")]).is_ok(),
        "a file alone is enough"
    );
}
