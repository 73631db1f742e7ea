use super::*;
use crate::routing::pattern::PatternKind;

fn pattern(source: &str) -> Pattern {
    Pattern::parse(source, PatternKind::Path).expect("valid pattern")
}

fn rule(modifiers: Vec<Modifier>) -> Rule {
    Rule {
        expr: Expr::All(vec![]),
        modifiers,
    }
}

#[test]
fn strip_prefix_keeps_a_leading_slash() {
    let strip = rule(vec![Modifier::StripPrefix(vec![pattern("/hello/")])]);
    let cases = [
        ("/hello/world", "/world"),
        ("/hello/", "/"),
        ("/hello//x", "/x"),
    ];
    for (input, expected) in cases {
        let rewrite = strip.rewrite(input);
        assert_eq!(rewrite.path, expected, "{input}");
        assert_eq!(rewrite.stripped_prefix.as_deref(), Some("/hello/"));
    }
    let ping = rule(vec![Modifier::StripPrefix(vec![pattern("/ping")])]);
    assert_eq!(ping.rewrite("/ping").path, "/");
    assert_eq!(ping.rewrite("/ping/x").path, "/x");
    assert_eq!(ping.rewrite("/pingpong").path, "/pong");
}

#[test]
fn strip_prefix_removes_the_longest_matching_prefix() {
    let strip = rule(vec![Modifier::StripPrefix(vec![
        pattern("/api"),
        pattern("/api/v2"),
    ])]);
    let rewrite = strip.rewrite("/api/v2/users");
    assert_eq!(rewrite.path, "/users");
    assert_eq!(rewrite.stripped_prefix.as_deref(), Some("/api/v2"));
}

#[test]
fn strip_prefix_with_a_template_strips_what_the_template_matched() {
    let strip = rule(vec![Modifier::StripPrefix(vec![pattern("/t/{tenant}")])]);
    let rewrite = strip.rewrite("/t/acme/orders");
    assert_eq!(rewrite.path, "/orders");
    assert_eq!(rewrite.stripped_prefix.as_deref(), Some("/t/acme"));
}

#[test]
fn strip_path_leaves_the_root() {
    let strip = rule(vec![Modifier::StripPath(vec![pattern("/health")])]);
    let rewrite = strip.rewrite("/health");
    assert_eq!(rewrite.path, "/");
    assert_eq!(rewrite.stripped_prefix.as_deref(), Some("/health"));
    assert_eq!(strip.rewrite("/healthz").path, "/healthz");
}

#[test]
fn modifiers_apply_in_order() {
    let chain = rule(vec![
        Modifier::StripPrefix(vec![pattern("/v1")]),
        Modifier::AddPrefix("/api".into()),
    ]);
    assert_eq!(chain.rewrite("/v1/users").path, "/api/users");
    let replace = rule(vec![Modifier::ReplacePath("/fixed".into())]);
    let rewrite = replace.rewrite("/anything");
    assert_eq!(rewrite.path, "/fixed");
    assert_eq!(rewrite.replaced_path.as_deref(), Some("/anything"));
}

#[test]
fn replace_path_regex_uses_capture_groups_and_skips_non_matches() {
    let replace = rule(vec![Modifier::ReplacePathRegex {
        regex: Regex::new("^/foo/(.*)").expect("regex"),
        replacement: "/bar/$1".into(),
    }]);
    let rewrite = replace.rewrite("/foo/baz");
    assert_eq!(rewrite.path, "/bar/baz");
    assert_eq!(rewrite.replaced_path.as_deref(), Some("/foo/baz"));
    let untouched = replace.rewrite("/other");
    assert_eq!(untouched.path, "/other");
    assert_eq!(untouched.replaced_path, None);
}

#[test]
fn an_unmodified_path_is_borrowed() {
    let plain = rule(vec![]);
    assert!(matches!(plain.rewrite("/x").path, Cow::Borrowed("/x")));
}

#[test]
fn query_matching_compares_raw_pairs() {
    assert!(query_has(Some("a=1&b=2"), "b", Some("2")));
    assert!(query_has(Some("a=1&flag"), "flag", None));
    assert!(query_has(Some("flag"), "flag", Some("")));
    assert!(!query_has(Some("a=1"), "a", Some("2")));
    assert!(!query_has(None, "a", None));
}

#[test]
fn required_keys_follow_the_boolean_structure() {
    let host = |name: &str| Expr::Test(Matcher::Host(name.into()));
    let method = Expr::Test(Matcher::Method(Method::GET));
    let any = Expr::Any(vec![host("a.test"), host("b.test")]);
    assert_eq!(any.required_hosts(), Some(vec!["a.test", "b.test"]));
    let all = Expr::All(vec![method.clone(), host("a.test")]);
    assert_eq!(all.required_hosts(), Some(vec!["a.test"]));
    assert_eq!(
        Expr::Any(vec![host("a.test"), method.clone()]).required_hosts(),
        None
    );
    assert_eq!(Expr::Not(Box::new(host("a.test"))).required_hosts(), None);
    assert_eq!(Expr::All(vec![]).required_hosts(), None);
    let prefix = Expr::Test(Matcher::PathPrefix(pattern("/api/{v}")));
    assert_eq!(prefix.required_path_prefixes(), Some(vec!["/api/"]));
}
