//! Real HTTP servers standing in for Swarm tasks.
//!
//! Each answers like the seed's services (`Hello, <Name>! (from <name>)` or `Pong from
//! <name>`), plus test endpoints under `/__`: `echo` and anything below `/__echo/` (request
//! line and headers as JSON), `slow?ms=N`, `download?bytes=N`, `upload` (counts the body) and
//! `ws` (WebSocket echo) and `health` (answers with [`Backend::set_health`]'s status, 200 at
//! first).

use std::convert::Infallible;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt, stream};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Hello,
    Ping,
}

pub struct Backend {
    pub address: SocketAddr,
    pub name: String,
    pub hits: Arc<AtomicUsize>,
    /// Notified when a `/__slow` request has arrived.
    pub slow_started: Arc<Notify>,
    /// The status `/__health` answers with.
    health: Arc<AtomicU16>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Backend {
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    /// What `/__health` answers from now on.
    pub fn set_health(&self, status: u16) {
        self.health.store(status, Ordering::SeqCst);
    }
}

/// Binds every address on one shared port (a Swarm service's tasks share their port).
pub async fn bind_same_port(addresses: &[IpAddr]) -> (u16, Vec<TcpListener>) {
    'attempt: for _ in 0..50 {
        let first = TcpListener::bind(SocketAddr::new(addresses[0], 0))
            .await
            .expect("bind");
        let port = first.local_addr().expect("address").port();
        let mut listeners = vec![first];
        for address in &addresses[1..] {
            match TcpListener::bind(SocketAddr::new(*address, port)).await {
                Ok(listener) => listeners.push(listener),
                Err(_) => continue 'attempt,
            }
        }
        return (port, listeners);
    }
    panic!("no port free on all of {addresses:?}");
}

/// Serves `listener` as a backend called `name`.
pub fn serve(listener: TcpListener, name: &str, kind: Kind) -> Backend {
    serve_as(listener, name, kind, false)
}

/// As [`serve`], speaking HTTP/2 only, with prior knowledge (h2c): an HTTP/1.1 request fails.
pub fn serve_h2c(listener: TcpListener, name: &str, kind: Kind) -> Backend {
    serve_as(listener, name, kind, true)
}

fn serve_as(listener: TcpListener, name: &str, kind: Kind, h2c: bool) -> Backend {
    let address = listener.local_addr().expect("address");
    let hits = Arc::new(AtomicUsize::new(0));
    let slow_started = Arc::new(Notify::new());
    let health = Arc::new(AtomicU16::new(200));
    let context = Arc::new(Context {
        name: name.to_owned(),
        kind,
        hits: hits.clone(),
        slow_started: slow_started.clone(),
        health: health.clone(),
    });
    let server = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let context = context.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    let context = context.clone();
                    async move { Ok::<_, Infallible>(context.answer(request).await) }
                });
                if h2c {
                    let executor = hyper_util::rt::TokioExecutor::new();
                    let _ = hyper::server::conn::http2::Builder::new(executor)
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                    return;
                }
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .with_upgrades()
                    .await;
            });
        }
    });
    Backend {
        address,
        name: name.to_owned(),
        hits,
        slow_started,
        health,
        server,
    }
}

/// Binds a backend on `ip:0`.
pub async fn spawn(ip: IpAddr, name: &str, kind: Kind) -> io::Result<Backend> {
    let listener = TcpListener::bind(SocketAddr::new(ip, 0)).await?;
    Ok(serve(listener, name, kind))
}

struct Context {
    name: String,
    kind: Kind,
    hits: Arc<AtomicUsize>,
    slow_started: Arc<Notify>,
    health: Arc<AtomicU16>,
}

type Body = BoxBody<Bytes, io::Error>;

impl Context {
    async fn answer(&self, mut request: Request<Incoming>) -> Response<Body> {
        self.hits.fetch_add(1, Ordering::SeqCst);
        let path = request.uri().path().to_owned();
        let query = request.uri().query().unwrap_or("").to_owned();
        let number = |key: &str| -> u64 {
            query
                .split('&')
                .find_map(|pair| pair.strip_prefix(&format!("{key}=")))
                .and_then(|value| value.parse().ok())
                .unwrap_or(0)
        };
        match path.as_str() {
            echo if echo == "/__echo" || echo.starts_with("/__echo/") => {
                let headers: serde_json::Map<String, serde_json::Value> = request
                    .headers()
                    .iter()
                    .map(|(name, value)| (name.to_string(), json!(value.to_str().unwrap_or("?"))))
                    .collect();
                let body = json!({
                    "backend": self.name, "method": request.method().as_str(),
                    "uri": request.uri().to_string(), "version": format!("{:?}", request.version()),
                    "headers": headers,
                });
                text(StatusCode::OK, body.to_string())
            }
            "/__slow" => {
                self.slow_started.notify_one();
                tokio::time::sleep(Duration::from_millis(number("ms"))).await;
                text(StatusCode::OK, format!("slow from {}\n", self.name))
            }
            "/__download" => download(number("bytes")),
            "/__upload" => {
                let mut body = request.into_body();
                let mut total = 0u64;
                while let Some(frame) = body.frame().await {
                    match frame {
                        Ok(frame) => total += frame.data_ref().map_or(0, |data| data.len() as u64),
                        Err(err) => return text(StatusCode::BAD_REQUEST, format!("{err}\n")),
                    }
                }
                text(StatusCode::OK, format!("{total}\n"))
            }
            "/__ws" => websocket(&mut request),
            "/__health" => {
                let status = StatusCode::from_u16(self.health.load(Ordering::SeqCst))
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                text(status, format!("{status} from {}\n", self.name))
            }
            _ => match self.kind {
                Kind::Hello => {
                    let name = path.rsplit('/').next().unwrap_or("");
                    let mut capitalized = name.chars();
                    let name = match capitalized.next() {
                        Some(first) => first
                            .to_uppercase()
                            .chain(capitalized.flat_map(char::to_lowercase))
                            .collect(),
                        None => String::new(),
                    };
                    text(
                        StatusCode::OK,
                        format!("Hello, {name}! (from {})\n", self.name),
                    )
                }
                Kind::Ping => text(StatusCode::OK, format!("Pong from {}\n", self.name)),
            },
        }
    }
}

fn text(status: StatusCode, body: String) -> Response<Body> {
    let mut response = Response::new(
        Full::new(Bytes::from(body))
            .map_err(|never| match never {})
            .boxed(),
    );
    *response.status_mut() = status;
    response
}

/// `bytes` bytes in 64 KiB chunks, generated as they are sent.
fn download(bytes: u64) -> Response<Body> {
    const CHUNK: u64 = 64 * 1024;
    let chunk = Bytes::from(vec![b'x'; CHUNK as usize]);
    let chunks = stream::unfold(bytes, move |left| {
        let chunk = chunk.clone();
        async move {
            if left == 0 {
                return None;
            }
            let size = left.min(CHUNK);
            Some((Ok(Frame::data(chunk.slice(..size as usize))), left - size))
        }
    });
    let mut response = Response::new(BodyExt::boxed(StreamBody::new(chunks)));
    response
        .headers_mut()
        .insert("content-length", bytes.to_string().parse().expect("header"));
    response
}

/// Answers the WebSocket handshake, then echoes every message.
fn websocket(request: &mut Request<Incoming>) -> Response<Body> {
    let Some(key) = request.headers().get("sec-websocket-key").cloned() else {
        return text(StatusCode::BAD_REQUEST, "not a websocket request\n".into());
    };
    let upgrade = hyper::upgrade::on(request);
    tokio::spawn(async move {
        let Ok(upgraded) = upgrade.await else { return };
        let mut socket =
            WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
        while let Some(Ok(message)) = socket.next().await {
            if message.is_close() {
                break;
            }
            if socket.send(message).await.is_err() {
                break;
            }
        }
    });
    let mut response = text(StatusCode::SWITCHING_PROTOCOLS, String::new());
    let headers = response.headers_mut();
    headers.insert("connection", "upgrade".parse().expect("header"));
    headers.insert("upgrade", "websocket".parse().expect("header"));
    headers.insert(
        "sec-websocket-accept",
        derive_accept_key(key.as_bytes()).parse().expect("header"),
    );
    response
}
