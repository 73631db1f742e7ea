//! Every built-in default, once. Settings fall back to these, the flags' help shows them, and
//! a test holds the README's flag table and `config/hawser.toml` to them.

use std::fmt::Display;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use super::ByteSize;

const ANY: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);

pub const DOCKER_HOST: &str = "unix:///var/run/docker.sock";
/// The one entry point when none is configured (`--listen ADDR` also names its entry point
/// this).
pub const ENTRY_POINT_NAME: &str = "web";
pub const ENTRY_POINT_ADDRESS: SocketAddr = SocketAddr::new(ANY, 80);
/// Routes that name no entry point are served on all of them unless `--default-entrypoints`
/// says otherwise (as Traefik v3 when no entry point is `asDefault`).
pub const DEFAULT_ENTRY_POINTS: &str = "all";
pub const ADMIN_LISTEN: SocketAddr = SocketAddr::new(ANY, 8080);
pub const LABEL_PREFIX: &str = "traefik";
pub const EXPOSED_BY_DEFAULT: bool = true;
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
pub const BACKEND_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Inside a swarm a connect takes well under a millisecond; one second means a SYN was lost
/// (Linux retransmits it after 1 s) or the node is gone.
pub const BACKEND_FAILOVER_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
pub const BACKEND_RESPONSE_TIMEOUT: Duration = Duration::from_secs(60);
pub const BACKEND_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
pub const BACKEND_MAX_CONNECTIONS: usize = 256;
pub const BACKEND_FAILURE_COOLDOWN: Duration = Duration::from_secs(1);
pub const RETRIES: usize = 2;
pub const GRACE_PERIOD: Duration = Duration::from_secs(10);
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);
pub const POLL_INTERVAL_ACTIVE: Duration = Duration::from_millis(200);
pub const ACTIVE_WINDOW: Duration = Duration::from_secs(10);
pub const DOCKER_TIMEOUT: Duration = Duration::from_secs(10);
/// The first retry delay after a Docker API failure (not a flag).
pub const DOCKER_BACKOFF_MIN: Duration = Duration::from_millis(250);
pub const DOCKER_BACKOFF_MAX: Duration = Duration::from_secs(10);
pub const FILE_POLL_INTERVAL: Duration = Duration::from_secs(1);
pub const TLS_DEFAULT_CERT: &str = "a self-signed certificate made at start";
pub const TLS_POLL_INTERVAL: Duration = Duration::from_secs(2);
pub const TLS_MIN_VERSION: &str = "1.2";
pub const TLS_MAX_VERSION: &str = "1.3";
pub const TLS_CIPHER_SUITES: &str = "rustls's";
pub const TLS_CLIENT_AUTH: &str = "require";
pub const TLS_SNI_STRICT: bool = false;
pub const TLS_SESSION_TICKETS: bool = true;
/// The time a client gets to finish its TLS handshake (not a flag).
pub const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Where a certificate resolver without `storage=` keeps its account and certificates.
pub const ACME_STORAGE: &str = "acme.json";
/// ACME timing (not flags): the first retry after a failed order, doubled up to the most;
/// Let's Encrypt allows 5 failed validations per name and hour.
pub const ACME_RETRY_MIN: Duration = Duration::from_secs(120);
pub const ACME_RETRY_MAX: Duration = Duration::from_secs(3600);
pub const ACME_ORDER_TIMEOUT: Duration = Duration::from_secs(300);
pub const ACME_POLL_INITIAL_DELAY: Duration = Duration::from_secs(1);
pub const ACME_POLL_TIMEOUT: Duration = Duration::from_secs(120);
pub const ACME_MAX_CONCURRENT_ORDERS: usize = 4;
/// hyper's own default; nginx and HAProxy allow about as many.
pub const MAX_HEADER_COUNT: usize = 100;
/// nginx's `large_client_header_buffers` (4 × 8k); HAProxy's buffer is 16k, Envoy's 60 KiB.
pub const MAX_HEADER_SIZE: ByteSize = ByteSize(32 << 10);
/// nginx answers 414 beyond one 8k header buffer.
pub const MAX_URI_LENGTH: ByteSize = ByteSize(8 << 10);

/// A default as the help and the README write it: `30s`, `200ms`, `0.0.0.0:80`, `true`.
pub trait Shown {
    fn shown(&self) -> String;
}

impl Shown for Duration {
    fn shown(&self) -> String {
        if self.subsec_millis() == 0 {
            format!("{}s", self.as_secs())
        } else {
            format!("{}ms", self.as_millis())
        }
    }
}

macro_rules! shown_by_display {
    ($($type:ty),*) => {
        $(impl Shown for $type {
            fn shown(&self) -> String {
                self.to_string()
            }
        })*
    };
}

shown_by_display!(&str, SocketAddr, bool, usize);

impl Shown for ByteSize {
    /// In the largest binary unit that divides it: `32KiB`, `8192` for 8 KiB + 0.
    fn shown(&self) -> String {
        let units = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
        units
            .iter()
            .find(|(scale, _)| self.0 >= *scale && self.0 % scale == 0)
            .map_or_else(
                || self.0.to_string(),
                |(scale, unit)| format!("{}{unit}", self.0 / scale),
            )
    }
}

/// A flag's help: what it does, then its default.
pub fn help(what: &str, default: impl Shown) -> String {
    with_default(what, default.shown())
}

/// A flag's help whose default is a choice's `#[default]` variant.
pub fn help_choice(what: &str, default: impl clap::ValueEnum) -> String {
    let name = default
        .to_possible_value()
        .map(|value| value.get_name().to_owned())
        .unwrap_or_default();
    with_default(what, name)
}

/// A flag's help with a default that is not one value (`$DOCKER_HOST, else ...`).
pub fn with_default(what: &str, default: impl Display) -> String {
    format!("{what} [default: {default}]")
}
