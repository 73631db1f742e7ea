//! Every label key hawser knows after the prefix, and what it does with each: use it, ignore it
//! with a warning, or refuse to expose the service without it.

/// A label key after the prefix, by what hawser does with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Property {
    Enable,
    Port,
    Protocol,
    Weight,
    Backend,
    Network,
    /// `domain`: the domain of this service's default rule, instead of `--domain`.
    Domain,
    Rule,
    Priority,
    PassHostHeader,
    EntryPoints,
    /// A backend label that shapes the balancer: stickiness, health checks.
    Balancer,
    /// A frontend feature run as a middleware (`frontend.headers.*`, `frontend.auth.basic.*`...).
    Frontend,
    /// Understood, not implemented, and safe to leave out: a warning.
    Ignored(&'static str),
    /// Understood, not implemented, and unsafe to leave out (access control): skip.
    Refused(&'static str),
    Unknown,
}

pub(super) fn classify(key: &str) -> Property {
    use Property::*;
    match key {
        "enable" => Enable,
        "port" => Port,
        "protocol" => Protocol,
        "weight" => Weight,
        "backend" => Backend,
        "docker.network" => Network,
        "domain" => Domain,
        "frontend.rule" => Rule,
        "frontend.priority" => Priority,
        "frontend.passHostHeader" => PassHostHeader,
        "frontend.entryPoints" => EntryPoints,
        "tags" => Ignored("tags only filter Traefik's own providers"),
        "backend.loadbalancer.swarm" | "docker.LBSwarm" => {
            Ignored("hawser always balances across task addresses, never the service VIP")
        }
        "backend.loadbalancer.method" => Ignored("hawser always uses weighted round-robin"),
        key if key == "frontend.auth.basic"
            || key.starts_with("frontend.auth.basic.")
            || key == "frontend.auth.headerField"
            || key.starts_with("frontend.whiteList.")
            || key == "frontend.whitelistSourceRange"
            || key.starts_with("frontend.headers.")
            || key.starts_with("frontend.redirect.")
            || key.starts_with("frontend.rateLimit.") =>
        {
            Frontend
        }
        key if key
            .strip_prefix("backend.")
            .is_some_and(super::backend::is_balancer_key) =>
        {
            Balancer
        }
        key if key.starts_with("frontend.auth.") => Refused("this kind of authentication"),
        key if key.starts_with("frontend.passTLSClientCert")
            || key == "frontend.passTLSCert"
            || key.starts_with("frontend.errors.")
            || key.starts_with("backend.") =>
        {
            Ignored("not implemented by hawser")
        }
        _ => Unknown,
    }
}

/// Properties a segment may set for itself.
pub(super) fn is_segment_property(property: Property) -> bool {
    !matches!(
        property,
        Property::Enable | Property::Network | Property::Domain | Property::Unknown
    )
}
