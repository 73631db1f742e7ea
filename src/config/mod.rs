//! Settings from flags, `HAWSER_*` environment variables and an optional TOML file, validated
//! once into typed values. Flags and environment variables win over the file; the file wins
//! over the built-in defaults ([`defaults`], the one place they are written). The file's keys
//! are the flags' names without `--`.

pub mod defaults;
mod entry_points;
mod size;
mod tls;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use ipnet::IpNet;
use serde::Deserialize;
use thiserror::Error;

use defaults::{help, help_choice, with_default};
pub use entry_points::EntryPointArg;
pub use size::ByteSize;

use crate::discovery::{DockerEndpoint, PollSettings, TlsFiles};
use crate::proxy::{AccessLogFormat, Limits, ProxySettings};
use crate::routing::RoutingSettings;
use crate::routing::compile::ProviderConstraints;
use crate::routing::constraints::parse_constraints;
use crate::routing::path::{EncodedDots, EncodedSlashes, PathPolicy};
use crate::routing::traefik_v1::LabelSettings;
use crate::routing::traefik_v3::template::RuleTemplate;
use crate::telemetry::{LogFormat, LogLevel};
use crate::tls::TlsSettings;

#[derive(Debug, Parser)]
#[command(
    name = "hawser",
    version,
    about = "A Swarm-aware reverse proxy configured by service labels"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub options: Options,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Exit 0 when the admin listener answers `GET /ping` (for container health checks).
    Healthcheck {
        /// Admin address to ask; defaults to --admin-listen with 0.0.0.0 read as 127.0.0.1.
        #[arg(long, env = "HAWSER_HEALTHCHECK_URL")]
        url: Option<String>,
        /// How long to wait for the answer.
        #[arg(long, default_value = "3s")]
        timeout: DurationArg,
    },
}

/// Every setting, optional so that flags, environment and file can be merged.
#[derive(Args, Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    /// TOML file with any of these settings (keys are the flag names without --).
    #[arg(long, env = "HAWSER_CONFIG")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    #[arg(long, env = "HAWSER_DOCKER_HOST", help = with_default("Docker Engine API: unix:///path or tcp://host:port", format!("$DOCKER_HOST, else {}", defaults::DOCKER_HOST)))]
    pub docker_host: Option<String>,
    /// CA certificate to verify the daemon with (TLS) [default: $DOCKER_CERT_PATH/ca.pem].
    #[arg(long, env = "HAWSER_DOCKER_TLS_CA")]
    pub docker_tls_ca: Option<PathBuf>,
    /// Client certificate for TLS [default: $DOCKER_CERT_PATH/cert.pem].
    #[arg(long, env = "HAWSER_DOCKER_TLS_CERT")]
    pub docker_tls_cert: Option<PathBuf>,
    /// Client key for TLS [default: $DOCKER_CERT_PATH/key.pem].
    #[arg(long, env = "HAWSER_DOCKER_TLS_KEY")]
    pub docker_tls_key: Option<PathBuf>,
    /// Do not use Docker at all: serve only the --file routes.
    #[arg(long, env = "HAWSER_NO_DOCKER", num_args = 0..=1, default_missing_value = "true")]
    pub no_docker: Option<bool>,
    /// Static routes file (TOML), reloaded when it changes.
    #[arg(long, env = "HAWSER_FILE")]
    pub file: Option<PathBuf>,
    #[arg(long, env = "HAWSER_ENTRYPOINT", value_name = "NAME=ADDRESS", value_delimiter = ',', help = with_default("Proxy entry point, repeatable: NAME=IP:PORT or NAME=:PORT (every interface)", format!("{}={}", defaults::ENTRY_POINT_NAME, defaults::ENTRY_POINT_ADDRESS)))]
    pub entrypoint: Option<Vec<EntryPointArg>>,
    /// The older form of --entrypoint web=ADDR (one entry point, named web); not with --entrypoint.
    #[arg(long, env = "HAWSER_LISTEN", value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    #[arg(long, env = "HAWSER_DEFAULT_ENTRYPOINTS", value_name = "NAME,...", value_delimiter = ',', help = help("Entry points that routes naming none are served on", defaults::DEFAULT_ENTRY_POINTS))]
    pub default_entrypoints: Option<Vec<String>>,
    #[arg(long, env = "HAWSER_ADMIN_LISTEN", help = help("Admin API, dashboard and metrics", defaults::ADMIN_LISTEN))]
    pub admin_listen: Option<SocketAddr>,
    #[arg(long, env = "HAWSER_LABEL_PREFIX", help = help("Label prefix to read", defaults::LABEL_PREFIX))]
    pub label_prefix: Option<String>,
    /// Network to reach tasks on when a service has no <prefix>.docker.network label.
    #[arg(long, env = "HAWSER_NETWORK")]
    pub network: Option<String>,
    /// Services without a rule get Host:<service>.<domain>.
    #[arg(long, env = "HAWSER_DOMAIN")]
    pub domain: Option<String>,
    /// Rule of v2/v3 routers that have none: a Go template as Traefik's defaultRule, with
    /// {{ .Name }}, {{ normalize .Name }} and {{ index .Labels "key" }}. Unset:
    /// Host(`{{ normalize .Name }}`), as in Traefik.
    #[arg(long, env = "HAWSER_DEFAULT_RULE")]
    pub default_rule: Option<String>,
    /// Route only the services whose labels match this expression, as Traefik's provider
    /// constraints: Label(`name`, `value`), LabelRegex(`name`, `regex`), &&, || and !.
    /// Unset: every service.
    #[arg(long, env = "HAWSER_CONSTRAINTS")]
    pub constraints: Option<String>,
    #[arg(long, env = "HAWSER_EXPOSED_BY_DEFAULT", num_args = 0..=1, default_missing_value = "true", help = help("Route services that have no <prefix>.enable label", defaults::EXPOSED_BY_DEFAULT))]
    pub exposed_by_default: Option<bool>,
    #[arg(long, env = "HAWSER_LOG_LEVEL", value_enum, help = help_choice("Log level: error, warn, info, debug or trace", LogLevel::default()))]
    pub log_level: Option<LogLevel>,
    #[arg(long, env = "HAWSER_LOG_FORMAT", value_enum, help = help_choice("Log format: text or json", LogFormat::default()))]
    pub log_format: Option<LogFormat>,
    #[arg(long, env = "HAWSER_ACCESS_LOG", value_enum, help = help_choice("Access log on stdout: off, common (Traefik v1's CLF line) or json", AccessLogFormat::default()))]
    pub access_log: Option<AccessLogFormat>,
    /// Proxy worker threads [default: the number of CPUs].
    #[arg(long, env = "HAWSER_WORKERS")]
    pub workers: Option<usize>,
    #[arg(long, env = "HAWSER_HEADER_READ_TIMEOUT", help = help("Time for a client to send request headers; also the HTTP/1.1 idle keep-alive limit", defaults::HEADER_READ_TIMEOUT))]
    pub header_read_timeout: Option<DurationArg>,
    #[arg(long, env = "HAWSER_BACKEND_CONNECT_TIMEOUT", help = help("Time to connect to a backend", defaults::BACKEND_CONNECT_TIMEOUT))]
    pub backend_connect_timeout: Option<DurationArg>,
    #[arg(long, env = "HAWSER_BACKEND_FAILOVER_CONNECT_TIMEOUT", help = help("Time to connect to a backend while another one could take the request instead", defaults::BACKEND_FAILOVER_CONNECT_TIMEOUT))]
    pub backend_failover_connect_timeout: Option<DurationArg>,
    #[arg(long, env = "HAWSER_BACKEND_RESPONSE_TIMEOUT", help = help("Time for a backend to send response headers; then 504", defaults::BACKEND_RESPONSE_TIMEOUT))]
    pub backend_response_timeout: Option<DurationArg>,
    #[arg(long, env = "HAWSER_BACKEND_IDLE_TIMEOUT", help = help("How long idle backend connections are kept for reuse", defaults::BACKEND_IDLE_TIMEOUT))]
    pub backend_idle_timeout: Option<DurationArg>,
    #[arg(long, env = "HAWSER_BACKEND_MAX_CONNECTIONS", help = help("Connections each worker may open to one backend; more requests wait for one", defaults::BACKEND_MAX_CONNECTIONS))]
    pub backend_max_connections: Option<usize>,
    #[arg(long, env = "HAWSER_BACKEND_FAILURE_COOLDOWN", help = help("How long a backend that got no response is passed over while others answer; 0s: never", defaults::BACKEND_FAILURE_COOLDOWN))]
    pub backend_failure_cooldown: Option<DurationArg>,
    #[arg(long, env = "HAWSER_RETRIES", help = help("Extra attempts on other backends when it is safe", defaults::RETRIES))]
    pub retries: Option<usize>,
    #[arg(long, env = "HAWSER_GRACE_PERIOD", help = help("Time in-flight requests get to finish after SIGTERM/SIGINT", defaults::GRACE_PERIOD))]
    pub grace_period: Option<DurationArg>,
    /// Comma-separated networks (CIDR) whose X-Forwarded-* headers are trusted [default: none].
    #[arg(long, env = "HAWSER_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Option<Vec<IpNet>>,
    #[arg(long, env = "HAWSER_POLL_INTERVAL", help = help("Swarm polling while quiet", defaults::POLL_INTERVAL))]
    pub poll_interval: Option<DurationArg>,
    #[arg(long, env = "HAWSER_POLL_INTERVAL_ACTIVE", help = help("Swarm polling while it converges (tasks starting/stopping, updates, recent events)", defaults::POLL_INTERVAL_ACTIVE))]
    pub poll_interval_active: Option<DurationArg>,
    #[arg(long, env = "HAWSER_ACTIVE_WINDOW", help = help("How long polling stays fast after an event or a change", defaults::ACTIVE_WINDOW))]
    pub active_window: Option<DurationArg>,
    #[arg(long, env = "HAWSER_DOCKER_TIMEOUT", help = help("Timeout of each Docker API call", defaults::DOCKER_TIMEOUT))]
    pub docker_timeout: Option<DurationArg>,
    #[arg(long, env = "HAWSER_DOCKER_BACKOFF_MAX", help = help("Longest wait between retries while the Docker API is unavailable", defaults::DOCKER_BACKOFF_MAX))]
    pub docker_backoff_max: Option<DurationArg>,
    #[arg(long, env = "HAWSER_FILE_POLL_INTERVAL", help = help("How often the --file routes file is checked for changes", defaults::FILE_POLL_INTERVAL))]
    pub file_poll_interval: Option<DurationArg>,
    /// Keep the swarm's last good listing in this file and start from it, so a restart while the Docker API is away serves the last known routes.
    #[arg(long, env = "HAWSER_STATE_FILE")]
    pub state_file: Option<PathBuf>,
    /// HTTPS certificate chains (PEM, leaf first), paired in order with --tls-key; re-read on change.
    #[arg(long, env = "HAWSER_TLS_CERT", value_delimiter = ',')]
    pub tls_cert: Option<Vec<PathBuf>>,
    /// The private keys (PEM) of the --tls-cert chains, in the same order.
    #[arg(long, env = "HAWSER_TLS_KEY", value_delimiter = ',')]
    pub tls_key: Option<Vec<PathBuf>>,
    /// Directories of certificates: NAME.crt + NAME.key, NAME.pem + NAME.key, or NAME.pem with both (Swarm secrets: /run/secrets).
    #[arg(long, env = "HAWSER_TLS_CERT_DIR", value_delimiter = ',')]
    pub tls_cert_dir: Option<Vec<PathBuf>>,
    #[arg(long, env = "HAWSER_TLS_DEFAULT_CERT", help = help("Certificate for clients whose SNI matches no other, with --tls-default-key", defaults::TLS_DEFAULT_CERT))]
    pub tls_default_cert: Option<PathBuf>,
    /// The private key of --tls-default-cert.
    #[arg(long, env = "HAWSER_TLS_DEFAULT_KEY")]
    pub tls_default_key: Option<PathBuf>,
    #[arg(long, env = "HAWSER_TLS_POLL_INTERVAL", help = help("How often certificate files are checked for changes", defaults::TLS_POLL_INTERVAL))]
    pub tls_poll_interval: Option<DurationArg>,
    #[arg(long, env = "HAWSER_TLS_MIN_VERSION", help = help("Lowest TLS version accepted: 1.2 or 1.3", defaults::TLS_MIN_VERSION))]
    pub tls_min_version: Option<String>,
    #[arg(long, env = "HAWSER_TLS_MAX_VERSION", help = help("Highest TLS version accepted: 1.2 or 1.3", defaults::TLS_MAX_VERSION))]
    pub tls_max_version: Option<String>,
    #[arg(long, env = "HAWSER_TLS_CIPHER_SUITES", value_delimiter = ',', help = help("Cipher suites by rustls or IANA name, comma-separated; each TLS version named replaces that version's defaults", defaults::TLS_CIPHER_SUITES))]
    pub tls_cipher_suites: Option<Vec<String>>,
    /// CA certificates (PEM) that client certificates must be signed by (mutual TLS).
    #[arg(long, env = "HAWSER_TLS_CLIENT_CA", value_delimiter = ',')]
    pub tls_client_ca: Option<Vec<PathBuf>>,
    #[arg(long, env = "HAWSER_TLS_CLIENT_AUTH", help = help("With --tls-client-ca: require a client certificate, or verify-if-given", defaults::TLS_CLIENT_AUTH))]
    pub tls_client_auth: Option<String>,
    #[arg(long, env = "HAWSER_TLS_SNI_STRICT", num_args = 0..=1, default_missing_value = "true", help = help("Refuse handshakes whose SNI matches no certificate instead of serving the default one", defaults::TLS_SNI_STRICT))]
    pub tls_sni_strict: Option<bool>,
    #[arg(long, env = "HAWSER_TLS_SESSION_TICKETS", num_args = 0..=1, default_missing_value = "true", help = help("TLS session resumption (tickets and the session cache)", defaults::TLS_SESSION_TICKETS))]
    pub tls_session_tickets: Option<bool>,
    /// An ACME certificate resolver: NAME.KEY=VALUE,... with email, storage, challenge (http or tlsalpn), ca, ca-root; repeatable.
    #[arg(long, env = "HAWSER_CERTRESOLVER", value_delimiter = ';')]
    pub certresolver: Option<Vec<String>>,
    #[arg(long, env = "HAWSER_MAX_CONNECTIONS", help = with_default("Open client connections, all workers together; a connection beyond is answered 503 and closed", "unlimited"))]
    pub max_connections: Option<usize>,
    #[arg(long, env = "HAWSER_MAX_CONNECTIONS_PER_IP", help = with_default("Open client connections from one address (IPv6: one /64); beyond, 503 and closed", "unlimited"))]
    pub max_connections_per_ip: Option<usize>,
    #[arg(long, env = "HAWSER_MAX_HEADER_COUNT", help = help("Header fields in a request; more: 431", defaults::MAX_HEADER_COUNT))]
    pub max_header_count: Option<usize>,
    #[arg(long, env = "HAWSER_MAX_HEADER_SIZE", help = help("Bytes of a request line and its headers (4096, 16KiB, 1MiB); more: 431", defaults::MAX_HEADER_SIZE))]
    pub max_header_size: Option<ByteSize>,
    #[arg(long, env = "HAWSER_MAX_URI_LENGTH", help = help("Bytes of a request target; more: 414", defaults::MAX_URI_LENGTH))]
    pub max_uri_length: Option<ByteSize>,
    #[arg(long, env = "HAWSER_MAX_REQUEST_BODY", help = with_default("Bytes of a request body; more: 413", "unlimited"))]
    pub max_request_body: Option<ByteSize>,
    #[arg(long, env = "HAWSER_ENCODED_SLASHES", value_enum, help = help_choice("%2F, %5C or a backslash in a path: reject (400) or keep (passed on as data)", EncodedSlashes::default()))]
    pub encoded_slashes: Option<EncodedSlashes>,
    #[arg(long, env = "HAWSER_ENCODED_DOTS", value_enum, help = help_choice("A %2E that makes a . or .. path segment: reject (400) or decode (then removed like a plain one)", EncodedDots::default()))]
    pub encoded_dots: Option<EncodedDots>,
}

/// A duration written as `10s`, `200ms`, `1m30s`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct DurationArg(pub Duration);

impl FromStr for DurationArg {
    type Err = humantime::DurationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        humantime::parse_duration(text).map(DurationArg)
    }
}

impl TryFrom<String> for DurationArg {
    type Error = humantime::DurationError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("config file {}: {reason}", path.display())]
    File { path: PathBuf, reason: String },
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Discovery(#[from] crate::discovery::DiscoveryError),
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
}

/// Validated settings, ready to run.
#[derive(Clone, Debug)]
pub struct Settings {
    pub docker: Option<DockerEndpoint>,
    pub file: Option<PathBuf>,
    pub file_poll_interval: Duration,
    pub state_file: Option<PathBuf>,
    pub admin_listen: SocketAddr,
    pub log_level: LogLevel,
    pub log_format: LogFormat,
    pub proxy: ProxySettings,
    pub routing: RoutingSettings,
    pub poll: PollSettings,
    pub tls: TlsSettings,
}

impl Options {
    /// Fills what the flags left unset from the `--config` file.
    pub fn with_file(self) -> Result<Options, ConfigError> {
        let Some(path) = self.config.clone() else {
            return Ok(self);
        };
        let file = read_file(&path)?;
        Ok(self.or(file))
    }

    fn or(self, file: Options) -> Options {
        // `--listen` and `--entrypoint` say the same thing: either one given by a flag or the
        // environment replaces both of the file's.
        let (listen, entrypoint) = if self.listen.is_some() || self.entrypoint.is_some() {
            (self.listen, self.entrypoint)
        } else {
            (file.listen, file.entrypoint)
        };
        macro_rules! merge {
            ($($field:ident),* $(,)?) => {
                Options {
                    config: self.config,
                    listen,
                    entrypoint,
                    $($field: self.$field.or(file.$field)),*
                }
            };
        }
        merge!(
            docker_host,
            docker_tls_ca,
            docker_tls_cert,
            docker_tls_key,
            no_docker,
            file,
            default_entrypoints,
            admin_listen,
            label_prefix,
            network,
            domain,
            default_rule,
            constraints,
            exposed_by_default,
            log_level,
            log_format,
            access_log,
            workers,
            header_read_timeout,
            backend_connect_timeout,
            backend_failover_connect_timeout,
            backend_response_timeout,
            backend_idle_timeout,
            backend_max_connections,
            backend_failure_cooldown,
            retries,
            grace_period,
            trusted_proxies,
            poll_interval,
            poll_interval_active,
            active_window,
            docker_timeout,
            docker_backoff_max,
            file_poll_interval,
            state_file,
            tls_cert,
            tls_key,
            tls_cert_dir,
            tls_default_cert,
            tls_default_key,
            tls_poll_interval,
            tls_min_version,
            tls_max_version,
            tls_cipher_suites,
            tls_client_ca,
            tls_client_auth,
            tls_sni_strict,
            tls_session_tickets,
            certresolver,
            max_connections,
            max_connections_per_ip,
            max_header_count,
            max_header_size,
            max_uri_length,
            max_request_body,
            encoded_slashes,
            encoded_dots,
        )
    }

    /// The admin address, as `resolve` sets it.
    pub fn admin_listen(&self) -> SocketAddr {
        self.admin_listen.unwrap_or(defaults::ADMIN_LISTEN)
    }

    /// Applies defaults and validates.
    pub fn resolve(self) -> Result<Settings, ConfigError> {
        let or = |value: Option<DurationArg>, default: Duration| value.map_or(default, |d| d.0);
        let no_docker = self.no_docker.unwrap_or(false);
        if no_docker && self.file.is_none() {
            return Err(ConfigError::Invalid(
                "--no-docker needs --file: there would be nothing to route".into(),
            ));
        }
        let docker = if no_docker {
            None
        } else {
            let url = self
                .docker_host
                .clone()
                .or_else(|| {
                    std::env::var("DOCKER_HOST")
                        .ok()
                        .filter(|url| !url.is_empty())
                })
                .unwrap_or_else(|| defaults::DOCKER_HOST.to_owned());
            Some(DockerEndpoint::parse(&url, self.tls_files())?)
        };
        let workers = self
            .workers
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
        if workers == 0 {
            return Err(ConfigError::Invalid("--workers must be at least 1".into()));
        }
        let limits = self.limits()?;
        let admin_listen = self.admin_listen();
        let tls = self.tls_settings()?;
        let resolver_names: Vec<&str> = tls
            .resolvers
            .iter()
            .map(|resolver| resolver.name.as_str())
            .collect();
        let (entry_points, routing_entry_points) = entry_points::resolve(
            self.listen,
            self.entrypoint,
            self.default_entrypoints,
            &resolver_names,
        )?;
        let prefix = self
            .label_prefix
            .unwrap_or_else(|| defaults::LABEL_PREFIX.to_owned());
        if prefix.is_empty() || prefix.ends_with('.') {
            return Err(ConfigError::Invalid(format!(
                "--label-prefix {prefix:?} must be non-empty, without a trailing dot"
            )));
        }
        let default_rule = match &self.default_rule {
            None => RuleTemplate::default(),
            Some(text) => RuleTemplate::parse(text)
                .map_err(|err| ConfigError::Invalid(format!("--default-rule: {err}")))?,
        };
        let constraints = match self.constraints.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(ProviderConstraints {
                text: text.to_owned(),
                constraints: parse_constraints(text).map_err(|err| {
                    ConfigError::Invalid(format!("--constraints {text:?}: {err}"))
                })?,
            }),
        };
        Ok(Settings {
            tls,
            docker,
            file: self.file,
            state_file: self.state_file,
            file_poll_interval: or(self.file_poll_interval, defaults::FILE_POLL_INTERVAL),
            admin_listen,
            log_level: self.log_level.unwrap_or_default(),
            log_format: self.log_format.unwrap_or_default(),
            proxy: ProxySettings {
                entry_points,
                workers,
                header_read_timeout: or(self.header_read_timeout, defaults::HEADER_READ_TIMEOUT),
                backend_connect_timeout: or(
                    self.backend_connect_timeout,
                    defaults::BACKEND_CONNECT_TIMEOUT,
                ),
                backend_failover_connect_timeout: or(
                    self.backend_failover_connect_timeout,
                    defaults::BACKEND_FAILOVER_CONNECT_TIMEOUT,
                ),
                backend_response_timeout: or(
                    self.backend_response_timeout,
                    defaults::BACKEND_RESPONSE_TIMEOUT,
                ),
                backend_idle_timeout: or(self.backend_idle_timeout, defaults::BACKEND_IDLE_TIMEOUT),
                backend_max_connections: self
                    .backend_max_connections
                    .unwrap_or(defaults::BACKEND_MAX_CONNECTIONS),
                retries: self.retries.unwrap_or(defaults::RETRIES),
                grace_period: or(self.grace_period, defaults::GRACE_PERIOD),
                trusted_proxies: self.trusted_proxies.unwrap_or_default(),
                access_log: self.access_log.unwrap_or_default(),
                limits,
                paths: PathPolicy {
                    encoded_slashes: self.encoded_slashes.unwrap_or_default(),
                    encoded_dots: self.encoded_dots.unwrap_or_default(),
                },
            },
            routing: RoutingSettings {
                labels: LabelSettings {
                    prefix,
                    domain: self.domain.filter(|domain| !domain.is_empty()),
                    exposed_by_default: self
                        .exposed_by_default
                        .unwrap_or(defaults::EXPOSED_BY_DEFAULT),
                },
                default_network: self.network.filter(|network| !network.is_empty()),
                default_rule,
                constraints,
                failure_cooldown: or(
                    self.backend_failure_cooldown,
                    defaults::BACKEND_FAILURE_COOLDOWN,
                ),
                entry_points: routing_entry_points,
            },
            poll: PollSettings {
                quiet_interval: or(self.poll_interval, defaults::POLL_INTERVAL),
                active_interval: or(self.poll_interval_active, defaults::POLL_INTERVAL_ACTIVE),
                active_window: or(self.active_window, defaults::ACTIVE_WINDOW),
                request_timeout: or(self.docker_timeout, defaults::DOCKER_TIMEOUT),
                backoff_min: defaults::DOCKER_BACKOFF_MIN,
                backoff_max: or(self.docker_backoff_max, defaults::DOCKER_BACKOFF_MAX),
            },
        })
    }

    /// The connection and request limits, each within what hyper can hold to.
    fn limits(&self) -> Result<Limits, ConfigError> {
        let invalid = |text: &str| Err(ConfigError::Invalid(text.to_owned()));
        if self.max_connections == Some(0) || self.max_connections_per_ip == Some(0) {
            return invalid("--max-connections and --max-connections-per-ip must be at least 1");
        }
        let header_count = self.max_header_count.unwrap_or(defaults::MAX_HEADER_COUNT);
        if header_count == 0 {
            return invalid("--max-header-count must be at least 1");
        }
        let header_size = self.max_header_size.unwrap_or(defaults::MAX_HEADER_SIZE).0;
        if !(1024..=1 << 20).contains(&header_size) {
            return invalid("--max-header-size must be between 1KiB and 1MiB");
        }
        let uri_length = self.max_uri_length.unwrap_or(defaults::MAX_URI_LENGTH).0;
        if !(1..=MAX_URI_LENGTH).contains(&uri_length) {
            return invalid("--max-uri-length must be between 1 and 65534 (hyper's own limit)");
        }
        Ok(Limits {
            connections: self.max_connections,
            connections_per_ip: self.max_connections_per_ip,
            header_count,
            header_size: usize::try_from(header_size).unwrap_or(usize::MAX),
            uri_length: usize::try_from(uri_length).unwrap_or(usize::MAX),
            request_body: self.max_request_body.map(|size| size.0),
        })
    }

    /// TLS when any TLS file is named, or `DOCKER_CERT_PATH` is set.
    fn tls_files(&self) -> Option<TlsFiles> {
        let cert_path = std::env::var_os("DOCKER_CERT_PATH").filter(|path| !path.is_empty());
        let named = self.docker_tls_ca.is_some()
            || self.docker_tls_cert.is_some()
            || self.docker_tls_key.is_some();
        if !named && cert_path.is_none() {
            return None;
        }
        let directory = TlsFiles::in_directory(Path::new(cert_path.as_deref().unwrap_or_default()));
        Some(TlsFiles {
            ca: self.docker_tls_ca.clone().unwrap_or(directory.ca),
            cert: self.docker_tls_cert.clone().unwrap_or(directory.cert),
            key: self.docker_tls_key.clone().unwrap_or(directory.key),
        })
    }
}

/// The longest target hyper's HTTP/1 parser reads; it answers 414 itself beyond.
const MAX_URI_LENGTH: u64 = 65534;

fn read_file(path: &Path) -> Result<Options, ConfigError> {
    let error = |reason: String| ConfigError::File {
        path: path.to_owned(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|err| error(err.to_string()))?;
    toml::from_str(&text).map_err(|err| error(err.to_string()))
}

#[cfg(test)]
mod tests;

#[cfg(test)]
#[path = "entry_points_tests.rs"]
mod entry_points_tests;
