//! The Traefik v2/v3 rule dialect (`traefik.http.routers.<name>.rule`), parsed into the
//! dialect-neutral rule model; see [`rule`] for the grammar and the matchers.

pub mod rule;

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
