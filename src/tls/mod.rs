//! HTTPS: TLS termination with rustls, the only place rustls server code lives. Certificates
//! come from files, from ACME resolvers, or are generated; a ClientHello's SNI picks one.
//!
//! - [`certificate`]: a chain and key checked to belong together, and the leaf's facts;
//! - [`store`]: the certificates by name (exact, then wildcard, then the default), swapped
//!   atomically as sources publish, plus the operator's view of them;
//! - [`resolver`]: rustls resolvers over the store and over the open ACME challenges;
//! - [`config`]: [`TlsOptions`] (versions, cipher suites, client certificates, ...) and the
//!   rustls `ServerConfig` built from them; [`TlsConfigs`] picks one per SNI;
//! - [`acceptor`]: one connection's handshake (plain HTTP refused, `acme-tls/1` answered);
//! - [`files`]: certificate files and directories (Swarm secrets), watched for changes;
//! - [`selfsigned`]: the generated default certificate;
//! - [`acme`]: certificate resolvers (Let's Encrypt and any RFC 8555 CA);
//! - [`stats`]: handshake and order counters for the metrics;
//! - [`layer`]: all of the above put together from [`TlsSettings`] at start.
//!
//! Crypto is ring's, everywhere, passed explicitly (never the process default provider):
//! hawser has no other backend compiled in, and ECDSA P-256 certificates (what the ACME
//! orders ask for) sign as fast with ring as with aws-lc-rs at the socket level.

pub mod acceptor;
pub mod acme;
pub mod certificate;
pub mod config;
mod error;
pub mod files;
pub mod layer;
pub mod resolver;
pub mod selfsigned;
pub mod stats;
pub mod store;
#[cfg(test)]
mod test_pki;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rustls::crypto::CryptoProvider;

pub use acceptor::{Accepted, TlsAcceptor};
pub use acme::{AcmeManager, AcmeTiming, CertResolverSettings, Challenges, DomainSet};
pub use certificate::{Certificate, CertificateFacts};
pub use config::{ClientAuth, ClientAuthMode, TlsConfigs, TlsOptions, TlsVersion};
pub use error::TlsError;
pub use files::{CertificateFileWatcher, CertificateFiles, PairFiles};
pub use layer::TlsLayer;
pub use stats::TlsStats;
pub use store::{CertState, CertificateInfo, CertificateStore, DefaultOrigin, Source};

/// The one crypto provider: ring with its defaults.
pub fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

/// Every TLS setting, as `config` resolves them from flags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsSettings {
    pub files: CertificateFiles,
    /// How often certificate files are checked for changes.
    pub poll_interval: Duration,
    pub options: TlsOptions,
    pub resolvers: Vec<CertResolverSettings>,
    pub acme: AcmeTiming,
}
