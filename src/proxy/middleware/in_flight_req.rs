//! `inFlightReq` as the proxy runs it: the request's slot ([`InFlightReq::admit`]) is held by
//! its response body and given back when the body is finished or dropped, so a long response
//! counts for as long as it is being sent.

use http::{Request, Response};

use super::{Endpoint, Reply};
use crate::proxy::request_body::RequestBody;
use crate::routing::middleware::{InFlightReq, MiddlewareDef, RequestContext};

pub fn run<'a>(
    config: &'a InFlightReq,
    request: Request<RequestBody>,
    rest: &'a [MiddlewareDef],
    context: &'a RequestContext,
    endpoint: &'a dyn Endpoint,
) -> Reply<'a> {
    let (parts, body) = request.into_parts();
    let admitted = config.admit(&parts, context);
    Box::pin(async move {
        let slot = match admitted {
            Ok(slot) => slot,
            Err(full) => return full.answer().into_response(),
        };
        let response = super::run(rest, Request::from_parts(parts, body), context, endpoint).await;
        let (parts, body) = response.into_parts();
        Response::from_parts(parts, body.on_finish(Box::new(move |_| drop(slot))))
    })
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use http::StatusCode;
    use http_body_util::BodyExt;

    use super::*;
    use crate::proxy::body::ProxyBody;
    use crate::proxy::middleware::test_support::{Backend, Stage, Worker, settings};
    use crate::proxy::middleware::{Calls, run};
    use crate::routing::middleware::Middleware;
    use crate::routing::middleware::rate_limit::SourceCriterion;

    /// Answers every request with a short body.
    struct Answering(Worker);

    impl Endpoint for Answering {
        fn call(&self, _request: Request<RequestBody>) -> Reply<'_> {
            Box::pin(async { Response::new(ProxyBody::text("body")) })
        }

        fn calls(&self) -> Calls<'_> {
            self.0.calls()
        }
    }

    fn request(host: &str) -> Request<RequestBody> {
        let mut request = Request::new(RequestBody::Empty);
        request
            .headers_mut()
            .insert("host", host.parse().expect("host"));
        request
    }

    #[tokio::test]
    async fn the_slot_is_held_until_the_response_body_is_done() {
        let config = InFlightReq::new(1, SourceCriterion::RequestHost);
        let worker = Worker::new(
            vec![Middleware::InFlightReq(config.clone())],
            &[],
            &settings(),
        );
        let chain = &worker.route().def.middlewares;
        let Middleware::InFlightReq(running) = &chain[0].middleware else {
            panic!("inFlightReq");
        };
        let endpoint = Answering(Worker::new(Vec::new(), &[], &settings()));
        let context = RequestContext {
            client_ip: [127, 0, 0, 1].into(),
            trusted_proxy: false,
            tls: false,
            now: Instant::now(),
            entry_point: 0,
        };
        let held = run(chain, request("a.test"), &context, &endpoint).await;
        assert_eq!(held.status(), StatusCode::OK);
        assert_eq!(running.in_flight("a.test"), 1, "headers sent, body not yet");
        let refused = run(chain, request("a.test"), &context, &endpoint).await;
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        let body = refused
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        assert_eq!(&body[..], b"max connections reached: 1");
        let other = run(chain, request("b.test"), &context, &endpoint).await;
        assert_eq!(
            other.status(),
            StatusCode::OK,
            "another host has its own count"
        );
        drop(other);

        let body = held.into_body().collect().await.expect("body").to_bytes();
        assert_eq!(&body[..], b"body");
        assert_eq!(
            running.in_flight("a.test"),
            0,
            "read to the end and dropped"
        );
        let again = run(chain, request("a.test"), &context, &endpoint).await;
        assert_eq!(again.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn over_loopback_requests_one_after_another_all_pass() {
        // inFlightReq doc: amount=10; sequential requests never exceed it
        let backend = Backend::answering(StatusCode::OK, "ok").await;
        let stage = Stage::start(
            vec![Middleware::InFlightReq(InFlightReq::new(
                1,
                SourceCriterion::RequestHost,
            ))],
            &[("app", &[backend.address])],
        )
        .await;
        for _ in 0..3 {
            let (status, _, body) = stage.get("/", &[]).await;
            assert_eq!((status, &body[..]), (StatusCode::OK, &b"ok"[..]));
        }
    }
}
