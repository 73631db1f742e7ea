//! A certificate chain and its key, parsed and checked to belong together, with the facts an
//! operator and the renewal schedule need (names, issuer, validity) read once from the leaf.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::CertifiedKey;
use x509_parser::extensions::GeneralName;

use super::provider;

/// What rustls serves, and what the leaf says about itself.
#[derive(Clone, Debug)]
pub struct Certificate {
    pub certified: Arc<CertifiedKey>,
    pub facts: Arc<CertificateFacts>,
}

/// The leaf certificate's facts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateFacts {
    /// The DNS names it is valid for, lowercased: its subjectAltNames, then its common name
    /// when that is a host name too (Traefik counts both: `pkg/tls/certificate.go`).
    pub names: Vec<String>,
    pub issuer: String,
    /// Hexadecimal, as `openssl x509 -serial` prints it.
    pub serial: String,
    pub not_before: SystemTime,
    pub not_after: SystemTime,
}

/// Why a chain and key cannot be served; says which of the two is at fault.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyPairError {
    Chain(String),
    Key(String),
    Mismatch,
}

impl fmt::Display for KeyPairError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyPairError::Chain(reason) | KeyPairError::Key(reason) => f.write_str(reason),
            KeyPairError::Mismatch => f.write_str("the private key does not match the certificate"),
        }
    }
}

impl Certificate {
    /// A PEM chain (leaf first) and a PEM private key (PKCS#8, PKCS#1 or SEC1). The two may
    /// be the same text, as in a combined `.pem` file.
    pub fn from_pem(chain: &[u8], key: &[u8]) -> Result<Certificate, KeyPairError> {
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(chain)
            .collect::<Result<_, _>>()
            .map_err(|err| KeyPairError::Chain(format!("bad PEM: {err}")))?;
        let key = PrivateKeyDer::from_pem_slice(key).map_err(|err| match err {
            rustls::pki_types::pem::Error::NoItemsFound => {
                KeyPairError::Key("holds no PEM private key".into())
            }
            other => KeyPairError::Key(format!("bad PEM private key: {other}")),
        })?;
        Certificate::from_der(chain, key)
    }

    /// A DER chain and key; the key must match the leaf.
    pub fn from_der(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<Certificate, KeyPairError> {
        let leaf = chain
            .first()
            .ok_or_else(|| KeyPairError::Chain("holds no PEM certificate".into()))?;
        let facts = CertificateFacts::read(leaf).map_err(KeyPairError::Chain)?;
        let signing_key = provider()
            .key_provider
            .load_private_key(key)
            .map_err(|err| KeyPairError::Key(format!("unusable private key: {err}")))?;
        let certified = CertifiedKey::new(chain, signing_key);
        match certified.keys_match() {
            Ok(()) => {}
            Err(rustls::Error::InconsistentKeys(_)) => return Err(KeyPairError::Mismatch),
            Err(other) => {
                return Err(KeyPairError::Chain(format!(
                    "unusable certificate: {other}"
                )));
            }
        }
        Ok(Certificate {
            certified: Arc::new(certified),
            facts: Arc::new(facts),
        })
    }

    /// Whether it is valid for `name` (exactly, or by a one-label wildcard).
    pub fn covers(&self, name: &str) -> bool {
        self.facts.names.iter().any(|held| name_matches(held, name))
    }
}

impl CertificateFacts {
    pub fn read(leaf: &CertificateDer<'_>) -> Result<CertificateFacts, String> {
        let (_, parsed) = x509_parser::parse_x509_certificate(leaf.as_ref())
            .map_err(|err| format!("not an X.509 certificate: {err}"))?;
        let mut names = Vec::new();
        if let Ok(Some(alternative)) = parsed.subject_alternative_name() {
            for general in &alternative.value.general_names {
                if let GeneralName::DNSName(name) = general {
                    push_name(&mut names, name);
                }
            }
        }
        for common in parsed.subject().iter_common_name() {
            if let Ok(name) = common.as_str()
                && is_host_name(name)
            {
                push_name(&mut names, name);
            }
        }
        let validity = parsed.validity();
        Ok(CertificateFacts {
            names,
            issuer: parsed.issuer().to_string(),
            serial: parsed.raw_serial_as_string().replace(':', ""),
            not_before: system_time(validity.not_before.timestamp()),
            not_after: system_time(validity.not_after.timestamp()),
        })
    }

    /// The first name, as the certificate's "domain" for an operator.
    pub fn main_name(&self) -> Option<&str> {
        self.names.first().map(String::as_str)
    }
}

fn push_name(names: &mut Vec<String>, name: &str) {
    let name = normalize_name(name);
    if !name.is_empty() && !names.contains(&name) {
        names.push(name);
    }
}

/// Lowercase, without a trailing dot: how names are compared everywhere in this module.
pub fn normalize_name(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// Letters, digits, hyphens and dots, optionally behind `*.`: a DNS name (a common name such
/// as "hawser default certificate" is not one).
pub fn is_host_name(name: &str) -> bool {
    let bare = name.strip_prefix("*.").unwrap_or(name);
    !bare.is_empty()
        && bare.len() <= 253
        && bare.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
        })
}

/// `held` is a certificate name, `name` a normalized host: equal, or `*.rest` where `name`
/// is one label followed by `.rest` (RFC 6125 6.4.3; Traefik's `matchDomain`).
pub fn name_matches(held: &str, name: &str) -> bool {
    if held == name {
        return true;
    }
    match (held.strip_prefix("*."), name.split_once('.')) {
        (Some(parent), Some((label, rest))) => !label.is_empty() && rest == parent,
        _ => false,
    }
}

fn system_time(seconds: i64) -> SystemTime {
    match u64::try_from(seconds) {
        Ok(after) => UNIX_EPOCH + Duration::from_secs(after),
        Err(_) => UNIX_EPOCH - Duration::from_secs(seconds.unsigned_abs()),
    }
}

/// Unix milliseconds, as the admin API writes times.
pub fn unix_millis(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |since| {
        u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
    })
}

#[cfg(test)]
#[path = "certificate_tests.rs"]
mod tests;
