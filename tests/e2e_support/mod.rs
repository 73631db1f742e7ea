//! Support for the end-to-end tests on the lab swarm (tests/e2e_swarm.rs): a fresh-connection
//! HTTP client, the leader's Engine API and CLI, a steady load, and the report.
#![allow(dead_code)]

pub mod basic;
pub mod changes;
pub mod docker;
pub mod http;
pub mod lab;
pub mod load;
pub mod scaling;

use std::future::Future;
use std::time::{Duration, Instant};

/// Polls `check` every `every` until it returns `Ok(Some(_))`; an error after `within`, naming
/// `what` and the last thing `check` said.
pub async fn until<T, F, Fut>(
    within: Duration,
    every: Duration,
    what: &str,
    mut check: F,
) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, String>>,
{
    let deadline = Instant::now() + within;
    let mut last = String::from("no answer yet");
    loop {
        match check().await {
            Ok(Some(value)) => return Ok(value),
            Ok(None) => {}
            Err(err) => last = err,
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "timed out after {:.0} s waiting for {what} (last: {last})",
                within.as_secs_f64()
            ));
        }
        tokio::time::sleep(every).await;
    }
}

/// Median and maximum of some values (median of an even count: the mean of the middle two).
pub fn median_max(values: &[f64]) -> Option<(f64, f64)> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    let median = if sorted.len() % 2 == 0 {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    };
    Some((median, sorted[sorted.len() - 1]))
}

/// Seconds with millisecond precision, signed: `0.412 s`, `-0.020 s`.
pub fn secs(value: f64) -> String {
    format!("{value:.3} s")
}

/// The markdown report: what every scenario measured, and whether it met its target.
#[derive(Default)]
pub struct Report {
    lines: Vec<String>,
    pub failures: Vec<String>,
}

impl Report {
    pub fn heading(&mut self, text: &str) {
        println!("\n== {text}");
        self.lines.push(String::new());
        self.lines.push(format!("## {text}"));
        self.lines.push(String::new());
    }

    /// A measured fact.
    pub fn fact(&mut self, text: impl Into<String>) {
        let text = text.into();
        println!("   {text}");
        self.lines.push(format!("- {text}"));
    }

    /// Indented detail lines (logs, failures) as a code block.
    pub fn detail(&mut self, title: &str, lines: &[String]) {
        if lines.is_empty() {
            return;
        }
        println!("   {title}:");
        self.lines.push(format!("- {title}:"));
        self.lines.push(String::new());
        self.lines.push("  ```".to_owned());
        for line in lines {
            println!("     {line}");
            self.lines.push(format!("  {line}"));
        }
        self.lines.push("  ```".to_owned());
    }

    /// A target: PASS or FAIL, recorded.
    pub fn check(&mut self, ok: bool, text: impl Into<String>) {
        let text = text.into();
        let mark = if ok { "PASS" } else { "FAIL" };
        println!("   {mark} {text}");
        self.lines.push(format!("- **{mark}** {text}"));
        if !ok {
            self.failures.push(text);
        }
    }

    pub fn markdown(&self, title: &str, preamble: &[String]) -> String {
        let mut out = format!("# {title}\n\n");
        for line in preamble {
            out.push_str(line);
            out.push('\n');
        }
        for line in &self.lines {
            out.push_str(line);
            out.push('\n');
        }
        out.push('\n');
        if self.failures.is_empty() {
            out.push_str("**Result: every check passed.**\n");
        } else {
            out.push_str(&format!(
                "**Result: {} check(s) failed:**\n\n",
                self.failures.len()
            ));
            for failure in &self.failures {
                out.push_str(&format!("- {failure}\n"));
            }
        }
        out
    }
}
