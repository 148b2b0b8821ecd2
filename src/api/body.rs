//! Request bodies: a hard size limit, and a limit on how long a body may stall.
//!
//! `warp::body::content_length_limit` only checks the `Content-Length` header, so a
//! chunked body would bypass it; [`limited_bytes`] also counts bytes while streaming
//! and stops reading at the limit. [`IdleTimeout`] wraps every request body in the
//! server loop ([`super::serve`]): a client that stops sending part-way through a body
//! (`api.body_timeout_ms`) gets 408 `body_timeout` instead of holding its connection
//! and its slot for ever; hyper only bounds the time to send the header.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use futures::{Stream, StreamExt};
use http_body::{Body, Frame, SizeHint};
use warp::{Filter, Rejection};

use super::error::ApiError;

/// The error a stalled body ends with.
#[derive(Debug, thiserror::Error)]
#[error("the request body stalled for {0:?}")]
pub struct BodyStalled(pub Duration);

/// A request body that fails with [`BodyStalled`] once no frame arrived for `idle`.
///
/// The clock starts when the handler first asks for the body (a request that waits
/// for its turn is not the client's fault) and restarts with every frame.
pub struct IdleTimeout<B> {
    inner: B,
    idle: Duration,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<B> IdleTimeout<B> {
    pub fn new(inner: B, idle: Duration) -> IdleTimeout<B> {
        IdleTimeout {
            inner,
            idle,
            sleep: None,
        }
    }
}

impl<B> Body for IdleTimeout<B>
where
    B: Body + Unpin,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Data = B::Data;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                this.sleep = None;
                Poll::Ready(frame.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => {
                let idle = this.idle;
                let sleep = this
                    .sleep
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(idle)));
                match sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyStalled(idle))))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Whether an error (or one of its causes) is a stalled body.
pub fn is_stall(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if e.is::<BodyStalled>() {
            return true;
        }
        cause = e.source();
    }
    false
}

/// The whole body as one buffer, refusing (413) anything over `limit` bytes, whether
/// announced by `Content-Length` or discovered while reading a chunked body.
pub fn limited_bytes(limit: u64) -> impl Filter<Extract = (Bytes,), Error = Rejection> + Clone {
    warp::header::optional::<u64>("content-length")
        .and(warp::body::stream())
        .and_then(move |announced: Option<u64>, stream| collect(stream, announced, limit))
}

async fn collect<S, B>(stream: S, announced: Option<u64>, limit: u64) -> Result<Bytes, Rejection>
where
    S: Stream<Item = Result<B, warp::Error>>,
    B: Buf,
{
    if announced.is_some_and(|n| n > limit) {
        return Err(ApiError::payload_too_large(limit).into());
    }
    let mut stream = Box::pin(stream);
    let mut buf = BytesMut::with_capacity(announced.unwrap_or(8 * 1024).min(limit) as usize);
    while let Some(chunk) = stream.next().await {
        let mut chunk = chunk.map_err(|e| {
            if is_stall(&e) {
                return Rejection::from(ApiError::body_timeout());
            }
            Rejection::from(ApiError::bad_request(
                "body_read_failed",
                format!("could not read the request body: {e}"),
                "요청 데이터를 읽지 못했습니다",
            ))
        })?;
        if (buf.len() + chunk.remaining()) as u64 > limit {
            return Err(ApiError::payload_too_large(limit).into());
        }
        while chunk.has_remaining() {
            let part = chunk.chunk();
            let n = part.len();
            buf.extend_from_slice(part);
            chunk.advance(n);
        }
    }
    Ok(buf.freeze())
}
