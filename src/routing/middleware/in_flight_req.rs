//! `inFlightReq`: at most `amount` requests at once per source, as Traefik v2/v3 does
//! (`pkg/middlewares/inflightreq`, oxy's `connlimit`). The source is the `Host` by default
//! (`sourceCriterion.requestHost`), or a request header, or the client's address
//! (`sourceCriterion.ipStrategy`). A request over the limit gets 429 and
//! `max connections reached: <amount>`.
//!
//! A request holds its [`Slot`] until its response body is finished or dropped (the proxy ties
//! it to the body), not only until the response headers: a long download counts while it
//! lasts. Counts are this configuration's, as rate-limit buckets are: a change of configuration
//! starts them afresh.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use http::StatusCode;
use http::request::Parts;

use super::rate_limit::SourceCriterion;
use super::{Answer, RequestContext};
use crate::routing::options::{OptionError, Options};

#[derive(Clone)]
pub struct InFlightReq {
    pub amount: u64,
    pub source: SourceCriterion,
    in_flight: Arc<Mutex<HashMap<String, u64>>>,
}

/// One request's place among its source's: given back when dropped.
#[derive(Debug)]
pub struct Slot {
    in_flight: Arc<Mutex<HashMap<String, u64>>>,
    source: String,
}

impl InFlightReq {
    pub fn from_options(options: &Options<'_>) -> Result<Self, OptionError> {
        let amount: i64 = options.number("amount")?.unwrap_or(0);
        // Traefik takes 0 (the default) and then refuses every request: surely a mistake.
        let amount = u64::try_from(amount)
            .ok()
            .filter(|&amount| amount > 0)
            .ok_or_else(|| {
                options.error(
                    "amount",
                    format!("{amount}: at least one request must be allowed at once"),
                )
            })?;
        let source = SourceCriterion::from_options(
            &options.nested("sourcecriterion"),
            SourceCriterion::RequestHost,
        )?;
        Ok(InFlightReq::new(amount, source))
    }

    pub fn new(amount: u64, source: SourceCriterion) -> Self {
        InFlightReq {
            amount,
            source,
            in_flight: Arc::default(),
        }
    }

    /// A slot for the request, or [`Full`] when its source has `amount` in flight already.
    pub fn admit(&self, request: &Parts, context: &RequestContext) -> Result<Slot, Full> {
        let source = self.source.source(request, context);
        let mut in_flight = self.lock();
        let count = in_flight.entry(source.clone()).or_insert(0);
        if *count >= self.amount {
            return Err(Full {
                amount: self.amount,
            });
        }
        *count += 1;
        Ok(Slot {
            in_flight: self.in_flight.clone(),
            source,
        })
    }

    /// Requests of `source` in flight now.
    pub fn in_flight(&self, source: &str) -> u64 {
        self.lock().get(source).copied().unwrap_or(0)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, u64>> {
        self.in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// The source has as many requests in flight as it may.
#[derive(Debug)]
pub struct Full {
    amount: u64,
}

impl Full {
    /// Traefik's (oxy's) answer.
    pub fn answer(&self) -> Answer {
        let text = format!("max connections reached: {}", self.amount);
        Answer::text(StatusCode::TOO_MANY_REQUESTS, text)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut in_flight = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = in_flight.get_mut(&self.source) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                in_flight.remove(&self.source);
            }
        }
    }
}

/// The configuration, not the counts, makes two equal.
impl PartialEq for InFlightReq {
    fn eq(&self, other: &Self) -> bool {
        self.amount == other.amount && self.source == other.source
    }
}

impl fmt::Debug for InFlightReq {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("InFlightReq")
            .field("amount", &self.amount)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use http::Request;

    use super::*;
    use crate::routing::middleware::ip_strategy::IpStrategy;

    fn parse(pairs: &[(&str, &str)]) -> Result<InFlightReq, OptionError> {
        let mut options = Options::new("traefik.http.middlewares.i.inflightreq");
        for (key, value) in pairs {
            options.push(key, key, value);
        }
        let config = InFlightReq::from_options(&options)?;
        options.finish()?;
        Ok(config)
    }

    fn request(host: &str, headers: &[(&str, &str)]) -> Parts {
        let mut builder = Request::get("/").header("host", host);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(()).expect("request").into_parts().0
    }

    fn context(client: [u8; 4]) -> RequestContext {
        RequestContext {
            client_ip: client.into(),
            trusted_proxy: false,
            tls: false,
            now: Instant::now(),
            entry_point: 0,
        }
    }

    #[test]
    fn sources_are_the_host_by_default_or_as_the_criterion_says() {
        // inflight_req.go New: no criterion -> requestHost; extractor.go for the others
        let config = parse(&[("amount", "10")]).expect("valid");
        assert_eq!(config.source, SourceCriterion::RequestHost);
        let header = parse(&[
            ("amount", "1"),
            ("sourceCriterion.requestHeaderName", "X-Tenant"),
        ])
        .expect("valid");
        assert!(
            matches!(header.source, SourceCriterion::RequestHeader(ref name) if name == "x-tenant")
        );
        let ip =
            parse(&[("amount", "1"), ("sourceCriterion.ipStrategy.depth", "2")]).expect("valid");
        assert_eq!(
            ip.source,
            SourceCriterion::Ip(IpStrategy::Depth {
                depth: 2,
                ipv6_subnet: None
            })
        );
        let err = parse(&[
            ("amount", "1"),
            ("sourceCriterion.requestHost", "true"),
            ("sourceCriterion.requestHeaderName", "X-Tenant"),
        ])
        .expect_err("two criteria");
        assert!(err.reason.contains("mutually exclusive"), "{err}");
    }

    #[test]
    fn no_amount_is_refused() {
        for pairs in [&[][..], &[("amount", "0")][..], &[("amount", "-3")][..]] {
            let err = parse(pairs).expect_err("no amount");
            assert!(err.label.ends_with("amount"), "{err}");
        }
    }

    #[test]
    fn each_source_has_amount_at_once_and_a_dropped_slot_frees_its_place() {
        // inflight_req doc: amount=10; here 2, per Host
        let config = parse(&[("amount", "2")]).expect("valid");
        let (a, b) = (request("a.test", &[]), request("b.test", &[]));
        let client = context([10, 0, 0, 1]);
        let first = config.admit(&a, &client).expect("first");
        let _second = config.admit(&a, &client).expect("second");
        let refused = config.admit(&a, &client).expect_err("third").answer();
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(&refused.body[..], b"max connections reached: 2");
        let _other = config
            .admit(&b, &client)
            .expect("another host counts apart");
        drop(first);
        assert_eq!(config.in_flight("a.test"), 1);
        let _again = config.admit(&a, &client).expect("room again");
    }

    #[test]
    fn by_client_address_each_client_counts_apart() {
        let config =
            parse(&[("amount", "1"), ("sourceCriterion.ipStrategy", "true")]).expect("valid");
        let any = request("a.test", &[]);
        let _one = config.admit(&any, &context([10, 0, 0, 1])).expect("one");
        assert!(config.admit(&any, &context([10, 0, 0, 1])).is_err());
        assert!(config.admit(&any, &context([10, 0, 0, 2])).is_ok());
    }

    #[test]
    fn equal_configurations_are_equal_whatever_is_in_flight() {
        let (one, two) = (
            parse(&[("amount", "1")]).expect("valid"),
            parse(&[("amount", "1")]).expect("valid"),
        );
        let _slot = one
            .admit(&request("a.test", &[]), &context([10, 0, 0, 1]))
            .expect("slot");
        assert_eq!(one, two);
    }
}
