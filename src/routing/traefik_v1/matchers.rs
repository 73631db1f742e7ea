//! What each Traefik v1 matcher takes and does (`rules/rules.go`), as matchers and modifiers
//! of the neutral model.
//!
//! Where Traefik silently builds a route that can never match (or only answers 404), hawser
//! refuses the rule instead and says why, so the service shows up as skipped with a reason.

use http::{HeaderName, Method, header};
use regex::Regex;

use super::rule::ModifierSlots;
use crate::routing::RuleError;
use crate::routing::host::canonical_host;
use crate::routing::path_text::{Replacement, encode_path_text};
use crate::routing::pattern::{Pattern, PatternKind};
use crate::routing::rule::{Expr, Matcher};

/// Adds one `Name: args` part to the rule being built.
pub(super) fn parse_part(
    name: &str,
    args: &[&str],
    conjuncts: &mut Vec<Expr>,
    modifiers: &mut ModifierSlots,
) -> Result<(), RuleError> {
    match name.to_ascii_lowercase().as_str() {
        "host" => {
            let hosts = non_empty(name, args)?.iter();
            conjuncts.push(any_of(hosts.map(|arg| Matcher::Host(host(arg))).collect()));
        }
        "hostregexp" => {
            let hosts = non_empty(name, args)?
                .iter()
                .map(|arg| Pattern::parse(arg, PatternKind::Host).map(Matcher::HostPattern));
            conjuncts.push(any_of(hosts.collect::<Result<_, _>>()?));
        }
        "path" => {
            let paths = path_patterns(name, args)?;
            conjuncts.push(any_of(paths.into_iter().map(Matcher::Path).collect()));
        }
        "pathprefix" => {
            let paths = path_patterns(name, args)?;
            conjuncts.push(any_of(paths.into_iter().map(Matcher::PathPrefix).collect()));
        }
        "pathstrip" | "pathprefixstrip" => {
            let whole = name.eq_ignore_ascii_case("pathstrip");
            let instead = if whole {
                "PathStripRegex"
            } else {
                "PathPrefixStripRegex"
            };
            let prefixes = literal_prefixes(name, args, instead)?;
            let matchers = path_patterns(name, args)?.into_iter().map(if whole {
                Matcher::Path
            } else {
                Matcher::PathPrefix
            });
            conjuncts.push(any_of(matchers.collect()));
            modifiers.strip = Some(prefixes);
        }
        "pathstripregex" | "pathprefixstripregex" => {
            let whole = name.eq_ignore_ascii_case("pathstripregex");
            // Tried in the order Traefik sorts them: longest template first, not longest match.
            let mut templates = non_empty(name, args)?.to_vec();
            templates.sort_by_key(|template| std::cmp::Reverse(template.len()));
            let patterns = path_patterns(name, &templates)?;
            let matchers = patterns.iter().cloned().map(if whole {
                Matcher::Path
            } else {
                Matcher::PathPrefix
            });
            conjuncts.push(any_of(matchers.collect()));
            modifiers.strip_matched = Some(patterns);
        }
        "method" => {
            let methods = non_empty(name, args)?.iter().map(|arg| {
                Method::from_bytes(arg.to_ascii_uppercase().as_bytes())
                    .map(Matcher::Method)
                    .map_err(|_| RuleError::BadMethod((*arg).to_owned()))
            });
            conjuncts.push(any_of(methods.collect::<Result<_, _>>()?));
        }
        "headers" | "headersregexp" => {
            let regexp = name.eq_ignore_ascii_case("headersregexp");
            conjuncts.extend(header_matchers(name, args, regexp)?);
        }
        "query" => {
            for arg in non_empty(name, args)? {
                conjuncts.push(Expr::Test(query_matcher(arg)?));
            }
        }
        "addprefix" => {
            let prefix = path_argument(name, args)?;
            // hawser drops a trailing '/', which Traefik keeps (`/api/` + `/x` = `/api//x`).
            let prefix = prefix.trim_end_matches('/');
            modifiers.add_prefix = Some(encode_path_text(prefix).into_owned());
        }
        "replacepath" => {
            let path = path_argument(name, args)?;
            modifiers.replace_path = Some(encode_path_text(path).into_owned());
        }
        "replacepathregex" => {
            modifiers.replace_path_regex = Some(replace_path_regex(single(name, args)?)?);
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

/// Traefik drops empty arguments (`Path:/a,`) and would build a route that never matches for
/// `Path: ,/a`; hawser refuses both.
fn non_empty<'a, 'b>(name: &str, args: &'b [&'a str]) -> Result<&'b [&'a str], RuleError> {
    if args.iter().any(|arg| arg.is_empty()) {
        return Err(RuleError::EmptyArgument(name.to_owned()));
    }
    Ok(args)
}

fn single<'a>(name: &str, args: &[&'a str]) -> Result<&'a str, RuleError> {
    match non_empty(name, args)? {
        [only] => Ok(only),
        _ => Err(RuleError::OneArgument(name.to_owned(), args.len())),
    }
}

/// Path templates must start with `/` (gorilla/mux refuses the others, and the route then
/// never matches).
fn path_patterns(name: &str, args: &[&str]) -> Result<Vec<Pattern>, RuleError> {
    non_empty(name, args)?
        .iter()
        .map(|arg| {
            if !arg.starts_with('/') {
                return Err(RuleError::NotAPath(name.to_owned(), (*arg).to_owned()));
            }
            Pattern::parse(arg, PatternKind::Path)
        })
        .collect()
}

fn path_argument<'a>(name: &str, args: &[&'a str]) -> Result<&'a str, RuleError> {
    let path = single(name, args)?;
    if !path.starts_with('/') {
        return Err(RuleError::NotAPath(name.to_owned(), path.to_owned()));
    }
    Ok(path)
}

/// `PathStrip`/`PathPrefixStrip` prefixes, longest first as Traefik sorts them. Traefik's
/// strip compares them as plain text, so a template there strips nothing and answers 404.
fn literal_prefixes(
    name: &str,
    args: &[&str],
    instead: &'static str,
) -> Result<Vec<String>, RuleError> {
    let mut prefixes = Vec::with_capacity(args.len());
    for arg in non_empty(name, args)? {
        if arg.contains('{') {
            return Err(RuleError::StripTemplate {
                matcher: name.to_owned(),
                argument: (*arg).to_owned(),
                instead,
            });
        }
        prefixes.push((*arg).to_owned());
    }
    prefixes.sort_by_key(|prefix| std::cmp::Reverse(prefix.len()));
    Ok(prefixes)
}

/// `Headers`/`HeadersRegexp` pairs. As in Traefik: all pairs must hold, a name given twice
/// keeps its last value (the pairs go into a map), an empty value only asks for the header to
/// be there, and a `HeadersRegexp` regex is unanchored.
fn header_matchers(name: &str, args: &[&str], regexp: bool) -> Result<Vec<Expr>, RuleError> {
    if args.len() % 2 != 0 {
        return Err(RuleError::OddHeaderArguments(name.to_owned()));
    }
    let mut pairs: Vec<(HeaderName, &str)> = Vec::with_capacity(args.len() / 2);
    for pair in args.chunks_exact(2) {
        let header = HeaderName::from_bytes(pair[0].as_bytes())
            .map_err(|_| RuleError::BadHeaderName(pair[0].to_owned()))?;
        if header == header::HOST {
            return Err(RuleError::HostHeader(name.to_owned()));
        }
        pairs.retain(|(earlier, _)| *earlier != header);
        pairs.push((header, pair[1]));
    }
    pairs
        .into_iter()
        .map(|(header, value)| {
            let matcher = if value.is_empty() {
                Matcher::Header {
                    name: header,
                    value: None,
                }
            } else if regexp {
                Matcher::HeaderPattern {
                    name: header,
                    regex: regex(value)?,
                }
            } else {
                Matcher::Header {
                    name: header,
                    value: Some(value.to_owned()),
                }
            };
            Ok(Expr::Test(matcher))
        })
        .collect()
}

/// `key=value`, `key=` (any value) or `key={name:regex}`. Traefik splits every `=` and pairs
/// the pieces up again, so `Query: beta` makes the rule invalid there; hawser says which
/// argument is not a pair, and also refuses `a=b=c=d` (which Traefik reads as `a=b`, `c=d`).
fn query_matcher(arg: &str) -> Result<Matcher, RuleError> {
    let not_a_pair = || RuleError::QueryNotAPair(arg.to_owned());
    let (key, value) = arg.split_once('=').ok_or_else(not_a_pair)?;
    let (key, value) = (key.trim(), value.trim());
    if key.is_empty() || key.contains(['{', '}']) || value.contains('=') {
        return Err(not_a_pair());
    }
    let value = if value.is_empty() {
        None
    } else {
        Some(Pattern::parse(value, PatternKind::QueryValue)?)
    };
    Ok(Matcher::Query {
        key: key.to_owned(),
        value,
    })
}

/// `regex replacement`, split on the one space Traefik requires (with two, Traefik drops the
/// modifier and serves the path unchanged; hawser refuses the rule). The replacement's text is
/// plain path text, escaped as Traefik escapes the rewritten path.
fn replace_path_regex(spec: &str) -> Result<(Regex, Replacement), RuleError> {
    let bad = || RuleError::BadReplacePathRegex(spec.to_owned());
    let mut pieces = spec.split(' ');
    let (Some(pattern), Some(replacement), None) = (pieces.next(), pieces.next(), pieces.next())
    else {
        return Err(bad());
    };
    let (pattern, replacement) = (pattern.trim(), replacement.trim());
    if pattern.is_empty() || replacement.is_empty() {
        return Err(bad());
    }
    let regex = regex(pattern)?;
    let replacement = Replacement::parse(replacement, &regex)
        .map_literals(|text| encode_path_text(text).into_owned());
    Ok((regex, replacement))
}

fn regex(source: &str) -> Result<Regex, RuleError> {
    Regex::new(source).map_err(|err| RuleError::BadPattern {
        pattern: source.to_owned(),
        reason: err.to_string(),
    })
}

/// Lowercase, without a port or a trailing dot: the form request hosts are compared in.
fn host(arg: &str) -> String {
    canonical_host(arg).into_owned()
}
