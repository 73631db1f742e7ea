//! traefik-v3-routing.md §2.4 and the swarm provider docs' examples (§4.3, S13:
//! `master:docs/content/reference/install-configuration/providers/swarm.md`), evaluated as
//! `pkg/provider/constraints/constraints_labels.go` does.

use std::collections::BTreeMap;

use super::*;
use crate::routing::error::SyntaxProblem;

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

fn check(expression: &str, cases: &[(&[(&str, &str)], bool)]) {
    let constraints =
        parse_constraints(expression).unwrap_or_else(|err| panic!("{expression:?}: {err}"));
    for (pairs, expected) in cases {
        assert_eq!(
            constraints.matches(&labels(pairs)),
            *expected,
            "{expression:?} on {pairs:?}"
        );
    }
}

#[test]
fn documentation_examples() {
    check(
        "Label(`a.label.name`, `foo`)",
        &[
            (&[("a.label.name", "foo")], true),
            (&[("a.label.name", "foobar")], false),
            (&[], false),
        ],
    );
    check(
        "!Label(`a.label.name`, `value`)",
        &[(&[("a.label.name", "value")], false), (&[], true)],
    );
    check(
        "Label(`a.label.name`, `valueA`) && Label(`another.label.name`, `valueB`)",
        &[
            (
                &[("a.label.name", "valueA"), ("another.label.name", "valueB")],
                true,
            ),
            (&[("a.label.name", "valueA")], false),
        ],
    );
    check(
        "Label(`a.label.name`, `valueA`) || Label(`another.label.name`, `valueB`)",
        &[
            (&[("another.label.name", "valueB")], true),
            (&[("a.label.name", "valueB")], false),
        ],
    );
    check(
        "Label(`a`, `valueA`) && (Label(`b`, `valueB`) || Label(`c`, `valueC`))",
        &[
            (&[("a", "valueA"), ("c", "valueC")], true),
            (&[("a", "valueA")], false),
            (&[("b", "valueB"), ("c", "valueC")], false),
        ],
    );
    check(
        "LabelRegex(`a.label.name`, `a.+`)",
        &[
            (&[("a.label.name", "abc")], true),
            (&[("a.label.name", "xaz")], true),
            (&[("a.label.name", "a")], false),
            (&[], false),
        ],
    );
}

#[test]
fn missing_labels_read_as_empty_and_empty_arguments_are_allowed() {
    check("Label(`x`, ``)", &[(&[], true), (&[("x", "1")], false)]);
    check("LabelRegex(`x`, `.*`)", &[(&[], true)]);
    check(
        "LabelRegex(`x`, `^$`)",
        &[(&[("x", "")], true), (&[("x", "y")], false)],
    );
    // Every label is visible, traefik.* included, despite what the docs say.
    check(
        "Label(`traefik.enable`, `true`)",
        &[(&[("traefik.enable", "true")], true)],
    );
}

#[test]
fn regexes_are_go_regexes_searched_unanchored() {
    check(
        r"LabelRegex(`tier`, `^\d+$`)",
        &[(&[("tier", "12")], true), (&[("tier", "١٢")], false)],
    );
    check(
        "LabelRegex(`env`, `prod`)",
        &[(&[("env", "preprod")], true)],
    );
}

#[test]
fn an_empty_expression_accepts_everything() {
    for text in ["", "  ", "\n"] {
        check(text, &[(&[], true), (&[("a", "b")], true)]);
    }
}

#[test]
fn errors() {
    let unknown = |text: &str| match parse_constraints(text) {
        Err(RuleError::UnknownFunction { name, known, .. }) => (name, known),
        other => panic!("{text:?}: {other:?}"),
    };
    // Only the exact names: no other spellings, unlike router rules.
    assert_eq!(unknown("label(`a`, `b`)").0, "label");
    assert_eq!(unknown("LABEL(`a`, `b`)").0, "LABEL");
    assert_eq!(
        unknown("Host(`a`)").1,
        "Label, LabelRegex (exactly as written)"
    );
    for text in ["Label(`a`)", "LabelRegex(`a`, `b`, `c`)"] {
        match parse_constraints(text) {
            Err(RuleError::BadMatcher { problem, .. }) => assert!(
                matches!(*problem, MatcherProblem::ArgumentCount { .. }),
                "{text}: {problem:?}"
            ),
            other => panic!("{text}: {other:?}"),
        }
    }
    // Traefik would evaluate this to false on every service; hawser refuses it up front.
    match parse_constraints("Label(`a`, `b`) || LabelRegex(`a`, `(`)") {
        Err(RuleError::BadMatcher { at, problem, .. }) => {
            assert_eq!(
                at,
                Position {
                    line: 1,
                    column: 36
                }
            );
            assert!(
                matches!(*problem, MatcherProblem::BadRegex { .. }),
                "{problem:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        parse_constraints("Label(`a`, `b`) &&"),
        Err(RuleError::Syntax {
            problem: SyntaxProblem::Unexpected { .. },
            ..
        })
    ));
}
