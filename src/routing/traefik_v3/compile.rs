//! The v2/v3 services of a snapshot into the routing spec, together: unlike v1, where each
//! service stands alone, v2/v3 objects are shared across services (a router on one service may
//! use another's service or middleware), so they are read one service at a time, merged, and
//! only then resolved into routes.

use std::collections::{BTreeMap, BTreeSet};

use super::merge::merge;
use super::middleware::MiddlewareLabels;
use super::names::{Provider, Qualified};
use super::provider::{Contribution, ProviderSettings, SwarmContext, contribute};
use super::resolve::{Resolver, RuleParser};
use crate::cluster::{Service, Task};
use crate::routing::dialect::Dialect;
use crate::routing::report::{ServiceReport, ServiceStatus, SkippedRouter, TaskReport};
use crate::routing::spec::{Compiled, ServiceWarning, SkippedService};

/// Compiles the v2/v3 services into `compiled`; the file provider's routes must be in it
/// already, for routers that use their services (`service=name@file`).
pub fn compile_services(
    services: &[(&Service, &[&Task])],
    settings: &ProviderSettings<'_>,
    context: SwarmContext<'_>,
    parse_rule: RuleParser<'_>,
    compiled: &mut Compiled,
) {
    let mut contributions = Vec::new();
    let mut reports = BTreeMap::new();
    for &(service, tasks) in services {
        let mut report = ServiceReport::for_service(service, Vec::new());
        report.dialect = Some(Dialect::V3);
        match contribute(service, tasks, settings, context) {
            Ok(contribution) => {
                let network = contribution
                    .network
                    .as_deref()
                    .and_then(|name| context.networks.values().find(|n| n.name == name));
                report.network = contribution.network.clone();
                report.tasks = report_tasks(tasks, context, network.copied());
                for message in &contribution.warnings {
                    warn(compiled, &mut report, &service.name, message.clone());
                }
                contributions.push(contribution);
            }
            Err(reason) => {
                report.tasks = report_tasks(tasks, context, None);
                compiled.spec.skipped.push(SkippedService {
                    service: service.name.clone(),
                    router: None,
                    reason: reason.to_string(),
                    intentional: reason.is_intentional(),
                });
                report.status = ServiceStatus::skipped(&reason);
            }
        }
        reports.insert(service.name.clone(), report);
    }
    let merged = merge(&contributions);
    let file_services: BTreeMap<String, bool> = compiled
        .spec
        .routes
        .iter()
        .filter(|route| route.name.ends_with("@file"))
        .map(|route| (route.balancer.clone(), route.pass_host_header))
        .collect();
    let resolver = Resolver {
        merged: &merged,
        file_services: &file_services,
        parse_rule,
    };
    let (outcomes, balancers) = resolver.resolve();
    compiled.spec.balancers.extend(balancers);
    for outcome in outcomes {
        for owner in &outcome.owners {
            let Some(report) = reports.get_mut(owner) else {
                continue;
            };
            match &outcome.result {
                Ok(_) => report.routes.push(outcome.name.clone()),
                Err(reason) => {
                    compiled.spec.skipped.push(SkippedService {
                        service: owner.clone(),
                        router: Some(outcome.name.clone()),
                        reason: reason.to_string(),
                        intentional: false,
                    });
                    report.skipped_routers.push(SkippedRouter {
                        router: outcome.name.clone(),
                        reason: reason.to_string(),
                    });
                }
            }
        }
        if let Ok(route) = outcome.result {
            compiled.spec.routes.push(route);
        }
    }
    warn_unused_failures(&contributions, &merged, compiled, &mut reports);
    for mut report in reports.into_values() {
        if report.routes.is_empty() && !report.skipped_routers.is_empty() {
            let reasons: Vec<String> = report
                .skipped_routers
                .iter()
                .map(|skipped| format!("{}: {}", skipped.router, skipped.reason))
                .collect();
            report.status = ServiceStatus::skipped_because(format!(
                "no router is exposed; {}",
                reasons.join("; ")
            ));
        }
        compiled.services.push(report);
    }
}

fn report_tasks(
    tasks: &[&Task],
    context: SwarmContext<'_>,
    network: Option<&crate::cluster::Network>,
) -> Vec<TaskReport> {
    tasks
        .iter()
        .map(|task| TaskReport::new(task, context.nodes, network))
        .collect()
}

fn warn(compiled: &mut Compiled, report: &mut ServiceReport, service: &str, message: String) {
    compiled.spec.warnings.push(ServiceWarning {
        service: service.to_owned(),
        message: message.clone(),
    });
    report.warnings.push(message);
}

/// A service or middleware that could not be read and that no router uses would otherwise go
/// unnoticed: a router that uses one is skipped with the reason already.
fn warn_unused_failures(
    contributions: &[Contribution],
    merged: &super::merge::Merged,
    compiled: &mut Compiled,
    reports: &mut BTreeMap<String, ServiceReport>,
) {
    let mut used: BTreeSet<Qualified> = BTreeSet::new();
    for router in merged
        .routers
        .values()
        .filter_map(|entry| entry.value.as_ref().ok())
    {
        used.insert(Qualified::parse(&router.settings.service, &Provider::Swarm));
        for name in &router.settings.middlewares {
            used.insert(Qualified::parse(name, &Provider::Swarm));
        }
    }
    for entry in merged.middlewares.values() {
        if let Ok(MiddlewareLabels::Chain { members, .. }) = &entry.value {
            for name in members {
                used.insert(Qualified::parse(name, &Provider::Swarm));
            }
        }
    }
    for contribution in contributions {
        let failures = contribution
            .services
            .iter()
            .filter(|(name, _)| Some(name.as_str()) != contribution.implicit_service.as_deref())
            .filter_map(|(name, value)| Some(("service", name, value.as_ref().err()?)))
            .chain(
                contribution
                    .middlewares
                    .iter()
                    .filter_map(|(name, value)| Some(("middleware", name, value.as_ref().err()?))),
            );
        let mut messages = Vec::new();
        for (kind, name, reason) in failures {
            if !used.contains(&Qualified::swarm(name)) {
                messages.push(format!("{kind} {name}@swarm is not usable: {reason}"));
            }
        }
        if let Some(report) = reports.get_mut(&contribution.owner) {
            for message in messages {
                warn(compiled, report, &contribution.owner, message);
            }
        }
    }
}
