//! Body types: what goes to a backend (reclaimable for a retry until first read) and what goes
//! back to the client (streamed from the backend, or a short text).

use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;

use super::access_log::LoggedBody;

/// A request body on its way to a backend.
///
/// A request with a body can still be retried on another backend when the first attempt
/// failed before anything was sent (connection refused): the body stays in a shared slot until
/// the client first polls it, and [`UpstreamBody::reclaim`] takes it back when that never
/// happened. Bodiless requests, the common case, never touch the slot.
pub enum UpstreamBody {
    Empty,
    Stream(ReclaimableBody),
}

pub struct ReclaimableBody {
    slot: Arc<Mutex<Option<Incoming>>>,
    taken: Option<Incoming>,
}

/// Holds a request body between attempts.
pub struct BodySlot {
    slot: Option<Arc<Mutex<Option<Incoming>>>>,
}

impl BodySlot {
    /// Keeps `body` for the attempts to come; an already finished body needs no keeping.
    pub fn new(body: Incoming) -> Self {
        if body.is_end_stream() {
            BodySlot { slot: None }
        } else {
            BodySlot {
                slot: Some(Arc::new(Mutex::new(Some(body)))),
            }
        }
    }

    /// The body for one attempt.
    pub fn attempt(&self) -> UpstreamBody {
        match &self.slot {
            None => UpstreamBody::Empty,
            Some(slot) => UpstreamBody::Stream(ReclaimableBody {
                slot: slot.clone(),
                taken: None,
            }),
        }
    }

    /// True when no attempt has read any of the body yet, so another attempt can send it whole.
    pub fn is_untouched(&self) -> bool {
        match &self.slot {
            None => true,
            Some(slot) => slot
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .is_some(),
        }
    }

    /// True when the request has no body at all.
    pub fn is_empty(&self) -> bool {
        self.slot.is_none()
    }
}

impl Body for UpstreamBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        match self.get_mut() {
            UpstreamBody::Empty => Poll::Ready(None),
            UpstreamBody::Stream(body) => {
                if body.taken.is_none() {
                    body.taken = body
                        .slot
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .take();
                }
                match &mut body.taken {
                    Some(incoming) => Pin::new(incoming).poll_frame(cx),
                    // Another attempt already took it: this one must not send a partial body.
                    None => Poll::Ready(None),
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            UpstreamBody::Empty => true,
            UpstreamBody::Stream(body) => body.taken.as_ref().is_some_and(Body::is_end_stream),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            UpstreamBody::Empty => SizeHint::with_exact(0),
            UpstreamBody::Stream(body) => match &body.taken {
                Some(incoming) => incoming.size_hint(),
                None => body
                    .slot
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .as_ref()
                    .map(Body::size_hint)
                    .unwrap_or_default(),
            },
        }
    }
}

/// A response body going back to the client.
pub enum ProxyBody {
    /// Streamed from the backend as it arrives.
    Upstream(Incoming),
    /// A short body hawser wrote itself (errors).
    Text(Option<Bytes>),
    /// Either of the above, counted for the access log.
    Logged(Box<LoggedBody>),
}

impl ProxyBody {
    pub fn text(text: impl Into<Bytes>) -> Self {
        ProxyBody::Text(Some(text.into()))
    }

    pub fn empty() -> Self {
        ProxyBody::Text(None)
    }
}

impl Body for ProxyBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        match self.get_mut() {
            ProxyBody::Upstream(incoming) => Pin::new(incoming).poll_frame(cx),
            ProxyBody::Text(text) => Poll::Ready(text.take().map(|bytes| Ok(Frame::data(bytes)))),
            ProxyBody::Logged(logged) => Pin::new(logged.as_mut()).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            ProxyBody::Upstream(incoming) => incoming.is_end_stream(),
            ProxyBody::Text(text) => text.is_none(),
            ProxyBody::Logged(logged) => logged.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            ProxyBody::Upstream(incoming) => incoming.size_hint(),
            ProxyBody::Text(text) => {
                SizeHint::with_exact(text.as_ref().map_or(0, |bytes| bytes.len() as u64))
            }
            ProxyBody::Logged(logged) => logged.size_hint(),
        }
    }
}
