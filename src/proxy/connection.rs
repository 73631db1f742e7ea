//! Serving one accepted connection: TLS first on a TLS entry point, then HTTP/1.1 or HTTP/2
//! (ALPN, or the first bytes on a plain one) until it ends or a shutdown drains it.

use std::io;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use hyper::server::conn::{http1, http2};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info};

use super::handler::{Connection, Handler};
use super::server::entry_point_name;
use super::{BUFFER_LIMIT, ProxySettings};
use crate::tls::{Accepted, TlsAcceptor};

/// Serves until the connection ends; on shutdown, once `$ready` (its first request arrived),
/// lets it finish its requests and close (HTTP/1 stops keep-alive, HTTP/2 sends GOAWAY). A
/// macro: hyper's two connection types share `graceful_shutdown` by name only.
macro_rules! until_drained {
    ($connection:expr, $shutdown:expr, $ready:expr) => {{
        let mut connection = std::pin::pin!($connection);
        tokio::select! {
            biased;
            output = connection.as_mut() => output,
            () = $shutdown.cancelled() => {
                'drained: {
                    tokio::select! {
                        output = connection.as_mut() => break 'drained output,
                        () = $ready => {}
                    }
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            }
        }
    }};
}

type RequestFuture = std::pin::Pin<
    Box<
        dyn std::future::Future<
                Output = Result<http::Response<super::body::ProxyBody>, std::convert::Infallible>,
            > + Send,
    >,
>;

/// How many header fields hyper's HTTP/1 parser takes when not told otherwise.
const HYPER_MAX_HEADERS: usize = 100;

/// The two ways a client may speak: HTTP/1.1, or HTTP/2 with prior knowledge (h2c).
pub(super) struct Protocols {
    http1: http1::Builder,
    http2: http2::Builder<TokioExecutor>,
    header_read_timeout: Duration,
}

impl Protocols {
    pub(super) fn new(settings: &ProxySettings) -> Self {
        let limits = &settings.limits;
        let mut http1 = http1::Builder::new();
        http1
            .timer(TokioTimer::new())
            .header_read_timeout(settings.header_read_timeout)
            .writev(false)
            .max_buf_size(BUFFER_LIMIT.max(limits.header_size))
            .max_header_size(limits.header_size)
            .keep_alive(true);
        // hyper's own count is 100, kept on the stack; any other moves it to the heap.
        if limits.header_count != HYPER_MAX_HEADERS {
            http1.max_headers(limits.header_count);
        }
        let mut http2 = http2::Builder::new(TokioExecutor::new());
        http2
            .timer(TokioTimer::new())
            .max_header_list_size(u32::try_from(limits.header_size).unwrap_or(u32::MAX))
            .keep_alive_interval(Duration::from_secs(30))
            .keep_alive_timeout(Duration::from_secs(20))
            .max_concurrent_streams(256);
        Protocols {
            http1,
            http2,
            header_read_timeout: settings.header_read_timeout,
        }
    }
}

/// One accepted connection and what serving it needs.
pub(super) struct Serving {
    pub connection: Connection,
    pub handler: Arc<Handler>,
    pub protocols: Arc<Protocols>,
    pub shutdown: CancellationToken,
}

/// Serves a plain connection in the protocol its first bytes announce.
pub(super) async fn serve_plain(stream: TcpStream, serving: Serving) {
    let sniffed = tokio::time::timeout(serving.protocols.header_read_timeout, sniff(&stream)).await;
    // Nothing to serve when it closed, or stayed silent too long, before sending anything.
    if let Ok(Ok(protocol)) = sniffed {
        serve_http(stream, protocol, &serving).await;
    }
    closed(&serving);
}

/// Serves a TLS connection once its handshake is done: HTTP/2 when ALPN chose `h2`.
pub(super) async fn serve_tls(stream: TcpStream, serving: Serving, acceptor: Arc<TlsAcceptor>) {
    let connection = serving.connection;
    let entry_point = entry_point_name(&serving.handler.settings, connection.entry_point);
    match acceptor.accept(stream).await {
        Ok(Accepted::Tls(tls)) => {
            if tls.get_ref().1.server_name().is_none() {
                // Not an error (IP-address clients send none), but why a name's certificate
                // was not the one presented.
                debug!(peer = %connection.peer, entry_point, "ClientHello without SNI: served the default certificate");
            }
            let protocol = match tls.get_ref().1.alpn_protocol() {
                Some(b"h2") => Protocol::Http2,
                _ => Protocol::Http1,
            };
            serve_http(*tls, protocol, &serving).await;
        }
        Ok(Accepted::Challenge) => {
            debug!(peer = %connection.peer, "answered an ACME TLS-ALPN-01 validation");
        }
        Ok(Accepted::PlainHttp) => info!(
            peer = %connection.peer,
            entry_point,
            "plain HTTP on a TLS entry point: answered 400 (use https://)"
        ),
        Err(err) => {
            debug!(peer = %connection.peer, entry_point, error = %err, "TLS handshake failed")
        }
    }
    closed(&serving);
}

fn closed(serving: &Serving) {
    serving
        .handler
        .state
        .traffic
        .connections_open
        .fetch_sub(1, Ordering::Relaxed);
}

/// Serves HTTP on a connection (a TCP or TLS stream) until it ends or is drained.
async fn serve_http<IO>(io: IO, protocol: Protocol, serving: &Serving)
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let handler = serving.handler.clone();
    let connection = serving.connection;
    let requested = CancellationToken::new();
    let first_request = requested.clone();
    // Boxed per request: hyper keeps a slot for the service future in every connection, and
    // an idle keep-alive connection should not hold a request's worth of state.
    let service = service_fn(move |request| {
        if !requested.is_cancelled() {
            requested.cancel();
        }
        let handler = handler.clone();
        let response: RequestFuture = Box::pin(async move {
            Ok::<_, std::convert::Infallible>(handler.handle(request, connection).await)
        });
        response
    });
    let shutdown = &serving.shutdown;
    let served = match protocol {
        Protocol::Http1 => {
            let serving_http1 = serving
                .protocols
                .http1
                .serve_connection(TokioIo::new(io), service);
            // hyper closes an HTTP/1 connection that has read nothing yet at once, so a client
            // that connected just before the signal waits for its first request (or the header
            // deadline) before keep-alive is turned off.
            let deadline = serving.protocols.header_read_timeout;
            let ready = async move {
                tokio::select! {
                    () = first_request.cancelled() => {}
                    () = tokio::time::sleep(deadline) => {}
                }
            };
            until_drained!(serving_http1.with_upgrades(), shutdown, ready)
        }
        Protocol::Http2 => {
            // HTTP/2's GOAWAY still lets the streams a client already sent finish.
            let serving = serving
                .protocols
                .http2
                .serve_connection(TokioIo::new(io), service);
            // Boxed, as HTTP/2's connection state is several times HTTP/1's and every
            // HTTP/1 connection's task would otherwise be sized for it.
            Box::pin(async move { until_drained!(serving, shutdown, std::future::ready(())) }).await
        }
    };
    if let Err(err) = served {
        debug!(peer = %connection.peer, error = %err, "connection ended with an error");
    }
}

enum Protocol {
    Http1,
    Http2,
}

/// Tells HTTP/2's connection preface from an HTTP/1 request line by peeking, so that the
/// chosen protocol reads the bytes itself (no rewind buffer kept for the connection's life).
async fn sniff(stream: &TcpStream) -> io::Result<Protocol> {
    const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    let mut peeked = [0u8; 24];
    loop {
        let read = stream.peek(&mut peeked).await?;
        if read == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        if peeked[..read] != PREFACE[..read] {
            return Ok(Protocol::Http1);
        }
        if read == PREFACE.len() {
            return Ok(Protocol::Http2);
        }
        // Part of the preface so far: peeking again returns at once, so wait a little.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
