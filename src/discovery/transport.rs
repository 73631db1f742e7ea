//! One pooled HTTP client to the Engine API, over a unix socket, TCP or TLS.
//!
//! bollard's typed calls (version negotiation, events) and hawser's own lean list decoders go
//! through this same client: bollard's generated `Task` has no `NetworksAttachments`, and its
//! strict enums would fail a whole list on one value a newer engine added.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use http::uri::PathAndQuery;
use http::{Request, Response, Uri};
use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use hyperlocal::UnixConnector;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};

use super::DiscoveryError;
use super::endpoint::{DockerEndpoint, TlsFiles};

/// Names the body type of bollard's requests, which bollard does not export by name.
pub trait BodyOf {
    type Body;
}

impl<B> BodyOf for Request<B> {
    type Body = B;
}

/// The request body type bollard builds, and the one raw requests use too.
pub type DockerBody = <bollard::BollardRequest as BodyOf>::Body;

/// A cheap-to-clone handle on the shared client.
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Connection>,
}

enum Connection {
    Unix {
        client: Client<UnixConnector, DockerBody>,
        socket: PathBuf,
    },
    Http {
        client: Client<HttpConnector, DockerBody>,
        base: String,
    },
    Https {
        client: Client<HttpsConnector<HttpConnector>, DockerBody>,
        base: String,
    },
}

impl Transport {
    pub fn new(endpoint: &DockerEndpoint) -> Result<Self, DiscoveryError> {
        let builder = Client::builder(TokioExecutor::new());
        let connection = match endpoint {
            DockerEndpoint::Unix(socket) => Connection::Unix {
                client: builder.build(UnixConnector),
                socket: socket.clone(),
            },
            DockerEndpoint::Tcp {
                host,
                port,
                tls: None,
            } => Connection::Http {
                client: builder.build(http_connector()),
                base: format!("http://{}", authority(host, *port)),
            },
            DockerEndpoint::Tcp {
                host,
                port,
                tls: Some(files),
            } => Connection::Https {
                client: builder.build(https_connector(host, files)?),
                base: format!("https://{}", authority(host, *port)),
            },
        };
        Ok(Transport {
            inner: Arc::new(connection),
        })
    }

    /// Sends a request whose URI carries the path and query; the endpoint decides the rest.
    pub async fn send(
        &self,
        mut request: Request<DockerBody>,
    ) -> Result<Response<Incoming>, hyper_util::client::legacy::Error> {
        let path = request
            .uri()
            .path_and_query()
            .cloned()
            .unwrap_or_else(|| PathAndQuery::from_static("/"));
        let uri: Uri = match &*self.inner {
            Connection::Unix { socket, .. } => hyperlocal::Uri::new(socket, path.as_str()).into(),
            Connection::Http { base, .. } | Connection::Https { base, .. } => {
                format!("{base}{path}")
                    .parse()
                    .unwrap_or_else(|_| request.uri().clone())
            }
        };
        *request.uri_mut() = uri;
        match &*self.inner {
            Connection::Unix { client, .. } => client.request(request).await,
            Connection::Http { client, .. } => client.request(request).await,
            Connection::Https { client, .. } => client.request(request).await,
        }
    }

    /// A bollard client whose every request goes through this transport.
    pub fn bollard(
        &self,
        timeout_seconds: u64,
        version: &bollard::ClientVersion,
    ) -> Result<bollard::Docker, DiscoveryError> {
        let transport = self.clone();
        bollard::Docker::connect_with_custom_transport(
            move |request: bollard::BollardRequest| {
                let transport = transport.clone();
                async move {
                    transport
                        .send(request)
                        .await
                        .map_err(bollard::errors::Error::from)
                }
            },
            Some("http://docker.engine"),
            timeout_seconds,
            version,
        )
        .map_err(|err| DiscoveryError::Transport(err.to_string()))
    }
}

fn authority(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

fn http_connector() -> HttpConnector {
    let mut connector = HttpConnector::new();
    connector.enforce_http(false);
    connector.set_nodelay(true);
    connector
}

/// Mutual TLS as the Docker CLI does it: our client certificate, and the daemon's certificate
/// checked against the given CA.
fn https_connector(
    host: &str,
    files: &TlsFiles,
) -> Result<HttpsConnector<HttpConnector>, DiscoveryError> {
    let tls_error = |path: &Path, reason: String| DiscoveryError::Tls {
        path: path.to_owned(),
        reason,
    };
    let mut roots = rustls::RootCertStore::empty();
    for cert in read_certs(&files.ca)? {
        roots
            .add(cert)
            .map_err(|err| tls_error(&files.ca, err.to_string()))?;
    }
    let chain = read_certs(&files.cert)?;
    let key = PrivateKeyDer::from_pem_reader(BufReader::new(open(&files.key)?))
        .map_err(|err| tls_error(&files.key, err.to_string()))?;
    ServerName::try_from(host.to_owned())
        .map_err(|err| tls_error(&files.ca, format!("host {host:?}: {err}")))?;
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|err| tls_error(&files.ca, err.to_string()))?
    .with_root_certificates(roots)
    .with_client_auth_cert(chain, key)
    .map_err(|err| tls_error(&files.cert, err.to_string()))?;
    Ok(hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(config)
        .https_only()
        .enable_http1()
        .wrap_connector(http_connector()))
}

fn open(path: &Path) -> Result<File, DiscoveryError> {
    File::open(path).map_err(|err| DiscoveryError::Tls {
        path: path.to_owned(),
        reason: err.to_string(),
    })
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, DiscoveryError> {
    let certs = CertificateDer::pem_reader_iter(BufReader::new(open(path)?))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| DiscoveryError::Tls {
            path: path.to_owned(),
            reason: err.to_string(),
        })?;
    if certs.is_empty() {
        return Err(DiscoveryError::Tls {
            path: path.to_owned(),
            reason: "no PEM certificate in the file".to_owned(),
        });
    }
    Ok(certs)
}
