use std::collections::BTreeMap;

use super::*;

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect()
}

fn render(template: &str, name: &str, pairs: &[(&str, &str)]) -> String {
    RuleTemplate::parse(template)
        .unwrap_or_else(|err| panic!("{err}"))
        .render(name, &labels(pairs))
}

#[test]
fn the_default_is_traefiks_and_parses_to_itself() {
    let parsed = RuleTemplate::parse(DEFAULT_RULE).expect("valid");
    assert_eq!(parsed, RuleTemplate::default());
    assert_eq!(
        RuleTemplate::default().render("mystack-web", &BTreeMap::new()),
        "Host(`mystack-web`)"
    );
}

/// S14 (`master:…/install-configuration/providers/swarm.md`): a custom label in the default
/// rule; `.Name` is already normalized, and `}}` may follow the string without a space.
#[test]
fn the_docs_default_rule_with_a_label() {
    assert_eq!(
        render(
            "Host(`{{ .Name }}.{{ index .Labels \"customLabel\"}}`)",
            "mystack-web",
            &[("customLabel", "example.org")],
        ),
        "Host(`mystack-web.example.org`)"
    );
}

#[test]
fn every_supported_form() {
    let pairs = [("team", "Blue_Team"), ("zone", "eu")];
    let cases = [
        ("{{.Name}}", "web"),
        ("{{ normalize .Name }}", "web"),
        ("{{ index .Labels `team` }}", "Blue_Team"),
        ("{{ normalize (index .Labels \"team\") }}", "Blue-Team"),
        ("{{normalize(index .Labels \"team\")}}", "Blue-Team"),
        ("{{ index .Labels \"missing\" }}", ""),
        (
            "Host(`{{ .Name }}.{{ index .Labels `zone` }}.example`)",
            "Host(`web.eu.example`)",
        ),
        ("PathPrefix(`/`)", "PathPrefix(`/`)"),
        ("", ""),
    ];
    for (template, expected) in cases {
        assert_eq!(render(template, "web", &pairs), expected, "{template}");
    }
}

#[test]
fn anything_else_is_refused_with_its_position() {
    let cases = [
        ("Host(`{{ .ContainerName }}`)", 9),
        ("{{ .Name | lower }}", 9),
        ("{{ lower .Name }}", 3),
        ("{{ index .Labels }}", 17),
        ("{{ index .Name \"k\" }}", 9),
        ("{{ .Name", 8),
        ("{{- .Name }}", 2),
        ("{{ normalize (index .Labels \"k\" }}", 32),
        ("Host(`x`)}}", 9),
        ("{{ . }}", 3),
        ("{{ \"unterminated }}", 3),
    ];
    for (template, position) in cases {
        let err = RuleTemplate::parse(template).expect_err(template);
        assert_eq!(err.position, position, "{template}: {err}");
        assert_eq!(err.template, template);
        assert!(
            err.to_string().contains(&format!("at byte {position}")),
            "{err}"
        );
    }
}
