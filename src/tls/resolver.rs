//! rustls certificate resolvers: one over the [`CertificateStore`] for every handshake, and
//! one that answers TLS-ALPN-01 validations with the challenge certificate for the SNI.

use std::sync::Arc;

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tracing::debug;

use super::acme::Challenges;
use super::store::{CertificateStore, Match};

/// Exact name, then wildcard, then the default certificate (or nothing, with strict SNI,
/// which aborts the handshake).
#[derive(Debug)]
pub struct CertResolver {
    store: Arc<CertificateStore>,
    sni_strict: bool,
}

impl CertResolver {
    pub fn new(store: Arc<CertificateStore>, sni_strict: bool) -> CertResolver {
        CertResolver { store, sni_strict }
    }
}

impl ResolvesServerCert for CertResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let (certified, how) = self.store.snapshot().select(hello.server_name());
        if how == Match::Default && self.sni_strict {
            debug!(sni = ?hello.server_name(), "strict SNI: no certificate for this name");
            return None;
        }
        Some(certified)
    }
}

/// The challenge certificate for the SNI, only for a ClientHello that offers `acme-tls/1`.
#[derive(Debug)]
pub struct ChallengeResolver {
    challenges: Arc<Challenges>,
}

impl ChallengeResolver {
    pub fn new(challenges: Arc<Challenges>) -> ChallengeResolver {
        ChallengeResolver { challenges }
    }
}

impl ResolvesServerCert for ChallengeResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.challenges.tls_alpn01_certificate(hello.server_name()?)
    }
}
