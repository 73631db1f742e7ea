//! What discovery is doing, for the admin API and metrics.

use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::stats::Observations;

#[derive(Clone, Debug, Default, Serialize)]
pub struct DiscoveryStatus {
    /// `docker`, or `none` when only static routes are served.
    pub provider: &'static str,
    /// The Docker endpoint, as configured.
    pub endpoint: Option<String>,
    /// The last listing succeeded.
    pub reachable: bool,
    pub engine_version: Option<String>,
    pub api_version: Option<String>,
    /// The event stream is open.
    pub events_connected: bool,
    /// `active` (fast) while the swarm converges, else `quiet`.
    pub polling: &'static str,
    #[serde(with = "unix_millis")]
    pub last_refresh: Option<SystemTime>,
    #[serde(with = "optional_millis")]
    pub last_refresh_duration: Option<Duration>,
    /// When the swarm last changed in a way that mattered.
    #[serde(with = "unix_millis")]
    pub last_change: Option<SystemTime>,
    pub last_error: Option<String>,
    pub refreshes: u64,
    pub refresh_failures: u64,
    pub events_received: u64,
    /// The routes come from the state file (`--state-file`), saved at this time, because no
    /// listing has succeeded since hawser started.
    #[serde(with = "unix_millis")]
    pub serving_saved_state: Option<SystemTime>,
    /// Objects left out of the last listing because they could not be decoded.
    pub problems: Vec<String>,
    /// How long successful listings took (for metrics).
    #[serde(skip)]
    pub refresh_durations: Observations,
}

/// Times as milliseconds since the Unix epoch: what JavaScript's `Date` takes.
mod unix_millis {
    use std::time::{SystemTime, UNIX_EPOCH};

    use serde::Serializer;

    pub fn serialize<S: Serializer>(
        time: &Option<SystemTime>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match time.and_then(|time| time.duration_since(UNIX_EPOCH).ok()) {
            Some(since) => serializer.serialize_u64(since.as_millis() as u64),
            None => serializer.serialize_none(),
        }
    }
}

mod optional_millis {
    use std::time::Duration;

    use serde::Serializer;

    pub fn serialize<S: Serializer>(
        duration: &Option<Duration>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match duration {
            Some(duration) => serializer.serialize_f64(duration.as_secs_f64() * 1000.0),
            None => serializer.serialize_none(),
        }
    }
}
