//! Traefik v2/v3 router rules (`Host(`a`) && PathPrefix(`/b`)`), in both syntaxes.
//!
//! Invariants: an error's message can be written (its position is inside the text); parsing is
//! deterministic; a request the rule matches has one of the hosts and path prefixes the rule
//! says it requires (the route index relies on it); `!(rule)` matches exactly the requests the
//! rule does not (`!` is pushed down to the leaves when parsing, De Morgan's laws by hand) and
//! `(rule) && (rule)` exactly those it does.
#![no_main]

use hawser::routing::traefik_v3::{RuleSyntax, parse_rule};
use hawser_fuzz::{assert_index_sound, candidates, split_rule_input};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((text, parts)) = split_rule_input(data) else {
        return;
    };
    for syntax in [RuleSyntax::V3, RuleSyntax::V2] {
        let rule = match parse_rule(text, syntax) {
            Ok(rule) => rule,
            Err(err) => {
                assert!(!err.to_string().is_empty());
                continue;
            }
        };
        assert_eq!(
            parse_rule(text, syntax).ok().as_ref(),
            Some(&rule),
            "{syntax:?} {text:?} parsed twice differs"
        );
        let requests = candidates(&rule.expr, &parts);
        for request in &requests {
            assert_index_sound(&rule.expr, request, text);
        }
        // A comment (`// ...`) or a line break in the text can make the wrapped forms fail
        // to parse; when they parse, they must mean what they say.
        let negated = format!("!({text})");
        if let Ok(negated) = parse_rule(&negated, syntax) {
            for request in &requests {
                assert_index_sound(&negated.expr, request, text);
                assert_eq!(
                    negated.expr.matches(&request.view()),
                    !rule.expr.matches(&request.view()),
                    "{syntax:?}: !({text}) is not the negation of {text} for {request:?}"
                );
            }
        }
        let twice = format!("({text}) && ({text})");
        if let Ok(twice) = parse_rule(&twice, syntax) {
            for request in &requests {
                assert_eq!(
                    twice.expr.matches(&request.view()),
                    rule.expr.matches(&request.view()),
                    "{syntax:?}: ({text}) && ({text}) differs from {text} for {request:?}"
                );
            }
        }
    }
});
