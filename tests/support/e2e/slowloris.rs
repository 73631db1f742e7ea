//! 10,000 slowloris connections against hawser under the steady load: each sends a request line
//! and then one header line every few seconds, never the blank line. hawser must close each at
//! its header deadline (30 s by default) and keep serving the load meanwhile.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

use super::faults::Row;
use super::lab::{HAWSER, Lab, Outcome, RATE};
use super::load::Load;
use super::{Report, median_max, secs};
use crate::support::wait::until;

const CONNECTIONS: usize = 10_000;
/// hawser's default `--header-read-timeout`.
const HEADER_DEADLINE: Duration = Duration::from_secs(30);
/// A header line this often: well inside the deadline, so only the deadline can end them.
const DRIP: Duration = Duration::from_secs(5);

/// hawser's address on docker_gwbridge: the slow connections go there directly, because the
/// published port goes through docker-proxy, which would need two descriptors for each.
async fn hawser_direct(lab: &Lab) -> Result<SocketAddr, String> {
    let task = lab.docker.serving(HAWSER).await?;
    let container = task.first().ok_or("no hawser task")?.container.clone();
    let network = lab.docker.api("/networks/docker_gwbridge").await?;
    let containers = network["Containers"]
        .as_object()
        .ok_or("gwbridge: no containers")?;
    let (_, endpoint) = containers
        .iter()
        .find(|(id, _)| id.starts_with(&container))
        .ok_or("hawser is not on docker_gwbridge")?;
    let ip = endpoint["IPv4Address"]
        .as_str()
        .and_then(|cidr| cidr.split('/').next())
        .ok_or("no gwbridge address")?;
    format!("{ip}:80")
        .parse()
        .map_err(|err: std::net::AddrParseError| err.to_string())
}

/// One slow client: how long until hawser closed it (None: it never connected).
async fn slow_client(
    target: SocketAddr,
    give_up: Duration,
    connected: Arc<AtomicUsize>,
) -> Option<Duration> {
    let mut stream = TcpStream::connect(target).await.ok()?;
    connected.fetch_add(1, Ordering::Relaxed);
    let opened = Instant::now();
    if stream
        .write_all(b"GET /ping HTTP/1.1\r\nHost: slow\r\n")
        .await
        .is_err()
    {
        return Some(opened.elapsed());
    }
    let mut buffer = [0u8; 1024];
    loop {
        tokio::select! {
            read = stream.read(&mut buffer) => match read {
                // Closed (or a 408 then closed): either way hawser ended it.
                Ok(0) | Err(_) => return Some(opened.elapsed()),
                Ok(_) => {}
            },
            () = tokio::time::sleep(DRIP) => {
                if opened.elapsed() > give_up {
                    return None;
                }
                if stream.write_all(b"X-Slow: 1\r\n").await.is_err() {
                    return Some(opened.elapsed());
                }
            }
        }
    }
}

pub async fn slowloris(lab: &Lab, report: &mut Report, rows: &mut Vec<Row>) -> Outcome {
    let target = hawser_direct(lab).await?;
    let give_up = HEADER_DEADLINE + Duration::from_secs(30);
    let load = Load::start(
        lab.proxy,
        &["/ping", "/hello/x"],
        RATE,
        Duration::from_secs(5),
    );
    let t0 = Instant::now();
    let connected = Arc::new(AtomicUsize::new(0));
    let mut clients = JoinSet::new();
    for _ in 0..CONNECTIONS {
        let connected = connected.clone();
        clients.spawn(slow_client(target, give_up, connected));
    }
    // All connected (or 20 s passed): how many hawser counts open then.
    let _ = until(
        Duration::from_secs(20),
        Duration::from_millis(100),
        "every slow client to connect",
        || async { Ok((connected.load(Ordering::Relaxed) == CONNECTIONS).then_some(())) },
    )
    .await;
    let opened_in = t0.elapsed();
    let open_now = hawser_connections(lab).await;
    let mut closed = Vec::with_capacity(CONNECTIONS);
    let mut never = 0usize;
    let mut outlived = 0usize;
    while let Some(done) = clients.join_next().await {
        match done {
            Ok(Some(after)) => closed.push(after.as_secs_f64()),
            Ok(None) => outlived += 1,
            Err(_) => never += 1,
        }
    }
    let all_closed = t0.elapsed();
    let stats = load.stop().await;
    let not_connected = CONNECTIONS - connected.load(Ordering::Relaxed);
    report.fact(format!(
        "{} of {CONNECTIONS} slow connections to {target} open after {}; hawser counted {open_now} open connections then",
        connected.load(Ordering::Relaxed),
        secs(opened_in.as_secs_f64())
    ));
    let (median, max) = median_max(&closed).unwrap_or((0.0, 0.0));
    let within = closed
        .iter()
        .filter(|&&after| after <= HEADER_DEADLINE.as_secs_f64() + 5.0)
        .count();
    report.check(
        within == CONNECTIONS,
        format!(
            "{within} of {CONNECTIONS} closed by hawser within the header deadline + 5 s (median {}, max {}); {outlived} still open after {}; {not_connected} never connected; {never} client tasks failed",
            secs(median),
            secs(max),
            secs(give_up.as_secs_f64())
        ),
    );
    let row = Row {
        scenario: "10,000 slowloris connections",
        stats,
        recovery: Some(all_closed),
        recovered: "every slow connection closed",
    };
    // Nothing in hawser waits on a slow client: the load must not notice them.
    report.check(
        row.stats.failed() == 0,
        format!("the steady load during the attack: {}", row.stats.summary()),
    );
    report.detail("first failed requests", &row.stats.failure_lines());
    rows.push(row);
    Ok(())
}

/// hawser's own count of open connections (in `/api/overview`), for the report.
async fn hawser_connections(lab: &Lab) -> String {
    match lab.admin("/api/overview").await {
        Ok(value) => find_open(&value).map_or("?".to_owned(), |n| n.to_string()),
        Err(err) => err,
    }
}

fn find_open(value: &Value) -> Option<u64> {
    match value {
        Value::Object(map) => map
            .get("connections_open")
            .and_then(Value::as_u64)
            .or_else(|| map.values().find_map(find_open)),
        _ => None,
    }
}
