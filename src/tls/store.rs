//! The certificates hawser serves, by name: each source (the certificate files, each ACME
//! resolver) publishes its whole set at once, and the store swaps in a new immutable
//! [`Snapshot`] that handshakes read without locking. A handshake in progress keeps the
//! snapshot it loaded; nothing is ever torn down under it.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use arc_swap::ArcSwap;
use rustls::sign::CertifiedKey;
use serde::Serialize;

use super::certificate::{Certificate, normalize_name, unix_millis};

/// Names to values: exact names, then one-label wildcards (`*.example.com` answers for
/// `a.example.com`, not for `example.com` or `a.b.example.com`).
#[derive(Clone, Debug)]
pub struct NameMap<T> {
    exact: HashMap<String, T>,
    /// Keyed by the parent: `example.com` for `*.example.com`.
    wildcard: HashMap<String, T>,
}

/// How a name found its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Match {
    Exact,
    Wildcard,
    /// No name matched, or the client sent no SNI.
    Default,
}

impl<T> Default for NameMap<T> {
    fn default() -> Self {
        NameMap {
            exact: HashMap::new(),
            wildcard: HashMap::new(),
        }
    }
}

impl<T> NameMap<T> {
    /// Files `value` under `name` (`*.parent` for a wildcard) unless the name already has
    /// one: the first insert wins, so callers insert in order of preference.
    pub fn insert_if_absent(&mut self, name: &str, value: T) -> bool {
        let name = normalize_name(name);
        let map = match name.strip_prefix("*.") {
            Some(parent) => (&mut self.wildcard, parent.to_owned()),
            None => (&mut self.exact, name),
        };
        match map.0.entry(map.1) {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(value);
                true
            }
        }
    }

    /// The value for a host name: exact first, then the wildcard of its parent.
    pub fn lookup(&self, name: &str) -> Option<(&T, Match)> {
        let name = normalize_name(name);
        if let Some(value) = self.exact.get(&name) {
            return Some((value, Match::Exact));
        }
        let (label, parent) = name.split_once('.')?;
        if label.is_empty() {
            return None;
        }
        self.wildcard
            .get(parent)
            .map(|value| (value, Match::Wildcard))
    }

    pub fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.wildcard.is_empty()
    }
}

/// What a handshake reads: certificates by name and the default one.
#[derive(Debug)]
pub struct Snapshot {
    names: NameMap<Arc<CertifiedKey>>,
    default: Arc<CertifiedKey>,
}

impl Snapshot {
    /// The certificate for a ClientHello's SNI: by name, else the default.
    pub fn select(&self, sni: Option<&str>) -> (Arc<CertifiedKey>, Match) {
        match sni.and_then(|name| self.names.lookup(name)) {
            Some((certified, how)) => (certified.clone(), how),
            None => (self.default.clone(), Match::Default),
        }
    }
}

/// Who published a set of certificates. The order is the preference when two sources hold a
/// certificate for the same name: an operator's files before any ACME resolver.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    Files,
    Acme(String),
}

impl Source {
    /// As the operator data names it: `file`, or the resolver's name.
    pub fn label(&self) -> &str {
        match self {
            Source::Files => "file",
            Source::Acme(name) => name,
        }
    }
}

/// One certificate a source holds or wants, with its state; `certificate` is `None` while
/// it is being ordered or failed to load.
#[derive(Clone, Debug)]
pub struct Record {
    pub domain: String,
    pub sans: Vec<String>,
    pub certificate: Option<Certificate>,
    pub state: CertState,
    pub last_error: Option<String>,
    /// The file it was read from, for certificate files.
    pub file: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CertState {
    Valid,
    /// Wanted, not issued yet: the default certificate answers meanwhile.
    Ordering,
    /// Served, and a new one is being ordered.
    Renewing,
    /// The last attempt failed (`last_error`); a certificate still served is the previous one.
    Failed,
    /// Served though past its `not_after` (a file nobody replaced).
    Expired,
}

/// Where the default certificate came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DefaultOrigin {
    File(PathBuf),
    Generated,
}

/// One row of operator data, as the admin API will show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CertificateInfo {
    pub domain: String,
    pub sans: Vec<String>,
    pub issuer: Option<String>,
    /// Unix milliseconds.
    pub not_after: Option<u64>,
    /// `file`, `default` or the certificate resolver's name.
    pub resolver: String,
    pub file: Option<PathBuf>,
    pub state: CertState,
    pub last_error: Option<String>,
}

struct Sources {
    published: BTreeMap<Source, Vec<Record>>,
    default: (Certificate, DefaultOrigin),
}

pub struct CertificateStore {
    snapshot: ArcSwap<Snapshot>,
    sources: Mutex<Sources>,
}

impl CertificateStore {
    pub fn new(default: Certificate, origin: DefaultOrigin) -> CertificateStore {
        let sources = Sources {
            published: BTreeMap::new(),
            default: (default, origin),
        };
        let snapshot = build(&sources, SystemTime::now());
        CertificateStore {
            snapshot: ArcSwap::from_pointee(snapshot),
            sources: Mutex::new(sources),
        }
    }

    /// Replaces everything `source` published before.
    pub fn publish(&self, source: Source, records: Vec<Record>) {
        self.update(|sources| {
            sources.published.insert(source, records);
        });
    }

    pub fn set_default(&self, certificate: Certificate, origin: DefaultOrigin) {
        self.update(|sources| sources.default = (certificate, origin));
    }

    fn update(&self, change: impl FnOnce(&mut Sources)) {
        let mut sources = self.sources.lock().unwrap_or_else(PoisonError::into_inner);
        change(&mut sources);
        self.snapshot
            .store(Arc::new(build(&sources, SystemTime::now())));
    }

    /// The current snapshot, for one handshake.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.load_full()
    }

    /// Whether certificate files (not ACME) hold an unexpired certificate for every name:
    /// then no resolver needs to order one (as Traefik checks its store first).
    pub fn files_cover(&self, names: &[String], now: SystemTime) -> bool {
        let sources = self.sources.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(records) = sources.published.get(&Source::Files) else {
            return false;
        };
        let served: Vec<&Certificate> = records
            .iter()
            .filter_map(|record| record.certificate.as_ref())
            .filter(|certificate| certificate.facts.not_after > now)
            .collect();
        !names.is_empty()
            && names
                .iter()
                .all(|name| served.iter().any(|certificate| certificate.covers(name)))
    }

    /// Every certificate and every wanted one, by source, then the default.
    pub fn report(&self, now: SystemTime) -> Vec<CertificateInfo> {
        let sources = self.sources.lock().unwrap_or_else(PoisonError::into_inner);
        let mut rows = Vec::new();
        for (source, records) in &sources.published {
            for record in records {
                let facts = record.certificate.as_ref().map(|c| c.facts.clone());
                let expired = facts.as_ref().is_some_and(|facts| facts.not_after <= now);
                rows.push(CertificateInfo {
                    domain: record.domain.clone(),
                    sans: record.sans.clone(),
                    issuer: facts.as_ref().map(|facts| facts.issuer.clone()),
                    not_after: facts.as_ref().map(|facts| unix_millis(facts.not_after)),
                    resolver: source.label().to_owned(),
                    file: record.file.clone(),
                    state: match record.state {
                        CertState::Valid if expired => CertState::Expired,
                        state => state,
                    },
                    last_error: record.last_error.clone(),
                });
            }
        }
        let (default, origin) = &sources.default;
        let mut names = default.facts.names.iter().cloned();
        rows.push(CertificateInfo {
            domain: names.next().unwrap_or_default(),
            sans: names.collect(),
            issuer: Some(default.facts.issuer.clone()),
            not_after: Some(unix_millis(default.facts.not_after)),
            resolver: "default".into(),
            file: match origin {
                DefaultOrigin::File(path) => Some(path.clone()),
                DefaultOrigin::Generated => None,
            },
            state: if default.facts.not_after <= now {
                CertState::Expired
            } else {
                CertState::Valid
            },
            last_error: None,
        });
        rows
    }
}

/// Certificates and keys are not printed.
impl std::fmt::Debug for CertificateStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateStore").finish_non_exhaustive()
    }
}

/// Unexpired before expired, then sources in order, then the latest `not_after`: each name
/// goes to the first certificate that has it.
fn build(sources: &Sources, now: SystemTime) -> Snapshot {
    let mut candidates: Vec<(&Source, &Certificate)> = sources
        .published
        .iter()
        .flat_map(|(source, records)| {
            records
                .iter()
                .filter_map(move |record| record.certificate.as_ref().map(|c| (source, c)))
        })
        .collect();
    candidates.sort_by(|(source_a, a), (source_b, b)| {
        let expired = |c: &Certificate| c.facts.not_after <= now;
        expired(a)
            .cmp(&expired(b))
            .then_with(|| source_a.cmp(source_b))
            .then_with(|| b.facts.not_after.cmp(&a.facts.not_after))
    });
    let mut names = NameMap::default();
    for (_, certificate) in candidates {
        for name in &certificate.facts.names {
            names.insert_if_absent(name, certificate.certified.clone());
        }
    }
    Snapshot {
        names,
        default: sources.default.0.certified.clone(),
    }
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
