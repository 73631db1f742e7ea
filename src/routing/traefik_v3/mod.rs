//! The Traefik v2/v3 label dialect (`traefik.http.routers.*`, `.services.*`, `.middlewares.*`)
//! with the Swarm provider's semantics, as Traefik v3 has them (v2's `@docker` names and
//! `traefik.docker.*` labels are read as the same provider).
//!
//! The data flows through these in order:
//! - [`labels`] sorts a service's labels into routers, services and middlewares (paerser's
//!   rules); [`router`], [`service`] and [`middleware`] read each object's options;
//! - [`provider`] applies the Swarm provider's defaults to one service and gives its objects
//!   their servers; [`swarm`] reads its own labels (enable, network, lbswarm), [`template`]
//!   is the default rule, [`names`] how names are made and qualified;
//! - [`merge`] puts every service's objects together as Traefik's provider merge does
//!   (identical definitions collapse, different ones are dropped);
//! - [`resolve`] turns each router into a route: its service's balancer (weighted services
//!   flattened), its middlewares (chains flattened), its rule, parsed at one place by [`rule`]
//!   (the grammar and the matchers, in the syntax [`RuleSyntax`] selects);
//! - [`compile`] runs these over a snapshot's v2/v3 services into the routing spec.

pub mod compile;
pub mod labels;
pub mod merge;
pub mod middleware;
pub mod names;
pub mod provider;
pub mod resolve;
pub mod router;
pub mod rule;
pub mod service;
pub mod swarm;
pub mod template;
#[cfg(test)]
pub(crate) mod test_support;
mod weighted;

pub use rule::parse_rule;

/// Which matchers a router's rule is written with (`traefik.http.routers.<name>.rulesyntax`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RuleSyntax {
    /// `Host(a, b)`, `Headers`, `HostRegexp` templates, `Query(key=value)`.
    V2,
    /// `Host(a)`, `Header`, regex matchers, `Query(key, value)`.
    #[default]
    V3,
}

impl RuleSyntax {
    /// The syntax a `ruleSyntax` value selects. Traefik looks the value up exactly, so only
    /// `v2` and `v3` mean anything; every other value (none, `V2`, `v4`) silently falls back to
    /// v3, and so it does here.
    pub fn from_label(value: Option<&str>) -> Self {
        match value {
            Some("v2") => RuleSyntax::V2,
            _ => RuleSyntax::V3,
        }
    }
}

/// The priority of a router that sets none: the length of its rule in bytes, exactly as
/// written (whitespace included), in v2 and v3 alike (`GetRulePriority` is Go's `len(rule)`).
pub fn default_priority(rule: &str) -> u32 {
    u32::try_from(rule.len()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_exact_v2_selects_v2() {
        // traefik-v3-routing.md §1.5; cases/grammar2.out: `V2` and `v4` behave as v3.
        assert_eq!(RuleSyntax::from_label(Some("v2")), RuleSyntax::V2);
        for value in [
            None,
            Some("v3"),
            Some("V2"),
            Some("v4"),
            Some(""),
            Some(" v2"),
        ] {
            assert_eq!(RuleSyntax::from_label(value), RuleSyntax::V3, "{value:?}");
        }
    }

    #[test]
    fn default_priority_is_the_rule_length_in_bytes() {
        // traefik-v3-routing.md §1.6 and the docs' priority examples (D22, E14).
        assert_eq!(default_priority(r"HostRegexp(`[a-z]+\.traefik\.com`)"), 34);
        assert_eq!(default_priority("Host(`foobar.traefik.com`)"), 26);
        assert_eq!(
            default_priority("HostRegexp(`{subdomain:[a-z]+}.traefik.com`)"),
            44
        );
        assert_eq!(default_priority("Host(`bücher.de`)"), 18);
        assert_eq!(default_priority(" Host(`a`) "), 11);
    }
}
