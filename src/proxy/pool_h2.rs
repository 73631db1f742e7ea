//! HTTP/2 with prior knowledge (h2c) to backends whose balancer says `server.scheme=h2c`:
//! one multiplexed connection per backend address and worker, opened on first use and
//! replaced when it closes. Requests share it as streams, so there is nothing to check out
//! or give back, and no per-backend connection limit to wait for.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use http::header::{CONNECTION, HOST, TE, TRANSFER_ENCODING, UPGRADE};
use http::uri::{Authority, Scheme};
use http::{HeaderValue, Request, Response, Uri, Version};
use hyper::client::conn::http2::{self, SendRequest};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;
use tracing::debug;

use super::pool::{ConnectError, PooledBody, SendError};
use super::request_body::RequestBody;
use crate::stats::Traffic;

pub struct H2Connections {
    senders: Mutex<HashMap<SocketAddr, SendRequest<RequestBody>>>,
    connect_timeout: Duration,
    traffic: Arc<Traffic>,
    worker: usize,
}

/// Why an h2c exchange failed: before anything was sent (the request is handed back), or
/// during it.
pub enum H2Failure {
    Connect(ConnectError, Request<RequestBody>),
    Send(SendError),
}

impl H2Connections {
    pub fn new(connect_timeout: Duration, traffic: Arc<Traffic>, worker: usize) -> Self {
        H2Connections {
            senders: Mutex::new(HashMap::new()),
            connect_timeout,
            traffic,
            worker,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<SocketAddr, SendRequest<RequestBody>>> {
        self.senders.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends `request` (origin-form, as the proxy rewrote it) to `address` over h2c.
    pub async fn send(
        &self,
        address: SocketAddr,
        request: Request<RequestBody>,
    ) -> Result<Response<PooledBody>, H2Failure> {
        let mut sender = match self.ready_sender(address).await {
            Ok(sender) => sender,
            Err(err) => return Err(H2Failure::Connect(err, request)),
        };
        let request = into_h2(request, address);
        let response = sender.try_send_request(request).await.map_err(|mut err| {
            H2Failure::Send(SendError {
                unsent: err.take_message(),
                error: err.into_error(),
            })
        })?;
        Ok(response.map(PooledBody::unpooled))
    }

    /// The address's open connection, or a new one.
    async fn ready_sender(
        &self,
        address: SocketAddr,
    ) -> Result<SendRequest<RequestBody>, ConnectError> {
        let existing = self.lock().get(&address).cloned();
        if let Some(mut sender) = existing {
            if sender.ready().await.is_ok() {
                return Ok(sender);
            }
            self.lock().remove(&address);
        }
        let stream = tokio::time::timeout(self.connect_timeout, TcpStream::connect(address))
            .await
            .map_err(|_| ConnectError::TimedOut(self.connect_timeout))?
            .map_err(ConnectError::Refused)?;
        let _ = stream.set_nodelay(true);
        let (sender, connection) = http2::Builder::new(TokioExecutor::new())
            .handshake(TokioIo::new(stream))
            .await
            .map_err(ConnectError::Handshake)?;
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                debug!(%address, error = %err, "h2c backend connection ended with an error");
            }
        });
        self.traffic.upstream_connections_opened.add(self.worker);
        self.lock().insert(address, sender.clone());
        Ok(sender)
    }
}

/// HTTP/2 carries the host in `:authority` and has no connection-specific headers: the
/// request's `Host` (the client's, or the backend's address) becomes the URI's authority.
fn into_h2(mut request: Request<RequestBody>, address: SocketAddr) -> Request<RequestBody> {
    let headers = request.headers_mut();
    let authority = headers
        .remove(HOST)
        .and_then(|host| Authority::try_from(host.as_bytes()).ok())
        .or_else(|| Authority::try_from(address.to_string()).ok());
    for name in [CONNECTION, TRANSFER_ENCODING, UPGRADE] {
        headers.remove(name);
    }
    headers.remove("keep-alive");
    headers.remove("proxy-connection");
    if headers
        .get(TE)
        .is_some_and(|te| te != HeaderValue::from_static("trailers"))
    {
        headers.remove(TE);
    }
    let mut parts = request.uri().clone().into_parts();
    parts.scheme = Some(Scheme::HTTP);
    parts.authority = authority;
    if parts.path_and_query.is_none() {
        parts.path_and_query = Some(http::uri::PathAndQuery::from_static("/"));
    }
    if let Ok(uri) = Uri::from_parts(parts) {
        *request.uri_mut() = uri;
    }
    *request.version_mut() = Version::HTTP_2;
    request
}
