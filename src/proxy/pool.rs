//! Keep-alive connections to backends, one pool per worker.
//!
//! A connection goes back to the pool when its response body has been read to the end, from
//! inside the body itself ([`PooledBody`]): no task waits for it to become idle. Checkout takes
//! the most recently used idle connection (the one least likely to have been closed by the
//! backend). Each backend gets at most `max_per_backend` connections from a worker; a request
//! that finds them all busy waits for the next one to come back (first come, first served)
//! instead of opening more: thousands of clients then share a few keep-alive connections, and
//! the backend's and hawser's file descriptors and memory stay bounded.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response};
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tracing::debug;

use super::BUFFER_LIMIT;
use super::pool_h2::H2Connections;
use super::request_body::RequestBody;
use crate::stats::Traffic;

pub struct ConnectionPool {
    backends: Mutex<HashMap<SocketAddr, Connections>>,
    connect_timeout: Duration,
    idle_timeout: Duration,
    max_per_backend: usize,
    /// Where opened connections are counted, in this worker's slot.
    traffic: Arc<Traffic>,
    worker: usize,
    /// This worker's h2c connections, for balancers that speak HTTP/2 to their backends.
    h2: H2Connections,
}

/// One backend address's connections, as seen by one worker.
#[derive(Default)]
struct Connections {
    idle: Vec<Idle>,
    /// Open or opening, idle or busy.
    open: usize,
    waiting: VecDeque<oneshot::Sender<Grant>>,
}

struct Idle {
    sender: SendRequest<RequestBody>,
    since: Instant,
}

/// What a waiting request is given: a connection, or room to open one.
enum Grant {
    Connection(SendRequest<RequestBody>),
    Room(Room),
}

/// Room to open one more connection, granted to a waiting request. A request dropped between
/// the grant and its next poll never uses it: dropped unused, it goes to the next waiter (as a
/// connection dropped unused closes, and its task gives its room back).
struct Room {
    address: SocketAddr,
    /// `None` once used, or settled while the pool's lock is held.
    pool: Option<Weak<ConnectionPool>>,
}

impl Room {
    fn new(pool: &Arc<ConnectionPool>, address: SocketAddr) -> Self {
        Room {
            address,
            pool: Some(Arc::downgrade(pool)),
        }
    }

    /// The count stays as it is: the room is being used, or was never handed out.
    fn settle(mut self) {
        self.pool = None;
    }
}

impl Drop for Room {
    fn drop(&mut self) {
        if let Some(pool) = self.pool.take().and_then(|pool| pool.upgrade()) {
            pool.closed(self.address);
        }
    }
}

/// A connection checked out for one request.
pub struct Checkout {
    sender: SendRequest<RequestBody>,
    address: SocketAddr,
}

/// Why no connection could be had. Nothing was sent to the backend.
#[derive(Debug)]
pub enum ConnectError {
    Refused(io::Error),
    TimedOut(Duration),
    Handshake(hyper::Error),
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectError::Refused(err) => write!(formatter, "connect: {err}"),
            ConnectError::TimedOut(after) => {
                write!(formatter, "connect: no answer within {after:?}")
            }
            ConnectError::Handshake(err) => write!(formatter, "connection setup: {err}"),
        }
    }
}

impl ConnectionPool {
    pub fn new(
        connect_timeout: Duration,
        idle_timeout: Duration,
        max_per_backend: usize,
        traffic: Arc<Traffic>,
        worker: usize,
    ) -> Arc<Self> {
        Arc::new(ConnectionPool {
            backends: Mutex::new(HashMap::new()),
            connect_timeout,
            idle_timeout,
            max_per_backend: max_per_backend.max(1),
            h2: H2Connections::new(connect_timeout, traffic.clone(), worker),
            traffic,
            worker,
        })
    }

    /// The h2c side of the pool.
    pub fn h2(&self) -> &H2Connections {
        &self.h2
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<SocketAddr, Connections>> {
        self.backends.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// An idle connection to `address`, a new one, or the next one to come back.
    pub async fn checkout(self: &Arc<Self>, address: SocketAddr) -> Result<Checkout, ConnectError> {
        self.checkout_within(address, self.connect_timeout).await
    }

    /// As [`ConnectionPool::checkout`], giving a new connection `connect_timeout` to be set up.
    pub async fn checkout_within(
        self: &Arc<Self>,
        address: SocketAddr,
        connect_timeout: Duration,
    ) -> Result<Checkout, ConnectError> {
        loop {
            let waiting = {
                let mut backends = self.lock();
                let backend = backends.entry(address).or_default();
                let now = Instant::now();
                let mut found = None;
                while let Some(candidate) = backend.idle.pop() {
                    if !candidate.sender.is_closed()
                        && now.duration_since(candidate.since) < self.idle_timeout
                    {
                        found = Some(candidate.sender);
                        break;
                    }
                    // Dropping it closes it; its connection task gives the room back.
                }
                match found {
                    Some(sender) => Ok(sender),
                    None if backend.open < self.max_per_backend => {
                        backend.open += 1;
                        Err(None)
                    }
                    None => {
                        let (grant, granted) = oneshot::channel();
                        backend.waiting.push_back(grant);
                        Err(Some(granted))
                    }
                }
            };
            let grant = match waiting {
                Ok(sender) => Some(sender),
                Err(None) => None,
                Err(Some(granted)) => match granted.await {
                    Ok(Grant::Connection(sender)) => Some(sender),
                    Ok(Grant::Room(room)) => {
                        room.settle();
                        None
                    }
                    // The pool is going away.
                    Err(_) => None,
                },
            };
            match grant {
                // A connection handed back as its last response byte was read may still be
                // finishing that exchange: wait a moment for it, or move on if it died.
                Some(mut sender) => {
                    if sender.ready().await.is_ok() {
                        return Ok(Checkout { sender, address });
                    }
                }
                None => {
                    // Boxed: connecting is the rare path, and its state would otherwise sit in
                    // every request's future.
                    return match Box::pin(self.connect(address, connect_timeout)).await {
                        Ok(sender) => Ok(Checkout { sender, address }),
                        Err(err) => {
                            self.closed(address);
                            Err(err)
                        }
                    };
                }
            }
        }
    }

    async fn connect(
        self: &Arc<Self>,
        address: SocketAddr,
        timeout: Duration,
    ) -> Result<SendRequest<RequestBody>, ConnectError> {
        let stream = tokio::time::timeout(timeout, TcpStream::connect(address))
            .await
            .map_err(|_| ConnectError::TimedOut(timeout))?
            .map_err(ConnectError::Refused)?;
        let _ = stream.set_nodelay(true);
        let (sender, connection) = http1::Builder::new()
            .writev(false)
            .max_buf_size(BUFFER_LIMIT)
            .handshake(TokioIo::new(stream))
            .await
            .map_err(ConnectError::Handshake)?;
        let pool = Arc::downgrade(self);
        tokio::spawn(async move {
            if let Err(err) = connection.with_upgrades().await {
                debug!(%address, error = %err, "backend connection ended with an error");
            }
            if let Some(pool) = pool.upgrade() {
                pool.closed(address);
            }
        });
        self.traffic.upstream_connections_opened.add(self.worker);
        Ok(sender)
    }

    /// A connection is gone (or never came): its room goes to the first waiter, if any.
    fn closed(self: &Arc<Self>, address: SocketAddr) {
        let mut backends = self.lock();
        let Some(backend) = backends.get_mut(&address) else {
            return;
        };
        backend.open = backend.open.saturating_sub(1);
        while let Some(waiter) = backend.waiting.pop_front() {
            match waiter.send(Grant::Room(Room::new(self, address))) {
                Ok(()) => {
                    backend.open += 1;
                    return;
                }
                // Dropping it here would take the lock again.
                Err(Grant::Room(room)) => room.settle(),
                Err(Grant::Connection(_)) => {}
            }
        }
        if backend.open == 0 && backend.idle.is_empty() {
            backends.remove(&address);
        }
    }

    /// Takes back a connection whose exchange is complete: to the first waiter, else idle.
    fn put(&self, address: SocketAddr, mut sender: SendRequest<RequestBody>) {
        if sender.is_closed() {
            return;
        }
        let mut backends = self.lock();
        let backend = backends.entry(address).or_default();
        while let Some(waiter) = backend.waiting.pop_front() {
            match waiter.send(Grant::Connection(sender)) {
                Ok(()) => return,
                Err(Grant::Connection(back)) => sender = back,
                Err(Grant::Room(room)) => {
                    room.settle();
                    return;
                }
            }
        }
        backend.idle.push(Idle {
            sender,
            since: Instant::now(),
        });
    }

    /// Closes idle connections past their time.
    pub fn evict_expired(&self) {
        let now = Instant::now();
        let mut backends = self.lock();
        for backend in backends.values_mut() {
            backend.idle.retain(|candidate| {
                !candidate.sender.is_closed()
                    && now.duration_since(candidate.since) < self.idle_timeout
            });
        }
    }

    /// Evicts expired connections every half idle timeout, for as long as the pool is used.
    pub fn spawn_evictor(self: &Arc<Self>) {
        let pool: Weak<Self> = Arc::downgrade(self);
        let period = (self.idle_timeout / 2).max(Duration::from_millis(100));
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(period);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                match pool.upgrade() {
                    Some(pool) => pool.evict_expired(),
                    None => return,
                }
            }
        });
    }
}

/// Why an exchange failed, and whether the request came back unsent.
pub struct SendError {
    pub error: hyper::Error,
    /// The request, when it was not written to the connection at all.
    pub unsent: Option<Request<RequestBody>>,
}

impl Checkout {
    /// Sends the request; the response body returns the connection to `pool` when read through.
    pub async fn send(
        mut self,
        request: Request<RequestBody>,
        pool: &Arc<ConnectionPool>,
    ) -> Result<Response<PooledBody>, SendError> {
        let response = self
            .sender
            .try_send_request(request)
            .await
            .map_err(|mut err| SendError {
                unsent: err.take_message(),
                error: err.into_error(),
            })?;
        // An upgraded connection belongs to its tunnel from now on.
        let upgraded = response.status() == http::StatusCode::SWITCHING_PROTOCOLS;
        let (parts, body) = response.into_parts();
        let mut pooled = PooledBody {
            body,
            home: (!upgraded).then(|| (self.sender, self.address, pool.clone())),
        };
        if pooled.body.is_end_stream() {
            pooled.release();
        }
        Ok(Response::from_parts(parts, pooled))
    }
}

/// A backend's response body that hands its connection back once it has been read to the end.
/// Dropped early, the connection is dropped with it (hyper closes it: it is mid-message).
pub struct PooledBody {
    body: Incoming,
    home: Option<(SendRequest<RequestBody>, SocketAddr, Arc<ConnectionPool>)>,
}

impl PooledBody {
    /// A body whose connection goes back nowhere (an h2c stream: the connection is shared).
    pub fn unpooled(body: Incoming) -> Self {
        PooledBody { body, home: None }
    }

    fn release(&mut self) {
        if let Some((sender, address, pool)) = self.home.take() {
            pool.put(address, sender);
        }
    }
}

impl Body for PooledBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let polled = Pin::new(&mut self.body).poll_frame(cx);
        match &polled {
            Poll::Ready(None) => self.release(),
            Poll::Ready(Some(Ok(_))) if self.body.is_end_stream() => self.release(),
            Poll::Ready(Some(Err(_))) => self.home = None,
            _ => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
#[path = "pool_tests.rs"]
mod tests;
