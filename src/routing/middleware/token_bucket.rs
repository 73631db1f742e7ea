//! The token bucket of `golang.org/x/time/rate`, the part Traefik's `rateLimit` uses: a
//! reservation taken now, and cancelled at once when its wait is too long. Time comes in, so
//! that tests are exact.

use std::time::{Duration, Instant};

/// Tokens per second (infinite: no limit) and how many may be saved up.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limit {
    pub per_second: f64,
    pub burst: f64,
}

/// One source's bucket. A new one is full, as a new `rate.Limiter` is on first use.
#[derive(Clone, Debug, Default)]
pub struct TokenBucket {
    tokens: f64,
    last: Option<Instant>,
}

impl TokenBucket {
    /// Takes a token at `now`, or owes it: `Ok(wait)` until it is due. A wait longer than
    /// `max_wait` is `Err(wait)` and takes nothing, as `Reserve` then `Cancel` at the same
    /// instant leave the bucket.
    pub fn reserve(
        &mut self,
        now: Instant,
        limit: Limit,
        max_wait: Duration,
    ) -> Result<Duration, Duration> {
        if limit.per_second.is_infinite() {
            return Ok(Duration::ZERO);
        }
        let tokens = self.advance(now, limit) - 1.0;
        let wait = if tokens < 0.0 {
            duration_from_tokens(-tokens, limit.per_second)
        } else {
            Duration::ZERO
        };
        if wait > max_wait {
            return Err(wait);
        }
        self.tokens = tokens;
        self.last = Some(now);
        Ok(wait)
    }

    /// The tokens at `now`: those left plus those earned since, up to the burst. Like Go, a
    /// `now` before the last reservation earns nothing.
    fn advance(&self, now: Instant, limit: Limit) -> f64 {
        let earned = match self.last {
            None => f64::INFINITY,
            Some(last) => now.saturating_duration_since(last).as_secs_f64() * limit.per_second,
        };
        (self.tokens + earned).min(limit.burst)
    }
}

/// `durationFromTokens`: truncated to whole nanoseconds, as Go's conversion does.
fn duration_from_tokens(tokens: f64, per_second: f64) -> Duration {
    let nanos = tokens / per_second * 1e9;
    if nanos >= u64::MAX as f64 {
        return Duration::MAX;
    }
    Duration::from_nanos(nanos as u64)
}

/// Go's `time.Duration.String`: `1.5s`, `2m30s`, `1h0m0s`, `1.5ms`, `500µs`, `0s`.
pub fn go_duration(duration: Duration) -> String {
    let nanos = u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
    if nanos == 0 {
        return "0s".to_owned();
    }
    if nanos < 1_000_000_000 {
        let (digits, unit) = match nanos {
            0..1_000 => (0, "ns"),
            1_000..1_000_000 => (3, "µs"),
            _ => (6, "ms"),
        };
        let (whole, fraction) = split_fraction(nanos, digits);
        return format!("{whole}{fraction}{unit}");
    }
    let (seconds, fraction) = split_fraction(nanos, 9);
    let (minutes, seconds) = (seconds / 60, seconds % 60);
    let (hours, minutes) = (minutes / 60, minutes % 60);
    match (hours, minutes) {
        (0, 0) => format!("{seconds}{fraction}s"),
        (0, _) => format!("{minutes}m{seconds}{fraction}s"),
        _ => format!("{hours}h{minutes}m{seconds}{fraction}s"),
    }
}

/// `value / 10^digits` and its fraction as `.ddd` without trailing zeros (empty for none).
fn split_fraction(value: u64, digits: u32) -> (u64, String) {
    let scale = 10u64.pow(digits);
    let fraction = value % scale;
    if fraction == 0 {
        return (value / scale, String::new());
    }
    let text = format!("{fraction:0width$}", width = digits as usize);
    (value / scale, format!(".{}", text.trim_end_matches('0')))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    /// Equal to within a microsecond: the arithmetic is in floating point, as in Go.
    fn near(result: Result<Duration, Duration>, expected: Result<Duration, Duration>) -> bool {
        let close = |a: Duration, b: Duration| a.abs_diff(b) < Duration::from_micros(1);
        match (result, expected) {
            (Ok(a), Ok(b)) | (Err(a), Err(b)) => close(a, b),
            _ => false,
        }
    }

    #[test]
    fn a_new_bucket_is_full_and_refills_at_the_rate() {
        let limit = Limit {
            per_second: 10.0,
            burst: 3.0,
        };
        let start = Instant::now();
        let mut bucket = TokenBucket::default();
        for _ in 0..3 {
            assert!(near(
                bucket.reserve(start, limit, Duration::ZERO),
                Ok(Duration::ZERO)
            ));
        }
        assert!(
            near(
                bucket.reserve(start, limit, Duration::ZERO),
                Err(Duration::from_millis(100))
            ),
            "empty: the next token is 100 ms away"
        );
        let later = start + Duration::from_millis(250);
        assert!(near(
            bucket.reserve(later, limit, Duration::ZERO),
            Ok(Duration::ZERO)
        ));
        assert!(near(
            bucket.reserve(later, limit, Duration::ZERO),
            Ok(Duration::ZERO)
        ));
        assert!(
            near(
                bucket.reserve(later, limit, Duration::ZERO),
                Err(Duration::from_millis(50))
            ),
            "2.5 tokens earned, 2 taken"
        );
        let much_later = start + 10 * SECOND;
        for _ in 0..3 {
            assert!(bucket.reserve(much_later, limit, Duration::ZERO).is_ok());
        }
        assert!(
            bucket.reserve(much_later, limit, Duration::ZERO).is_err(),
            "no more than the burst"
        );
    }

    #[test]
    fn a_short_wait_is_owed_and_a_refused_one_takes_nothing() {
        let limit = Limit {
            per_second: 100.0,
            burst: 1.0,
        };
        let start = Instant::now();
        let mut bucket = TokenBucket::default();
        let max = Duration::from_millis(5);
        assert!(near(bucket.reserve(start, limit, max), Ok(Duration::ZERO)));
        let soon = start + Duration::from_millis(7);
        assert!(
            near(
                bucket.reserve(soon, limit, max),
                Ok(Duration::from_millis(3))
            ),
            "owed"
        );
        assert!(near(
            bucket.reserve(soon, limit, max),
            Err(Duration::from_millis(13))
        ));
        assert!(
            near(
                bucket.reserve(soon, limit, max),
                Err(Duration::from_millis(13))
            ),
            "nothing taken"
        );
    }

    #[test]
    fn no_limit_never_waits() {
        let limit = Limit {
            per_second: f64::INFINITY,
            burst: 1.0,
        };
        let mut bucket = TokenBucket::default();
        let now = Instant::now();
        for _ in 0..1000 {
            assert!(near(
                bucket.reserve(now, limit, Duration::ZERO),
                Ok(Duration::ZERO)
            ));
        }
    }

    #[test]
    fn durations_print_as_go_prints_them() {
        let cases = [
            (Duration::ZERO, "0s"),
            (Duration::from_nanos(1), "1ns"),
            (Duration::from_micros(500), "500µs"),
            (Duration::from_micros(1500), "1.5ms"),
            (Duration::from_millis(9500), "9.5s"),
            (Duration::from_secs(90), "1m30s"),
            (Duration::from_secs(3600), "1h0m0s"),
            (Duration::from_millis(2_500), "2.5s"),
            (Duration::from_nanos(1_000_000_001), "1.000000001s"),
        ];
        for (duration, text) in cases {
            assert_eq!(go_duration(duration), text, "{duration:?}");
        }
    }
}
