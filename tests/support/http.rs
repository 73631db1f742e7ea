//! The one HTTP client of the tests: every request on a connection of its own (TCP, or a unix
//! socket for the Docker API), so nothing is shared between requests and each pays the full
//! path a new client would: connect, accept, route, answer. Failures are classified for the
//! end-to-end load counts.

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpStream, UnixStream};

/// No test request may take longer than this unless it says so.
const LIMIT: Duration = Duration::from_secs(30);

/// An answer: status, headers and the body as text.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

/// Why a request got no answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Failure {
    /// The TCP connection was not established (refused, reset during connect).
    Connect(String),
    /// Connected, but no complete response came back (closed, reset).
    Exchange(String),
    /// No complete response within the time limit.
    Timeout,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Connect(err) => write!(f, "connect: {err}"),
            Failure::Exchange(err) => write!(f, "exchange: {err}"),
            Failure::Timeout => write!(f, "timeout"),
        }
    }
}

impl Failure {
    /// A short class name for counting.
    pub fn class(&self) -> String {
        match self {
            Failure::Connect(err) => format!("connect error ({})", short(err)),
            Failure::Exchange(err) => format!("connection error ({})", short(err)),
            Failure::Timeout => "timeout".to_owned(),
        }
    }
}

/// The gist of an error message: what follows the last `: ` of its first line, trimmed.
fn short(err: &str) -> String {
    let line = err.lines().next().unwrap_or(err);
    line.rsplit(": ")
        .next()
        .unwrap_or(line)
        .chars()
        .take(60)
        .collect()
}

/// `GET url` (`http://host:port/path`).
pub async fn get(url: &str) -> Result<Reply, Failure> {
    request(Method::GET, url, &[]).await
}

/// A bodiless request to `url` with extra headers (a `host` among them replaces the URL's).
pub async fn request(
    method: Method,
    url: &str,
    headers: &[(&str, &str)],
) -> Result<Reply, Failure> {
    let uri: Uri = url
        .parse()
        .map_err(|err| Failure::Connect(format!("{url}: {err}")))?;
    let authority = uri
        .authority()
        .ok_or_else(|| Failure::Connect(format!("{url}: no host:port")))?
        .to_string();
    let address: SocketAddr = authority
        .parse()
        .map_err(|err| Failure::Connect(format!("{url}: {err}")))?;
    let path = uri.path_and_query().map_or("/", |path| path.as_str());
    let mut builder = Request::builder().method(method).uri(path);
    if !headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("host"))
    {
        builder = builder.header("host", authority.as_str());
    }
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let request = builder
        .body(Empty::new())
        .map_err(|err| Failure::Exchange(err.to_string()))?;
    on_tcp(address, request, LIMIT).await
}

/// `GET path` from `address`, within `limit` in all.
pub async fn get_within(
    address: SocketAddr,
    path: &str,
    limit: Duration,
) -> Result<Reply, Failure> {
    let request = Request::get(path)
        .header("host", address.to_string())
        .header("user-agent", "hawser-tests")
        .body(Empty::new())
        .map_err(|err| Failure::Exchange(err.to_string()))?;
    on_tcp(address, request, limit).await
}

/// `GET path` over an established stream (a TLS one, say), with `host` as the Host header.
pub async fn get_on<S>(stream: S, host: &str, path: &str) -> Result<Reply, Failure>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let request = Request::get(path)
        .header("host", host)
        .body(Empty::new())
        .map_err(|err| Failure::Exchange(err.to_string()))?;
    tokio::time::timeout(LIMIT, exchange(stream, request))
        .await
        .unwrap_or(Err(Failure::Timeout))
}

/// `GET path` from the unix socket at `socket` (the Docker Engine API).
pub async fn get_unix(socket: &Path, path: &str, limit: Duration) -> Result<Reply, Failure> {
    let request = Request::get(path)
        .header("host", "docker")
        .body(Empty::new())
        .map_err(|err| Failure::Exchange(err.to_string()))?;
    tokio::time::timeout(limit, async {
        let stream = UnixStream::connect(socket)
            .await
            .map_err(|err| Failure::Connect(format!("{}: {err}", socket.display())))?;
        exchange(stream, request).await
    })
    .await
    .unwrap_or(Err(Failure::Timeout))
}

async fn on_tcp(
    address: SocketAddr,
    request: Request<Empty<Bytes>>,
    limit: Duration,
) -> Result<Reply, Failure> {
    tokio::time::timeout(limit, async {
        let stream = TcpStream::connect(address)
            .await
            .map_err(|err| Failure::Connect(err.to_string()))?;
        let _ = stream.set_nodelay(true);
        exchange(stream, request).await
    })
    .await
    .unwrap_or(Err(Failure::Timeout))
}

async fn exchange<S>(stream: S, request: Request<Empty<Bytes>>) -> Result<Reply, Failure>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let failed = |err: hyper::Error| Failure::Exchange(error_chain(&err));
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(failed)?;
    let driver = tokio::spawn(connection);
    let response = sender.send_request(request).await.map_err(failed)?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(failed)?
        .to_bytes();
    drop(sender);
    driver.abort();
    Ok(Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// hyper's error with its sources (`connection closed before message completed`, `reset by peer`).
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

/// The JSON an admin endpoint answers.
pub async fn json(url: &str) -> serde_json::Value {
    let reply = get(url).await.expect("admin answers");
    assert_eq!(reply.status, StatusCode::OK, "{url}: {}", reply.body);
    serde_json::from_str(&reply.body).expect("valid JSON")
}

/// A response's whole body as text.
pub async fn text<B>(response: http::Response<B>) -> String
where
    B: http_body::Body,
    B::Error: std::fmt::Debug,
{
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    String::from_utf8_lossy(&body).into_owned()
}
