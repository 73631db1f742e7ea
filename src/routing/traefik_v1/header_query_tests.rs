//! Headers, HeadersRegexp and Query against Traefik 1.7, and the rules Traefik rejects or
//! can never match. Sources as in rule_tests.rs.

use super::parse_rule;
use super::tests::{assert_matches, get};
use crate::routing::RuleError;

#[test]
fn headers() {
    assert_matches(&[
        // harness HD1, HD2: names are case-insensitive.
        (
            "Headers:X-Env,prod",
            get("h", "/").header("x-env", "prod"),
            true,
        ),
        (
            "Headers:x-env,prod",
            get("h", "/").header("x-env", "prod"),
            true,
        ),
        // harness HD3, HD4, HD5: one header line is one value, compared exactly.
        (
            "Headers:X-Env,prod",
            get("h", "/").header("x-env", "prod, dev"),
            false,
        ),
        (
            "Headers:X-Env,prod",
            get("h", "/").header("x-env", "dev").header("x-env", "prod"),
            true,
        ),
        (
            "Headers:X-Env,Prod",
            get("h", "/").header("x-env", "prod"),
            false,
        ),
        // harness HD7: an empty value asks only for the header.
        (
            "Headers:X-Env, ",
            get("h", "/").header("x-env", "anything"),
            true,
        ),
        ("Headers:X-Env, ", get("h", "/"), false),
        // harness HD8: pairs AND.
        (
            "Headers:X-A,1,X-B,2",
            get("h", "/").header("x-a", "1"),
            false,
        ),
        (
            "Headers:X-A,1,X-B,2",
            get("h", "/").header("x-a", "1").header("x-b", "2"),
            true,
        ),
        // harness HD9: a name given twice keeps its last value (mux puts pairs in a map).
        (
            "Headers:X-A,1,X-A,2",
            get("h", "/").header("x-a", "2"),
            true,
        ),
        (
            "Headers:X-A,1,X-A,2",
            get("h", "/").header("x-a", "1"),
            false,
        ),
        // harness HD10: two matchers are two tests.
        (
            "Headers:X-A,1;Headers:X-A,2",
            get("h", "/").header("x-a", "1").header("x-a", "2"),
            true,
        ),
    ]);
}

#[test]
fn headers_regexp() {
    let content = |value| get("h", "/").header("content-type", value);
    assert_matches(&[
        // harness HX1: unanchored, as Go's MatchString.
        (
            "HeadersRegexp:Content-Type,application/(text|json)",
            content("application/json"),
            true,
        ),
        (
            "HeadersRegexp:Content-Type,application/(text|json)",
            content("application/jsonx"),
            true,
        ),
        (
            "HeadersRegexp:Content-Type,application/(text|json)",
            content("xapplication/json"),
            true,
        ),
        (
            "HeadersRegexp:Content-Type,application/(text|json)",
            content("text/html"),
            false,
        ),
        // harness HX2, HX3: anchors are the user's to write; case-sensitive.
        (
            "HeadersRegexp:Content-Type,^application/json$",
            content("application/jsonx"),
            false,
        ),
        (
            "HeadersRegexp:Content-Type,JSON",
            content("application/json"),
            false,
        ),
        // harness HX5, HX7: an empty regex asks for presence; any value may match.
        ("HeadersRegexp:X, ", get("h", "/").header("x", "q"), true),
        (
            "HeadersRegexp:X,b",
            get("h", "/").header("x", "a").header("x", "b"),
            true,
        ),
    ]);
}

#[test]
fn query() {
    assert_matches(&[
        // harness Q1, Q2: only the first value of a key counts.
        ("Query:mobile=1", get("h", "/?mobile=1"), true),
        ("Query:mobile=1", get("h", "/?mobile=2"), false),
        ("Query:mobile=1", get("h", "/?mobile=1&mobile=2"), true),
        ("Query:mobile=1", get("h", "/?mobile=2&mobile=1"), false),
        // harness Q3: `key=` is "present, any value".
        ("Query:lang=", get("h", "/?lang=fr"), true),
        ("Query:lang=", get("h", "/?lang"), true),
        ("Query:lang=", get("h", "/?x=1"), false),
        // harness Q4, Q5: pairs AND; keys are case-sensitive.
        ("Query:a=1,b=2", get("h", "/?b=2&a=1"), true),
        ("Query:a=1,b=2", get("h", "/?a=1"), false),
        ("Query:A=1", get("h", "/?a=1"), false),
        // harness Q9, Q14: value templates; literal text is literal.
        ("Query:id={id:[0-9]+}", get("h", "/?id=12"), true),
        ("Query:id={id:[0-9]+}", get("h", "/?id=1x"), false),
        ("Query:v=1.0", get("h", "/?v=1x0"), false),
        // harness Q10: values are compared decoded.
        ("Query:q=a b", get("h", "/?q=a+b"), true),
        ("Query:q=a b", get("h", "/?q=a%20b"), true),
        ("Query:q=a%20b", get("h", "/?q=a%20b"), false),
        // net/url ParseQuery in Go 1.16 (Traefik 1.7's toolchain, build.Dockerfile): ';'
        // separates pairs too.
        ("Query:b=2", get("h", "/?a=1;b=2"), true),
    ]);
}

type Expectation = fn(&RuleError) -> bool;

#[test]
fn rules_traefik_rejects_are_errors() {
    let cases: &[(&str, Expectation)] = &[
        // rules.go parseRules "empty rule"; harness P3
        ("", |e| matches!(e, RuleError::Empty)),
        (" ; ", |e| matches!(e, RuleError::Empty)),
        // harness P5
        ("PathPrefix /x", |e| matches!(e, RuleError::MissingColon(_))),
        // harness P4 (hawser takes any case, but not a misspelling)
        (
            "Hots: a.test",
            |e| matches!(e, RuleError::UnknownMatcher(name) if name == "Hots"),
        ),
        // harness P6
        ("Path:", |e| matches!(e, RuleError::EmptyArgument(_))),
        // harness HD6
        ("Headers: X-Env", |e| {
            matches!(e, RuleError::OddHeaderArguments(_))
        }),
        // harness HX4
        ("HeadersRegexp: X, (", |e| {
            matches!(e, RuleError::BadPattern { .. })
        }),
        // rules_test.go TestParseInvalidSyntax; harness Q6, Q7
        (
            "Path: /path1;Query:param_one=true, /path2",
            |e| matches!(e, RuleError::QueryNotAPair(arg) if arg == "/path2"),
        ),
        (
            "Query: beta",
            |e| matches!(e, RuleError::QueryNotAPair(arg) if arg == "beta"),
        ),
        ("Query: a=b=c", |e| matches!(e, RuleError::QueryNotAPair(_))),
        // harness Q12
        ("Query: id={id:[}", |e| {
            matches!(e, RuleError::BadPattern { .. })
        }),
    ];
    for (text, expected) in cases {
        let err = parse_rule(text).expect_err(text);
        assert!(expected(&err), "{text:?} gave {err:?}");
    }
    let reason = parse_rule("Path: /path1;Query:param_one=true, /path2")
        .expect_err("invalid")
        .to_string();
    assert!(reason.contains("'/path2'"), "{reason}");
}

#[test]
fn rules_traefik_never_matches_are_errors_too() {
    // Traefik builds these but they can never match (or only answer 404): hawser says why.
    let cases: &[(&str, Expectation)] = &[
        // harness P7, P11, P12: empty arguments.
        ("Path: /a,", |e| matches!(e, RuleError::EmptyArgument(_))),
        ("Path: /a, ,/b", |e| {
            matches!(e, RuleError::EmptyArgument(_))
        }),
        // harness D7: a broken template alternative.
        ("Path: /a/{id", |e| {
            matches!(e, RuleError::BadPattern { .. })
        }),
        ("Path: /a/{id:[},/b", |e| {
            matches!(e, RuleError::BadPattern { .. })
        }),
        // harness PA13; rules_test.go TestPathPrefix "no slash", "trailing slash"
        ("Path: foo", |e| matches!(e, RuleError::NotAPath(..))),
        ("PathPrefix: bar/", |e| matches!(e, RuleError::NotAPath(..))),
        // harness M5, HD12, HD11
        ("Method: G E T", |e| matches!(e, RuleError::BadMethod(_))),
        ("Headers: Bad Name, x", |e| {
            matches!(e, RuleError::BadHeaderName(_))
        }),
        ("Headers: Host, a.test", |e| {
            matches!(e, RuleError::HostHeader(_))
        }),
        // harness AP4, RP4: a request line without '/'.
        ("AddPrefix: api", |e| matches!(e, RuleError::NotAPath(..))),
        ("ReplacePath: new", |e| matches!(e, RuleError::NotAPath(..))),
        // harness D9: Traefik keeps the last argument; hawser asks for one.
        ("AddPrefix: /a, /b", |e| {
            matches!(e, RuleError::OneArgument(_, 2))
        }),
    ];
    for (text, expected) in cases {
        let err = parse_rule(text).expect_err(text);
        assert!(expected(&err), "{text:?} gave {err:?}");
        assert!(!err.to_string().is_empty());
    }
}
