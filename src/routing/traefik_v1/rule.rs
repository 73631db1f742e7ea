//! Traefik v1 frontend rule grammar: `Matcher: arg, arg; Other: arg`.
//!
//! Parts separated by `;` must all match; the arguments of one matcher are alternatives, except
//! for `Headers`, `HeadersRegexp` and `Query`, whose arguments must all hold. Names are
//! case-insensitive, whitespace around names and arguments is ignored, and separators inside a
//! `{name:regex}` template do not split.

use http::{HeaderName, Method};
use regex::Regex;

use crate::routing::RuleError;
use crate::routing::pattern::{Pattern, PatternKind};
use crate::routing::rule::{Expr, Matcher, Modifier, Rule};

/// Parses a `frontend.rule` value.
pub fn parse_rule(text: &str) -> Result<Rule, RuleError> {
    let mut conjuncts = Vec::new();
    let mut modifiers = ModifierSlots::default();
    let parts = split_outside_braces(text, ';');
    if parts.iter().all(|part| part.trim().is_empty()) {
        return Err(RuleError::Empty);
    }
    for part in parts {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (name, args) = part
            .split_once(':')
            .ok_or_else(|| RuleError::MissingColon(part.to_owned()))?;
        let name = name.trim();
        let args: Vec<&str> = split_outside_braces(args, ',')
            .into_iter()
            .map(str::trim)
            .collect();
        if args.iter().any(|arg| arg.is_empty()) {
            return Err(RuleError::EmptyArgument(name.to_owned()));
        }
        parse_part(name, &args, &mut conjuncts, &mut modifiers)?;
    }
    Ok(Rule {
        expr: Expr::All(conjuncts),
        modifiers: modifiers.into_ordered(),
    })
}

/// Modifiers run in Traefik v1's fixed order (strip, add prefix, replace by regex, replace)
/// whatever the order they were written in.
#[derive(Default)]
struct ModifierSlots {
    strip_path: Vec<Pattern>,
    strip_prefix: Vec<Pattern>,
    add_prefix: Option<String>,
    replace_path: Option<String>,
    replace_path_regex: Option<(Regex, String)>,
}

impl ModifierSlots {
    fn into_ordered(self) -> Vec<Modifier> {
        let mut ordered = Vec::new();
        if !self.strip_path.is_empty() {
            ordered.push(Modifier::StripPath(self.strip_path));
        }
        if !self.strip_prefix.is_empty() {
            ordered.push(Modifier::StripPrefix(self.strip_prefix));
        }
        if let Some(prefix) = self.add_prefix {
            ordered.push(Modifier::AddPrefix(prefix));
        }
        if let Some((regex, replacement)) = self.replace_path_regex {
            ordered.push(Modifier::ReplacePathRegex { regex, replacement });
        }
        if let Some(path) = self.replace_path {
            ordered.push(Modifier::ReplacePath(path));
        }
        ordered
    }
}

fn parse_part(
    name: &str,
    args: &[&str],
    conjuncts: &mut Vec<Expr>,
    modifiers: &mut ModifierSlots,
) -> Result<(), RuleError> {
    let paths = || -> Result<Vec<Pattern>, RuleError> {
        args.iter()
            .map(|arg| Pattern::parse(arg, PatternKind::Path))
            .collect()
    };
    match name.to_ascii_lowercase().as_str() {
        "host" => {
            let hosts = args.iter().map(|arg| Matcher::Host(normalize_host(arg)));
            conjuncts.push(any_of(hosts.collect()));
        }
        "hostregexp" => {
            let hosts = args
                .iter()
                .map(|arg| Pattern::parse(arg, PatternKind::Host).map(Matcher::HostPattern));
            conjuncts.push(any_of(hosts.collect::<Result<_, _>>()?));
        }
        "path" => conjuncts.push(any_of(paths()?.into_iter().map(Matcher::Path).collect())),
        "pathprefix" => {
            conjuncts.push(any_of(
                paths()?.into_iter().map(Matcher::PathPrefix).collect(),
            ));
        }
        "pathstrip" => {
            let patterns = paths()?;
            conjuncts.push(any_of(
                patterns.iter().cloned().map(Matcher::Path).collect(),
            ));
            modifiers.strip_path.extend(patterns);
        }
        "pathprefixstrip" => {
            let patterns = paths()?;
            let matchers = patterns.iter().cloned().map(Matcher::PathPrefix).collect();
            conjuncts.push(any_of(matchers));
            modifiers.strip_prefix.extend(patterns);
        }
        "method" => {
            let methods = args.iter().map(|arg| {
                Method::from_bytes(arg.to_ascii_uppercase().as_bytes())
                    .map(Matcher::Method)
                    .map_err(|_| RuleError::BadMethod((*arg).to_owned()))
            });
            conjuncts.push(any_of(methods.collect::<Result<_, _>>()?));
        }
        "headers" | "headersregexp" => {
            let regexp = name.eq_ignore_ascii_case("headersregexp");
            if args.len() % 2 != 0 {
                return Err(RuleError::OddHeaderArguments(name.to_owned()));
            }
            for pair in args.chunks_exact(2) {
                let header = HeaderName::from_bytes(pair[0].as_bytes())
                    .map_err(|_| RuleError::BadHeaderName(pair[0].to_owned()))?;
                let matcher = if regexp {
                    Matcher::HeaderPattern {
                        name: header,
                        regex: anchored_regex(pair[1])?,
                    }
                } else {
                    Matcher::Header {
                        name: header,
                        value: pair[1].to_owned(),
                    }
                };
                conjuncts.push(Expr::Test(matcher));
            }
        }
        "query" => {
            for arg in args {
                // `key=` and a bare `key` both mean: present, with any value.
                let (key, value) = match arg.split_once('=') {
                    Some((key, value)) if !value.trim().is_empty() => {
                        (key.trim(), Some(value.trim().to_owned()))
                    }
                    Some((key, _)) => (key.trim(), None),
                    None => (*arg, None),
                };
                conjuncts.push(Expr::Test(Matcher::Query {
                    key: key.to_owned(),
                    value,
                }));
            }
        }
        "addprefix" => {
            let prefix = single(name, args)?;
            if !prefix.starts_with('/') {
                return Err(RuleError::NotAPath(name.to_owned(), prefix.to_owned()));
            }
            modifiers.add_prefix = Some(prefix.trim_end_matches('/').to_owned());
        }
        "replacepath" => {
            let path = single(name, args)?;
            if !path.starts_with('/') {
                return Err(RuleError::NotAPath(name.to_owned(), path.to_owned()));
            }
            modifiers.replace_path = Some(path.to_owned());
        }
        "replacepathregex" => {
            let spec = single(name, args)?;
            let (pattern, replacement) = spec
                .split_once(char::is_whitespace)
                .ok_or_else(|| RuleError::BadReplacePathRegex(spec.to_owned()))?;
            let regex = Regex::new(pattern.trim()).map_err(|err| RuleError::BadPattern {
                pattern: pattern.to_owned(),
                reason: err.to_string(),
            })?;
            modifiers.replace_path_regex = Some((regex, replacement.trim().to_owned()));
        }
        _ => return Err(RuleError::UnknownMatcher(name.to_owned())),
    }
    Ok(())
}

/// One matcher with several arguments: any of them will do.
fn any_of(matchers: Vec<Matcher>) -> Expr {
    let mut alternatives: Vec<Expr> = matchers.into_iter().map(Expr::Test).collect();
    if alternatives.len() == 1 {
        alternatives.remove(0)
    } else {
        Expr::Any(alternatives)
    }
}

fn single<'a>(name: &str, args: &[&'a str]) -> Result<&'a str, RuleError> {
    match args {
        [only] => Ok(only),
        _ => Err(RuleError::OneArgument(name.to_owned(), args.len())),
    }
}

fn anchored_regex(source: &str) -> Result<Regex, RuleError> {
    Regex::new(&format!("^(?:{source})$")).map_err(|err| RuleError::BadPattern {
        pattern: source.to_owned(),
        reason: err.to_string(),
    })
}

/// Lowercase, without a port or a trailing dot: the form request hosts are compared in.
pub fn normalize_host(host: &str) -> String {
    crate::routing::host::canonical_host(host).into_owned()
}

/// Splits on `separator` except inside `{...}` (template variables may hold `,` `;` or `:`).
fn split_outside_braces(text: &str, separator: char) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (index, ch) in text.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            _ if ch == separator && depth == 0 => {
                pieces.push(&text[start..index]);
                start = index + ch.len_utf8();
            }
            _ => {}
        }
    }
    pieces.push(&text[start..]);
    pieces
}

#[cfg(test)]
#[path = "rule_tests.rs"]
mod tests;
