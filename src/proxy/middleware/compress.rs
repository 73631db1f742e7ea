//! `compress` as the proxy runs it: the encoding chosen from the request
//! ([`Compress::choose`]), the response checked ([`Compress::compresses`]), then up to
//! `minResponseBodyBytes` of its body read to decide: a shorter body goes out as it is, a
//! longer one is compressed as it streams, never held whole. Whatever the encoder has is sent
//! whenever the backend pauses (a flush), so a slow stream is not held back until its end.
//!
//! The encoders are flate2 (gzip), brotli and zstd at Traefik's levels (gzip's default, 6;
//! brotli 6; zstd 3, the default).

use std::io::Write;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use http::header::{ACCEPT_RANGES, CONTENT_ENCODING, CONTENT_LENGTH, HeaderValue, VARY};
use http::{Request, Response};
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use tracing::warn;

use super::{Endpoint, Reply};
use crate::proxy::body::ProxyBody;
use crate::proxy::request_body::RequestBody;
use crate::routing::middleware::compress::{Choice, Encoding};
use crate::routing::middleware::{Compress, MiddlewareDef, RequestContext};

pub fn run<'a>(
    config: &'a Compress,
    request: Request<RequestBody>,
    rest: &'a [MiddlewareDef],
    context: &'a RequestContext,
    endpoint: &'a dyn Endpoint,
) -> Reply<'a> {
    let (parts, body) = request.into_parts();
    let choice = config.choose(&parts);
    Box::pin(async move {
        let mut response =
            super::run(rest, Request::from_parts(parts, body), context, endpoint).await;
        let encoding = match choice {
            Choice::Pass => return response,
            Choice::VaryOnly => {
                add_vary(response.headers_mut());
                return response;
            }
            Choice::Encode(encoding) => encoding,
        };
        add_vary(response.headers_mut());
        if response.status().is_informational() || !config.compresses(response.headers()) {
            return response;
        }
        let (mut parts, mut body) = response.into_parts();
        let mut head = BytesMut::new();
        let mut ended = false;
        while head.len() < config.min_response_body_bytes {
            match body.frame().await {
                None => {
                    ended = true;
                    break;
                }
                Some(Err(err)) => {
                    warn!(error = %err, "compress: the response body failed");
                    return Response::from_parts(parts, ProxyBody::text(head.freeze()));
                }
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        head.extend_from_slice(&data);
                    }
                }
            }
        }
        if ended && head.len() < config.min_response_body_bytes {
            return Response::from_parts(parts, ProxyBody::text(head.freeze()));
        }
        let encoder = match Encoder::new(encoding) {
            Ok(encoder) => encoder,
            Err(err) => {
                warn!(error = %err, "compress: no encoder");
                return Response::from_parts(parts, chained(head.freeze(), body));
            }
        };
        parts.headers.remove(CONTENT_LENGTH);
        parts.headers.remove(ACCEPT_RANGES);
        parts
            .headers
            .insert(CONTENT_ENCODING, HeaderValue::from_static(encoding.name()));
        let compressed = Compressed {
            head: Some(head.freeze()),
            inner: (!ended).then_some(body),
            encoder: Some(encoder),
            dirty: false,
        };
        Response::from_parts(parts, ProxyBody::boxed(compressed))
    })
}

/// `Vary: Accept-Encoding`, unless already listed.
fn add_vary(headers: &mut http::HeaderMap) {
    let listed = headers
        .get_all(VARY)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|token| token.trim().eq_ignore_ascii_case("accept-encoding"));
    if !listed {
        headers.append(VARY, HeaderValue::from_static("Accept-Encoding"));
    }
}

/// What was read to decide, then the rest, uncompressed (no encoder could be had).
fn chained(head: Bytes, rest: ProxyBody) -> ProxyBody {
    ProxyBody::boxed(Compressed {
        head: Some(head),
        inner: Some(rest),
        encoder: None,
        dirty: false,
    })
}

/// One of the three encoders, writing into memory that is drained as it fills.
enum Encoder {
    Gzip(flate2::write::GzEncoder<Vec<u8>>),
    Brotli(Box<brotli::CompressorWriter<Vec<u8>>>),
    Zstd(zstd::stream::write::Encoder<'static, Vec<u8>>),
}

impl Encoder {
    fn new(encoding: Encoding) -> std::io::Result<Self> {
        Ok(match encoding {
            Encoding::Gzip => Encoder::Gzip(flate2::write::GzEncoder::new(
                Vec::new(),
                flate2::Compression::default(),
            )),
            Encoding::Brotli => Encoder::Brotli(Box::new(brotli::CompressorWriter::new(
                Vec::new(),
                4096,
                6,
                22,
            ))),
            Encoding::Zstd => Encoder::Zstd(zstd::stream::write::Encoder::new(Vec::new(), 3)?),
        })
    }

    fn write(&mut self, data: &[u8]) -> std::io::Result<()> {
        match self {
            Encoder::Gzip(encoder) => encoder.write_all(data),
            Encoder::Brotli(encoder) => encoder.write_all(data),
            Encoder::Zstd(encoder) => encoder.write_all(data),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Encoder::Gzip(encoder) => encoder.flush(),
            Encoder::Brotli(encoder) => encoder.flush(),
            Encoder::Zstd(encoder) => encoder.flush(),
        }
    }

    /// Ends the stream; its last bytes are then in [`Encoder::take`].
    fn finish(&mut self) -> std::io::Result<()> {
        match self {
            Encoder::Gzip(encoder) => encoder.try_finish(),
            Encoder::Brotli(encoder) => {
                let done = std::mem::replace(
                    encoder.as_mut(),
                    brotli::CompressorWriter::new(Vec::new(), 4096, 6, 22),
                );
                let tail = done.into_inner();
                encoder.get_mut().clear();
                encoder.get_mut().extend_from_slice(&tail);
                Ok(())
            }
            Encoder::Zstd(encoder) => encoder.do_finish(),
        }
    }

    /// The compressed bytes produced so far.
    fn take(&mut self) -> Bytes {
        let buffer = match self {
            Encoder::Gzip(encoder) => encoder.get_mut(),
            Encoder::Brotli(encoder) => encoder.get_mut(),
            Encoder::Zstd(encoder) => encoder.get_mut(),
        };
        Bytes::from(std::mem::take(buffer))
    }
}

/// A response body compressed as it streams.
struct Compressed {
    /// Read before deciding to compress.
    head: Option<Bytes>,
    /// `None` once it has ended.
    inner: Option<ProxyBody>,
    /// `None` once finished (or when none could be had: the body then passes as it is).
    encoder: Option<Encoder>,
    /// Written to since the last flush: a flush with nothing new would send empty blocks.
    dirty: bool,
}

impl Compressed {
    /// Runs `step` on the encoder and returns what it produced, if anything.
    fn encode(
        &mut self,
        step: impl FnOnce(&mut Encoder) -> std::io::Result<()>,
    ) -> Option<Result<Frame<Bytes>, hyper::Error>> {
        let encoder = self.encoder.as_mut()?;
        if let Err(err) = step(encoder) {
            warn!(error = %err, "compress: the encoder failed; the response is cut short");
            self.encoder = None;
            self.inner = None;
            return None;
        }
        let bytes = encoder.take();
        (!bytes.is_empty()).then(|| Ok(Frame::data(bytes)))
    }
}

impl Body for Compressed {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = self.get_mut();
        loop {
            if let Some(head) = this.head.take() {
                if this.encoder.is_none() {
                    return Poll::Ready(Some(Ok(Frame::data(head))));
                }
                this.dirty = true;
                if let Some(frame) = this.encode(|encoder| encoder.write(&head)) {
                    return Poll::Ready(Some(frame));
                }
                continue;
            }
            let Some(inner) = this.inner.as_mut() else {
                // The source has ended: finish the encoder once, then end.
                let Some(mut encoder) = this.encoder.take() else {
                    return Poll::Ready(None);
                };
                let finished = encoder.finish().map(|()| encoder.take());
                return Poll::Ready(match finished {
                    Ok(tail) if !tail.is_empty() => Some(Ok(Frame::data(tail))),
                    Ok(_) => None,
                    Err(err) => {
                        warn!(error = %err, "compress: the encoder failed at the end");
                        None
                    }
                });
            };
            match Pin::new(inner).poll_frame(cx) {
                Poll::Pending if this.dirty => {
                    // The backend pauses: send what the encoder holds.
                    this.dirty = false;
                    return match this.encode(Encoder::flush) {
                        Some(frame) => Poll::Ready(Some(frame)),
                        None => Poll::Pending,
                    };
                }
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => this.inner = None,
                Poll::Ready(Some(Err(err))) => {
                    this.encoder = None;
                    return Poll::Ready(Some(Err(err)));
                }
                Poll::Ready(Some(Ok(frame))) => {
                    let Ok(data) = frame.into_data() else {
                        continue;
                    };
                    if this.encoder.is_none() {
                        return Poll::Ready(Some(Ok(Frame::data(data))));
                    }
                    this.dirty = true;
                    if let Some(frame) = this.encode(|encoder| encoder.write(&data)) {
                        return Poll::Ready(Some(frame));
                    }
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.head.is_none() && self.inner.is_none() && self.encoder.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

#[cfg(test)]
#[path = "compress_tests.rs"]
mod tests;
