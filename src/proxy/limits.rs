//! How much one client may ask of hawser: open connections (all workers together, and per
//! client address), and the size of a request's head, target and body.
//!
//! A connection over a limit is answered `503` with `Connection: close` in one non-blocking
//! write, before anything is read from it, and closed: the client learns why, and hawser spends
//! nothing more on it (no parsing, no waiting). The head, target and body limits are answered
//! `431`, `414` and `413` where the request is read ([`super::validate`], hyper's parser, and
//! the request body).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::net::TcpStream;

/// The limits as configured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Open client connections, all workers together; `None`: unlimited.
    pub connections: Option<usize>,
    /// Open client connections from one address (an IPv6 client: its /64).
    pub connections_per_ip: Option<usize>,
    /// Header fields in a request; more: `431`.
    pub header_count: usize,
    /// Bytes of the request line and header section; more: `431`.
    pub header_size: usize,
    /// Bytes of the request target; more: `414`.
    pub uri_length: usize,
    /// Bytes of a request body; more: `413`.
    pub request_body: Option<u64>,
}

/// Counts open client connections against [`Limits`]; one for all workers.
pub struct ConnectionLimits {
    total: Option<usize>,
    per_client: Option<usize>,
    open: AtomicUsize,
    /// Open connections by client, sharded so workers rarely wait on one another. An entry
    /// leaves its map with its client's last connection.
    by_client: Box<[Mutex<HashMap<IpAddr, usize>>]>,
}

const SHARDS: usize = 16;

/// Why a connection was turned away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    Total,
    PerClient,
}

/// A connection counted against the limits until this is dropped.
pub struct Admission {
    limits: Arc<ConnectionLimits>,
    /// The key it counts under, when connections are counted per client.
    client: Option<IpAddr>,
}

impl ConnectionLimits {
    pub fn new(limits: &Limits) -> Arc<Self> {
        Arc::new(ConnectionLimits {
            total: limits.connections,
            per_client: limits.connections_per_ip,
            open: AtomicUsize::new(0),
            by_client: (0..SHARDS).map(|_| Mutex::default()).collect(),
        })
    }

    /// Counts a new connection from `peer`, or says which limit it is over.
    pub fn admit(self: &Arc<Self>, peer: IpAddr) -> Result<Admission, Refusal> {
        if let Some(total) = self.total {
            self.open
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |open| {
                    (open < total).then_some(open + 1)
                })
                .map_err(|_| Refusal::Total)?;
        }
        let client = match self.per_client {
            None => None,
            Some(most) => {
                let key = client_key(peer);
                let mut shard = self.shard(key);
                let count = shard.entry(key).or_insert(0);
                if *count >= most {
                    drop(shard);
                    self.release_total();
                    return Err(Refusal::PerClient);
                }
                *count += 1;
                Some(key)
            }
        };
        Ok(Admission {
            limits: self.clone(),
            client,
        })
    }

    /// Open connections from `peer`'s address (or /64), as counted.
    #[cfg(test)]
    fn open_from(&self, peer: IpAddr) -> usize {
        let key = client_key(peer);
        self.shard(key).get(&key).copied().unwrap_or(0)
    }

    fn shard(&self, key: IpAddr) -> std::sync::MutexGuard<'_, HashMap<IpAddr, usize>> {
        let spread = match key {
            IpAddr::V4(v4) => v4.octets().iter().fold(0usize, mix),
            IpAddr::V6(v6) => v6.octets().iter().fold(0usize, mix),
        };
        self.by_client[spread % SHARDS]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn release_total(&self) {
        if self.total.is_some() {
            self.open.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

impl Drop for Admission {
    fn drop(&mut self) {
        if let Some(key) = self.client {
            let mut shard = self.limits.shard(key);
            if let Some(count) = shard.get_mut(&key) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    shard.remove(&key);
                }
            }
        }
        self.limits.release_total();
    }
}

fn mix(hash: usize, byte: &u8) -> usize {
    hash.wrapping_mul(31).wrapping_add(usize::from(*byte))
}

/// The address connections are counted under: an IPv4 address (mapped ones included) as it is,
/// an IPv6 address by its /64, the block one subscriber usually gets.
fn client_key(peer: IpAddr) -> IpAddr {
    match peer.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & !u128::from(u64::MAX);
            IpAddr::V6(Ipv6Addr::from(network))
        }
    }
}

const REFUSED: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
content-type: text/plain; charset=utf-8\r\n\
content-length: 46\r\n\
connection: close\r\n\
\r\n\
503 Service Unavailable: too many connections\n";

/// Tells a connection over a limit so, if its socket takes the bytes at once, and lets it go.
pub fn refuse(stream: TcpStream) {
    let _ = stream.try_write(REFUSED);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(total: Option<usize>, per_ip: Option<usize>) -> Arc<ConnectionLimits> {
        ConnectionLimits::new(&Limits {
            connections: total,
            connections_per_ip: per_ip,
            header_count: 100,
            header_size: 32 * 1024,
            uri_length: 8 * 1024,
            request_body: None,
        })
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn the_total_counts_every_client_and_frees_on_drop() {
        let limits = limits(Some(2), None);
        let first = limits.admit(ip("10.0.0.1")).expect("first");
        let _second = limits.admit(ip("10.0.0.2")).expect("second");
        assert_eq!(limits.admit(ip("10.0.0.3")).err(), Some(Refusal::Total));
        drop(first);
        assert!(limits.admit(ip("10.0.0.3")).is_ok());
    }

    #[test]
    fn each_client_has_its_own_count_and_a_refusal_takes_no_slot() {
        let limits = limits(Some(10), Some(2));
        let held: Vec<_> = (0..2)
            .map(|_| limits.admit(ip("10.0.0.1")).expect("under the limit"))
            .collect();
        assert_eq!(limits.admit(ip("10.0.0.1")).err(), Some(Refusal::PerClient));
        assert!(limits.admit(ip("10.0.0.2")).is_ok(), "another client");
        assert_eq!(
            limits.open.load(Ordering::Acquire),
            2,
            "the refusal gave its slot back"
        );
        drop(held);
        assert_eq!(limits.open_from(ip("10.0.0.1")), 0);
        assert!(
            limits
                .by_client
                .iter()
                .all(|shard| shard.lock().expect("shard").is_empty()),
            "no entry outlives its client's connections"
        );
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64_and_mapped_ipv4_as_ipv4() {
        let limits = limits(None, Some(1));
        let _held = limits.admit(ip("2001:db8:1:2::1")).expect("first");
        assert_eq!(
            limits.admit(ip("2001:db8:1:2:ffff::9")).err(),
            Some(Refusal::PerClient),
            "same /64"
        );
        assert!(limits.admit(ip("2001:db8:1:3::1")).is_ok(), "another /64");
        let _mapped = limits.admit(ip("::ffff:192.0.2.7")).expect("mapped");
        assert_eq!(
            limits.admit(ip("192.0.2.7")).err(),
            Some(Refusal::PerClient)
        );
    }

    #[test]
    fn without_limits_everyone_is_admitted_and_nothing_is_kept() {
        let limits = limits(None, None);
        let held: Vec<_> = (0..100)
            .map(|_| limits.admit(ip("10.0.0.1")).expect("admitted"))
            .collect();
        assert_eq!(held.len(), 100);
        assert_eq!(
            limits.open_from(ip("10.0.0.1")),
            0,
            "not counted per client"
        );
    }

    #[test]
    fn the_refusal_is_one_well_formed_response() {
        let text = std::str::from_utf8(REFUSED).expect("ascii");
        let (head, body) = text.split_once("\r\n\r\n").expect("a head");
        assert!(head.starts_with("HTTP/1.1 503 "));
        assert!(head.contains(&format!("content-length: {}", body.len())));
    }
}
