//! Request bodies with a hard size limit.
//!
//! `warp::body::content_length_limit` only checks the `Content-Length` header, so a
//! chunked body would bypass it; [`limited_bytes`] also counts bytes while streaming
//! and stops reading at the limit.

use bytes::{Buf, Bytes, BytesMut};
use futures::{Stream, StreamExt};
use warp::{Filter, Rejection};

use super::error::ApiError;

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
