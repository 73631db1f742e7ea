//! End to end: the demo stack (examples/stack.yml) on the lab's three-node swarm, driven through
//! hawser's ports published on the leader (127.0.0.1:80 and :8080) and the leader's Docker
//! socket, while Swarm scales, updates and removes services for real.
//!
//!   scripts/e2e                     # lab up, image, deploy, then this test; prints the report
//!   HAWSER_E2E=1 cargo test --release --test e2e_swarm -- --nocapture   # against a running lab
//!
//! Without `HAWSER_E2E` the test prints that it is skipped and passes, so `cargo test` works on
//! machines without the lab. One test drives every scenario in order (they share one swarm). It
//! writes what it measured to target/e2e-report.md, and leaves the stack as it found it: `hello`
//! at 2 replicas with the default update order, no e2e_* service.

mod e2e_support;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;
use tokio::sync::watch;

use e2e_support::docker::{Docker, Task};
use e2e_support::http::{Reply, answered_by, get};
use e2e_support::load::{Load, LoadStats};
use e2e_support::{Report, median_max, secs, until};

const PROXY: &str = "127.0.0.1:80";
const ADMIN: &str = "127.0.0.1:8080";
const SOCKET: &str = "/var/run/docker.sock";
const PING: &str = "demo_ping";
const HELLO: &str = "demo_hello";
const HAWSER: &str = "demo_hawser";
const NETWORK: &str = "demo_apps";
const TMP: &str = "e2e_tmp";
const BAD: &str = "e2e_bad";
/// Requests a second in every steady load.
const RATE: u32 = 50;
/// Scale-up trials (2 → 4 → 2).
const TRIALS: usize = 5;

/// A seed-like server for the services the tests add: `Tmp from <hostname>`.
const TMP_SERVER: &str = r#"
import socket
from http.server import HTTPServer, BaseHTTPRequestHandler

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(bytes('Tmp from %s\n' % socket.gethostname(), 'utf8'))

HTTPServer(('0.0.0.0', 8080), Handler).serve_forever()
"#;

type Outcome = Result<(), String>;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_demo_stack_on_a_three_node_swarm() {
    if std::env::var_os("HAWSER_E2E").is_none() {
        println!("skipped: HAWSER_E2E is not set");
        return;
    }
    let started = Instant::now();
    let lab = Lab::connect().await.unwrap_or_else(|err| panic!("{err}"));
    let mut report = Report::default();
    let preamble = lab.preamble().await;
    for line in &preamble {
        println!("{line}");
    }
    if let Err(err) = lab.reset().await {
        panic!("the demo stack is not ready ({err}); deploy it with scripts/lab demo up");
    }

    macro_rules! scenario {
        ($title:expr, $call:expr) => {{
            report.heading($title);
            let t0 = Instant::now();
            let outcome: Outcome = $call.await;
            if let Err(err) = outcome {
                report.check(false, format!("{}: {err}", $title));
                if let Err(err) = lab.reset().await {
                    report.check(false, format!("restoring the stack after it: {err}"));
                }
            }
            report.fact(format!(
                "scenario took {}",
                secs(t0.elapsed().as_secs_f64())
            ));
        }};
    }
    scenario!(
        "1. Every node runs ping; 30 GETs of /ping",
        spread(&lab, &mut report)
    );
    scenario!(
        "2. /hello/<name> and an unknown path",
        hello(&lab, &mut report)
    );
    scenario!("3. Scaling hello", scaling(&lab, &mut report));
    scenario!(
        "4. Rolling updates of hello under load",
        rolling(&lab, &mut report)
    );
    scenario!("5. Removing a service", removal(&lab, &mut report));
    scenario!("6. Restarting hawser", restart(&lab, &mut report));
    scenario!(
        "7. A service with a bad label",
        bad_label(&lab, &mut report)
    );

    report.heading("Clean-up");
    match lab.reset().await {
        Ok(()) => report.fact("hello back at 2 replicas (stop-first), no e2e_* service left"),
        Err(err) => report.check(false, format!("clean-up: {err}")),
    }
    report.fact(format!(
        "whole run took {}",
        secs(started.elapsed().as_secs_f64())
    ));

    let markdown = report.markdown("hawser end-to-end report (scripts/e2e)", &preamble);
    let target = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| format!("{}/target", env!("CARGO_MANIFEST_DIR")));
    let path = format!("{target}/e2e-report.md");
    std::fs::create_dir_all(&target).expect("target directory");
    std::fs::write(&path, &markdown).unwrap_or_else(|err| panic!("{path}: {err}"));
    println!("\nreport written to {path}");
    assert!(
        report.failures.is_empty(),
        "{} check(s) failed:\n{}",
        report.failures.len(),
        report.failures.join("\n")
    );
}

struct Lab {
    docker: Docker,
    proxy: SocketAddr,
    admin: SocketAddr,
}

impl Lab {
    async fn connect() -> Result<Lab, String> {
        let docker = Docker::connect(SOCKET).await.map_err(|err| {
            format!("the lab's leader engine: {err} (is the lab up? scripts/lab up)")
        })?;
        Ok(Lab {
            docker,
            proxy: PROXY.parse().expect("address"),
            admin: ADMIN.parse().expect("address"),
        })
    }

    async fn get(&self, path: &str) -> Result<Reply, String> {
        get(self.proxy, path, Duration::from_secs(3))
            .await
            .map_err(|err| format!("GET {path}: {err}"))
    }

    async fn admin(&self, path: &str) -> Result<Value, String> {
        let reply = get(self.admin, path, Duration::from_secs(3))
            .await
            .map_err(|err| format!("GET :8080{path}: {err}"))?;
        if reply.status != 200 {
            return Err(format!("GET :8080{path}: {}", reply.status));
        }
        serde_json::from_str(&reply.body).map_err(|err| format!("GET :8080{path}: {err}"))
    }

    /// The task IDs hawser routes `service`'s route to, per `/api/routes`.
    async fn routed(&self, service: &str) -> Result<BTreeSet<String>, String> {
        let routes = self.admin("/api/routes").await?;
        Ok(routed_in(&routes, service))
    }

    /// `n` GETs of `path`, one after the other; every one must be 2xx. Answers per container.
    async fn answers(&self, path: &str, n: usize) -> Result<BTreeMap<String, usize>, String> {
        let mut hosts = BTreeMap::new();
        for _ in 0..n {
            let reply = self.get(path).await?;
            if reply.status != 200 {
                return Err(format!(
                    "GET {path}: {} {}",
                    reply.status,
                    reply.body.trim()
                ));
            }
            let host = answered_by(&reply.body)
                .ok_or_else(|| format!("GET {path}: unexpected body {:?}", reply.body))?;
            *hosts.entry(host).or_default() += 1;
        }
        Ok(hosts)
    }

    /// `service` runs exactly `want` tasks, every other task of it has really stopped (an old
    /// container can outlive its task's shutdown by its stop grace period), and hawser routes to
    /// exactly the running ones.
    async fn settled(&self, service: &str, want: usize) -> Result<Option<()>, String> {
        self.routing(service, want, true).await
    }

    /// `service` runs exactly `want` tasks and hawser routes to exactly those; with
    /// `stopped_too`, the containers of its other tasks have also exited.
    async fn routing(
        &self,
        service: &str,
        want: usize,
        stopped_too: bool,
    ) -> Result<Option<()>, String> {
        let tasks = self.docker.tasks(service).await?;
        let serving: BTreeSet<String> = tasks
            .iter()
            .filter(|t| t.serving())
            .map(|t| t.id.clone())
            .collect();
        let lingering = tasks
            .iter()
            .filter(|t| !t.serving() && t.state == "running")
            .count();
        if serving.len() != want || (stopped_too && lingering > 0) {
            return Err(format!(
                "{service}: {} serving, {lingering} stopping",
                serving.len()
            ));
        }
        let routed = self.routed(service).await?;
        if routed != serving {
            return Err(format!(
                "{service}: hawser routes to {} task(s), {} serve",
                routed.len(),
                serving.len()
            ));
        }
        Ok(Some(()))
    }

    /// The state every scenario starts from: the stack as deployed (hello at 2 replicas with the
    /// default update order, ping on every node), no e2e_* service, hawser answering.
    async fn reset(&self) -> Result<(), String> {
        for name in [TMP, BAD] {
            if self.docker.service_exists(name).await? {
                self.docker.cli(&["service", "rm", name]).await?;
            }
        }
        let spec = self.docker.service(HELLO).await?;
        if spec["Spec"]["Mode"]["Replicated"]["Replicas"].as_u64() != Some(2) {
            self.docker
                .cli(&["service", "scale", "--detach", &format!("{HELLO}=2")])
                .await?;
        }
        if spec["Spec"]["UpdateConfig"]["Order"] == "start-first" {
            self.docker
                .cli(&[
                    "service",
                    "update",
                    "--detach",
                    "--update-order",
                    "stop-first",
                    HELLO,
                ])
                .await?;
        }
        let nodes = self.docker.nodes().await?.len();
        until(
            Duration::from_secs(120),
            Duration::from_millis(200),
            "the demo stack to settle",
            || async {
                self.settled(HELLO, 2).await?;
                self.settled(PING, nodes).await?;
                let hosts = self.answers("/ping", nodes).await?;
                if hosts.len() != nodes {
                    return Err(format!("/ping x{nodes} answered by {hosts:?}"));
                }
                for name in [TMP, BAD] {
                    if self.docker.service_exists(name).await? {
                        return Err(format!("{name} still exists"));
                    }
                }
                Ok(Some(()))
            },
        )
        .await
    }

    async fn preamble(&self) -> Vec<String> {
        let date = std::process::Command::new("date")
            .args(["-u", "+%Y-%m-%d %H:%M:%S UTC"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default();
        let version = self
            .admin("/api/version")
            .await
            .map(|v| {
                format!(
                    "{} {}",
                    v["name"].as_str().unwrap_or("?"),
                    v["version"].as_str().unwrap_or("?")
                )
            })
            .unwrap_or_else(|err| err);
        let engine = self
            .docker
            .api("/version")
            .await
            .map(|v| {
                format!(
                    "Docker {} (API {})",
                    v["Version"].as_str().unwrap_or("?"),
                    v["ApiVersion"].as_str().unwrap_or("?")
                )
            })
            .unwrap_or_else(|err| err);
        let image = self
            .docker
            .cli(&["image", "inspect", "-f", "{{.Id}}", "hawser:local"])
            .await
            .map(|id| id.trim().chars().skip(7).take(12).collect::<String>())
            .unwrap_or_else(|err| err);
        let nodes = self
            .docker
            .nodes()
            .await
            .map(|nodes| {
                nodes
                    .into_iter()
                    .map(|(_, host)| host)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_else(|err| err);
        vec![
            format!("- run: {date}"),
            format!("- hawser: {version}, image hawser:local {image}"),
            format!("- swarm: {engine}; nodes {nodes}"),
            format!(
                "- traffic: GETs on a fresh connection each to {PROXY} (hawser, host-mode port on the leader); steady loads at {RATE} requests/s"
            ),
        ]
    }
}

/// The task IDs of the backends of the route(s) whose service is `service`.
fn routed_in(routes: &Value, service: &str) -> BTreeSet<String> {
    routes["routes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|route| route["service"] == service)
        .flat_map(|route| route["backends"].as_array().into_iter().flatten())
        .filter_map(|backend| backend["task_id"].as_str().map(str::to_owned))
        .collect()
}

fn containers(tasks: &[Task]) -> BTreeSet<String> {
    tasks.iter().map(|t| t.container.clone()).collect()
}

/// Runs a steady load while `during` runs; the load's counts.
async fn under_load<T>(
    lab: &Lab,
    paths: &[&str],
    during: impl std::future::Future<Output = Result<T, String>>,
) -> (Result<T, String>, LoadStats) {
    let load = Load::start(lab.proxy, paths, RATE, Duration::from_secs(5));
    let outcome = during.await;
    (outcome, load.stop().await)
}

/// Records a load's counts; a failed request fails the check. On failures, also hawser's log
/// lines since `since` that say something went wrong.
async fn report_load(
    lab: &Lab,
    report: &mut Report,
    what: &str,
    stats: &LoadStats,
    since: SystemTime,
) {
    report.check(stats.failed() == 0, format!("{what}: {}", stats.summary()));
    if stats.failed() > 0 {
        report.detail("first failed requests", &stats.failure_lines());
        let trouble = lab.docker.trouble_in_logs(HAWSER, since).await;
        let tail: Vec<String> = trouble.iter().rev().take(30).rev().cloned().collect();
        report.detail(
            &format!(
                "{HAWSER} log lines since it started that are not 2xx/info ({} in all, last 30)",
                trouble.len()
            ),
            &tail,
        );
    }
}

/// 1: ping on every node, hello 2/2, and 30 GETs of /ping spread exactly evenly.
async fn spread(lab: &Lab, report: &mut Report) -> Outcome {
    let nodes = lab.docker.nodes().await?;
    let ping = lab.docker.serving(PING).await?;
    let hello = lab.docker.serving(HELLO).await?;
    let on: BTreeSet<&str> = ping.iter().map(|t| t.node_id.as_str()).collect();
    let hostname = |id: &str| {
        nodes
            .iter()
            .find(|(node, _)| node == id)
            .map_or("?".to_owned(), |(_, host)| host.clone())
    };
    report.check(
        nodes.len() == 3 && ping.len() == 3 && on.len() == 3,
        format!(
            "{PING} runs {} task(s) on {} of the {} nodes ({})",
            ping.len(),
            on.len(),
            nodes.len(),
            ping.iter()
                .map(|t| format!("{}@{}", t.container, hostname(&t.node_id)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    report.check(
        hello.len() == 2,
        format!("{HELLO} has {}/2 running tasks", hello.len()),
    );
    let counts = lab.answers("/ping", 30).await?;
    let expected: BTreeMap<String, usize> =
        containers(&ping).into_iter().map(|c| (c, 10)).collect();
    report.check(
        counts == expected,
        format!("30 GETs of /ping reached {counts:?} (want 10 each of the 3 ping tasks)"),
    );
    Ok(())
}

/// 2: the post's requests, both hello tasks answering, and a 404.
async fn hello(lab: &Lab, report: &mut Report) -> Outcome {
    let hello = containers(&lab.docker.serving(HELLO).await?);
    for (path, greeting) in [
        ("/hello/world", "Hello, World!"),
        ("/hello/viktor", "Hello, Viktor!"),
    ] {
        let reply = lab.get(path).await?;
        let body = reply.body.trim().to_owned();
        let ok = reply.status == 200
            && body.starts_with(greeting)
            && answered_by(&body).is_some_and(|host| hello.contains(&host));
        report.check(ok, format!("GET {path} -> {} {body:?}", reply.status));
    }
    let counts = lab.answers("/hello/x", 4).await?;
    report.check(
        counts.keys().cloned().collect::<BTreeSet<_>>() == hello,
        format!("4 GETs of /hello/x reached {counts:?} (want both hello tasks)"),
    );
    let reply = lab.get("/nope").await?;
    report.check(
        reply.status == 404,
        format!("GET /nope -> {}", reply.status),
    );
    let routes = lab.admin("/api/routes").await?;
    let warnings: Vec<String> = routes["warnings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|w| {
            format!(
                "{}: {}",
                w["service"].as_str().unwrap_or("?"),
                w["message"].as_str().unwrap_or("?")
            )
        })
        .collect();
    report.detail("warnings in /api/routes", &warnings);
    Ok(())
}

/// When something was first seen, per key.
type Firsts = Arc<Mutex<HashMap<String, Instant>>>;

fn first_seen(map: &Firsts, key: String, at: Instant) {
    map.lock().expect("firsts").entry(key).or_insert(at);
}

/// 3: scale 2 → 4 (five times): how soon each new task gets traffic after Docker says it runs;
/// then 2 → 1 → 2 under load.
async fn scaling(lab: &Lab, report: &mut Report) -> Outcome {
    let mut after_running = Vec::new();
    let mut after_docker = Vec::new();
    let mut listed_after = Vec::new();
    for trial in 1..=TRIALS {
        let samples = scale_up_trial(lab).await?;
        let line: Vec<String> = samples
            .iter()
            .map(|s| {
                format!(
                    "{}: answered {} after the API showed it running ({} after its Docker timestamp; in /api/routes {} after running)",
                    s.container,
                    secs(s.answered_after_running),
                    secs(s.answered_after_docker),
                    secs(s.listed_after_running)
                )
            })
            .collect();
        report.detail(&format!("trial {trial}: 2 -> 4"), &line);
        for s in samples {
            after_running.push(s.answered_after_running);
            after_docker.push(s.answered_after_docker);
            listed_after.push(s.listed_after_running);
        }
        lab.docker
            .cli(&["service", "scale", "--detach", &format!("{HELLO}=2")])
            .await?;
        until(
            Duration::from_secs(90),
            Duration::from_millis(100),
            "hello back at 2",
            // the two removed tasks' containers may still run out their stop grace period
            || lab.routing(HELLO, 2, false),
        )
        .await?;
    }
    let (median, worst) = median_max(&after_running).ok_or("no samples")?;
    report.check(
        worst <= 1.0,
        format!(
            "new task's first answer after the API showed it running, {} tasks over {TRIALS} trials: median {}, worst {} (target: 1 s)",
            after_running.len(),
            secs(median),
            secs(worst)
        ),
    );
    if let Some((median, worst)) = median_max(&after_docker) {
        report.fact(format!(
            "same, from the task's own Status.Timestamp (when the worker reported it running): median {}, worst {}",
            secs(median),
            secs(worst)
        ));
    }
    if let Some((median, worst)) = median_max(&listed_after) {
        report.fact(format!(
            "task listed in /api/routes after the API showed it running: median {}, worst {}",
            secs(median),
            secs(worst)
        ));
    }

    for (from, to) in [(2, 1), (1, 2)] {
        let since = SystemTime::now();
        let t0 = Instant::now();
        let (outcome, stats) = under_load(lab, &["/hello/x"], async {
            lab.docker
                .cli(&["service", "scale", "--detach", &format!("{HELLO}={to}")])
                .await?;
            until(
                Duration::from_secs(90),
                Duration::from_millis(100),
                &format!("hello at {to}"),
                || lab.settled(HELLO, to),
            )
            .await?;
            let settled = t0.elapsed();
            // keep the load on a little longer: the routing table after the change
            tokio::time::sleep(Duration::from_secs(2)).await;
            Ok(settled)
        })
        .await;
        let settled = outcome?;
        report_load(
            lab,
            report,
            &format!(
                "scale {from} -> {to} under load (settled in {}, old containers gone)",
                secs(settled.as_secs_f64())
            ),
            &stats,
            since,
        )
        .await;
    }
    Ok(())
}

struct Sample {
    container: String,
    answered_after_running: f64,
    answered_after_docker: f64,
    listed_after_running: f64,
}

/// One 2 → 4 scale: one loop polls the tasks (and /api/routes) every 20 ms, another sends GETs
/// of /hello/x every 10 ms; for each new task, when it was first seen running, listed, answering.
async fn scale_up_trial(lab: &Lab) -> Result<Vec<Sample>, String> {
    let before: HashSet<String> = lab
        .docker
        .tasks(HELLO)
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect();
    let running: Arc<Mutex<HashMap<String, (Instant, Task)>>> = Arc::default();
    let listed: Firsts = Arc::default();
    let answered: Firsts = Arc::default();
    let (stop, stopped) = watch::channel(false);
    let base = (Instant::now(), SystemTime::now());

    let poller = {
        let (running, listed, mut stopped) = (running.clone(), listed.clone(), stopped.clone());
        let before = before.clone();
        let docker = Docker::connect(SOCKET).await?;
        let admin = lab.admin;
        tokio::spawn(async move {
            while !*stopped.borrow() {
                if let Ok(tasks) = docker.tasks(HELLO).await {
                    let now = Instant::now();
                    let mut seen = running.lock().expect("running");
                    for task in tasks {
                        if task.serving() && !before.contains(&task.id) {
                            seen.entry(task.id.clone()).or_insert((now, task));
                        }
                    }
                }
                if let Ok(reply) = get(admin, "/api/routes", Duration::from_secs(2)).await {
                    let now = Instant::now();
                    if let Ok(routes) = serde_json::from_str::<Value>(&reply.body) {
                        for id in routed_in(&routes, HELLO) {
                            if !before.contains(&id) {
                                first_seen(&listed, id, now);
                            }
                        }
                    }
                }
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(20)) => {}
                    _ = stopped.changed() => {}
                }
            }
        })
    };
    let prober = {
        let (answered, mut stopped) = (answered.clone(), stopped.clone());
        let proxy = lab.proxy;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(10));
            let mut inflight = tokio::task::JoinSet::new();
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stopped.changed() => break,
                }
                let answered = answered.clone();
                inflight.spawn(async move {
                    if let Ok(reply) = get(proxy, "/hello/x", Duration::from_secs(2)).await {
                        if reply.status == 200 {
                            if let Some(host) = answered_by(&reply.body) {
                                first_seen(&answered, host, Instant::now());
                            }
                        }
                    }
                });
                while inflight.try_join_next().is_some() {}
            }
            inflight.abort_all();
        })
    };
    drop(stopped);

    let scaled = lab
        .docker
        .cli(&["service", "scale", "--detach", &format!("{HELLO}=4")])
        .await;
    let outcome = match scaled {
        Err(err) => Err(err),
        Ok(_) => {
            until(
                Duration::from_secs(60),
                Duration::from_millis(20),
                "both new hello tasks to run and answer",
                || async {
                    let running = running.lock().expect("running");
                    let answered = answered.lock().expect("answered");
                    let listed = listed.lock().expect("listed");
                    let complete = running.len() >= 2
                        && running.iter().all(|(id, (_, task))| {
                            answered.contains_key(&task.container) && listed.contains_key(id)
                        });
                    Ok(complete.then_some(()))
                },
            )
            .await
        }
    };
    let _ = stop.send(true);
    let _ = poller.await;
    let _ = prober.await;
    outcome?;

    let offset = |at: Instant| at.duration_since(base.0).as_secs_f64();
    let sys_offset = |at: SystemTime| match at.duration_since(base.1) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    };
    let running = running.lock().expect("running");
    let answered = answered.lock().expect("answered");
    let listed = listed.lock().expect("listed");
    let mut samples: Vec<Sample> = running
        .iter()
        .map(|(id, (seen, task))| {
            let first = offset(answered[&task.container]);
            Sample {
                container: task.container.clone(),
                answered_after_running: first - offset(*seen),
                answered_after_docker: task.since.map_or(f64::NAN, |ts| first - sys_offset(ts)),
                listed_after_running: offset(listed[id]) - offset(*seen),
            }
        })
        .collect();
    samples.sort_by(|a, b| a.container.cmp(&b.container));
    Ok(samples)
}

/// Waits until `service`'s update that started after `before` (its UpdateStatus.StartedAt)
/// completed; an error if it paused or rolled back.
async fn update_done(lab: &Lab, service: &str, before: &Value) -> Result<Option<()>, String> {
    let spec = lab.docker.service(service).await?;
    let status = &spec["UpdateStatus"];
    if status["StartedAt"] == *before {
        return Err(format!("{service}: the update has not started"));
    }
    match status["State"].as_str().unwrap_or_default() {
        "completed" => Ok(Some(())),
        other => Err(format!(
            "{service}: update {other} {}",
            status["Message"].as_str().unwrap_or_default()
        )),
    }
}

/// 4: `docker service update --force` of hello, stop-first then start-first, under load.
async fn rolling(lab: &Lab, report: &mut Report) -> Outcome {
    for (order, extra) in [
        ("stop-first (the default)", &[][..]),
        ("start-first", &["--update-order", "start-first"][..]),
    ] {
        let before = lab.docker.service(HELLO).await?["UpdateStatus"]["StartedAt"].clone();
        let old: BTreeSet<String> = containers(&lab.docker.serving(HELLO).await?);
        let since = SystemTime::now();
        let t0 = Instant::now();
        let (outcome, stats) = under_load(lab, &["/hello/x"], async {
            // a second of load before the update starts
            tokio::time::sleep(Duration::from_secs(1)).await;
            let mut args = vec!["service", "update", "--detach", "--force"];
            args.extend_from_slice(extra);
            args.push(HELLO);
            lab.docker.cli(&args).await?;
            let issued = t0.elapsed();
            until(
                Duration::from_secs(180),
                Duration::from_millis(200),
                "the rolling update to complete",
                || async {
                    update_done(lab, HELLO, &before).await?;
                    lab.settled(HELLO, 2).await
                },
            )
            .await?;
            let done = t0.elapsed() - issued;
            tokio::time::sleep(Duration::from_secs(2)).await;
            Ok(done)
        })
        .await;
        let took = outcome?;
        let new: BTreeSet<String> = containers(&lab.docker.serving(HELLO).await?);
        report.check(
            old.is_disjoint(&new) && new.len() == 2,
            format!(
                "update-order {order}: both tasks replaced ({} -> {}) in {} (command to the old containers gone)",
                old.iter().cloned().collect::<Vec<_>>().join(","),
                new.iter().cloned().collect::<Vec<_>>().join(","),
                secs(took.as_secs_f64())
            ),
        );
        report_load(
            lab,
            report,
            &format!("update-order {order}, load on /hello/x for the whole update"),
            &stats,
            since,
        )
        .await;
        report.fact(format!(
            "answers per container during it: {:?}",
            stats.hosts
        ));
    }
    Ok(())
}

/// 5: a labelled service is routed; once it is removed its route answers 404 (measured).
async fn removal(lab: &Lab, report: &mut Report) -> Outcome {
    let t0 = Instant::now();
    lab.docker
        .cli(&[
            "service",
            "create",
            "--detach",
            "--no-resolve-image",
            "--name",
            TMP,
            "--network",
            NETWORK,
            "--label",
            "traefik.port=8080",
            "--label",
            "traefik.frontend.rule=PathPrefixStrip: /tmp/",
            "python:3-alpine",
            "python",
            "-c",
            TMP_SERVER,
        ])
        .await?;
    let host = until(
        Duration::from_secs(90),
        Duration::from_millis(20),
        "/tmp/x to answer",
        || async {
            let reply = lab.get("/tmp/x").await?;
            Ok((reply.status == 200 && reply.body.starts_with("Tmp from "))
                .then(|| answered_by(&reply.body).unwrap_or_default()))
        },
    )
    .await?;
    report.fact(format!(
        "{TMP} created; /tmp/x answered by {host} {} after `docker service create`",
        secs(t0.elapsed().as_secs_f64())
    ));

    let t0 = Instant::now();
    lab.docker.cli(&["service", "rm", TMP]).await?;
    let returned = t0.elapsed();
    let seen: Mutex<BTreeMap<String, usize>> = Mutex::default();
    let gone = until(
        Duration::from_secs(30),
        Duration::from_millis(10),
        "/tmp/x to answer 404",
        || async {
            let reply = get(lab.proxy, "/tmp/x", Duration::from_secs(2)).await;
            let at = t0.elapsed();
            let key = match &reply {
                Ok(reply) => reply.status.to_string(),
                Err(err) => err.class(),
            };
            *seen.lock().expect("seen").entry(key).or_default() += 1;
            Ok(matches!(reply, Ok(Reply { status: 404, .. })).then_some(at))
        },
    )
    .await?;
    report.check(
        gone <= Duration::from_secs(2),
        format!(
            "after `docker service rm {TMP}` (which returned in {}), /tmp/x answered 404 {} after the command started (target: 2 s); answers until then: {seen:?}",
            secs(returned.as_secs_f64()),
            secs(gone.as_secs_f64()),
            seen = seen.into_inner().expect("seen"),
        ),
    );
    Ok(())
}

/// 6: `docker service update --force demo_hawser`: how long no proxy answers.
async fn restart(lab: &Lab, report: &mut Report) -> Outcome {
    let before = lab.docker.service(HAWSER).await?["UpdateStatus"]["StartedAt"].clone();
    let old: BTreeSet<String> = lab
        .docker
        .serving(HAWSER)
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect();
    let nodes = lab.docker.nodes().await?.len();
    let t0 = Instant::now();
    lab.docker
        .cli(&[
            "service",
            "update",
            "--detach",
            "--force",
            "--no-resolve-image",
            HAWSER,
        ])
        .await?;
    let issued = t0.elapsed();
    // Rounds of 3 GETs of /ping and 2 of /hello/x, back to back, until hawser stopped answering
    // and then answered every route again, and every backend.
    let mut down: Option<Duration> = None;
    let mut up: Option<Duration> = None;
    let mut failures: BTreeMap<String, usize> = BTreeMap::new();
    let deadline = Duration::from_secs(90);
    let full = loop {
        let at = t0.elapsed();
        if at > deadline {
            return Err(format!(
                "hawser did not come back within {deadline:?} (stopped answering at {down:?}, failures {failures:?})"
            ));
        }
        let mut ok = true;
        let mut ping = BTreeSet::new();
        let mut hello = BTreeSet::new();
        for path in ["/ping", "/ping", "/ping", "/hello/x", "/hello/x"] {
            match get(lab.proxy, path, Duration::from_secs(1)).await {
                Ok(reply) if reply.status == 200 => {
                    let host = answered_by(&reply.body).unwrap_or_default();
                    if path == "/ping" {
                        ping.insert(host);
                    } else {
                        hello.insert(host);
                    }
                }
                Ok(reply) => {
                    ok = false;
                    if down.is_some() {
                        *failures.entry(reply.status.to_string()).or_default() += 1;
                    }
                }
                Err(err) => {
                    ok = false;
                    if down.is_some() {
                        *failures.entry(err.class()).or_default() += 1;
                    }
                }
            }
        }
        match (down, up) {
            (None, _) if !ok => down = Some(at),
            (Some(_), None) if ok => up = Some(t0.elapsed()),
            _ => {}
        }
        if up.is_some() && ok && ping.len() == nodes && hello.len() == 2 {
            break t0.elapsed();
        }
        if down.is_none() && at > Duration::from_secs(60) {
            return Err("the old hawser task never stopped answering".into());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let (down, up) = (down.expect("down"), up.expect("up"));
    report.fact(format!(
        "`docker service update --force {HAWSER}` returned after {}; the old task stopped answering {} after the command",
        secs(issued.as_secs_f64()),
        secs(down.as_secs_f64())
    ));
    report.check(
        up - down <= Duration::from_secs(5),
        format!(
            "every route answered again {} after hawser stopped answering ({} after the update command); target: 5 s",
            secs((up - down).as_secs_f64()),
            secs(up.as_secs_f64())
        ),
    );
    report.fact(format!(
        "every backend answering (3 ping, 2 hello) {} after the command; requests that failed meanwhile: {failures:?}",
        secs(full.as_secs_f64())
    ));
    let healthy = until(
        Duration::from_secs(120),
        Duration::from_millis(200),
        "the new hawser task to be running (healthy) and the update complete",
        || async {
            update_done(lab, HAWSER, &before).await?;
            let now: BTreeSet<String> = lab
                .docker
                .serving(HAWSER)
                .await?
                .into_iter()
                .map(|t| t.id)
                .collect();
            Ok((now.len() == 1 && now.is_disjoint(&old)).then(|| t0.elapsed()))
        },
    )
    .await?;
    report.fact(format!(
        "Swarm reported the new hawser task running (after its HEALTHCHECK passed) and the update complete {} after the command",
        secs(healthy.as_secs_f64())
    ));
    Ok(())
}

/// 7: a service whose port label is not a number: listed as skipped with its reason, and the
/// other routes keep answering meanwhile.
async fn bad_label(lab: &Lab, report: &mut Report) -> Outcome {
    let since = SystemTime::now();
    let t0 = Instant::now();
    let (outcome, stats) = under_load(lab, &["/ping", "/hello/x"], async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let created = t0.elapsed();
        lab.docker
            .cli(&[
                "service",
                "create",
                "--detach",
                "--no-resolve-image",
                "--name",
                BAD,
                "--network",
                NETWORK,
                "--label",
                "traefik.port=abc",
                "--label",
                "traefik.frontend.rule=PathPrefixStrip: /bad/",
                "python:3-alpine",
                "python",
                "-c",
                TMP_SERVER,
            ])
            .await?;
        let reason = until(
            Duration::from_secs(30),
            Duration::from_millis(20),
            "e2e_bad under skipped in /api/routes",
            || async {
                let routes = lab.admin("/api/routes").await?;
                Ok(routes["skipped"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|s| s["service"] == BAD)
                    .map(|s| s["reason"].as_str().unwrap_or_default().to_owned()))
            },
        )
        .await?;
        let listed = t0.elapsed() - created;
        until(
            Duration::from_secs(90),
            Duration::from_millis(100),
            "e2e_bad's task to run",
            || async { Ok((lab.docker.serving(BAD).await?.len() == 1).then_some(())) },
        )
        .await?;
        let bad = lab.get("/bad/x").await?;
        tokio::time::sleep(Duration::from_secs(2)).await;
        Ok((reason, listed, bad.status))
    })
    .await;
    let (reason, listed, status) = outcome?;
    report.check(
        reason.contains("port") && reason.contains("abc"),
        format!(
            "{BAD} (traefik.port=abc) listed under skipped {} after `docker service create`, reason: {reason:?}",
            secs(listed.as_secs_f64())
        ),
    );
    report.check(
        status == 404,
        format!("GET /bad/x -> {status} (its task runs, but it is not routed)"),
    );
    report_load(
        lab,
        report,
        "other routes (/ping, /hello/x) meanwhile, until its task ran",
        &stats,
        since,
    )
    .await;
    lab.docker.cli(&["service", "rm", BAD]).await?;
    let t0 = Instant::now();
    let gone = until(
        Duration::from_secs(30),
        Duration::from_millis(20),
        "e2e_bad to leave skipped",
        || async {
            let routes = lab.admin("/api/routes").await?;
            let listed = routes["skipped"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|s| s["service"] == BAD);
            Ok((!listed).then(|| t0.elapsed()))
        },
    )
    .await?;
    report.fact(format!(
        "after `docker service rm {BAD}`, gone from skipped in {}",
        secs(gone.as_secs_f64())
    ));
    Ok(())
}
