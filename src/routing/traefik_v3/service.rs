//! A service's labels (`<prefix>.http.services.<name>.*`): a load balancer over the Swarm
//! service's tasks (Traefik's `ServersLoadBalancer`), or a weighted service over other
//! services, which Traefik cannot read from labels and hawser can.

use super::labels::Section;
use crate::routing::SkipReason;
use crate::routing::load_balancer::{
    BalancerSettings, HealthCheck, HealthCheckMode, Scheme, StickyCookie,
};
use crate::routing::options::{OptionError, Options, parse_duration};

/// What a service's labels define.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServiceLabels {
    LoadBalancer(LoadBalancerLabels),
    Weighted(WeightedLabels),
}

/// `loadbalancer.*`, with Traefik's defaults (`ServersLoadBalancer.SetDefaults`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadBalancerLabels {
    /// `server.port`: Swarm has no port detection, so without it there are no servers.
    pub port: Option<u16>,
    /// `server.weight` (v3): each task's weight; 0 gets no traffic.
    pub weight: u32,
    pub pass_host_header: bool,
    pub settings: BalancerSettings,
}

/// `weighted.services[n].name/.weight` and `weighted.sticky.cookie.*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeightedLabels {
    pub services: Vec<WeightedChild>,
    pub sticky: Option<StickyCookie>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeightedChild {
    /// As written (qualified later).
    pub name: String,
    pub weight: u32,
    pub label: String,
}

impl LoadBalancerLabels {
    /// The service Traefik makes when the labels define none: defaults, no port.
    pub fn implicit() -> Self {
        LoadBalancerLabels {
            port: None,
            weight: 1,
            pass_host_header: true,
            settings: BalancerSettings::default(),
        }
    }
}

/// Reads one service; what is accepted but has no effect in hawser is warned about in its
/// options.
pub fn read_service(section: &Section<'_>) -> Result<ServiceLabels, SkipReason> {
    if let Some(error) = &section.error {
        return Err(error.clone().into());
    }
    let options = &section.options;
    for kind in ["mirroring", "failover", "highestrandomweight"] {
        if options.has(kind) {
            return Err(SkipReason::UnsupportedPart {
                label: first_label(options, kind),
                what: format!("a {kind} service"),
                part: format!("service {}", section.name),
            });
        }
    }
    let service = match (options.has("loadbalancer"), options.has("weighted")) {
        (true, true) => {
            return Err(options
                .error(
                    "weighted",
                    "a service is a load balancer or weighted, not both",
                )
                .into());
        }
        (_, true) => ServiceLabels::Weighted(read_weighted(&options.nested("weighted"))?),
        (true, false) => ServiceLabels::LoadBalancer(read_load_balancer(
            &options.nested("loadbalancer"),
            section.name,
        )?),
        (false, false) => {
            return Err(options
                .error(
                    "loadbalancer.server.port",
                    "the service defines neither loadbalancer nor weighted options",
                )
                .into());
        }
    };
    options.finish()?;
    Ok(service)
}

fn read_load_balancer(options: &Options<'_>, name: &str) -> Result<LoadBalancerLabels, SkipReason> {
    let unsupported = |key: &str, what: &str| SkipReason::UnsupportedPart {
        label: first_label(options, key),
        what: what.to_owned(),
        part: format!("service {name}"),
    };
    if options.has("server.url") {
        return Err(unsupported("server.url", "a fixed server URL"));
    }
    if options.has("serverstransport") {
        return Err(unsupported("serverstransport", "a servers transport"));
    }
    let scheme = Scheme::from_options(options, "server.scheme")?;
    if scheme == Scheme::Https {
        return Err(unsupported("server.scheme", "TLS to backends"));
    }
    let port = match options.string("server.port") {
        None => None,
        Some(value) => match value.trim().parse::<u16>() {
            Ok(port) if port > 0 => Some(port),
            _ => {
                return Err(SkipReason::BadPort {
                    label: options.label_of("server.port"),
                    value: value.to_owned(),
                });
            }
        },
    };
    let weight = match options.number::<i64>("server.weight")? {
        None => 1,
        Some(weight) if weight <= 0 => {
            options.warn(
                "server.weight",
                format!("{weight}: as in Traefik, servers of weight 0 or less get no traffic"),
            );
            0
        }
        Some(weight) => u32::try_from(weight).unwrap_or(u32::MAX),
    };
    let _preserve_path = options.bool("server.preservepath")?;
    match options
        .string("strategy")
        .map(|s| s.trim().to_ascii_lowercase())
    {
        None => {}
        Some(strategy) if strategy.is_empty() || strategy == "wrr" => {}
        Some(strategy) if matches!(strategy.as_str(), "p2c" | "hrw" | "leasttime") => {
            options.warn(
                "strategy",
                format!("{strategy}: hawser balances with weighted round-robin"),
            );
        }
        Some(strategy) => {
            return Err(options
                .error(
                    "strategy",
                    format!("{strategy:?} is not wrr, p2c, hrw or leasttime"),
                )
                .into());
        }
    }
    if let Some(value) = options.string("responseforwarding.flushinterval") {
        // hawser forwards every chunk as it arrives, which is what a negative interval asks
        // Traefik for; the value is still checked.
        let magnitude = value.trim().strip_prefix('-').unwrap_or(value.trim());
        if parse_duration(magnitude).is_none() {
            return Err(options
                .error(
                    "responseforwarding.flushinterval",
                    format!("{value:?} is not a duration (seconds, or as in 100ms, 1m30s)"),
                )
                .into());
        }
    }
    if options.has("passivehealthcheck") {
        let passive = options.nested("passivehealthcheck");
        passive.duration("failurewindow")?;
        passive.number::<u32>("maxfailedattempts")?;
        passive.finish()?;
        options.warn(
            "passivehealthcheck",
            "ignored: hawser's passive health check is --backend-failure-cooldown",
        );
    }
    let sticky = read_sticky(options)?;
    let health_check = if options.has("healthcheck") {
        let check = HealthCheck::from_options(&options.nested("healthcheck"))?;
        unsupported_check(&check).map_or(Some(check), |(key, why)| {
            options.warn(key, format!("{why}: the service is not health-checked"));
            None
        })
    } else {
        None
    };
    let load_balancer = LoadBalancerLabels {
        port,
        weight,
        pass_host_header: options.bool("passhostheader")?.unwrap_or(true),
        settings: BalancerSettings {
            scheme,
            sticky,
            health_check,
        },
    };
    options.finish()?;
    Ok(load_balancer)
}

/// A check hawser cannot run as Traefik would: the option at fault, and why.
fn unsupported_check(check: &HealthCheck) -> Option<(&'static str, &'static str)> {
    if check.mode == HealthCheckMode::Grpc {
        return Some(("healthcheck.mode", "hawser has no gRPC health checks"));
    }
    if check.scheme == Some(Scheme::Https) {
        return Some(("healthcheck.scheme", "hawser does not check tasks over TLS"));
    }
    None
}

/// `sticky.cookie` turns stickiness on; `sticky=true` alone does not, and `sticky=false` or
/// `sticky.cookie=false` turn it off with everything under them (research §3.5).
fn read_sticky(options: &Options<'_>) -> Result<Option<StickyCookie>, OptionError> {
    if !options.has("sticky") {
        return Ok(None);
    }
    let sticky_on = options.enabled("sticky");
    let sticky = options.nested("sticky");
    let on = sticky_on && sticky.enabled("cookie");
    if !on {
        sticky.discard("cookie");
        sticky.finish()?;
        return Ok(None);
    }
    let cookie = StickyCookie::from_options(&sticky.nested("cookie"))?;
    sticky.finish()?;
    Ok(Some(cookie))
}

fn read_weighted(options: &Options<'_>) -> Result<WeightedLabels, SkipReason> {
    let mut services = Vec::new();
    for child in options.indexed("services")? {
        let name = child.required("name")?.to_owned();
        let weight = match child.number::<i64>("weight")? {
            None => 1,
            Some(weight) => u32::try_from(weight.max(0)).unwrap_or(u32::MAX),
        };
        services.push(WeightedChild {
            name,
            weight,
            label: child.label_of("name"),
        });
        child.finish()?;
    }
    if services.is_empty() {
        return Err(options
            .error("services[0].name", "a weighted service needs services")
            .into());
    }
    let sticky = read_sticky(options)?;
    options.finish()?;
    Ok(WeightedLabels { services, sticky })
}

/// The first label under `key`, for errors about a whole group of options.
fn first_label(options: &Options<'_>, key: &str) -> String {
    let nested = format!("{key}.");
    options
        .entries()
        .find(|(written, _, _)| {
            let lower = written.to_ascii_lowercase();
            lower == key || lower.starts_with(&nested)
        })
        .map_or_else(|| options.label_of(key), |(_, label, _)| label.to_owned())
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;
