//! The ACME storage file: per resolver, the account's credentials and each certificate with
//! its key, as JSON. Written atomically (a temporary file in the same directory, mode 0600,
//! synced, then renamed over the old one), so a crash leaves the old file or the new one.
//!
//! ```json
//! { "version": 1,
//!   "resolvers": { "le": {
//!     "account": { "directory": "https://...", "email": "ops@example.com",
//!                  "credentials": { "id": "...", "key_pkcs8": "...", "directory": "..." } },
//!     "certificates": [ { "main": "example.com", "sans": ["www.example.com"],
//!                         "certificate": "-----BEGIN CERTIFICATE-----...", "key": "-----BEGIN PRIVATE KEY-----..." } ] } } }
//! ```
//!
//! Not Traefik's `acme.json` layout: its account key and base64 fields differ; pointing both
//! at one file is not supported.

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};
use tracing::warn;

use crate::tls::TlsError;

pub const STORAGE_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageDocument {
    pub version: u32,
    #[serde(default)]
    pub resolvers: BTreeMap<String, ResolverRecord>,
}

impl Default for StorageDocument {
    fn default() -> Self {
        StorageDocument {
            version: STORAGE_VERSION,
            resolvers: BTreeMap::new(),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolverRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<AccountRecord>,
    #[serde(default)]
    pub certificates: Vec<CertificateRecord>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountRecord {
    /// The directory the account belongs to: another `ca` means another account.
    pub directory: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// instant-acme's `AccountCredentials`, kept as it serialises them.
    pub credentials: serde_json::Value,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateRecord {
    pub main: String,
    #[serde(default)]
    pub sans: Vec<String>,
    /// PEM, leaf first.
    pub certificate: String,
    /// PEM (PKCS#8).
    pub key: String,
}

impl StorageDocument {
    pub fn from_json(text: &str) -> Result<StorageDocument, String> {
        let document: StorageDocument =
            serde_json::from_str(text).map_err(|err| format!("not valid storage JSON: {err}"))?;
        if document.version != STORAGE_VERSION {
            return Err(format!(
                "version {} is not {STORAGE_VERSION}, the one this hawser writes",
                document.version
            ));
        }
        Ok(document)
    }

    pub fn to_json(&self) -> String {
        // A document of strings and maps always serialises.
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }
}

/// One storage file, shared by the resolvers that name it.
#[derive(Debug)]
pub struct Storage {
    path: PathBuf,
    document: Mutex<StorageDocument>,
}

impl Storage {
    /// Reads the file; a missing one is an empty document. One that does not parse is an
    /// error rather than something to overwrite: it holds account keys.
    pub fn open(path: &Path) -> Result<Storage, TlsError> {
        let error = |reason: String| TlsError::Storage {
            path: path.to_owned(),
            reason,
        };
        let document = match std::fs::read_to_string(path) {
            Ok(text) => {
                if let Ok(meta) = std::fs::metadata(path)
                    && meta.permissions().mode() & 0o077 != 0
                {
                    warn!(
                        path = %path.display(),
                        mode = format!("{:o}", meta.permissions().mode() & 0o777),
                        "ACME storage is readable by others; it is rewritten with mode 0600"
                    );
                }
                StorageDocument::from_json(&text).map_err(error)?
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => StorageDocument::default(),
            Err(err) => return Err(error(err.to_string())),
        };
        Ok(Storage {
            path: path.to_owned(),
            document: Mutex::new(document),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn resolver(&self, name: &str) -> ResolverRecord {
        self.document
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .resolvers
            .get(name)
            .cloned()
            .unwrap_or_default()
    }

    /// Changes one resolver's record and writes the whole file.
    pub fn update(
        &self,
        name: &str,
        change: impl FnOnce(&mut ResolverRecord),
    ) -> Result<(), TlsError> {
        let mut document = self.document.lock().unwrap_or_else(PoisonError::into_inner);
        change(document.resolvers.entry(name.to_owned()).or_default());
        write_atomically(&self.path, document.to_json().as_bytes()).map_err(|err| {
            TlsError::Storage {
                path: self.path.clone(),
                reason: format!("cannot write: {err}"),
            }
        })
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = directory.join(format!(".{name}.tmp-{}", std::process::id()));
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temporary)?;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)?;
        std::fs::File::open(&directory)?.sync_all()
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

#[cfg(test)]
#[path = "storage_tests.rs"]
mod tests;
