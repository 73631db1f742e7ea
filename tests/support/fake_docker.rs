//! A fake Docker Engine API on a temporary unix socket, serving real captured JSON.
//!
//! It behaves like the real daemon where hawser depends on it: versioned paths newer than the
//! engine's API are rejected (also `/vX/version`), `filters` are honoured on lists, and
//! `/events` streams what the test sends. It can be stopped and started again on the same
//! socket, like a daemon restart.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::stream;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::broadcast;
use tokio::task::JoinSet;
use tokio_rustls::{TlsAcceptor, rustls};

/// The swarm the fake daemon describes; tests edit it freely.
#[derive(Clone, Debug)]
pub struct Swarm {
    pub services: Vec<Value>,
    pub tasks: Vec<Value>,
    pub networks: Vec<Value>,
    pub nodes: Vec<Value>,
    pub version: Value,
    /// When set, every list request is answered with this status (an erroring daemon).
    pub failing: Option<u16>,
}

/// Where the fake daemon listens.
enum Listen {
    Unix(PathBuf),
    Tcp {
        address: SocketAddr,
        tls: Option<TlsAcceptor>,
        /// Bound at start and kept, so that no other test can take the port in between.
        bound: Option<std::net::TcpListener>,
    },
}

pub struct FakeDocker {
    listen: Listen,
    pub swarm: Arc<Mutex<Swarm>>,
    /// Every request path and query, in order.
    pub requests: Arc<Mutex<Vec<String>>>,
    events: broadcast::Sender<String>,
    server: Option<tokio::task::JoinHandle<()>>,
    _directory: tempfile::TempDir,
}

impl FakeDocker {
    /// On a unix socket in a temporary directory.
    pub async fn start(swarm: Swarm) -> FakeDocker {
        let directory = tempfile::tempdir().expect("temp dir");
        let socket = directory.path().join("docker.sock");
        Self::listening(Listen::Unix(socket), swarm, directory)
    }

    /// On TCP (`tcp://127.0.0.1:port`), with TLS when a server configuration is given.
    pub async fn start_tcp(swarm: Swarm, tls: Option<Arc<rustls::ServerConfig>>) -> FakeDocker {
        let bound = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = bound.local_addr().expect("address");
        let listen = Listen::Tcp {
            address,
            tls: tls.map(TlsAcceptor::from),
            bound: Some(bound),
        };
        Self::listening(listen, swarm, tempfile::tempdir().expect("temp dir"))
    }

    fn listening(listen: Listen, swarm: Swarm, directory: tempfile::TempDir) -> FakeDocker {
        let (events, _) = broadcast::channel(64);
        let mut fake = FakeDocker {
            listen,
            swarm: Arc::new(Mutex::new(swarm)),
            requests: Arc::new(Mutex::new(Vec::new())),
            events,
            server: None,
            _directory: directory,
        };
        fake.resume();
        fake
    }

    /// `unix://...` or `tcp://...` for `--docker-host`.
    pub fn url(&self) -> String {
        match &self.listen {
            Listen::Unix(socket) => format!("unix://{}", socket.display()),
            Listen::Tcp { address, .. } => format!("tcp://{address}"),
        }
    }

    /// Stops answering: the socket disappears and open connections (the event stream too) drop.
    pub fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
        if let Listen::Unix(socket) = &self.listen {
            let _ = std::fs::remove_file(socket);
        }
    }

    /// Starts answering again on the same socket or port.
    pub fn resume(&mut self) {
        self.stop();
        let context = Context {
            swarm: self.swarm.clone(),
            requests: self.requests.clone(),
            events: self.events.clone(),
        };
        self.server = Some(match &mut self.listen {
            Listen::Unix(socket) => {
                let listener = UnixListener::bind(socket).expect("bind the fake docker socket");
                tokio::spawn(async move {
                    let mut connections = JoinSet::new();
                    loop {
                        if let Ok((stream, _)) = listener.accept().await {
                            connections.spawn(context.clone().serve(stream));
                        }
                    }
                })
            }
            Listen::Tcp {
                address,
                tls,
                bound,
            } => {
                let listener = match bound.take() {
                    Some(listener) => listener,
                    None => {
                        std::net::TcpListener::bind(*address).expect("bind the fake docker port")
                    }
                };
                listener.set_nonblocking(true).expect("nonblocking");
                let listener = TcpListener::from_std(listener).expect("tokio listener");
                let tls = tls.clone();
                tokio::spawn(async move {
                    let mut connections = JoinSet::new();
                    loop {
                        let Ok((stream, _)) = listener.accept().await else {
                            continue;
                        };
                        let context = context.clone();
                        match tls.clone() {
                            None => connections.spawn(context.serve(stream)),
                            Some(acceptor) => connections.spawn(async move {
                                // A client without the right certificate fails here.
                                if let Ok(stream) = acceptor.accept(stream).await {
                                    context.serve(stream).await;
                                }
                            }),
                        };
                    }
                })
            }
        });
    }

    /// Sends an event to every open `/events` stream, as the daemon would.
    pub fn event(&self, kind: &str, action: &str, name: &str) {
        let line = json!({
            "Type": kind, "Action": action,
            "Actor": {"ID": name, "Attributes": {"name": name}},
            "scope": "swarm", "time": 0, "timeNano": 0
        });
        let _ = self.events.send(format!("{line}\n"));
    }

    pub fn edit(&self, change: impl FnOnce(&mut Swarm)) {
        change(&mut self.swarm.lock().expect("swarm lock"));
    }

    pub fn requested(&self, needle: &str) -> bool {
        self.requests
            .lock()
            .expect("requests lock")
            .iter()
            .any(|path| path.contains(needle))
    }
}

#[derive(Clone)]
struct Context {
    swarm: Arc<Mutex<Swarm>>,
    requests: Arc<Mutex<Vec<String>>>,
    events: broadcast::Sender<String>,
}

impl Context {
    async fn serve<S>(self, stream: S)
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let service = service_fn(move |request| {
            let answer = answer(&self.swarm, &self.requests, &self.events, &request);
            async move { Ok::<_, Infallible>(answer) }
        });
        let _ = hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(stream), service)
            .await;
    }
}

impl Drop for FakeDocker {
    fn drop(&mut self) {
        self.stop();
    }
}

type Body = BoxBody<Bytes, Infallible>;

fn answer(
    swarm: &Mutex<Swarm>,
    requests: &Mutex<Vec<String>>,
    events: &broadcast::Sender<String>,
    request: &Request<Incoming>,
) -> Response<Body> {
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or("").to_owned();
    requests
        .lock()
        .expect("requests lock")
        .push(format!("{path}?{query}"));
    let swarm = swarm.lock().expect("swarm lock").clone();
    let max = swarm.version["ApiVersion"]
        .as_str()
        .unwrap_or("1.41")
        .to_owned();
    let (version, endpoint) = split_version(&path);
    if let Some(version) = version {
        if newer(&version, &max) {
            let message = format!(
                "client version {version} is too new. Maximum supported API version is {max}"
            );
            return reply(StatusCode::BAD_REQUEST, &json!({ "message": message }));
        }
    }
    let filters = parse_filters(&query);
    match endpoint.as_str() {
        "/_ping" => text(StatusCode::OK, "OK"),
        "/version" => reply(StatusCode::OK, &swarm.version),
        "/events" => event_stream(events.subscribe(), filters),
        _ if swarm.failing.is_some() => {
            let status = StatusCode::from_u16(swarm.failing.unwrap_or(500)).expect("status");
            reply(
                status,
                &json!({ "message": "the fake daemon is failing on purpose" }),
            )
        }
        "/services" => reply(
            StatusCode::OK,
            &Value::Array(filter_services(&swarm, &filters)),
        ),
        "/tasks" => reply(
            StatusCode::OK,
            &Value::Array(filter_tasks(&swarm, &filters)),
        ),
        "/networks" => reply(StatusCode::OK, &Value::Array(swarm.networks.clone())),
        "/nodes" => reply(StatusCode::OK, &Value::Array(swarm.nodes.clone())),
        _ => reply(
            StatusCode::NOT_FOUND,
            &json!({ "message": format!("page not found: {path}") }),
        ),
    }
}

/// `/v1.41/tasks` → (`Some("1.41")`, `/tasks`).
fn split_version(path: &str) -> (Option<String>, String) {
    if let Some(rest) = path.strip_prefix("/v") {
        if let Some((version, endpoint)) = rest.split_once('/') {
            if version.split('.').all(|part| part.parse::<u32>().is_ok()) {
                return (Some(version.to_owned()), format!("/{endpoint}"));
            }
        }
    }
    (None, path.to_owned())
}

fn newer(version: &str, max: &str) -> bool {
    let parse = |text: &str| -> (u32, u32) {
        let (major, minor) = text.split_once('.').unwrap_or((text, "0"));
        (major.parse().unwrap_or(0), minor.parse().unwrap_or(0))
    };
    parse(version) > parse(max)
}

/// `filters={"desired-state":["running"]}` (or the old `{"k":{"v":true}}` form).
fn parse_filters(query: &str) -> HashMap<String, Vec<String>> {
    let Some(encoded) = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("filters="))
    else {
        return HashMap::new();
    };
    let decoded = percent_decode(encoded);
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(&decoded) else {
        return HashMap::new();
    };
    map.into_iter()
        .map(|(key, value)| {
            let values = match value {
                Value::Array(items) => items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
                Value::Object(items) => items.keys().cloned().collect(),
                _ => Vec::new(),
            };
            (key, values)
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'%' if index + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[index + 1..index + 3]).unwrap_or("00");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                index += 3;
            }
            b'+' => {
                out.push(b' ');
                index += 1;
            }
            byte => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn matches(filters: &HashMap<String, Vec<String>>, key: &str, candidates: &[&str]) -> bool {
    filters.get(key).is_none_or(|wanted| {
        wanted
            .iter()
            .any(|want| candidates.contains(&want.as_str()))
    })
}

fn filter_services(swarm: &Swarm, filters: &HashMap<String, Vec<String>>) -> Vec<Value> {
    swarm
        .services
        .iter()
        .filter(|service| {
            let id = service["ID"].as_str().unwrap_or("");
            let name = service["Spec"]["Name"].as_str().unwrap_or("");
            matches(filters, "id", &[id]) && matches(filters, "name", &[name])
        })
        .cloned()
        .collect()
}

fn filter_tasks(swarm: &Swarm, filters: &HashMap<String, Vec<String>>) -> Vec<Value> {
    swarm
        .tasks
        .iter()
        .filter(|task| {
            let service_id = task["ServiceID"].as_str().unwrap_or("");
            let service_name = swarm
                .services
                .iter()
                .find(|service| service["ID"] == task["ServiceID"])
                .and_then(|service| service["Spec"]["Name"].as_str())
                .unwrap_or("");
            matches(
                filters,
                "desired-state",
                &[task["DesiredState"].as_str().unwrap_or("")],
            ) && matches(filters, "service", &[service_id, service_name])
                && matches(filters, "id", &[task["ID"].as_str().unwrap_or("")])
                && matches(filters, "node", &[task["NodeID"].as_str().unwrap_or("")])
        })
        .cloned()
        .collect()
}

fn event_stream(
    receiver: broadcast::Receiver<String>,
    filters: HashMap<String, Vec<String>>,
) -> Response<Body> {
    let lines = stream::unfold((receiver, filters), |(mut receiver, filters)| async move {
        loop {
            match receiver.recv().await {
                Ok(line) => {
                    let kind = serde_json::from_str::<Value>(&line)
                        .ok()
                        .and_then(|event| event["Type"].as_str().map(str::to_owned))
                        .unwrap_or_default();
                    if matches(&filters, "type", &[&kind]) {
                        let frame = Ok::<_, Infallible>(Frame::data(Bytes::from(line)));
                        return Some((frame, (receiver, filters)));
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    let mut response = Response::new(BodyExt::boxed(StreamBody::new(lines)));
    response
        .headers_mut()
        .insert("content-type", "application/json".parse().expect("header"));
    response
}

fn reply(status: StatusCode, value: &Value) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(value.to_string())).boxed());
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert("content-type", "application/json".parse().expect("header"));
    response
}

fn text(status: StatusCode, body: &'static str) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())).boxed());
    *response.status_mut() = status;
    response
}
