//! The body of a request on its way to a backend.
//!
//! A client's body is counted as it streams: past its route's limit, the next frame is an
//! error, sending stops, and the client is answered `413` if no response has begun. Errors
//! name their side ([`BodyError`]), so a client that breaks its own body (a bad chunk size, a
//! connection cut mid-body) is answered `400` and never counts against the backend.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use thiserror::Error;

/// The client's body, streamed through, or none (a request sent again from a copy).
pub enum RequestBody {
    Client {
        incoming: Incoming,
        /// Bytes it may carry; `None`: no limit.
        limit: Option<u64>,
        /// Bytes passed on so far.
        seen: u64,
    },
    Empty,
}

/// Why a request body stopped: the client's fault either way.
#[derive(Debug, Error)]
pub enum BodyError {
    #[error("reading the client's request body failed")]
    Client(#[source] hyper::Error),
    #[error("the request body is larger than {limit} bytes")]
    TooLarge { limit: u64 },
}

impl RequestBody {
    pub fn client(incoming: Incoming, limit: Option<u64>) -> Self {
        RequestBody::Client {
            incoming,
            limit,
            seen: 0,
        }
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
            RequestBody::Client {
                incoming,
                limit,
                seen,
            } => {
                let frame = match ready!(Pin::new(incoming).poll_frame(cx)) {
                    None => return Poll::Ready(None),
                    Some(Err(err)) => return Poll::Ready(Some(Err(BodyError::Client(err)))),
                    Some(Ok(frame)) => frame,
                };
                if let Some(data) = frame.data_ref() {
                    *seen = seen.saturating_add(data.len() as u64);
                }
                match *limit {
                    Some(limit) if *seen > limit => {
                        Poll::Ready(Some(Err(BodyError::TooLarge { limit })))
                    }
                    _ => Poll::Ready(Some(Ok(frame))),
                }
            }
            RequestBody::Empty => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            RequestBody::Client { incoming, .. } => incoming.is_end_stream(),
            RequestBody::Empty => true,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            RequestBody::Client { incoming, .. } => incoming.size_hint(),
            RequestBody::Empty => SizeHint::with_exact(0),
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
