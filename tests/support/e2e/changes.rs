//! Scenarios 4 to 7: rolling updates under load, removing a service, restarting hawser, and a
//! service with a bad label.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

use super::answered_by;
use super::lab::*;
use super::{Report, secs};
use crate::support::http::{Reply, get_within};
use crate::support::wait::until;

/// Waits until `service`'s update that started after `before` (its UpdateStatus.StartedAt)
/// completed; an error if it paused or rolled back.
pub async fn update_done(lab: &Lab, service: &str, before: &Value) -> Result<Option<()>, String> {
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
pub async fn rolling(lab: &Lab, report: &mut Report) -> Outcome {
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

/// Creates a one-task python service on the demo network with these service labels.
pub async fn create_tmp_service(lab: &Lab, name: &str, labels: &[String]) -> Result<(), String> {
    let mut args = vec![
        "service",
        "create",
        "--detach",
        "--no-resolve-image",
        "--name",
        name,
        "--network",
        NETWORK,
    ];
    for label in labels {
        args.extend(["--label", label.as_str()]);
    }
    args.extend(["python:3-alpine", "python", "-c", TMP_SERVER]);
    lab.docker.cli(&args).await.map(|_| ())
}

/// The reason `/api/routes` gives for skipping `service`, if it is listed.
fn skipped_reason(routes: &serde_json::Value, service: &str) -> Option<String> {
    routes["skipped"]
        .as_array()?
        .iter()
        .find(|skipped| skipped["service"] == service)
        .map(|skipped| skipped["reason"].as_str().unwrap_or_default().to_owned())
}

/// 5: a labelled service is routed; once it is removed its route answers 404 (measured).
pub async fn removal(lab: &Lab, report: &mut Report) -> Outcome {
    let t0 = Instant::now();
    create_tmp_service(lab, TMP, &lab.dialect.route_labels("tmp", "tmp", "8080")).await?;
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
            let reply = get_within(lab.proxy, "/tmp/x", Duration::from_secs(2)).await;
            let at = t0.elapsed();
            let key = match &reply {
                Ok(reply) => reply.status.to_string(),
                Err(err) => err.class(),
            };
            *seen.lock().expect("seen").entry(key).or_default() += 1;
            Ok(matches!(
                reply,
                Ok(Reply {
                    status: http::StatusCode::NOT_FOUND,
                    ..
                })
            )
            .then_some(at))
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
pub async fn restart(lab: &Lab, report: &mut Report) -> Outcome {
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
            match get_within(lab.proxy, path, Duration::from_secs(1)).await {
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
pub async fn bad_label(lab: &Lab, report: &mut Report) -> Outcome {
    let since = SystemTime::now();
    let t0 = Instant::now();
    let (outcome, stats) = under_load(lab, &["/ping", "/hello/x"], async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let created = t0.elapsed();
        create_tmp_service(lab, BAD, &lab.dialect.route_labels("bad", "bad", "abc")).await?;
        let reason = until(
            Duration::from_secs(30),
            Duration::from_millis(20),
            "e2e_bad under skipped in /api/routes",
            || async {
                let routes = lab.admin("/api/routes").await?;
                Ok(skipped_reason(&routes, BAD))
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
            Ok(skipped_reason(&routes, BAD).is_none().then(|| t0.elapsed()))
        },
    )
    .await?;
    report.fact(format!(
        "after `docker service rm {BAD}`, gone from skipped in {}",
        secs(gone.as_secs_f64())
    ));
    Ok(())
}
