//! The lab's leader engine: reads through the Engine API on its socket (fast enough to poll every
//! few tens of milliseconds), changes through the docker CLI, as an operator would make them.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use tokio::process::Command;

use crate::support::http::get_unix;

pub struct Docker {
    pub socket: PathBuf,
    /// `/v1.41`: the version the engine says it speaks (Docker 20.10 rejects newer ones).
    prefix: String,
}

/// One swarm task, as `GET /tasks` describes it.
#[derive(Debug, Clone)]
pub struct Task {
    pub id: String,
    pub slot: Option<u64>,
    pub node_id: String,
    pub desired_state: String,
    pub state: String,
    /// The container's hostname: the first 12 digits of its ID (what the demo servers print).
    pub container: String,
    /// When the engine recorded the current state.
    pub since: Option<SystemTime>,
}

impl Task {
    pub fn serving(&self) -> bool {
        self.desired_state == "running" && self.state == "running"
    }
}

impl Docker {
    pub async fn connect(socket: &str) -> Result<Docker, String> {
        let mut docker = Docker {
            socket: PathBuf::from(socket),
            prefix: String::new(),
        };
        let version = docker.api("/version").await?;
        let api = version["ApiVersion"]
            .as_str()
            .ok_or("no ApiVersion in /version")?;
        docker.prefix = format!("/v{api}");
        Ok(docker)
    }

    /// GET `path` (under the negotiated version) as JSON.
    pub async fn api(&self, path: &str) -> Result<Value, String> {
        let full = format!("{}{path}", self.prefix);
        let reply = get_unix(&self.socket, &full, Duration::from_secs(10))
            .await
            .map_err(|err| format!("GET {full}: {err}"))?;
        if reply.status != 200 {
            return Err(format!(
                "GET {full}: {} {}",
                reply.status,
                reply.body.trim()
            ));
        }
        serde_json::from_str(&reply.body).map_err(|err| format!("GET {full}: {err}"))
    }

    /// Every task of `service` (by name), whatever its state.
    pub async fn tasks(&self, service: &str) -> Result<Vec<Task>, String> {
        let filters = format!(r#"{{"service":["{service}"]}}"#);
        let listing = self
            .api(&format!("/tasks?filters={}", encode(&filters)))
            .await?;
        let tasks = listing.as_array().ok_or("tasks: not a list")?;
        Ok(tasks.iter().map(task).collect())
    }

    /// The tasks of `service` Swarm wants running and that are running.
    pub async fn serving(&self, service: &str) -> Result<Vec<Task>, String> {
        Ok(self
            .tasks(service)
            .await?
            .into_iter()
            .filter(Task::serving)
            .collect())
    }

    pub async fn service(&self, name: &str) -> Result<Value, String> {
        self.api(&format!("/services/{name}")).await
    }

    pub async fn service_exists(&self, name: &str) -> Result<bool, String> {
        let list = self
            .api(&format!(
                "/services?filters={}",
                encode(&format!(r#"{{"name":["{name}"]}}"#))
            ))
            .await?;
        Ok(list
            .as_array()
            .is_some_and(|services| services.iter().any(|s| s["Spec"]["Name"] == name)))
    }

    /// The node IDs Swarm lists, with their hostnames.
    pub async fn nodes(&self) -> Result<Vec<(String, String)>, String> {
        let nodes = self.api("/nodes").await?;
        Ok(nodes
            .as_array()
            .ok_or("nodes: not a list")?
            .iter()
            .map(|node| (text(&node["ID"]), text(&node["Description"]["Hostname"])))
            .collect())
    }

    /// `docker -H unix://SOCKET ARGS...`; its stdout, or an error with its stderr.
    pub async fn cli(&self, args: &[&str]) -> Result<String, String> {
        let output = Command::new("docker")
            .arg("-H")
            .arg(format!("unix://{}", self.socket.display()))
            .args(args)
            .env_remove("DOCKER_CONTEXT")
            .output()
            .await
            .map_err(|err| format!("docker {}: {err}", args.join(" ")))?;
        if !output.status.success() {
            return Err(format!(
                "docker {} failed ({}): {}",
                args.join(" "),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// The last lines of a service's logs since `since` that say something is wrong: warnings,
    /// errors, and access log lines whose status is not 2xx.
    pub async fn trouble_in_logs(&self, service: &str, since: SystemTime) -> Vec<String> {
        let since = since
            .duration_since(UNIX_EPOCH)
            .map(|d| format!("{}.{:09}", d.as_secs(), d.subsec_nanos()))
            .unwrap_or_default();
        let logs = match self
            .cli(&["service", "logs", "--raw", "--since", &since, service])
            .await
        {
            Ok(logs) => logs,
            Err(err) => return vec![err],
        };
        logs.lines()
            .filter(|line| {
                line.contains("WARN")
                    || line.contains("ERROR")
                    || access_status(line).is_some_and(|status| !(200..300).contains(&status))
            })
            .map(str::to_owned)
            .collect()
    }
}

/// The status of a common-format access log line (`... "GET /p HTTP/1.1" 502 ...`).
fn access_status(line: &str) -> Option<u16> {
    let after = line.split("HTTP/").nth(1)?;
    let after = after.split_once("\" ")?.1;
    after.split(' ').next()?.parse().ok()
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

fn task(value: &Value) -> Task {
    let status = &value["Status"];
    Task {
        id: text(&value["ID"]),
        slot: value["Slot"].as_u64(),
        node_id: text(&value["NodeID"]),
        desired_state: text(&value["DesiredState"]),
        state: text(&status["State"]),
        container: text(&status["ContainerStatus"]["ContainerID"])
            .chars()
            .take(12)
            .collect(),
        since: status["Timestamp"].as_str().and_then(parse_time),
    }
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An RFC 3339 UTC time as Docker writes it (`2024-05-01T12:34:56.123456789Z`).
pub fn parse_time(text: &str) -> Option<SystemTime> {
    let text = text.strip_suffix('Z')?;
    let (date, time) = text.split_once('T')?;
    let mut date = date.split('-').map(|p| p.parse::<i64>());
    let (year, month, day) = (date.next()?.ok()?, date.next()?.ok()?, date.next()?.ok()?);
    let (clock, fraction) = time.split_once('.').unwrap_or((time, "0"));
    let mut clock = clock.split(':').map(|p| p.parse::<i64>());
    let (hour, minute, second) = (
        clock.next()?.ok()?,
        clock.next()?.ok()?,
        clock.next()?.ok()?,
    );
    let nanos: u32 = format!("{fraction:0<9}")[..9].parse().ok()?;
    // days from 1970-01-01 to the civil date (Howard Hinnant's algorithm)
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hour * 3_600 + minute * 60 + second;
    Some(UNIX_EPOCH + Duration::new(u64::try_from(secs).ok()?, nanos))
}
