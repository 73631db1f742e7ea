use super::*;
use crate::routing::middleware::test_support::{context, request};

fn parse(pairs: &[(&str, &str)]) -> Result<RateLimit, OptionError> {
    let mut options = Options::new("traefik.http.middlewares.m.ratelimit");
    for (key, value) in pairs {
        options.push(key, key, value);
    }
    let parsed = RateLimit::from_options(&options)?;
    options.finish()?;
    Ok(parsed)
}

fn at(limiter: &RateLimit, now: Instant, client: [u8; 4]) -> Admission {
    let context = RequestContext {
        client_ip: client.into(),
        now,
        ..context()
    };
    limiter.admit(&request("GET", "http://h/", &[]), &context)
}

#[test]
fn defaults_and_delays_follow_traefik() {
    // pkg/middlewares/ratelimiter/rate_limiter_test.go: average 0 is no limit; 200/s with
    // burst 10 waits at most 2.5 ms; 2 per 10 s at most 500 ms; the doc's 100/s is 5 ms
    let unlimited = parse(&[]).expect("valid");
    assert!(unlimited.limit.per_second.is_infinite());
    assert_eq!(
        (unlimited.burst, unlimited.period),
        (1, Duration::from_secs(1))
    );
    let fast = parse(&[("average", "200"), ("burst", "10")]).expect("valid");
    assert_eq!(fast.max_delay(), Duration::from_micros(2500));
    let slow = parse(&[("average", "2"), ("period", "10s")]).expect("valid");
    assert_eq!(slow.max_delay(), Duration::from_millis(500));
    assert_eq!(
        slow.idle,
        Duration::from_secs(6),
        "1 + 1/rate seconds below one a second"
    );
    let doc = parse(&[("average", "100"), ("period", "1s"), ("burst", "200")]).expect("valid");
    assert_eq!(doc.max_delay(), Duration::from_millis(5));
    assert_eq!(doc.idle, Duration::from_secs(2));
    let bare_seconds = parse(&[("average", "1"), ("period", "60")]).expect("valid");
    assert_eq!(bare_seconds.period, Duration::from_secs(60));
    assert_eq!(
        parse(&[("burst", "0")]).expect("valid").burst,
        1,
        "max(burst, 1)"
    );
}

#[test]
fn the_burst_passes_then_early_requests_wait_a_little_or_are_refused() {
    let limiter = parse(&[("average", "100"), ("burst", "2")]).expect("valid");
    let start = Instant::now();
    let client = [10, 0, 0, 1];
    assert_eq!(at(&limiter, start, client), Admission::Now);
    assert_eq!(at(&limiter, start, client), Admission::Now);
    let Admission::Refused(answer) = at(&limiter, start, client) else {
        panic!("the bucket is empty and the next token 10 ms away");
    };
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(answer.body, "Too Many Requests");
    assert_eq!(answer.headers["retry-after"], "1");
    let retry_in = answer.headers["x-retry-in"].to_str().expect("ascii");
    assert!(
        retry_in.ends_with("ms") && retry_in.starts_with("9.9") || retry_in == "10ms",
        "{retry_in}"
    );
    match at(&limiter, start + Duration::from_millis(7), client) {
        Admission::After(wait) => {
            assert!(wait.abs_diff(Duration::from_millis(3)) < Duration::from_micros(1))
        }
        other => panic!("3 ms early is held back, not {other:?}"),
    }
    assert_eq!(
        at(&limiter, start, [10, 0, 0, 2]),
        Admission::Now,
        "each source has its bucket"
    );
}

#[test]
fn a_long_wait_says_when_to_retry() {
    // one request a minute: the second is 60 s early
    let limiter = parse(&[("average", "1"), ("period", "1m")]).expect("valid");
    let start = Instant::now();
    assert_eq!(at(&limiter, start, [1, 1, 1, 1]), Admission::Now);
    let Admission::Refused(answer) = at(&limiter, start + Duration::from_millis(500), [1, 1, 1, 1])
    else {
        panic!("refused");
    };
    assert_eq!(answer.headers["retry-after"], "60");
    let retry_in = answer.headers["x-retry-in"].to_str().expect("ascii");
    assert!(
        retry_in.starts_with("59.") && retry_in.ends_with('s'),
        "{retry_in}"
    );
}

#[test]
fn sources_follow_the_criterion() {
    let by_header = parse(&[("sourceCriterion.requestHeaderName", "X-Api-Key")]).expect("valid");
    assert_eq!(
        by_header.source,
        SourceCriterion::RequestHeader(HeaderName::from_static("x-api-key"))
    );
    let limiter = RateLimit::new(1, Duration::from_secs(1), 1, by_header.source.clone());
    let now = Instant::now();
    let with_key = |key: &str| {
        let context = RequestContext { now, ..context() };
        limiter.admit(&request("GET", "/", &[("x-api-key", key)]), &context)
    };
    assert_eq!(with_key("a"), Admission::Now);
    assert!(matches!(with_key("a"), Admission::Refused(_)));
    assert_eq!(with_key("b"), Admission::Now);
    let by_host = parse(&[("sourcecriterion.requesthost", "true")]).expect("valid");
    assert_eq!(by_host.source, SourceCriterion::RequestHost);
    let by_depth = parse(&[("sourceCriterion.ipStrategy.depth", "2")]).expect("valid");
    assert!(matches!(
        by_depth.source,
        SourceCriterion::Ip(IpStrategy::Depth { depth: 2, .. })
    ));
}

#[test]
fn criteria_are_mutually_exclusive() {
    // pkg/middlewares/extractor.go
    let cases = [
        [
            ("sourceCriterion.ipStrategy.depth", "1"),
            ("sourceCriterion.requestHeaderName", "X"),
        ],
        [
            ("sourceCriterion.ipStrategy", "true"),
            ("sourceCriterion.requestHost", "true"),
        ],
        [
            ("sourceCriterion.requestHost", "true"),
            ("sourceCriterion.requestHeaderName", "X"),
        ],
    ];
    for pairs in cases {
        let err = parse(&pairs).expect_err("two criteria");
        assert!(err.reason.contains("mutually exclusive"), "{err}");
        assert_eq!(
            err.label,
            "traefik.http.middlewares.m.ratelimit.sourcecriterion"
        );
    }
}

#[test]
fn bad_options_name_their_label() {
    for (pairs, label) in [
        (&[("average", "-1")][..], "average"),
        (&[("period", "-1s")][..], "period"),
        (&[("burst", "lots")][..], "burst"),
        (
            &[("redis.endpoints", "r:6379")][..],
            "traefik.http.middlewares.m.ratelimit.redis",
        ),
        (
            &[("sourceCriterion.requestHeaderName", "bad header")][..],
            "sourceCriterion.requestHeaderName",
        ),
    ] {
        let err = parse(pairs).expect_err("bad option");
        assert_eq!(err.label, label, "{pairs:?}: {err}");
    }
}

#[test]
fn idle_sources_are_forgotten_and_their_buckets_start_full() {
    let limiter = RateLimit::new(
        1,
        Duration::from_secs(1),
        1,
        SourceCriterion::Ip(IpStrategy::default()),
    );
    let start = Instant::now();
    for last in 0..100u8 {
        assert_eq!(at(&limiter, start, [10, 0, 0, last]), Admission::Now);
    }
    assert_eq!(limiter.sources(), 100);
    let later = start + Duration::from_secs(2);
    assert_eq!(at(&limiter, later, [10, 0, 0, 1]), Admission::Now);
    assert_eq!(
        limiter.sources(),
        1,
        "the others were idle for the 2 s Traefik keeps them"
    );
}

#[test]
fn there_are_never_more_buckets_than_traefik_keeps() {
    let limiter = RateLimit::new(
        1,
        Duration::from_secs(1),
        1,
        SourceCriterion::RequestHeader(HeaderName::from_static("x-k")),
    );
    let now = Instant::now();
    let context = RequestContext { now, ..context() };
    for key in 0..=MAX_SOURCES {
        let parts = request("GET", "/", &[("x-k", &key.to_string())]);
        assert_eq!(limiter.admit(&parts, &context), Admission::Now);
    }
    assert_eq!(limiter.sources(), MAX_SOURCES);
    let first = request("GET", "/", &[("x-k", "0")]);
    assert_eq!(
        limiter.admit(&first, &context),
        Admission::Now,
        "the oldest was dropped: a new, full bucket"
    );
    let recent = request("GET", "/", &[("x-k", &MAX_SOURCES.to_string())]);
    assert!(matches!(
        limiter.admit(&recent, &context),
        Admission::Refused(_)
    ));
}

#[test]
fn equality_is_configuration_not_state() {
    let a = parse(&[("average", "5")]).expect("valid");
    let b = a.clone();
    let _ = at(&a, Instant::now(), [1, 2, 3, 4]);
    assert_eq!(a, b);
    assert_ne!(a, parse(&[("average", "6")]).expect("valid"));
}
