//! `buffering`: the request read whole before it is forwarded, the response read whole before
//! it is sent, as Traefik v2/v3 does (`pkg/middlewares/buffering`, oxy's `buffer`):
//! `maxRequestBodyBytes` (a longer request gets 413), `maxResponseBodyBytes` (a longer
//! response gets 500), 0 meaning no limit; `retryExpression` replays the buffered request while
//! it holds after an attempt (at most 10 attempts, as oxy caps them); `disableRequestBuffer`
//! and `disableResponseBuffer` turn either half off.
//!
//! hawser holds bodies in memory: `memRequestBodyBytes` and `memResponseBodyBytes`, the sizes
//! above which oxy spills to a temporary file, are read and checked but change nothing; the
//! `max*` limits are what bound memory. A response with no limit is streamed, not held: nothing
//! would be decided by reading it first.

use super::retry_expression::{Facts, RetryExpression};
use crate::routing::options::{OptionError, Options};

/// oxy's cap on attempts, whatever the expression says.
pub const MAX_ATTEMPTS: u32 = 10;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Buffering {
    /// `None`: no limit.
    pub max_request_body_bytes: Option<u64>,
    pub max_response_body_bytes: Option<u64>,
    pub retry: Option<RetryExpression>,
    pub buffer_request: bool,
    pub buffer_response: bool,
}

impl Buffering {
    pub fn from_options(options: &Options<'_>) -> Result<Self, OptionError> {
        let max_request_body_bytes = limit(options, "maxrequestbodybytes")?;
        let max_response_body_bytes = limit(options, "maxresponsebodybytes")?;
        for key in ["memrequestbodybytes", "memresponsebodybytes"] {
            limit(options, key)?;
        }
        let retry = match options.string("retryexpression").map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(
                RetryExpression::parse(text)
                    .map_err(|err| options.error("retryexpression", format!("{text:?}: {err}")))?,
            ),
        };
        Ok(Buffering {
            max_request_body_bytes,
            max_response_body_bytes,
            retry,
            buffer_request: !options.bool("disablerequestbuffer")?.unwrap_or(false),
            buffer_response: !options.bool("disableresponsebuffer")?.unwrap_or(false),
        })
    }

    /// Whether to replay the request after attempt `facts.attempts` answered as it did.
    pub fn retries(&self, facts: &Facts<'_>) -> bool {
        facts.attempts < MAX_ATTEMPTS
            && self
                .retry
                .as_ref()
                .is_some_and(|expression| expression.matches(facts))
    }
}

/// A byte count: 0 (the default) is no limit; negative is refused.
fn limit(options: &Options<'_>, key: &str) -> Result<Option<u64>, OptionError> {
    let bytes: i64 = options.number(key)?.unwrap_or(0);
    match u64::try_from(bytes) {
        Ok(0) => Ok(None),
        Ok(bytes) => Ok(Some(bytes)),
        Err(_) => Err(options.error(key, format!("{bytes} is negative"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<Buffering, OptionError> {
        let mut options = Options::new("traefik.http.middlewares.b.buffering");
        for (key, value) in pairs {
            options.push(key, key, value);
        }
        let config = Buffering::from_options(&options)?;
        options.finish()?;
        Ok(config)
    }

    #[test]
    fn the_documented_options_read() {
        // buffering doc: maxRequestBodyBytes=2000000, memRequestBodyBytes=2000000,
        // maxResponseBodyBytes=2000000, memResponseBodyBytes=2000000,
        // retryExpression=IsNetworkError() && Attempts() < 2
        let config = parse(&[
            ("maxRequestBodyBytes", "2000000"),
            ("memRequestBodyBytes", "2000000"),
            ("maxResponseBodyBytes", "2000000"),
            ("memResponseBodyBytes", "2000000"),
            ("retryExpression", "IsNetworkError() && Attempts() < 2"),
        ])
        .expect("valid");
        assert_eq!(config.max_request_body_bytes, Some(2_000_000));
        assert_eq!(config.max_response_body_bytes, Some(2_000_000));
        assert!(config.buffer_request && config.buffer_response);
        let network = |attempts| Facts {
            attempts,
            response_code: 502,
            method: "GET",
        };
        assert!(config.retries(&network(1)));
        assert!(!config.retries(&network(2)));
    }

    #[test]
    fn zero_is_no_limit_and_negative_is_refused() {
        // buffering_test.go: no limits set -> everything passes
        let config = parse(&[]).expect("valid");
        assert_eq!(config.max_request_body_bytes, None);
        assert_eq!(config.max_response_body_bytes, None);
        assert!(config.retry.is_none());
        let err = parse(&[("maxRequestBodyBytes", "-1")]).expect_err("negative");
        assert!(err.reason.contains("negative"), "{err}");
        assert!(parse(&[("memResponseBodyBytes", "-5")]).is_err());
    }

    #[test]
    fn attempts_are_capped_at_ten_whatever_the_expression() {
        let config = parse(&[("retryExpression", "Attempts() > 0")]).expect("valid");
        let attempt = |attempts| Facts {
            attempts,
            response_code: 200,
            method: "GET",
        };
        assert!(config.retries(&attempt(9)));
        assert!(!config.retries(&attempt(10)));
    }

    #[test]
    fn a_bad_expression_names_the_label() {
        let err =
            parse(&[("retryExpression", "IsNetworkError() && Attemps() < 2")]).expect_err("typo");
        assert_eq!(err.label, "retryExpression");
        assert!(err.reason.contains("unknown function Attemps()"), "{err}");
    }
}
