//! Traefik v1 rules end to end: what a task receives for the rewriting matchers and
//! modifiers, and a rule Traefik rejects skipping its service alone. hawser runs against the
//! fake Engine API; the new services' tasks are the seed's hello servers.

mod support;

use std::time::Duration;

use http::{Method, StatusCode};
use serde_json::{Value, json};
use support::fake_docker::Swarm;
use support::hawser::Hawser;
use support::http::{get, json, request};
use support::stack::{Stack, seed_stack};
use support::swarm::{new_service, service_id};
use support::wait::eventually;

/// Adds a service with `rule`, served by copies of the hello service's running tasks.
fn add_service(swarm: &mut Swarm, name: &str, port: u16, rule: &str) {
    add_service_with(swarm, name, port, rule, &[]);
}

/// As [`add_service`], with more labels.
fn add_service_with(swarm: &mut Swarm, name: &str, port: u16, rule: &str, more: &[(&str, &str)]) {
    let id = format!("{name}-id");
    let mut labels = json!({
        "traefik.port": port.to_string(),
        "traefik.docker.network": "demo_apps",
        "traefik.frontend.rule": rule,
    });
    for (label, value) in more {
        labels[*label] = json!(value);
    }
    let service = new_service(swarm, name, &id, labels);
    let hello = service_id(swarm, "demo_hello");
    let tasks: Vec<Value> = swarm
        .tasks
        .iter()
        .filter(|task| task["ServiceID"] == hello && task["Status"]["State"] == "running")
        .cloned()
        .enumerate()
        .map(|(index, mut task)| {
            task["ID"] = json!(format!("{id}-task-{index}"));
            task["ServiceID"] = json!(id);
            task
        })
        .collect();
    swarm.services.push(service);
    swarm.tasks.extend(tasks);
}

async fn start() -> (Stack, Hawser) {
    let stack = seed_stack(&[]).await;
    let port = stack.port;
    stack.docker.edit(|swarm| {
        add_service(
            swarm,
            "demo_tenants",
            port,
            "PathPrefixStripRegex: /t/{tenant:[a-z]+}",
        );
        add_service(
            swarm,
            "demo_rename",
            port,
            "PathPrefix: /__echo/whoami; ReplacePathRegex: /whoami /who-am-i",
        );
        add_service(
            swarm,
            "demo_badquery",
            port,
            "Path: /path1;Query:param_one=true, /path2",
        );
        add_service_with(
            swarm,
            "demo_private",
            port,
            "PathPrefixStrip: /private",
            &[
                // test:test, from Traefik 1.7's documentation
                (
                    "traefik.frontend.auth.basic.users",
                    "test:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/",
                ),
                ("traefik.frontend.auth.basic.removeHeader", "true"),
                (
                    "traefik.frontend.headers.customResponseHeaders",
                    "X-Served-By:hawser||Server:",
                ),
                ("traefik.frontend.whiteList.sourceRange", "127.0.0.0/8"),
            ],
        );
        add_service_with(
            swarm,
            "demo_walled",
            port,
            "PathPrefixStrip: /walled",
            &[("traefik.frontend.whiteList.sourceRange", "10.0.0.0/8")],
        );
    });
    let hawser = Hawser::start(&["--docker-host", &stack.docker.url()]).await;
    (stack, hawser)
}

/// The backend's echo of the request it received.
async fn echo(hawser: &Hawser, target: &str, headers: &[(&str, &str)]) -> Value {
    let reply = request(Method::GET, &hawser.url(target), headers)
        .await
        .expect("answer");
    assert_eq!(reply.status, StatusCode::OK, "{target}: {}", reply.body);
    serde_json::from_str(&reply.body).unwrap_or_else(|err| panic!("{target}: {err}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn path_prefix_strip_regex_sends_the_rest_and_the_matched_prefix() {
    let (_stack, hawser) = start().await;
    // middlewares/stripPrefixRegex.go: the matched text goes in X-Forwarded-Prefix; the task
    // sees the rest, with a leading '/'. A client's own X-Forwarded-Prefix is not kept.
    let seen = echo(
        &hawser,
        "/t/acme/__echo/orders?x=1",
        &[("x-forwarded-prefix", "/evil")],
    )
    .await;
    assert_eq!(seen["uri"], "/__echo/orders?x=1");
    assert_eq!(seen["headers"]["x-forwarded-prefix"], "/t/acme");
    // The template is a regex: digits are not a tenant.
    let reply = get(&hawser.url("/t/123/__echo")).await.expect("answer");
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replace_path_regex_replaces_every_match() {
    let (_stack, hawser) = start().await;
    // replace_path_regex_test.go "simple replace (no regex)": Go's ReplaceAllString.
    let seen = echo(&hawser, "/__echo/whoami/and/whoami", &[]).await;
    assert_eq!(seen["uri"], "/__echo/who-am-i/and/who-am-i");
    assert_eq!(
        seen["headers"]["x-replaced-path"],
        "/__echo/whoami/and/whoami"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_rule_with_a_bare_argument_skips_only_its_service() {
    let (_stack, hawser) = start().await;
    // rules/rules_test.go TestParseInvalidSyntax: Traefik refuses this rule.
    let skipped = eventually(Duration::from_secs(5), "demo_badquery skipped", || async {
        let routes = json(&hawser.admin_url("/api/routes")).await;
        routes["skipped"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|entry| entry["service"] == "demo_badquery")
            .cloned()
    })
    .await;
    let reason = skipped["reason"].as_str().expect("a reason");
    assert!(
        reason.contains("traefik.frontend.rule") && reason.contains("'/path2'"),
        "{reason}"
    );
    for path in ["/hello/world", "/ping", "/t/acme/x"] {
        let reply = get(&hawser.url(path)).await.expect("answer");
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
    }
    let reply = get(&hawser.url("/path1?param_one=true"))
        .await
        .expect("answer");
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v1_frontend_auth_headers_and_whitelist_run_as_middlewares() {
    let (_stack, hawser) = start().await;
    let denied = get(&hawser.url("/private/__echo")).await.expect("answer");
    assert_eq!(denied.status, StatusCode::UNAUTHORIZED, "{}", denied.body);
    assert_eq!(
        denied.headers["www-authenticate"],
        r#"Basic realm="traefik""#
    );
    let wrong = request(
        Method::GET,
        &hawser.url("/private/__echo"),
        &[("authorization", "Basic dGVzdDp3cm9uZw==")],
    )
    .await
    .expect("answer");
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let allowed = request(
        Method::GET,
        &hawser.url("/private/__echo"),
        &[("authorization", "Basic dGVzdDp0ZXN0")],
    )
    .await
    .expect("answer");
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.body);
    assert_eq!(allowed.headers["x-served-by"], "hawser");
    let received: Value = serde_json::from_str(&allowed.body).expect("echo");
    assert_eq!(received["uri"], "/__echo");
    assert!(
        received["headers"].get("authorization").is_none(),
        "removeHeader: the task never sees the credentials: {received}"
    );
    let walled = get(&hawser.url("/walled/__echo")).await.expect("answer");
    assert_eq!(
        walled.status,
        StatusCode::FORBIDDEN,
        "127.0.0.1 is not in 10.0.0.0/8"
    );
    let routes = json(&hawser.admin_url("/api/routes")).await;
    let private = routes["routes"]
        .as_array()
        .expect("routes")
        .iter()
        .find(|route| route["name"] == "demo_private")
        .expect("the private route");
    assert_eq!(
        private["middlewares"],
        json!([
            {"name": "demo_private-whitelist", "kind": "ipAllowList"},
            {"name": "demo_private-headers", "kind": "headers"},
            {"name": "demo_private-auth", "kind": "basicAuth"}
        ])
    );
}
