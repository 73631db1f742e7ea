//! Routers into routes: each router's service becomes a balancer (a weighted service is
//! flattened into one, see [`super::weighted`]), its middlewares are looked up with Traefik's
//! qualification (chains flattened, recursion refused), and its rule is parsed, at this one
//! place. Anything missing skips that router alone: a router is never exposed without a
//! middleware it names.

use std::collections::BTreeMap;

use super::default_priority;
use super::merge::Merged;
use super::middleware::MiddlewareLabels;
use super::names::{Provider, Qualified};
use super::provider::{Router, ServiceDefinition};
use super::weighted::{Shares, combine, into_backends, of_backends};
use crate::routing::SkipReason;
use crate::routing::dialect::Dialect;
use crate::routing::load_balancer::BalancerSettings;
use crate::routing::middleware::MiddlewareDef;
use crate::routing::rule::Rule;
use crate::routing::spec::{BalancerDef, RouteDef};

/// Parses a router's rule in the syntax its `ruleSyntax` label names.
pub type RuleParser<'p> = &'p dyn Fn(&str, Option<&str>) -> Result<Rule, String>;

/// What became of one router.
#[derive(Debug)]
pub struct RouterOutcome {
    /// `name@swarm`.
    pub name: String,
    /// The Swarm services whose labels define it.
    pub owners: Vec<String>,
    pub result: Result<RouteDef, SkipReason>,
}

/// Everything the routers need besides their own definitions.
pub struct Resolver<'a> {
    pub merged: &'a Merged,
    /// The file provider's services (`name@file`) and whether they pass the Host header.
    pub file_services: &'a BTreeMap<String, bool>,
    pub parse_rule: RuleParser<'a>,
}

/// A service as a route uses it.
struct Target {
    balancer: String,
    pass_host_header: bool,
    /// `None` for balancers that exist already (the file provider's).
    def: Option<BalancerDef>,
}

/// A service's backends as shares of its traffic, and what its balancer must be.
struct Flat {
    shares: Shares,
    pass_host_header: bool,
    settings: BalancerSettings,
}

impl Resolver<'_> {
    /// Every router, in name order, and the balancers the routes use.
    pub fn resolve(&self) -> (Vec<RouterOutcome>, BTreeMap<String, BalancerDef>) {
        let mut balancers = BTreeMap::new();
        let mut outcomes = Vec::new();
        for (name, entry) in &self.merged.routers {
            let qualified = Qualified::swarm(name).to_string();
            let result = entry.value.clone().and_then(|router| {
                let (route, targets) = self.route(&qualified, &router, &entry.owners[0])?;
                for target in targets {
                    if let Some(def) = target.def {
                        balancers.insert(target.balancer, def);
                    }
                }
                Ok(route)
            });
            outcomes.push(RouterOutcome {
                name: qualified,
                owners: entry.owners.clone(),
                result,
            });
        }
        (outcomes, balancers)
    }

    fn route(
        &self,
        name: &str,
        router: &Router,
        owner: &str,
    ) -> Result<(RouteDef, Vec<Target>), SkipReason> {
        let settings = &router.settings;
        let service = Qualified::parse(&settings.service, &Provider::Swarm);
        let target = self.target(&service, &router.labels.service, name)?;
        let mut middlewares = Vec::new();
        self.middlewares(
            &settings.middlewares,
            &router.labels.middlewares,
            &mut Vec::new(),
            &mut middlewares,
        )?;
        // The services a middleware sends requests to (an errors page) must exist too, and
        // become balancers of the table even when no router of theirs does.
        let mut called = Vec::new();
        for middleware in &middlewares {
            for service in middleware.middleware.services() {
                let qualified = Qualified::parse(service, &Provider::Swarm);
                let label = format!("middleware {} (service {service})", middleware.name);
                called.push(self.target(&qualified, &label, name)?);
            }
        }
        let rule = (self.parse_rule)(&settings.rule, settings.rule_syntax.as_deref()).map_err(
            |reason| SkipReason::RouterRule {
                label: router.labels.rule.clone(),
                reason: match settings.default_rule {
                    true => format!("default rule {:?}: {reason}", settings.rule),
                    false => reason,
                },
            },
        )?;
        let priority = match settings.priority {
            0 => default_priority(&settings.rule),
            priority => priority,
        };
        let route = RouteDef {
            name: name.to_owned(),
            service: owner.to_owned(),
            rule_text: settings.rule.clone(),
            rule,
            priority,
            pass_host_header: target.pass_host_header,
            balancer: target.balancer.clone(),
            middlewares,
            dialect: Dialect::V3,
            entry_points: settings.entry_points.clone(),
            tls: settings.tls.clone(),
        };
        called.insert(0, target);
        Ok((route, called))
    }

    fn target(&self, service: &Qualified, label: &str, router: &str) -> Result<Target, SkipReason> {
        let full = service.to_string();
        match &service.provider {
            Provider::Swarm => {
                // A load balancer keeps its backends as they are (weight 0 included, for the
                // API); only a weighted service's are recomputed from shares.
                if let ServiceDefinition::LoadBalancer { labels, backends } =
                    self.definition(service, label)?
                {
                    return Ok(Target {
                        balancer: full,
                        pass_host_header: labels.pass_host_header,
                        def: Some(BalancerDef {
                            backends: backends.clone(),
                            settings: labels.settings.clone(),
                        }),
                    });
                }
                let flat = self.flatten(service, label, &mut Vec::new())?;
                Ok(Target {
                    balancer: full,
                    pass_host_header: flat.pass_host_header,
                    def: Some(BalancerDef {
                        backends: into_backends(flat.shares),
                        settings: flat.settings,
                    }),
                })
            }
            Provider::File => match self.file_services.get(&full) {
                Some(&pass_host_header) => Ok(Target {
                    balancer: full,
                    pass_host_header,
                    def: None,
                }),
                None => Err(SkipReason::MissingService {
                    service: full,
                    label: label.to_owned(),
                }),
            },
            Provider::Other(provider) => Err(SkipReason::UnsupportedPart {
                label: label.to_owned(),
                what: format!("a service of provider @{provider}"),
                part: format!("router {router}"),
            }),
        }
    }

    /// A Swarm service's definition, or why there is none to use.
    fn definition(
        &self,
        service: &Qualified,
        label: &str,
    ) -> Result<&ServiceDefinition, SkipReason> {
        let entry =
            self.merged
                .services
                .get(&service.name)
                .ok_or_else(|| SkipReason::MissingService {
                    service: service.to_string(),
                    label: label.to_owned(),
                })?;
        entry
            .value
            .as_ref()
            .map_err(|reason| SkipReason::BrokenService {
                service: service.to_string(),
                reason: reason.to_string(),
            })
    }

    /// A Swarm service's backends as shares; `stack` holds the weighted services being
    /// flattened, to refuse recursion.
    fn flatten(
        &self,
        service: &Qualified,
        label: &str,
        stack: &mut Vec<String>,
    ) -> Result<Flat, SkipReason> {
        let full = service.to_string();
        let weighted = match self.definition(service, label)? {
            ServiceDefinition::LoadBalancer { labels, backends } => {
                return Ok(Flat {
                    shares: of_backends(backends),
                    pass_host_header: labels.pass_host_header,
                    settings: labels.settings.clone(),
                });
            }
            ServiceDefinition::Weighted(weighted) => weighted,
        };
        if let Some(start) = stack.iter().position(|seen| *seen == full) {
            let mut path = stack[start..].to_vec();
            path.push(full);
            return Err(SkipReason::ServiceRecursion {
                path: path.join(" -> "),
            });
        }
        stack.push(full.clone());
        let mut children: Vec<(u32, Flat, &str)> = Vec::new();
        for child in &weighted.services {
            let qualified = Qualified::parse(&child.name, &Provider::Swarm);
            if qualified.provider != Provider::Swarm {
                return Err(SkipReason::UnsupportedPart {
                    label: child.label.clone(),
                    what: "a weighted service over another provider's service".into(),
                    part: format!("service {full}"),
                });
            }
            let flat = self.flatten(&qualified, &child.label, stack)?;
            children.push((child.weight, flat, &child.name));
        }
        stack.pop();
        let Some(((_, first, first_name), others)) = children.split_first() else {
            return Err(SkipReason::BrokenService {
                service: full,
                reason: "a weighted service needs services".into(),
            });
        };
        for (_, flat, name) in others {
            let differs = if flat.pass_host_header != first.pass_host_header {
                Some("passhostheader")
            } else if flat.settings.scheme != first.settings.scheme {
                Some("server.scheme")
            } else if flat.settings.health_check != first.settings.health_check {
                Some("healthcheck")
            } else {
                None
            };
            if let Some(option) = differs {
                return Err(SkipReason::BrokenService {
                    service: full,
                    reason: format!(
                        "its services {first_name} and {name} differ in {option}, and hawser \
                         balances a weighted service as one balancer, which has one {option}"
                    ),
                });
            }
        }
        let pass_host_header = first.pass_host_header;
        let settings = BalancerSettings {
            scheme: first.settings.scheme,
            sticky: weighted.sticky.clone(),
            health_check: first.settings.health_check.clone(),
        };
        let shares = combine(
            children
                .into_iter()
                .map(|(weight, flat, _)| (weight, flat.shares))
                .collect(),
        )
        .ok_or_else(|| SkipReason::BrokenService {
            service: full.clone(),
            reason: "its weights are too large to combine".into(),
        })?;
        Ok(Flat {
            shares,
            pass_host_header,
            settings,
        })
    }

    /// Appends the middlewares `names` refer to, chains flattened in place. `stack` holds the
    /// chains being expanded.
    fn middlewares(
        &self,
        names: &[String],
        label: &str,
        stack: &mut Vec<String>,
        out: &mut Vec<MiddlewareDef>,
    ) -> Result<(), SkipReason> {
        for written in names {
            // Names inside a chain belong to the chain's provider, which is always this one.
            let qualified = Qualified::parse(written, &Provider::Swarm);
            let full = qualified.to_string();
            let missing = || SkipReason::MissingMiddleware {
                middleware: full.clone(),
                label: label.to_owned(),
            };
            if qualified.provider != Provider::Swarm {
                return Err(missing());
            }
            let entry = self
                .merged
                .middlewares
                .get(&qualified.name)
                .ok_or_else(missing)?;
            match &entry.value {
                Err(reason) => {
                    return Err(SkipReason::BrokenMiddleware {
                        middleware: full,
                        reason: reason.to_string(),
                    });
                }
                Ok(MiddlewareLabels::Run(middleware)) => {
                    let mut middleware = middleware.clone();
                    middleware.qualify_services("swarm");
                    out.push(MiddlewareDef {
                        name: full,
                        middleware,
                    });
                }
                Ok(MiddlewareLabels::Chain { members, label }) => {
                    if let Some(start) = stack.iter().position(|seen| *seen == full) {
                        let mut path = stack[start..].to_vec();
                        path.push(full);
                        return Err(SkipReason::MiddlewareRecursion {
                            path: path.join(" -> "),
                        });
                    }
                    stack.push(full);
                    self.middlewares(members, label, stack, out)?;
                    stack.pop();
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "resolve_tests.rs"]
mod tests;
