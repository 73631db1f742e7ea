//! Entry points as routing sees them, and which of them each route is served on.
//!
//! An entry point is known here by its name, its port and its position in the configured list:
//! the proxy tells [`RoutingTable::lookup`](super::RoutingTable::lookup) which entry point a
//! request came in on by that position, so the request path never compares names. A route that names no
//! entry point is served on the default ones (Traefik's `defaultEntryPoints`; v3's `asDefault`).
//!
//! TLS, as simply as Traefik's entry-point-level `http.tls` makes it: a route with `tls` (a
//! v2/v3 router's `tls` labels) is served on TLS entry points only; a route without (every v1
//! route, every router without `tls` labels) on the entry points it is given, plain and TLS
//! alike. A TLS route left with no TLS entry point is skipped, saying so.

use super::SkipReason;
use super::compile::{Compiled, RouteDef, ServiceWarning, SkippedService};
use super::report::{ServiceStatus, SkippedRouter};

/// The configured entry points, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EntryPoints {
    entries: Vec<Entry>,
    /// No entry point was configured (the built-in one, or `--listen`): a route naming only
    /// entry points hawser does not have is served on the defaults, with a warning, so that a
    /// stack written for Traefik's `http`/`https` keeps working as it did before hawser had
    /// entry points.
    lenient: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    name: String,
    is_default: bool,
    tls: Option<EntryPointTls>,
    /// The port it listens on, once known (a v1 `frontend.redirect.entryPoint` sends clients
    /// there).
    port: Option<u16>,
}

/// What a TLS entry point gives the routes served on it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EntryPointTls {
    /// The certificate resolver of the routes that name none (Traefik's
    /// `entryPoints.x.http.tls.certResolver`).
    pub cert_resolver: Option<String>,
}

/// The entry points a route asked for, as positions, and the names it asked for that are not
/// configured.
#[derive(Debug, PartialEq, Eq)]
pub struct Resolved<'a> {
    /// Ascending, without repeats.
    pub known: Vec<usize>,
    pub unknown: Vec<&'a str>,
}

impl EntryPoints {
    /// `entries`: each entry point's name and whether routes naming none are served on it.
    pub fn new(entries: impl IntoIterator<Item = (String, bool)>) -> Self {
        EntryPoints {
            entries: entries
                .into_iter()
                .map(|(name, is_default)| Entry {
                    name,
                    is_default,
                    tls: None,
                    port: None,
                })
                .collect(),
            lenient: false,
        }
    }

    /// As [`EntryPoints::new`], for entry points nobody configured (see `lenient`).
    pub fn built_in(entries: impl IntoIterator<Item = (String, bool)>) -> Self {
        EntryPoints {
            lenient: true,
            ..EntryPoints::new(entries)
        }
    }

    /// Makes the entry point named `name` a TLS one.
    pub fn with_tls(mut self, name: &str, tls: EntryPointTls) -> Self {
        if let Some(entry) = self.entries.iter_mut().find(|entry| entry.name == name) {
            entry.tls = Some(tls);
        }
        self
    }

    /// Sets the port the entry point at `position` listens on (the bound one, for `:0`).
    pub fn set_port(&mut self, position: usize, port: u16) {
        if let Some(entry) = self.entries.get_mut(position) {
            entry.port = Some(port);
        }
    }

    pub fn port(&self, position: usize) -> Option<u16> {
        self.entries.get(position)?.port
    }

    pub fn is_tls(&self, position: usize) -> bool {
        self.tls(position).is_some()
    }

    pub fn tls(&self, position: usize) -> Option<&EntryPointTls> {
        self.entries.get(position)?.tls.as_ref()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn name(&self, position: usize) -> Option<&str> {
        self.entries.get(position).map(|entry| entry.name.as_str())
    }

    pub fn is_default(&self, position: usize) -> bool {
        self.entries
            .get(position)
            .is_some_and(|entry| entry.is_default)
    }

    /// Names are case-sensitive, as in Traefik.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.entries.iter().position(|entry| entry.name == name)
    }

    /// Where a route naming `named` is served: those of them that exist, or the default entry
    /// points when it names none.
    pub fn resolve<'a>(&self, named: &'a [String]) -> Resolved<'a> {
        if named.is_empty() {
            let defaults = (0..self.len()).filter(|&position| self.is_default(position));
            return Resolved {
                known: defaults.collect(),
                unknown: Vec::new(),
            };
        }
        let mut known = Vec::new();
        let mut unknown = Vec::new();
        for name in named {
            match self.position(name) {
                Some(position) => known.push(position),
                None if !unknown.contains(&name.as_str()) => unknown.push(name.as_str()),
                None => {}
            }
        }
        known.sort_unstable();
        known.dedup();
        Resolved { known, unknown }
    }

    /// Every configured name, for messages: `web, admin`.
    pub(super) fn listed(&self) -> String {
        let names: Vec<&str> = self
            .entries
            .iter()
            .map(|entry| entry.name.as_str())
            .collect();
        names.join(", ")
    }

    /// The TLS entry points' names, for messages: `websecure`, or `none`.
    fn listed_tls(&self) -> String {
        let names: Vec<&str> = self
            .entries
            .iter()
            .filter(|entry| entry.tls.is_some())
            .map(|entry| entry.name.as_str())
            .collect();
        match names.is_empty() {
            true => "none".to_owned(),
            false => names.join(", "),
        }
    }
}

/// Gives each compiled route the entry points it is served on (named and configured, or the
/// defaults), as names in configured order. As in Traefik (`GetRoutersByEntryPoints`), names
/// that are not configured are dropped with a warning, and a route left with none is not
/// served: it is listed as skipped and taken out of its service's report.
pub(super) fn attach(compiled: &mut Compiled) {
    let entry_points = compiled.spec.entry_points.clone();
    let routes = std::mem::take(&mut compiled.spec.routes);
    let mut dropped_balancers = Vec::new();
    for mut route in routes {
        let mut resolved = entry_points.resolve(&route.entry_points);
        if resolved.known.is_empty() && entry_points.lenient {
            resolved.known = entry_points.resolve(&[]).known;
        }
        let plain = match route.tls {
            Some(_) => take_plain(&entry_points, &mut resolved.known),
            None => Vec::new(),
        };
        if !plain.is_empty() && resolved.known.is_empty() {
            let reason = SkipReason::TlsOnPlainEntryPoints {
                route: route.name.clone(),
                plain: plain.join(", "),
                tls: entry_points.listed_tls(),
            };
            skip(compiled, &route, &reason);
            dropped_balancers.push(route.balancer);
            continue;
        }
        // Leaving out plain defaults is the rule; leaving out one the route names is news.
        if !plain.is_empty() && !route.entry_points.is_empty() {
            let message = format!(
                "route {}: it has tls, so it is not served on the plain entry point{} {}",
                route.name,
                if plain.len() == 1 { "" } else { "s" },
                plain.join(", ")
            );
            warn(compiled, &route, message);
        }
        let known: Vec<String> = resolved
            .known
            .iter()
            .filter_map(|&position| entry_points.name(position).map(str::to_owned))
            .collect();
        if known.is_empty() {
            let what = if resolved.unknown.is_empty() {
                "it names no entry point and none is a default one".to_owned()
            } else {
                not_configured(&resolved.unknown)
            };
            let reason = SkipReason::NoEntryPoint {
                route: route.name.clone(),
                what,
                configured: entry_points.listed(),
            };
            skip(compiled, &route, &reason);
            dropped_balancers.push(route.balancer);
            continue;
        }
        if !resolved.unknown.is_empty() {
            let message = format!(
                "route {}: {} (configured: {}); it is served on {}",
                route.name,
                not_configured(&resolved.unknown),
                entry_points.listed(),
                known.join(", ")
            );
            warn(compiled, &route, message);
        }
        route.entry_points = known;
        compiled.spec.routes.push(route);
    }
    for balancer in dropped_balancers {
        let used = compiled
            .spec
            .routes
            .iter()
            .any(|route| route.balancer == balancer);
        if !used {
            compiled.spec.balancers.remove(&balancer);
        }
    }
}

/// Takes the plain entry points out of `known`; returns their names.
fn take_plain(entry_points: &EntryPoints, known: &mut Vec<usize>) -> Vec<String> {
    let mut plain = Vec::new();
    known.retain(|&position| {
        let tls = entry_points.is_tls(position);
        if !tls {
            plain.extend(entry_points.name(position).map(str::to_owned));
        }
        tls
    });
    plain
}

fn skip(compiled: &mut Compiled, route: &RouteDef, reason: &SkipReason) {
    // A route named after its service is the whole service (v1's unsegmented route).
    let router = (route.name != route.service).then(|| route.name.clone());
    compiled.spec.skipped.push(SkippedService {
        service: route.service.clone(),
        router: router.clone(),
        reason: reason.to_string(),
        intentional: false,
    });
    let Some(report) = compiled
        .services
        .iter_mut()
        .find(|report| report.name == route.service)
    else {
        return;
    };
    report.routes.retain(|name| *name != route.name);
    if let Some(router) = router {
        report.skipped_routers.push(SkippedRouter {
            router,
            reason: reason.to_string(),
        });
    }
    if report.routes.is_empty() {
        report.status = ServiceStatus::skipped(reason);
    }
}

fn warn(compiled: &mut Compiled, route: &RouteDef, message: String) {
    if let Some(report) = compiled
        .services
        .iter_mut()
        .find(|report| report.name == route.service)
    {
        report.warnings.push(message.clone());
    }
    compiled.spec.warnings.push(ServiceWarning {
        service: route.service.clone(),
        message,
    });
}

/// `entry point "x" is not configured`, `entry points "x", "y" are not configured`.
fn not_configured(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("{name:?}")).collect();
    match quoted.as_slice() {
        [one] => format!("entry point {one} is not configured"),
        many => format!("entry points {} are not configured", many.join(", ")),
    }
}

#[cfg(test)]
#[path = "entry_points_tests.rs"]
mod tests;
