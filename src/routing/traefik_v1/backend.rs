//! v1 backend labels that shape the balancer, read as Traefik 1.7 reads them
//! (`provider/docker/config.go`, `getLoadBalancer` and `getHealthCheck`):
//! `backend.loadbalancer.stickiness` (or the deprecated `backend.loadbalancer.sticky`) with
//! `stickiness.cookieName`, and `backend.healthcheck.path/.port/.interval/.timeout/.scheme/
//! .hostname/.headers`. As in 1.7, a value that does not parse falls back to the default with
//! a warning: the service is still served.

use std::collections::BTreeMap;
use std::time::Duration;

use super::middlewares::FrontendLabel as BackendLabel;
use super::values::{bool_or_default, parse_map_value, warn_once};
use crate::routing::load_balancer::{
    BalancerSettings, HEALTH_CHECK_INTERVAL, HEALTH_CHECK_TIMEOUT, HealthCheck, HealthCheckMode,
    Scheme, StickyCookie, sanitize_cookie_name,
};
use crate::routing::options::parse_duration;

/// The `backend.*` keys this reads (after `backend.`), for the label classifier.
pub(super) fn is_balancer_key(key: &str) -> bool {
    matches!(
        key,
        "loadbalancer.stickiness" | "loadbalancer.stickiness.cookieName" | "loadbalancer.sticky"
    ) || key
        .strip_prefix("healthcheck.")
        .is_some_and(|rest| HEALTH_KEYS.contains(&rest))
}

const HEALTH_KEYS: [&str; 7] = [
    "path", "port", "interval", "timeout", "scheme", "hostname", "headers",
];

/// The balancer settings of a route's backend labels (keys after `backend.`).
pub(super) fn balancer_settings(
    labels: &[BackendLabel<'_>],
    warnings: &mut Vec<String>,
) -> BalancerSettings {
    let get = |key: &str| labels.iter().find(|label| label.key == key);
    let flag = |key: &str, warnings: &mut Vec<String>| {
        get(key).is_some_and(|label| bool_or_default(label.label, label.value, false, warnings))
    };
    if let Some(label) = get("loadbalancer.sticky") {
        warn_once(
            warnings,
            format!(
                "label {} is deprecated in Traefik 1.7; use backend.loadbalancer.stickiness",
                label.label
            ),
        );
    }
    let sticky = (flag("loadbalancer.stickiness", warnings)
        | flag("loadbalancer.sticky", warnings))
    .then(|| StickyCookie {
        name: get("loadbalancer.stickiness.cookieName")
            .map(|label| label.value.trim())
            .filter(|name| !name.is_empty())
            .map(sanitize_cookie_name),
        secure: false,
        http_only: false,
        same_site: None,
        max_age: 0,
        path: "/".into(),
        domain: None,
    });
    BalancerSettings {
        scheme: Scheme::Http,
        sticky,
        health_check: health_check(&get, warnings),
    }
}

/// 1.7 checks a backend only when `healthcheck.path` is set.
fn health_check<'a>(
    get: &dyn Fn(&str) -> Option<&'a BackendLabel<'a>>,
    warnings: &mut Vec<String>,
) -> Option<HealthCheck> {
    let path = get("healthcheck.path")
        .map(|label| label.value.trim())
        .filter(|path| !path.is_empty());
    let Some(path) = path else {
        for key in HEALTH_KEYS {
            if let Some(label) = get(&format!("healthcheck.{key}")) {
                warn_once(
                    warnings,
                    format!(
                        "label {} is ignored: without healthcheck.path there is no health check",
                        label.label
                    ),
                );
            }
        }
        return None;
    };
    let mut duration = |key: &str, default: Duration| match get(key) {
        None => default,
        Some(label) => match parse_duration(label.value) {
            Some(value) if !value.is_zero() => value,
            _ => {
                warn_once(
                    warnings,
                    format!(
                        "label {}={:?} is not a positive duration; using {}, as Traefik does",
                        label.label,
                        label.value,
                        humantime::format_duration(default)
                    ),
                );
                default
            }
        },
    };
    let interval = duration("healthcheck.interval", HEALTH_CHECK_INTERVAL);
    let timeout = duration("healthcheck.timeout", HEALTH_CHECK_TIMEOUT);
    let port = match get("healthcheck.port") {
        None => None,
        Some(label) => match label.value.trim().parse::<u16>() {
            Ok(0) => None,
            Ok(port) => Some(port),
            Err(_) => {
                warn_once(
                    warnings,
                    format!(
                        "label {}={:?} is not a port; the backend's port is checked",
                        label.label, label.value
                    ),
                );
                None
            }
        },
    };
    let scheme = match get("healthcheck.scheme").map(|label| (label, label.value.trim())) {
        None => None,
        Some((_, value)) if value.eq_ignore_ascii_case("http") || value.is_empty() => None,
        Some((label, value)) => {
            warn_once(
                warnings,
                format!(
                    "label {}={value:?}: hawser checks backends over http only",
                    label.label
                ),
            );
            None
        }
    };
    let headers: BTreeMap<String, String> = get("healthcheck.headers")
        .map(|label| parse_map_value(label.value))
        .unwrap_or_default()
        .into_iter()
        .filter(|(name, _)| http::HeaderName::from_bytes(name.as_bytes()).is_ok())
        .collect();
    Some(HealthCheck {
        path: path.to_owned(),
        scheme,
        mode: HealthCheckMode::Http,
        method: "GET".into(),
        status: None,
        port,
        interval,
        unhealthy_interval: interval,
        timeout,
        hostname: get("healthcheck.hostname")
            .map(|label| label.value.trim())
            .filter(|host| !host.is_empty())
            .map(str::to_owned),
        follow_redirects: true,
        headers,
    })
}

#[cfg(test)]
#[path = "backend_tests.rs"]
mod tests;
