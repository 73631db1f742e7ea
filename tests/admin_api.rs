//! The admin listener's endpoints against a hawser running on the fake Engine API.

mod support;

use std::time::Duration;

use http::StatusCode;
use serde_json::Value;
use support::hawser::Hawser;
use support::http::{get, json};
use support::stack::{Stack, seed_stack};
use support::wait::eventually;

async fn start() -> (Stack, Hawser) {
    let stack = seed_stack(&[]).await;
    let hawser = Hawser::start(&["--docker-host", &stack.docker.url()]).await;
    (stack, hawser)
}

/// The value of one sample line (`name{labels} value`) in a Prometheus text page.
fn sample(page: &str, name_and_labels: &str) -> Option<f64> {
    page.lines()
        .find(|line| {
            line.starts_with(name_and_labels) && line[name_and_labels.len()..].starts_with(' ')
        })
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_backends_connections_and_discovery() {
    let (stack, hawser) = start().await;
    for _ in 0..6 {
        get(&hawser.url("/ping")).await.expect("answer");
    }
    get(&hawser.url("/nope")).await.expect("answer");
    let reply = get(&hawser.admin_url("/metrics")).await.expect("metrics");
    assert_eq!(reply.status, StatusCode::OK);
    let content_type = reply.headers["content-type"].to_str().expect("ascii");
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    let page = reply.body;
    let value =
        |key: &str| sample(&page, key).unwrap_or_else(|| panic!("{key} missing from\n{page}"));
    assert_eq!(
        value(r#"hawser_requests_total{route="demo_ping",code_class="2xx"}"#),
        6.0
    );
    assert_eq!(
        value(r#"hawser_requests_total{route="(unmatched)",code_class="4xx"}"#),
        1.0
    );
    assert_eq!(
        value(r#"hawser_request_duration_seconds_count{route="demo_ping"}"#),
        6.0
    );
    assert_eq!(
        value(r#"hawser_request_duration_seconds_bucket{le="+Inf",route="demo_ping"}"#),
        6.0
    );
    let backend = format!(
        r#"hawser_backend_up{{pool="demo_ping",address="{}","#,
        stack.ping[0].address
    );
    let up_line = page
        .lines()
        .find(|line| line.starts_with(&backend))
        .expect("backend_up line");
    assert!(up_line.ends_with(" 1"), "{up_line}");
    assert_eq!(value("hawser_upstream_requests_total"), 6.0);
    assert!(value("hawser_upstream_connections_opened_total") >= 1.0);
    assert!(value("hawser_connections_accepted_total") >= 7.0);
    assert_eq!(value("hawser_discovery_up"), 1.0);
    assert!(value("hawser_discovery_refreshes_total") >= 1.0);
    assert!(value("hawser_discovery_refresh_duration_seconds_count") >= 1.0);
    assert_eq!(value("hawser_routing_table_generation"), 1.0);
    assert!(value("hawser_routing_table_age_seconds") >= 0.0);
    assert_eq!(value("hawser_routes"), 3.0);
    assert_eq!(value("hawser_skipped_services"), 1.0);
    assert!(page.contains(&format!(
        r#"hawser_build_info{{version="{}"}} 1"#,
        env!("CARGO_PKG_VERSION")
    )));
    assert!(page.trim_end().ends_with("# EOF"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_backend_is_reported_down_in_metrics_and_the_api() {
    let (mut stack, hawser) = start().await;
    let dead = stack.hello.remove(0);
    let address = dead.address.to_string();
    drop(dead);
    for _ in 0..4 {
        assert_eq!(
            get(&hawser.url("/hello/x")).await.expect("answer").status,
            StatusCode::OK
        );
    }
    let page = get(&hawser.admin_url("/metrics"))
        .await
        .expect("metrics")
        .body;
    let prefix = format!(r#"hawser_backend_up{{pool="demo_hello",address="{address}","#);
    let line = page
        .lines()
        .find(|line| line.starts_with(&prefix))
        .expect("backend_up line");
    assert!(line.ends_with(" 0"), "{line}\n{page}");
    let backends = json(&hawser.admin_url("/api/backends")).await;
    let hello = backends
        .as_array()
        .expect("pools")
        .iter()
        .find(|pool| pool["name"] == "demo_hello")
        .expect("hello pool");
    let failing = hello["backends"]
        .as_array()
        .expect("backends")
        .iter()
        .find(|backend| backend["address"] == address)
        .expect("the dead backend");
    assert!(failing["failures"].as_u64().expect("count") >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_overview_version_and_discovery_endpoints() {
    let (_stack, hawser) = start().await;
    get(&hawser.url("/hello/world")).await.expect("answer");

    let services = json(&hawser.admin_url("/api/services")).await;
    let by_name = |name: &str| -> Value {
        services
            .as_array()
            .expect("services")
            .iter()
            .find(|service| service["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    let hello = by_name("demo_hello");
    assert_eq!(hello["status"], "routed");
    assert_eq!(hello["mode"], "replicated");
    assert_eq!(hello["replicas"], 2);
    assert_eq!(hello["network"], "demo_apps");
    let serving = hello["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .filter(|task| task["serving"] == true)
        .count();
    assert_eq!(serving, 2);
    let proxy = by_name("demo_traefik");
    assert_eq!(proxy["status"], "skipped");
    assert!(
        proxy["reason"]
            .as_str()
            .expect("reason")
            .contains("deploy.labels")
    );
    assert_eq!(by_name("demo_ping")["mode"], "global");

    let overview = eventually(
        Duration::from_secs(2),
        "the request to be counted",
        || async {
            let overview = json(&hawser.admin_url("/api/overview")).await;
            (overview["responses"]["2xx"] == 1).then_some(overview)
        },
    )
    .await;
    assert_eq!(overview["routes"], 3);
    assert_eq!(overview["skipped"], 1);
    assert_eq!(overview["generation"], 1);
    assert!(overview["requests"].as_u64().expect("count") >= 1);

    let version = json(&hawser.admin_url("/api/version")).await;
    assert_eq!(version["version"], env!("CARGO_PKG_VERSION"));
    let discovery = json(&hawser.admin_url("/api/discovery")).await;
    assert_eq!(discovery["provider"], "docker");
    assert_eq!(discovery["events_connected"], true);
    assert!(discovery["last_refresh"].as_u64().is_some());

    let missing = get(&hawser.admin_url("/api/nothing"))
        .await
        .expect("answer");
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}
