//! Counters that outlive routing tables, and the passive health they imply.
//!
//! Routes and backends in a table hold `Arc`s to these, found by name in the registry when the
//! table is built, so counts survive table swaps and the request path only touches atomics.
//! [`Traffic`] holds the totals that belong to no route.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

#[path = "stats_health.rs"]
pub mod health;

pub use health::ActiveHealth;

/// A backend failing again and again rests at most `2^MAX_REST_DOUBLINGS` cooldowns (32 s with
/// the default 1 s): long enough to stop paying for a node that is gone, short enough to take
/// one back soon after Swarm does.
pub const MAX_REST_DOUBLINGS: u32 = 5;

/// Upper bounds of the latency histogram buckets, in seconds (Prometheus `le`).
pub const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// Counts for one route.
#[derive(Debug, Default)]
pub struct RouteStats {
    /// Responses by status class: index 0 is 1xx ... index 4 is 5xx.
    pub responses: [AtomicU64; 5],
    pub latency: Histogram,
}

/// Counts for one backend (a task address), and its passive health: an attempt that got no
/// response and cost time (timed out, broke) makes the backend rest (selection passes it
/// over) until a cooldown has passed or it answers again. Each further such failure without
/// an answer in between doubles the rest, up to [`MAX_REST_DOUBLINGS`] times, as Envoy's
/// outlier ejection grows: a node that is gone costs a few slow attempts, not one a second.
#[derive(Debug, Default)]
pub struct BackendStats {
    /// The last attempt got no response (whatever it cost): what operators see as down.
    down: AtomicBool,
    /// When the last attempt without a response failed (see [`clock_millis`]); 0 once one
    /// got a response.
    failed_at: AtomicU64,
    /// Failures that cost time since the last response.
    costly_failures: AtomicU32,
    pub requests: AtomicU64,
    /// Attempts that got no response: refused, reset, timed out.
    pub failures: AtomicU64,
    /// Responses with a 5xx status from the backend itself.
    pub server_errors: AtomicU64,
    /// Exponentially weighted moving average of response time, in microseconds.
    pub latency_ewma_micros: AtomicU64,
    /// What its balancer's active health check last found, if it has one.
    pub health: ActiveHealth,
}

/// A fixed-bucket latency histogram.
#[derive(Debug, Default)]
pub struct Histogram {
    /// Non-cumulative counts; the last slot is `+Inf`.
    pub buckets: [AtomicU64; LATENCY_BUCKETS.len() + 1],
    pub sum_micros: AtomicU64,
    pub count: AtomicU64,
}

impl RouteStats {
    pub fn record(&self, status: u16, elapsed: Duration) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.responses[class].fetch_add(1, Ordering::Relaxed);
        self.latency.observe(elapsed);
    }

    pub fn total(&self) -> u64 {
        self.responses
            .iter()
            .map(|count| count.load(Ordering::Relaxed))
            .sum()
    }
}

impl BackendStats {
    /// An attempt got no response (refused, reset, timed out); with `rest`, the backend rests
    /// from now.
    pub fn record_failure(&self, rest: bool) {
        self.failures.fetch_add(1, Ordering::Relaxed);
        self.down.store(true, Ordering::Relaxed);
        if rest {
            self.costly_failures.fetch_add(1, Ordering::Relaxed);
            self.failed_at.store(clock_millis(), Ordering::Relaxed);
        }
    }

    /// The backend answered (with any status): it is up again.
    pub fn record_response(&self, status: u16, elapsed: Duration) {
        if self.failed_at.load(Ordering::Relaxed) != 0 {
            self.failed_at.store(0, Ordering::Relaxed);
            self.costly_failures.store(0, Ordering::Relaxed);
        }
        if self.down.load(Ordering::Relaxed) {
            self.down.store(false, Ordering::Relaxed);
        }
        if status >= 500 {
            self.server_errors.fetch_add(1, Ordering::Relaxed);
        }
        self.record_latency(elapsed);
    }

    /// Whether the last attempt got a response (passive: true until one fails).
    pub fn is_up(&self) -> bool {
        !self.down.load(Ordering::Relaxed)
    }

    /// Whether the backend is resting: it failed less than its rest ago (`cooldown`, doubled
    /// for each further failure) and has not answered since. One atomic load while it is
    /// healthy.
    pub fn is_resting(&self, cooldown: Duration) -> bool {
        let failed_at = self.failed_at.load(Ordering::Relaxed);
        failed_at != 0
            && u128::from(clock_millis().saturating_sub(failed_at))
                < self.rest(cooldown).as_millis()
    }

    /// How long the backend rests after its last failure.
    pub fn rest(&self, cooldown: Duration) -> Duration {
        let doublings = self
            .costly_failures
            .load(Ordering::Relaxed)
            .saturating_sub(1)
            .min(MAX_REST_DOUBLINGS);
        cooldown.saturating_mul(1 << doublings)
    }

    /// Records a response's time; the average follows the last ~10 responses.
    fn record_latency(&self, elapsed: Duration) {
        let sample = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        let _ = self.latency_ewma_micros.fetch_update(
            Ordering::Relaxed,
            Ordering::Relaxed,
            |average| {
                Some(if average == 0 {
                    sample
                } else {
                    (average * 9 + sample) / 10
                })
            },
        );
    }
}

/// Milliseconds on a monotonic clock that starts at 1 (0 means "never").
fn clock_millis() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    let start = *START.get_or_init(Instant::now);
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1
}

/// The histogram bucket a duration falls in (the last one is `+Inf`).
fn bucket_of(elapsed: Duration) -> usize {
    let seconds = elapsed.as_secs_f64();
    LATENCY_BUCKETS
        .iter()
        .position(|&bound| seconds <= bound)
        .unwrap_or(LATENCY_BUCKETS.len())
}

impl Histogram {
    pub fn observe(&self, elapsed: Duration) {
        self.buckets[bucket_of(elapsed)].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }
}

/// A histogram for a single writer (discovery refreshes): plain numbers, copied with its owner.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Observations {
    /// Non-cumulative counts; the last slot is `+Inf`.
    pub buckets: [u64; LATENCY_BUCKETS.len() + 1],
    pub sum_seconds: f64,
    pub count: u64,
}

impl Observations {
    pub fn observe(&mut self, elapsed: Duration) {
        self.buckets[bucket_of(elapsed)] += 1;
        self.sum_seconds += elapsed.as_secs_f64();
        self.count += 1;
    }
}

/// Totals that belong to no route: client connections, requests, upstream connections.
#[derive(Debug, Default)]
pub struct Traffic {
    pub connections_open: AtomicU64,
    pub connections_accepted: AtomicU64,
    /// Requests received, by the entry point they came in on.
    pub requests: PerEntryPoint,
    /// Requests no route matched (answered 404).
    pub unmatched: RouteStats,
    /// Connections opened to backends by every worker (attempts minus these reused one).
    pub upstream_connections_opened: PerWorker,
}

/// A counter each proxy worker adds to in a cache line of its own, so the request path never
/// writes a line another worker writes too. Read by summing.
#[derive(Debug, Default)]
pub struct PerWorker {
    slots: [Slot; 16],
}

#[derive(Debug, Default)]
#[repr(align(64))]
struct Slot(AtomicU64);

impl PerWorker {
    pub fn add(&self, worker: usize) {
        self.slots[worker % self.slots.len()]
            .0
            .fetch_add(1, Ordering::Relaxed);
    }

    pub fn total(&self) -> u64 {
        self.slots
            .iter()
            .map(|slot| slot.0.load(Ordering::Relaxed))
            .sum()
    }
}

impl Traffic {
    /// Counters for `entry_points` entry points.
    pub fn new(entry_points: usize) -> Self {
        Traffic {
            requests: PerEntryPoint::new(entry_points),
            ..Traffic::default()
        }
    }
}

/// A [`PerWorker`] counter for each entry point, by its position in the configured list.
#[derive(Debug, Default)]
pub struct PerEntryPoint {
    counters: Box<[PerWorker]>,
}

impl PerEntryPoint {
    pub fn new(entry_points: usize) -> Self {
        PerEntryPoint {
            counters: (0..entry_points).map(|_| PerWorker::default()).collect(),
        }
    }

    /// Counts one for the entry point; positions past the configured ones are not counted.
    pub fn add(&self, entry_point: usize, worker: usize) {
        if let Some(counter) = self.counters.get(entry_point) {
            counter.add(worker);
        }
    }

    pub fn of(&self, entry_point: usize) -> u64 {
        self.counters.get(entry_point).map_or(0, PerWorker::total)
    }

    pub fn total(&self) -> u64 {
        self.counters.iter().map(PerWorker::total).sum()
    }
}

/// Hands out the stats object for a name, the same one every time while the name is in use.
#[derive(Debug, Default)]
pub struct StatsRegistry {
    routes: Mutex<HashMap<String, Arc<RouteStats>>>,
    backends: Mutex<HashMap<String, Arc<BackendStats>>>,
}

impl StatsRegistry {
    pub fn route(&self, name: &str) -> Arc<RouteStats> {
        entry(&self.routes, name)
    }

    pub fn backend(&self, key: &str) -> Arc<BackendStats> {
        entry(&self.backends, key)
    }

    /// Forgets entries no table refers to any more (only the registry holds them).
    pub fn prune(&self) {
        prune(&self.routes);
        prune(&self.backends);
    }
}

fn entry<T: Default>(map: &Mutex<HashMap<String, Arc<T>>>, name: &str) -> Arc<T> {
    let mut map = map.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(existing) = map.get(name) {
        return existing.clone();
    }
    let created = Arc::new(T::default());
    map.insert(name.to_owned(), created.clone());
    created
}

fn prune<T>(map: &Mutex<HashMap<String, Arc<T>>>) {
    let mut map = map.lock().unwrap_or_else(PoisonError::into_inner);
    map.retain(|_, stats| Arc::strong_count(stats) > 1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_name_gets_the_same_counters_until_pruned() {
        let registry = StatsRegistry::default();
        let first = registry.route("web");
        first.record(200, Duration::from_millis(3));
        assert_eq!(registry.route("web").total(), 1);
        drop(first);
        registry.prune();
        assert_eq!(registry.route("web").total(), 0);
    }

    #[test]
    fn statuses_fall_into_classes_and_latency_into_buckets() {
        let stats = RouteStats::default();
        stats.record(101, Duration::from_micros(500));
        stats.record(404, Duration::from_millis(30));
        stats.record(599, Duration::from_secs(20));
        let classes: Vec<u64> = stats
            .responses
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .collect();
        assert_eq!(classes, vec![1, 0, 0, 1, 1]);
        let buckets: Vec<u64> = stats
            .latency
            .buckets
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .collect();
        assert_eq!(buckets[0], 1);
        assert_eq!(buckets[5], 1, "30 ms is in the 50 ms bucket");
        assert_eq!(buckets[LATENCY_BUCKETS.len()], 1, "20 s is +Inf");
    }

    #[test]
    fn backend_latency_average_moves_towards_new_samples() {
        let stats = BackendStats::default();
        stats.record_response(200, Duration::from_micros(1000));
        assert_eq!(stats.latency_ewma_micros.load(Ordering::Relaxed), 1000);
        stats.record_response(503, Duration::from_micros(2000));
        assert_eq!(stats.latency_ewma_micros.load(Ordering::Relaxed), 1100);
        assert_eq!(stats.server_errors.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn a_failed_backend_rests_until_it_answers_or_the_cooldown_is_over() {
        let stats = BackendStats::default();
        let long = Duration::from_secs(3600);
        assert!(!stats.is_resting(long), "healthy from the start");
        stats.record_failure(false);
        assert!(
            !stats.is_resting(long),
            "a failure that cost nothing is only counted"
        );
        stats.record_failure(true);
        assert!(stats.is_resting(long));
        assert!(
            !stats.is_resting(Duration::ZERO),
            "a zero cooldown never rests"
        );
        assert_eq!(stats.failures.load(Ordering::Relaxed), 2);
        stats.record_response(502, Duration::from_millis(1));
        assert!(!stats.is_resting(long), "any answer ends the rest");
        assert!(stats.is_up());
    }

    #[test]
    fn each_failure_without_an_answer_doubles_the_rest_up_to_a_bound() {
        let stats = BackendStats::default();
        let cooldown = Duration::from_secs(1);
        let mut rests = Vec::new();
        for _ in 0..8 {
            stats.record_failure(true);
            rests.push(stats.rest(cooldown).as_secs());
        }
        assert_eq!(rests, [1, 2, 4, 8, 16, 32, 32, 32]);
        stats.record_failure(false);
        assert_eq!(
            stats.rest(cooldown).as_secs(),
            32,
            "a refusal costs nothing"
        );
        stats.record_response(200, Duration::from_millis(1));
        assert_eq!(stats.rest(cooldown), cooldown, "an answer starts over");
        stats.record_failure(true);
        assert_eq!(stats.rest(cooldown), cooldown);
        assert!(stats.is_resting(cooldown));
    }

    #[test]
    fn per_worker_counters_sum_every_slot() {
        let counter = PerWorker::default();
        for worker in [0, 1, 1, 17] {
            counter.add(worker);
        }
        assert_eq!(counter.total(), 4);
    }

    #[test]
    fn requests_are_counted_per_entry_point() {
        let requests = PerEntryPoint::new(2);
        for (entry_point, worker) in [(0, 0), (1, 0), (1, 1), (2, 0)] {
            requests.add(entry_point, worker);
        }
        assert_eq!((requests.of(0), requests.of(1), requests.of(2)), (1, 2, 0));
        assert_eq!(requests.total(), 3, "no third entry point to count on");
    }
}
