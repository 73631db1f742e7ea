//! Properties of the grammar over generated rules: one rule spelled two ways (backtick or Go
//! double-quoted strings with escapes, spaces, redundant parentheses, comments) parses to the
//! same rule, so writing a rule back as text and reading it again gives what was written;
//! `!(rule)` matches exactly what the rule does not (the `!` pushed down to the leaves).

use proptest::prelude::*;

use super::parse_rule;
use super::test_support::get;
use crate::routing::traefik_v3::RuleSyntax;

/// A rule as a tree, to be written out as text.
#[derive(Clone, Debug)]
enum Tree {
    Call(&'static str, Vec<String>),
    All(Vec<Tree>),
    Any(Vec<Tree>),
    Not(Box<Tree>),
}

fn leaf() -> impl Strategy<Value = Tree> {
    // Argument text: any character but a backtick (a raw string cannot hold one), a line break
    // or a carriage return, which raw strings drop.
    let text = "[^`\r\n]{1,8}";
    prop_oneof![
        "[a-z0-9][a-z0-9.-]{0,10}".prop_map(|host| Tree::Call("Host", vec![host])),
        "/[^`\r\n]{0,8}".prop_map(|path| Tree::Call("PathPrefix", vec![path])),
        "/[a-z/]{0,8}".prop_map(|path| Tree::Call("Path", vec![path])),
        prop::sample::select(vec!["GET", "POST", "PUT"])
            .prop_map(|method| Tree::Call("Method", vec![method.to_owned()])),
        ("[A-Za-z][A-Za-z0-9-]{0,6}", text)
            .prop_map(|(name, value)| Tree::Call("Header", vec![name, value])),
        ("[a-z]{1,4}", text).prop_map(|(key, value)| Tree::Call("Query", vec![key, value])),
        (0u8..=255, prop::sample::select(vec![16, 24, 32])).prop_map(|(octet, bits)| {
            Tree::Call("ClientIP", vec![format!("10.{octet}.0.0/{bits}")])
        }),
    ]
}

fn tree() -> impl Strategy<Value = Tree> {
    leaf().prop_recursive(3, 16, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Tree::All),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Tree::Any),
            inner.prop_map(|child| Tree::Not(Box::new(child))),
        ]
    })
}

/// The plain spelling: backtick strings, every compound in parentheses.
fn plain(tree: &Tree) -> String {
    match tree {
        Tree::Call(name, args) => {
            let args: Vec<String> = args.iter().map(|arg| format!("`{arg}`")).collect();
            format!("{name}({})", args.join(", "))
        }
        Tree::All(children) => join(children, " && ", plain),
        Tree::Any(children) => join(children, " || ", plain),
        Tree::Not(child) => format!("!{}", plain(child)),
    }
}

/// Another spelling of the same rule: Go double-quoted strings with every character that is
/// not ASCII alphanumeric escaped, no spaces around operators, a comment and doubled
/// parentheses around compounds.
fn fancy(tree: &Tree) -> String {
    match tree {
        Tree::Call(name, args) => {
            let args: Vec<String> = args.iter().map(|arg| go_quote(arg)).collect();
            format!("{name}( {} )", args.join(" ,"))
        }
        Tree::All(children) => format!("({})", join(children, "&&/* and */", fancy)),
        Tree::Any(children) => format!("({})", join(children, "||", fancy)),
        Tree::Not(child) => format!("! {}", fancy(child)),
    }
}

fn join(children: &[Tree], operator: &str, spell: fn(&Tree) -> String) -> String {
    let children: Vec<String> = children.iter().map(spell).collect();
    format!("({})", children.join(operator))
}

/// `text` as a Go interpreted string literal, escaping all but ASCII letters and digits, in
/// turn as `\xNN`, `\NNN` (octal), `\uNNNN` or `\UNNNNNNNN`.
fn go_quote(text: &str) -> String {
    let mut quoted = String::from("\"");
    for (index, ch) in text.chars().enumerate() {
        if ch.is_ascii_alphanumeric() {
            quoted.push(ch);
        } else if ch.is_ascii() {
            let byte = ch as u8;
            quoted.push_str(&match index % 3 {
                0 => format!("\\x{byte:02x}"),
                1 => format!("\\{byte:03o}"),
                _ => format!("\\u{:04X}", u32::from(ch)),
            });
        } else {
            quoted.push_str(&format!("\\U{:08x}", u32::from(ch)));
        }
    }
    quoted.push('"');
    quoted
}

proptest! {
    #[test]
    fn a_rule_written_out_two_ways_reads_back_the_same(tree in tree()) {
        let plain_text = plain(&tree);
        let fancy_text = fancy(&tree);
        for syntax in [RuleSyntax::V3, RuleSyntax::V2] {
            let plain_rule = parse_rule(&plain_text, syntax);
            let fancy_rule = parse_rule(&fancy_text, syntax);
            prop_assert_eq!(
                plain_rule.as_ref().ok(), fancy_rule.as_ref().ok(),
                "{:?}: {} | {}", syntax, plain_text, fancy_text
            );
            if syntax == RuleSyntax::V3 {
                prop_assert!(plain_rule.is_ok(), "{}: {:?}", plain_text, plain_rule);
            }
        }
    }

    #[test]
    fn not_matches_exactly_what_the_rule_does_not(
        tree in tree(),
        host in "[a-z0-9.-]{0,6}",
        path in "/[a-z/]{0,6}",
    ) {
        let text = plain(&tree);
        let rule = parse_rule(&text, RuleSyntax::V3).map_err(|err| TestCaseError::fail(err.to_string()))?;
        let negated = parse_rule(&format!("!({text})"), RuleSyntax::V3)
            .map_err(|err| TestCaseError::fail(err.to_string()))?;
        let request = get(&format!("http://{host}{path}"));
        prop_assert_eq!(
            negated.matches(&request.view()),
            !rule.matches(&request.view()),
            "{} on {}{}", text, host, path
        );
    }
}
