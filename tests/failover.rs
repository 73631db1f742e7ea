//! A task whose node drops SYNs (gone, or cut off the network) costs the requests that meet it
//! a short connect, not the whole `--backend-connect-timeout`: while another task could take
//! the request, a connect slower than `--backend-failover-connect-timeout` moves on (nothing
//! was sent), and the task rests, longer after each failure, so later requests pass it over.

mod support;

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use http::StatusCode;
use serde_json::Value;
use support::black_hole::BlackHole;
use support::hawser::Hawser;
use support::http::{get_within, json};
use support::stack::seed_stack;

const SILENT_TASK: Ipv4Addr = Ipv4Addr::new(127, 0, 9, 71);

/// The silent task's row in `/api/routes`.
fn silent_backend(routes: &Value, address: &str) -> Value {
    routes["routes"]
        .as_array()
        .and_then(|routes| routes.iter().find(|route| route["name"] == "demo_hello"))
        .and_then(|route| route["backends"].as_array())
        .and_then(|backends| backends.iter().find(|row| row["address"] == address))
        .cloned()
        .unwrap_or_else(|| panic!("no backend {address} in {routes:#}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_that_drops_syns_costs_a_short_connect_and_then_rests() {
    let stack = seed_stack(&[]).await;
    let silent = SocketAddr::from((SILENT_TASK, stack.port));
    let _hole = BlackHole::at(silent).await;
    stack.add_task("silent-task", 3, SILENT_TASK);
    // A full connect timeout longer than the client waits: only failing over answers in time.
    let hawser = Hawser::start(&[
        "--docker-host",
        &stack.docker.url(),
        "--backend-connect-timeout",
        "30s",
        "--backend-failure-cooldown",
        "30s",
    ])
    .await;
    let address = silent.to_string();
    let routes = json(&hawser.admin_url("/api/routes")).await;
    assert_eq!(silent_backend(&routes, &address)["failures"], 0);

    for n in 0..12 {
        let reply = get_within(hawser.proxy, "/hello/failover", Duration::from_secs(10))
            .await
            .unwrap_or_else(|err| panic!("request {n}: {err}"));
        assert_eq!(reply.status, StatusCode::OK, "request {n}: {}", reply.body);
        assert!(!reply.body.contains(&SILENT_TASK.to_string()));
    }
    let routes = json(&hawser.admin_url("/api/routes")).await;
    let row = silent_backend(&routes, &address);
    assert_eq!(row["up"], false, "{row}");
    assert_eq!(row["resting"], true, "{row}");
    // Round-robin over three tasks gave it every third request until the first connect failed;
    // resting, it got none of the rest.
    let failures = row["failures"].as_u64().expect("failures");
    assert!((1..=2).contains(&failures), "{row}");
}
