//! Accepting one TLS connection: plain HTTP on the TLS port gets a 400 before any TLS byte is
//! written; the ClientHello is read first (`LazyConfigAcceptor`) so that a TLS-ALPN-01
//! validation gets the challenge certificate and every other client the `ServerConfig` for
//! its SNI. The whole handshake runs under one deadline.

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use rustls::ServerConfig;
use rustls::server::Acceptor;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_rustls::LazyConfigAcceptor;
use tokio_rustls::server::TlsStream;

use super::acme::{ACME_TLS_ALPN, Challenges};
use super::config::TlsConfigs;
use super::resolver::ChallengeResolver;
use super::stats::TlsStats;
use super::{TlsError, provider};

/// The first byte of a TLS record carrying a handshake message.
const TLS_HANDSHAKE_RECORD: u8 = 0x16;
const PLAIN_HTTP_ANSWER: &[u8] = b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n\
Content-Length: 37\r\nConnection: close\r\n\r\nThis port speaks HTTPS; use https://\n";

pub enum Accepted {
    /// A finished handshake: serve HTTP on it.
    Tls(Box<TlsStream<TcpStream>>),
    /// A TLS-ALPN-01 validation was answered; the connection is done.
    Challenge,
    /// The client spoke plain HTTP; it was answered 400 and the connection is done.
    PlainHttp,
}

pub struct TlsAcceptor {
    configs: ArcSwap<TlsConfigs>,
    challenge_config: Arc<ServerConfig>,
    challenges: Arc<Challenges>,
    stats: Arc<TlsStats>,
    handshake_timeout: Duration,
}

impl TlsAcceptor {
    pub fn new(
        configs: TlsConfigs,
        challenges: Arc<Challenges>,
        stats: Arc<TlsStats>,
        handshake_timeout: Duration,
    ) -> Result<TlsAcceptor, TlsError> {
        let mut challenge_config = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|err| TlsError::option("versions", err))?
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(ChallengeResolver::new(challenges.clone())));
        challenge_config.alpn_protocols = vec![ACME_TLS_ALPN.to_vec()];
        Ok(TlsAcceptor {
            configs: ArcSwap::from_pointee(configs),
            challenge_config: Arc::new(challenge_config),
            challenges,
            stats,
            handshake_timeout,
        })
    }

    /// New options for the handshakes that start from now on.
    pub fn set_configs(&self, configs: TlsConfigs) {
        self.configs.store(Arc::new(configs));
    }

    pub async fn accept(&self, tcp: TcpStream) -> Result<Accepted, TlsError> {
        match tokio::time::timeout(self.handshake_timeout, self.handshake(tcp)).await {
            Ok(Ok(accepted)) => Ok(accepted),
            Ok(Err(err)) => {
                self.stats
                    .handshake_failures
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Err(err)
            }
            Err(_) => {
                self.stats
                    .handshake_failures
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Err(TlsError::Handshake(format!(
                    "not finished within {:?}",
                    self.handshake_timeout
                )))
            }
        }
    }

    async fn handshake(&self, mut tcp: TcpStream) -> Result<Accepted, TlsError> {
        let mut first = [0u8; 1];
        let peeked = tcp
            .peek(&mut first)
            .await
            .map_err(|err| TlsError::Handshake(err.to_string()))?;
        if peeked == 0 {
            return Err(TlsError::Handshake("closed before a ClientHello".into()));
        }
        if first[0] != TLS_HANDSHAKE_RECORD {
            self.stats
                .plain_http
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let _ = tcp.write_all(PLAIN_HTTP_ANSWER).await;
            let _ = tcp.shutdown().await;
            return Ok(Accepted::PlainHttp);
        }
        let start = LazyConfigAcceptor::new(Acceptor::default(), tcp)
            .await
            .map_err(|err| TlsError::Handshake(format!("ClientHello: {err}")))?;
        let hello = start.client_hello();
        let validation = hello
            .alpn()
            .is_some_and(|mut offered| offered.any(|protocol| protocol == ACME_TLS_ALPN))
            && hello
                .server_name()
                .is_some_and(|name| self.challenges.tls_alpn01_certificate(name).is_some());
        if validation {
            let mut tls = start
                .into_stream(self.challenge_config.clone())
                .await
                .map_err(|err| TlsError::Handshake(format!("TLS-ALPN-01: {err}")))?;
            let _ = tls.shutdown().await;
            self.stats
                .challenges_answered
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Ok(Accepted::Challenge);
        }
        let config = self.configs.load().select(hello.server_name());
        let tls = start
            .into_stream(config)
            .await
            .map_err(|err| TlsError::Handshake(err.to_string()))?;
        self.stats.record_handshake(tls.get_ref().1);
        Ok(Accepted::Tls(Box::new(tls)))
    }
}
