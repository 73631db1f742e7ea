//! The ACME manager: routers say which domains each resolver must cover ([`AcmeManager::want`]);
//! one task orders what is missing, renews what is due, retries failures with backoff and
//! jitter, persists everything, and publishes the certificates into the store. Ordering never
//! blocks serving: until a certificate exists the default one answers, and one failing
//! domain set never holds up another.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use super::account::Resolver;
use super::challenges::Challenges;
use super::domains::DomainSet;
use super::order::{Issued, Polling, order};
use super::plan::{Decision, Held, Track, decide, records};
use super::schedule::retry_delay;
use super::settings::CertResolverSettings;
use super::storage::{CertificateRecord, Storage};
use crate::tls::certificate::{Certificate, unix_millis};
use crate::tls::stats::TlsStats;
use crate::tls::store::{CertificateStore, Source};
use crate::tls::{TlsError, provider};

/// Timing the manager needs; the defaults are in `config::defaults`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AcmeTiming {
    /// The first retry delay after a failed order; doubled per failure up to `retry_max`.
    pub retry_min: Duration,
    pub retry_max: Duration,
    /// One whole order, account included.
    pub order_timeout: Duration,
    /// Validation and issuance polling.
    pub poll_initial_delay: Duration,
    pub poll_timeout: Duration,
    /// Orders in flight at once, over all resolvers.
    pub max_concurrent_orders: usize,
}

/// Even a far-off renewal is re-checked this often (clocks jump, machines sleep).
const LONGEST_SLEEP: Duration = Duration::from_secs(3600);

#[derive(Default)]
struct ResolverState {
    held: Vec<Held>,
    tracks: HashMap<DomainSet, Track>,
}

struct Inner {
    resolvers: BTreeMap<String, Resolver>,
    state: Mutex<BTreeMap<String, ResolverState>>,
    wanted: watch::Sender<BTreeMap<String, Vec<DomainSet>>>,
    store: Arc<CertificateStore>,
    challenges: Arc<Challenges>,
    stats: Arc<TlsStats>,
    timing: AcmeTiming,
}

#[derive(Clone)]
pub struct AcmeManager {
    inner: Arc<Inner>,
}

struct Outcome {
    resolver: String,
    domains: DomainSet,
    result: Result<Issued, TlsError>,
}

impl AcmeManager {
    /// Reads each resolver's storage and serves the certificates found there at once.
    pub fn new(
        settings: Vec<CertResolverSettings>,
        store: Arc<CertificateStore>,
        challenges: Arc<Challenges>,
        stats: Arc<TlsStats>,
        timing: AcmeTiming,
    ) -> Result<AcmeManager, TlsError> {
        let mut storages: HashMap<PathBuf, Arc<Storage>> = HashMap::new();
        let mut resolvers = BTreeMap::new();
        let mut state = BTreeMap::new();
        for settings in settings {
            let storage = match storages.get(&settings.storage) {
                Some(storage) => storage.clone(),
                None => {
                    let storage = Arc::new(Storage::open(&settings.storage)?);
                    storages.insert(settings.storage.clone(), storage.clone());
                    storage
                }
            };
            let held = stored_certificates(&settings.name, &storage);
            info!(resolver = %settings.name, certificates = held.len(), storage = %storage.path().display(), "ACME resolver ready");
            state.insert(
                settings.name.clone(),
                ResolverState {
                    held,
                    tracks: HashMap::new(),
                },
            );
            let resolver = Resolver::new(settings, storage)?;
            resolvers.insert(resolver.settings.name.clone(), resolver);
        }
        let manager = AcmeManager {
            inner: Arc::new(Inner {
                resolvers,
                state: Mutex::new(state),
                wanted: watch::Sender::new(BTreeMap::new()),
                store,
                challenges,
                stats,
                timing,
            }),
        };
        manager.plan(&mut JoinSet::new(), false);
        Ok(manager)
    }

    pub fn challenges(&self) -> Arc<Challenges> {
        self.inner.challenges.clone()
    }

    /// The domain sets `resolver` must cover from now on (replacing the previous ones).
    pub fn want(&self, resolver: &str, domains: Vec<DomainSet>) -> Result<(), TlsError> {
        if !self.inner.resolvers.contains_key(resolver) {
            return Err(TlsError::UnknownResolver(resolver.to_owned()));
        }
        self.inner.wanted.send_modify(|wanted| {
            wanted.insert(resolver.to_owned(), domains);
        });
        Ok(())
    }

    /// Orders, renews and retries until `shutdown`; orders in flight are then abandoned.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut wanted = self.inner.wanted.subscribe();
        let mut orders: JoinSet<Outcome> = JoinSet::new();
        loop {
            let wake = self.plan(&mut orders, true);
            tokio::select! {
                () = shutdown.cancelled() => {
                    orders.abort_all();
                    return;
                }
                _ = wanted.changed() => {}
                Some(done) = orders.join_next(), if !orders.is_empty() => match done {
                    Ok(outcome) => self.finish(outcome),
                    Err(err) => error!(error = %err, "an ACME order task failed"),
                },
                () = tokio::time::sleep_until(wake.into()) => {}
            }
        }
    }

    /// Decides for every wanted set, starts the orders that are due (when `start`), publishes
    /// the records; returns when to look again.
    fn plan(&self, orders: &mut JoinSet<Outcome>, start: bool) -> Instant {
        let now = SystemTime::now();
        let mut wake = Instant::now() + LONGEST_SLEEP;
        let wanted = self.inner.wanted.borrow().clone();
        let mut states = self
            .inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut in_flight: usize = states
            .values()
            .map(|state| {
                state
                    .tracks
                    .values()
                    .filter(|track| track.in_flight)
                    .count()
            })
            .sum();
        for (name, resolver) in &self.inner.resolvers {
            let state = states.entry(name.clone()).or_default();
            let sets = wanted.get(name).cloned().unwrap_or_default();
            state
                .tracks
                .retain(|set, track| track.in_flight || sets.contains(set));
            let expired_unwanted = |held: &Held| {
                held.certificate.facts.not_after <= now
                    && !sets.iter().any(|set| set == &held.domains)
            };
            if state.held.iter().any(expired_unwanted) {
                state.held.retain(|held| !expired_unwanted(held));
                self.save_certificates(resolver, &state.held);
            }
            let mut decisions = Vec::new();
            for set in &sets {
                let track = state.tracks.entry(set.clone()).or_default();
                let files_cover = self.inner.store.files_cover(&set.names(), now);
                let mut decision = decide(
                    set,
                    &state.held,
                    track,
                    resolver.settings.challenge,
                    files_cover,
                    now,
                );
                match decision {
                    Decision::WaitUntil(at) => {
                        let after = at.duration_since(now).unwrap_or(Duration::ZERO);
                        wake = wake.min(Instant::now() + after);
                    }
                    Decision::Order { renewing }
                        if start && in_flight < self.inner.timing.max_concurrent_orders =>
                    {
                        in_flight += 1;
                        track.in_flight = true;
                        info!(resolver = %name, domains = %set, renewing, "ordering a certificate");
                        orders.spawn(ordered(self.inner.clone(), name.clone(), set.clone()));
                        decision = Decision::InFlight;
                    }
                    _ => {}
                }
                decisions.push((set.clone(), decision));
            }
            let published = records(&state.held, &decisions, &state.tracks);
            self.inner
                .store
                .publish(Source::Acme(name.clone()), published);
        }
        wake
    }

    fn finish(&self, outcome: Outcome) {
        let Outcome {
            resolver: name,
            domains,
            result,
        } = outcome;
        let Some(resolver) = self.inner.resolvers.get(&name) else {
            return;
        };
        let mut states = self
            .inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let state = states.entry(name.clone()).or_default();
        let track = state.tracks.entry(domains.clone()).or_default();
        track.in_flight = false;
        match result {
            Ok(issued) => {
                self.inner
                    .stats
                    .acme_orders_succeeded
                    .fetch_add(1, Ordering::Relaxed);
                *track = Track::default();
                info!(
                    resolver = %name,
                    domains = %domains,
                    not_after = unix_millis(issued.certificate.facts.not_after),
                    "certificate issued"
                );
                state.held.retain(|held| held.domains != domains);
                state.held.push(Held {
                    domains: domains.clone(),
                    certificate: issued.certificate,
                });
                if let Err(err) = resolver.storage.update(&name, |record| {
                    record.certificates.retain(|stored| {
                        stored.main != domains.main() || stored.sans != domains.sans()
                    });
                    record.certificates.push(CertificateRecord {
                        main: domains.main().to_owned(),
                        sans: domains.sans().to_vec(),
                        certificate: issued.chain_pem,
                        key: issued.key_pem,
                    });
                }) {
                    error!(error = %err, "certificate served but not stored; it will be ordered again after a restart");
                }
            }
            Err(err) => {
                self.inner
                    .stats
                    .acme_orders_failed
                    .fetch_add(1, Ordering::Relaxed);
                track.failures += 1;
                let timing = &self.inner.timing;
                let delay =
                    retry_delay(track.failures, timing.retry_min, timing.retry_max, jitter());
                track.retry_at = Some(SystemTime::now() + delay);
                track.last_error = Some(err.to_string());
                warn!(
                    resolver = %name,
                    domains = %domains,
                    error = %err,
                    failures = track.failures,
                    retry_in = ?delay,
                    "certificate order failed"
                );
            }
        }
    }

    fn save_certificates(&self, resolver: &Resolver, held: &[Held]) {
        let kept: Vec<DomainSet> = held.iter().map(|held| held.domains.clone()).collect();
        let saved = resolver.storage.update(&resolver.settings.name, |record| {
            record.certificates.retain(|stored| {
                kept.iter()
                    .any(|set| set.main() == stored.main && set.sans() == stored.sans)
            });
        });
        if let Err(err) = saved {
            error!(error = %err, "expired certificates not removed from storage");
        }
    }
}

/// One order in its own task, under the order deadline.
async fn ordered(inner: Arc<Inner>, name: String, domains: DomainSet) -> Outcome {
    let result = match inner.resolvers.get(&name) {
        None => Err(TlsError::UnknownResolver(name.clone())),
        Some(resolver) => {
            let timing = inner.timing;
            let attempt = async {
                let account = resolver.account().await?;
                let polling = Polling {
                    initial_delay: timing.poll_initial_delay,
                    timeout: timing.poll_timeout,
                };
                let issued = order(
                    &account,
                    &domains,
                    resolver.settings.challenge,
                    inner.challenges.clone(),
                    polling,
                )
                .await;
                if let Err(err) = &issued
                    && err.to_string().contains("accountDoesNotExist")
                {
                    resolver.forget_account().await;
                }
                issued
            };
            match tokio::time::timeout(timing.order_timeout, attempt).await {
                Ok(result) => result,
                Err(_) => Err(TlsError::acme(
                    "order",
                    format!("not finished within {:?}", timing.order_timeout),
                )),
            }
        }
    };
    Outcome {
        resolver: name,
        domains,
        result,
    }
}

/// The certificates in storage that still load; the others are logged and left out.
fn stored_certificates(name: &str, storage: &Storage) -> Vec<Held> {
    let mut held = Vec::new();
    for record in storage.resolver(name).certificates {
        let domains = DomainSet::new(&record.main, &record.sans);
        let certificate =
            Certificate::from_pem(record.certificate.as_bytes(), record.key.as_bytes());
        match (domains, certificate) {
            (Ok(domains), Ok(certificate)) => held.push(Held {
                domains,
                certificate,
            }),
            (Err(err), _) => {
                error!(storage = %storage.path().display(), resolver = %name, error = %err, "stored certificate skipped")
            }
            (_, Err(err)) => {
                error!(storage = %storage.path().display(), resolver = %name, domain = %record.main, error = %err, "stored certificate skipped")
            }
        }
    }
    held
}

/// A uniform number in `[0, 1)` from the crypto provider's random source.
fn jitter() -> f64 {
    let mut bytes = [0u8; 4];
    if provider().secure_random.fill(&mut bytes).is_err() {
        return 0.5;
    }
    f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0)
}
