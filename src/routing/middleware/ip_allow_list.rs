//! `ipAllowList` (and its deprecated v2 name `ipWhiteList`): lets through only clients whose
//! address, chosen by `ipStrategy`, is in `sourceRange`, as Traefik v2/v3 does
//! (`pkg/middlewares/ipallowlist`). Others get `rejectStatusCode` (v3; 403 by default, and
//! always for `ipWhiteList`) with its status text as the body. No address at all is refused.

use http::StatusCode;
use http::request::Parts;

use super::ip_strategy::{IpRanges, IpStrategy};
use super::{Answer, RequestContext, RequestStep, ResponseEdits, Verdict};
use crate::routing::options::{OptionError, Options};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpAllowList {
    pub source_range: IpRanges,
    pub strategy: IpStrategy,
    pub reject_status: StatusCode,
    /// Configured as `ipWhiteList`.
    pub white_list: bool,
}

impl IpAllowList {
    pub fn from_options(options: &Options<'_>) -> Result<Self, OptionError> {
        let reject_status = match options.number::<u16>("rejectstatuscode")? {
            None | Some(0) => StatusCode::FORBIDDEN,
            Some(code) => StatusCode::from_u16(code)
                .ok()
                .filter(|status| status.canonical_reason().is_some())
                .ok_or_else(|| {
                    options.error(
                        "rejectstatuscode",
                        format!("invalid HTTP status code {code}"),
                    )
                })?,
        };
        Ok(IpAllowList {
            reject_status,
            ..Self::read(options)?
        })
    }

    /// `ipWhiteList`: the same without `rejectStatusCode`. Traefik v3 logs that it is
    /// deprecated; so does hawser.
    pub fn from_white_list(options: &Options<'_>) -> Result<Self, OptionError> {
        options.warn("", "ipWhiteList is deprecated, use ipAllowList instead");
        Ok(IpAllowList {
            white_list: true,
            ..Self::read(options)?
        })
    }

    fn read(options: &Options<'_>) -> Result<Self, OptionError> {
        let items = options.list("sourcerange").unwrap_or_default();
        if items.is_empty() {
            return Err(options.error(
                "sourcerange",
                "is required (sourceRange is empty, IPAllowLister not created)",
            ));
        }
        let source_range = IpRanges::parse(options, "sourcerange", &items)?;
        let strategy = if options.enabled("ipstrategy") {
            IpStrategy::from_options(&options.nested("ipstrategy"))?
        } else {
            IpStrategy::default()
        };
        Ok(IpAllowList {
            source_range,
            strategy,
            reject_status: StatusCode::FORBIDDEN,
            white_list: false,
        })
    }

    pub fn allows(&self, request: &Parts, context: &RequestContext) -> bool {
        let address = self.strategy.client_ip(request, context);
        self.source_range.contains(&address).unwrap_or(false)
    }
}

impl RequestStep for IpAllowList {
    fn on_request(
        &self,
        request: &mut Parts,
        context: &RequestContext,
        _edits: &mut ResponseEdits,
    ) -> Verdict {
        if self.allows(request, context) {
            return Verdict::Continue;
        }
        let reason = self.reject_status.canonical_reason().unwrap_or("");
        Verdict::Respond(Answer::text(self.reject_status, reason))
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::*;
    use crate::routing::middleware::test_support::{context, request, run};

    fn parse(kind: &str, pairs: &[(&str, &str)]) -> Result<IpAllowList, OptionError> {
        let mut options = Options::new(format!("traefik.http.middlewares.m.{kind}"));
        for (key, value) in pairs {
            options.push(key, key, value);
        }
        let parsed = match kind {
            "ipallowlist" => IpAllowList::from_options(&options),
            _ => IpAllowList::from_white_list(&options),
        }?;
        options.finish()?;
        Ok(parsed)
    }

    fn from(step: &IpAllowList, client: &str) -> (u16, String) {
        let context = RequestContext {
            client_ip: client.parse::<IpAddr>().expect("ip"),
            ..context()
        };
        let outcome = run(step, request("GET", "/", &[]), &context);
        let body = match &outcome.verdict {
            Verdict::Continue => String::new(),
            Verdict::Respond(answer) => String::from_utf8_lossy(&answer.body).into_owned(),
        };
        (outcome.status().as_u16(), body)
    }

    #[test]
    fn only_listed_clients_pass() {
        // pkg/middlewares/ipallowlist/ip_allowlist_test.go, and the doc's sourcerange
        let step = parse("ipallowlist", &[("sourceRange", "20.20.20.20")]).expect("valid");
        assert_eq!(from(&step, "20.20.20.20").0, 200);
        assert_eq!(from(&step, "20.20.20.21"), (403, "Forbidden".to_owned()));
        let step = parse(
            "ipallowlist",
            &[("sourcerange", "127.0.0.1/32, 192.168.1.7")],
        )
        .expect("valid");
        assert_eq!(from(&step, "127.0.0.1").0, 200);
        assert_eq!(from(&step, "192.168.1.7").0, 200);
        assert_eq!(from(&step, "192.168.1.8").0, 403);
    }

    #[test]
    fn the_reject_status_is_configurable_in_v3_only() {
        // ip_allowlist_test.go: rejectStatusCode 404
        let pairs = [("sourceRange", "20.20.20.20"), ("rejectStatusCode", "404")];
        let step = parse("ipallowlist", &pairs).expect("valid");
        assert_eq!(from(&step, "20.20.20.21"), (404, "Not Found".to_owned()));
        let err = parse("ipwhitelist", &pairs).expect_err("v2 has no rejectStatusCode");
        assert_eq!(err.label, "rejectStatusCode");
        let bad = [("sourceRange", "20.20.20.20"), ("rejectStatusCode", "599")];
        let err = parse("ipallowlist", &bad).expect_err("no status text");
        assert!(err.reason.contains("599"), "{err}");
    }

    #[test]
    fn ip_white_list_is_the_same_with_a_fixed_403() {
        let step = parse("ipwhitelist", &[("sourceRange", "10.0.0.0/8")]).expect("valid");
        assert!(step.white_list);
        assert_eq!(from(&step, "10.1.2.3").0, 200);
        assert_eq!(from(&step, "11.1.2.3"), (403, "Forbidden".to_owned()));
    }

    #[test]
    fn the_strategy_chooses_the_address_checked() {
        let pairs = [("sourceRange", "1.2.3.4"), ("ipStrategy.depth", "1")];
        let step = parse("ipallowlist", &pairs).expect("valid");
        let trusted = RequestContext {
            client_ip: [10, 0, 0, 1].into(),
            trusted_proxy: true,
            ..context()
        };
        let forwarded = [("x-forwarded-for", "1.2.3.4, 10.0.0.1")];
        assert_eq!(
            run(&step, request("GET", "/", &forwarded), &trusted).status(),
            StatusCode::OK
        );
        let untrusted = RequestContext {
            trusted_proxy: false,
            ..trusted
        };
        let outcome = run(&step, request("GET", "/", &forwarded), &untrusted);
        assert_eq!(
            outcome.status(),
            StatusCode::FORBIDDEN,
            "a client cannot claim an address"
        );
        let step = parse(
            "ipallowlist",
            &[("sourceRange", "127.0.0.1"), ("ipStrategy", "true")],
        );
        assert_eq!(step.expect("valid").strategy, IpStrategy::default());
    }

    #[test]
    fn bad_ranges_name_their_label() {
        // ip_allowlist_test.go: an empty sourceRange and "foo" are build errors
        let err = parse("ipallowlist", &[]).expect_err("empty");
        assert_eq!(
            err.label,
            "traefik.http.middlewares.m.ipallowlist.sourcerange"
        );
        let err = parse("ipallowlist", &[("sourceRange", "foo")]).expect_err("foo");
        assert_eq!(err.label, "sourceRange");
        assert!(err.reason.contains("\"foo\""), "{err}");
    }
}
