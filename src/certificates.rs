//! Which certificates the ACME resolvers must hold, read from every published table: the
//! routes that name a resolver (`tls.certresolver`, or a TLS entry point's `certresolver`
//! for the routes served there that name none) want one certificate per `tls.domains` entry,
//! or else one for the hosts of their rule's `Host` matchers (the first the main name, the
//! others its SANs), as Traefik's ACME provider reads routers.
//!
//! [`wanted`] is the pure reading; [`follow_routes`] tells the manager whenever it changes.
//! Neither routing (pure) nor the request path know about ACME.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use crate::routing::RoutingSpec;
use crate::routing::spec::RouteDef;
use crate::state::SharedState;
use crate::tls::{AcmeManager, DomainSet};

/// What the routes of one table want.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Wanted {
    /// Every configured resolver, with the domain sets it must cover (perhaps none).
    pub by_resolver: BTreeMap<String, Vec<DomainSet>>,
    /// Routes whose certificates cannot be ordered, each saying why.
    pub problems: Vec<String>,
}

/// Reads the domain sets each of `resolvers` must cover from the routes of `spec`.
pub fn wanted(spec: &RoutingSpec, resolvers: &[String]) -> Wanted {
    let mut wanted = Wanted {
        by_resolver: resolvers
            .iter()
            .map(|name| (name.clone(), Vec::new()))
            .collect(),
        problems: Vec::new(),
    };
    for route in &spec.routes {
        let explicit = route.tls.as_ref().and_then(|tls| tls.cert_resolver.clone());
        let names = match &explicit {
            Some(name) => vec![name.clone()],
            None => entry_point_resolvers(spec, route),
        };
        if names.is_empty() {
            continue;
        }
        let sets = match domain_sets(route) {
            Ok(sets) => sets,
            Err(problem) => {
                wanted
                    .problems
                    .push(format!("route {}: {problem}", route.name));
                continue;
            }
        };
        if sets.is_empty() {
            // A route given a resolver only by its entry point may well have no host (a
            // catch-all); one that names a resolver itself expects a certificate.
            if explicit.is_some() {
                wanted.problems.push(format!(
                    "route {}: no certificate to order: its rule has no Host and it has no \
                     tls.domains",
                    route.name
                ));
            }
            continue;
        }
        for name in names {
            let Some(covered) = wanted.by_resolver.get_mut(&name) else {
                wanted.problems.push(format!(
                    "route {}: certificate resolver {name:?} is not configured \
                     (--certresolver {name}.KEY=VALUE defines it); the default certificate \
                     answers for its hosts",
                    route.name
                ));
                continue;
            };
            for set in &sets {
                if !covered.contains(set) {
                    covered.push(set.clone());
                }
            }
        }
    }
    wanted
}

/// The resolvers of the TLS entry points the route is served on, in their order.
fn entry_point_resolvers(spec: &RoutingSpec, route: &RouteDef) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for position in spec.entry_points.resolve(&route.entry_points).known {
        let resolver = spec
            .entry_points
            .tls(position)
            .and_then(|tls| tls.cert_resolver.as_ref());
        if let Some(name) = resolver
            && !names.contains(name)
        {
            names.push(name.clone());
        }
    }
    names
}

/// `tls.domains` (each entry a certificate), or else one certificate for the rule's hosts.
fn domain_sets(route: &RouteDef) -> Result<Vec<DomainSet>, String> {
    let problem = |err: crate::tls::TlsError| err.to_string();
    let domains = route.tls.as_ref().map(|tls| tls.domains.as_slice());
    match domains {
        Some(domains) if !domains.is_empty() => domains
            .iter()
            .map(|domain| {
                let (main, sans) = match domain.main.is_empty() {
                    false => (domain.main.as_str(), domain.sans.as_slice()),
                    true => match domain.sans.split_first() {
                        Some((first, rest)) => (first.as_str(), rest),
                        None => ("", &[][..]),
                    },
                };
                DomainSet::new(main, sans).map_err(problem)
            })
            .collect(),
        _ => {
            let hosts = route.rule.expr.literal_hosts();
            let Some((main, sans)) = hosts.split_first() else {
                return Ok(Vec::new());
            };
            let sans: Vec<String> = sans.iter().map(|host| (*host).to_owned()).collect();
            DomainSet::new(main, &sans)
                .map(|set| vec![set])
                .map_err(problem)
        }
    }
}

/// Tells `manager` what every published table wants, until `shutdown`. A problem is logged
/// when it first appears.
pub async fn follow_routes(
    state: Arc<SharedState>,
    manager: AcmeManager,
    resolvers: Vec<String>,
    shutdown: CancellationToken,
) {
    let mut notices = state.published.subscribe();
    let mut told = Wanted::default();
    loop {
        let now = wanted(&state.published.table().spec, &resolvers);
        tell(&manager, &now, &told);
        told = now;
        tokio::select! {
            () = shutdown.cancelled() => return,
            changed = notices.changed() => if changed.is_err() {
                return;
            },
        }
    }
}

fn tell(manager: &AcmeManager, now: &Wanted, before: &Wanted) {
    for problem in now.problems.iter().filter(|p| !before.problems.contains(p)) {
        warn!(problem = %problem, "certificate not ordered");
    }
    for (resolver, sets) in &now.by_resolver {
        if before.by_resolver.get(resolver) == Some(sets) {
            continue;
        }
        let listed: Vec<String> = sets.iter().map(ToString::to_string).collect();
        info!(resolver = %resolver, domains = %listed.join(" "), "certificates wanted");
        if let Err(err) = manager.want(resolver, sets.clone()) {
            error!(error = %err, "certificates not wanted");
        }
    }
}

#[cfg(test)]
#[path = "certificates_tests.rs"]
mod tests;
