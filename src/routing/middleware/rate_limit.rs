//! `rateLimit`: a token bucket per source, as Traefik v2/v3 does
//! (`pkg/middlewares/ratelimiter`): `average` requests per `period` (default 1s; 0 means no
//! limit), up to `burst` (default 1) at once. A request a little early is held back until its
//! token is due (at most `1s / (2 * rate)`, or 500 ms below one request a second); a request
//! that would wait longer is refused with 429, `Retry-After` and `X-Retry-In`.
//!
//! The source is the client's address (`sourceCriterion.ipStrategy`, the default), a request
//! header (`requestHeaderName`), or the `Host` (`requestHost`). Buckets are kept for sources
//! seen within the last 2 s (longer below one request a second), at most 65536 of them, the
//! least recently seen going first, as Traefik's `ttlmap`. They are this configuration's: a
//! change of configuration starts them afresh, as a Traefik reload does.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use http::StatusCode;
use http::header::{HeaderName, HeaderValue, RETRY_AFTER};
use http::request::Parts;

use super::ip_strategy::IpStrategy;
use super::token_bucket::{Limit, TokenBucket, go_duration};
use super::uri::request_host;
use super::{Answer, RequestContext};
use crate::routing::options::{OptionError, Options};

/// Traefik's `maxSources`.
const MAX_SOURCES: usize = 65536;

static X_RETRY_IN: HeaderName = HeaderName::from_static("x-retry-in");

/// What a request is counted by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceCriterion {
    Ip(IpStrategy),
    RequestHeader(HeaderName),
    RequestHost,
}

#[derive(Clone)]
pub struct RateLimit {
    pub average: u64,
    pub period: Duration,
    pub burst: u64,
    pub source: SourceCriterion,
    limit: Limit,
    max_delay: Duration,
    idle: Duration,
    buckets: Arc<Mutex<Buckets>>,
}

/// What to do with a request.
#[derive(Debug, PartialEq)]
pub enum Admission {
    Now,
    /// Its token is due after this wait: hold it back, then let it through.
    After(Duration),
    Refused(Answer),
}

impl RateLimit {
    pub fn from_options(options: &Options<'_>) -> Result<Self, OptionError> {
        if options.has("redis") {
            return Err(options.error("redis", "is not supported: hawser keeps buckets in memory"));
        }
        let average: i64 = options.number("average")?.unwrap_or(0);
        let average = u64::try_from(average)
            .map_err(|_| options.error("average", format!("{average} is negative")))?;
        let period = options.duration("period")?.unwrap_or(Duration::ZERO);
        let period = if period.is_zero() {
            Duration::from_secs(1)
        } else {
            period
        };
        let burst: i64 = options.number("burst")?.unwrap_or(1);
        let burst = u64::try_from(burst).unwrap_or(0).max(1);
        let source = SourceCriterion::from_options(
            &options.nested("sourcecriterion"),
            SourceCriterion::Ip(IpStrategy::default()),
        )?;
        Ok(RateLimit::new(average, period, burst, source))
    }

    pub fn new(average: u64, period: Duration, burst: u64, source: SourceCriterion) -> Self {
        let per_second = match average {
            0 => f64::INFINITY,
            _ => average as f64 / period.as_secs_f64(),
        };
        let max_delay = match per_second {
            rate if rate.is_infinite() => Duration::ZERO,
            rate if rate < 1.0 => Duration::from_millis(500),
            // Go: time.Second / (time.Duration(rate) * 2), in whole nanoseconds
            rate => Duration::from_nanos(1_000_000_000 / (rate as u64).saturating_mul(2)),
        };
        let idle_seconds = match per_second {
            rate if rate >= 1.0 => 2,
            rate => 1 + (1.0 / rate) as u64,
        };
        RateLimit {
            average,
            period,
            burst,
            source,
            limit: Limit {
                per_second,
                burst: burst as f64,
            },
            max_delay,
            idle: Duration::from_secs(idle_seconds),
            buckets: Arc::default(),
        }
    }

    /// The longest a request is held back rather than refused.
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// Counts the request against its source's bucket.
    pub fn admit(&self, request: &Parts, context: &RequestContext) -> Admission {
        let source = self.source.source(request, context);
        let reserved = {
            let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
            buckets.bucket(source, context.now, self.idle).reserve(
                context.now,
                self.limit,
                self.max_delay,
            )
        };
        match reserved {
            Ok(wait) if wait.is_zero() => Admission::Now,
            Ok(wait) => Admission::After(wait),
            Err(wait) => Admission::Refused(too_many_requests(wait)),
        }
    }

    /// How many sources have a bucket now.
    pub fn sources(&self) -> usize {
        self.buckets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .by_source
            .len()
    }
}

impl SourceCriterion {
    /// `sourceCriterion` (`pkg/middlewares/extractor.go`): one of its three, or `default` when
    /// none is set (the client's address for `rateLimit`, the `Host` for `inFlightReq`).
    pub fn from_options(
        options: &Options<'_>,
        default: SourceCriterion,
    ) -> Result<SourceCriterion, OptionError> {
        let ip = options.enabled("ipstrategy");
        let header = options
            .string("requestheadername")
            .filter(|name| !name.is_empty());
        let host = options.bool("requesthost")?.unwrap_or(false);
        let exclusive =
            |a: &str, b: &str| options.error("", format!("{a} and {b} are mutually exclusive"));
        match (ip, header, host) {
            (true, Some(_), _) => Err(exclusive("ipStrategy", "requestHeaderName")),
            (true, _, true) => Err(exclusive("ipStrategy", "requestHost")),
            (_, Some(_), true) => Err(exclusive("requestHost", "requestHeaderName")),
            (_, Some(name), false) => HeaderName::from_bytes(name.as_bytes())
                .map(SourceCriterion::RequestHeader)
                .map_err(|_| {
                    options.error(
                        "requestheadername",
                        format!("{name:?} is not a header name"),
                    )
                }),
            (_, None, true) => Ok(SourceCriterion::RequestHost),
            (true, None, false) => Ok(SourceCriterion::Ip(IpStrategy::from_options(
                &options.nested("ipstrategy"),
            )?)),
            (false, None, false) => Ok(default),
        }
    }

    /// What the request is counted by: its source under this criterion.
    pub fn source(&self, request: &Parts, context: &RequestContext) -> String {
        match self {
            SourceCriterion::Ip(strategy) => strategy.client_ip(request, context),
            SourceCriterion::RequestHeader(name) => request
                .headers
                .get(name)
                .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
                .unwrap_or_default(),
            SourceCriterion::RequestHost => request_host(request).to_owned(),
        }
    }
}

/// Traefik's answer when the wait would be too long.
fn too_many_requests(wait: Duration) -> Answer {
    let mut answer = Answer::text(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests");
    let seconds = wait.as_secs_f64().ceil();
    if let Ok(value) = HeaderValue::from_str(&format!("{seconds:.0}")) {
        answer.headers.insert(RETRY_AFTER, value);
    }
    if let Ok(value) = HeaderValue::from_str(&go_duration(wait)) {
        answer.headers.insert(X_RETRY_IN.clone(), value);
    }
    answer
}

/// The buckets of the sources seen lately, the least recently seen first in `order`.
#[derive(Default)]
struct Buckets {
    by_source: HashMap<String, Slot>,
    order: BTreeMap<u64, String>,
    next: u64,
}

struct Slot {
    bucket: TokenBucket,
    seen: Instant,
    order: u64,
}

impl Buckets {
    /// `source`'s bucket, a fresh one when it was idle for `idle` or more. Sources idle that
    /// long are forgotten, and the least recently seen when there are too many.
    fn bucket(&mut self, source: String, now: Instant, idle: Duration) -> &mut TokenBucket {
        self.forget_idle(now, idle);
        if !self.by_source.contains_key(&source) && self.by_source.len() >= MAX_SOURCES {
            if let Some((_, oldest)) = self.order.pop_first() {
                self.by_source.remove(&oldest);
            }
        }
        let order = self.next;
        self.next += 1;
        let slot = self
            .by_source
            .entry(source.clone())
            .or_insert_with(|| Slot {
                bucket: TokenBucket::default(),
                seen: now,
                order,
            });
        self.order.remove(&slot.order);
        self.order.insert(order, source);
        slot.order = order;
        if now.saturating_duration_since(slot.seen) >= idle {
            slot.bucket = TokenBucket::default();
        }
        slot.seen = now;
        &mut slot.bucket
    }

    fn forget_idle(&mut self, now: Instant, idle: Duration) {
        while let Some(oldest) = self.order.first_entry() {
            let idle_long = self
                .by_source
                .get(oldest.get())
                .is_none_or(|slot| now.saturating_duration_since(slot.seen) >= idle);
            if !idle_long {
                break;
            }
            let source = oldest.remove();
            self.by_source.remove(&source);
        }
    }
}

impl PartialEq for RateLimit {
    /// Configurations are equal when they limit alike; the buckets are state, not
    /// configuration.
    fn eq(&self, other: &Self) -> bool {
        (self.average, self.period, self.burst, &self.source)
            == (other.average, other.period, other.burst, &other.source)
    }
}

impl fmt::Debug for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimit")
            .field("average", &self.average)
            .field("period", &self.period)
            .field("burst", &self.burst)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
#[path = "rate_limit_tests.rs"]
mod tests;
