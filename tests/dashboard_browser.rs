//! The dashboard in a real browser: Debian's Chromium, headless, driven over WebDriver by
//! chromedriver, looking at a hawser that serves the seed stack through the fake Engine API.
//!
//! Without `/usr/bin/chromium` and `/usr/bin/chromedriver` (`apt-get install chromium
//! chromium-driver`) the browser test is skipped, unless `HAWSER_REQUIRE_BROWSER` is set, which
//! makes it fail instead (CI sets it). `HAWSER_CHROMIUM` and `HAWSER_CHROMEDRIVER` override the
//! paths.

mod support;

use std::net::{Ipv4Addr, SocketAddr};
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use futures_util::FutureExt;
use http::StatusCode;
use serde_json::{Value, json};
use support::browser::{Browser, Driver, full_page_height, save_screenshot, target_dir};
use support::hawser::Hawser;
use support::http::{get, request};
use support::stack::{Stack, seed_stack};
use support::swarm::{new_service, new_task, set_labels};
use support::wait::eventually;

/// Loopback addresses no other test file uses, for the tasks the test adds.
const SPARE_IP: Ipv4Addr = Ipv4Addr::new(127, 0, 9, 41);
const STARTING_IP: Ipv4Addr = Ipv4Addr::new(127, 0, 9, 42);
const DEADLINE: Duration = Duration::from_secs(15);

// ------------------------------------------------------------------------------ plain HTTP

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_is_served_from_the_binary_with_strict_headers() {
    let stack = seed_stack(&[]).await;
    let hawser = Hawser::start(&["--docker-host", &stack.docker.url()]).await;

    for path in ["/", "/dashboard"] {
        let reply = get(&hawser.admin_url(path)).await.expect("answer");
        assert_eq!(reply.status, StatusCode::FOUND, "{path}");
        assert_eq!(reply.headers["location"], "/dashboard/", "{path}");
    }
    for (path, content_type) in [
        ("/dashboard/", "text/html; charset=utf-8"),
        ("/dashboard/app.js", "text/javascript; charset=utf-8"),
        ("/dashboard/style.css", "text/css; charset=utf-8"),
    ] {
        let reply = get(&hawser.admin_url(path)).await.expect("answer");
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(reply.headers["content-type"], content_type, "{path}");
        assert_eq!(reply.headers["cache-control"], "no-cache", "{path}");
        assert_eq!(reply.headers["x-content-type-options"], "nosniff", "{path}");
        let policy = reply.headers["content-security-policy"]
            .to_str()
            .expect("ASCII");
        assert!(policy.contains("default-src 'self'"), "{policy}");
        assert!(policy.contains("script-src 'self'"), "{policy}");
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        assert!(!reply.body.is_empty(), "{path}");
    }
    let missing = get(&hawser.admin_url("/dashboard/nope.js"))
        .await
        .expect("answer");
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

// ------------------------------------------------------------------------------ the browser

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_routes_backends_and_skipped_services_and_follows_changes_live() {
    let Some(browser) = Browser::locate() else {
        return;
    };
    let started = Instant::now();
    let stack = seed_stack(&[SPARE_IP]).await;
    let certificates = certificate_dir();
    let directory = certificates.path().to_str().expect("UTF-8 path");
    let hawser = Hawser::start(&[
        "--docker-host",
        &stack.docker.url(),
        "--tls-cert-dir",
        directory,
    ])
    .await;
    let driver = Driver::start(&browser).await;

    let (client, _profile) = driver.session(&browser, &[]).await;
    let outcome = AssertUnwindSafe(check_dashboard(&client, &hawser, &stack))
        .catch_unwind()
        .await;
    close(client, outcome).await;

    // The dark palette, which follows the system's preference.
    let (client, _profile) = driver.session(&browser, &["--force-dark-mode"]).await;
    let outcome = AssertUnwindSafe(check_dark_palette(&client, &hawser))
        .catch_unwind()
        .await;
    close(client, outcome).await;

    driver.stop().await;
    println!("browser test took {:?}", started.elapsed());
}

/// Ends the session (and with it Chromium) whatever happened, then reports a failure.
async fn close(client: Client, outcome: std::thread::Result<()>) {
    if let Err(err) = client.close().await {
        eprintln!("closing the WebDriver session: {err}");
    }
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

async fn check_dark_palette(client: &Client, hawser: &Hawser) {
    client
        .goto(&hawser.admin_url("/dashboard/"))
        .await
        .expect("open the dashboard");
    // Two polls: the page is fully shown and has a rate.
    wait_for_page(client, "the routes and a rate", |view| {
        let routes = view["routes"].as_array()?.len();
        (routes == 4 && view["totals"]["rps"] != "–").then_some(())
    })
    .await;
    let background = client
        .execute(
            "return getComputedStyle(document.body).backgroundColor;",
            vec![],
        )
        .await
        .expect("background");
    assert_eq!(background, "rgb(14, 17, 22)", "the dark background");
    let full = full_page_height(client).await;
    client
        .set_window_size(1280, full)
        .await
        .expect("resize to the page");
    save_screenshot(client, &target_dir().join("dashboard-dark.png")).await;

    // The admin API goes away: the page says so, keeps the last figures, and does not reload.
    client
        .execute("window.__marker = 2;", vec![])
        .await
        .expect("mark the page");
    hawser.terminate();
    let view = wait_for_page(client, "the unreachable banner", |view| {
        view["banner"].as_str().map(|_| ())
    })
    .await;
    let banner = view["banner"].as_str().expect("banner");
    assert!(banner.contains("Admin API unreachable"), "{banner}");
    assert_eq!(view["connection"], "offline");
    assert_eq!(view["marker"], 2, "the same page");
    assert_eq!(
        view["routes"].as_array().map(Vec::len),
        Some(4),
        "last figures kept"
    );
}

async fn check_dashboard(client: &Client, hawser: &Hawser, stack: &Stack) {
    let api = support::http::json(&hawser.admin_url("/api/routes")).await;

    // `/` redirects to the page.
    client.goto(&hawser.admin_url("/")).await.expect("open /");
    let page = client.current_url().await.expect("url");
    assert_eq!(page.path(), "/dashboard/", "redirected to the dashboard");

    // ---- the routing table as the API describes it
    let view = wait_for_page(client, "the three routes and their backends", |view| {
        let routes = view["routes"].as_array()?;
        let counts: Vec<(String, usize)> = routes
            .iter()
            .map(|route| {
                let name = route["name"].as_str().unwrap_or_default().to_owned();
                (name, route["backends"].as_array().map_or(0, Vec::len))
            })
            .collect();
        let expected = [("multi", 1), ("demo_hello", 2), ("demo_ping", 3)];
        let expected: Vec<(String, usize)> = expected
            .iter()
            .map(|(name, count)| ((*name).to_owned(), *count))
            .collect();
        (counts == expected).then_some(())
    })
    .await;
    assert_eq!(view["connection"], "live");
    assert_eq!(
        route(&view, "demo_hello")["rule"],
        "PathPrefixStrip: /hello/"
    );
    assert_eq!(route(&view, "demo_ping")["rule"], "PathPrefixStrip: /ping");
    assert_eq!(
        route(&view, "multi")["rule"],
        "Host:multi.local;PathPrefix:/api,/v2"
    );
    for api_route in api["routes"].as_array().expect("routes") {
        let shown = route(&view, api_route["name"].as_str().expect("name"));
        for backend in api_route["backends"].as_array().expect("backends") {
            let task = backend["task_id"].as_str().expect("a task");
            let row = backend_row(shown, task)
                .unwrap_or_else(|| panic!("no row for task {task} in {shown:#}"));
            assert_eq!(row["address"], backend["address"], "{row}");
            assert_eq!(row["cells"]["node"], "vm", "{row}");
            assert_eq!(row["cells"]["state"], "running", "{row}");
            let slot = backend["slot"]
                .as_u64()
                .map_or("–".to_owned(), |slot| slot.to_string());
            assert_eq!(row["cells"]["slot"], slot.as_str(), "{row}");
            assert_eq!(row["cells"]["address"], backend["address"], "{row}");
        }
    }
    // The WebDriver view of the same thing: what is rendered, not just what is in the DOM.
    let hello = client
        .find(Locator::Css(
            r#"[data-testid="route"][data-name="demo_hello"]"#,
        ))
        .await
        .expect("the demo_hello route");
    let rule = hello
        .find(Locator::Css(r#"[data-testid="rule"]"#))
        .await
        .expect("rule");
    assert_eq!(rule.text().await.expect("text"), "PathPrefixStrip: /hello/");
    assert_eq!(
        hello
            .find_all(Locator::Css(r#"[data-testid="backend"]"#))
            .await
            .expect("rows")
            .len(),
        2
    );

    let traefik = skipped(&view, "demo_traefik").expect("demo_traefik is listed as skipped");
    let reason = traefik["reason"].as_str().expect("reason");
    assert!(reason.contains("deploy.labels"), "{reason}");
    assert_eq!(view["discovery"]["reachable"], "true");
    let discovery = view["discovery"]["text"].as_str().expect("text");
    assert!(discovery.contains("reachable"), "{discovery}");
    let engine = view["discovery"]["engine"].as_str().expect("engine");
    assert!(engine.contains("20.10.24"), "{engine}");
    check_certificates(client).await;

    // ---- the swarm changes; the page follows without being reloaded
    client
        .execute(
            "window.__marker = 1; window.__violations = [];
             document.addEventListener('securitypolicyviolation',
                 (event) => window.__violations.push(event.violatedDirective));",
            vec![],
        )
        .await
        .expect("mark the page");
    stack.add_task("spare-task", 3, SPARE_IP);
    stack.docker.edit(|swarm| {
        let mut starting = new_task(swarm, "demo_hello", "starting-task", 4, STARTING_IP);
        starting["Status"]["State"] = json!("starting");
        swarm.tasks.push(starting);
    });
    stack.docker.event("service", "update", "demo_hello");
    stack.docker.edit(|swarm| {
        let bad = new_service(
            swarm,
            "demo_badport",
            "badport1",
            json!({"traefik.port": "abc", "traefik.frontend.rule": "PathPrefix: /bad"}),
        );
        swarm.services.push(bad);
    });
    stack.docker.event("service", "create", "demo_badport");
    // A v3-labelled service: one router with a middleware, one whose rule does not parse.
    stack.docker.edit(|swarm| {
        let v3 = new_service(
            swarm,
            "demo_v3",
            "v3service1",
            json!({
                "traefik.http.routers.web.rule": "PathPrefix(`/v3`)",
                "traefik.http.routers.web.middlewares": "strip",
                "traefik.http.middlewares.strip.stripprefix.prefixes": "/v3",
                "traefik.http.routers.broken.rule": "Host(`a` && Path(`/`)",
                "traefik.http.services.v3.loadbalancer.server.port": "8080",
                "traefik.swarm.network": "demo_apps",
            }),
        );
        swarm.services.push(v3);
    });
    stack.docker.event("service", "create", "demo_v3");
    let spare_address = SocketAddr::from((SPARE_IP, stack.port)).to_string();
    let changed = Instant::now();
    let view = wait_for_page(client, "the new tasks and the bad service", |view| {
        let row = backend_row(route(view, "demo_hello"), "spare-task")?;
        skipped(view, "demo_badport")?;
        task_row(route(view, "demo_hello"), "starting-task")?;
        (row["address"] == spare_address.as_str()).then_some(())
    })
    .await;
    println!(
        "the page showed the change {:?} after it",
        changed.elapsed()
    );
    assert_eq!(view["marker"], 1, "the same page, not reloaded");
    assert_eq!(client.current_url().await.expect("url"), page);
    let row = backend_row(route(&view, "demo_hello"), "spare-task").expect("row");
    assert_eq!(row["cells"]["slot"], "3", "{row}");
    assert_eq!(row["cells"]["node"], "vm", "{row}");
    let bad = skipped(&view, "demo_badport").expect("skipped");
    let reason = bad["reason"].as_str().expect("reason");
    assert!(
        reason.contains("traefik.port") && reason.contains("abc"),
        "{reason}"
    );
    // The v3 router shows its middleware; the broken one is listed apart, by router.
    let view = wait_for_page(client, "the v3 router and the broken one", |view| {
        let shown = route(view, "web@swarm");
        let meta = shown["meta"].as_str()?;
        let broken = view["skipped"]
            .as_array()?
            .iter()
            .find(|row| row["router"] == "broken@swarm")?;
        (meta.contains("strip@swarm (stripPrefix)") && broken["service"] == "demo_v3").then_some(())
    })
    .await;
    let meta = route(&view, "web@swarm")["meta"].as_str().expect("meta");
    assert!(meta.contains("Traefik v2/v3"), "{meta}");
    let broken = view["skipped"]
        .as_array()
        .and_then(|rows| rows.iter().find(|row| row["router"] == "broken@swarm"))
        .expect("the broken router");
    let reason = broken["reason"].as_str().expect("reason");
    assert!(
        reason.contains("traefik.http.routers.broken.rule"),
        "{reason}"
    );
    assert_eq!(view["skipped"].as_array().map(Vec::len), Some(3));
    // A task that is not serving yet is shown, apart from the backends.
    let starting = task_row(route(&view, "demo_hello"), "starting-task").expect("row");
    assert_eq!(starting["cells"]["state"], "starting", "{starting}");
    assert_eq!(
        starting["cells"]["address"],
        STARTING_IP.to_string(),
        "{starting}"
    );
    assert_eq!(
        route(&view, "demo_hello")["backends"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );

    // ---- traffic shows up in the counters
    let mut sent = 0;
    for round in 0..4 {
        for _ in 0..(4 + round * 3) {
            let reply = get(&hawser.url("/hello/dashboard")).await.expect("answer");
            assert_eq!(reply.status, StatusCode::OK);
            sent += 1;
        }
        for _ in 0..3 {
            let reply = get(&hawser.url("/ping")).await.expect("answer");
            assert_eq!(reply.status, StatusCode::OK);
            sent += 1;
        }
        tokio::time::sleep(Duration::from_millis(350)).await;
    }
    let missing = get(&hawser.url("/nowhere")).await.expect("answer");
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    // `multi`'s only task has nothing listening: a 502 and a failure on its backend.
    let broken = request(
        http::Method::GET,
        &hawser.url("/api/items"),
        &[("host", "multi.local")],
    )
    .await
    .expect("answer");
    assert_eq!(broken.status, StatusCode::BAD_GATEWAY);
    sent += 2;
    let view = wait_for_page(client, "the request counters", |view| {
        let total = view["totals"]["requests"].as_str()?.parse::<u64>().ok()?;
        let hello = route(view, "demo_hello")["requests"]
            .as_str()?
            .parse::<u64>()
            .ok()?;
        let served: u64 = route(view, "demo_hello")["backends"]
            .as_array()?
            .iter()
            .filter_map(|row| row["requests"].as_str()?.parse::<u64>().ok())
            .sum();
        let classes = &view["totals"]["classes"];
        let ok = classes["2xx"].as_str()?.parse::<u64>().ok()?;
        let client_errors = classes["4xx"].as_str()?.parse::<u64>().ok()?;
        let server_errors = classes["5xx"].as_str()?.parse::<u64>().ok()?;
        (total >= sent && hello > 0 && served == hello && ok > 0)
            .then_some(())
            .filter(|()| client_errors > 0 && server_errors > 0)
    })
    .await;
    assert_ne!(view["totals"]["rps"], "–", "requests per second: {view:#}");
    let multi = route(&view, "multi");
    assert_ne!(multi["backends"][0]["cells"]["errors"], "0", "{multi:#}");
    assert_eq!(view["marker"], 1, "still the same page");

    // ---- an active health check fails: `multi`'s task (nothing listens) shows as unhealthy
    stack.docker.edit(|swarm| {
        set_labels(
            swarm,
            "multi",
            &[
                ("traefik.docker.network", "demo_apps"),
                (
                    "traefik.frontend.rule",
                    "Host:multi.local;PathPrefix:/api,/v2",
                ),
                ("traefik.port", "8080"),
                ("traefik.backend.healthcheck.path", "/health"),
                ("traefik.backend.healthcheck.interval", "200ms"),
            ],
        );
    });
    stack.docker.event("service", "update", "multi");
    let view = wait_for_page(client, "multi's task failing its health check", |view| {
        let row = route(view, "multi")["backends"].as_array()?.first()?;
        (row["cells"]["state"] == "unhealthy").then_some(())
    })
    .await;
    let unhealthy = client
        .find(Locator::Css(
            r#"[data-testid="route"][data-name="multi"] [data-testid="backend"]"#,
        ))
        .await
        .expect("multi's backend row");
    assert_eq!(
        unhealthy.attr("data-health").await.expect("attribute"),
        Some("down".to_owned())
    );
    let state = unhealthy
        .find(Locator::Css(r#"td[data-column="state"] .state"#))
        .await
        .expect("state cell");
    let why = state
        .attr("title")
        .await
        .expect("title")
        .unwrap_or_default();
    // Why it failed: nothing listens there (refused), or, on a machine where something else
    // holds that port, what that answered; either way the reason is shown.
    let reason = why.strip_prefix("health check: ").unwrap_or_default();
    assert!(
        reason.starts_with("connect ") || reason.starts_with("GET /health: "),
        "{why}"
    );
    // Its only task is down, so the route says it answers 503.
    let route_node = client
        .find(Locator::Css(r#"[data-testid="route"][data-name="multi"]"#))
        .await
        .expect("multi");
    let note = route_node
        .find(Locator::Css(r#"[data-testid="all-unhealthy"]"#))
        .await
        .expect("the note");
    assert!(note.is_displayed().await.expect("displayed"));
    assert!(note.text().await.expect("text").contains("503"));
    let hello_note = client
        .find(Locator::Css(
            r#"[data-testid="route"][data-name="demo_hello"] [data-testid="all-unhealthy"]"#,
        ))
        .await
        .expect("demo_hello's note");
    assert!(!hello_note.is_displayed().await.expect("displayed"));
    assert_eq!(view["violations"], json!([]), "no CSP violations");

    // ---- screenshots: the whole page at desktop width, then a phone's first screen
    let target = target_dir();
    let full = full_page_height(client).await;
    client
        .set_window_size(1280, full)
        .await
        .expect("resize to the page");
    save_screenshot(client, &target.join("dashboard.png")).await;

    client.set_window_size(390, 844).await.expect("phone size");
    let width = eventually(DEADLINE, "the phone layout", || async move {
        let width = client
            .execute("return window.innerWidth;", vec![])
            .await
            .ok()?;
        width.as_u64().filter(|width| *width <= 400)
    })
    .await;
    let overflow = client
        .execute(
            "return document.documentElement.scrollWidth - window.innerWidth;",
            vec![],
        )
        .await
        .expect("overflow");
    assert!(
        overflow.as_i64().expect("number") <= 0,
        "the page scrolls sideways at {width}px: {overflow}"
    );
    save_screenshot(client, &target.join("dashboard-mobile.png")).await;
}

/// A certificate directory with a good pair (`shop.example.com`) and a file that is not one.
fn certificate_dir() -> tempfile::TempDir {
    let directory = tempfile::tempdir().expect("temp dir");
    let certified = rcgen::generate_simple_self_signed(vec![
        "shop.example.com".to_owned(),
        "www.shop.example.com".to_owned(),
    ])
    .expect("certificate");
    let path = |name: &str| directory.path().join(name);
    std::fs::write(path("shop.crt"), certified.cert.pem()).expect("write");
    std::fs::write(path("shop.key"), certified.signing_key.serialize_pem()).expect("write");
    std::fs::write(path("broken.pem"), "not a certificate\n").expect("write");
    directory
}

async fn check_certificates(client: &Client) {
    let view = wait_for_page(client, "the certificates panel", |view| {
        (view["certificates"].as_array()?.len() == 3).then_some(())
    })
    .await;
    let certificate = |domain: &str| {
        view["certificates"]
            .as_array()
            .and_then(|rows| rows.iter().find(|row| row["domain"] == domain))
            .cloned()
            .unwrap_or_else(|| panic!("no certificate {domain}: {view:#}"))
    };
    let shop = certificate("shop.example.com");
    assert_eq!(shop["state"], "valid", "{shop}");
    assert_eq!(shop["pill"], "valid", "{shop}");
    assert_eq!(shop["resolver"], "file", "{shop}");
    assert!(
        shop["expiry"]
            .as_str()
            .is_some_and(|text| text.contains("expires in")),
        "{shop}"
    );
    let broken = certificate("broken");
    assert_eq!(broken["state"], "failed", "{broken}");
    let error = broken["error"].as_str().unwrap_or_default();
    assert!(error.contains("broken.pem"), "{broken}");
    let default = certificate("hawser.invalid");
    assert_eq!(
        (default["resolver"].as_str(), default["state"].as_str()),
        (Some("default"), Some("valid")),
        "{default}"
    );
}

// ------------------------------------------------------------------------------ page reading

/// Everything the test looks at, read from the rendered page in one go.
const SNAPSHOT: &str = r#"
const text = (node) => node ? node.innerText.trim() : null;
const value = (node) => node ? (node.dataset.value ?? null) : null;
const one = (root, id) => root.querySelector(`[data-testid="${id}"]`);
const classes = {};
for (const node of document.querySelectorAll('[data-testid^="class-"]')) {
  classes[node.dataset.testid.slice(6)] = value(node);
}
return {
  marker: window.__marker ?? null,
  violations: window.__violations ?? null,
  connection: document.querySelector('[data-testid="connection"]').dataset.state,
  routes: Array.from(document.querySelectorAll('[data-testid="route"]')).map((route) => ({
    name: route.dataset.name,
    rule: text(one(route, 'rule')),
    meta: text(route.querySelector('.route-meta')),
    requests: value(one(route, 'route-requests')),
    backends: Array.from(route.querySelectorAll('[data-testid="backend"]')).map((row) => {
      const cells = {};
      for (const cell of row.querySelectorAll('td')) cells[cell.dataset.column] = text(cell);
      return {
        task: row.dataset.task ?? null,
        address: row.dataset.address ?? null,
        requests: value(row.querySelector('td[data-column="requests"]')),
        cells,
      };
    }),
    tasks: Array.from(route.querySelectorAll('[data-testid="task"]')).map((row) => {
      const cells = {};
      for (const cell of row.querySelectorAll('td')) cells[cell.dataset.column] = text(cell);
      return { task: row.dataset.task ?? null, state: row.dataset.state ?? null, cells };
    }),
  })),
  banner: (() => {
    const banner = one(document, 'unreachable');
    return banner && !banner.hidden ? text(banner) : null;
  })(),
  skipped: Array.from(document.querySelectorAll('[data-testid="skipped"]')).map((row) => ({
    service: row.dataset.service,
    router: row.dataset.router || null,
    reason: text(one(row, 'skip-reason')),
  })),
  certificates: Array.from(document.querySelectorAll('[data-testid="certificate"]')).map((row) => ({
    domain: row.dataset.domain,
    resolver: row.dataset.resolver,
    state: row.dataset.state,
    pill: text(one(row, 'certificate-state')),
    expiry: text(one(row, 'certificate-expiry')),
    error: text(one(row, 'certificate-error')),
  })),
  discovery: {
    reachable: value(one(document, 'docker-reachable')),
    engine: text(one(document, 'engine-version')),
    text: text(one(document, 'discovery')),
  },
  totals: {
    requests: value(one(document, 'requests')),
    rps: text(one(document, 'rps')),
    classes,
  },
};
"#;

/// Reads the page until `ready` accepts it, failing the test after [`DEADLINE`].
async fn wait_for_page<F>(client: &Client, what: &str, mut ready: F) -> Value
where
    F: FnMut(&Value) -> Option<()>,
{
    let deadline = Instant::now() + DEADLINE;
    loop {
        let view = client
            .execute(SNAPSHOT, vec![])
            .await
            .expect("read the page");
        if ready(&view).is_some() {
            return view;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {DEADLINE:?} waiting for {what}; the page shows {view:#}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn route<'a>(view: &'a Value, name: &str) -> &'a Value {
    view["routes"]
        .as_array()
        .and_then(|routes| routes.iter().find(|route| route["name"] == name))
        .unwrap_or(&Value::Null)
}

fn backend_row<'a>(route: &'a Value, task: &str) -> Option<&'a Value> {
    route["backends"]
        .as_array()?
        .iter()
        .find(|row| row["task"] == task)
}

fn task_row<'a>(route: &'a Value, task: &str) -> Option<&'a Value> {
    route["tasks"]
        .as_array()?
        .iter()
        .find(|row| row["task"] == task)
}

fn skipped<'a>(view: &'a Value, service: &str) -> Option<&'a Value> {
    view["skipped"]
        .as_array()?
        .iter()
        .find(|row| row["service"] == service)
}

// ------------------------------------------------------------------------------ chromedriver
