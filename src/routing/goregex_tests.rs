use super::*;

use GoRegexProblem as P;

/// What Go's `regexp.Compile` + `MatchString` did with a pattern.
enum Go {
    Matches(&'static [(&'static str, bool)]),
    Rejects(GoRegexProblem),
}

use Go::{Matches, Rejects};

fn check(cases: &[(&str, Go)]) {
    for (pattern, expected) in cases {
        match (compile(pattern), expected) {
            (Ok(regex), Matches(inputs)) => {
                for (input, matches) in *inputs {
                    assert_eq!(
                        regex.is_match(input),
                        *matches,
                        "{pattern:?} on {input:?} (translated to {:?})",
                        regex.as_str()
                    );
                }
            }
            (Err(err), Rejects(problem)) => assert_eq!(&err.problem, problem, "{pattern:?}"),
            (Ok(regex), Rejects(problem)) => {
                panic!(
                    "{pattern:?} should fail with {problem:?}, got {:?}",
                    regex.as_str()
                )
            }
            (Err(err), Matches(_)) => panic!("{pattern:?} should compile: {err}"),
        }
    }
}

/// Every row of /work/research/v3harness/recmp/go.out and go_extra.out: the same patterns run
/// through Go RE2, which Traefik uses (traefik-v3-routing.md §5). Rust's own results
/// (rust.out) differ on most of these rows.
#[test]
fn go_results_from_the_recmp_harness() {
    check(&[
        (
            "{subdomain:[a-z]+}.example.com",
            Matches(&[
                ("foo.example.com", false),
                ("{subdomain:abc}xexample.com", true),
            ]),
        ),
        ("a{", Matches(&[("a{", true)])),
        ("a{,5}", Matches(&[("a{,5}", true), ("aaa", false)])),
        ("a{2}", Matches(&[("aa", true)])),
        ("x{1001}", Rejects(P::InvalidRepeatSize)),
        (
            r"^\d+$",
            Matches(&[("123", true), ("\u{663}\u{664}", false)]),
        ),
        (r"^\w+$", Matches(&[("abc", true), ("été", false)])),
        (r"^\s$", Matches(&[("\u{a0}", false), (" ", true)])),
        (r"\bfoo\b", Matches(&[("éfooé", true), ("a foo b", true)])),
        (r"\<foo", Matches(&[("<foo", true), ("a foo", false)])),
        (r"foo\>", Matches(&[("foo>", true), ("foo bar", false)])),
        (r"\Qa.b\E", Matches(&[("a.b", true), ("axb", false)])),
        (r"\101", Matches(&[("A", true)])),
        (r"\z", Matches(&[("abc", true)])),
        (r"abc\Z", Rejects(P::InvalidEscape)),
        ("(?x) a b c", Rejects(P::InvalidPerlOp)),
        ("[[a-z]]", Matches(&[("a]", true), ("a", false)])),
        (
            "^[a-z&&[^aeiou]]$",
            Matches(&[("b", false), ("a", false), ("&", false)]),
        ),
        ("^[a-c--b]$", Matches(&[("b", true), ("-", true)])),
        ("(?P<name>x)", Matches(&[("x", true)])),
        ("(?i)k", Matches(&[("\u{212a}", true), ("K", true)])),
        (r"\/api\-v1\ \@\%", Matches(&[("/api-v1 @%", true)])),
        (r"\e", Rejects(P::InvalidEscape)),
        ("^.$", Matches(&[("é", true), ("\n", false)])),
        ("(?s)^.$", Matches(&[("\n", true)])),
        (r"^\pL+$", Matches(&[("été", true)])),
        ("^[[:alpha:]]+$", Matches(&[("abc", true), ("é", false)])),
        ("(?U)a+", Matches(&[("aaa", true)])),
        ("a**", Rejects(P::InvalidRepeatOp)),
        ("a++", Rejects(P::InvalidRepeatOp)),
        ("(?i)^/PRODUCTS", Matches(&[("/products", true)])),
        (r"\x{41}\x41", Matches(&[("AA", true)])),
        (r"[\d-z]", Matches(&[("-", true)])),
        (r"\_", Matches(&[("_", true)])),
        (r"\a", Matches(&[("\u{7}", true)])),
        (r"\cA", Rejects(P::InvalidEscape)),
        ("[a-]", Matches(&[("-", true)])),
        ("^$", Matches(&[("", true)])),
        (r"\8", Rejects(P::InvalidEscape)),
        ("(?m)^b$", Matches(&[("a\nb", true)])),
        (r"\pN", Matches(&[("\u{663}", true)])),
        (r"(a)\1", Rejects(P::InvalidEscape)),
        ("(?=a)", Rejects(P::InvalidPerlOp)),
        (r"\b{start}a", Matches(&[("a", false), ("{start}a", false)])),
        // go_extra.out
        ("a*?+", Rejects(P::InvalidRepeatOp)),
        (r"\v", Matches(&[("\u{b}", true)])),
        (r"(?-u:\b)foo", Rejects(P::InvalidPerlOp)),
        ("a{2,}", Matches(&[("aa", true)])),
        (r"[^\D]", Matches(&[("5", true)])),
        ("(?i)straße", Matches(&[("STRASSE", false)])),
    ]);
}

/// `(?<name>...)` fails in the harness's Go 1.19 but is valid since Go 1.22, which every
/// Traefik v3 release is built with (traefik-v3-routing.md §5).
#[test]
fn angle_bracket_names_are_accepted_as_in_go_1_22() {
    check(&[("(?<name>x)", Matches(&[("x", true), ("y", false)]))]);
}

/// Further cases, each run through Go 1.19's `regexp` (the harness's recmp/go program) while
/// writing the translator.
#[test]
fn more_go_results() {
    check(&[
        // Flags: Go accepts an empty or repeated list; a `-` needs a flag after it.
        ("(?)a", Matches(&[("a", true)])),
        ("(?i-i)A", Matches(&[("a", false), ("A", true)])),
        ("(?ii)A", Matches(&[("a", true)])),
        ("(?i-)A", Rejects(P::InvalidPerlOp)),
        ("(?-)A", Rejects(P::InvalidPerlOp)),
        ("(?m-s:.)", Matches(&[("\n", false)])),
        ("(?s:.)", Matches(&[("\n", true)])),
        ("(?:)", Matches(&[("", true)])),
        ("(?i)*", Rejects(P::MissingRepeatArgument)),
        // Unicode classes: negation with ^, exact names only.
        (r"\p{^Greek}", Matches(&[("a", true), ("α", false)])),
        (r"\P{^Greek}", Matches(&[("α", true)])),
        (r"[\p{^Greek}]", Matches(&[("a", true)])),
        (r"\p{greek}", Rejects(P::InvalidCharRange)),
        (r"\p{Latn}", Rejects(P::InvalidCharRange)),
        (r"\p", Rejects(P::InvalidCharRange)),
        (r"\p{", Rejects(P::InvalidCharRange)),
        (r"\pX", Rejects(P::InvalidCharRange)),
        (r"\p{Any}", Matches(&[("a", true)])),
        (r"\pZ", Matches(&[(" ", true)])),
        (r"\p{L}", Matches(&[("a", true)])),
        (r"\pLu", Matches(&[("Au", true), ("A", false)])),
        (r"\pN{2}", Matches(&[("12", true)])),
        // Names Go allows and Rust does not are kept as plain groups.
        ("(?P<1a>x)", Matches(&[("x", true)])),
        ("(?P<n>a)(?P<n>b)", Matches(&[("ab", true)])),
        ("(?P<>a)", Rejects(P::InvalidNamedCapture)),
        ("(?P=n)", Rejects(P::InvalidPerlOp)),
        // Repetition.
        ("^*", Matches(&[("a", true)])),
        ("()*", Matches(&[("a", true)])),
        ("a{2}{3}", Rejects(P::InvalidRepeatOp)),
        ("x**?", Rejects(P::InvalidRepeatOp)),
        ("x{2}?+", Rejects(P::InvalidRepeatOp)),
        ("x??", Matches(&[("x", true)])),
        ("x{2}?", Matches(&[("xx", true)])),
        ("(a{500}){3}", Rejects(P::InvalidRepeatSize)),
        ("(a{500}){2}", Matches(&[("a", false)])),
        ("a{2,1}", Rejects(P::InvalidRepeatSize)),
        ("a{1001,}", Rejects(P::InvalidRepeatSize)),
        ("a{0,1001}", Rejects(P::InvalidRepeatSize)),
        ("a{1000,}", Matches(&[("a", false)])),
        ("x{1000}", Matches(&[("x", false)])),
        ("a{01}", Matches(&[("a", false), ("a{01}", true)])),
        ("a{1,01}", Matches(&[("a", false)])),
        ("a{ 1}", Matches(&[("a{ 1}", true)])),
        ("*a", Rejects(P::MissingRepeatArgument)),
        ("(*a)", Rejects(P::MissingRepeatArgument)),
        ("a|*", Rejects(P::MissingRepeatArgument)),
        (r"\b{2}", Matches(&[("a", true)])),
        // Escapes.
        (r"\12", Matches(&[("\n", true)])),
        (r"\1234", Matches(&[("S4", true)])),
        (r"\0", Matches(&[("\0", true)])),
        (r"\x{D800}", Matches(&[("a", false)])),
        (r"[\b]", Rejects(P::InvalidEscape)),
        (r"[\Q]", Rejects(P::InvalidEscape)),
        (r"\Qab\E*", Matches(&[("a", true), ("abbb", true)])),
        (r"\Qa", Matches(&[("a", true)])),
        (r"a\", Rejects(P::TrailingBackslash)),
        (r"\é", Rejects(P::InvalidEscape)),
        (r"\C", Rejects(P::InvalidEscape)),
        (r"\x4", Rejects(P::InvalidEscape)),
        (r"\x{}", Rejects(P::InvalidEscape)),
        (r"\x{41", Rejects(P::InvalidEscape)),
        (r"\xG1", Rejects(P::InvalidEscape)),
        // Classes.
        ("[[:foo:]]", Rejects(P::InvalidCharRange)),
        (
            "[[:alpha]",
            Matches(&[("a", true), ("[", true), (":", true)]),
        ),
        ("[]a]", Matches(&[("]", true)])),
        ("[^]a]", Matches(&[("b", true)])),
        ("[]", Rejects(P::MissingBracket)),
        ("[a", Rejects(P::MissingBracket)),
        (r"[a-\d]", Rejects(P::InvalidEscape)),
        ("[z-a]", Rejects(P::InvalidCharRange)),
        (
            r"(?i)\W",
            Matches(&[("k", false), ("s", false), ("K", false)]),
        ),
        ("(?i)[^k]", Matches(&[("K", false)])),
        ("(?i)Σ", Matches(&[("ς", true)])),
        // Groups.
        ("(", Rejects(P::MissingParen)),
        (")", Rejects(P::UnexpectedParen)),
        ("a)", Rejects(P::UnexpectedParen)),
    ]);
}

#[test]
fn translations_are_plain_rust_patterns() {
    let cases = [
        (r"\d\w\s", r"[0-9][0-9A-Za-z_][\t\n\f\r ]"),
        (r"[\d\W]", r"[0-9[^0-9A-Za-z_]]"),
        ("a{", r"a\{"),
        ("a{2,}?", "a{2,}?"),
        (r"\<", "<"),
        ("[a&&b]", r"[a\x{26}\x{26}b]"),
        ("(?i)a", "(?i)a"),
        ("a(?i)", "a"),
        ("(?i-s:x)", "(?i-s:x)"),
        (r"\bx", r"(?-u:\b)x"),
        (r"\p{^Greek}", r"\P{Greek}"),
    ];
    for (go, rust) in cases {
        assert_eq!(translate(go).as_deref(), Ok(rust), "{go}");
    }
}

#[test]
fn every_unicode_name_go_knows_compiles_in_rust() {
    let names = unicode_names::tests_all_names();
    assert!(names.len() > 190, "{}", names.len());
    for name in names {
        let pattern = format!(r"\p{{{name}}}");
        assert!(compile(&pattern).is_ok(), "{pattern}");
    }
}

#[test]
fn a_flag_group_before_a_repetition_leaves_the_repetition_on_the_previous_atom() {
    // Go applies `*` to `a` here: the flags group repeats nothing.
    check(&[(
        "^a(?i)*$",
        Matches(&[("aaa", true), ("", true), ("b", false)]),
    )]);
}

#[test]
fn errors_name_the_offending_text_and_where_it_is() {
    let err = compile("ab{1001}").expect_err("too many");
    assert_eq!(err.problem, P::InvalidRepeatSize);
    assert_eq!((err.text.as_str(), err.offset), ("{1001}", 2));
    assert_eq!(
        err.to_string(),
        "invalid repeat count: `{1001}` (at byte 2 of the pattern)"
    );
    let err = compile("x(?x)").expect_err("verbose flag");
    assert_eq!((err.text.as_str(), err.offset), ("(?x", 1));
    let err = compile("a**").expect_err("nested");
    assert_eq!((err.text.as_str(), err.offset), ("**", 1));
    let err = compile("a(b").expect_err("unclosed");
    assert_eq!((err.problem, err.offset), (P::MissingParen, 1));
}

#[test]
fn matching_is_unanchored() {
    let regex = compile("b").expect("valid");
    assert!(regex.is_match("abc"));
}

#[test]
fn surrogates_are_legal_in_go_and_match_nothing() {
    check(&[
        (r"\p{Cs}", Matches(&[("a", false), ("", false)])),
        (r"^\P{Cs}$", Matches(&[("a", true)])),
        (r"[a\p{Cs}]", Matches(&[("a", true), ("b", false)])),
        (
            r"^[\x{D800}-\x{E000}]$",
            Matches(&[("\u{E000}", true), ("\u{D7FF}", false)]),
        ),
        (r"^[^\x{D800}]$", Matches(&[("a", true)])),
    ]);
}
