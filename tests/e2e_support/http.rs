//! HTTP/1.1 GETs on a fresh connection each (TCP to hawser, or the Docker socket), so every
//! request pays the full path a new client would: connect, accept, route, answer.

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use http::Request;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpStream, UnixStream};

/// An answer: the status and the body as text.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
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

/// GET `path` from `address` on a new TCP connection, within `limit` in all.
pub async fn get(address: SocketAddr, path: &str, limit: Duration) -> Result<Reply, Failure> {
    tokio::time::timeout(limit, async {
        let stream = TcpStream::connect(address)
            .await
            .map_err(|err| Failure::Connect(err.to_string()))?;
        let _ = stream.set_nodelay(true);
        exchange(stream, &address.to_string(), path).await
    })
    .await
    .unwrap_or(Err(Failure::Timeout))
}

/// GET `path` from the unix socket at `socket` (the Docker Engine API).
pub async fn get_unix(socket: &Path, path: &str, limit: Duration) -> Result<Reply, Failure> {
    tokio::time::timeout(limit, async {
        let stream = UnixStream::connect(socket)
            .await
            .map_err(|err| Failure::Connect(format!("{}: {err}", socket.display())))?;
        exchange(stream, "docker", path).await
    })
    .await
    .unwrap_or(Err(Failure::Timeout))
}

async fn exchange<S>(stream: S, host: &str, path: &str) -> Result<Reply, Failure>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let failed = |err: hyper::Error| Failure::Exchange(error_chain(&err));
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(failed)?;
    let driver = tokio::spawn(connection);
    let request = Request::get(path)
        .header("host", host)
        .header("user-agent", "hawser-e2e")
        .body(Empty::<Bytes>::new())
        .map_err(|err| Failure::Exchange(err.to_string()))?;
    let response = sender.send_request(request).await.map_err(failed)?;
    let status = response.status().as_u16();
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

/// The container hostname a demo server put in its answer: `Pong from H`, `Hello, X! (from H)`,
/// `Tmp from H`.
pub fn answered_by(body: &str) -> Option<String> {
    let body = body.trim();
    if let Some(start) = body.find("(from ") {
        let rest = &body[start + "(from ".len()..];
        return rest.strip_suffix(')').map(str::to_owned);
    }
    body.rsplit_once(" from ")
        .map(|(_, host)| host.to_owned())
        .filter(|host| !host.is_empty() && !host.contains(' '))
}
