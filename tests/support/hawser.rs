//! Runs the real `hawser` binary and learns its addresses from its JSON logs.

use std::net::SocketAddr;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub struct Hawser {
    child: Child,
    /// The first entry point's address.
    pub proxy: SocketAddr,
    /// Every entry point, as the log line lists them: name and bound address, in order.
    pub entry_points: Vec<(String, SocketAddr)>,
    pub admin: SocketAddr,
    logs: Arc<Mutex<Vec<Value>>>,
    access: Arc<Mutex<Vec<String>>>,
}

impl Hawser {
    /// Starts hawser on loopback ports chosen by the kernel, with `args` added.
    pub async fn start(args: &[&str]) -> Hawser {
        Self::start_with_env(args, &[]).await
    }

    /// As [`Hawser::start`], with environment variables set. Unless `args` or `env` set entry
    /// points, there is one: `web` on a loopback port.
    pub async fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Hawser {
        let own_entry_points = args.iter().any(|arg| arg.starts_with("--entrypoint"))
            || env.iter().any(|(name, _)| *name == "HAWSER_ENTRYPOINT");
        let mut command = Command::new(env!("CARGO_BIN_EXE_hawser"));
        if !own_entry_points {
            command.args(["--listen", "127.0.0.1:0"]);
        }
        command
            .args(["--admin-listen", "127.0.0.1:0"])
            .args([
                "--log-format",
                "json",
                "--log-level",
                "debug",
                "--workers",
                "2",
            ])
            .args(args)
            .env_remove("DOCKER_HOST")
            .env_remove("DOCKER_CERT_PATH")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .envs(env.iter().copied());
        let mut child = command.spawn().expect("start hawser");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let access = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().expect("stderr");
        let stdout = child.stdout.take().expect("stdout");
        let sink = logs.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let parsed = serde_json::from_str(&line).unwrap_or(Value::String(line));
                sink.lock().expect("logs").push(parsed);
            }
        });
        let sink = access.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                sink.lock().expect("access").push(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let serving = logs
                .lock()
                .expect("logs")
                .iter()
                .find(|line| line["message"] == "hawser is serving")
                .cloned();
            if let Some(line) = serving {
                let address = |key: &str| {
                    line[key]
                        .as_str()
                        .and_then(|a| a.parse().ok())
                        .expect("address")
                };
                return Hawser {
                    proxy: address("proxy"),
                    entry_points: entry_points_of(&line),
                    admin: address("admin"),
                    child,
                    logs,
                    access,
                };
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "hawser exited with {status} before serving: {:#?}",
                    logs.lock().expect("logs")
                );
            }
            assert!(
                Instant::now() < deadline,
                "hawser did not start within 30 s: {:#?}",
                logs.lock().expect("logs")
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.proxy)
    }

    /// A URL on the named entry point.
    pub fn url_on(&self, entry_point: &str, path: &str) -> String {
        format!("http://{}{path}", self.address_of(entry_point))
    }

    /// The address the named entry point is bound to.
    pub fn address_of(&self, entry_point: &str) -> SocketAddr {
        self.entry_points
            .iter()
            .find(|(name, _)| name == entry_point)
            .map(|(_, address)| *address)
            .unwrap_or_else(|| panic!("no entry point {entry_point}: {:?}", self.entry_points))
    }

    pub fn admin_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.admin)
    }

    pub fn pid(&self) -> Pid {
        Pid::from_raw(self.child.id().expect("running") as i32)
    }

    pub fn terminate(&self) {
        kill(self.pid(), Signal::SIGTERM).expect("send SIGTERM");
    }

    pub async fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        tokio::time::timeout(within, self.child.wait())
            .await
            .expect("hawser exits in time")
            .expect("exit status")
    }

    /// Peak resident memory so far (VmHWM), in KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).expect("proc status");
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM")
    }

    /// Log lines whose message contains `text`.
    pub fn logged(&self, text: &str) -> Vec<Value> {
        self.logs
            .lock()
            .expect("logs")
            .iter()
            .filter(|line| {
                line["message"]
                    .as_str()
                    .is_some_and(|message| message.contains(text))
            })
            .cloned()
            .collect()
    }

    pub fn access_lines(&self) -> Vec<String> {
        self.access.lock().expect("access").clone()
    }
}

/// The serving line's `entrypoints` field: `web=127.0.0.1:41234 admin=127.0.0.1:41235`.
fn entry_points_of(line: &Value) -> Vec<(String, SocketAddr)> {
    let listed = line["entrypoints"].as_str().expect("an entrypoints field");
    listed
        .split(' ')
        .map(|item| {
            let (name, address) = item.split_once('=').expect("name=address");
            (name.to_owned(), address.parse().expect("an address"))
        })
        .collect()
}
