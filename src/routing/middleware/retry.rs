//! `retry`: sends a request again when its attempt failed, as Traefik v3.7 does
//! (`pkg/middlewares/retry/retry.go`). `attempts` counts every try, the first included. A
//! failed connection is retried (unless `disableRetryOnNetworkError`); a response whose status
//! is in `status` is too, for a method other than POST, PATCH and LOCK (unless
//! `retryNonIdempotentMethod`) whose body was read whole (up to `maxRequestBodyBytes`, 2 MiB by
//! default). No retry starts once `timeout` has passed since the first attempt.
//!
//! Between attempts Traefik waits as `cenkalti/backoff`'s exponential backoff does: the `k`-th
//! retry (from 0) after `initialInterval · m^k` with `m = 2^(1/(attempts-1))`, so the last wait
//! is about twice the first, each wait within ±50 % of that, and none above 60 s.
//!
//! The proxy runs it at the forward step: the request goes to the route's balancer again, not
//! through the middlewares after this one (which see it once).

use std::time::Duration;

use http::Method;

use super::code_ranges::CodeRanges;
use crate::routing::options::{OptionError, Options};

/// Traefik's `RetryDefaultMaxRequestBodyBytes`.
pub const DEFAULT_MAX_REQUEST_BODY_BYTES: u64 = 2 * 1024 * 1024;

/// `cenkalti/backoff`'s defaults, which Traefik keeps.
const RANDOMIZATION_FACTOR: f64 = 0.5;
const MAX_INTERVAL: Duration = Duration::from_secs(60);

#[derive(Clone, Debug, PartialEq)]
pub struct Retry {
    /// Tries in all, the first included; at least 1.
    pub attempts: u32,
    pub initial_interval: Duration,
    /// No retry starts after this long since the first attempt.
    pub timeout: Option<Duration>,
    /// The most of a request body read to be able to send it again (`None`: no limit).
    pub max_request_body_bytes: Option<u64>,
    pub status: CodeRanges,
    pub on_network_error: bool,
    pub retry_non_idempotent: bool,
}

impl Retry {
    pub fn from_options(options: &Options<'_>) -> Result<Self, OptionError> {
        let attempts: i64 = options.number("attempts")?.unwrap_or(0);
        let attempts = u32::try_from(attempts)
            .ok()
            .filter(|&attempts| attempts > 0)
            .ok_or_else(|| {
                options.error(
                    "attempts",
                    format!("incorrect (or empty) value for attempt ({attempts}): at least 1"),
                )
            })?;
        let initial_interval = options.duration("initialinterval")?.unwrap_or_default();
        let timeout = options
            .duration("timeout")?
            .filter(|timeout| !timeout.is_zero());
        let max_request_body_bytes = match options.number::<i64>("maxrequestbodybytes")? {
            None => Some(DEFAULT_MAX_REQUEST_BODY_BYTES),
            Some(bytes) => u64::try_from(bytes).ok(),
        };
        let status = CodeRanges::from_options(options, "status")?;
        let on_network_error = !options.bool("disableretryonnetworkerror")?.unwrap_or(false);
        if status.is_empty() && !on_network_error {
            return Err(options.error(
                "disableretryonnetworkerror",
                "retry middleware requires at least HTTP status codes or retry on TCP",
            ));
        }
        let retry_non_idempotent = options.bool("retrynonidempotentmethod")?.unwrap_or(false);
        Ok(Retry {
            attempts,
            initial_interval,
            timeout,
            max_request_body_bytes,
            status,
            on_network_error,
            retry_non_idempotent,
        })
    }

    /// Whether a response with this status is worth another attempt for this method (the
    /// body being replayable is the caller's to know).
    pub fn retries_status(&self, method: &Method, status: u16) -> bool {
        self.status_applies_to(method) && self.status.contains(status)
    }

    /// Whether status retries apply to the method: Traefik's `isIdempotent` is anything but
    /// POST, PATCH and LOCK.
    pub fn status_applies_to(&self, method: &Method) -> bool {
        !self.status.is_empty()
            && (self.retry_non_idempotent || !matches!(method.as_str(), "POST" | "PATCH" | "LOCK"))
    }

    /// The wait before retry number `retry` (0 for the first), given `random` in `[0, 1)`.
    pub fn backoff(&self, retry: u32, random: f64) -> Duration {
        if self.attempts < 2 || self.initial_interval.is_zero() {
            return Duration::ZERO;
        }
        let multiplier = 2f64.powf(1.0 / f64::from(self.attempts - 1));
        let mut interval = self.initial_interval.as_secs_f64();
        for _ in 0..retry {
            // backoff's incrementCurrentInterval: capped at MaxInterval
            interval = (interval * multiplier).min(MAX_INTERVAL.as_secs_f64());
        }
        let delta = RANDOMIZATION_FACTOR * interval;
        let low = interval - delta;
        // backoff.getRandomValueFromInterval: min + random·(max - min + 1 ns)
        let wait = low + random.clamp(0.0, 1.0) * (2.0 * delta + 1e-9);
        Duration::try_from_secs_f64(wait).unwrap_or(MAX_INTERVAL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<Retry, OptionError> {
        let mut options = Options::new("traefik.http.middlewares.r.retry");
        for (key, value) in pairs {
            options.push(key, key, value);
        }
        let retry = Retry::from_options(&options)?;
        options.finish()?;
        Ok(retry)
    }

    #[test]
    fn the_documented_examples_read() {
        // the retry middleware documentation: attempts=4, initialinterval=100ms; v3.7 adds
        // timeout=60s, maxrequestbodybytes=1024, status=400,500-599
        let retry = parse(&[("attempts", "4"), ("initialInterval", "100ms")]).expect("valid");
        assert_eq!(retry.attempts, 4);
        assert_eq!(retry.initial_interval, Duration::from_millis(100));
        assert_eq!(
            retry.max_request_body_bytes,
            Some(DEFAULT_MAX_REQUEST_BODY_BYTES)
        );
        assert!(retry.on_network_error && retry.status.is_empty() && retry.timeout.is_none());
        let retry = parse(&[
            ("attempts", "3"),
            ("timeout", "60s"),
            ("maxRequestBodyBytes", "1024"),
            ("status", "400,500-599"),
        ])
        .expect("valid");
        assert_eq!(retry.timeout, Some(Duration::from_secs(60)));
        assert_eq!(retry.max_request_body_bytes, Some(1024));
        assert!(retry.status.contains(400) && retry.status.contains(503));
        assert!(!retry.status.contains(404));
    }

    #[test]
    fn bad_configurations_are_refused_as_traefik_refuses_them() {
        // retry.go New: attempts <= 0; no status with network retries disabled
        for attempts in ["0", "-1", ""] {
            let pairs: Vec<(&str, &str)> = match attempts {
                "" => vec![],
                value => vec![("attempts", value)],
            };
            let err = parse(&pairs).expect_err(attempts);
            assert!(err.reason.contains("attempt"), "{err}");
        }
        let err = parse(&[("attempts", "2"), ("disableRetryOnNetworkError", "true")])
            .expect_err("nothing to retry on");
        assert!(err.reason.contains("at least HTTP status codes"), "{err}");
        assert!(parse(&[("attempts", "2"), ("status", "5xx")]).is_err());
        assert!(
            parse(&[("attempts", "2"), ("attemps", "3")]).is_err(),
            "a typo"
        );
    }

    #[test]
    fn status_retries_skip_non_idempotent_methods_unless_told() {
        // retry_test.go (v3.7): POST is not retried on status unless retryNonIdempotentMethod
        let retry = parse(&[("attempts", "3"), ("status", "503")]).expect("valid");
        assert!(retry.retries_status(&Method::GET, 503));
        assert!(retry.retries_status(&Method::PUT, 503));
        assert!(!retry.retries_status(&Method::GET, 500));
        for method in ["POST", "PATCH", "LOCK"] {
            let method = Method::from_bytes(method.as_bytes()).expect("method");
            assert!(!retry.retries_status(&method, 503), "{method}");
        }
        let eager = parse(&[
            ("attempts", "3"),
            ("status", "503"),
            ("retryNonIdempotentMethod", "true"),
        ])
        .expect("valid");
        assert!(eager.retries_status(&Method::POST, 503));
    }

    #[test]
    fn backoff_grows_to_about_twice_the_initial_interval() {
        // retry.go newBackOff: multiplier 2^(1/(attempts-1)), randomization ±50 %
        let retry = parse(&[("attempts", "5"), ("initialInterval", "100ms")]).expect("valid");
        let middle = |k| retry.backoff(k, 0.5).as_secs_f64();
        let expected = [0.1, 0.1189, 0.1414, 0.1682];
        for (k, nominal) in expected.iter().enumerate() {
            let wait = middle(k as u32);
            assert!((wait - nominal).abs() < 0.001, "retry {k}: {wait}");
        }
        assert!((retry.backoff(0, 0.0).as_secs_f64() - 0.05).abs() < 1e-9);
        assert!((retry.backoff(0, 1.0).as_secs_f64() - 0.15).abs() < 1e-6);
        let immediate = parse(&[("attempts", "5")]).expect("valid");
        assert_eq!(
            immediate.backoff(3, 0.7),
            Duration::ZERO,
            "no interval: ZeroBackOff"
        );
    }

    #[test]
    fn a_long_backoff_is_capped_at_a_minute() {
        let retry = parse(&[("attempts", "2"), ("initialInterval", "50s")]).expect("valid");
        let capped = retry.backoff(1, 0.5);
        assert_eq!(capped, Duration::from_secs(60));
    }
}
