//! Holding what the tasks received against a case: the requests in order, each one's method,
//! target, headers and body framing, and what every forwarded request must be whatever the
//! case (one `Host`, hawser's own `X-Forwarded-For`, no hop-by-hop header, CRLF lines).

use std::net::IpAddr;

use super::case::{Body, Case, Forwarded, Want};
use crate::support::recorder::{Framing, Received};

/// Headers no task may receive unless a case asks for them by name.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authorization",
    "http2-settings",
    "upgrade",
    "trailer",
];

/// The client a forwarded request came from: the last address of its `X-Forwarded-For`.
pub fn client_of(received: &Received) -> Option<IpAddr> {
    let chain = received.value("x-forwarded-for")?;
    chain.rsplit(',').next()?.trim().parse().ok()
}

/// Problems with what the tasks got for `case`, whose requests came from `source`.
pub fn forwarded(case: &Case, source: IpAddr, received: &[&Received]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut received = received.iter().copied().peekable();
    for expected in &case.forwarded {
        match received.peek() {
            Some(got) if same_request(expected, got) => {
                problems.extend(compare(expected, got, source));
                received.next();
            }
            // A cut request may never have reached the task at all.
            _ if expected.body == Body::Cut => {}
            Some(got) => {
                problems.push(format!(
                    "expected {} {} at {}, the task got {} {} at {}",
                    expected.method,
                    expected.target,
                    expected.task.listener(),
                    got.method,
                    got.target,
                    got.listener
                ));
                received.next();
            }
            None => problems.push(format!(
                "expected {} {} at {}; nothing reached it",
                expected.method,
                expected.target,
                expected.task.listener()
            )),
        }
    }
    for extra in received {
        problems.push(format!(
            "a task got {} {} at {} ({:?}), which the case does not expect",
            extra.method, extra.target, extra.listener, extra.body
        ));
    }
    problems
}

fn same_request(expected: &Forwarded, got: &Received) -> bool {
    got.listener == expected.task.listener()
        && got.method == expected.method
        && got.target == expected.target
}

fn compare(expected: &Forwarded, got: &Received, source: IpAddr) -> Vec<String> {
    let mut problems = Vec::new();
    let what = format!("{} {}", got.method, got.target);
    let body_ok = match (&expected.body, &got.body) {
        (Body::None, Framing::None) | (Body::Cut, Framing::Cut { .. }) => true,
        (Body::Length(want), Framing::Length(data)) => want == data,
        (Body::Chunked(want), Framing::Chunked { data, .. }) => want == data,
        _ => false,
    };
    if !body_ok {
        problems.push(format!(
            "{what}: body {:?} expected, the task got {:?}",
            expected.body, got.body
        ));
    }
    for (name, want) in &expected.headers {
        let values = got.values(name);
        let one = |value: &[u8]| values.len() == 1 && values[0] == value;
        let ok = match want {
            Want::Is(value) => one(value),
            Want::Absent => values.is_empty(),
            Want::Present => values.len() == 1,
            Want::Client => one(source.to_string().as_bytes()),
            Want::Appended(chain) => one(format!("{chain}, {source}").as_bytes()),
        };
        if !ok {
            let shown: Vec<_> = values.iter().map(|v| String::from_utf8_lossy(v)).collect();
            problems.push(format!("{what}: {name} should be {want:?}, got {shown:?}"));
        }
    }
    problems.extend(invariants(expected, got, source));
    problems
}

/// What every request a task receives from hawser looks like.
fn invariants(expected: &Forwarded, got: &Received, source: IpAddr) -> Vec<String> {
    let mut problems = Vec::new();
    let what = format!("{} {}", got.method, got.target);
    if got.minor_version != 1 {
        problems.push(format!("{what}: sent as HTTP/1.{}", got.minor_version));
    }
    if got.values("host").len() != 1 {
        problems.push(format!("{what}: {} Host headers", got.values("host").len()));
    }
    if client_of(got) != Some(source) || got.value("x-real-ip") != Some(source.to_string()) {
        problems.push(format!(
            "{what}: X-Forwarded-For {:?} / X-Real-Ip {:?} do not end in the client {source}",
            got.value("x-forwarded-for"),
            got.value("x-real-ip")
        ));
    }
    for name in HOP_BY_HOP {
        let asked = expected.headers.iter().any(|(header, _)| header == name);
        if !asked && !got.values(name).is_empty() {
            problems.push(format!("{what}: hop-by-hop {name} reached the task"));
        }
    }
    if got.values("te").iter().any(|te| *te != b"trailers") {
        problems.push(format!("{what}: a TE other than trailers reached the task"));
    }
    let bare_lf = got
        .raw_head
        .iter()
        .enumerate()
        .any(|(at, &byte)| byte == b'\n' && (at == 0 || got.raw_head[at - 1] != b'\r'));
    if bare_lf {
        problems.push(format!("{what}: the head has a bare LF"));
    }
    if let Framing::Invalid(reason) = &got.body {
        problems.push(format!("{what}: framing the task cannot read: {reason}"));
    }
    problems
}
