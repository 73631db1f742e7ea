//! Certificate resolvers as the command line defines them, named as Traefik names its
//! `certificatesResolvers`:
//!
//! `--certresolver le.email=ops@example.com,storage=/data/acme.json,challenge=tlsalpn`
//!
//! | key | value | default |
//! |---|---|---|
//! | `email` | the account's contact | none (Let's Encrypt no longer needs one) |
//! | `storage` | the JSON file for the account and certificates (resolvers may share one; keep it on a volume) | `acme.json` |
//! | `challenge` | `http` (HTTP-01, port 80) or `tlsalpn` (TLS-ALPN-01, port 443) | `http` |
//! | `ca` | the ACME directory URL, or `letsencrypt` / `letsencrypt-staging` | `letsencrypt` |
//! | `ca-root` | a PEM file: the only root trusted for the directory (a private CA) | the bundled Mozilla roots |
//!
//! A name's options may be split over several flags (`le.email=...`, `le.storage=...`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::tls::TlsError;

pub const LETS_ENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";
pub const LETS_ENCRYPT_STAGING: &str = "https://acme-staging-v02.api.letsencrypt.org/directory";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChallengeKind {
    Http01,
    TlsAlpn01,
}

impl std::fmt::Display for ChallengeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ChallengeKind::Http01 => "HTTP-01",
            ChallengeKind::TlsAlpn01 => "TLS-ALPN-01",
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertResolverSettings {
    pub name: String,
    pub email: Option<String>,
    pub storage: PathBuf,
    pub challenge: ChallengeKind,
    /// The ACME directory URL.
    pub ca: String,
    pub ca_root: Option<PathBuf>,
}

/// Parses every `--certresolver` value; `default_storage` is where a resolver without
/// `storage=` keeps its data.
pub fn parse_cert_resolvers(
    values: &[String],
    default_storage: &Path,
) -> Result<Vec<CertResolverSettings>, TlsError> {
    let mut options: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for value in values {
        let (name, rest) = value.split_once('.').ok_or_else(|| TlsError::Resolver {
            resolver: value.clone(),
            reason: "expected NAME.KEY=VALUE[,KEY=VALUE...], e.g. le.email=ops@example.com".into(),
        })?;
        let name = name.trim();
        let error = |reason: String| TlsError::Resolver {
            resolver: name.to_owned(),
            reason,
        };
        if name.is_empty()
            || !name
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
        {
            return Err(error(
                "the name must be letters, digits, '-' or '_' (before the first '.')".into(),
            ));
        }
        if name == "file" || name == "default" {
            return Err(error(format!(
                "{name:?} is reserved: it labels certificates from files and the default one"
            )));
        }
        let entry = options.entry(name.to_owned()).or_default();
        for pair in rest
            .split(',')
            .map(str::trim)
            .filter(|pair| !pair.is_empty())
        {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| error(format!("{pair:?} is not KEY=VALUE")))?;
            let key = canonical_key(key.trim()).ok_or_else(|| {
                error(format!(
                    "unknown option {:?}; known: email, storage, challenge, ca, ca-root",
                    key.trim()
                ))
            })?;
            if entry
                .insert(key.to_owned(), value.trim().to_owned())
                .is_some()
            {
                return Err(error(format!("{key} is given twice")));
            }
        }
    }
    options
        .into_iter()
        .map(|(name, options)| resolver(name, &options, default_storage))
        .collect()
}

/// Our keys, and Traefik's spellings of them (`caServer`, `httpChallenge`, ...).
fn canonical_key(key: &str) -> Option<&'static str> {
    match key.to_ascii_lowercase().as_str() {
        "email" => Some("email"),
        "storage" => Some("storage"),
        "challenge" => Some("challenge"),
        "ca" | "caserver" => Some("ca"),
        "ca-root" | "caroot" | "ca_root" => Some("ca-root"),
        _ => None,
    }
}

fn resolver(
    name: String,
    options: &BTreeMap<String, String>,
    default_storage: &Path,
) -> Result<CertResolverSettings, TlsError> {
    let error = |reason: String| TlsError::Resolver {
        resolver: name.clone(),
        reason,
    };
    let email = match options.get("email") {
        None => None,
        Some(email) if valid_email(email) => Some(email.clone()),
        Some(email) => return Err(error(format!("email {email:?} is not an address"))),
    };
    let storage = match options.get("storage") {
        None => default_storage.to_owned(),
        Some(path) if path.is_empty() => return Err(error("storage is empty".into())),
        Some(path) => PathBuf::from(path),
    };
    let challenge = match options.get("challenge").map(|c| c.to_ascii_lowercase()) {
        None => ChallengeKind::Http01,
        Some(kind) => match kind.as_str() {
            "http" | "http-01" | "httpchallenge" => ChallengeKind::Http01,
            "tlsalpn" | "tls-alpn-01" | "tls" | "tlschallenge" => ChallengeKind::TlsAlpn01,
            "dns" | "dns-01" | "dnschallenge" => {
                return Err(error(
                    "DNS-01 is not supported; use challenge=http or challenge=tlsalpn".into(),
                ));
            }
            other => {
                return Err(error(format!(
                    "challenge {other:?}: use http (HTTP-01) or tlsalpn (TLS-ALPN-01)"
                )));
            }
        },
    };
    let ca = match options.get("ca").map(String::as_str) {
        None | Some("letsencrypt") => LETS_ENCRYPT.to_owned(),
        Some("letsencrypt-staging") => LETS_ENCRYPT_STAGING.to_owned(),
        Some(url) => {
            let parsed: http::Uri = url
                .parse()
                .map_err(|err| error(format!("ca {url:?} is not a URL: {err}")))?;
            if parsed.scheme_str() != Some("https") || parsed.host().is_none() {
                return Err(error(format!(
                    "ca {url:?} must be an https:// directory URL \
                     (or letsencrypt, letsencrypt-staging)"
                )));
            }
            url.to_owned()
        }
    };
    let ca_root = match options.get("ca-root") {
        None => None,
        Some(path) if path.is_empty() => return Err(error("ca-root is empty".into())),
        Some(path) => Some(PathBuf::from(path)),
    };
    Ok(CertResolverSettings {
        name,
        email,
        storage,
        challenge,
        ca,
        ca_root,
    })
}

fn valid_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !email.contains(char::is_whitespace)
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        }
        None => false,
    }
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
