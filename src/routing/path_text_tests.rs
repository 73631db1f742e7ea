use super::*;

fn replace(regex: &str, template: &str, text: &str) -> Option<String> {
    let regex = Regex::new(regex).expect("regex");
    Replacement::parse(template, &regex).replace_all(&regex, text)
}

#[test]
fn templates_expand_as_go_expands_them() {
    // Go regexp.go Expand/extract; rows RPR6/RPR7 and the others were run through Traefik's
    // replace_path_regex.go by the research harness (results.jsonl) on `/abc`.
    let cases: &[(&str, &str, &str)] = &[
        ("^/(.*)", "/$1", "/abc"),
        ("^/(.*)", "/$1x", "/"),
        ("^/(.*)", "/${1}x", "/abcx"),
        ("^/(.*)", "/$$1", "/$1"),
        ("^/(.*)", "/$2", "/"),
        ("^/(.*)", "/$01", "/"),
        ("^/(.*)", "/$1é", "/"),
        ("^/(.*)", "/${1", "/${1"),
        ("^/(.*)", "/$", "/$"),
        ("^/(.*)", "/$/x", "/$/x"),
        ("^/(.*)", "$0!", "/abc!"),
        ("^/(?P<name>.*)", "/n/$name", "/n/abc"),
        ("^/(?P<n>.*)", "/${n}/$n_", "/abc/"),
        ("^/(?P<n>.*)", "/$missing", "/"),
    ];
    for (regex, template, expected) in cases {
        assert_eq!(
            replace(regex, template, "/abc").as_deref(),
            Some(*expected),
            "{regex} {template}"
        );
    }
}

#[test]
fn every_match_is_replaced_as_with_go_replace_all_string() {
    // Harness rows: empty matches are replaced too, but not right after another match.
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "/whoami",
            "/who-am-i",
            "/whoami/and/whoami",
            "/who-am-i/and/who-am-i",
        ),
        ("x*", "-", "/abc", "-/-a-b-c-"),
        ("b*", "-", "/abc", "-/-a-c-"),
        ("a|", "-", "/aab", "-/--b-"),
    ];
    for (regex, template, text, expected) in cases {
        assert_eq!(
            replace(regex, template, text).as_deref(),
            Some(*expected),
            "{regex} on {text}"
        );
    }
    assert_eq!(replace("^/zzz", "/x", "/abc"), None, "no match, no change");
}

#[test]
fn literal_text_can_be_mapped_without_touching_captures() {
    let regex = Regex::new("^/a/(.*)").expect("regex");
    let replacement = Replacement::parse("/b c/$1", &regex)
        .map_literals(|text| encode_path_text(text).into_owned());
    assert_eq!(
        replacement.replace_all(&regex, "/a/x%20y").as_deref(),
        Some("/b%20c/x%20y")
    );
    assert_eq!(replacement.as_str(), "/b c/$1");
}

#[test]
fn path_text_is_escaped_as_go_escapes_a_path() {
    // Go net/url shouldEscape(encodePath); harness rows AP6, AP7, RP7.
    let cases = [
        ("/api", "/api"),
        ("/a b", "/a%20b"),
        ("/a%20b", "/a%2520b"),
        ("/n?ew", "/n%3Few"),
        ("/café", "/caf%C3%A9"),
        ("/a(b)", "/a%28b%29"),
        ("/-_.~$&+,/:;=@", "/-_.~$&+,/:;=@"),
    ];
    for (text, expected) in cases {
        assert_eq!(encode_path_text(text), expected, "{text}");
    }
    assert!(matches!(encode_path_text("/plain"), Cow::Borrowed(_)));
}
