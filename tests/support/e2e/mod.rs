//! Support for the end-to-end tests on the lab swarm (tests/e2e_swarm.rs): the leader's Engine
//! API and CLI, a steady load, the scenarios and the report. Requests go through the shared
//! client in `support::http`; waits through `support::wait`.

pub mod basic;
pub mod changes;
pub mod docker;
pub mod faults;
pub mod https;
pub mod lab;
pub mod load;
pub mod scaling;
pub mod slowloris;
pub mod soak;

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

    /// Lines as they are (a markdown table).
    pub fn table(&mut self, lines: &[String]) {
        self.lines.push(String::new());
        for line in lines {
            println!("   {line}");
            self.lines.push(line.clone());
        }
        self.lines.push(String::new());
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

/// The container hostname a demo server put in its answer: `Pong from H`, `Hello, X! (from H)`,
/// `Tmp from H`.
pub fn answered_by(body: &str) -> Option<String> {
    let body = body.trim();
    if let Some(start) = body.find("(from ") {
        let rest = &body[start + "(from ".len()..];
        return rest.strip_suffix(')').map(str::to_owned);
    }
    body.rsplit_once(" from ")
        .map(|(_, host)| host.to_owned())
        .filter(|host| !host.is_empty() && !host.contains(' '))
}
