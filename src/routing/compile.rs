//! Cluster snapshot → routing spec: plain data, compared with the last one to decide whether
//! the published table changes at all.
//!
//! Each service's labels are read in their dialect ([`super::dialect`]): v1 services each on
//! their own, so one whose labels are wrong is skipped with a reason and nothing it says can
//! affect another's routes; v2/v3 services together ([`super::traefik_v3`]), since their
//! routers, services and middlewares are shared, with anything wrong costing only the object
//! it belongs to and the routers that use it.

use std::collections::HashMap;
use std::time::Duration;

use super::SkipReason;
use super::constraints::Constraints;
use super::dialect::{Dialect, detect};
use super::entry_points::{self, EntryPoints};
use super::middleware::{Middleware, MiddlewareDef};
use super::network::{choose_network, task_backends};
use super::options::Options;
use super::report::{ServiceReport, ServiceStatus, TaskReport};
use super::rule::Rule;
use super::traefik_v1::{LabelSettings, ServiceLabels, parse_rule, parse_service_labels};
use super::traefik_v3::compile::compile_services;
use super::traefik_v3::provider::{ProviderSettings, SwarmContext as V3Context};
use super::traefik_v3::template::RuleTemplate;
use super::traefik_v3::{RuleSyntax, parse_rule as parse_v3};
use crate::cluster::{
    ClusterSnapshot, Network, Node, Service, StaticMiddleware, StaticService, Task,
};

pub use super::spec::{
    BackendDef, BalancerDef, Compiled, RouteDef, RoutingSpec, ServiceWarning, SkippedService,
};

/// Settings that change how a snapshot becomes routes.
#[derive(Clone, Debug)]
pub struct RoutingSettings {
    pub labels: LabelSettings,
    /// `--network`: the network to reach tasks on when a service has no network label.
    pub default_network: Option<String>,
    /// `--default-rule`: the rule of v2/v3 routers that have none.
    pub default_rule: RuleTemplate,
    /// `--constraints`: only services whose labels match are routed (`None`: all).
    pub constraints: Option<ProviderConstraints>,
    /// How long a backend that got no response is passed over (zero: never).
    pub failure_cooldown: Duration,
    /// The proxy's entry points: routes are checked against their names.
    pub entry_points: EntryPoints,
}

/// `--constraints`, parsed, with its text for the reason of services it leaves out.
#[derive(Clone, Debug)]
pub struct ProviderConstraints {
    pub text: String,
    pub constraints: Constraints,
}

/// Builds the routing spec from a snapshot. Pure: the same input gives the same output.
pub fn compile(snapshot: &ClusterSnapshot, settings: &RoutingSettings) -> Compiled {
    let networks: HashMap<&str, &Network> = snapshot
        .networks
        .iter()
        .map(|network| (network.id.as_str(), network))
        .collect();
    let nodes: HashMap<&str, &Node> = snapshot
        .nodes
        .iter()
        .map(|node| (node.id.as_str(), node))
        .collect();
    let mut tasks_by_service: HashMap<&str, Vec<&Task>> = HashMap::new();
    for task in &snapshot.tasks {
        tasks_by_service
            .entry(task.service_id.as_str())
            .or_default()
            .push(task);
    }
    let mut services: Vec<&Service> = snapshot.services.iter().collect();
    services.sort_by(|a, b| a.name.cmp(&b.name));

    let mut compiled = Compiled::default();
    compiled.spec.failure_cooldown = settings.failure_cooldown;
    compiled.spec.entry_points = settings.entry_points.clone();
    let mut v3_services: Vec<(&Service, &[&Task])> = Vec::new();
    for service in services {
        let tasks = tasks_by_service
            .get(service.id.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default();
        let context = SwarmContext {
            networks: &networks,
            nodes: &nodes,
            settings,
        };
        // As Traefik's provider constraints, over all of a Swarm service's labels.
        if let Some(filter) = settings
            .constraints
            .as_ref()
            .filter(|filter| !filter.constraints.matches(&service.labels))
        {
            let reason = SkipReason::Constrained {
                constraints: filter.text.clone(),
            };
            skip_swarm_service(service, tasks, &context, &reason, &mut compiled);
            continue;
        }
        match detect(&service.labels, &settings.labels.prefix) {
            Ok(Dialect::V1) => compile_swarm_service(service, tasks, &context, &mut compiled),
            Ok(Dialect::V3) => v3_services.push((service, tasks)),
            Err(reason) => skip_swarm_service(service, tasks, &context, &reason, &mut compiled),
        }
    }
    for service in &snapshot.static_services {
        compile_static_service(service, &mut compiled);
    }
    let provider = ProviderSettings {
        prefix: &settings.labels.prefix,
        exposed_by_default: settings.labels.exposed_by_default,
        default_rule: &settings.default_rule,
        default_network: settings.default_network.as_deref(),
    };
    let context = V3Context {
        networks: &networks,
        nodes: &nodes,
    };
    compile_services(
        &v3_services,
        &provider,
        context,
        &parse_v3_rule,
        &mut compiled,
    );
    // Swarm services by name, then the file provider's, whatever the dialect.
    compiled
        .services
        .sort_by(|a, b| (a.provider != "swarm", &a.name).cmp(&(b.provider != "swarm", &b.name)));
    drop_routes_calling_missing_services(&mut compiled);
    entry_points::attach(&mut compiled);
    finish(&mut compiled.spec);
    compiled
}

/// A route whose middleware sends requests to a service the table does not have (an errors
/// page of a file service that does not exist) is skipped: never served without it.
fn drop_routes_calling_missing_services(compiled: &mut Compiled) {
    let routes = std::mem::take(&mut compiled.spec.routes);
    for route in routes {
        let missing = route.middlewares.iter().find_map(|def| {
            def.middleware
                .services()
                .into_iter()
                .find(|service| !compiled.spec.balancers.contains_key(*service))
                .map(|service| (def.name.clone(), service.to_owned()))
        });
        let Some((middleware, service)) = missing else {
            compiled.spec.routes.push(route);
            continue;
        };
        let reason = SkipReason::MissingService {
            service,
            label: format!("middleware {middleware}"),
        };
        compiled.spec.skipped.push(SkippedService {
            service: route.service.clone(),
            router: Some(route.name.clone()),
            reason: reason.to_string(),
            intentional: false,
        });
        if let Some(report) = compiled
            .services
            .iter_mut()
            .find(|report| report.name == route.service)
        {
            report.routes.retain(|name| *name != route.name);
        }
    }
}

struct SwarmContext<'a> {
    networks: &'a HashMap<&'a str, &'a Network>,
    nodes: &'a HashMap<&'a str, &'a Node>,
    settings: &'a RoutingSettings,
}

/// The one place a v2/v3 router's rule is parsed, in the syntax its `ruleSyntax` names.
fn parse_v3_rule(text: &str, syntax: Option<&str>) -> Result<Rule, String> {
    parse_v3(text, RuleSyntax::from_label(syntax)).map_err(|err| err.to_string())
}

/// A service left out before its labels are read: constraints exclude it, or its dialect
/// cannot be told.
fn skip_swarm_service(
    service: &Service,
    tasks: &[&Task],
    context: &SwarmContext<'_>,
    reason: &SkipReason,
    compiled: &mut Compiled,
) {
    let mut report = ServiceReport::for_service(service, Vec::new());
    report.tasks = tasks
        .iter()
        .map(|task| TaskReport::new(task, context.nodes, None))
        .collect();
    report.status = ServiceStatus::skipped(reason);
    compiled.spec.skipped.push(SkippedService {
        service: service.name.clone(),
        router: None,
        reason: reason.to_string(),
        intentional: reason.is_intentional(),
    });
    compiled.services.push(report);
}

fn compile_swarm_service(
    service: &Service,
    tasks: &[&Task],
    context: &SwarmContext<'_>,
    compiled: &mut Compiled,
) {
    let settings = context.settings;
    let outcome = parse_service_labels(
        &service.name,
        &service.labels,
        &service.container_labels,
        &settings.labels,
        &settings.entry_points,
    );
    for message in &outcome.warnings {
        compiled.spec.warnings.push(ServiceWarning {
            service: service.name.clone(),
            message: message.clone(),
        });
    }
    let label_name = format!("{}.docker.network", settings.labels.prefix);
    let chosen = outcome.result.and_then(|labels: ServiceLabels| {
        let network = choose_network(
            service,
            labels.network.as_deref(),
            settings.default_network.as_deref(),
            context.networks,
            &label_name,
        )?;
        Ok((labels, network))
    });
    let mut report = ServiceReport::for_service(service, outcome.warnings);
    report.dialect = Some(Dialect::V1);
    report.tasks = tasks
        .iter()
        .map(|task| TaskReport::new(task, context.nodes, chosen.as_ref().ok().map(|c| c.1)))
        .collect();
    match chosen {
        Err(reason) => {
            compiled.spec.skipped.push(SkippedService {
                service: service.name.clone(),
                router: None,
                reason: reason.to_string(),
                intentional: reason.is_intentional(),
            });
            report.status = ServiceStatus::skipped(&reason);
        }
        Ok((labels, network)) => {
            report.network = Some(network.name.clone());
            for route in labels.routes {
                let name = match &route.segment {
                    Some(segment) => format!("{}/{segment}", service.name),
                    None => service.name.clone(),
                };
                let backends = task_backends(
                    service,
                    tasks,
                    network,
                    context.nodes,
                    route.port,
                    route.weight,
                );
                let balancer = compiled
                    .spec
                    .balancers
                    .entry(route.backend.clone())
                    .or_insert_with(|| BalancerDef {
                        backends: Vec::new(),
                        settings: route.balancer.clone(),
                    });
                if balancer.settings != route.balancer {
                    compiled.spec.warnings.push(ServiceWarning {
                        service: service.name.clone(),
                        message: format!(
                            "backend {} is shared with a service whose stickiness or health \
                             check differs; the first service's (by name) apply",
                            route.backend
                        ),
                    });
                }
                balancer.backends.extend(backends);
                report.routes.push(name.clone());
                compiled.spec.routes.push(RouteDef {
                    name,
                    service: service.name.clone(),
                    rule_text: route.rule_text,
                    rule: route.rule,
                    priority: route.priority,
                    pass_host_header: route.pass_host_header,
                    balancer: route.backend,
                    middlewares: route.middlewares,
                    dialect: Dialect::V1,
                    entry_points: route.entry_points,
                    tls: None,
                });
            }
        }
    }
    compiled.services.push(report);
}

fn compile_static_service(service: &StaticService, compiled: &mut Compiled) {
    let name = format!("{}@file", service.name);
    let mut report = ServiceReport::for_static(service, &name);
    let parsed = parse_rule(&service.rule)
        .map_err(|err| format!("rule {:?}: {err}", service.rule))
        .and_then(|rule| {
            let mut warnings = Vec::new();
            let middlewares = service
                .middlewares
                .iter()
                .map(|middleware| static_middleware(&service.name, middleware, &mut warnings))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((rule, middlewares, warnings))
        });
    match parsed {
        Err(reason) => {
            let reason = SkipReason::BadStaticService(reason);
            compiled.spec.skipped.push(SkippedService {
                service: name.clone(),
                router: None,
                reason: reason.to_string(),
                intentional: false,
            });
            report.status = ServiceStatus::skipped(&reason);
        }
        Ok((rule, middlewares, warnings)) => {
            for message in warnings {
                report.warnings.push(message.clone());
                compiled.spec.warnings.push(ServiceWarning {
                    service: name.clone(),
                    message,
                });
            }
            let weight = service.weight.unwrap_or(1);
            let backends = service.backends.iter().map(|&address| BackendDef {
                task_id: None,
                service: name.clone(),
                slot: None,
                node_id: None,
                node: None,
                address,
                weight,
            });
            compiled
                .spec
                .balancers
                .entry(name.clone())
                .or_default()
                .backends
                .extend(backends);
            let priority = service
                .priority
                .filter(|&priority| priority > 0)
                .unwrap_or_else(|| u32::try_from(service.rule.len()).unwrap_or(u32::MAX));
            report.routes.push(name.clone());
            compiled.spec.routes.push(RouteDef {
                name: name.clone(),
                service: name.clone(),
                rule_text: service.rule.clone(),
                rule,
                priority,
                pass_host_header: service.pass_host_header.unwrap_or(true),
                balancer: name,
                middlewares,
                dialect: Dialect::V1,
                entry_points: Vec::new(),
                tls: None,
            });
        }
    }
    compiled.services.push(report);
}

/// A static service's middleware, read as its labels would be; `name@file`.
fn static_middleware(
    service: &str,
    middleware: &StaticMiddleware,
    warnings: &mut Vec<String>,
) -> Result<MiddlewareDef, String> {
    let prefix = format!("services.{service}.middlewares.{}.options", middleware.name);
    let labels: Vec<String> = middleware
        .options
        .iter()
        .map(|(key, _)| format!("{prefix}.{key}"))
        .collect();
    let mut options = Options::new(prefix.clone());
    for ((key, value), label) in middleware.options.iter().zip(&labels) {
        options.push(key, label, value);
    }
    let mut parsed =
        Middleware::parse(&middleware.kind, &options).map_err(|err| err.to_string())?;
    parsed.qualify_services("file");
    warnings.extend(options.warnings());
    Ok(MiddlewareDef {
        name: format!("{}@file", middleware.name),
        middleware: parsed,
    })
}

/// Orders routes by priority (ties by name, so the order never depends on the API's order),
/// sorts each balancer's backends, and warns when one route hides another.
fn finish(spec: &mut RoutingSpec) {
    spec.routes.sort_by(|a, b| {
        b.priority
            .cmp(&a.priority)
            .then_with(|| a.name.cmp(&b.name))
    });
    for balancer in spec.balancers.values_mut() {
        balancer
            .backends
            .sort_by(|a, b| (a.slot, &a.task_id, a.address).cmp(&(b.slot, &b.task_id, b.address)));
        let mut seen = std::collections::HashSet::new();
        balancer
            .backends
            .retain(|backend| seen.insert(backend.address));
    }
    // Routes on different entry points never compete for a request.
    let mut first_with_rule: HashMap<(&str, u32, &str), &str> = HashMap::new();
    let mut shadowed = Vec::new();
    for route in &spec.routes {
        let keys = route.entry_points.iter().map(|entry_point| {
            (
                route.rule_text.as_str(),
                route.priority,
                entry_point.as_str(),
            )
        });
        let mut winner = None;
        for key in keys {
            match first_with_rule.get(&key) {
                Some(first) => winner = winner.or(Some(*first)),
                None => {
                    first_with_rule.insert(key, &route.name);
                }
            }
        }
        if let Some(winner) = winner {
            let label = match route.dialect {
                Dialect::V1 => "a frontend.priority",
                Dialect::V3 => "a router priority",
            };
            shadowed.push(ServiceWarning {
                service: route.service.clone(),
                message: format!(
                    "route {} has the same rule and priority as route {winner}, which wins; \
                     set {label} to choose",
                    route.name
                ),
            });
        }
    }
    spec.warnings.extend(shadowed);
}

#[cfg(test)]
#[path = "compile_tests.rs"]
pub(crate) mod tests;
