//! The swarm changing under a running hawser: tasks coming and going, the Docker API going
//! away and coming back, bad labels appearing beside good services.

mod support;

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use http::StatusCode;
use serde_json::json;
use support::hawser::Hawser;
use support::http::{get, json};
use support::stack::{Stack, seed_stack};
use support::swarm::new_service;
use support::wait::eventually;

const SPARE_IP: Ipv4Addr = Ipv4Addr::new(127, 0, 9, 1);

async fn hello_stack() -> Stack {
    seed_stack(&[SPARE_IP]).await
}

fn add_spare_task(stack: &Stack) {
    stack.add_task("spare-task", 3, SPARE_IP);
}

fn remove_spare_task(stack: &Stack) {
    stack.remove_task("spare-task");
}

/// Sends requests until the spare backend has answered one; returns how long that took.
async fn until_spare_serves(hawser: &Hawser, stack: &Stack, within: Duration) -> Duration {
    let started = Instant::now();
    eventually(within, "the new task to get traffic", || async {
        let reply = get(&hawser.url("/hello/x")).await.ok()?;
        assert_eq!(reply.status, StatusCode::OK);
        (stack.spares[0].hits() > 0).then_some(())
    })
    .await;
    started.elapsed()
}

async fn hello_backend_count(hawser: &Hawser) -> usize {
    let routes = json(&hawser.admin_url("/api/routes")).await;
    routes["routes"]
        .as_array()
        .expect("routes")
        .iter()
        .find(|route| route["name"] == "demo_hello")
        .map_or(0, |route| route["backends"].as_array().map_or(0, Vec::len))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_alone_brings_a_new_task_in_and_takes_it_out_within_two_seconds() {
    let stack = hello_stack().await;
    // Polling so slow that only the event can explain a change within two seconds.
    let slow = ["--poll-interval", "60s", "--poll-interval-active", "60s"];
    let mut args = vec!["--docker-host", stack.docker.url().leak()];
    args.extend(slow);
    let hawser = Hawser::start(&args).await;
    assert_eq!(hello_backend_count(&hawser).await, 2);

    add_spare_task(&stack);
    stack.docker.event("service", "update", "demo_hello");
    let took = until_spare_serves(&hawser, &stack, Duration::from_secs(2)).await;
    println!("new task routed {took:?} after the event");

    remove_spare_task(&stack);
    let removed = Instant::now();
    stack.docker.event("service", "update", "demo_hello");
    eventually(
        Duration::from_secs(2),
        "the removed task to leave the table",
        || async { (hello_backend_count(&hawser).await == 2).then_some(()) },
    )
    .await;
    println!(
        "removed task dropped {:?} after the event",
        removed.elapsed()
    );
    let hits = stack.spares[0].hits();
    for _ in 0..6 {
        assert_eq!(
            get(&hawser.url("/hello/x")).await.expect("answer").status,
            StatusCode::OK
        );
    }
    assert_eq!(
        stack.spares[0].hits(),
        hits,
        "no traffic to the removed task"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_alone_follows_a_change_that_sends_no_event() {
    let stack = hello_stack().await;
    let hawser = Hawser::start(&[
        "--docker-host",
        &stack.docker.url(),
        "--poll-interval",
        "300ms",
    ])
    .await;
    add_spare_task(&stack);
    until_spare_serves(&hawser, &stack, Duration::from_secs(2)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_keep_serving_while_the_docker_api_is_away_and_resync_when_it_returns() {
    let mut stack = hello_stack().await;
    let hawser = Hawser::start(&[
        "--docker-host",
        &stack.docker.url(),
        "--poll-interval",
        "200ms",
        "--docker-backoff-max",
        "300ms",
    ])
    .await;
    stack.docker.stop();
    eventually(Duration::from_secs(5), "discovery to notice", || async {
        let discovery = json(&hawser.admin_url("/api/discovery")).await;
        (discovery["reachable"] == false).then_some(())
    })
    .await;
    // Several retries happen meanwhile; requests keep being served from the last table.
    for _ in 0..20 {
        let reply = get(&hawser.url("/hello/away")).await.expect("answer");
        assert_eq!(reply.status, StatusCode::OK);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let discovery = json(&hawser.admin_url("/api/discovery")).await;
    assert!(
        discovery["refresh_failures"].as_u64().expect("count") >= 2,
        "{discovery}"
    );
    assert!(discovery["last_error"].as_str().is_some(), "{discovery}");

    add_spare_task(&stack);
    stack.docker.resume();
    until_spare_serves(&hawser, &stack, Duration::from_secs(5)).await;
    assert_eq!(
        hawser.logged("Docker API unavailable").len(),
        1,
        "the outage is logged once"
    );
    assert_eq!(hawser.logged("Docker API reachable again").len(), 1);
    assert!(stack.hello.iter().any(|backend| backend.hits() > 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erroring_api_keeps_the_last_table() {
    let stack = hello_stack().await;
    let hawser = Hawser::start(&[
        "--docker-host",
        &stack.docker.url(),
        "--poll-interval",
        "200ms",
    ])
    .await;
    stack.docker.edit(|swarm| swarm.failing = Some(500));
    eventually(
        Duration::from_secs(5),
        "discovery to report the error",
        || async {
            let discovery = json(&hawser.admin_url("/api/discovery")).await;
            discovery["last_error"].as_str().map(str::to_owned)
        },
    )
    .await;
    let reply = get(&hawser.url("/hello/still")).await.expect("answer");
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(hello_backend_count(&hawser).await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_labels_skip_only_their_own_service() {
    let stack = hello_stack().await;
    let hawser = Hawser::start(&[
        "--docker-host",
        &stack.docker.url(),
        "--poll-interval",
        "200ms",
    ])
    .await;
    stack.docker.edit(|swarm| {
        let bad_port = new_service(
            swarm,
            "demo_badport",
            "bad1",
            json!({
                "traefik.port": "eighty", "traefik.frontend.rule": "PathPrefix: /bad"
            }),
        );
        let bad_rule = new_service(
            swarm,
            "demo_badrule",
            "bad2",
            json!({
                "traefik.port": "8080", "traefik.frontend.rule": "Hots: example.com"
            }),
        );
        let bad_network = new_service(
            swarm,
            "demo_badnet",
            "bad3",
            json!({
                "traefik.port": "8080", "traefik.frontend.rule": "PathPrefix: /net",
                "traefik.docker.network": "apps"
            }),
        );
        swarm.services.extend([bad_port, bad_rule, bad_network]);
    });
    stack.docker.event("service", "create", "demo_badport");
    let skipped = eventually(
        Duration::from_secs(3),
        "the bad services to be listed",
        || async {
            let routes = json(&hawser.admin_url("/api/routes")).await;
            let skipped = routes["skipped"].as_array().cloned().unwrap_or_default();
            (skipped.len() == 4).then_some(skipped)
        },
    )
    .await;
    let reason = |service: &str| -> String {
        skipped
            .iter()
            .find(|entry| entry["service"] == service)
            .and_then(|entry| entry["reason"].as_str())
            .unwrap_or_else(|| panic!("{service} not skipped: {skipped:?}"))
            .to_owned()
    };
    assert!(reason("demo_badport").contains("traefik.port"));
    assert!(reason("demo_badrule").contains("unknown matcher 'Hots'"));
    assert!(reason("demo_badnet").contains("did you mean demo_apps"));
    for path in ["/hello/world", "/ping"] {
        assert_eq!(
            get(&hawser.url(path)).await.expect("answer").status,
            StatusCode::OK,
            "{path}"
        );
    }
    // Every poll sees the same bad labels; each is logged once.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let logged = hawser.logged("service skipped");
    for service in ["demo_badport", "demo_badrule", "demo_badnet"] {
        let count = logged
            .iter()
            .filter(|line| line["service"] == service)
            .count();
        assert_eq!(count, 1, "{service} logged {count} times");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_while_the_api_is_away_serves_the_saved_state_at_once() {
    let mut stack = hello_stack().await;
    let directory = tempfile::tempdir().expect("temp dir");
    let state = directory.path().join("hawser-state.json");
    let state = state.to_str().expect("utf-8");
    let url = stack.docker.url();
    let args = [
        "--docker-host",
        url.as_str(),
        "--state-file",
        state,
        "--docker-timeout",
        "1s",
        "--docker-backoff-max",
        "300ms",
    ];
    let mut first = Hawser::start(&args).await;
    let reply = get(&first.url("/hello/saved")).await.expect("answer");
    assert_eq!(reply.status, StatusCode::OK);
    eventually(Duration::from_secs(5), "the state file", || async {
        std::path::Path::new(state).exists().then_some(())
    })
    .await;
    first.terminate();
    first.wait_exit(Duration::from_secs(10)).await;

    stack.docker.stop();
    let second = Hawser::start(&args).await;
    // The first request after "serving" is routed: no wait for an API that does not answer.
    let reply = get(&second.url("/hello/saved")).await.expect("answer");
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.body.starts_with("Hello, Saved!"), "{}", reply.body);
    let discovery = json(&second.admin_url("/api/discovery")).await;
    assert_eq!(discovery["reachable"], false, "{discovery}");
    assert!(
        discovery["serving_saved_state"].as_u64().is_some(),
        "{discovery}"
    );

    stack.docker.resume();
    eventually(Duration::from_secs(10), "a live listing", || async {
        let discovery = json(&second.admin_url("/api/discovery")).await;
        (discovery["reachable"] == true && discovery["serving_saved_state"].is_null()).then_some(())
    })
    .await;
}
