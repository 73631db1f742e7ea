//! Path, host and query patterns: a literal, or a template with `{name}` / `{name:regex}`
//! variables (the gorilla/mux syntax Traefik v1 and v2 rules use).
//!
//! Literal patterns never touch the regex engine. Every pattern knows its literal prefix, which
//! the route index uses to find candidates without scanning the table.

use regex::Regex;

use super::{RuleError, goregex};

/// Which part of the request a template matches; it decides what `{name}` alone stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatternKind {
    /// `{name}` matches one path segment: `[^/]+`.
    Path,
    /// `{name}` matches one host label: `[^.]+`. Matching ignores case.
    Host,
    /// A gorilla/mux query template `key=value` (v2): `{name}` matches anything, `.*`.
    Query,
    /// A v1 query parameter's value: `{name}` matches anything, `.*`.
    QueryValue,
}

impl PatternKind {
    fn default_variable(self) -> &'static str {
        match self {
            PatternKind::Path => "[^/]+",
            PatternKind::Host => "[^.]+",
            PatternKind::Query | PatternKind::QueryValue => ".*",
        }
    }
}

/// Whose template rules apply.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Syntax {
    /// Traefik v1: Rust regexes, spaces trimmed.
    V1,
    /// gorilla/mux as in Traefik v2: Go regexes, taken as written.
    Go,
}

/// A compiled path, host or query pattern.
#[derive(Clone, Debug)]
pub struct Pattern {
    source: String,
    literal_prefix: String,
    /// `None` for a plain literal.
    exact: Option<Regex>,
    /// The same template anchored only at the start, for prefix matching.
    prefix: Option<Regex>,
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Pattern {
    /// Parses a Traefik v1 template: variable regexes are Rust syntax, and spaces around names
    /// and regexes are ignored. Host patterns match case-insensitively: their literal text is
    /// stored lowercase (hosts are compared lowercase) and their regexes get `(?i)`, but a
    /// variable's regex is kept as written, since lowercasing it would turn `\D` into `\d`.
    pub fn parse(source: &str, kind: PatternKind) -> Result<Self, RuleError> {
        Self::build(source, kind, Syntax::V1)
    }

    /// Parses a gorilla/mux template as Traefik v2 rules use it: variable regexes are Go RE2
    /// (see [`goregex`](super::goregex)), taken as written, and match case-insensitively in
    /// hosts (only a literal host is stored lowercase, for the route index).
    pub fn parse_go_template(source: &str, kind: PatternKind) -> Result<Self, RuleError> {
        Self::build(source, kind, Syntax::Go)
    }

    /// A plain string, braces included: Traefik v3 paths have no templates.
    pub fn literal(source: &str) -> Self {
        Pattern {
            source: source.to_owned(),
            literal_prefix: source.to_owned(),
            exact: None,
            prefix: None,
        }
    }

    fn build(source: &str, kind: PatternKind, syntax: Syntax) -> Result<Self, RuleError> {
        let mut pieces = split_template(source, syntax)?;
        if kind == PatternKind::Host {
            for piece in &mut pieces {
                if let Piece::Literal(text) = piece {
                    text.make_ascii_lowercase();
                }
            }
        }
        let source: String = pieces.iter().map(Piece::as_written).collect();
        let literal_prefix = match pieces.first() {
            Some(Piece::Literal(text)) => text.clone(),
            _ => String::new(),
        };
        // gorilla/mux: `key=` alone means the key with any value.
        let any_query_value = kind == PatternKind::Query
            && source
                .split_once('=')
                .is_some_and(|(_, value)| value.is_empty());
        if !any_query_value
            && pieces
                .iter()
                .all(|piece| matches!(piece, Piece::Literal(_)))
        {
            return Ok(Pattern {
                literal_prefix: source.clone(),
                source,
                exact: None,
                prefix: None,
            });
        }
        let mut body = String::new();
        for piece in &pieces {
            match piece {
                Piece::Literal(text) => body.push_str(&regex::escape(text)),
                Piece::Variable { pattern, .. } => {
                    body.push_str("(?:");
                    body.push_str(pattern.as_deref().unwrap_or(kind.default_variable()));
                    body.push(')');
                }
            }
        }
        if any_query_value {
            body.push_str(".*");
        }
        let flags = match kind {
            PatternKind::Host => "(?i)",
            PatternKind::Path | PatternKind::Query | PatternKind::QueryValue => "",
        };
        let compile = |anchored_end: bool| {
            let end = if anchored_end { "$" } else { "" };
            Regex::new(&format!("{flags}^{body}{end}")).map_err(|err| RuleError::BadPattern {
                pattern: source.clone(),
                reason: err.to_string(),
            })
        };
        Ok(Pattern {
            exact: Some(compile(true)?),
            prefix: Some(compile(false)?),
            literal_prefix,
            source,
        })
    }

    /// The pattern as written (with a host's literal text lowercased).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The literal text every match starts with (empty when the pattern starts with a variable).
    pub fn literal_prefix(&self) -> &str {
        &self.literal_prefix
    }

    /// True when the pattern has no variables.
    pub fn is_literal(&self) -> bool {
        self.exact.is_none()
    }

    /// Whole-string match. Host callers pass a lowercase host.
    pub fn matches(&self, text: &str) -> bool {
        match &self.exact {
            None => self.source == text,
            Some(regex) => regex.is_match(text),
        }
    }

    /// Length of the pattern's match at the start of `text`, if it matches there.
    pub fn match_prefix(&self, text: &str) -> Option<usize> {
        match &self.prefix {
            None => text.starts_with(&self.source).then_some(self.source.len()),
            Some(regex) => regex.find(text).map(|found| found.end()),
        }
    }
}

/// The variable names of a gorilla/mux template, in order (none when it does not parse).
pub fn go_template_variables(source: &str) -> Vec<String> {
    split_template(source, Syntax::Go)
        .map(|pieces| {
            pieces
                .into_iter()
                .filter_map(|piece| match piece {
                    Piece::Variable { name, .. } => Some(name),
                    Piece::Literal(_) => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

enum Piece {
    Literal(String),
    Variable {
        name: String,
        /// The variable as written, braces included.
        written: String,
        pattern: Option<String>,
    },
}

impl Piece {
    fn as_written(&self) -> &str {
        match self {
            Piece::Literal(text) => text,
            Piece::Variable { written, .. } => written,
        }
    }
}

/// Splits `a{x}b{y:[0-9]{2}}` into literals and variables; braces nest inside a variable's regex.
fn split_template(source: &str, syntax: Syntax) -> Result<Vec<Piece>, RuleError> {
    let bad = |reason: &str| RuleError::BadPattern {
        pattern: source.to_owned(),
        reason: reason.to_owned(),
    };
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut chars = source.char_indices();
    while let Some((start, ch)) = chars.next() {
        match ch {
            '{' => {
                let mut depth = 1;
                let mut end = None;
                for (index, inner) in chars.by_ref() {
                    match inner {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = Some(index);
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                let end = end.ok_or_else(|| bad("unbalanced '{'"))?;
                let variable = &source[start + 1..end];
                let (name, pattern) = match variable.split_once(':') {
                    Some((name, pattern)) => (name, Some(pattern)),
                    None => (variable, None),
                };
                let (name, pattern) = match syntax {
                    Syntax::V1 => (name.trim(), pattern.map(str::trim)),
                    Syntax::Go => (name, pattern),
                };
                if name.is_empty() {
                    return Err(bad("a variable needs a name, as in {name} or {name:regex}"));
                }
                let pattern = match (pattern, syntax) {
                    (Some(""), _) => return Err(bad("empty regex after ':' in a variable")),
                    (Some(pattern), Syntax::V1) => Some(pattern.to_owned()),
                    (Some(pattern), Syntax::Go) => {
                        Some(goregex::translate(pattern).map_err(|err| bad(&err.to_string()))?)
                    }
                    (None, _) => None,
                };
                if !literal.is_empty() {
                    pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                }
                pieces.push(Piece::Variable {
                    name: name.to_owned(),
                    written: source[start..=end].to_owned(),
                    pattern,
                });
            }
            '}' => return Err(bad("unbalanced '}'")),
            other => literal.push(other),
        }
    }
    if !literal.is_empty() {
        pieces.push(Piece::Literal(literal));
    }
    Ok(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(source: &str) -> Pattern {
        Pattern::parse(source, PatternKind::Path).expect("valid pattern")
    }

    #[test]
    fn literal_path_matches_exactly_and_as_plain_string_prefix() {
        let ping = path("/ping");
        assert!(ping.is_literal());
        assert!(ping.matches("/ping"));
        assert!(!ping.matches("/ping/"));
        assert_eq!(ping.match_prefix("/pingpong"), Some(5));
        assert_eq!(ping.match_prefix("/pin"), None);
        assert_eq!(ping.literal_prefix(), "/ping");
    }

    #[test]
    fn template_variable_defaults_to_one_segment() {
        let article = path("/articles/{category}/{id:[0-9]+}");
        assert!(!article.is_literal());
        assert_eq!(article.literal_prefix(), "/articles/");
        assert!(article.matches("/articles/news/42"));
        assert!(!article.matches("/articles/news/forty-two"));
        assert!(!article.matches("/articles/a/b/42"));
        assert_eq!(article.match_prefix("/articles/news/42/comments"), Some(17));
    }

    #[test]
    fn nested_braces_inside_a_variable_regex() {
        let year = path("/y/{year:[0-9]{4}}");
        assert!(year.matches("/y/2026"));
        assert!(!year.matches("/y/26"));
    }

    #[test]
    fn template_starting_with_a_variable_has_no_literal_prefix() {
        let any = path("{root}/x");
        assert_eq!(any.literal_prefix(), "");
        assert!(any.matches("abc/x"));
    }

    #[test]
    fn regex_metacharacters_in_literals_are_escaped() {
        let dotted = path("/v1.0/{x}");
        assert!(dotted.matches("/v1.0/a"));
        assert!(!dotted.matches("/v1x0/a"));
    }

    #[test]
    fn host_templates_are_case_insensitive_and_default_to_one_label() {
        let host = Pattern::parse("{sub}.Example.com", PatternKind::Host).expect("valid");
        assert!(host.matches("api.example.com"));
        assert!(host.matches("API.EXAMPLE.COM"));
        assert!(!host.matches("a.b.example.com"));
        let literal = Pattern::parse("Example.COM", PatternKind::Host).expect("valid");
        assert_eq!(literal.source(), "example.com");
    }

    #[test]
    fn malformed_templates_are_errors() {
        for bad in [
            "/a/{id",
            "/a/}",
            "/a/{}",
            "/a/{:x}",
            "/a/{id:}",
            "/a/{id:[}",
        ] {
            assert!(
                Pattern::parse(bad, PatternKind::Path).is_err(),
                "{bad} should be rejected"
            );
        }
    }

    #[test]
    fn host_templates_keep_the_case_of_their_regexes() {
        // rules_test.go TestHostRegexp "regex insensitive": (?i) covers the variable too.
        let upper =
            Pattern::parse(r"{dummy:[A-Za-z-]+\.bar\.com}", PatternKind::Host).expect("valid");
        assert!(upper.matches("foo.bar.com"));
        // Lowercasing the whole source would have turned \D into \d.
        let not_digits = Pattern::parse(r"{x:\D+}.A.test", PatternKind::Host).expect("valid");
        assert_eq!(not_digits.source(), r"{x:\D+}.a.test");
        assert!(not_digits.matches("abc.a.test"));
        assert!(!not_digits.matches("12.a.test"));
    }

    #[test]
    fn query_value_variables_default_to_anything() {
        let any = Pattern::parse("{v}", PatternKind::QueryValue).expect("valid");
        assert!(any.matches(""));
        assert!(any.matches("a/b.c"));
        let id = Pattern::parse("id-{n:[0-9]+}", PatternKind::QueryValue).expect("valid");
        assert!(id.matches("id-12"));
        assert!(!id.matches("id-12x"));
        assert!(!id.matches("ID-12"), "query values are case-sensitive");
    }
}
