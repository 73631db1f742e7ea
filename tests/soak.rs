//! The soak on the lab swarm (scripts/soak --minutes N): scale, rolling updates and a service
//! created and removed, in a loop for `HAWSER_SOAK_MINUTES` under the steady load, with
//! hawser's memory and descriptors sampled. Writes target/soak.csv, target/soak.md and
//! target/soak.svg. Without `HAWSER_SOAK_MINUTES` it prints that it is skipped and passes.

mod support;

use support::e2e::lab::Lab;
use support::e2e::soak::{Sample, csv, soak, svg};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_demo_stack_soaks_without_failures_or_growth() {
    let Some(minutes) = std::env::var("HAWSER_SOAK_MINUTES")
        .ok()
        .and_then(|m| m.parse::<f64>().ok())
    else {
        println!("skipped: HAWSER_SOAK_MINUTES is not set");
        return;
    };
    let lab = Lab::connect().await.unwrap_or_else(|err| panic!("{err}"));
    if let Err(err) = lab.reset().await {
        panic!("the demo stack is not ready ({err}); deploy it with scripts/lab demo up");
    }
    let soaked = soak(&lab, minutes)
        .await
        .unwrap_or_else(|err| panic!("soak: {err}"));
    let target = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| format!("{}/target", env!("CARGO_MANIFEST_DIR")));
    std::fs::create_dir_all(&target).expect("target directory");
    let samples = &soaked.samples;
    let first = samples.first().copied().expect("a sample");
    let last = samples.last().copied().expect("a sample");
    let peak = |f: fn(&Sample) -> u64| samples.iter().map(f).max().unwrap_or(0);
    let title = format!(
        "hawser soak: {minutes} min, {} rounds ({} changes)",
        soaked.rounds, soaked.changes
    );
    let mut summary = format!("# {title}\n\n");
    summary.push_str(&format!("- load: {}\n", soaked.summary));
    summary.push_str(&format!(
        "- hawser RSS: {} KiB at the start, {} KiB at the end, {} KiB at most\n",
        first.rss_kib,
        last.rss_kib,
        peak(|s| s.rss_kib)
    ));
    summary.push_str(&format!(
        "- hawser open descriptors: {} at the start, {} at the end, {} at most\n",
        first.fds,
        last.fds,
        peak(|s| s.fds)
    ));
    summary.push_str(&format!(
        "- {} samples in soak.csv, plot in soak.svg\n",
        samples.len()
    ));
    for line in &soaked.failure_lines {
        summary.push_str(&format!("- failed: {line}\n"));
    }
    println!("{summary}");
    for (name, text) in [
        ("soak.csv", csv(samples)),
        ("soak.md", summary),
        ("soak.svg", svg(samples, &title)),
    ] {
        let path = format!("{target}/{name}");
        std::fs::write(&path, text).unwrap_or_else(|err| panic!("{path}: {err}"));
    }
    // The rolling-update and scaling scenarios of e2e_swarm hold hawser to no failed request;
    // a loop of the same changes must too.
    assert_eq!(
        last.failed, 0,
        "failed requests during the soak: {}",
        soaked.summary
    );
}
