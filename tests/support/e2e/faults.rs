//! Faults on the lab under a steady load (issue 11): a worker's engine stopped, the manager's
//! engine restarted, a worker cut off the network, hawser SIGKILLed, 10,000 slowloris
//! connections. Each counts the load's failed requests while the fault lasts and how long until
//! the stated recovery, then checks what the design guarantees: once hawser has recovered, no
//! request fails (a second load, right after); the counts during the fault are reported as
//! measured. The lab's own commands (`scripts/lab fault ...`) inject and repair.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::process::Command;

use super::lab::{Lab, Outcome, PING, RATE, routed_in};
use super::load::{Load, LoadStats};
use super::{Report, answered_by, secs};
use crate::support::http::get_within;
use crate::support::wait::until;

/// A hawser of the tests' own on worker-1, reading the leader's socket (the workers' engines
/// share the host's filesystem), so that it keeps serving while the leader's engine restarts.
pub const EDGE: &str = "e2e_edge";
const EDGE_PROXY: &str = "10.213.77.11:18080";
const EDGE_ADMIN: &str = "10.213.77.11:18081";
const PATHS: [&str; 2] = ["/ping", "/hello/x"];
/// How long each load after a recovery runs: 250 requests at the lab's rate.
const AFTER: Duration = Duration::from_secs(5);

/// One line of the fault table.
pub struct Row {
    pub scenario: &'static str,
    pub stats: LoadStats,
    pub recovery: Option<Duration>,
    pub recovered: &'static str,
}

/// `scripts/lab fault ARGS...`.
async fn fault(args: &[&str]) -> Result<(), String> {
    let lab = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/lab");
    let output = Command::new(lab)
        .arg("fault")
        .args(args)
        .output()
        .await
        .map_err(|err| format!("scripts/lab fault {}: {err}", args.join(" ")))?;
    if !output.status.success() {
        return Err(format!(
            "scripts/lab fault {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(())
}

async fn node_id(lab: &Lab, host: &str) -> Result<String, String> {
    let nodes = lab.docker.nodes().await?;
    nodes
        .into_iter()
        .find(|(_, name)| name == host)
        .map(|(id, _)| id)
        .ok_or_else(|| format!("no node {host}"))
}

/// The ping task running on `node`.
async fn ping_on(lab: &Lab, node: &str) -> Result<String, String> {
    let tasks = lab.docker.serving(PING).await?;
    tasks
        .into_iter()
        .find(|task| task.node_id == node)
        .map(|task| task.id)
        .ok_or_else(|| format!("no ping task on node {node}"))
}

async fn routed_at(admin: SocketAddr, service: &str) -> Result<BTreeSet<String>, String> {
    let reply = get_within(admin, "/api/routes", Duration::from_secs(3))
        .await
        .map_err(|err| format!("GET {admin}/api/routes: {err}"))?;
    let routes: Value = serde_json::from_str(&reply.body).map_err(|err| err.to_string())?;
    Ok(routed_in(&routes, service))
}

/// A load of [`AFTER`] right after recovery: the design says none of it fails.
async fn after_recovery(report: &mut Report, what: &str, address: SocketAddr) {
    let load = Load::start(address, &PATHS, RATE, Duration::from_secs(5));
    tokio::time::sleep(AFTER).await;
    let stats = load.stop().await;
    report.check(
        stats.failed() == 0,
        format!("{what}, after recovery: {}", stats.summary()),
    );
    report.detail("failed after recovery", &stats.failure_lines());
}

fn record(report: &mut Report, row: &Row) {
    report.fact(format!("during the fault: {}", row.stats.summary()));
    report.detail("first failed requests", &row.stats.failure_lines());
    match row.recovery {
        Some(at) => report.fact(format!(
            "{} after {}",
            row.recovered,
            secs(at.as_secs_f64())
        )),
        None => report.fact(format!("{}: not reached", row.recovered)),
    }
}

/// worker-2's engine stopped: its tasks leave the rotation once Swarm marks the node down.
pub async fn worker_engine_stopped(lab: &Lab, report: &mut Report, rows: &mut Vec<Row>) -> Outcome {
    let fault = NodeFault {
        worker: "worker-2",
        inject: "stop-engine",
        repair: "start-engine",
        scenario: "worker-2's dockerd stopped",
        heading: "worker-2 down",
    };
    node_fault(lab, report, rows, fault).await
}

/// worker-1 cut off the lab network: requests to its tasks time out and are retried on the
/// others; once Swarm marks it down, its tasks leave the rotation.
pub async fn worker_cut_off(lab: &Lab, report: &mut Report, rows: &mut Vec<Row>) -> Outcome {
    let fault = NodeFault {
        worker: "worker-1",
        inject: "cut",
        repair: "uncut",
        scenario: "worker-1's network cut",
        heading: "worker-1 cut off",
    };
    node_fault(lab, report, rows, fault).await
}

/// A fault of one worker, injected and repaired with `scripts/lab fault`.
struct NodeFault {
    worker: &'static str,
    inject: &'static str,
    repair: &'static str,
    scenario: &'static str,
    heading: &'static str,
}

/// Injects `fault` under load, waits for the worker's ping task to leave the rotation, then
/// repairs it.
async fn node_fault(
    lab: &Lab,
    report: &mut Report,
    rows: &mut Vec<Row>,
    fault_of: NodeFault,
) -> Outcome {
    let node = node_id(lab, fault_of.worker).await?;
    let task = ping_on(lab, &node).await?;
    let load = Load::start(lab.proxy, &PATHS, RATE, Duration::from_secs(5));
    let t0 = Instant::now();
    let injected = fault(&[fault_of.inject, fault_of.worker]).await;
    let waiting_for = format!("{}'s ping task to leave hawser's rotation", fault_of.worker);
    let left = until(
        Duration::from_secs(120),
        Duration::from_millis(100),
        &waiting_for,
        || async {
            let routed = lab.routed(PING).await?;
            Ok((!routed.contains(&task)).then_some(t0.elapsed()))
        },
    )
    .await;
    let stats = load.stop().await;
    let row = Row {
        scenario: fault_of.scenario,
        stats,
        recovery: left.as_ref().ok().copied(),
        recovered: "its tasks left the rotation",
    };
    record(report, &row);
    rows.push(row);
    if injected.is_ok() && left.is_ok() {
        after_recovery(report, fault_of.heading, lab.proxy).await;
    }
    fault(&[fault_of.repair, fault_of.worker]).await?;
    injected?;
    left.map(|_| ())
}

/// The leader's (the only manager's) engine restarted, with the load on [`EDGE`]: hawser keeps
/// the last routes while the API is away, retries past the leader's tasks (they stop with its
/// engine), and resyncs once it is back.
pub async fn leader_engine_restarted(
    lab: &Lab,
    report: &mut Report,
    rows: &mut Vec<Row>,
) -> Outcome {
    let edge: SocketAddr = EDGE_PROXY.parse().expect("address");
    let edge_admin: SocketAddr = EDGE_ADMIN.parse().expect("address");
    start_edge(lab, edge).await?;
    let load = Load::start(edge, &PATHS, RATE, Duration::from_secs(5));
    let t0 = Instant::now();
    let restarted = fault(&["restart-leader"]).await;
    let engine_back = t0.elapsed();
    let nodes = lab
        .docker
        .nodes()
        .await
        .map(|nodes| nodes.len())
        .unwrap_or(3);
    // Resynced: the edge hawser routes to exactly the ping tasks that run now, one per node.
    let resynced = until(
        Duration::from_secs(180),
        Duration::from_millis(200),
        "the edge hawser to route to every running ping task again",
        || async {
            let serving: BTreeSet<String> = lab
                .docker
                .serving(PING)
                .await?
                .into_iter()
                .map(|t| t.id)
                .collect();
            let routed = routed_at(edge_admin, PING).await?;
            Ok((serving.len() == nodes && routed == serving).then_some(t0.elapsed()))
        },
    )
    .await;
    let stats = load.stop().await;
    report.fact(format!(
        "the leader's engine answered again after {}",
        secs(engine_back.as_secs_f64())
    ));
    let row = Row {
        scenario: "the manager's dockerd restarted (load on a hawser on worker-1)",
        stats,
        recovery: resynced.as_ref().ok().copied(),
        recovered: "resynced: routes to every running ping task",
    };
    record(report, &row);
    rows.push(row);
    if restarted.is_ok() && resynced.is_ok() {
        after_recovery(report, "manager restarted", edge).await;
    }
    lab.docker.cli(&["service", "rm", EDGE]).await?;
    restarted?;
    resynced.map(|_| ())
}

/// Starts [`EDGE`] and waits until it answers `/ping` from every node.
async fn start_edge(lab: &Lab, edge: SocketAddr) -> Outcome {
    if lab.docker.service_exists(EDGE).await? {
        lab.docker.cli(&["service", "rm", EDGE]).await?;
    }
    lab.docker
        .cli(&[
            "service",
            "create",
            "--detach",
            "--name",
            EDGE,
            "--no-resolve-image",
            "--constraint",
            "node.hostname==worker-1",
            "--network",
            super::lab::NETWORK,
            "--user",
            "0:0",
            "--label",
            "traefik.enable=false",
            // The directory, not the socket: a restarted engine makes a new socket file, and
            // a bind mount of the old one would keep pointing at nothing.
            "--mount",
            "type=bind,source=/run,target=/host/run",
            "--publish",
            "published=18080,target=80,mode=host",
            "--publish",
            "published=18081,target=8080,mode=host",
            "hawser:local",
            "--docker-host",
            "unix:///host/run/docker.sock",
            "--state-file",
            "/tmp/hawser-state.json",
        ])
        .await?;
    let nodes = lab.docker.nodes().await?.len();
    until(
        Duration::from_secs(90),
        Duration::from_millis(200),
        "the edge hawser on worker-1 to answer /ping from every node",
        || async {
            let mut hosts = BTreeSet::new();
            for _ in 0..nodes * 2 {
                let reply = get_within(edge, "/ping", Duration::from_secs(2))
                    .await
                    .map_err(|err| err.to_string())?;
                if let Some(host) = answered_by(&reply.body) {
                    hosts.insert(host);
                }
            }
            Ok((hosts.len() == nodes).then_some(()))
        },
    )
    .await
}

/// hawser's container SIGKILLed: nothing answers until Swarm has started a new task (its restart
/// delay is 5 s), which starts from its state file and the API.
pub async fn hawser_killed(lab: &Lab, report: &mut Report, rows: &mut Vec<Row>) -> Outcome {
    let old = lab.docker.serving(super::lab::HAWSER).await?;
    let container = old
        .first()
        .map(|t| t.container.clone())
        .ok_or("no hawser task")?;
    let load = Load::start(lab.proxy, &PATHS, RATE, Duration::from_secs(5));
    let t0 = Instant::now();
    lab.docker
        .cli(&["kill", "--signal", "KILL", &container])
        .await?;
    let back = until(
        Duration::from_secs(90),
        Duration::from_millis(50),
        "a new hawser to answer /ping and /hello/x",
        || async {
            for path in PATHS {
                let reply = get_within(lab.proxy, path, Duration::from_secs(1))
                    .await
                    .map_err(|err| err.to_string())?;
                if reply.status != 200 || answered_by(&reply.body).is_none() {
                    return Err(format!("{path}: {}", reply.status));
                }
            }
            Ok(Some(t0.elapsed()))
        },
    )
    .await;
    let stats = load.stop().await;
    let row = Row {
        scenario: "hawser SIGKILLed (Swarm restarts it)",
        stats,
        recovery: back.as_ref().ok().copied(),
        recovered: "a new hawser answered every route",
    };
    record(report, &row);
    rows.push(row);
    if back.is_ok() {
        after_recovery(report, "hawser restarted", lab.proxy).await;
    }
    back.map(|_| ())
}

/// The fault table, as markdown.
pub fn table(report: &mut Report, rows: &[Row]) {
    let mut lines = vec![
        "| scenario | requests | failed | recovery |".to_owned(),
        "| --- | ---: | ---: | --- |".to_owned(),
    ];
    for row in rows {
        let recovery = row.recovery.map_or("not reached".to_owned(), |at| {
            format!("{} ({})", secs(at.as_secs_f64()), row.recovered)
        });
        lines.push(format!(
            "| {} | {} | {} | {recovery} |",
            row.scenario,
            row.stats.sent,
            row.stats.failed()
        ));
    }
    report.table(&lines);
}
