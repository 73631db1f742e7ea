//! Every service's objects put together, as Traefik's provider merge does
//! (`pkg/provider/merge.go`): a router or middleware defined identically by several services
//! is one object; defined differently, it is dropped everywhere. A load-balanced service
//! defined by several services with the same settings pools their servers (ports and weights
//! are per server, so they may differ); with different settings it is dropped.

use std::collections::BTreeMap;

use super::middleware::MiddlewareLabels;
use super::names::Qualified;
use super::provider::{Contribution, Router, ServiceDefinition};
use crate::routing::SkipReason;

/// One object and the services that define it.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry<T> {
    pub value: Result<T, SkipReason>,
    /// The Swarm services whose labels define it, in the order they were merged.
    pub owners: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Merged {
    pub routers: BTreeMap<String, Entry<Router>>,
    pub services: BTreeMap<String, Entry<ServiceDefinition>>,
    pub middlewares: BTreeMap<String, Entry<MiddlewareLabels>>,
}

/// Merges in the order given (compile sorts services by name, so the result never depends
/// on the order Docker lists them in).
pub fn merge(contributions: &[Contribution]) -> Merged {
    let mut merged = Merged::default();
    let mut conflicts: [Vec<String>; 3] = Default::default();
    for contribution in contributions {
        let owner = &contribution.owner;
        for (name, router) in &contribution.routers {
            add(
                &mut merged.routers,
                name,
                router,
                owner,
                &mut conflicts[0],
                same_router,
            );
        }
        for (name, middleware) in &contribution.middlewares {
            add(
                &mut merged.middlewares,
                name,
                middleware,
                owner,
                &mut conflicts[2],
                |a, b| a == b,
            );
        }
        for (name, service) in &contribution.services {
            let Some(entry) = merged.services.get_mut(name) else {
                merged.services.insert(
                    name.clone(),
                    Entry {
                        value: service.clone(),
                        owners: vec![owner.clone()],
                    },
                );
                continue;
            };
            entry.owners.push(owner.clone());
            if !pool(&mut entry.value, service) && !conflicts[1].contains(name) {
                conflicts[1].push(name.clone());
            }
        }
    }
    mark(&mut merged.routers, &conflicts[0], "router");
    mark(&mut merged.services, &conflicts[1], "service");
    mark(&mut merged.middlewares, &conflicts[2], "middleware");
    merged
}

fn add<T: Clone>(
    entries: &mut BTreeMap<String, Entry<T>>,
    name: &str,
    value: &Result<T, SkipReason>,
    owner: &str,
    conflicts: &mut Vec<String>,
    same: impl Fn(&T, &T) -> bool,
) {
    let Some(entry) = entries.get_mut(name) else {
        entries.insert(
            name.to_owned(),
            Entry {
                value: value.clone(),
                owners: vec![owner.to_owned()],
            },
        );
        return;
    };
    entry.owners.push(owner.to_owned());
    let equal = match (&entry.value, value) {
        (Ok(a), Ok(b)) => same(a, b),
        (Err(a), Err(b)) => a == b,
        _ => false,
    };
    if !equal && !conflicts.iter().any(|seen| seen == name) {
        conflicts.push(name.to_owned());
    }
}

/// Routers compare by what they do, not by how their labels are spelt.
fn same_router(a: &Router, b: &Router) -> bool {
    a.settings == b.settings
}

/// Adds `other`'s servers to `into` when everything but the servers is equal.
fn pool(
    into: &mut Result<ServiceDefinition, SkipReason>,
    other: &Result<ServiceDefinition, SkipReason>,
) -> bool {
    match (into, other) {
        (
            Ok(ServiceDefinition::LoadBalancer { labels, backends }),
            Ok(ServiceDefinition::LoadBalancer {
                labels: other_labels,
                backends: other_backends,
            }),
        ) => {
            let same = labels.pass_host_header == other_labels.pass_host_header
                && labels.settings == other_labels.settings;
            if same {
                backends.extend(other_backends.iter().cloned());
            }
            same
        }
        (into, other) => *into == *other,
    }
}

fn mark<T>(entries: &mut BTreeMap<String, Entry<T>>, conflicts: &[String], kind: &'static str) {
    for name in conflicts {
        if let Some(entry) = entries.get_mut(name) {
            entry.value = Err(SkipReason::Conflict {
                kind,
                name: Qualified::swarm(name).to_string(),
                owners: entry.owners.join(", "),
            });
        }
    }
}

#[cfg(test)]
#[path = "merge_tests.rs"]
mod tests;
