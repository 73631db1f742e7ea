//! A steady load: GETs fired at a fixed rate (a tokio interval), each on a fresh connection and
//! not waiting for the previous one, every outcome counted.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::MissedTickBehavior;

use super::answered_by;
use crate::support::http::get_within;

/// What a load saw.
#[derive(Debug, Default, Clone)]
pub struct LoadStats {
    pub sent: u64,
    /// 2xx answers.
    pub ok: u64,
    /// Answers that were not 2xx, by status.
    pub statuses: BTreeMap<u16, u64>,
    /// Requests without an answer, by kind.
    pub failures: BTreeMap<String, u64>,
    /// The first failures: (time since the load started, path, what happened).
    pub first_failures: Vec<(Duration, String, String)>,
    /// 2xx answers by the container that gave them.
    pub hosts: BTreeMap<String, u64>,
    pub elapsed: Duration,
}

impl LoadStats {
    /// Non-2xx answers plus requests without an answer.
    pub fn failed(&self) -> u64 {
        self.statuses.values().sum::<u64>() + self.failures.values().sum::<u64>()
    }

    /// One line: `1503 requests in 30.1 s (49.9/s): 1503 2xx, 0 non-2xx, 0 connection errors`.
    pub fn summary(&self) -> String {
        let secs = self.elapsed.as_secs_f64();
        let mut line = format!(
            "{} requests in {secs:.1} s ({:.1}/s): {} 2xx, {} non-2xx, {} without an answer",
            self.sent,
            self.sent as f64 / secs.max(0.001),
            self.ok,
            self.statuses.values().sum::<u64>(),
            self.failures.values().sum::<u64>(),
        );
        for (status, count) in &self.statuses {
            let _ = write!(line, "; {status}: {count}");
        }
        for (kind, count) in &self.failures {
            let _ = write!(line, "; {kind}: {count}");
        }
        line
    }

    /// The first failures, one per line.
    pub fn failure_lines(&self) -> Vec<String> {
        self.first_failures
            .iter()
            .map(|(at, path, what)| format!("+{:.3} s GET {path}: {what}", at.as_secs_f64()))
            .collect()
    }
}

pub struct Load {
    stop: watch::Sender<bool>,
    driver: tokio::task::JoinHandle<()>,
    stats: Arc<Mutex<LoadStats>>,
    started: Instant,
}

impl Load {
    /// Starts `per_second` GETs a second to `address`, cycling through `paths`.
    pub fn start(address: SocketAddr, paths: &[&str], per_second: u32, limit: Duration) -> Load {
        let paths: Vec<String> = paths.iter().map(|p| (*p).to_owned()).collect();
        let stats = Arc::new(Mutex::new(LoadStats::default()));
        let (stop, mut stopped) = watch::channel(false);
        let started = Instant::now();
        let sink = stats.clone();
        let driver = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1) / per_second);
            tick.set_missed_tick_behavior(MissedTickBehavior::Burst);
            let mut inflight = JoinSet::new();
            let mut n = 0usize;
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stopped.changed() => break,
                }
                let path = paths[n % paths.len()].clone();
                n += 1;
                let sink = sink.clone();
                inflight.spawn(async move {
                    let outcome = get_within(address, &path, limit).await;
                    let mut stats = sink.lock().expect("load stats");
                    stats.sent += 1;
                    let failure = match outcome {
                        Ok(reply) if reply.status.is_success() => {
                            stats.ok += 1;
                            if let Some(host) = answered_by(&reply.body) {
                                *stats.hosts.entry(host).or_default() += 1;
                            }
                            None
                        }
                        Ok(reply) => {
                            *stats.statuses.entry(reply.status.as_u16()).or_default() += 1;
                            Some(format!("{} {}", reply.status, reply.body.trim()))
                        }
                        Err(failure) => {
                            *stats.failures.entry(failure.class()).or_default() += 1;
                            Some(failure.to_string())
                        }
                    };
                    if let Some(what) = failure {
                        if stats.first_failures.len() < 20 {
                            stats.first_failures.push((started.elapsed(), path, what));
                        }
                    }
                });
                // reap what finished, so the set does not grow for the whole run
                while inflight.try_join_next().is_some() {}
            }
            while inflight.join_next().await.is_some() {}
        });
        Load {
            stop,
            driver,
            stats,
            started,
        }
    }

    /// How many requests have been answered so far, and how many of those failed.
    pub fn progress(&self) -> (u64, u64) {
        let stats = self.stats.lock().expect("load stats");
        (stats.sent, stats.failed())
    }

    /// Stops firing, waits for the requests in flight, and returns the counts.
    pub async fn stop(self) -> LoadStats {
        let elapsed = self.started.elapsed();
        let _ = self.stop.send(true);
        let _ = self.driver.await;
        let mut stats = self.stats.lock().expect("load stats").clone();
        stats.elapsed = elapsed;
        stats
    }
}
