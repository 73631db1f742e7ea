//! The soak (scripts/soak): for N minutes, under the steady load, a loop of the changes Swarm
//! makes all day (hello scaled 2 -> 4 -> 2, a rolling update, alternating stop-first and
//! start-first, a service created, routed and removed), sampling every few seconds the load's
//! counts and hawser's resident memory and open descriptors (from /proc on the leader). Writes
//! the samples (CSV), a summary (markdown) and a plot (SVG, drawn here) into target/.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use super::changes::{create_tmp_service, update_done};
use super::lab::{HAWSER, HELLO, Lab, RATE};
use super::load::Load;
use crate::support::wait::until;

/// The soak's service that comes and goes.
pub const SOAK: &str = "e2e_soak";
const EVERY: Duration = Duration::from_secs(5);

#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub at: f64,
    pub requests: u64,
    pub failed: u64,
    pub rss_kib: u64,
    pub fds: u64,
}

/// hawser's process on the leader (its container's PID 1 as the host sees it).
async fn hawser_pid(lab: &Lab) -> Result<u32, String> {
    let tasks = lab.docker.serving(HAWSER).await?;
    let container = tasks.first().ok_or("no hawser task")?.container.clone();
    let pid = lab
        .docker
        .cli(&["inspect", "-f", "{{.State.Pid}}", &container])
        .await?;
    pid.trim()
        .parse()
        .map_err(|err| format!("pid {pid:?}: {err}"))
}

fn rss_and_fds(pid: u32) -> Result<(u64, u64), String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|err| format!("/proc/{pid}/status: {err}"))?;
    let rss = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or("no VmRSS")?;
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map_err(|err| format!("/proc/{pid}/fd: {err}"))?
        .count() as u64;
    Ok((rss, fds))
}

async fn wait_for<F, Fut>(what: &str, check: F) -> Result<(), String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<()>, String>>,
{
    until(
        Duration::from_secs(180),
        Duration::from_millis(200),
        what,
        check,
    )
    .await
}

/// One round of changes; returns how many changes it made.
async fn round(lab: &Lab, n: usize) -> Result<usize, String> {
    lab.docker
        .cli(&["service", "scale", "--detach", &format!("{HELLO}=4")])
        .await?;
    wait_for("hello at 4", || lab.settled(HELLO, 4)).await?;
    let before = lab.docker.service(HELLO).await?["UpdateStatus"]["StartedAt"].clone();
    let order = if n % 2 == 0 {
        "stop-first"
    } else {
        "start-first"
    };
    lab.docker
        .cli(&[
            "service",
            "update",
            "--detach",
            "--force",
            "--update-order",
            order,
            HELLO,
        ])
        .await?;
    wait_for("the rolling update", || async {
        update_done(lab, HELLO, &before).await?;
        lab.settled(HELLO, 4).await
    })
    .await?;
    create_tmp_service(lab, SOAK, &lab.dialect.route_labels("soak", "soak", "8080")).await?;
    wait_for("/soak/x to answer", || async {
        let reply = lab.get("/soak/x").await?;
        Ok((reply.status == 200).then_some(()))
    })
    .await?;
    lab.docker.cli(&["service", "rm", SOAK]).await?;
    wait_for("/soak/x to answer 404", || async {
        let reply = lab.get("/soak/x").await?;
        Ok((reply.status == 404).then_some(()))
    })
    .await?;
    lab.docker
        .cli(&["service", "scale", "--detach", &format!("{HELLO}=2")])
        .await?;
    wait_for("hello at 2", || lab.settled(HELLO, 2)).await?;
    Ok(5)
}

pub struct Soaked {
    pub samples: Vec<Sample>,
    pub rounds: usize,
    pub changes: usize,
    pub summary: String,
    pub failure_lines: Vec<String>,
}

/// Runs the soak for `minutes`; the samples, whatever happened (an error ends it early).
pub async fn soak(lab: &Lab, minutes: f64) -> Result<Soaked, String> {
    let pid = hawser_pid(lab).await?;
    let load = Load::start(
        lab.proxy,
        &["/ping", "/hello/x"],
        RATE,
        Duration::from_secs(5),
    );
    let t0 = Instant::now();
    let length = Duration::from_secs_f64(minutes * 60.0);
    let mut samples = Vec::new();
    let sample = |samples: &mut Vec<Sample>, load: &Load| -> Result<(), String> {
        let (requests, failed) = load.progress();
        let (rss_kib, fds) = rss_and_fds(pid)?;
        samples.push(Sample {
            at: t0.elapsed().as_secs_f64(),
            requests,
            failed,
            rss_kib,
            fds,
        });
        Ok(())
    };
    sample(&mut samples, &load)?;
    let mut rounds = 0;
    let mut changes = 0;
    let mut outcome = Ok(());
    while t0.elapsed() < length {
        let changing = round(lab, rounds);
        tokio::pin!(changing);
        // Sample every EVERY while the round runs.
        let done = loop {
            tokio::select! {
                done = &mut changing => break done,
                () = tokio::time::sleep(EVERY) => sample(&mut samples, &load)?,
            }
        };
        match done {
            Ok(made) => {
                rounds += 1;
                changes += made;
            }
            Err(err) => {
                outcome = Err(err);
                break;
            }
        }
    }
    sample(&mut samples, &load)?;
    let stats = load.stop().await;
    outcome?;
    Ok(Soaked {
        samples,
        rounds,
        changes,
        summary: stats.summary(),
        failure_lines: stats.failure_lines(),
    })
}

pub fn csv(samples: &[Sample]) -> String {
    let mut out = "seconds,requests,failed,rss_kib,open_fds\n".to_owned();
    for s in samples {
        let _ = writeln!(
            out,
            "{:.1},{},{},{},{}",
            s.at, s.requests, s.failed, s.rss_kib, s.fds
        );
    }
    out
}

/// Three stacked line charts (requests and failed, RSS, descriptors) over time, as SVG.
pub fn svg(samples: &[Sample], title: &str) -> String {
    const W: f64 = 800.0;
    const H: f64 = 180.0;
    const LEFT: f64 = 70.0;
    let end = samples.last().map_or(1.0, |s| s.at.max(1.0));
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="{LEFT}" y="20" font-size="14">{title}</text>
"#,
        3.0 * (H + 30.0) + 40.0
    );
    type Series = (&'static str, &'static str, fn(&Sample) -> f64);
    let charts: [(&str, Vec<Series>); 3] = [
        (
            "requests (blue), failed (red)",
            vec![
                ("requests", "#1f77b4", |s| s.requests as f64),
                ("failed", "#d62728", |s| s.failed as f64),
            ],
        ),
        (
            "hawser RSS, KiB",
            vec![("rss", "#2ca02c", |s| s.rss_kib as f64)],
        ),
        (
            "hawser open descriptors",
            vec![("fds", "#9467bd", |s| s.fds as f64)],
        ),
    ];
    for (index, (label, series)) in charts.iter().enumerate() {
        let top = 40.0 + index as f64 * (H + 30.0);
        let max = samples
            .iter()
            .flat_map(|s| series.iter().map(move |(_, _, f)| f(s)))
            .fold(1.0f64, f64::max)
            * 1.1;
        let _ = writeln!(
            out,
            r##"<text x="{LEFT}" y="{}">{label}</text><rect x="{LEFT}" y="{top}" width="{}" height="{H}" fill="none" stroke="#999"/><text x="5" y="{}">{:.0}</text><text x="5" y="{}">0</text><text x="{}" y="{}" text-anchor="end">{:.0} s</text>"##,
            top - 4.0,
            W - LEFT - 10.0,
            top + 12.0,
            max,
            top + H,
            W - 10.0,
            top + H + 14.0,
            end
        );
        for (_, color, value) in series {
            let points: Vec<String> = samples
                .iter()
                .map(|s| {
                    let x = LEFT + s.at / end * (W - LEFT - 10.0);
                    let y = top + H - value(s) / max * H;
                    format!("{x:.1},{y:.1}")
                })
                .collect();
            let _ = writeln!(
                out,
                r#"<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{}"/>"#,
                points.join(" ")
            );
        }
    }
    out.push_str("</svg>\n");
    out
}
