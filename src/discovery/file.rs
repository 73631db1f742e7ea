//! Static routes from a TOML file (`--file`), for backends outside the swarm, and reloaded when
//! the file changes.
//!
//! ```toml
//! [[services]]
//! name = "legacy"
//! rule = "Host: legacy.example.com"
//! backends = ["192.168.2.10:8080", "192.168.2.11:8080"]
//! # optional: priority = 10, pass_host_header = false, weight = 1
//!
//! # optional, run in this order around the route: Traefik v2/v3 middlewares, `type` as
//! # Traefik names it and `options` as its labels would set them (a table for a map option,
//! # a list for a list; an empty table for an option such as `ipStrategy = {}`)
//! [[services.middlewares]]
//! name = "auth"
//! type = "basicAuth"
//! options = { users = "test:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/", removeHeader = true }
//!
//! [[services.middlewares]]
//! name = "api-headers"
//! type = "headers"
//! [services.middlewares.options]
//! customRequestHeaders = { X-Script-Name = "legacy" }
//! accessControlAllowOriginList = ["https://example.org"]
//! ```
//!
//! The options are checked when routes are compiled, as labels are: a service with a bad
//! middleware is skipped with the reason.

use std::collections::HashSet;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::Deserialize;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::DiscoveryError;
use crate::cluster::{ClusterSnapshot, StaticMiddleware, StaticService};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoutesFile {
    #[serde(default)]
    services: Vec<ServiceEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceEntry {
    name: String,
    rule: String,
    backends: Vec<String>,
    priority: Option<u32>,
    pass_host_header: Option<bool>,
    weight: Option<u32>,
    #[serde(default)]
    middlewares: Vec<MiddlewareEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MiddlewareEntry {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    options: toml::Table,
}

/// Reads and validates the file. Rules are checked later, per service, like labels.
pub fn load(path: &Path) -> Result<Vec<StaticService>, DiscoveryError> {
    let error = |reason: String| DiscoveryError::File {
        path: path.to_owned(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|err| error(err.to_string()))?;
    let parsed: RoutesFile = toml::from_str(&text).map_err(|err| error(err.to_string()))?;
    let mut names = HashSet::new();
    let mut services = Vec::with_capacity(parsed.services.len());
    for entry in parsed.services {
        if !names.insert(entry.name.clone()) {
            return Err(error(format!("service {:?} is defined twice", entry.name)));
        }
        let backends = entry
            .backends
            .iter()
            .map(|backend| resolve(backend))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|reason| error(format!("service {:?}: {reason}", entry.name)))?;
        let middlewares = entry
            .middlewares
            .into_iter()
            .map(|middleware| {
                let mut options = Vec::new();
                flatten("", &middleware.options, &mut options).map_err(|reason| {
                    error(format!(
                        "service {:?}, middleware {:?}: {reason}",
                        entry.name, middleware.name
                    ))
                })?;
                Ok(StaticMiddleware {
                    name: middleware.name,
                    kind: middleware.kind,
                    options,
                })
            })
            .collect::<Result<_, DiscoveryError>>()?;
        services.push(StaticService {
            name: entry.name,
            rule: entry.rule,
            priority: entry.priority,
            pass_host_header: entry.pass_host_header,
            weight: entry.weight,
            backends,
            middlewares,
        });
    }
    Ok(services)
}

/// A middleware's options as the `key=value` pairs labels would give: nested tables joined
/// with `.`, lists with `,`, scalars as text; an empty table is an empty value.
fn flatten(
    prefix: &str,
    table: &toml::Table,
    out: &mut Vec<(String, String)>,
) -> Result<(), String> {
    for (key, value) in table {
        let key = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(nested) if nested.is_empty() => out.push((key, String::new())),
            toml::Value::Table(nested) => flatten(&key, nested, out)?,
            toml::Value::Array(items) => {
                let items = items
                    .iter()
                    .map(|item| {
                        scalar(item).ok_or_else(|| {
                            format!(
                                "option {key:?}: a list holds only strings, numbers or booleans"
                            )
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                out.push((key, items.join(",")));
            }
            scalar_value => match scalar(scalar_value) {
                Some(text) => out.push((key, text)),
                None => return Err(format!("option {key:?}: a date is not a middleware option")),
            },
        }
    }
    Ok(())
}

fn scalar(value: &toml::Value) -> Option<String> {
    match value {
        toml::Value::String(text) => Some(text.clone()),
        toml::Value::Integer(number) => Some(number.to_string()),
        toml::Value::Float(number) => Some(number.to_string()),
        toml::Value::Boolean(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// `host:port` or `http://host:port`; a name resolves to its first address, once, at load.
fn resolve(backend: &str) -> Result<SocketAddr, String> {
    let address = backend.strip_prefix("http://").unwrap_or(backend);
    let address = address.trim_end_matches('/');
    if let Ok(parsed) = address.parse::<SocketAddr>() {
        return Ok(parsed);
    }
    address
        .to_socket_addrs()
        .map_err(|err| format!("backend {backend:?}: {err} (expected host:port)"))?
        .next()
        .ok_or_else(|| format!("backend {backend:?} resolves to no address"))
}

/// The file provider: publishes the file's services as its part of the cluster, then reloads
/// them whenever the file changes. A file that stops parsing is reported and the last good
/// services stay.
pub async fn watch_file(
    path: PathBuf,
    interval: Duration,
    initial: Vec<StaticService>,
    part: watch::Sender<ClusterSnapshot>,
    shutdown: CancellationToken,
) {
    let publish = |services: Vec<StaticService>| {
        let loaded = ClusterSnapshot {
            static_services: services,
            synced: true,
            ..ClusterSnapshot::default()
        };
        part.send_if_modified(|current| {
            let changed = *current != loaded;
            *current = loaded;
            changed
        })
    };
    publish(initial);
    let mut seen = fingerprint(&path);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(interval) => {}
        }
        let current = fingerprint(&path);
        if current == seen {
            continue;
        }
        seen = current;
        match load(&path) {
            Ok(services) => {
                let count = services.len();
                if publish(services) {
                    info!(path = %path.display(), services = count, "static routes file reloaded");
                }
            }
            Err(err) => {
                warn!(error = %err, "static routes file not reloaded; keeping the previous routes")
            }
        }
    }
}

/// Modification time and size: enough to notice an edit without reading the file.
fn fingerprint(path: &Path) -> Option<(SystemTime, u64)> {
    let metadata = std::fs::metadata(path).ok()?;
    Some((metadata.modified().ok()?, metadata.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::write(file.path(), text).expect("write");
        file
    }

    #[test]
    fn loads_services_with_defaults_left_to_routing() {
        let file = write(
            r#"
            [[services]]
            name = "bench"
            rule = "PathPrefixStrip: /bench"
            backends = ["127.0.0.1:9000", "http://127.0.0.2:9000/", "localhost:9001"]

            [[services]]
            name = "other"
            rule = "Host: other.test"
            backends = []
            priority = 7
            pass_host_header = false
            weight = 2
            "#,
        );
        let services = load(file.path()).expect("valid file");
        assert_eq!(services.len(), 2);
        let addresses: Vec<String> = services[0]
            .backends
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(addresses[..2], ["127.0.0.1:9000", "127.0.0.2:9000"]);
        assert_eq!(services[0].backends[2].port(), 9001);
        assert_eq!(services[1].priority, Some(7));
        assert_eq!(services[1].pass_host_header, Some(false));
    }

    #[test]
    fn middlewares_are_read_in_order_with_their_options_flattened() {
        let file = write(
            r#"
            [[services]]
            name = "api"
            rule = "PathPrefix: /api"
            backends = ["127.0.0.1:9000"]

            [[services.middlewares]]
            name = "auth"
            type = "basicAuth"
            options = { users = "test:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/", removeHeader = true }

            [[services.middlewares]]
            name = "limit"
            type = "rateLimit"
            [services.middlewares.options]
            average = 10
            sourceCriterion = { ipStrategy = {} }
            customRequestHeaders = { X-Script-Name = "api" }
            prefixes = ["/a", "/b"]
            "#,
        );
        let services = load(file.path()).expect("valid file");
        let middlewares = &services[0].middlewares;
        assert_eq!(middlewares.len(), 2);
        assert_eq!(
            (middlewares[0].name.as_str(), middlewares[0].kind.as_str()),
            ("auth", "basicAuth")
        );
        let mut options = middlewares[1].options.clone();
        options.sort();
        let expected = [
            ("average", "10"),
            ("customRequestHeaders.X-Script-Name", "api"),
            ("prefixes", "/a,/b"),
            ("sourceCriterion.ipStrategy", ""),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect();
        assert_eq!(options, expected);
    }

    #[test]
    fn bad_middleware_entries_are_errors() {
        let base = "[[services]]\nname=\"a\"\nrule=\"P\"\nbackends=[]\n[[services.middlewares]]\nname=\"m\"\n";
        for (extra, expected) in [
            ("", "type"),
            ("type=\"headers\"\nopts={}\n", "opts"),
            ("type=\"headers\"\noptions={ a = [{ b = 1 }] }\n", "\"a\""),
        ] {
            let file = write(&format!("{base}{extra}"));
            let err = load(file.path()).expect_err(extra).to_string();
            assert!(err.contains(expected), "{extra:?}: {err}");
        }
    }

    #[test]
    fn bad_files_are_errors_naming_the_file_and_the_problem() {
        let cases = [
            (
                "[[services]]\nname = \"a\"\nrule = \"Path: /\"\n",
                "backends",
            ),
            (
                "[[services]]\nname=\"a\"\nrule=\"Path: /\"\nbackends=[\"nope\"]\n",
                "nope",
            ),
            (
                "[[services]]\nname=\"a\"\nrule=\"P\"\nbackends=[]\nprio=1\n",
                "prio",
            ),
            (
                "[[services]]\nname=\"a\"\nrule=\"P\"\nbackends=[]\n[[services]]\nname=\"a\"\nrule=\"P\"\nbackends=[]\n",
                "twice",
            ),
            ("not toml at all [", "expected"),
        ];
        for (text, expected) in cases {
            let file = write(text);
            let err = load(file.path()).expect_err(text).to_string();
            assert!(err.contains(expected), "{text:?}: {err}");
            assert!(err.contains(&file.path().display().to_string()), "{err}");
        }
        let missing = load(Path::new("/nonexistent/routes.toml")).expect_err("missing file");
        assert!(missing.to_string().contains("/nonexistent/routes.toml"));
    }
}
