//! Traefik's Swarm provider for one service (`pkg/provider/docker/config.go` `build`,
//! `pkg/provider/configuration.go`): its labels become routers, services and middlewares,
//! with the provider's defaults: an implicit service named after the Swarm service, a default
//! router when there is no router and one service, the default rule for routers without one,
//! and routers linked to the only service. Servers are the running tasks on the chosen
//! network, or the service's virtual IP with `lbswarm`.
//!
//! Unlike Traefik, which skips a whole service for any bad label, a bad label costs only the
//! object it belongs to (and the routers that use that object); what cannot be pinned on one
//! object (`enable`, the network, a label outside any object) still skips the service.

use std::collections::{BTreeMap, HashMap};

use super::labels::{DecodedLabels, decode};
use super::middleware::{MiddlewareLabels, read_middleware};
use super::names::normalize;
use super::router::{RouterLabelNames, RouterLabels, read_router};
use super::service::{LoadBalancerLabels, ServiceLabels, WeightedLabels, read_service};
use super::swarm::{ProviderLabels, check_enabled, virtual_ip_backend};
use super::template::RuleTemplate;
use crate::cluster::{Network, Node, Service, Task};
use crate::routing::SkipReason;
use crate::routing::network::{choose_network, task_backends};
use crate::routing::spec::BackendDef;
use crate::routing::tls::RouteTls;

/// The settings of the v2/v3 reader.
#[derive(Clone, Copy, Debug)]
pub struct ProviderSettings<'a> {
    pub prefix: &'a str,
    pub exposed_by_default: bool,
    pub default_rule: &'a RuleTemplate,
    /// `--network`.
    pub default_network: Option<&'a str>,
}

/// The cluster around one service.
#[derive(Clone, Copy)]
pub struct SwarmContext<'a> {
    pub networks: &'a HashMap<&'a str, &'a Network>,
    pub nodes: &'a HashMap<&'a str, &'a Node>,
}

/// A router once the provider's defaults applied; two services define the same router when
/// these are equal (Traefik compares the whole router).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouterSettings {
    pub rule: String,
    /// The rule came from the default rule template.
    pub default_rule: bool,
    pub rule_syntax: Option<String>,
    pub priority: u32,
    pub entry_points: Vec<String>,
    pub middlewares: Vec<String>,
    pub service: String,
    pub tls: Option<RouteTls>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Router {
    pub settings: RouterSettings,
    /// Where errors about it point.
    pub labels: RouterLabelNames,
}

/// A service with the servers this Swarm service gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServiceDefinition {
    LoadBalancer {
        labels: LoadBalancerLabels,
        backends: Vec<BackendDef>,
    },
    Weighted(WeightedLabels),
}

/// What one Swarm service's labels add to the provider's configuration. Objects that could
/// not be read keep their place with the reason, so that whoever uses them learns why.
#[derive(Clone, Debug, Default)]
pub struct Contribution {
    pub owner: String,
    pub routers: BTreeMap<String, Result<Router, SkipReason>>,
    pub services: BTreeMap<String, Result<ServiceDefinition, SkipReason>>,
    pub middlewares: BTreeMap<String, Result<MiddlewareLabels, SkipReason>>,
    /// The network servers are reached on, when there are servers.
    pub network: Option<String>,
    /// The service made because the labels define none (no label names it).
    pub implicit_service: Option<String>,
    pub warnings: Vec<String>,
}

/// Reads one Swarm service. `Err` skips the whole service.
pub fn contribute(
    service: &Service,
    tasks: &[&Task],
    settings: &ProviderSettings<'_>,
    context: SwarmContext<'_>,
) -> Result<Contribution, SkipReason> {
    let decoded = decode(&service.labels, settings.prefix);
    check_enabled(&decoded, settings)?;
    if let Some(error) = &decoded.error {
        return Err(error.clone().into());
    }
    let provider = ProviderLabels::read(&decoded)?;
    let mut contribution = Contribution {
        owner: service.name.clone(),
        warnings: decoded.warnings.clone(),
        ..Contribution::default()
    };
    let dotted = format!("{}.", settings.prefix);
    let misplaced: Vec<&str> = service
        .container_labels
        .keys()
        .filter(|key| key.starts_with(&dotted) && !service.labels.contains_key(*key))
        .map(String::as_str)
        .collect();
    if !misplaced.is_empty() {
        contribution.warnings.push(format!(
            "labels {} are on the container spec (a stack's `labels:`), which hawser does not \
             read, as Traefik does not; move them under `deploy.labels:`",
            misplaced.join(", ")
        ));
    }
    if let Some(&first) = decoded.tcp_udp.first() {
        let http = decoded.routers.len() + decoded.services.len() + decoded.middlewares.len();
        if http == 0 {
            return Err(SkipReason::OnlyTcpUdp {
                label: first.to_owned(),
            });
        }
        contribution.warnings.push(format!(
            "labels {} are ignored: hawser routes HTTP only",
            decoded.tcp_udp.join(", ")
        ));
    }
    let name = service_name(service);
    let port_prefix = format!("{}.http.services", settings.prefix);
    let mut services: Vec<(String, Result<ServiceLabels, SkipReason>, String)> = decoded
        .services
        .iter()
        .map(|section| {
            let read = read_service(section);
            contribution.warnings.extend(section.options.warnings());
            let port_label = section.options.label_of("loadbalancer.server.port");
            (section.name.to_owned(), read, port_label)
        })
        .collect();
    if services.is_empty() {
        let implicit = ServiceLabels::LoadBalancer(LoadBalancerLabels::implicit());
        let port_label = format!("{port_prefix}.{name}.loadbalancer.server.port");
        services.push((name.clone(), Ok(implicit), port_label));
        contribution.implicit_service = Some(name.clone());
    }
    let service_names: Vec<&str> = services.iter().map(|(name, _, _)| name.as_str()).collect();
    read_routers(
        &decoded,
        &name,
        &service_names,
        service,
        settings,
        &mut contribution,
    );
    for section in &decoded.middlewares {
        let read = read_middleware(section).map_err(SkipReason::from);
        contribution.warnings.extend(section.options.warnings());
        contribution
            .middlewares
            .insert(section.name.to_owned(), read);
    }
    let needs_network = services.iter().any(
        |(_, read, _)| matches!(read, Ok(ServiceLabels::LoadBalancer(lb)) if lb.port.is_some()),
    );
    let network_label = provider.network.map_or_else(
        || format!("{}.swarm.network", settings.prefix),
        |labelled| labelled.label.to_owned(),
    );
    let network = match needs_network {
        false => None,
        true => Some(choose_network(
            service,
            provider.network.map(|labelled| labelled.value.trim()),
            settings.default_network,
            context.networks,
            &network_label,
        )?),
    };
    contribution.network = network.map(|network| network.name.clone());
    for (service_name, read, port_label) in services {
        let definition = read.and_then(|labels| match labels {
            ServiceLabels::Weighted(weighted) => Ok(ServiceDefinition::Weighted(weighted)),
            ServiceLabels::LoadBalancer(labels) => {
                let (Some(port), Some(network)) = (labels.port, network) else {
                    return Err(SkipReason::MissingPort {
                        label: port_label,
                        hint: " (Traefik: port is missing; Swarm services expose no port to \
                               detect)"
                            .into(),
                    });
                };
                let backends = match provider.lbswarm {
                    Some(lbswarm) => vec![virtual_ip_backend(
                        service,
                        network,
                        port,
                        labels.weight,
                        lbswarm,
                    )?],
                    None => {
                        task_backends(service, tasks, network, context.nodes, port, labels.weight)
                    }
                };
                Ok(ServiceDefinition::LoadBalancer { labels, backends })
            }
        });
        contribution.services.insert(service_name, definition);
    }
    Ok(contribution)
}

/// Traefik's `getServiceName`: the Swarm service's name, normalized (`mystack_web` →
/// `mystack-web`), or `<service>_<project>` when both compose labels are set.
pub fn service_name(service: &Service) -> String {
    let compose = |key: &str| service.labels.get(key).filter(|value| !value.is_empty());
    match (
        compose("com.docker.compose.service"),
        compose("com.docker.compose.project"),
    ) {
        (Some(compose_service), Some(project)) => {
            normalize(&format!("{compose_service}_{project}"))
        }
        _ => normalize(&service.name),
    }
}

/// The routers of the labels, or the default one; then the default rule and the link to the
/// only service (`BuildRouterConfiguration`).
fn read_routers(
    decoded: &DecodedLabels<'_>,
    name: &str,
    service_names: &[&str],
    service: &Service,
    settings: &ProviderSettings<'_>,
    contribution: &mut Contribution,
) {
    let mut routers: Vec<(String, Result<RouterLabels, SkipReason>, RouterLabelNames)> = decoded
        .routers
        .iter()
        .map(|section| {
            let read = read_router(section).map_err(SkipReason::from);
            contribution.warnings.extend(section.options.warnings());
            (
                section.name.to_owned(),
                read,
                RouterLabelNames::of(&section.options),
            )
        })
        .collect();
    if routers.is_empty() {
        match service_names {
            [_] => {
                let prefix = format!("{}.http.routers.{name}", settings.prefix);
                let labels = RouterLabelNames {
                    rule: format!("{prefix}.rule"),
                    middlewares: format!("{prefix}.middlewares"),
                    service: format!("{prefix}.service"),
                };
                routers.push((name.to_owned(), Ok(RouterLabels::default()), labels));
            }
            many => contribution.warnings.push(format!(
                "no router: the labels define no router and several services ({}), so no \
                 default router is made, as in Traefik",
                many.join(", ")
            )),
        }
    }
    for (router_name, read, labels) in routers {
        let router = read.and_then(|router| {
            let default_rule = router.rule.is_empty();
            let rule = match default_rule {
                false => router.rule,
                true => settings.default_rule.render(name, &service.labels),
            };
            if rule.is_empty() {
                return Err(SkipReason::EmptyDefaultRule {
                    router: router_name.clone(),
                    template: settings.default_rule.source().to_owned(),
                });
            }
            let linked = match (router.service, service_names) {
                (Some(service), _) => service,
                (None, [only]) => (*only).to_owned(),
                (None, many) => {
                    return Err(SkipReason::CannotLinkService {
                        router: router_name.clone(),
                        services: many.join(", "),
                        label: labels.service.clone(),
                    });
                }
            };
            Ok(Router {
                settings: RouterSettings {
                    rule,
                    default_rule,
                    rule_syntax: router.rule_syntax,
                    priority: router.priority,
                    entry_points: router.entry_points,
                    middlewares: router.middlewares,
                    service: linked,
                    tls: router.tls,
                },
                labels: labels.clone(),
            })
        });
        contribution.routers.insert(router_name, router);
    }
}

#[cfg(test)]
#[path = "provider_tests.rs"]
mod tests;
