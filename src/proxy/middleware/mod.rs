//! Runs a route's middlewares around forwarding, in the order the router lists them: the first
//! sees the request first and the response last (Traefik's order).
//!
//! Middlewares that need only the request are run through their [`RequestStep`]: a rewrite
//! moves on, an answer comes straight back, and the response header edits each asked for are
//! applied to whatever comes back through it. Middlewares that call out, wait or touch bodies
//! get a file of their own here and an arm in [`run`]: `basicAuth` (a users file, bcrypt off
//! the worker thread), `rateLimit` (a short wait for an early request), `buffering`,
//! `compress`, `errors`, `forwardAuth`, `inFlightReq` and `retry`. Those that call other
//! servers do it through the endpoint's [`Calls`]: this worker's connections and forwarding,
//! and the route's other services ([`client`] for a server named by URL).

mod basic_auth;
mod rate_limit;
pub mod users_file;

// Run by the proxy: they call out, wait or work on bodies.
mod buffering;
pub mod client;
mod compress;
mod errors;
mod forward_auth;
mod in_flight_req;
mod retry;

use std::future::Future;
use std::pin::Pin;

use http::{Request, Response};

use super::body::ProxyBody;
use super::forward::Upstream;
use super::request_body::RequestBody;
use crate::routing::Route;
use crate::routing::middleware::{MiddlewareDef, RequestContext, ResponseEdits, Runner, Verdict};

/// What a middleware's future is.
pub type Reply<'a> = Pin<Box<dyn Future<Output = Response<ProxyBody>> + Send + 'a>>;

/// The end of the chain: the request goes to the route's backends.
pub trait Endpoint: Sync {
    fn call(&self, request: Request<RequestBody>) -> Reply<'_>;

    /// How middlewares reach servers other than the route's backends.
    fn calls(&self) -> Calls<'_>;
}

/// What a middleware that calls out uses: this worker's connection pool and forwarding (no
/// globals: each worker has its own), and the route, whose middlewares' services were
/// resolved in the table it came from.
#[derive(Clone, Copy)]
pub struct Calls<'a> {
    pub upstream: &'a Upstream,
    pub route: &'a Route,
}

/// Runs `middlewares` (outermost first), then `endpoint`.
pub fn run<'a>(
    middlewares: &'a [MiddlewareDef],
    request: Request<RequestBody>,
    context: &'a RequestContext,
    endpoint: &'a dyn Endpoint,
) -> Reply<'a> {
    let Some((first, rest)) = middlewares.split_first() else {
        return endpoint.call(request);
    };
    match first.middleware.runner() {
        Runner::Step(step) => {
            let (mut parts, body) = request.into_parts();
            let mut edits = ResponseEdits::default();
            let verdict = step.on_request(&mut parts, context, &mut edits);
            Box::pin(async move {
                let mut response = match verdict {
                    Verdict::Respond(answer) => answer.into_response(),
                    Verdict::Continue => {
                        let request = Request::from_parts(parts, body);
                        run(rest, request, context, endpoint).await
                    }
                };
                edits.apply(response.headers_mut());
                response
            })
        }
        Runner::BasicAuth(config) => basic_auth::run(config, request, rest, context, endpoint),
        Runner::RateLimit(config) => rate_limit::run(config, request, rest, context, endpoint),

        // Run by the proxy: they call out, wait or work on bodies.
        Runner::Buffering(config) => buffering::run(config, request, rest, context, endpoint),
        Runner::Compress(config) => compress::run(config, request, rest, context, endpoint),
        Runner::Errors(config) => errors::run(config, request, rest, context, endpoint),
        Runner::ForwardAuth(config) => forward_auth::run(config, request, rest, context, endpoint),
        Runner::InFlightReq(config) => in_flight_req::run(config, request, rest, context, endpoint),
        Runner::Retry(config) => retry::run(config, request, rest, context, endpoint),
    }
}

#[cfg(test)]
pub(crate) mod test_support;

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::{Duration, Instant};

    use bytes::Bytes;
    use http::StatusCode;
    use http_body_util::BodyExt;

    use super::test_support::Worker;
    use super::*;
    use crate::routing::middleware::ip_strategy::IpStrategy;
    use crate::routing::middleware::rate_limit::SourceCriterion;
    use crate::routing::middleware::{BasicAuth, Middleware, RateLimit, StripPrefix};
    use crate::routing::options::Options;

    /// Answers 200 with the path it was sent, and remembers it.
    struct Echo(Mutex<Vec<String>>, Worker);

    impl Endpoint for Echo {
        fn call(&self, request: Request<RequestBody>) -> Reply<'_> {
            let path = request.uri().to_string();
            self.0.lock().expect("echo").push(path.clone());
            Box::pin(async move { Response::new(ProxyBody::text(path)) })
        }

        fn calls(&self) -> Calls<'_> {
            self.1.calls()
        }
    }

    fn strip(name: &str, prefix: &str) -> MiddlewareDef {
        MiddlewareDef {
            name: name.into(),
            middleware: Middleware::StripPrefix(StripPrefix {
                prefixes: vec![prefix.into()],
                force_slash: false,
            }),
        }
    }

    async fn send(middlewares: &[MiddlewareDef], path: &str) -> (StatusCode, String, Vec<String>) {
        send_at(middlewares, path, Instant::now()).await
    }

    /// As [`send`], for a request that arrived at `now`.
    async fn send_at(
        middlewares: &[MiddlewareDef],
        path: &str,
        now: Instant,
    ) -> (StatusCode, String, Vec<String>) {
        let echo = Echo(
            Mutex::default(),
            Worker::new(Vec::new(), &[], &test_support::settings()),
        );
        let context = RequestContext {
            client_ip: [127, 0, 0, 1].into(),
            trusted_proxy: false,
            tls: false,
            now,
            entry_point: 0,
        };
        let mut request = Request::new(RequestBody::Empty);
        *request.uri_mut() = path.parse().expect("path");
        let response = run(middlewares, request, &context, &echo).await;
        let status = response.status();
        let body: Bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let seen = echo.0.into_inner().expect("echo");
        (status, String::from_utf8_lossy(&body).into_owned(), seen)
    }

    #[tokio::test]
    async fn steps_run_in_order_and_reach_the_endpoint() {
        let chain = [strip("a@swarm", "/api"), strip("b@swarm", "/v1")];
        let (status, body, seen) = send(&chain, "/api/v1/items?x=1").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, "/items?x=1");
        assert_eq!(seen, ["/items?x=1"]);
        let (_, body, _) = send(&chain, "/v1/api/items").await;
        assert_eq!(
            body, "/api/items",
            "the second strips, the first then has nothing to do"
        );
    }

    #[tokio::test]
    async fn an_answer_stops_the_request_before_the_endpoint() {
        let chain = [strip("a@swarm", "/api")];
        let (status, _, seen) = send(&chain, "/api./x").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(seen.is_empty(), "nothing was forwarded");
    }

    #[tokio::test]
    async fn an_early_request_waits_for_its_token_and_a_later_one_is_refused() {
        // 100 a second: a request 7 ms after the last is 3 ms early (waited for, Traefik's
        // limit being 5 ms); one at the same instant again is 10 ms early (refused)
        let limit = MiddlewareDef {
            name: "limit@file".into(),
            middleware: Middleware::RateLimit(RateLimit::new(
                100,
                Duration::from_secs(1),
                1,
                SourceCriterion::Ip(IpStrategy::default()),
            )),
        };
        let chain = [limit];
        let start = Instant::now();
        assert_eq!(send_at(&chain, "/a", start).await.0, StatusCode::OK);
        let waited_from = tokio::time::Instant::now();
        let later = start + Duration::from_millis(7);
        let (status, _, seen) = send_at(&chain, "/b", later).await;
        assert_eq!(
            (status, seen.as_slice()),
            (StatusCode::OK, ["/b".to_owned()].as_slice())
        );
        let waited = waited_from.elapsed();
        assert!(
            waited >= Duration::from_micros(2900),
            "held back: {waited:?}"
        );
        let (status, _, seen) = send_at(&chain, "/c", later).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert!(seen.is_empty());
    }

    #[tokio::test]
    async fn basic_auth_with_an_unreadable_users_file_lets_nobody_in() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = dir.path().join("users");
        let mut options = Options::new("traefik.http.middlewares.a.basicauth");
        let path = missing.to_str().expect("utf-8");
        options.push("usersFile", "…usersFile", path);
        let auth = MiddlewareDef {
            name: "auth@file".into(),
            middleware: Middleware::BasicAuth(BasicAuth::from_options(&options).expect("valid")),
        };
        let (status, _, seen) = send(&[auth], "/x").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(seen.is_empty());
    }

    #[tokio::test]
    async fn no_middlewares_go_straight_to_the_endpoint() {
        let (status, body, _) = send(&[], "/x").await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "/x"));
    }
}
