//! What a balancer is asked to do besides picking backends: the protocol it speaks to them,
//! sticky sessions and active health checks, read from a service's options the way Traefik
//! reads `loadbalancer.server.scheme`, `loadbalancer.sticky.cookie.*` and
//! `loadbalancer.healthcheck.*`. The proxy applies them; routing only validates and keeps them.

use std::collections::BTreeMap;
use std::time::Duration;

use http::Method;
use serde::{Serialize, Serializer};

use super::options::{OptionError, Options};

/// Everything a balancer carries besides its backends. Two services share a balancer only
/// when these are equal.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BalancerSettings {
    pub scheme: Scheme,
    /// Off unless a `sticky.cookie` option is set.
    pub sticky: Option<StickyCookie>,
    /// Off unless a `healthcheck.*` option is set.
    pub health_check: Option<HealthCheck>,
}

/// How backends are spoken to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// HTTP/1.1 over plain TCP.
    #[default]
    Http,
    /// HTTP/2 over plain TCP with prior knowledge (gRPC backends, for instance).
    H2c,
    /// TLS to the backend.
    Https,
}

impl Scheme {
    /// `server.scheme`: Traefik's three (`pkg/proxy/smart_builder.go`), any case.
    pub fn from_options(options: &Options<'_>, key: &str) -> Result<Scheme, OptionError> {
        match options
            .string(key)
            .map(|value| value.trim().to_ascii_lowercase())
        {
            None => Ok(Scheme::Http),
            Some(value) => match value.as_str() {
                "" | "http" => Ok(Scheme::Http),
                "h2c" => Ok(Scheme::H2c),
                "https" => Ok(Scheme::Https),
                _ => Err(options.error(key, format!("{value:?} is not http, https or h2c"))),
            },
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::H2c => "h2c",
            Scheme::Https => "https",
        }
    }
}

/// Sticky sessions by cookie (`sticky.cookie.*`, Traefik v3 `dynamic.Cookie`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StickyCookie {
    /// As configured, with characters outside RFC 2616 tokens replaced by `_` (Traefik's
    /// `sanitizeName`). `None`: Traefik's default, `_` and five hex digits of the SHA-1 of
    /// `_TRAEFIK_BACKEND_<qualified service name>`, which the proxy derives.
    pub name: Option<String>,
    pub secure: bool,
    pub http_only: bool,
    pub same_site: Option<SameSite>,
    /// Seconds; 0 is a session cookie, negative expires it at once.
    pub max_age: i64,
    pub path: String,
    pub domain: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SameSite {
    None,
    Lax,
    Strict,
}

impl StickyCookie {
    /// The options under `sticky.cookie`.
    pub fn from_options(options: &Options<'_>) -> Result<Self, OptionError> {
        let same_site = match options.string("samesite").map(str::trim) {
            None | Some("") => None,
            Some(value) => Some(match value.to_ascii_lowercase().as_str() {
                "none" => SameSite::None,
                "lax" => SameSite::Lax,
                "strict" => SameSite::Strict,
                _ => {
                    return Err(
                        options.error("samesite", format!("{value:?} is not none, lax or strict"))
                    );
                }
            }),
        };
        let cookie = StickyCookie {
            name: options
                .string("name")
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(sanitize_cookie_name),
            secure: options.bool("secure")?.unwrap_or(false),
            http_only: options.bool("httponly")?.unwrap_or(false),
            same_site,
            max_age: options.number("maxage")?.unwrap_or(0),
            path: options
                .string("path")
                .map_or_else(|| "/".to_owned(), str::to_owned),
            domain: options
                .string("domain")
                .map(str::trim)
                .filter(|domain| !domain.is_empty())
                .map(str::to_owned),
        };
        options.finish()?;
        Ok(cookie)
    }
}

/// RFC 2616 token characters are kept; anything else becomes `_`.
pub fn sanitize_cookie_name(name: &str) -> String {
    name.chars()
        .map(|ch| {
            let token = ch.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(ch);
            if token { ch } else { '_' }
        })
        .collect()
}

/// Active health checks (`healthcheck.*`, Traefik v3 `dynamic.ServerHealthCheck`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HealthCheck {
    /// Requested on each backend; empty asks for the backend's root as Traefik v3 does.
    pub path: String,
    /// Overrides the backend's scheme.
    pub scheme: Option<Scheme>,
    pub mode: HealthCheckMode,
    /// `GET` unless set.
    pub method: String,
    /// The one status that counts as healthy; unset: any 2xx or 3xx.
    pub status: Option<u16>,
    /// Overrides the backend's port.
    pub port: Option<u16>,
    #[serde(serialize_with = "as_text")]
    pub interval: Duration,
    /// How often a backend that is down is checked again.
    #[serde(serialize_with = "as_text")]
    pub unhealthy_interval: Duration,
    #[serde(serialize_with = "as_text")]
    pub timeout: Duration,
    /// The `Host` header of the check.
    pub hostname: Option<String>,
    pub follow_redirects: bool,
    /// Header names as written.
    pub headers: BTreeMap<String, String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HealthCheckMode {
    Http,
    Grpc,
}

/// Traefik's defaults (`dynamic.DefaultHealthCheckInterval`, `...Timeout`).
pub const HEALTH_CHECK_INTERVAL: Duration = Duration::from_secs(30);
pub const HEALTH_CHECK_TIMEOUT: Duration = Duration::from_secs(5);

impl HealthCheck {
    /// The options under `healthcheck`. Values Traefik replaces by its defaults (an interval
    /// or timeout of zero) are warned about.
    pub fn from_options(options: &Options<'_>) -> Result<Self, OptionError> {
        let positive = |key: &str, default: Duration| -> Result<Duration, OptionError> {
            match options.duration(key)? {
                Some(value) if value.is_zero() => {
                    options.warn(
                        key,
                        format!(
                            "zero is replaced by Traefik's default, {}",
                            humantime::format_duration(default)
                        ),
                    );
                    Ok(default)
                }
                value => Ok(value.unwrap_or(default)),
            }
        };
        let interval = positive("interval", HEALTH_CHECK_INTERVAL)?;
        let unhealthy_interval = positive("unhealthyinterval", interval)?;
        let timeout = positive("timeout", HEALTH_CHECK_TIMEOUT)?;
        let mode = match options.string("mode").map(str::trim) {
            None | Some("") | Some("http") => HealthCheckMode::Http,
            Some("grpc") => HealthCheckMode::Grpc,
            Some(other) => {
                return Err(options.error("mode", format!("{other:?} is not http or grpc")));
            }
        };
        let scheme = match options.string("scheme") {
            None => None,
            Some(_) => Some(Scheme::from_options(options, "scheme")?),
        };
        let method = match options.string("method").map(str::trim) {
            None | Some("") => "GET".to_owned(),
            Some(method) => Method::from_bytes(method.as_bytes())
                .map(|method| method.as_str().to_owned())
                .map_err(|_| {
                    options.error("method", format!("{method:?} is not an HTTP method"))
                })?,
        };
        let status = match options.number::<u16>("status")? {
            None | Some(0) => None,
            Some(status @ 100..=599) => Some(status),
            Some(other) => {
                return Err(options.error("status", format!("{other} is not an HTTP status")));
            }
        };
        let port = match options.number::<u16>("port") {
            Ok(None | Some(0)) => None,
            Ok(Some(port)) => Some(port),
            Err(_) => {
                let value = options.string("port").unwrap_or_default();
                return Err(options.error("port", format!("{value:?} is not a port (1-65535)")));
            }
        };
        let check = HealthCheck {
            path: options.string("path").unwrap_or_default().trim().to_owned(),
            scheme,
            mode,
            method,
            status,
            port,
            interval,
            unhealthy_interval,
            timeout,
            hostname: options
                .string("hostname")
                .map(str::trim)
                .filter(|host| !host.is_empty())
                .map(str::to_owned),
            follow_redirects: options.bool("followredirects")?.unwrap_or(true),
            headers: options
                .map("headers")
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value.to_owned()))
                .collect(),
        };
        for name in check.headers.keys() {
            if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Err(options.error(
                    &format!("headers.{name}"),
                    format!("{name:?} is not a header name"),
                ));
            }
        }
        options.finish()?;
        Ok(check)
    }
}

fn as_text<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&humantime::format_duration(*duration).to_string())
}

#[cfg(test)]
#[path = "load_balancer_tests.rs"]
mod tests;
