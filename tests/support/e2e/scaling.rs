//! Scenario 3: scaling `hello` up (how soon new tasks get traffic) and down under load.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;
use tokio::sync::watch;

use super::answered_by;
use super::docker::{Docker, Task};
use super::lab::*;
use super::{Report, median_max, secs};
use crate::support::http::get_within;
use crate::support::wait::until;

/// When something was first seen, per key.
pub type Firsts = Arc<Mutex<HashMap<String, Instant>>>;

pub fn first_seen(map: &Firsts, key: String, at: Instant) {
    map.lock().expect("firsts").entry(key).or_insert(at);
}

/// 3: scale 2 → 4 (five times): how soon each new task gets traffic after Docker says it runs;
/// then 2 → 1 → 2 under load.
pub async fn scaling(lab: &Lab, report: &mut Report) -> Outcome {
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

pub struct Sample {
    container: String,
    answered_after_running: f64,
    answered_after_docker: f64,
    listed_after_running: f64,
}

/// One 2 → 4 scale: one loop polls the tasks (and /api/routes) every 20 ms, another sends GETs
/// of /hello/x every 10 ms; for each new task, when it was first seen running, listed, answering.
pub async fn scale_up_trial(lab: &Lab) -> Result<Vec<Sample>, String> {
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
                if let Ok(reply) = get_within(admin, "/api/routes", Duration::from_secs(2)).await {
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
                    if let Ok(reply) = get_within(proxy, "/hello/x", Duration::from_secs(2)).await {
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
