//! TLS for the tests: a private CA issuing certificate files, a tokio-rustls client that
//! verifies against given roots (HTTP/1.1 or HTTP/2 by ALPN), and a small HTTPS server built
//! from hawser's TLS modules alone, with the HTTP-01 responder next to it.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use bytes::Bytes;
use hawser::tls::{Accepted, CertificateFacts, Challenges, TlsAcceptor};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_rustls::rustls::{
    self, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

/// A private CA that signs certificate files for the tests.
pub struct TestCa {
    pub pem: String,
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
}

impl TestCa {
    pub fn new() -> TestCa {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "hawser tests CA");
        let pem = params.self_signed(&key).expect("CA").pem();
        TestCa {
            pem,
            issuer: Issuer::new(params, key),
        }
    }

    pub fn roots(&self) -> Arc<RootCertStore> {
        roots(&self.pem)
    }

    /// Writes `<stem>.crt` and `<stem>.key` for `names` into `directory`, the key first (a
    /// reader seeing only a new certificate would find a mismatch); returns the serial.
    pub fn write_pair(&self, directory: &std::path::Path, stem: &str, names: &[&str]) -> String {
        let key = rcgen::KeyPair::generate().expect("key");
        let names: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
        let leaf = rcgen::CertificateParams::new(names)
            .expect("params")
            .signed_by(&key, &self.issuer)
            .expect("leaf");
        std::fs::write(directory.join(format!("{stem}.key")), key.serialize_pem()).expect("key");
        std::fs::write(directory.join(format!("{stem}.crt")), leaf.pem()).expect("cert");
        CertificateFacts::read(leaf.der()).expect("X.509").serial
    }
}

/// `GET path` with `host` over a new, verified TLS connection offering `alpn`: the answer,
/// the HTTP version it came in, and the certificate presented.
pub async fn https_get(
    address: SocketAddr,
    host: &str,
    path: &str,
    roots: Arc<RootCertStore>,
    alpn: &[&str],
) -> Result<(super::http::Reply, http::Version, CertificateFacts), String> {
    let stream = connect(address, host, roots, alpn).await?;
    let facts = leaf(&stream);
    let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
    let io = TokioIo::new(stream);
    let uri = format!("https://{host}{path}");
    let response = if h2 {
        let (mut sender, connection) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
                .await
                .map_err(|err| format!("HTTP/2: {err}"))?;
        tokio::spawn(connection);
        let request = Request::get(uri).body(Empty::<Bytes>::new());
        let request = request.map_err(|err| err.to_string())?;
        sender.send_request(request).await
    } else {
        let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
            .await
            .map_err(|err| format!("HTTP/1.1: {err}"))?;
        tokio::spawn(connection);
        let request = Request::get(path)
            .header("host", host)
            .body(Empty::<Bytes>::new());
        let request = request.map_err(|err| err.to_string())?;
        sender.send_request(request).await
    };
    let response = response.map_err(|err| format!("request: {err}"))?;
    let (status, version, headers) = (
        response.status(),
        response.version(),
        response.headers().clone(),
    );
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|err| format!("body: {err}"))?
        .to_bytes();
    let reply = super::http::Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    Ok((reply, version, facts))
}

/// Roots from a PEM text.
pub fn roots(pem: &str) -> Arc<RootCertStore> {
    let mut roots = RootCertStore::empty();
    for certificate in CertificateDer::pem_slice_iter(pem.as_bytes()) {
        roots.add(certificate.expect("PEM")).expect("root");
    }
    Arc::new(roots)
}

/// A verified TLS connection to `address` for `name`.
pub async fn connect(
    address: SocketAddr,
    name: &str,
    roots: Arc<RootCertStore>,
    alpn: &[&str],
) -> Result<TlsStream<TcpStream>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| err.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    let tcp = TcpStream::connect(address)
        .await
        .map_err(|err| format!("connect {address}: {err}"))?;
    let name = ServerName::try_from(name.to_owned()).map_err(|err| err.to_string())?;
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|err| format!("TLS to {address}: {err}"))
}

/// A TLS connection that accepts any certificate, for a TLS-ALPN-01 challenge certificate:
/// no root signs it, and webpki (which rustls's signature checks parse it with) refuses its
/// critical acmeIdentifier extension, so the handshake signature is not checked either.
pub async fn connect_unverified(
    address: SocketAddr,
    name: &str,
    alpn: &[&str],
) -> Result<TlsStream<TcpStream>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|err| err.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    let tcp = TcpStream::connect(address)
        .await
        .map_err(|err| format!("connect {address}: {err}"))?;
    let name = ServerName::try_from(name.to_owned()).map_err(|err| err.to_string())?;
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|err| format!("TLS to {address}: {err}"))
}

#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// What the server presented on this connection.
pub fn leaf(stream: &TlsStream<TcpStream>) -> CertificateFacts {
    let (_, connection) = stream.get_ref();
    let chain = connection.peer_certificates().expect("a certificate");
    CertificateFacts::read(&chain[0]).expect("X.509")
}

/// The facts of the certificate served for `name`, verified against `roots`.
pub async fn served(
    address: SocketAddr,
    name: &str,
    roots: Arc<RootCertStore>,
) -> Result<CertificateFacts, String> {
    connect(address, name, roots, &[])
        .await
        .map(|stream| leaf(&stream))
}

/// Waits (up to 60 s) until `address` presents, for `name`, a certificate `roots` verify:
/// an ACME order finishing.
pub async fn served_once_issued(
    address: SocketAddr,
    name: &str,
    roots: Arc<RootCertStore>,
) -> CertificateFacts {
    super::wait::eventually(
        std::time::Duration::from_secs(60),
        &format!("a verified certificate for {name}"),
        || {
            let roots = roots.clone();
            async move { served(address, name, roots).await.ok() }
        },
    )
    .await
}

/// An HTTP/1.1 connection over TLS that stays open between requests.
pub struct OpenConnection {
    sender: hyper::client::conn::http1::SendRequest<Empty<Bytes>>,
    pub facts: CertificateFacts,
}

impl OpenConnection {
    pub async fn open(
        address: SocketAddr,
        name: &str,
        roots: Arc<RootCertStore>,
    ) -> OpenConnection {
        let stream = connect(address, name, roots, &["http/1.1"])
            .await
            .expect("TLS");
        let facts = leaf(&stream);
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .expect("HTTP/1.1");
        tokio::spawn(connection);
        OpenConnection { sender, facts }
    }

    /// One request on this same connection; its body.
    pub async fn get(&mut self, host: &str) -> Result<String, String> {
        let request = Request::get("/")
            .header("host", host)
            .body(Empty::new())
            .map_err(|err| err.to_string())?;
        let response = self
            .sender
            .send_request(request)
            .await
            .map_err(|err| err.to_string())?;
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|err| err.to_string())?
            .to_bytes();
        Ok(String::from_utf8_lossy(&body).into_owned())
    }
}

/// Serves HTTPS through `acceptor` on a free loopback port: every request is answered with
/// `ok <SNI>`.
pub async fn serve_https(acceptor: Arc<TlsAcceptor>) -> (SocketAddr, JoinHandle<()>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    (address, tokio::spawn(https_loop(listener, acceptor)))
}

pub async fn https_loop(listener: TcpListener, acceptor: Arc<TlsAcceptor>) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            return;
        };
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let Ok(Accepted::Tls(stream)) = acceptor.accept(tcp).await else {
                return;
            };
            let sni = stream.get_ref().1.server_name().unwrap_or("-").to_owned();
            let service = service_fn(move |_request: Request<Incoming>| {
                let body = format!("ok {sni}");
                async move { Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(body)))) }
            });
            let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(*stream), service)
                .await;
        });
    }
}

/// Answers HTTP-01 validations from `challenges` on `listener`, as the proxy will before
/// routing; requests whose host is in `refuse` get 404 (a domain pointed elsewhere).
pub fn serve_http01(
    listener: TcpListener,
    challenges: Arc<Challenges>,
    refuse: &[&str],
) -> JoinHandle<()> {
    let refuse: Arc<Vec<String>> = Arc::new(refuse.iter().map(|host| (*host).to_owned()).collect());
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let challenges = challenges.clone();
            let refuse = refuse.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: Request<Incoming>| {
                    let host = request
                        .headers()
                        .get("host")
                        .and_then(|host| host.to_str().ok())
                        .map(|host| host.split(':').next().unwrap_or(host).to_owned())
                        .unwrap_or_default();
                    let answer = if refuse.contains(&host) {
                        None
                    } else {
                        challenges.http01_response(request.uri().path())
                    };
                    async move {
                        Ok::<_, Infallible>(match answer {
                            Some(body) => Response::new(Full::new(Bytes::from(body))),
                            None => {
                                let mut response = Response::new(Full::new(Bytes::new()));
                                *response.status_mut() = StatusCode::NOT_FOUND;
                                response
                            }
                        })
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), service)
                    .await;
            });
        }
    })
}
