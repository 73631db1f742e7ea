//! The HTTP proxy, in the order a request goes through it (each module uses only those
//! below it):
//!
//! - [`server`] accepts connections (one runtime per worker, a listener per entry point,
//!   HTTP/1.1 and h2c, or TLS through [`crate::tls::TlsAcceptor`] with HTTP/2 by ALPN), within
//!   the connection and head [`limits`]; `connection` serves each one until it ends or a
//!   shutdown drains it;
//! - [`handler`] takes one request through its steps: [`validate`] it (refuse what a trusted
//!   proxy refuses, put its path in normal form), answer an ACME challenge or an entry point's
//!   [`redirect`] to HTTPS, then match a route in the published table,
//!   rewrite it ([`headers`]: hop-by-hop removal and `X-Forwarded-*`), forward, answer
//!   ([`error`] for 404/502/503/504), log ([`access_log`]);
//! - [`middleware`] runs the route's middlewares around forwarding;
//! - [`upgrade`] splices WebSocket connections once the backend switched protocols;
//! - [`forward`] sends the request to the route's balancer, retrying on another backend when
//!   that is safe (keeping a `replay` copy of what may be sent again), over [`pool`]'s
//!   keep-alive connections ([`pool_h2`]'s multiplexed ones for
//!   h2c backends);
//! - [`health_check`] runs each balancer's active health checks beside the requests, which
//!   only read their outcome;
//! - [`body`] is the response body streamed back to the client, [`request_body`] the one
//!   sent to a backend.

pub mod access_log;
pub mod body;
mod connection;
pub mod error;
pub mod forward;
pub mod handler;
pub mod headers;
pub mod health_check;
pub mod limits;
pub mod middleware;
pub mod pool;
pub mod pool_h2;
pub mod redirect;
mod replay;
pub mod request_body;
pub mod server;
pub mod upgrade;
pub mod validate;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use ipnet::IpNet;

pub use access_log::AccessLogFormat;
pub use limits::Limits;

use crate::routing::path::PathPolicy;

/// hyper's per-connection read and write buffers (client side and backend side) grow up to
/// this. With writes flattened into one buffer (one `write` per response instead of a
/// `writev`: cheaper for small responses), a large body would otherwise grow each connection's
/// buffer to hyper's 400 KiB default.
const BUFFER_LIMIT: usize = 64 * 1024;

/// How the proxy listens, times out and retries.
#[derive(Clone, Debug)]
pub struct ProxySettings {
    /// Never empty; routing knows the same entry points by the same positions.
    pub entry_points: Vec<EntryPoint>,
    /// Worker threads, each with its own listener per entry point and its own upstream pool.
    pub workers: usize,
    /// For a client to send a request's headers; it also closes idle HTTP/1.1 keep-alive
    /// connections (hyper counts the idle wait as part of reading the next request head).
    pub header_read_timeout: Duration,
    pub backend_connect_timeout: Duration,
    /// The connect timeout while another backend could take the request instead.
    pub backend_failover_connect_timeout: Duration,
    /// From sending the request to receiving the backend's response headers.
    pub backend_response_timeout: Duration,
    /// How long an idle pooled backend connection is kept.
    pub backend_idle_timeout: Duration,
    /// Connections each worker may have open to one backend; beyond, requests queue.
    pub backend_max_connections: usize,
    /// Extra attempts on other backends when a retry is safe.
    pub retries: usize,
    /// How long in-flight requests may take to finish after SIGTERM.
    pub grace_period: Duration,
    /// Clients whose `X-Forwarded-*` headers are believed.
    pub trusted_proxies: Vec<IpNet>,
    pub access_log: AccessLogFormat,
    pub limits: Limits,
    /// What encoded slashes and dots in a path get.
    pub paths: PathPolicy,
}

/// A named address the proxy accepts requests on; routes say which ones they are served on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryPoint {
    pub name: String,
    pub address: SocketAddr,
    /// Every connection is TLS, terminated by [`crate::tls::TlsAcceptor`].
    pub tls: bool,
    /// Every request (but an open ACME HTTP-01 challenge) is redirected to `https://` on the
    /// entry point at this position, a TLS one.
    pub redirect: Option<usize>,
}

impl EntryPoint {
    /// Plain HTTP, no redirect.
    pub fn plain(name: &str, address: SocketAddr) -> EntryPoint {
        EntryPoint {
            name: name.to_owned(),
            address,
            tls: false,
            redirect: None,
        }
    }
}

impl ProxySettings {
    pub fn is_trusted(&self, client: IpAddr) -> bool {
        self.trusted_proxies
            .iter()
            .any(|network| network.contains(&client))
    }
}
