//! The Engine API calls discovery makes: version negotiation, one full listing of the swarm,
//! and the event stream.

use std::collections::HashMap;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use http::{Method, Request};
use http_body_util::{BodyExt, Limited};

use super::DiscoveryError;
use super::endpoint::DockerEndpoint;
use super::error::classify_api_error;
use super::transport::Transport;
use super::wire::{ListBodies, decode_listing};
use crate::telemetry::error_chain;

/// Swarm services and task network attachments need at least this API version.
const MIN_API: (usize, usize) = (1, 25);

/// The largest list response accepted (a swarm with many thousands of tasks fits).
const MAX_BODY: usize = 256 * 1024 * 1024;

/// A connected, version-negotiated Engine API client.
pub struct DockerClient {
    transport: Transport,
    docker: bollard::Docker,
    /// `v1.41`: the path prefix of every request.
    api_path: String,
    pub api_version: String,
    pub engine_version: String,
    timeout: Duration,
}

/// Something changed in the swarm; the payload is only for logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DockerEvent {
    pub kind: String,
    pub action: String,
    pub name: String,
}

pub use super::wire::Listing;

impl DockerClient {
    /// Connects and agrees on an API version: the newest both sides speak.
    ///
    /// The engine is asked on the unversioned `/version`: an engine rejects every versioned
    /// path newer than its own ("client version 1.53 is too new"), `/v1.x/version` included,
    /// which is why bollard's own negotiation fails against Docker 20.10 (API 1.41).
    pub async fn connect(
        endpoint: &DockerEndpoint,
        timeout: Duration,
    ) -> Result<Self, DiscoveryError> {
        let transport = Transport::new(endpoint)?;
        let body = tokio::time::timeout(timeout, get(&transport, "/version"))
            .await
            .map_err(|_| DiscoveryError::Timeout(timeout))??;
        let version: EngineVersion =
            serde_json::from_slice(&body).map_err(|err| DiscoveryError::Decode {
                what: "version".into(),
                reason: err.to_string(),
            })?;
        let engine_api =
            parse_api_version(&version.api_version).ok_or_else(|| DiscoveryError::Decode {
                what: "version".into(),
                reason: format!("ApiVersion {:?} is not a version", version.api_version),
            })?;
        let ours = bollard::API_DEFAULT_VERSION;
        let negotiated = engine_api.min((ours.major_version, ours.minor_version));
        if negotiated < MIN_API {
            return Err(DiscoveryError::TooOld {
                found: version.api_version,
                needed: format!("{}.{}", MIN_API.0, MIN_API.1),
            });
        }
        let api_version = format!("{}.{}", negotiated.0, negotiated.1);
        let docker = transport.bollard(
            timeout.as_secs().max(1),
            &bollard::ClientVersion {
                major_version: negotiated.0,
                minor_version: negotiated.1,
            },
        )?;
        Ok(DockerClient {
            transport,
            api_path: format!("/v{api_version}"),
            api_version,
            engine_version: version.version.unwrap_or_else(|| "unknown".into()),
            docker,
            timeout,
        })
    }

    /// Lists services, running-desired tasks, networks and nodes, concurrently.
    pub async fn list(&self) -> Result<Listing, DiscoveryError> {
        let tasks_query = format!(
            "/tasks?filters={}",
            percent_encode(r#"{"desired-state":["running"]}"#)
        );
        let bodies = async {
            tokio::try_join!(
                self.get("/services"),
                self.get(&tasks_query),
                self.get("/networks"),
                self.get("/nodes"),
            )
        };
        let (services, tasks, networks, nodes) = tokio::time::timeout(self.timeout, bodies)
            .await
            .map_err(|_| DiscoveryError::Timeout(self.timeout))??;
        decode_listing(ListBodies {
            services: &services,
            tasks: &tasks,
            networks: &networks,
            nodes: &nodes,
        })
    }

    /// Service, node, network and container events, as they happen.
    pub fn events(&self) -> impl Stream<Item = Result<DockerEvent, DiscoveryError>> + use<> {
        let filters = HashMap::from([(
            "type".to_owned(),
            ["service", "node", "network", "container"]
                .map(str::to_owned)
                .to_vec(),
        )]);
        let options = bollard::query_parameters::EventsOptions {
            filters: Some(filters),
            ..Default::default()
        };
        self.docker.events(Some(options)).map(|item| {
            let message = item?;
            let actor = message.actor.unwrap_or_default();
            Ok(DockerEvent {
                kind: message.typ.map(|kind| kind.to_string()).unwrap_or_default(),
                action: message.action.unwrap_or_default(),
                name: actor
                    .attributes
                    .and_then(|attributes| attributes.get("name").cloned())
                    .or(actor.id)
                    .unwrap_or_default(),
            })
        })
    }

    async fn get(&self, path: &str) -> Result<Bytes, DiscoveryError> {
        get(&self.transport, &format!("{}{path}", self.api_path)).await
    }
}

/// `GET path`, the body of a 2xx answer, or the engine's error message.
async fn get(transport: &Transport, path: &str) -> Result<Bytes, DiscoveryError> {
    let request = Request::builder()
        .method(Method::GET)
        .uri(path)
        .body(bollard::body_full(Bytes::new()))
        .map_err(|err| DiscoveryError::Transport(err.to_string()))?;
    let response = transport
        .send(request)
        .await
        .map_err(|err| DiscoveryError::Transport(error_chain(&err)))?;
    let status = response.status();
    let body = Limited::new(response.into_body(), MAX_BODY)
        .collect()
        .await
        .map_err(|err| DiscoveryError::Transport(format!("reading {path}: {err}")))?
        .to_bytes();
    if !status.is_success() {
        let message = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|json| json.get("message")?.as_str().map(str::to_owned))
            .unwrap_or_else(|| String::from_utf8_lossy(&body).trim().to_owned());
        return Err(classify_api_error(status.as_u16(), path, message));
    }
    Ok(body)
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EngineVersion {
    api_version: String,
    version: Option<String>,
}

/// `"1.41"` → `(1, 41)`.
fn parse_api_version(text: &str) -> Option<(usize, usize)> {
    let (major, minor) = text.trim().split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    #[test]
    fn api_versions_parse_and_compare_numerically() {
        assert_eq!(super::parse_api_version("1.41"), Some((1, 41)));
        assert_eq!(super::parse_api_version(" 1.9 "), Some((1, 9)));
        assert!(super::parse_api_version("1.9") < super::parse_api_version("1.41"));
        assert_eq!(super::parse_api_version("v1"), None);
        assert_eq!(super::parse_api_version(""), None);
    }

    #[test]
    fn filters_are_percent_encoded() {
        assert_eq!(
            super::percent_encode(r#"{"desired-state":["running"]}"#),
            "%7B%22desired-state%22%3A%5B%22running%22%5D%7D"
        );
    }
}
