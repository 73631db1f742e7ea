//! The certificate served when no other matches (or the client sent no SNI) and no default
//! file is given: self-signed, generated at start, as Traefik does ("TRAEFIK DEFAULT CERT").
//! Clients cannot verify it; it exists so that a handshake completes and says who answered.

use std::time::{Duration, SystemTime};

use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, PKCS_ECDSA_P256_SHA256};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use super::TlsError;
use super::certificate::Certificate;

pub const DEFAULT_COMMON_NAME: &str = "hawser default certificate";
/// A reserved name (RFC 2606) no client will ask for.
pub const DEFAULT_NAME: &str = "hawser.invalid";
const DEFAULT_LIFETIME: Duration = Duration::from_secs(365 * 24 * 3600);
/// Backdated a little, for clients whose clock is behind.
const BACKDATE: Duration = Duration::from_secs(3600);

/// The default certificate: ECDSA P-256, valid for a year from an hour ago.
pub fn default_certificate() -> Result<Certificate, TlsError> {
    let now = SystemTime::now();
    self_signed(
        DEFAULT_COMMON_NAME,
        &[DEFAULT_NAME.to_owned()],
        now - BACKDATE,
        now + DEFAULT_LIFETIME,
    )
}

/// A self-signed ECDSA P-256 certificate for `names`.
pub fn self_signed(
    common_name: &str,
    names: &[String],
    not_before: SystemTime,
    not_after: SystemTime,
) -> Result<Certificate, TlsError> {
    let failed = |reason: String| TlsError::Certificate {
        what: common_name.to_owned(),
        reason,
    };
    let mut params = CertificateParams::new(names.to_vec()).map_err(|e| failed(e.to_string()))?;
    params.distinguished_name = DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.not_before = not_before.into();
    params.not_after = not_after.into();
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(|e| failed(e.to_string()))?;
    let certificate = params
        .self_signed(&key)
        .map_err(|e| failed(e.to_string()))?;
    let chain: Vec<CertificateDer<'static>> = vec![certificate.der().clone()];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    Certificate::from_der(chain, key).map_err(|e| failed(e.to_string()))
}
