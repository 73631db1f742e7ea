//! The raw-socket conformance suite: hawser, against the fake Engine API, takes each case in
//! `tests/conformance/` (bytes as an attacker writes them, by class) and the test asserts the
//! status lines hawser sent, whether it kept reading the connection, and exactly what the
//! tasks received. The tasks are a recording backend (`tests/support/recorder.rs`) behind three
//! routes: `PathPrefix:/rec`, `PathPrefix:/admin` and `PathPrefixStrip:/strip`.
//!
//! Each case connects from an address of its own in 127.77.0.0/16, so whatever a task receives
//! is told apart by the `X-Forwarded-For` hawser adds, even when it arrives late.
//!
//! `cargo test --test conformance -- --nocapture` prints the summary by class; with
//! `CONFORMANCE_TRACE=1` also what each case's tasks received.

#[path = "conformance/mod.rs"]
mod conformance;
mod support;

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use conformance::case::{Case, Class};
use conformance::{check, exchange, limits};
use serde_json::{Value, json};
use support::fake_docker::Swarm;
use support::hawser::Hawser;
use support::http::{get, json};
use support::recorder::{Framing, Recorder};
use support::stack::{Stack, seed_stack};
use support::swarm::{new_service, new_task};
use support::wait::eventually;

/// A service with `rule` whose one task is the recorder's listener at `port`.
fn add_recorded_service(swarm: &mut Swarm, name: &str, rule: &str, port: u16, slot: u64) {
    let id = format!("{name}-id");
    let labels = json!({
        "traefik.port": port.to_string(),
        "traefik.docker.network": "demo_apps",
        "traefik.frontend.rule": rule,
    });
    let service = new_service(swarm, name, &id, labels);
    let mut task: Value = new_task(
        swarm,
        "demo_hello",
        &format!("{id}-task"),
        slot,
        Ipv4Addr::LOCALHOST,
    );
    task["ServiceID"] = json!(id);
    swarm.services.push(service);
    swarm.tasks.push(task);
}

fn case_address(index: usize) -> IpAddr {
    let high = u8::try_from(index / 200).unwrap_or(u8::MAX);
    let low = u8::try_from(index % 200).unwrap_or(0) + 1;
    IpAddr::V4(Ipv4Addr::new(127, 77, high, low))
}

/// The seed stack, the recorder behind three routes, and hawser started with `flags`.
struct Lab {
    _stack: Stack,
    recorder: Recorder,
    hawser: Hawser,
}

async fn lab(flags: &[&str]) -> Lab {
    let stack = seed_stack(&[]).await;
    let recorder = Recorder::start(&["rec", "admin", "strip"]).await;
    let routes = [
        ("demo_rec", "PathPrefix:/rec", "rec"),
        ("demo_admin", "PathPrefix:/admin", "admin"),
        ("demo_strip", "PathPrefixStrip:/strip", "strip"),
    ];
    stack.docker.edit(|swarm| {
        for (slot, (name, rule, listener)) in routes.iter().enumerate() {
            let port = recorder.address(listener).port();
            add_recorded_service(swarm, name, rule, port, slot as u64 + 1);
        }
    });
    let url = stack.docker.url();
    let mut args = vec!["--docker-host", url.as_str()];
    args.extend_from_slice(flags);
    let hawser = Hawser::start(&args).await;
    for path in ["/rec/ready", "/admin/ready", "/strip/ready"] {
        eventually(Duration::from_secs(10), path, || async {
            let reply = get(&hawser.url(path)).await.ok()?;
            (reply.status == 200).then_some(())
        })
        .await;
    }
    Lab {
        _stack: stack,
        recorder,
        hawser,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_requests_get_the_answers_a_trusted_proxy_gives() {
    let Lab {
        _stack,
        recorder,
        hawser,
    } = lab(limits::FLAGS).await;

    let cases = conformance::all();
    let admin = format!("http://{}", hawser.admin);
    let mut problems: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (index, case) in cases.iter().enumerate() {
        let seen = exchange::run(case, case_address(index), hawser.proxy, &admin).await;
        let mut found = seen.problems;
        if seen.statuses != case.statuses {
            found.push(format!(
                "statuses {:?}, expected {:?}",
                seen.statuses, case.statuses
            ));
        }
        if seen.then != Some(case.then) {
            found.push(format!("then {:?}, expected {:?}", seen.then, case.then));
        }
        problems.entry(index).or_default().extend(found);
    }

    // Everything forwarded has arrived (a cut request is recorded once its connection ends).
    recorder.settle(Duration::from_secs(10)).await;
    let received = recorder.received();
    let mut unattributed = Vec::new();
    let mut by_case: BTreeMap<usize, Vec<_>> = BTreeMap::new();
    for request in &received {
        if request.target == exchange::SENTINEL {
            continue;
        }
        let index = check::client_of(request)
            .and_then(|client| (0..cases.len()).find(|&index| case_address(index) == client));
        match index {
            Some(index) => by_case.entry(index).or_default().push(request),
            None if check::client_of(request) == Some(IpAddr::V4(Ipv4Addr::LOCALHOST)) => {}
            None => unattributed.push(format!(
                "{} {} ({:?})",
                request.method, request.target, request.body
            )),
        }
    }
    let trace = std::env::var_os("CONFORMANCE_TRACE").is_some();
    for (index, case) in cases.iter().enumerate() {
        let got = by_case.remove(&index).unwrap_or_default();
        if trace {
            let tasks: Vec<String> = got
                .iter()
                .map(|request| {
                    format!(
                        "{} {} @{} {}",
                        request.method,
                        request.target,
                        request.listener,
                        framing(&request.body)
                    )
                })
                .collect();
            println!("{:<45} {:?} {tasks:?}", case.name, case.statuses);
        }
        let found = check::forwarded(case, case_address(index), &got);
        problems.entry(index).or_default().extend(found);
    }

    // Bodies the clients broke or sent too much of were never the tasks' fault.
    let backends = json(&hawser.admin_url("/api/backends")).await;
    let recorded: Vec<String> = recorder
        .listeners
        .iter()
        .map(|(_, address)| address.to_string())
        .collect();
    let tasks: Vec<Value> = backends
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|pool| pool["backends"].as_array().cloned().unwrap_or_default())
        .filter(|backend| {
            recorded
                .iter()
                .any(|address| backend["address"] == address.as_str())
        })
        .collect();
    assert_eq!(tasks.len(), recorded.len(), "{backends}");
    for task in &tasks {
        assert_eq!(task["failures"], 0, "a task was blamed: {task}");
        assert_eq!(task["up"], true, "{task}");
    }

    print_summary(&cases, &problems);
    let failed: Vec<String> = problems
        .iter()
        .filter(|(_, found)| !found.is_empty())
        .map(|(&index, found)| {
            format!(
                "{} ({}): {}",
                cases[index].name,
                cases[index].source,
                found.join("; ")
            )
        })
        .collect();
    assert!(
        unattributed.is_empty(),
        "requests no case sent reached a task: {unattributed:?}"
    );
    assert!(
        failed.is_empty(),
        "{} cases failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
    assert!(cases.len() >= 60, "only {} cases", cases.len());
}

/// A body's framing and size, for the trace.
fn framing(body: &Framing) -> String {
    match body {
        Framing::None => "no body".into(),
        Framing::Length(data) => format!("length {}", data.len()),
        Framing::Chunked { data, trailers } => {
            format!("chunked {} (+{} trailers)", data.len(), trailers.len())
        }
        Framing::Cut { received } => format!("cut after {} bytes", received.len()),
        Framing::Invalid(reason) => format!("invalid: {reason}"),
    }
}

fn print_summary(cases: &[Case], problems: &BTreeMap<usize, Vec<String>>) {
    let mut by_class: BTreeMap<Class, (usize, usize, usize)> = BTreeMap::new();
    for (index, case) in cases.iter().enumerate() {
        let entry = by_class.entry(case.class).or_default();
        entry.0 += 1;
        if problems.get(&index).is_none_or(Vec::is_empty) {
            entry.1 += 1;
        }
        if case.hyper.is_some() {
            entry.2 += 1;
        }
    }
    println!(
        "{:<14} {:>5} {:>6} {:>9}",
        "class", "cases", "passed", "by hyper"
    );
    let mut totals = (0, 0, 0);
    for (class, (count, passed, hyper)) in &by_class {
        println!(
            "{:<14} {count:>5} {passed:>6} {hyper:>9}",
            class.to_string()
        );
        totals = (totals.0 + count, totals.1 + passed, totals.2 + hyper);
    }
    println!(
        "{:<14} {:>5} {:>6} {:>9}",
        "total", totals.0, totals.1, totals.2
    );
}

/// One HTTP/2 (prior knowledge) request: its status, and the body (the recorder names the task
/// and the target it received).
async fn h2(hawser: &Hawser, method: &str, uri: &str, headers: &[(&str, &str)]) -> (u16, String) {
    use http_body_util::{BodyExt, Empty};
    use hyper_util::rt::{TokioExecutor, TokioIo};
    let stream = tokio::net::TcpStream::connect(hawser.proxy)
        .await
        .expect("connect");
    let (mut sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .expect("an HTTP/2 handshake");
    tokio::spawn(connection);
    let mut request = http::Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(Empty::<bytes::Bytes>::new())
        .expect("a request");
    let response = sender.send_request(request).await.expect("an answer");
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_requests_are_validated_and_normalised_too() {
    let lab = lab(&[]).await;
    let hawser = &lab.hawser;
    // RFC 9113 §8.3.1: :authority alone names the host; a Host that disagrees is malformed.
    let (status, body) = h2(hawser, "GET", "http://c.test/rec/h2", &[]).await;
    assert_eq!((status, body.as_str()), (200, "rec /rec/h2\n"));
    let (status, _) = h2(hawser, "GET", "http://c.test/rec/h2", &[("host", "c.test")]).await;
    assert_eq!(status, 200, "a Host equal to :authority");
    let (status, body) = h2(
        hawser,
        "GET",
        "http://c.test/rec/h2",
        &[("host", "evil.test")],
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("Host"), "{body}");
    // The same path normal form as HTTP/1.
    let (status, body) = h2(hawser, "GET", "http://c.test/rec/../admin/h2", &[]).await;
    assert_eq!((status, body.as_str()), (200, "admin /admin/h2\n"));
    let (status, _) = h2(hawser, "GET", "http://c.test/rec/%2e%2e/admin", &[]).await;
    assert_eq!(status, 400);
    // HTTP/2 has no header count of hyper's: hawser's own applies (default 100).
    let many: Vec<(String, String)> = (0..101)
        .map(|n| (format!("x-n{n}"), n.to_string()))
        .collect();
    let many: Vec<(&str, &str)> = many
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let (status, _) = h2(hawser, "GET", "http://c.test/rec/many", &many).await;
    assert_eq!(status, 431);
    let (status, _) = h2(hawser, "GET", "http://c.test/rec/many", &many[..100]).await;
    assert_eq!(status, 200, "at the limit");
}
