//! The response body going back to the client: streamed from the backend, or a short text
//! hawser wrote. Whoever needs to know how much was sent (the access log) can ask to be told
//! once the body is finished, without this type knowing who they are.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::combinators::UnsyncBoxBody;

use super::pool::PooledBody;

/// Called once with the number of body bytes sent, when the body ends or is dropped.
pub type OnFinish = Box<dyn FnOnce(u64) + Send>;

pub struct ProxyBody {
    source: Source,
    sent: u64,
    on_finish: Option<OnFinish>,
}

enum Source {
    /// Streamed from the backend as it arrives.
    Upstream(PooledBody),
    /// A short body hawser wrote itself (errors); `None` once sent.
    Text(Option<Bytes>),
    /// Made by a middleware from another body (compressed).
    Boxed(UnsyncBoxBody<Bytes, hyper::Error>),
}

impl ProxyBody {
    pub fn upstream(body: PooledBody) -> Self {
        Self::from_source(Source::Upstream(body))
    }

    pub fn text(text: impl Into<Bytes>) -> Self {
        Self::from_source(Source::Text(Some(text.into())))
    }

    pub fn empty() -> Self {
        Self::from_source(Source::Text(None))
    }

    /// A body a middleware made, such as a compressed one.
    pub fn boxed(body: impl Body<Data = Bytes, Error = hyper::Error> + Send + 'static) -> Self {
        Self::from_source(Source::Boxed(UnsyncBoxBody::new(body)))
    }

    fn from_source(source: Source) -> Self {
        ProxyBody {
            source,
            sent: 0,
            on_finish: None,
        }
    }

    /// Has `on_finish` told how many bytes were sent once the body is done, after whoever
    /// asked before (a middleware's slot, then the access log).
    pub fn on_finish(mut self, on_finish: OnFinish) -> Self {
        self.on_finish = Some(match self.on_finish.take() {
            None => on_finish,
            Some(earlier) => Box::new(move |sent| {
                earlier(sent);
                on_finish(sent);
            }),
        });
        self
    }
}

impl From<Bytes> for ProxyBody {
    fn from(bytes: Bytes) -> Self {
        ProxyBody::text(bytes)
    }
}

impl Body for ProxyBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = self.get_mut();
        let polled = match &mut this.source {
            Source::Upstream(body) => Pin::new(body).poll_frame(cx),
            Source::Text(text) => Poll::Ready(text.take().map(|bytes| Ok(Frame::data(bytes)))),
            Source::Boxed(body) => Pin::new(body).poll_frame(cx),
        };
        if let Poll::Ready(Some(Ok(frame))) = &polled {
            if let Some(data) = frame.data_ref() {
                this.sent += data.len() as u64;
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        match &self.source {
            Source::Upstream(body) => body.is_end_stream(),
            Source::Text(text) => text.is_none(),
            Source::Boxed(body) => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.source {
            Source::Upstream(body) => body.size_hint(),
            Source::Text(text) => {
                SizeHint::with_exact(text.as_ref().map_or(0, |bytes| bytes.len() as u64))
            }
            Source::Boxed(body) => body.size_hint(),
        }
    }
}

impl Drop for ProxyBody {
    fn drop(&mut self) {
        if let Some(on_finish) = self.on_finish.take() {
            on_finish(self.sent);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use http_body_util::BodyExt;

    use super::*;

    #[tokio::test]
    async fn every_one_asking_is_told_in_the_order_they_asked() {
        let told: Arc<Mutex<Vec<(&str, u64)>>> = Arc::default();
        let (first, second) = (told.clone(), told.clone());
        let body = ProxyBody::text("hello")
            .on_finish(Box::new(move |sent| {
                first.lock().expect("told").push(("slot", sent))
            }))
            .on_finish(Box::new(move |sent| {
                second.lock().expect("told").push(("log", sent))
            }));
        let read = body.collect().await.expect("body").to_bytes();
        assert_eq!(&read[..], b"hello");
        assert_eq!(*told.lock().expect("told"), [("slot", 5), ("log", 5)]);
    }
}
