//! Body types: what goes to a backend and what comes back to the client (streamed from the
//! backend, or a short text hawser wrote).

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;

use super::access_log::LoggedBody;
use super::pool::PooledBody;

/// A request body on its way to a backend: the client's, streamed through, or none (a request
/// sent again from a copy).
pub enum RequestBody {
    Client(Incoming),
    Empty,
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
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            RequestBody::Client(incoming) => incoming.is_end_stream(),
            RequestBody::Empty => true,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            RequestBody::Client(incoming) => incoming.size_hint(),
            RequestBody::Empty => SizeHint::with_exact(0),
        }
    }
}

/// A response body going back to the client.
pub enum ProxyBody {
    /// Streamed from the backend as it arrives.
    Upstream(PooledBody),
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
