//! Bounds on the expensive work requests can start: OCR jobs (`ocr.max_concurrent`,
//! `ocr.queue`) and large renders (`api.max_large_renders`,
//! `api.large_render_queue`).
//!
//! A [`WorkLimiter`] lets `max` jobs run at once and `queue` more wait for a turn;
//! past that the request is answered 503 with `Retry-After` at once, so a burst of
//! uploads costs neither memory nor processes beyond those bounds.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::ApiError;

/// Renders whose long side is larger than this (px) count as large.
pub const LARGE_RENDER_PX: u32 = 1024;

/// Jobs at once plus a short queue.
#[derive(Debug, Clone)]
pub struct WorkLimiter {
    what: &'static str,
    permits: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    queue: usize,
    retry_after_s: u32,
}

/// Holds a turn; the next waiting job starts when it is dropped.
#[derive(Debug)]
pub struct Turn {
    _permit: OwnedSemaphorePermit,
}

struct Waiting(Arc<AtomicUsize>);

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl WorkLimiter {
    /// `what` names the work in the 503's message; `retry_after_s` is its typical
    /// duration.
    pub fn new(what: &'static str, max: usize, queue: usize, retry_after_s: u32) -> WorkLimiter {
        WorkLimiter {
            what,
            permits: Arc::new(Semaphore::new(max.max(1))),
            waiting: Arc::new(AtomicUsize::new(0)),
            queue,
            retry_after_s,
        }
    }

    /// A turn now, or after the jobs ahead, or 503 when the queue is full.
    pub async fn turn(&self) -> Result<Turn, ApiError> {
        if let Ok(permit) = self.permits.clone().try_acquire_owned() {
            return Ok(Turn { _permit: permit });
        }
        let queued = self.waiting.fetch_add(1, Ordering::SeqCst);
        let waiting = Waiting(self.waiting.clone());
        if queued >= self.queue {
            drop(waiting);
            return Err(self.busy());
        }
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| self.busy())?;
        drop(waiting);
        Ok(Turn { _permit: permit })
    }

    fn busy(&self) -> ApiError {
        ApiError::unavailable(
            "busy",
            format!(
                "too many {} requests at once; try again in {} s",
                self.what, self.retry_after_s
            ),
            "요청이 많아 처리하지 못했습니다. 잠시 후 다시 시도해 주세요",
        )
        .with_retry_after(self.retry_after_s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_past_the_queue_are_refused_with_retry_after() {
        let limiter = WorkLimiter::new("OCR", 1, 1, 5);
        let first = limiter.turn().await.unwrap();
        let l = limiter.clone();
        let second = tokio::spawn(async move { l.turn().await.map(|_| ()) });
        // Let the second one queue.
        while limiter.waiting.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        let third = limiter.turn().await.unwrap_err();
        assert_eq!(third.status.as_u16(), 503);
        assert_eq!(third.retry_after_s, Some(5));
        drop(first);
        second.await.unwrap().unwrap();
        assert_eq!(limiter.waiting.load(Ordering::SeqCst), 0);
        limiter.turn().await.unwrap();
    }
}
