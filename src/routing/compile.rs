//! Cluster snapshot → routing spec: plain data, compared with the last one to decide whether
//! the published table changes at all.
//!
//! Each service is handled on its own: a service whose labels are wrong is skipped with a
//! reason, and nothing it says can affect another service's routes.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::time::Duration;

use serde::Serialize;

use super::SkipReason;
use super::middleware::MiddlewareDef;
use super::network::choose_network;
use super::report::{ServiceReport, ServiceStatus, TaskReport};
use super::rule::Rule;
use super::traefik_v1::{LabelSettings, ServiceLabels, parse_rule, parse_service_labels};
use crate::cluster::{ClusterSnapshot, Network, Node, Service, StaticService, Task};

/// Settings that change how a snapshot becomes routes.
#[derive(Clone, Debug)]
pub struct RoutingSettings {
    pub labels: LabelSettings,
    /// `--network`: the network to reach tasks on when a service has no network label.
    pub default_network: Option<String>,
    /// How long a backend that got no response is passed over (zero: never).
    pub failure_cooldown: Duration,
}

/// Everything that decides where requests go. Two equal specs route identically.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RoutingSpec {
    /// Highest priority first: the order rules are tried in.
    pub routes: Vec<RouteDef>,
    /// Balancers (named sets of backends) by name; routes refer to them by name.
    pub balancers: BTreeMap<String, Vec<BackendDef>>,
    pub skipped: Vec<SkippedService>,
    pub warnings: Vec<ServiceWarning>,
    /// Passive health: how long a backend that got no response is passed over.
    pub failure_cooldown: Duration,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RouteDef {
    /// Unique: the service name, `service/segment`, or `name@file`.
    pub name: String,
    pub service: String,
    pub rule_text: String,
    pub rule: Rule,
    pub priority: u32,
    pub pass_host_header: bool,
    pub balancer: String,
    /// Run in this order around forwarding (chains already flattened).
    pub middlewares: Vec<MiddlewareDef>,
    /// Bytes a request body may carry on this route (a buffering middleware's limit);
    /// `None`: the proxy's `--max-request-body`.
    pub max_request_body: Option<u64>,
}

/// One address requests can be sent to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BackendDef {
    /// `None` for static backends.
    pub task_id: Option<String>,
    pub service: String,
    pub slot: Option<u64>,
    pub node_id: Option<String>,
    pub node: Option<String>,
    pub address: SocketAddr,
    pub weight: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SkippedService {
    pub service: String,
    pub reason: String,
    /// Disabled on purpose (`enable=false`): reported, but not a problem.
    pub intentional: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServiceWarning {
    pub service: String,
    pub message: String,
}

/// The routing spec and the per-service view operators look at.
#[derive(Clone, Debug, Default)]
pub struct Compiled {
    pub spec: RoutingSpec,
    pub services: Vec<ServiceReport>,
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
        compile_swarm_service(service, tasks, &context, &mut compiled);
    }
    for service in &snapshot.static_services {
        compile_static_service(service, &mut compiled);
    }
    finish(&mut compiled.spec);
    compiled
}

struct SwarmContext<'a> {
    networks: &'a HashMap<&'a str, &'a Network>,
    nodes: &'a HashMap<&'a str, &'a Node>,
    settings: &'a RoutingSettings,
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
    report.tasks = tasks
        .iter()
        .map(|task| TaskReport::new(task, context.nodes, chosen.as_ref().ok().map(|c| c.1)))
        .collect();
    match chosen {
        Err(reason) => {
            compiled.spec.skipped.push(SkippedService {
                service: service.name.clone(),
                reason: reason.to_string(),
                intentional: matches!(
                    reason,
                    SkipReason::Disabled { .. } | SkipReason::NotEnabled { .. }
                ),
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
                let balancer = compiled
                    .spec
                    .balancers
                    .entry(route.backend.clone())
                    .or_default();
                for task in tasks.iter().filter(|task| is_routable(task, context.nodes)) {
                    let Some(address) = task
                        .addresses
                        .iter()
                        .find(|address| address.network_id == network.id)
                    else {
                        continue;
                    };
                    let node = task.node_id.as_deref().and_then(|id| context.nodes.get(id));
                    balancer.push(BackendDef {
                        task_id: Some(task.id.clone()),
                        service: service.name.clone(),
                        slot: task.slot,
                        node_id: task.node_id.clone(),
                        node: node.map(|node| node.hostname.clone()),
                        address: SocketAddr::new(address.ip, route.port),
                        weight: route.weight,
                    });
                }
                report.routes.push(name.clone());
                compiled.spec.routes.push(RouteDef {
                    name,
                    service: service.name.clone(),
                    rule_text: route.rule_text,
                    rule: route.rule,
                    priority: route.priority,
                    pass_host_header: route.pass_host_header,
                    balancer: route.backend,
                    middlewares: Vec::new(),
                    max_request_body: None,
                });
            }
        }
    }
    compiled.services.push(report);
}

/// Running as Swarm wants, on a node the managers can reach.
fn is_routable(task: &Task, nodes: &HashMap<&str, &Node>) -> bool {
    let node_down = task
        .node_id
        .as_deref()
        .and_then(|id| nodes.get(id))
        .is_some_and(|node| node.is_down());
    task.is_serving() && !node_down
}

fn compile_static_service(service: &StaticService, compiled: &mut Compiled) {
    let name = format!("{}@file", service.name);
    let mut report = ServiceReport::for_static(service, &name);
    match parse_rule(&service.rule) {
        Err(err) => {
            let reason = SkipReason::BadStaticService(format!("rule {:?}: {err}", service.rule));
            compiled.spec.skipped.push(SkippedService {
                service: name.clone(),
                reason: reason.to_string(),
                intentional: false,
            });
            report.status = ServiceStatus::skipped(&reason);
        }
        Ok(rule) => {
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
                middlewares: Vec::new(),
                max_request_body: None,
            });
        }
    }
    compiled.services.push(report);
}

/// Orders routes by priority (ties by name, so the order never depends on the API's order),
/// sorts each balancer's backends, and warns when one route hides another.
fn finish(spec: &mut RoutingSpec) {
    spec.routes.sort_by(|a, b| {
        b.priority
            .cmp(&a.priority)
            .then_with(|| a.name.cmp(&b.name))
    });
    for backends in spec.balancers.values_mut() {
        backends
            .sort_by(|a, b| (a.slot, &a.task_id, a.address).cmp(&(b.slot, &b.task_id, b.address)));
        let mut seen = std::collections::HashSet::new();
        backends.retain(|backend| seen.insert(backend.address));
    }
    let mut first_with_rule: HashMap<(&str, u32), &str> = HashMap::new();
    let mut shadowed = Vec::new();
    for route in &spec.routes {
        let key = (route.rule_text.as_str(), route.priority);
        match first_with_rule.get(&key) {
            Some(winner) => shadowed.push(ServiceWarning {
                service: route.service.clone(),
                message: format!(
                    "route {} has the same rule and priority as route {winner}, which wins; \
                     set a frontend.priority to choose",
                    route.name
                ),
            }),
            None => {
                first_with_rule.insert(key, &route.name);
            }
        }
    }
    spec.warnings.extend(shadowed);
}

#[cfg(test)]
#[path = "compile_tests.rs"]
pub(crate) mod tests;
