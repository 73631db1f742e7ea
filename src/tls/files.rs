//! Certificates from files: `--tls-cert`/`--tls-key` pairs, directories of pairs (Swarm
//! secrets under `/run/secrets` among them) and the default certificate, re-read when they
//! change. A file that cannot be used is logged, naming it; the others keep serving, and a
//! pair that breaks keeps serving its last good version until it is fixed or removed.
//!
//! In a directory (hidden files and subdirectories are skipped, symlinks followed):
//! - `NAME.crt` + `NAME.key`: the chain (leaf first) and its key;
//! - `NAME.pem` + `NAME.key`: the same;
//! - `NAME.pem` alone: the chain and the key in one file;
//! - other files are not certificates and are ignored (a secrets directory holds more).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use super::TlsError;
use super::certificate::{Certificate, KeyPairError};
use super::store::{CertState, CertificateStore, DefaultOrigin, Record, Source};

/// A chain file and its key file (the same path for a combined `.pem`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PairFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Every certificate file setting.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CertificateFiles {
    pub pairs: Vec<PairFiles>,
    pub directories: Vec<PathBuf>,
    pub default: Option<PairFiles>,
}

/// Reads a pair; the error names the file at fault.
pub fn load_pair(pair: &PairFiles) -> Result<Certificate, TlsError> {
    let chain = std::fs::read(&pair.cert).map_err(|err| TlsError::file(&pair.cert, err))?;
    let key = if pair.key == pair.cert {
        chain.clone()
    } else {
        std::fs::read(&pair.key).map_err(|err| TlsError::file(&pair.key, err))?
    };
    Certificate::from_pem(&chain, &key).map_err(|err| match err {
        KeyPairError::Chain(reason) => TlsError::file(&pair.cert, reason),
        KeyPairError::Key(reason) => TlsError::file(&pair.key, reason),
        KeyPairError::Mismatch if pair.key == pair.cert => TlsError::file(&pair.key, err),
        KeyPairError::Mismatch => {
            TlsError::file(&pair.key, format!("{err} in {}", pair.cert.display()))
        }
    })
}

/// A directory's pairs, and the files that look like certificates but are not usable
/// (with why).
pub fn scan_directory(directory: &Path) -> (Vec<PairFiles>, Vec<(PathBuf, String)>) {
    let mut problems = Vec::new();
    let entries = match std::fs::read_dir(directory) {
        Ok(entries) => entries,
        Err(err) => {
            problems.push((directory.to_owned(), format!("cannot list: {err}")));
            return (Vec::new(), problems);
        }
    };
    #[derive(Default)]
    struct Stem {
        crt: Option<PathBuf>,
        pem: Option<PathBuf>,
        key: Option<PathBuf>,
    }
    let mut stems: BTreeMap<String, Stem> = BTreeMap::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
            continue;
        };
        if name.starts_with('.') || !std::fs::metadata(&path).is_ok_and(|meta| meta.is_file()) {
            continue;
        }
        let Some((stem, extension)) = name.rsplit_once('.') else {
            continue;
        };
        let slot = stems.entry(stem.to_owned()).or_default();
        match extension {
            "crt" => slot.crt = Some(path),
            "pem" => slot.pem = Some(path),
            "key" => slot.key = Some(path),
            _ => {}
        }
    }
    let mut pairs = Vec::new();
    for (stem, found) in stems {
        match (found.crt, found.pem, found.key) {
            (Some(cert), pem, Some(key)) => {
                if let Some(pem) = pem {
                    problems.push((pem, format!("ignored: {stem}.crt and {stem}.key are used")));
                }
                pairs.push(PairFiles { cert, key });
            }
            (None, Some(cert), Some(key)) => pairs.push(PairFiles { cert, key }),
            (None, Some(pem), None) => pairs.push(PairFiles {
                cert: pem.clone(),
                key: pem,
            }),
            (Some(cert), _, None) => {
                problems.push((cert, format!("no {stem}.key next to it")));
            }
            (None, None, Some(key)) => {
                problems.push((key, format!("no {stem}.crt or {stem}.pem next to it")));
            }
            (None, None, None) => {}
        }
    }
    (pairs, problems)
}

/// Modification time and size of each file involved: a change triggers a reload.
type Fingerprint = Vec<(PathBuf, Option<(SystemTime, u64)>)>;

fn fingerprint_of(paths: impl IntoIterator<Item = PathBuf>) -> Fingerprint {
    let mut printed: Fingerprint = paths
        .into_iter()
        .map(|path| {
            let stat = std::fs::metadata(&path)
                .ok()
                .and_then(|meta| Some((meta.modified().ok()?, meta.len())));
            (path, stat)
        })
        .collect();
    printed.sort();
    printed.dedup();
    printed
}

/// Loads the files into the store, and again whenever they change.
pub struct CertificateFileWatcher {
    files: CertificateFiles,
    store: Arc<CertificateStore>,
    last_good: HashMap<PairFiles, Certificate>,
    seen: Option<Fingerprint>,
}

impl CertificateFileWatcher {
    pub fn new(files: CertificateFiles, store: Arc<CertificateStore>) -> CertificateFileWatcher {
        CertificateFileWatcher {
            files,
            store,
            last_good: HashMap::new(),
            seen: None,
        }
    }

    /// Every pair the settings name now, and the directories' problems.
    fn discover(&self) -> (Vec<PairFiles>, Vec<(PathBuf, String)>) {
        let mut pairs = self.files.pairs.clone();
        let mut problems = Vec::new();
        for directory in &self.files.directories {
            let (found, trouble) = scan_directory(directory);
            pairs.extend(found);
            problems.extend(trouble);
        }
        (pairs, problems)
    }

    /// Reloads when a file changed since the last call (always, the first time); returns
    /// whether it did.
    pub fn reload_if_changed(&mut self) -> bool {
        let (pairs, problems) = self.discover();
        let paths = pairs
            .iter()
            .chain(self.files.default.as_ref())
            .flat_map(|pair| [pair.cert.clone(), pair.key.clone()])
            .chain(problems.iter().map(|(path, _)| path.clone()))
            .chain(self.files.directories.iter().cloned());
        let fingerprint = fingerprint_of(paths);
        if self.seen.as_ref() == Some(&fingerprint) {
            return false;
        }
        self.seen = Some(fingerprint);
        self.load(&pairs, problems);
        true
    }

    fn load(&mut self, pairs: &[PairFiles], problems: Vec<(PathBuf, String)>) {
        let mut records = Vec::new();
        let mut good = HashMap::new();
        for pair in pairs {
            match load_pair(pair) {
                Ok(certificate) => {
                    records.push(record(pair, Some(certificate.clone()), None));
                    good.insert(pair.clone(), certificate);
                }
                Err(err) => {
                    // A pair whose file was removed is gone, not broken: nothing to keep.
                    let gone = !pair.cert.exists() || !pair.key.exists();
                    let previous = if gone {
                        None
                    } else {
                        self.last_good.get(pair).cloned()
                    };
                    match &previous {
                        Some(_) => {
                            error!(error = %err, "certificate not reloaded; serving its previous version")
                        }
                        None => error!(error = %err, "certificate not loaded"),
                    }
                    if let Some(previous) = &previous {
                        good.insert(pair.clone(), previous.clone());
                    }
                    records.push(record(pair, previous, Some(err.to_string())));
                }
            }
        }
        for (path, problem) in problems {
            warn!(file = %path.display(), problem = %problem, "certificate file not used");
            records.push(Record {
                domain: stem_of(&path),
                sans: Vec::new(),
                certificate: None,
                state: CertState::Failed,
                last_error: Some(format!("{}: {problem}", path.display())),
                file: Some(path),
            });
        }
        let served = good.len();
        self.last_good = good;
        self.store.publish(Source::Files, records);
        if let Some(default) = &self.files.default {
            match load_pair(default) {
                Ok(certificate) => self
                    .store
                    .set_default(certificate, DefaultOrigin::File(default.cert.clone())),
                Err(err) => {
                    error!(error = %err, "default certificate not loaded; keeping the one served")
                }
            }
        }
        info!(certificates = served, "certificate files loaded");
    }

    /// Polls the files every `interval` until `shutdown`.
    pub async fn watch(mut self, interval: Duration, shutdown: CancellationToken) {
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(interval) => {}
            }
            self.reload_if_changed();
        }
    }
}

fn record(pair: &PairFiles, certificate: Option<Certificate>, error: Option<String>) -> Record {
    let mut names = certificate
        .as_ref()
        .map(|c| c.facts.names.clone())
        .unwrap_or_default()
        .into_iter();
    Record {
        domain: names.next().unwrap_or_else(|| stem_of(&pair.cert)),
        sans: names.collect(),
        certificate,
        state: if error.is_some() {
            CertState::Failed
        } else {
            CertState::Valid
        },
        last_error: error,
        file: Some(pair.cert.clone()),
    }
}

fn stem_of(path: &Path) -> String {
    path.file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
#[path = "files_tests.rs"]
mod tests;
