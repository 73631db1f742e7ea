//! A stage for testing the middlewares the proxy runs, in process but over real sockets: a
//! hyper server runs a route's chain with [`super::run`] and forwards over a worker's
//! [`Upstream`] to loopback backends, as the handler does; a client sends it requests.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};

use super::{Calls, Endpoint, Reply, run};
use crate::proxy::body::ProxyBody;
use crate::proxy::forward::Upstream;
use crate::proxy::headers::remove_hop_by_hop;
use crate::proxy::request_body::RequestBody;
use crate::proxy::{AccessLogFormat, ProxySettings};
use crate::routing::compile::{BackendDef, BalancerDef, RouteDef};
use crate::routing::middleware::{Middleware, MiddlewareDef, RequestContext};
use crate::routing::traefik_v1::parse_rule;
use crate::routing::{Route, RoutingSpec, RoutingTable};
use crate::stats::{StatsRegistry, Traffic};

/// A request as a backend saw it, body read whole.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    pub body: Bytes,
}

type Answerer = dyn Fn(&Seen, usize) -> Response<Full<Bytes>> + Send + Sync;

/// A loopback server that answers with `answer(request, how many came before)`.
pub struct Backend {
    pub address: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Backend {
    pub async fn start(
        answer: impl Fn(&Seen, usize) -> Response<Full<Bytes>> + Send + Sync + 'static,
    ) -> Backend {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let answer: Arc<Answerer> = Arc::new(answer);
        let record = seen.clone();
        let server = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let record = record.clone();
                let answer = answer.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request: Request<Incoming>| {
                        let record = record.clone();
                        let answer = answer.clone();
                        async move {
                            let (parts, body) = request.into_parts();
                            let body = body.collect().await.map(|b| b.to_bytes());
                            let seen = Seen {
                                method: parts.method,
                                uri: parts.uri,
                                headers: parts.headers,
                                body: body.unwrap_or_default(),
                            };
                            let before = {
                                let mut record = record.lock().expect("seen");
                                record.push(seen.clone());
                                record.len() - 1
                            };
                            Ok::<_, Infallible>(answer(&seen, before))
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Backend {
            address,
            seen,
            server,
        }
    }

    /// A backend answering `status` with `body` to everything.
    pub async fn answering(status: StatusCode, body: &'static str) -> Backend {
        Backend::start(move |_, _| {
            let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
            *response.status_mut() = status;
            response
        })
        .await
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("seen").clone()
    }
}

/// An address nothing listens on (bound, then closed): connecting to it is refused.
pub async fn refusing_address() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    listener.local_addr().expect("address")
}

/// A table with one route, whose middlewares run around forwarding to balancer `app`, and a
/// worker's upstream.
pub struct Worker {
    table: RoutingTable,
    upstream: Upstream,
}

impl Worker {
    /// Must be called inside a runtime (the upstream starts its pool's evictor).
    pub fn new(
        middlewares: Vec<Middleware>,
        balancers: &[(&str, &[SocketAddr])],
        settings: &ProxySettings,
    ) -> Worker {
        let middlewares = middlewares
            .into_iter()
            .enumerate()
            .map(|(index, middleware)| MiddlewareDef {
                name: format!("m{index}@file"),
                middleware,
            })
            .collect();
        let route = RouteDef {
            name: "test@file".into(),
            service: "test@file".into(),
            rule_text: "PathPrefix: /".into(),
            rule: parse_rule("PathPrefix: /").expect("rule"),
            priority: 1,
            pass_host_header: true,
            balancer: "app".into(),
            middlewares,
            entry_points: Vec::new(),
            dialect: crate::routing::dialect::Dialect::V1,
            tls: None,
        };
        let balancers: BTreeMap<String, BalancerDef> = balancers
            .iter()
            .map(|(name, addresses)| {
                let backends = addresses
                    .iter()
                    .map(|&address| BackendDef {
                        task_id: None,
                        service: (*name).into(),
                        slot: None,
                        node_id: None,
                        node: None,
                        address,
                        weight: 1,
                    })
                    .collect();
                ((*name).to_owned(), BalancerDef::plain(backends))
            })
            .collect();
        let spec = RoutingSpec {
            routes: vec![route],
            balancers,
            ..RoutingSpec::default()
        };
        let table = RoutingTable::build(spec, 1, &StatsRegistry::default());
        let upstream = Upstream::new(settings, Arc::new(Traffic::default()), 0);
        Worker { table, upstream }
    }

    pub fn route(&self) -> &Route {
        &self.table.routes()[0]
    }

    pub fn calls(&self) -> Calls<'_> {
        Calls {
            upstream: &self.upstream,
            route: self.route(),
        }
    }
}

pub struct Stage {
    pub address: SocketAddr,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Stage {
    fn drop(&mut self) {
        self.server.abort();
    }
}

pub fn settings() -> ProxySettings {
    ProxySettings {
        entry_points: vec![crate::proxy::EntryPoint::plain(
            "web",
            SocketAddr::from(([127, 0, 0, 1], 0)),
        )],
        workers: 1,
        header_read_timeout: Duration::from_secs(5),
        backend_connect_timeout: Duration::from_secs(2),
        backend_failover_connect_timeout: Duration::from_secs(1),
        backend_response_timeout: Duration::from_secs(5),
        backend_idle_timeout: Duration::from_secs(30),
        backend_max_connections: 16,
        retries: 0,
        grace_period: Duration::from_secs(1),
        trusted_proxies: Vec::new(),
        access_log: AccessLogFormat::Off,
        limits: crate::proxy::limits::Limits {
            connections: None,
            connections_per_ip: None,
            header_count: 100,
            header_size: 32 << 10,
            uri_length: 8 << 10,
            request_body: None,
        },
        paths: crate::routing::path::PathPolicy::default(),
    }
}

impl Stage {
    /// Serves a route running `middlewares` in order; its balancer is `app`, and `balancers`
    /// are the table's (`app` among them).
    pub async fn start(middlewares: Vec<Middleware>, balancers: &[(&str, &[SocketAddr])]) -> Stage {
        Stage::with_settings(middlewares, balancers, settings()).await
    }

    pub async fn with_settings(
        middlewares: Vec<Middleware>,
        balancers: &[(&str, &[SocketAddr])],
        settings: ProxySettings,
    ) -> Stage {
        let shared = Arc::new(Worker::new(middlewares, balancers, &settings));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let server = tokio::spawn(async move {
            loop {
                let Ok((stream, peer)) = listener.accept().await else {
                    continue;
                };
                let shared = shared.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request: Request<Incoming>| {
                        let shared = shared.clone();
                        async move { Ok::<_, Infallible>(shared.handle(request, peer).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Stage { address, server }
    }

    /// Sends `request` (origin-form URI; `Host` is the caller's to set) on a new connection.
    pub async fn send(&self, request: Request<Full<Bytes>>) -> Response<Incoming> {
        let stream = TcpStream::connect(self.address).await.expect("connect");
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .expect("handshake");
        tokio::spawn(connection);
        sender.send_request(request).await.expect("response")
    }

    /// A GET of `path` with `headers`; the status, headers and whole body.
    pub async fn get(
        &self,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (StatusCode, HeaderMap, Bytes) {
        let mut request = Request::get(path).header("host", "app.test");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = self
            .send(request.body(Full::default()).expect("request"))
            .await;
        read(response).await
    }
}

/// A response's status, headers and whole body.
pub async fn read(response: Response<Incoming>) -> (StatusCode, HeaderMap, Bytes) {
    let (parts, body) = response.into_parts();
    let body = body.collect().await.expect("body").to_bytes();
    (parts.status, parts.headers, body)
}

impl Worker {
    async fn handle(&self, request: Request<Incoming>, peer: SocketAddr) -> Response<ProxyBody> {
        let route = &self.table.routes()[0];
        let (parts, body) = request.into_parts();
        let mut outgoing = Request::from_parts(parts, RequestBody::client(body, None));
        if let Some(path) = outgoing.uri().path_and_query().cloned() {
            *outgoing.uri_mut() = Uri::from(path);
        }
        let endpoint = TestForward {
            upstream: &self.upstream,
            route,
        };
        let context = RequestContext {
            client_ip: peer.ip(),
            trusted_proxy: false,
            tls: false,
            now: Instant::now(),
            entry_point: 0,
        };
        run(&route.def.middlewares, outgoing, &context, &endpoint).await
    }
}

/// Forwarding as the handler's endpoint does it.
struct TestForward<'a> {
    upstream: &'a Upstream,
    route: &'a Route,
}

impl Endpoint for TestForward<'_> {
    fn call(&self, request: Request<RequestBody>) -> Reply<'_> {
        Box::pin(async move {
            match self.upstream.forward(self.route, request, false).await {
                Ok(answered) => {
                    let (mut parts, body) = answered.response.into_parts();
                    remove_hop_by_hop(&mut parts.headers, None);
                    Response::from_parts(parts, ProxyBody::upstream(body))
                }
                Err(err) => err.to_response(),
            }
        })
    }

    fn calls(&self) -> Calls<'_> {
        Calls {
            upstream: self.upstream,
            route: self.route,
        }
    }
}
