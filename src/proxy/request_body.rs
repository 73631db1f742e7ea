//! The body of a request on its way to a backend.
//!
//! The client's body is streamed through as it arrives, unless a middleware had to read it
//! first (`buffering`, a `retry` on status codes, `forwardAuth` with `forwardBody`): then it is
//! held whole in memory and can be sent again, or, read past a middleware's limit, sent as the
//! part read followed by the rest still to come.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use hyper::body::Incoming;

/// The client's body, streamed through, held whole, or none (a request sent again from a copy).
pub enum RequestBody {
    Client(Incoming),
    Empty,
    /// Read whole; `None` once sent. [`RequestBody::replay`] gives it again.
    Buffered(Option<Bytes>),
    /// Read up to a limit it went past: what was read, then the rest as it arrives.
    Partial {
        head: Option<Bytes>,
        rest: Incoming,
    },
}

/// Why a body could not be read whole.
pub enum ReadError {
    /// Longer than the limit: the body as it now is (the part read, then the rest).
    TooLarge(RequestBody),
    /// The client's connection failed, or it sent a malformed body.
    Client(hyper::Error),
}

impl RequestBody {
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
        let mut incoming = match self {
            RequestBody::Client(incoming) => incoming,
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
        while let Some(frame) = incoming.frame().await {
            let frame = frame.map_err(ReadError::Client)?;
            let Ok(data) = frame.into_data() else {
                // Trailers: hawser does not pass request trailers on.
                continue;
            };
            read.extend_from_slice(&data);
            if limit.is_some_and(|limit| read.len() as u64 > limit) {
                return Err(ReadError::TooLarge(RequestBody::Partial {
                    head: Some(read.freeze()),
                    rest: incoming,
                }));
            }
        }
        Ok(RequestBody::Buffered(Some(read.freeze())))
    }
}

impl Body for RequestBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        match self.get_mut() {
            RequestBody::Client(incoming) => Pin::new(incoming).poll_frame(cx),
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
            RequestBody::Client(incoming) => incoming.is_end_stream(),
            RequestBody::Empty | RequestBody::Buffered(None) => true,
            RequestBody::Buffered(Some(bytes)) => bytes.is_empty(),
            RequestBody::Partial { head, rest } => head.is_none() && rest.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            RequestBody::Client(incoming) => incoming.size_hint(),
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
