//! The blog post's scenario end to end: the seed's stack, as captured from a real Docker 20.10
//! swarm, served by hawser through a fake Engine API, with real servers in place of its tasks.

mod support;

use std::collections::HashMap;

use http::StatusCode;
use support::hawser::Hawser;
use support::http::{get, json};
use support::stack::Stack;

async fn seed_stack() -> Stack {
    support::stack::seed_stack(&[]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_round_robins_evenly_over_every_running_task() {
    let stack = seed_stack().await;
    let hawser = Hawser::start(&["--docker-host", &stack.docker.url()]).await;
    let mut answers: HashMap<String, usize> = HashMap::new();
    for _ in 0..30 {
        let reply = get(&hawser.url("/ping")).await.expect("ping answers");
        assert_eq!(reply.status, StatusCode::OK);
        assert!(
            reply.body.starts_with("Pong from ping-127."),
            "{}",
            reply.body
        );
        *answers.entry(reply.body).or_default() += 1;
    }
    assert_eq!(answers.len(), 3, "{answers:?}");
    assert!(answers.values().all(|&count| count == 10), "{answers:?}");
    assert!(stack.ping.iter().all(|backend| backend.hits() == 10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hello_strips_its_prefix_and_both_tasks_answer() {
    let stack = seed_stack().await;
    let hawser = Hawser::start(&["--docker-host", &stack.docker.url()]).await;
    let world = get(&hawser.url("/hello/world")).await.expect("answer");
    assert_eq!(world.status, StatusCode::OK);
    assert!(
        world.body.starts_with("Hello, World! (from hello-127."),
        "{}",
        world.body
    );
    let viktor = get(&hawser.url("/hello/viktor")).await.expect("answer");
    assert!(
        viktor.body.starts_with("Hello, Viktor! (from hello-127."),
        "{}",
        viktor.body
    );
    for _ in 0..2 {
        get(&hawser.url("/hello/again")).await.expect("answer");
    }
    assert!(
        stack.hello.iter().all(|backend| backend.hits() == 2),
        "two requests each"
    );

    for missing in ["/nope", "/hello", "/"] {
        let reply = get(&hawser.url(missing)).await.expect("answer");
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{missing}");
        assert_eq!(reply.body, "404 page not found\n");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_is_negotiated_down_to_the_engine_and_lists_are_filtered() {
    let stack = seed_stack().await;
    let hawser = Hawser::start(&["--docker-host", &stack.docker.url()]).await;
    let discovery = json(&hawser.admin_url("/api/discovery")).await;
    assert_eq!(discovery["api_version"], "1.41");
    assert_eq!(discovery["engine_version"], "20.10.24+dfsg1");
    assert_eq!(discovery["reachable"], true);
    assert!(
        stack
            .docker
            .requested("/v1.41/tasks?filters=%7B%22desired-state%22")
    );
    assert!(
        !stack.docker.requested("/v1.53/"),
        "no request above the engine's version"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_current_engine_is_spoken_to_at_the_newest_common_version() {
    let stack = seed_stack().await;
    stack
        .docker
        .edit(|swarm| swarm.version["ApiVersion"] = "1.51".into());
    let hawser = Hawser::start(&["--docker-host", &stack.docker.url()]).await;
    let discovery = json(&hawser.admin_url("/api/discovery")).await;
    assert_eq!(discovery["api_version"], "1.51");
    let reply = get(&hawser.url("/ping")).await.expect("answer");
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_routes_api_lists_routes_backends_and_skipped_services() {
    let stack = seed_stack().await;
    let hawser = Hawser::start(&["--docker-host", &stack.docker.url()]).await;
    let routes = json(&hawser.admin_url("/api/routes")).await;
    let names: Vec<&str> = routes["routes"]
        .as_array()
        .expect("routes")
        .iter()
        .map(|route| route["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, vec!["multi", "demo_hello", "demo_ping"]);
    let hello = &routes["routes"][1];
    assert_eq!(hello["rule"], "PathPrefixStrip: /hello/");
    assert_eq!(hello["priority"], 24);
    let backend = &hello["backends"][0];
    for field in ["task_id", "slot", "node_id", "address"] {
        assert!(!backend[field].is_null(), "{field} in {backend}");
    }
    let skipped = routes["skipped"].as_array().expect("skipped");
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0]["service"], "demo_traefik");
    let reason = skipped[0]["reason"].as_str().expect("reason");
    assert!(reason.contains("deploy.labels"), "{reason}");
    let ping = get(&hawser.admin_url("/ping")).await.expect("admin ping");
    assert_eq!((ping.status, ping.body.as_str()), (StatusCode::OK, "OK"));
}
