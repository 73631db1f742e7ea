//! What the middlewares' table tests share: a request as hawser's proxy hands it to them, and
//! one run of a step.

use std::time::Instant;

use http::request::Parts;
use http::{HeaderMap, Request, StatusCode};

use super::{Answer, RequestContext, RequestStep, ResponseEdits, Verdict};

/// `method target` with `headers`; `target` is a path, or `http://host/path` for the `Host`.
pub fn request(method: &str, target: &str, headers: &[(&str, &str)]) -> Parts {
    let (host, path) = match target.strip_prefix("http://") {
        Some(rest) => match rest.find('/') {
            Some(slash) => (Some(&rest[..slash]), &rest[slash..]),
            None => (Some(rest), "/"),
        },
        None => (None, target),
    };
    let mut builder = Request::builder().method(method).uri(path);
    if let Some(host) = host {
        builder = builder.header("host", host);
    }
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(()).expect("request").into_parts().0
}

pub fn context() -> RequestContext {
    RequestContext {
        client_ip: [127, 0, 0, 1].into(),
        trusted_proxy: false,
        tls: false,
        now: Instant::now(),
        entry_point: 0,
    }
}

/// What one step did: its verdict, the request as it left, and the response edits.
pub struct Outcome {
    pub verdict: Verdict,
    pub request: Parts,
    pub edits: ResponseEdits,
}

impl Outcome {
    /// The answer's status, or 200 for a request that went on.
    pub fn status(&self) -> StatusCode {
        match &self.verdict {
            Verdict::Continue => StatusCode::OK,
            Verdict::Respond(answer) => answer.status,
        }
    }

    pub fn answer(&self) -> &Answer {
        match &self.verdict {
            Verdict::Respond(answer) => answer,
            Verdict::Continue => panic!("the request went on: {:?}", self.request.uri),
        }
    }

    /// The request target as the backend would get it.
    pub fn target(&self) -> String {
        self.request.uri.to_string()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.request
            .headers
            .get(name)
            .map(|value| value.to_str().expect("ascii"))
    }

    /// The response headers a backend's empty answer would get.
    pub fn response_headers(&self, backend: HeaderMap) -> HeaderMap {
        let mut headers = backend;
        self.edits.apply(&mut headers);
        headers
    }
}

pub fn run(step: &dyn RequestStep, mut request: Parts, context: &RequestContext) -> Outcome {
    let mut edits = ResponseEdits::default();
    let verdict = step.on_request(&mut request, context, &mut edits);
    Outcome {
        verdict,
        request,
        edits,
    }
}
