//! The HTTP client instant-acme talks to the CA with: hyper over rustls with the ring
//! provider, trusting the bundled Mozilla roots (the image has no system store), or only the
//! resolver's `ca-root` (a private CA such as pebble). instant-acme's own client would pull
//! in the platform verifier and has no timeouts; this one bounds connecting and each request.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use http::Request;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use instant_acme::{AccountBuilder, BodyWrapper, BytesResponse, HttpClient};
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::telemetry::error_chain;
use crate::tls::{TlsError, provider};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

type Inner = Client<HttpsConnector<HttpConnector>, BodyWrapper<Bytes>>;

/// Cheap to clone: clones share one connection pool.
#[derive(Clone)]
pub struct AcmeHttpClient {
    client: Inner,
}

impl AcmeHttpClient {
    pub fn new(ca_root: Option<&Path>) -> Result<AcmeHttpClient, TlsError> {
        let roots = match ca_root {
            Some(path) => private_root(path)?,
            None => RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            },
        };
        let tls = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|err| TlsError::acme("client", err))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut http = HttpConnector::new();
        http.set_connect_timeout(Some(CONNECT_TIMEOUT));
        http.enforce_http(false);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_only()
            .enable_http1()
            .wrap_connector(http);
        Ok(AcmeHttpClient {
            client: Client::builder(TokioExecutor::new()).build(https),
        })
    }

    pub fn account_builder(&self) -> AccountBuilder {
        instant_acme::Account::builder_with_http(Box::new(self.clone()))
    }
}

fn private_root(path: &Path) -> Result<RootCertStore, TlsError> {
    let text = std::fs::read(path).map_err(|err| TlsError::file(path, err))?;
    let mut roots = RootCertStore::empty();
    for certificate in CertificateDer::pem_slice_iter(&text) {
        let certificate =
            certificate.map_err(|err| TlsError::file(path, format!("bad PEM: {err}")))?;
        roots
            .add(certificate)
            .map_err(|err| TlsError::file(path, format!("unusable CA certificate: {err}")))?;
    }
    if roots.is_empty() {
        return Err(TlsError::file(path, "holds no PEM CA certificate"));
    }
    Ok(roots)
}

impl HttpClient for AcmeHttpClient {
    fn request(
        &self,
        request: Request<BodyWrapper<Bytes>>,
    ) -> Pin<Box<dyn Future<Output = Result<BytesResponse, instant_acme::Error>> + Send>> {
        let response = self.client.request(request);
        Box::pin(async move {
            match tokio::time::timeout(REQUEST_TIMEOUT, response).await {
                Ok(Ok(response)) => Ok(BytesResponse::from(response)),
                Ok(Err(err)) => Err(instant_acme::Error::Other(error_chain(&err).into())),
                Err(_) => Err(instant_acme::Error::Other(
                    format!("no answer from the CA within {REQUEST_TIMEOUT:?}").into(),
                )),
            }
        })
    }
}

impl std::fmt::Debug for AcmeHttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AcmeHttpClient")
    }
}
