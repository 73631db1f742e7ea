//! Traefik v1 frontend rule grammar: `Matcher: arg, arg; Other: arg`.
//!
//! Parts separated by `;` must all match; the arguments of one matcher are alternatives, except
//! for `Headers`, `HeadersRegexp` and `Query`, whose arguments must all hold. As in Traefik
//! (`rules/rules.go` `parseRules`), a run of `:` counts as one and colons at either end of the
//! arguments are dropped. hawser is more lenient in three ways: names are case-insensitive,
//! empty parts (`Host: a; `) are skipped, and separators inside a `{...}` template or regex
//! repetition do not split. What each matcher takes is in [`super::matchers`].

use regex::Regex;

use super::matchers::parse_part;
use crate::routing::RuleError;
use crate::routing::path_text::Replacement;
use crate::routing::pattern::Pattern;
use crate::routing::rule::{Expr, Modifier, Rule};

/// Parses a `frontend.rule` value.
pub fn parse_rule(text: &str) -> Result<Rule, RuleError> {
    let mut conjuncts = Vec::new();
    let mut modifiers = ModifierSlots::default();
    let parts = split_outside_braces(text, ';');
    if parts.iter().all(|part| part.trim().is_empty()) {
        return Err(RuleError::Empty);
    }
    for part in parts {
        let part = part.trim().trim_start_matches(':');
        if part.is_empty() {
            continue;
        }
        let (name, args) = part
            .split_once(':')
            .ok_or_else(|| RuleError::MissingColon(part.to_owned()))?;
        let name = name.trim();
        let args = collapse_colons(args);
        let args: Vec<&str> = split_outside_braces(&args, ',')
            .into_iter()
            .map(str::trim)
            .collect();
        parse_part(name, &args, &mut conjuncts, &mut modifiers)?;
    }
    Ok(Rule {
        expr: Expr::All(conjuncts),
        modifiers: modifiers.into_ordered()?,
    })
}

/// Where a rule's modifiers go. Traefik keeps one field per kind and each part overwrites it,
/// so the last part written wins: `PathStrip` and `PathPrefixStrip` share one field, and so do
/// the two regex strips. They run in Traefik's fixed order (`server/server_configuration.go`
/// `buildMatcherMiddlewares`) whatever the order they were written in: strip by template,
/// strip, add prefix, replace by regex, replace.
#[derive(Default)]
pub(super) struct ModifierSlots {
    pub(super) strip_matched: Option<Vec<Pattern>>,
    pub(super) strip: Option<Vec<String>>,
    pub(super) add_prefix: Option<String>,
    pub(super) replace_path_regex: Option<(Regex, Replacement)>,
    pub(super) replace_path: Option<String>,
}

impl ModifierSlots {
    fn into_ordered(self) -> Result<Vec<Modifier>, RuleError> {
        let mut ordered = Vec::new();
        match (self.strip_matched, self.strip) {
            (Some(_), Some(_)) => return Err(RuleError::StripsCombined),
            (Some(patterns), None) => ordered.push(Modifier::StripMatchedPrefix(patterns)),
            (None, Some(prefixes)) => ordered.push(Modifier::StripPrefix(prefixes)),
            (None, None) => {}
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
        Ok(ordered)
    }
}

/// Traefik splits a part on every `:` and joins the pieces back with one, which drops colons
/// at either end and collapses runs (`Path::/a::b` is `Path:/a:b`). Inside `[...]` colons are
/// kept, so an IPv6 host such as `[::1]` can be written (Traefik would read `[:1]`).
fn collapse_colons(args: &str) -> String {
    let mut collapsed = String::with_capacity(args.len());
    let mut in_brackets = false;
    for ch in args.chars() {
        match ch {
            '[' => in_brackets = true,
            ']' => in_brackets = false,
            ':' if !in_brackets && (collapsed.is_empty() || collapsed.ends_with(':')) => {
                continue;
            }
            _ => {}
        }
        collapsed.push(ch);
    }
    if collapsed.ends_with(':') {
        collapsed.pop();
    }
    collapsed
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

#[cfg(test)]
#[path = "header_query_tests.rs"]
mod header_query_tests;

#[cfg(test)]
#[path = "modifier_tests.rs"]
mod modifier_tests;
