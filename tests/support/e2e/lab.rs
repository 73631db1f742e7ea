//! The lab as the end-to-end scenarios see it: the names in the demo stack, hawser's ports on
//! the leader, the leader's Docker socket, and the checks every scenario builds on.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use serde_json::Value;

use super::Report;
use super::answered_by;
use super::docker::{Docker, Task};
use super::load::{Load, LoadStats};
use crate::support::http::{Reply, get_within};
use crate::support::wait::until;

pub const PROXY: &str = "127.0.0.1:80";
pub const ADMIN: &str = "127.0.0.1:8080";
pub const SOCKET: &str = "/var/run/docker.sock";
pub const PING: &str = "demo_ping";
pub const HELLO: &str = "demo_hello";
pub const HAWSER: &str = "demo_hawser";
pub const NETWORK: &str = "demo_apps";
pub const TMP: &str = "e2e_tmp";
pub const BAD: &str = "e2e_bad";
/// The service whose router orders the HTTPS scenario's certificate, and that router.
pub const TLS: &str = "e2e_tls";
pub const TLS_ROUTER: &str = "e2e-tls";
/// Requests a second in every steady load.
pub const RATE: u32 = 50;
/// Scale-up trials (2 → 4 → 2).
pub const TRIALS: usize = 5;

/// A seed-like server for the services the tests add: `Tmp from <hostname>`.
pub const TMP_SERVER: &str = r#"
import socket
from http.server import HTTPServer, BaseHTTPRequestHandler

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(bytes('Tmp from %s\n' % socket.gethostname(), 'utf8'))

HTTPServer(('0.0.0.0', 8080), Handler).serve_forever()
"#;

pub type Outcome = Result<(), String>;

pub struct Lab {
    pub docker: Docker,
    pub proxy: SocketAddr,
    pub admin: SocketAddr,
    /// The label dialect of the deployed stack (`HAWSER_E2E_DIALECT`, v1 by default): the
    /// services the scenarios create carry labels in it.
    pub dialect: Dialect,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// examples/stack.yml: the post's Traefik v1 labels.
    V1,
    /// examples/stack-v3.yml: Traefik v2/v3 routers, services and middlewares.
    V3,
}

impl Dialect {
    pub fn from_env() -> Result<Dialect, String> {
        match std::env::var("HAWSER_E2E_DIALECT").as_deref() {
            Err(_) | Ok("v1") => Ok(Dialect::V1),
            Ok("v3") => Ok(Dialect::V3),
            Ok(other) => Err(format!("HAWSER_E2E_DIALECT={other:?}: expected v1 or v3")),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Dialect::V1 => "v1",
            Dialect::V3 => "v3",
        }
    }

    /// Labels for a service answering on 8080 under `/<path>/`, stripped, with `port` as the
    /// port label's value (a bad one for the bad-label scenario).
    pub fn route_labels(self, name: &str, path: &str, port: &str) -> Vec<String> {
        match self {
            Dialect::V1 => vec![
                format!("traefik.port={port}"),
                format!("traefik.frontend.rule=PathPrefixStrip: /{path}/"),
            ],
            Dialect::V3 => vec![
                format!("traefik.http.routers.{name}.rule=PathPrefix(`/{path}/`)"),
                format!("traefik.http.routers.{name}.middlewares={name}-strip"),
                format!("traefik.http.middlewares.{name}-strip.stripprefix.prefixes=/{path}"),
                format!("traefik.http.services.{name}.loadbalancer.server.port={port}"),
            ],
        }
    }
}

impl Lab {
    pub async fn connect() -> Result<Lab, String> {
        let docker = Docker::connect(SOCKET).await.map_err(|err| {
            format!("the lab's leader engine: {err} (is the lab up? scripts/lab up)")
        })?;
        Ok(Lab {
            docker,
            proxy: PROXY.parse().expect("address"),
            admin: ADMIN.parse().expect("address"),
            dialect: Dialect::from_env()?,
        })
    }

    pub async fn get(&self, path: &str) -> Result<Reply, String> {
        get_within(self.proxy, path, Duration::from_secs(3))
            .await
            .map_err(|err| format!("GET {path}: {err}"))
    }

    pub async fn admin(&self, path: &str) -> Result<Value, String> {
        let reply = get_within(self.admin, path, Duration::from_secs(3))
            .await
            .map_err(|err| format!("GET :8080{path}: {err}"))?;
        if reply.status != 200 {
            return Err(format!("GET :8080{path}: {}", reply.status));
        }
        serde_json::from_str(&reply.body).map_err(|err| format!("GET :8080{path}: {err}"))
    }

    /// The task IDs hawser routes `service`'s route to, per `/api/routes`.
    pub async fn routed(&self, service: &str) -> Result<BTreeSet<String>, String> {
        let routes = self.admin("/api/routes").await?;
        Ok(routed_in(&routes, service))
    }

    /// `n` GETs of `path`, one after the other; every one must be 2xx. Answers per container.
    pub async fn answers(&self, path: &str, n: usize) -> Result<BTreeMap<String, usize>, String> {
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
    pub async fn settled(&self, service: &str, want: usize) -> Result<Option<()>, String> {
        self.routing(service, want, true).await
    }

    /// `service` runs exactly `want` tasks and hawser routes to exactly those; with
    /// `stopped_too`, the containers of its other tasks have also exited.
    pub async fn routing(
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
    pub async fn reset(&self) -> Result<(), String> {
        for name in [TMP, BAD, TLS, super::faults::EDGE] {
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
                self.hawser_settled().await?;
                self.settled(HELLO, 2).await?;
                self.settled(PING, nodes).await?;
                let hosts = self.answers("/ping", nodes).await?;
                if hosts.len() != nodes {
                    return Err(format!("/ping x{nodes} answered by {hosts:?}"));
                }
                for name in [TMP, BAD, TLS] {
                    if self.docker.service_exists(name).await? {
                        return Err(format!("{name} still exists"));
                    }
                }
                Ok(Some(()))
            },
        )
        .await
    }

    /// hawser's own service is done changing: no update or rollback in progress, and one
    /// task running (Swarm calls it running once its HEALTHCHECK passed), none stopping. A
    /// scenario that starts while a rollback still replaces hawser would count that restart
    /// as its own failures.
    async fn hawser_settled(&self) -> Result<(), String> {
        let spec = self.docker.service(HAWSER).await?;
        let update = spec["UpdateStatus"]["State"]
            .as_str()
            .unwrap_or("completed");
        if !matches!(update, "completed" | "rollback_completed") {
            return Err(format!("{HAWSER}: update {update}"));
        }
        let tasks = self.docker.tasks(HAWSER).await?;
        let running = tasks.iter().filter(|task| task.state == "running").count();
        let serving = tasks.iter().filter(|task| task.serving()).count();
        if serving != 1 || running != 1 {
            return Err(format!("{HAWSER}: {serving} serving, {running} running"));
        }
        Ok(())
    }

    pub async fn preamble(&self) -> Vec<String> {
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
pub fn routed_in(routes: &Value, service: &str) -> BTreeSet<String> {
    routes["routes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|route| route["service"] == service)
        .flat_map(|route| route["backends"].as_array().into_iter().flatten())
        .filter_map(|backend| backend["task_id"].as_str().map(str::to_owned))
        .collect()
}

pub fn containers(tasks: &[Task]) -> BTreeSet<String> {
    tasks.iter().map(|t| t.container.clone()).collect()
}

/// Runs a steady load while `during` runs; the load's counts.
pub async fn under_load<T>(
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
pub async fn report_load(
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
