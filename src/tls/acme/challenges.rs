//! Answers to the CA's validation requests while an order is open: HTTP-01 key
//! authorizations by token, and TLS-ALPN-01 challenge certificates by name (RFC 8737).
//! The proxy consults [`Challenges::http01_response`] before routing; the TLS acceptor
//! consults [`Challenges::tls_alpn01_certificate`] when a ClientHello offers `acme-tls/1`.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use rcgen::{CertificateParams, CustomExtension, KeyPair, PKCS_ECDSA_P256_SHA256};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::sign::CertifiedKey;

use crate::tls::certificate::normalize_name;
use crate::tls::{TlsError, provider};

/// The ALPN protocol of TLS-ALPN-01 validations.
pub const ACME_TLS_ALPN: &[u8] = b"acme-tls/1";
/// Where HTTP-01 validations ask (RFC 8555 8.3).
pub const HTTP01_PREFIX: &str = "/.well-known/acme-challenge/";

#[derive(Debug, Default)]
pub struct Challenges {
    /// Token to key authorization.
    http01: RwLock<HashMap<String, String>>,
    /// Name to challenge certificate.
    tls_alpn01: RwLock<HashMap<String, Arc<CertifiedKey>>>,
}

impl Challenges {
    /// The body to answer `GET <path>` with, when `path` is an open HTTP-01 challenge. Any
    /// host: the CA's request carries `Host: name:port`, and a token is unique anyway.
    pub fn http01_response(&self, path: &str) -> Option<String> {
        let token = path.strip_prefix(HTTP01_PREFIX)?;
        self.http01
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(token)
            .cloned()
    }

    pub fn tls_alpn01_certificate(&self, name: &str) -> Option<Arc<CertifiedKey>> {
        self.tls_alpn01
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&normalize_name(name))
            .cloned()
    }

    pub fn is_empty(&self) -> bool {
        self.http01
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty()
            && self
                .tls_alpn01
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .is_empty()
    }

    fn remove(&self, opened: &Opened) {
        match opened {
            Opened::Http01(token) => {
                self.http01
                    .write()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(token);
            }
            Opened::TlsAlpn01(name) => {
                self.tls_alpn01
                    .write()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(name);
            }
        }
    }
}

enum Opened {
    Http01(String),
    TlsAlpn01(String),
}

/// The challenges one order opened; closed when it is dropped, whether the order succeeded,
/// failed or was cancelled.
pub struct OpenChallenges {
    challenges: Arc<Challenges>,
    opened: Vec<Opened>,
}

impl OpenChallenges {
    pub fn new(challenges: Arc<Challenges>) -> OpenChallenges {
        OpenChallenges {
            challenges,
            opened: Vec::new(),
        }
    }

    pub fn http01(&mut self, token: &str, key_authorization: &str) {
        self.challenges
            .http01
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(token.to_owned(), key_authorization.to_owned());
        self.opened.push(Opened::Http01(token.to_owned()));
    }

    /// `digest` is the SHA-256 of the key authorization.
    pub fn tls_alpn01(&mut self, name: &str, digest: &[u8]) -> Result<(), TlsError> {
        let name = normalize_name(name);
        let certified = Arc::new(tls_alpn01_certificate(&name, digest)?);
        self.challenges
            .tls_alpn01
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(name.clone(), certified);
        self.opened.push(Opened::TlsAlpn01(name));
        Ok(())
    }
}

impl Drop for OpenChallenges {
    fn drop(&mut self) {
        for opened in &self.opened {
            self.challenges.remove(opened);
        }
    }
}

/// RFC 8737's certificate: self-signed for `name`, with the critical acmeIdentifier
/// extension holding `digest`. Built with `CertifiedKey::new`, not `from_der`: the latter's
/// key check parses the certificate with webpki, which refuses the critical extension.
pub fn tls_alpn01_certificate(name: &str, digest: &[u8]) -> Result<CertifiedKey, TlsError> {
    let failed = |reason: String| TlsError::Certificate {
        what: format!("the TLS-ALPN-01 challenge of {name}"),
        reason,
    };
    let mut params =
        CertificateParams::new(vec![name.to_owned()]).map_err(|e| failed(e.to_string()))?;
    params.custom_extensions = vec![CustomExtension::new_acme_identifier(digest)];
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(|e| failed(e.to_string()))?;
    let certificate = params
        .self_signed(&key)
        .map_err(|e| failed(e.to_string()))?;
    let signing_key = provider()
        .key_provider
        .load_private_key(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            key.serialize_der(),
        )))
        .map_err(|e| failed(e.to_string()))?;
    Ok(CertifiedKey::new(
        vec![certificate.der().clone()],
        signing_key,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http01_answers_open_tokens_on_the_challenge_path_only_while_open() {
        let challenges = Arc::new(Challenges::default());
        {
            let mut open = OpenChallenges::new(challenges.clone());
            open.http01("tok-1", "tok-1.thumbprint");
            assert_eq!(
                challenges
                    .http01_response("/.well-known/acme-challenge/tok-1")
                    .as_deref(),
                Some("tok-1.thumbprint")
            );
            assert_eq!(
                challenges.http01_response("/.well-known/acme-challenge/tok-2"),
                None
            );
            assert_eq!(challenges.http01_response("/tok-1"), None);
            assert_eq!(
                challenges.http01_response("/.well-known/acme-challenge/"),
                None
            );
        }
        assert_eq!(
            challenges.http01_response("/.well-known/acme-challenge/tok-1"),
            None,
            "closed when the order is done"
        );
        assert!(challenges.is_empty());
    }

    #[test]
    fn tls_alpn01_certificates_carry_the_critical_acme_identifier() {
        let challenges = Arc::new(Challenges::default());
        let mut open = OpenChallenges::new(challenges.clone());
        open.tls_alpn01("A.Example.com.", &[7; 32])
            .expect("certificate");
        let certified = challenges
            .tls_alpn01_certificate("a.example.com")
            .expect("by normalized name");
        let (_, parsed) =
            x509_parser::parse_x509_certificate(certified.cert[0].as_ref()).expect("X.509");
        let identifier = parsed
            .extensions()
            .iter()
            .find(|extension| extension.oid.to_id_string() == "1.3.6.1.5.5.7.1.31")
            .expect("acmeIdentifier extension");
        assert!(identifier.critical);
        // DER OCTET STRING of 32 bytes: tag 0x04, length 0x20, then the digest.
        assert_eq!(identifier.value, [&[0x04, 0x20][..], &[7; 32]].concat());
        drop(open);
        assert!(challenges.tls_alpn01_certificate("a.example.com").is_none());
    }
}
