//! The body of a request on its way to a backend.
//!
//! The client's body is streamed through as it arrives, unless a middleware had to read it
//! first (`buffering`, a `retry` on status codes, `forwardAuth` with `forwardBody`): then it is
//! held whole in memory and can be sent again, or, read past a middleware's limit, sent as the
//! part read followed by the rest still to come.
//!
//! Either way the client's bytes are counted ([`ClientBody`]): past `--max-request-body`, the next
//! frame is an error, sending stops, and the client is answered `413` if no response has begun.
//! Errors name their side ([`BodyError`]), so a client that breaks its own body (a bad chunk
//! size, a connection cut mid-body) is answered `400` and never counts against the backend.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Bytes, BytesMut};
use http::StatusCode;
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use thiserror::Error;

/// The client's body, streamed through, held whole, or none (a request sent again from a copy).
pub enum RequestBody {
    Client(ClientBody),
    Empty,
    /// Read whole; `None` once sent. [`RequestBody::replay`] gives it again.
    Buffered(Option<Bytes>),
    /// Read up to a limit it went past: what was read, then the rest as it arrives.
    Partial {
        head: Option<Bytes>,
        rest: ClientBody,
    },
}

/// The client's own body as it arrives, counted against `--max-request-body`.
pub struct ClientBody {
    incoming: Incoming,
    /// Bytes it may carry; `None`: no limit.
    limit: Option<u64>,
    /// Bytes passed on so far.
    seen: u64,
}

/// Why a request body stopped: the client's fault either way.
#[derive(Debug, Error)]
pub enum BodyError {
    #[error("reading the client's request body failed")]
    Client(#[source] hyper::Error),
    #[error("the request body is larger than {limit} bytes")]
    TooLarge { limit: u64 },
}

impl BodyError {
    /// The answer a client gets for it when no response has begun.
    pub fn status(&self) -> StatusCode {
        match self {
            BodyError::Client(_) => StatusCode::BAD_REQUEST,
            BodyError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        }
    }
}

/// Why a body could not be read whole.
pub enum ReadError {
    /// Longer than the middleware's limit: the body as it now is (the part read, then the rest).
    TooLarge(RequestBody),
    /// The client's connection failed, it sent a malformed body, or went past `--max-request-body`.
    Client(BodyError),
}

impl RequestBody {
    /// The client's body, at most `limit` bytes (`None`: no limit).
    pub fn client(incoming: Incoming, limit: Option<u64>) -> Self {
        RequestBody::Client(ClientBody {
            incoming,
            limit,
            seen: 0,
        })
    }

    /// The same body again, when it can be sent again: none, or one held whole.
    pub fn replay(&self) -> Option<RequestBody> {
        match self {
            RequestBody::Empty => Some(RequestBody::Empty),
            RequestBody::Buffered(Some(bytes)) => Some(RequestBody::Buffered(Some(bytes.clone()))),
            RequestBody::Buffered(None) => Some(RequestBody::Empty),
            RequestBody::Client(_) | RequestBody::Partial { .. } => None,
        }
    }

    /// Whether the body is held whole (or there is none): sending it again is possible.
    pub fn is_replayable(&self) -> bool {
        matches!(self, RequestBody::Empty | RequestBody::Buffered(_))
    }

    /// The body's length, when held whole.
    pub fn buffered_len(&self) -> Option<u64> {
        match self {
            RequestBody::Empty | RequestBody::Buffered(None) => Some(0),
            RequestBody::Buffered(Some(bytes)) => Some(bytes.len() as u64),
            RequestBody::Client(_) | RequestBody::Partial { .. } => None,
        }
    }

    /// Reads the whole body into memory, at most `limit` bytes (`None`: no limit). A body
    /// already held whole is returned as it is.
    pub async fn read_whole(self, limit: Option<u64>) -> Result<RequestBody, ReadError> {
        let mut client = match self {
            RequestBody::Client(client) => client,
            RequestBody::Partial { head, rest } => {
                return Err(ReadError::TooLarge(RequestBody::Partial { head, rest }));
            }
            whole @ (RequestBody::Empty | RequestBody::Buffered(_)) => {
                return match (limit, whole.buffered_len()) {
                    (Some(limit), Some(len)) if len > limit => Err(ReadError::TooLarge(whole)),
                    _ => Ok(whole),
                };
            }
        };
        let mut read = BytesMut::new();
        while let Some(frame) = client.frame().await {
            let frame = frame.map_err(ReadError::Client)?;
            let Ok(data) = frame.into_data() else {
                // Trailers: hawser does not pass request trailers on.
                continue;
            };
            read.extend_from_slice(&data);
            if limit.is_some_and(|limit| read.len() as u64 > limit) {
                return Err(ReadError::TooLarge(RequestBody::Partial {
                    head: Some(read.freeze()),
                    rest: client,
                }));
            }
        }
        Ok(RequestBody::Buffered(Some(read.freeze())))
    }
}

impl Body for ClientBody {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        let this = self.get_mut();
        let frame = match ready!(Pin::new(&mut this.incoming).poll_frame(cx)) {
            None => return Poll::Ready(None),
            Some(Err(err)) => return Poll::Ready(Some(Err(BodyError::Client(err)))),
            Some(Ok(frame)) => frame,
        };
        if let Some(data) = frame.data_ref() {
            this.seen = this.seen.saturating_add(data.len() as u64);
        }
        match this.limit {
            Some(limit) if this.seen > limit => {
                Poll::Ready(Some(Err(BodyError::TooLarge { limit })))
            }
            _ => Poll::Ready(Some(Ok(frame))),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.incoming.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.incoming.size_hint()
    }
}

impl Body for RequestBody {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        match self.get_mut() {
            RequestBody::Client(client) => Pin::new(client).poll_frame(cx),
            RequestBody::Empty => Poll::Ready(None),
            RequestBody::Buffered(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            RequestBody::Partial { head, rest } => match head.take() {
                Some(bytes) => Poll::Ready(Some(Ok(Frame::data(bytes)))),
                None => Pin::new(rest).poll_frame(cx),
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            RequestBody::Client(client) => client.is_end_stream(),
            RequestBody::Empty | RequestBody::Buffered(None) => true,
            RequestBody::Buffered(Some(bytes)) => bytes.is_empty(),
            RequestBody::Partial { head, rest } => head.is_none() && rest.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            RequestBody::Client(client) => client.size_hint(),
            RequestBody::Empty | RequestBody::Buffered(None) => SizeHint::with_exact(0),
            RequestBody::Buffered(Some(bytes)) => SizeHint::with_exact(bytes.len() as u64),
            RequestBody::Partial { head, rest } => {
                let head = head.as_ref().map_or(0, |bytes| bytes.len() as u64);
                let rest = rest.size_hint();
                let mut hint = SizeHint::new();
                hint.set_lower(rest.lower() + head);
                if let Some(upper) = rest.upper() {
                    hint.set_upper(upper + head);
                }
                hint
            }
        }
    }
}

/// The body error behind a failed exchange, if the client's body is what failed.
pub fn client_fault<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a BodyError> {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if let Some(body) = error.downcast_ref::<BodyError>() {
            return Some(body);
        }
        cause = error.source();
    }
    None
}
