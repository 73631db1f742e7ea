//! `rateLimit` as the proxy runs it: a request a little early waits for its token, as
//! Traefik's does, instead of being refused; the decision is the configuration's
//! ([`RateLimit::admit`]).

use http::Request;

use super::{Endpoint, Reply};
use crate::proxy::request_body::RequestBody;
use crate::routing::middleware::rate_limit::Admission;
use crate::routing::middleware::{MiddlewareDef, RateLimit, RequestContext};

pub fn run<'a>(
    config: &'a RateLimit,
    request: Request<RequestBody>,
    rest: &'a [MiddlewareDef],
    context: &'a RequestContext,
    endpoint: &'a dyn Endpoint,
) -> Reply<'a> {
    let (parts, body) = request.into_parts();
    let admission = config.admit(&parts, context);
    Box::pin(async move {
        match admission {
            Admission::Refused(answer) => return answer.into_response(),
            Admission::After(wait) => tokio::time::sleep(wait).await,
            Admission::Now => {}
        }
        super::run(rest, Request::from_parts(parts, body), context, endpoint).await
    })
}
