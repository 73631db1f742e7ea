//! Traefik v1 frontend rules (`Host: a.com, b.com; PathPrefixStrip: /api`).
//!
//! Invariants: an error's message can be written; parsing is deterministic; a request the rule
//! matches has one of the hosts and path prefixes the rule says it requires (the route index
//! relies on it); a trailing `;` changes nothing; the rewrite of a path always gives a path
//! (a leading `/`), reports a stripped prefix only for a strip modifier and one replaced path
//! per replace modifier at most.
#![no_main]

use hawser::routing::rule::Modifier;
use hawser::routing::traefik_v1::parse_rule;
use hawser_fuzz::{assert_index_sound, candidates, split_rule_input};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((text, parts)) = split_rule_input(data) else {
        return;
    };
    let rule = match parse_rule(text) {
        Ok(rule) => rule,
        Err(err) => {
            assert!(!err.to_string().is_empty());
            return;
        }
    };
    assert_eq!(
        parse_rule(text).ok().as_ref(),
        Some(&rule),
        "{text:?} parsed twice differs"
    );
    if !text.contains(['{', '}']) {
        // Outside a `{...}` template a `;` always ends a part, and an empty part is skipped.
        assert_eq!(
            parse_rule(&format!("{text};")).ok().as_ref(),
            Some(&rule),
            "{text:?} with a trailing ';' differs"
        );
    }
    let requests = candidates(&rule.expr, &parts);
    let strips = rule.modifiers.iter().any(|modifier| {
        matches!(
            modifier,
            Modifier::StripPrefix(_) | Modifier::StripMatchedPrefix(_)
        )
    });
    let replaces = rule
        .modifiers
        .iter()
        .filter(|modifier| {
            matches!(
                modifier,
                Modifier::ReplacePath(_) | Modifier::ReplacePathRegex { .. }
            )
        })
        .count();
    for request in &requests {
        assert_index_sound(&rule.expr, request, text);
        let rewrite = rule.rewrite(&request.path);
        assert!(
            rewrite.path.starts_with('/'),
            "{text:?} rewrote {:?} to {:?}",
            request.path,
            rewrite.path
        );
        assert!(strips || rewrite.stripped_prefix.is_none(), "{text:?}");
        assert!(rewrite.replaced_paths.len() <= replaces, "{text:?}");
    }
});
