//! The expression grammar: traefik-v3-routing.md §1.1 and the table in §1.7, with the
//! harness's results (/work/research/v3harness/cases/grammar.out, grammar2.out) as the oracle.

use super::test_support::{check, error, get, root, v3};
use crate::routing::error::{MatcherProblem, Position, RuleError, SyntaxProblem};
use crate::routing::rule::{Expr, Matcher};
use crate::routing::traefik_v3::RuleSyntax;

fn syntax_problem(text: &str) -> SyntaxProblem {
    match error(RuleSyntax::V3, text) {
        RuleError::Syntax { problem, .. } => problem,
        other => panic!("{text:?}: expected a syntax error, got {other:?}"),
    }
}

fn matcher_problem(text: &str) -> MatcherProblem {
    match error(RuleSyntax::V3, text) {
        RuleError::BadMatcher { problem, .. } => *problem,
        other => panic!("{text:?}: expected a matcher error, got {other:?}"),
    }
}

fn unknown_name(text: &str) -> String {
    match error(RuleSyntax::V3, text) {
        RuleError::UnknownFunction { name, .. } => name,
        other => panic!("{text:?}: expected an unknown matcher, got {other:?}"),
    }
}

#[test]
fn matcher_names_have_exactly_four_spellings() {
    // grammar.out: the canonical name, lower, upper, and lower with a capital first letter.
    let request = root();
    check(
        RuleSyntax::V3,
        &[
            ("Host(`example.com`)", request.clone(), true),
            ("host(`example.com`)", request.clone(), true),
            ("HOST(`example.com`)", request.clone(), true),
            ("PathPrefix(`/`)", request.clone(), true),
            ("pathprefix(`/`)", request.clone(), true),
            ("PATHPREFIX(`/`)", request.clone(), true),
            ("Pathprefix(`/`)", request.clone(), true),
            ("HostRegexp(`.`)", request.clone(), true),
            ("Hostregexp(`.`)", request.clone(), true),
            ("clientip(`10.0.0.1`)", request.clone(), true),
            ("Clientip(`10.0.0.1`)", request.clone(), true),
        ],
    );
    for (text, name) in [
        ("pathPrefix(`/`)", "pathPrefix"),
        ("PathPREFIX(`/`)", "PathPREFIX"),
        ("hostRegexp(`.`)", "hostRegexp"),
        ("ClientIp(`10.0.0.1`)", "ClientIp"),
        ("Foo(`x`)", "Foo"),
        ("Host.x(`a`)", "Host.x"),
        ("x.y.z(`a`)", "x.y.z"),
        ("Hôst(`a`)", "Hôst"),
    ] {
        assert_eq!(unknown_name(text), name, "{text}");
    }
}

#[test]
fn the_unknown_matcher_error_lists_the_known_ones() {
    let message = error(RuleSyntax::V3, "Foo(`x`)").to_string();
    assert!(
        message.starts_with("unknown matcher 'Foo' at column 1 (known: ClientIP, Header,"),
        "{message}"
    );
    assert!(message.contains("QueryRegexp;"), "{message}");
}

#[test]
fn strings_are_go_string_literals() {
    // grammar.out and grammar2.out: both quote styles and Go's escapes.
    check(
        RuleSyntax::V3,
        &[
            ("Host(\"example.com\")", root(), true),
            ("Path(\"/\\x41\")", get("http://example.com/A"), true),
            (
                r"PathRegexp(`\.png$`)",
                get("http://example.com/x.png"),
                true,
            ),
            (
                r#"PathRegexp("\\.png$")"#,
                get("http://example.com/x.png"),
                true,
            ),
            ("Host(`exam\nple.com`)", root(), false),
            ("Host(`exa\rmple.com`)", root(), true),
            (r#"Host("exa\u006dple.com")"#, root(), true),
            (r#"Host("\x65xample.com")"#, root(), true),
            (r#"Host("\145xample.com")"#, root(), true),
            ("Host(\"example.com\" )", root(), true),
        ],
    );
    assert_eq!(v3("Path(\"/a\\tb\")"), v3("Path(`/a\tb`)"));
    assert_eq!(v3(r#"Path("/\u00e9")"#), v3("Path(`/é`)"));
    assert_eq!(v3(r#"Path("/\U0001F600")"#), v3("Path(`/😀`)"));
    let escapes = v3(r#"Path("/\a\b\f\n\r\t\v\\\"")"#);
    let Expr::Test(Matcher::Path(path)) = escapes.expr else {
        panic!("{escapes:?}")
    };
    assert_eq!(path.source(), "/\u{7}\u{8}\u{c}\n\r\t\u{b}\\\"");
}

#[test]
fn malformed_strings_are_errors() {
    use SyntaxProblem::*;
    let cases: [(&str, SyntaxProblem); 11] = [
        ("Host('a')", SingleQuote),
        ("Host('example.com')", SingleQuote),
        (r#"PathRegexp("\.png$")"#, BadEscape(r"\.".into())),
        (r#"Host("\'")"#, BadEscape(r"\'".into())),
        (r#"Path("/\x4")"#, BadEscape(r#"\x4""#.into())),
        (r#"Path("/\uD800")"#, BadEscapeValue(r"\uD800".into())),
        (r#"Path("/\400")"#, BadEscapeValue(r"\400".into())),
        ("Host(\"example.com)", UnterminatedString),
        ("Host(`example.com)", UnterminatedString),
        ("Host(\"a\nb\")", UnterminatedString),
        (r#"Path("/\xff")"#, InvalidUtf8),
    ];
    for (text, problem) in cases {
        assert_eq!(syntax_problem(text), problem, "{text}");
    }
}

#[test]
fn operators_and_precedence() {
    // grammar.out: && binds tighter than ||; ! applies to the operand after it.
    let cases = [
        ("Host(`example.com`) && Path(`/`)", true),
        ("Host(`example.com`) && Path(`/x`)", false),
        ("Host(`nope`) || Path(`/`)", true),
        ("!Host(`nope`)", true),
        ("!!Host(`example.com`)", true),
        ("!(Host(`nope`) || Path(`/x`))", true),
        ("Host(`nope`) && Path(`/x`) || Path(`/`)", true),
        ("Path(`/`) || Host(`nope`) && Path(`/x`)", true),
        ("(Path(`/`) || Host(`nope`)) && Path(`/x`)", false),
        ("!Host(`x`) && !Path(`/x`)", true),
        (
            "Host(`a`) || Path(`/`) && !Host(`b`) || !(Path(`/x`))",
            true,
        ),
        ("Path(`/`)&&!!!Host(`a`)", true),
        ("Host(`example.com`)&&Path(`/`)", true),
        ("((Host(`example.com`)))", true),
    ];
    let cases = cases.map(|(text, expected)| (text, root(), expected));
    check(RuleSyntax::V3, &cases);
}

#[test]
fn other_go_operators_are_refused_by_name() {
    use SyntaxProblem::*;
    let unsupported = |operator: &str| UnsupportedOperator(operator.into());
    let cases = [
        ("Host(`example.com`) & Path(`/`)", unsupported("&")),
        ("Host(`example.com`) | Path(`/`)", unsupported("|")),
        ("Host(`example.com`) == Path(`/`)", unsupported("==")),
        ("Host(`a`) != Path(`/`)", unsupported("!=")),
        ("-Host(`example.com`)", unsupported("-")),
        ("Host(`a` + `b`)", unsupported("+")),
        ("Host(`a`)&&&Path(`/`)", unsupported("&")),
        ("Host(`a`) &^ Path(`/`)", unsupported("&^")),
        ("Host(`example.com`);", unsupported(";")),
        ("Host(`example.com`) ; Path(`/`)", unsupported(";")),
        ("Host(`a`)[0]", unsupported("[")),
        // Go accepts a spread here and Traefik ignores it; hawser refuses it.
        ("Host(`example.com`...)", unsupported("...")),
    ];
    for (text, problem) in cases {
        assert_eq!(syntax_problem(text), problem, "{text}");
    }
}

#[test]
fn whitespace_comments_and_trailing_commas() {
    let cases = [
        "  Host(`example.com`)\t&&\tPath(`/`)  ",
        "Host(`example.com`) &&\nPath(`/`)",
        "Host(`example.com`) &&\n\n Path(`/`)",
        "Host(`example.com`) /* c */ && Path(`/`)",
        "Host(`example.com`) // c",
        "Host(`example.com`)/*x*/",
        "Host(`example.com`)/*\n*/",
        "Host(`example.com`,)",
        "Host(`example.com`, )",
        "Host (`example.com`)",
        "Host( `example.com` )",
        "Host(\n`example.com`,\n)",
        "Path(`/`) || Host(`x`,\n)",
        "Path(`/`) || (\n Host(`a`))",
        "Host(`example.com`)\r\n",
        "Host(`example.com`)\r",
        "Host(`example.com`)\n\n",
        "\nHost(`example.com`)",
        "Host(`example.com`)\n// x",
        "\u{feff}Host(`example.com`)",
    ];
    let cases = cases.map(|text| (text, root(), true));
    check(RuleSyntax::V3, &cases);
    // A line break before an operand is fine, so `!` then a break then Host is `!Host`.
    check(RuleSyntax::V3, &[("!\nHost(`example.com`)", root(), false)]);
}

#[test]
fn a_line_break_after_a_name_a_string_or_a_parenthesis_ends_the_rule() {
    // Go's automatic semicolon; grammar.out, grammar2.out.
    let cases = [
        ("Host(`example.com`)\n&& Path(`/`)", "')'"),
        ("(Host(`example.com`)\n&& Path(`/`))", "')'"),
        ("Host(\n`example.com`\n)", "a string"),
        ("Host(`example.com`\n,`b`)", "a string"),
        ("Host(`example.com`) /* a\nb */ && Path(`/`)", "')'"),
        ("Host(`example.com`) // c\n&& Path(`/`)", "')'"),
        ("Path(`/`) || (\n Host(`a`)\n)", "')'"),
        ("Host\n(`example.com`)", "'Host'"),
    ];
    for (text, after) in cases {
        assert_eq!(
            syntax_problem(text),
            SyntaxProblem::LineBreak(after.into()),
            "{text:?}"
        );
    }
}

#[test]
fn structure_errors() {
    use SyntaxProblem::*;
    let unexpected = |expected: &'static str, found: &str| Unexpected {
        expected,
        found: found.into(),
    };
    let cases = [
        ("(Host(`example.com`)", UnclosedParenthesis),
        ("Host(`example.com`", UnclosedParenthesis),
        ("Host(`example.com`))", UnmatchedParenthesis),
        (
            "Host(`example.com`) &&",
            unexpected("a matcher, '!' or '('", "the end of the rule"),
        ),
        (
            "Host(`example.com`) || ",
            unexpected("a matcher, '!' or '('", "the end of the rule"),
        ),
        (
            "!",
            unexpected("a matcher, '!' or '('", "the end of the rule"),
        ),
        ("()", unexpected("a matcher, '!' or '('", "')'")),
        (
            "Host",
            unexpected(
                "'(' and the arguments after a matcher name",
                "the end of the rule",
            ),
        ),
        (
            "(Host)(`a`)",
            unexpected("'(' and the arguments after a matcher name", "')'"),
        ),
        ("Host(1)", NotAString("the number 1".into())),
        ("Host(Path(`/`))", NotAString("'Path'".into())),
        (
            "Host(`example.com`) Path(`/`)",
            unexpected("'&&', '||' or the end of the rule", "'Path'"),
        ),
        (
            "Host(`example.com`) and Path(`/`)",
            unexpected("'&&', '||' or the end of the rule", "'and'"),
        ),
        (
            "Host(`a`)(`b`)",
            unexpected("'&&', '||' or the end of the rule", "'('"),
        ),
        ("Host(`a` `b`)", unexpected("',' or ')'", "the string `b`")),
        ("Host(,)", unexpected("a string argument", "','")),
        ("Host(`a`,,)", unexpected("a string argument", "','")),
        ("\u{a0}Host(`example.com`)", BadCharacter('\u{a0}')),
        ("Host(`example.com`)\u{2028}", BadCharacter('\u{2028}')),
        ("Host(`example.com`) /* unterminated", UnterminatedComment),
    ];
    for (text, problem) in cases {
        assert_eq!(syntax_problem(text), problem, "{text:?}");
    }
    for text in ["", "   ", "\n", "/* nothing */"] {
        assert_eq!(error(RuleSyntax::V3, text), RuleError::Empty, "{text:?}");
    }
}

#[test]
fn argument_checks() {
    use MatcherProblem::*;
    // grammar.out: `rules.CheckRule` (no or empty arguments) runs before the count check.
    let count = |expected: &'static str, got: usize| ArgumentCount { expected, got };
    let cases = [
        ("Host(`a`,`b`)", count("1 argument", 2)),
        ("Header(`X`)", count("2 arguments", 1)),
        ("Query(`a`,`b`,`c`)", count("1 or 2 arguments", 3)),
        ("Host()", NoArguments),
        ("Query()", NoArguments),
        ("Host(``)", EmptyArgument(1)),
        ("Query(`a`,``)", EmptyArgument(2)),
        ("Query(`a`, \"\")", EmptyArgument(2)),
        ("Query(`a`,`b`,``)", EmptyArgument(3)),
    ];
    for (text, problem) in cases {
        assert_eq!(matcher_problem(text), problem, "{text}");
    }
}

#[test]
fn argument_values_are_checked() {
    let cases = [
        ("Path(`foo`)", "NotAPath"),
        ("PathPrefix(`foo`)", "NotAPath"),
        ("HostRegexp(`(`)", "BadRegex"),
        ("PathRegexp(`[`)", "BadRegex"),
        ("Host(`bücher.de`)", "NonAsciiHost"),
        ("Host(`a\u{a0}b`)", "NonAsciiHost"),
        ("HostRegexp(`bücher`)", "NonAsciiHost"),
        ("ClientIP(`foo`)", "BadClientIp"),
        ("ClientIP(`10.0.0.0/33`)", "BadClientIp"),
        ("ClientIP(`fe80::1%eth0`)", "BadClientIp"),
        ("Method(`GE T`)", "BadMethod"),
        ("Header(`X A`, `b`)", "BadHeaderName"),
        ("HeaderRegexp(`X`, `a**`)", "BadRegex"),
        ("QueryRegexp(`k`, `x{1001}`)", "BadRegex"),
    ];
    for (text, class) in cases {
        let problem = matcher_problem(text);
        assert!(
            format!("{problem:?}").starts_with(class),
            "{text}: {problem:?}"
        );
    }
}

#[test]
fn errors_say_where_they_are() {
    let at = |text: &str| match error(RuleSyntax::V3, text) {
        RuleError::Syntax { at, .. }
        | RuleError::UnknownFunction { at, .. }
        | RuleError::BadMatcher { at, .. } => at,
        other => panic!("{other:?}"),
    };
    let column = |column| Position { line: 1, column };
    assert_eq!(at("Host(`example.com`) &&"), column(23));
    assert_eq!(at("(Host(`example.com`)"), column(1));
    assert_eq!(at("Host(`example.com`))"), column(20));
    assert_eq!(at("Host(`a`,`b`)"), column(1));
    assert_eq!(at("Path(`/`) && Host(`bücher.de`)"), column(19));
    assert_eq!(at("Host(`é`) & x"), column(11));
    assert_eq!(
        at("Host(`a`) &&\n  Foo(`x`)"),
        Position { line: 2, column: 3 }
    );
    let message = |text: &str| error(RuleSyntax::V3, text).to_string();
    assert_eq!(
        message("Host(`example.com`))"),
        "')' has no matching '(' at column 20"
    );
    assert_eq!(
        message("Path(`/`) && Host(`bücher.de`)"),
        "Host at column 19: \"bücher.de\" is not ASCII: write international domain names in \
         punycode (xn--...)"
    );
    assert_eq!(
        message("PathRegexp(`a**`)"),
        "PathRegexp at column 12: \"a**\" is not a valid Go regular expression: invalid nested \
         repetition operator: `**` (at byte 1 of the pattern)"
    );
    assert_eq!(
        message("Host(`a`)\n&& Path(`/`)"),
        "a line break after ')' ends the rule: break lines after &&, ||, '(' or ',' instead at \
         column 10"
    );
}

#[test]
fn the_rule_syntax_label_falls_back_to_v3() {
    // grammar2.out: `v2` allows several hosts; `V2` and `v4` are v3, so two hosts is an error.
    let two_hosts = "Host(`a.com`,`example.com`,)";
    let parse = |label| super::parse_rule(two_hosts, RuleSyntax::from_label(Some(label)));
    assert!(root().matches(&parse("v2").expect("v2 takes several hosts")));
    for label in ["V2", "v4"] {
        assert!(
            matches!(parse(label), Err(RuleError::BadMatcher { .. })),
            "{label}"
        );
    }
    let v4 = super::parse_rule("Host(`example.com`)", RuleSyntax::from_label(Some("v4")));
    assert!(root().matches(&v4.expect("v3")));
}
