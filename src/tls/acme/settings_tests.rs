use std::path::Path;

use super::*;

fn parse(values: &[&str]) -> Result<Vec<CertResolverSettings>, TlsError> {
    let values: Vec<String> = values.iter().map(|value| (*value).to_owned()).collect();
    parse_cert_resolvers(&values, Path::new("acme.json"))
}

#[test]
fn a_resolver_gets_its_options_and_defaults() {
    let resolvers = parse(&[
        "le.email=ops@example.com,storage=/data/acme.json,challenge=tlsalpn",
        "pebble.ca=https://127.0.0.1:14000/dir, ca-root=/tmp/pebble.pem , challenge=http",
        "staging.ca=letsencrypt-staging",
    ])
    .expect("valid");
    assert_eq!(
        resolvers,
        [
            CertResolverSettings {
                name: "le".into(),
                email: Some("ops@example.com".into()),
                storage: "/data/acme.json".into(),
                challenge: ChallengeKind::TlsAlpn01,
                ca: LETS_ENCRYPT.into(),
                ca_root: None,
            },
            CertResolverSettings {
                name: "pebble".into(),
                email: None,
                storage: "acme.json".into(),
                challenge: ChallengeKind::Http01,
                ca: "https://127.0.0.1:14000/dir".into(),
                ca_root: Some("/tmp/pebble.pem".into()),
            },
            CertResolverSettings {
                name: "staging".into(),
                email: None,
                storage: "acme.json".into(),
                challenge: ChallengeKind::Http01,
                ca: LETS_ENCRYPT_STAGING.into(),
                ca_root: None,
            },
        ]
    );
}

#[test]
fn options_may_be_split_over_flags_and_use_traefiks_names() {
    // Traefik: --certificatesresolvers.le.acme.email, .caServer, .storage, .tlsChallenge.
    let resolvers = parse(&[
        "le.email=ops@example.com",
        "le.caServer=https://acme.example/dir",
        "le.challenge=tlsChallenge",
    ])
    .expect("valid");
    assert_eq!(resolvers.len(), 1);
    assert_eq!(resolvers[0].ca, "https://acme.example/dir");
    assert_eq!(resolvers[0].challenge, ChallengeKind::TlsAlpn01);
    assert_eq!(resolvers[0].email.as_deref(), Some("ops@example.com"));
}

#[test]
fn bad_definitions_are_errors_naming_the_resolver_and_the_problem() {
    let cases = [
        ("le", "NAME.KEY=VALUE"),
        ("le.email", "not KEY=VALUE"),
        ("le.colour=blue", "unknown option \"colour\""),
        ("le.email=nobody", "not an address"),
        ("le.challenge=dns", "DNS-01 is not supported"),
        (
            "le.challenge=carrier-pigeon",
            "use http (HTTP-01) or tlsalpn",
        ),
        ("le.ca=http://acme.example/dir", "must be an https://"),
        ("le.ca=not a url", "not a URL"),
        ("le.storage=", "storage is empty"),
        ("le.ca-root=", "ca-root is empty"),
        ("l e.email=a@b.c", "the name must be"),
        ("file.email=a@b.c", "reserved"),
        ("default.email=a@b.c", "reserved"),
    ];
    for (value, expected) in cases {
        let err = parse(&[value]).expect_err(value).to_string();
        assert!(err.starts_with("--certresolver "), "{err}");
        assert!(err.contains(expected), "{value}: {err} lacks {expected:?}");
    }
    let err = parse(&["le.email=a@b.c", "le.email=d@e.f"]).expect_err("twice");
    assert!(err.to_string().contains("email is given twice"), "{err}");
}
