//! The access log: Traefik v1's Common Log Format line, or the same fields as JSON, one line per
//! request, written when the response body has been sent (so the size and duration are real).
//!
//! Lines go through a bounded queue to a writer thread, so a slow stdout never blocks a
//! request; if the queue is full the line is dropped and counted.

use std::io::{BufWriter, Write};
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http::{HeaderValue, Method, Version};
use serde::Deserialize;

use super::body::ProxyBody;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum AccessLogFormat {
    #[default]
    Off,
    Common,
    Json,
}

/// Where access log lines go. Cheap to clone.
#[derive(Clone)]
pub struct AccessLog {
    inner: Arc<Inner>,
}

struct Inner {
    format: AccessLogFormat,
    lines: SyncSender<String>,
    requests: AtomicU64,
    dropped: AtomicU64,
}

/// One request's fields, filled in as the request goes.
pub struct Entry {
    pub client: IpAddr,
    pub started: SystemTime,
    /// When the request arrived, for the duration.
    pub arrived: Instant,
    pub method: Method,
    /// The path and query as the client sent them, before any rewrite.
    pub target: String,
    pub version: Version,
    pub status: u16,
    pub referer: Option<HeaderValue>,
    pub user_agent: Option<HeaderValue>,
    pub route: Option<String>,
    pub backend_url: Option<String>,
}

impl AccessLog {
    /// Starts the writer thread; `None` when the log is off.
    pub fn start(format: AccessLogFormat) -> Option<Self> {
        Self::start_with(format, Box::new(std::io::stdout()))
    }

    pub fn start_with(format: AccessLogFormat, output: Box<dyn Write + Send>) -> Option<Self> {
        if format == AccessLogFormat::Off {
            return None;
        }
        let (lines, queue) = sync_channel::<String>(16 * 1024);
        std::thread::Builder::new()
            .name("access-log".into())
            .spawn(move || {
                let mut output = BufWriter::new(output);
                while let Ok(line) = queue.recv() {
                    let _ = output.write_all(line.as_bytes());
                    while let Ok(line) = queue.try_recv() {
                        let _ = output.write_all(line.as_bytes());
                    }
                    let _ = output.flush();
                }
            })
            .ok()?;
        Some(AccessLog {
            inner: Arc::new(Inner {
                format,
                lines,
                requests: AtomicU64::new(0),
                dropped: AtomicU64::new(0),
            }),
        })
    }

    /// Lines dropped because the writer could not keep up.
    pub fn dropped(&self) -> u64 {
        self.inner.dropped.load(Ordering::Relaxed)
    }

    /// Has the entry written when the response body is done (or abandoned), with its size.
    pub fn wrap(&self, body: ProxyBody, entry: Entry) -> ProxyBody {
        let log = self.clone();
        body.on_finish(Box::new(move |bytes| {
            log.write(&entry, bytes, entry.arrived.elapsed());
        }))
    }

    fn write(&self, entry: &Entry, bytes: u64, duration: Duration) {
        let count = self.inner.requests.fetch_add(1, Ordering::Relaxed) + 1;
        let line = match self.inner.format {
            AccessLogFormat::Common => common_line(entry, bytes, duration, count),
            AccessLogFormat::Json => json_line(entry, bytes, duration, count),
            AccessLogFormat::Off => return,
        };
        if let Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) =
            self.inner.lines.try_send(line)
        {
            self.inner.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// `192.0.2.7 - - [22/Nov/2026:10:00:00 +0000] "GET /x HTTP/1.1" 200 12 "-" "curl/8" 1 "web" "http://10.0.1.4:8080" 3ms`
fn common_line(entry: &Entry, bytes: u64, duration: Duration, count: u64) -> String {
    let quoted = |value: Option<&str>| match value {
        Some(text) => format!("\"{}\"", text.replace('"', "\\\"")),
        None => "-".to_owned(),
    };
    let header = |value: &Option<HeaderValue>| {
        let text = value.as_ref().and_then(|v| v.to_str().ok());
        format!("\"{}\"", text.unwrap_or("-").replace('"', "\\\""))
    };
    format!(
        "{} - - [{}] \"{} {} {:?}\" {} {} {} {} {} {} {} {}ms\n",
        entry.client,
        clf_time(entry.started),
        entry.method,
        entry.target,
        entry.version,
        entry.status,
        bytes,
        header(&entry.referer),
        header(&entry.user_agent),
        count,
        quoted(entry.route.as_deref()),
        quoted(entry.backend_url.as_deref()),
        duration.as_millis(),
    )
}

fn json_line(entry: &Entry, bytes: u64, duration: Duration, count: u64) -> String {
    let header = |value: &Option<HeaderValue>| {
        value
            .as_ref()
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let json = serde_json::json!({
        "ClientHost": entry.client.to_string(),
        "ClientUsername": "-",
        "StartUTC": rfc3339(entry.started),
        "RequestMethod": entry.method.as_str(),
        "RequestPath": entry.target,
        "RequestProtocol": format!("{:?}", entry.version),
        "OriginStatus": entry.status,
        "OriginContentSize": bytes,
        "request_Referer": header(&entry.referer),
        "request_User-Agent": header(&entry.user_agent),
        "RequestCount": count,
        "FrontendName": entry.route,
        "BackendURL": entry.backend_url,
        "Duration": u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX),
    });
    format!("{json}\n")
}

/// `22/Nov/2026:10:00:00 +0000`
pub fn clf_time(time: SystemTime) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (year, month, day, hour, minute, second, _) = civil(time);
    format!(
        "{day:02}/{}/{year}:{hour:02}:{minute:02}:{second:02} +0000",
        MONTHS[(month - 1) as usize]
    )
}

/// `2026-11-22T10:00:00.123Z`
pub fn rfc3339(time: SystemTime) -> String {
    let (year, month, day, hour, minute, second, millis) = civil(time);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{millis:03}Z")
}

/// UTC calendar fields (Howard Hinnant's days-to-civil algorithm).
fn civil(time: SystemTime) -> (i64, u32, u32, u64, u64, u64, u32) {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = since.as_secs();
    let days = (seconds / 86_400) as i64;
    let of_day = seconds % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (
        year,
        month,
        day,
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60,
        since.subsec_millis(),
    )
}

#[cfg(test)]
#[path = "access_log_tests.rs"]
mod tests;
