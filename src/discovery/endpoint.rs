//! Where the Docker Engine API is: `unix:///path`, or `tcp://host:port` with optional TLS.

use std::fmt;
use std::path::{Path, PathBuf};

use super::DiscoveryError;

/// A parsed `--docker-host`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DockerEndpoint {
    Unix(PathBuf),
    Tcp {
        host: String,
        port: u16,
        tls: Option<TlsFiles>,
    },
}

/// Client certificate, key and the CA that signed the daemon's certificate (PEM files).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFiles {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl TlsFiles {
    /// The files Docker's CLI expects in `DOCKER_CERT_PATH`.
    pub fn in_directory(directory: &Path) -> Self {
        TlsFiles {
            ca: directory.join("ca.pem"),
            cert: directory.join("cert.pem"),
            key: directory.join("key.pem"),
        }
    }
}

impl DockerEndpoint {
    /// Parses `unix:///var/run/docker.sock`, `tcp://host:2376` (or `http://`, `https://`).
    /// TLS is used for `tcp://` when `tls` is given, and always for `https://`.
    pub fn parse(url: &str, tls: Option<TlsFiles>) -> Result<Self, DiscoveryError> {
        let bad = |reason: &str| DiscoveryError::BadEndpoint {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| bad("expected unix:///path or tcp://host:port"))?;
        match scheme {
            "unix" => {
                if rest.is_empty() || !rest.starts_with('/') {
                    return Err(bad("a unix socket needs an absolute path: unix:///path"));
                }
                Ok(DockerEndpoint::Unix(PathBuf::from(rest)))
            }
            "tcp" | "http" | "https" => {
                let authority = rest.trim_end_matches('/');
                if authority.contains('/') {
                    return Err(bad("a tcp endpoint is host:port, without a path"));
                }
                let default_port = if tls.is_some() || scheme == "https" {
                    2376
                } else {
                    2375
                };
                let parse_port = |port: &str| port.parse::<u16>().map_err(|_| bad("bad port"));
                let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
                    let (host, after) = bracketed
                        .split_once(']')
                        .ok_or_else(|| bad("unclosed '[' in an IPv6 address"))?;
                    match after.strip_prefix(':') {
                        Some(port) => (host, parse_port(port)?),
                        None if after.is_empty() => (host, default_port),
                        None => return Err(bad("unexpected text after ']'")),
                    }
                } else {
                    match authority.split_once(':') {
                        Some((host, port)) => (host, parse_port(port)?),
                        None => (authority, default_port),
                    }
                };
                if host.is_empty() {
                    return Err(bad("missing host"));
                }
                let tls = match (scheme, tls) {
                    ("http", Some(_)) => return Err(bad("http:// cannot use TLS; use tcp://")),
                    ("https", None) => {
                        return Err(bad("https:// needs --docker-tls-* or DOCKER_CERT_PATH"));
                    }
                    (_, tls) => tls,
                };
                Ok(DockerEndpoint::Tcp {
                    host: host.to_owned(),
                    port,
                    tls,
                })
            }
            other => Err(bad(&format!("unsupported scheme {other:?}"))),
        }
    }
}

impl fmt::Display for DockerEndpoint {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DockerEndpoint::Unix(path) => write!(formatter, "unix://{}", path.display()),
            DockerEndpoint::Tcp { host, port, tls } => {
                let scheme = if tls.is_some() { "tcp+tls" } else { "tcp" };
                if host.contains(':') {
                    write!(formatter, "{scheme}://[{host}]:{port}")
                } else {
                    write!(formatter, "{scheme}://{host}:{port}")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_unix_and_tcp_endpoints() {
        assert_eq!(
            DockerEndpoint::parse("unix:///var/run/docker.sock", None).unwrap(),
            DockerEndpoint::Unix("/var/run/docker.sock".into())
        );
        assert_eq!(
            DockerEndpoint::parse("tcp://10.0.0.1:2375", None).unwrap(),
            DockerEndpoint::Tcp {
                host: "10.0.0.1".into(),
                port: 2375,
                tls: None
            }
        );
        let tls = TlsFiles::in_directory(Path::new("/certs"));
        let parsed = DockerEndpoint::parse("tcp://docker.internal", Some(tls.clone())).unwrap();
        assert_eq!(
            parsed,
            DockerEndpoint::Tcp {
                host: "docker.internal".into(),
                port: 2376,
                tls: Some(tls)
            }
        );
        assert_eq!(parsed.to_string(), "tcp+tls://docker.internal:2376");
        let v6 = DockerEndpoint::parse("tcp://[::1]:2375", None).unwrap();
        assert_eq!(v6.to_string(), "tcp://[::1]:2375");
    }

    #[test]
    fn rejects_what_it_cannot_use_with_a_reason() {
        for url in [
            "/var/run/docker.sock",
            "unix://relative.sock",
            "tcp://host:port",
            "tcp://:2375",
            "tcp://host:2375/path",
            "ssh://user@host",
            "https://host:2376",
        ] {
            let err = DockerEndpoint::parse(url, None).expect_err(url);
            assert!(err.to_string().contains(url), "{err}");
        }
    }
}

#[cfg(test)]
mod transport_tests {
    use std::path::Path;

    use super::{DockerEndpoint, TlsFiles};
    use crate::discovery::DiscoveryError;
    use crate::discovery::transport::Transport;

    #[tokio::test]
    async fn tls_files_that_are_missing_or_not_pem_are_named_in_the_error() {
        let directory = tempfile::tempdir().expect("temp dir");
        let missing = TlsFiles::in_directory(Path::new("/nonexistent/certs"));
        let endpoint =
            DockerEndpoint::parse("tcp://docker.internal:2376", Some(missing)).expect("valid");
        let err = Transport::new(&endpoint).err().expect("no such files");
        assert!(
            matches!(&err, DiscoveryError::Tls { path, .. } if path.ends_with("ca.pem")),
            "{err}"
        );
        assert!(
            err.to_string().contains("/nonexistent/certs/ca.pem"),
            "{err}"
        );

        let files = TlsFiles::in_directory(directory.path());
        for name in ["ca.pem", "cert.pem", "key.pem"] {
            std::fs::write(directory.path().join(name), "not a certificate\n").expect("write");
        }
        let endpoint =
            DockerEndpoint::parse("tcp://docker.internal:2376", Some(files)).expect("valid");
        let err = Transport::new(&endpoint).err().expect("not PEM");
        assert!(err.to_string().contains("ca.pem"), "{err}");
    }

    #[tokio::test]
    async fn an_unreachable_socket_is_a_transport_error_naming_the_cause() {
        let endpoint = DockerEndpoint::Unix("/nonexistent/docker.sock".into());
        let err = crate::discovery::docker::DockerClient::connect(
            &endpoint,
            std::time::Duration::from_secs(2),
        )
        .await
        .err()
        .expect("nothing listens there");
        let text = err.to_string();
        assert!(text.contains("cannot reach the Docker API"), "{text}");
        assert!(text.contains("No such file or directory"), "{text}");
    }
}
