//! Counters the metrics module reads: handshakes by protocol version and ALPN, and ACME
//! orders by result. Atomics only: the handshake path never locks.

use std::sync::atomic::{AtomicU64, Ordering};

use rustls::{HandshakeKind, ProtocolVersion, ServerConnection};

/// The versions rustls negotiates (it has no TLS 1.1 or older).
pub const VERSIONS: [&str; 2] = ["1.2", "1.3"];
/// ALPN outcomes: `h2`, `http/1.1`, or none negotiated (an HTTP/1.1 client without ALPN).
pub const ALPNS: [&str; 3] = ["h2", "http/1.1", "none"];

#[derive(Debug, Default)]
pub struct TlsStats {
    /// `[version][alpn]`, indexed like [`VERSIONS`] and [`ALPNS`].
    handshakes: [[AtomicU64; ALPNS.len()]; VERSIONS.len()],
    /// Handshakes that resumed a session (ticket or session ID).
    pub resumed: AtomicU64,
    /// Handshakes that failed or timed out (a bad ClientHello, no shared version, ...).
    pub handshake_failures: AtomicU64,
    /// Plain HTTP received on a TLS port (answered 400).
    pub plain_http: AtomicU64,
    /// TLS-ALPN-01 validations answered.
    pub challenges_answered: AtomicU64,
    pub acme_orders_succeeded: AtomicU64,
    pub acme_orders_failed: AtomicU64,
}

impl TlsStats {
    pub fn record_handshake(&self, connection: &ServerConnection) {
        let version = match connection.protocol_version() {
            Some(ProtocolVersion::TLSv1_2) => 0,
            _ => 1,
        };
        let alpn = match connection.alpn_protocol() {
            Some(b"h2") => 0,
            Some(b"http/1.1") => 1,
            _ => 2,
        };
        self.handshakes[version][alpn].fetch_add(1, Ordering::Relaxed);
        if connection.handshake_kind() == Some(HandshakeKind::Resumed) {
            self.resumed.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Completed handshakes for a version and ALPN, named as in [`VERSIONS`] and [`ALPNS`].
    pub fn handshakes(&self, version: &str, alpn: &str) -> u64 {
        let version = VERSIONS.iter().position(|known| *known == version);
        let alpn = ALPNS.iter().position(|known| *known == alpn);
        match (version, alpn) {
            (Some(version), Some(alpn)) => self.handshakes[version][alpn].load(Ordering::Relaxed),
            _ => 0,
        }
    }

    pub fn handshakes_total(&self) -> u64 {
        self.handshakes
            .iter()
            .flatten()
            .map(|count| count.load(Ordering::Relaxed))
            .sum()
    }
}
