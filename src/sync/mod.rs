//! The store-and-forward outbox to S3.
//!
//! Rules (`../shared/design/ARCHITECTURE.md`), which the worker and its tests uphold:
//! 1. A scan or health record is committed to SQLite (row + picture file, fsynced)
//!    before the API answers 200. Power loss after the answer loses nothing.
//! 2. The outbox row is written in the same transaction as the record it uploads
//!    (`store::outbox::enqueue` takes the caller's transaction).
//! 3. An item is marked uploaded only after S3 confirmed the PUT; a crash in between
//!    means it is uploaded again, to the same key (keys are deterministic: [`keys`]).
//! 4. Nothing queued is ever dropped to make room: when the local storage budget is
//!    exhausted, new captures are refused with 507 and the kiosk is told why.
//! 5. Retries never stop (backoff capped); the queue's status is visible on `/check`,
//!    `/sync` and `/metrics`.
//! 6. S3 keys: `{prefix}/{device_id}/footprints/{user_id}/{scan_id}.png` and
//!    `{prefix}/{device_id}/records/{kind}/{record_id}.json`.
//!
//! # What this module owns
//! - [`worker`]: the upload state machine (what to start, how long to back off) and
//!   its loop; [`object_store`]: where uploads go (aws-sdk-s3); [`keys`]: the S3 keys.
//! - [`SyncHandle`] (in `service::Service`): wake the worker, wait for an upload, read the
//!   status shown on `GET /sync`, `/check` and `/metrics`.
//!
//! The queue's rows are the store's: `store::outbox` (enqueue, heartbeats),
//! `store::queue` (claim due, settle, the documents uploaded, status) and
//! `store::budget` (the storage budget, retention pruning).
//!
//! # What the tests prove (each rule has one)
//! Rule 2: `store::outbox::tests`; rule 3: the crash test in `tests/sync.rs` (the binary
//! SIGKILLed mid-upload, every scan in S3 once with the right bytes) and
//! `worker::tests`; rule 4: `store::budget::tests`; rule 5: `worker::tests` (backoff) and the
//! S3 outage tests in `tests/sync.rs`; rule 6: `keys::tests`.

pub mod keys;
pub mod object_store;
pub mod worker;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use serde::Serialize;
use tokio::sync::{watch, Notify};

use crate::config::Config;
use crate::status::{ComponentStatus, StatusComponent};
use crate::store::{now_rfc3339, Store, StoreError};

pub use crate::store::queue::{Item, KindStatus};
pub use object_store::{ObjectStore, PutError, S3ObjectStore};

/// State shared by the worker, the API handlers and `/check`.
pub struct SyncShared {
    pub(crate) config: Arc<Config>,
    pub(crate) store: Store,
    /// Whether a bucket is configured (else nothing is uploaded).
    enabled: bool,
    pub(crate) wake: Notify,
    /// Bumped after every batch of upload results, so waiters re-check.
    progress: watch::Sender<u64>,
    runtime: Mutex<RuntimeStatus>,
    uploads_ok: AtomicU64,
    uploads_failed: AtomicU64,
    upload_seconds_sum_ms: AtomicU64,
}

/// What only the running process knows (the rest of the status is in the database).
#[derive(Debug, Default, Clone)]
struct RuntimeStatus {
    last_error: Option<String>,
    last_error_at: Option<String>,
    last_success_at: Option<String>,
}

impl SyncShared {
    pub(crate) fn record_outcome(
        &self,
        item: &Item,
        outcome: &Result<(), String>,
        elapsed: Duration,
    ) {
        self.upload_seconds_sum_ms
            .fetch_add(elapsed.as_millis() as u64, Ordering::Relaxed);
        let now = now_rfc3339();
        let mut rt = match self.runtime.lock() {
            Ok(rt) => rt,
            Err(poisoned) => poisoned.into_inner(),
        };
        match outcome {
            Ok(()) => {
                self.uploads_ok.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(item = item.id, key = %item.s3_key, "uploaded");
                rt.last_success_at = Some(now);
                rt.last_error = None;
            }
            Err(error) => {
                self.uploads_failed.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(item = item.id, key = %item.s3_key, attempts = item.attempts + 1, %error, "upload failed; will retry");
                rt.last_error = Some(error.clone());
                rt.last_error_at = Some(now);
            }
        }
    }

    pub(crate) fn progress(&self) {
        self.progress.send_modify(|n| *n = n.wrapping_add(1));
    }
}

/// The handle in `service::Service`: wake the worker, wait for uploads, read the status.
#[derive(Clone)]
pub struct SyncHandle {
    shared: Arc<SyncShared>,
}

impl SyncHandle {
    /// A handle without a worker (no bucket, or a worker started separately).
    pub fn new(config: Arc<Config>, store: Store) -> SyncHandle {
        let enabled = !config.s3.bucket.is_empty();
        SyncHandle {
            shared: Arc::new(SyncShared {
                config,
                store,
                enabled,
                wake: Notify::new(),
                progress: watch::channel(0).0,
                runtime: Mutex::new(RuntimeStatus::default()),
                uploads_ok: AtomicU64::new(0),
                uploads_failed: AtomicU64::new(0),
                upload_seconds_sum_ms: AtomicU64::new(0),
            }),
        }
    }

    /// Whether uploads are configured.
    pub fn enabled(&self) -> bool {
        self.shared.enabled
    }

    /// Starts the worker uploading to `objects` until `stop` turns true. Without a
    /// bucket nothing starts and everything stays local.
    pub fn spawn_worker(
        &self,
        objects: Arc<dyn ObjectStore>,
        stop: watch::Receiver<bool>,
    ) -> Option<tokio::task::JoinHandle<()>> {
        if !self.shared.enabled {
            return None;
        }
        Some(tokio::spawn(worker::run(
            self.shared.clone(),
            objects,
            stop,
        )))
    }

    /// Tells the worker to look at the queue now (a new item, `POST /sync`).
    pub fn wake(&self) {
        self.shared.wake.notify_one();
    }

    /// Wakes the worker and waits until every outbox item in `ids` is uploaded, or
    /// `timeout` passes. `false` when uploads are off, on timeout, or when the queue
    /// cannot be read. `PUT /image` uses this to answer `"uploaded"` or `"queued"`.
    pub async fn wait_uploaded(&self, ids: &[i64], timeout: Duration) -> bool {
        if !self.shared.enabled {
            return false;
        }
        self.wake();
        let deadline = tokio::time::Instant::now() + timeout;
        let mut progress = self.shared.progress.subscribe();
        // Done is final, so each look only asks about the ids still pending.
        let mut pending: Vec<i64> = ids.to_vec();
        loop {
            progress.mark_unchanged();
            let check = std::mem::take(&mut pending);
            let still = self.shared.store.not_done(check).await;
            match still {
                Ok(still) if still.is_empty() => return true,
                Ok(still) => pending = still,
                Err(_) => return false,
            }
            tokio::select! {
                changed = progress.changed() => if changed.is_err() { return false },
                _ = tokio::time::sleep_until(deadline) => return false,
            }
        }
    }

    /// The queue's status (`GET /sync`, `/check`, `/metrics`): records and pictures;
    /// heartbeats (the kiosk's own status documents) are not counted.
    pub async fn status(&self) -> Result<SyncStatus, StoreError> {
        let per_kind = self.shared.store.status_per_kind().await?;
        let rt = match self.shared.runtime.lock() {
            Ok(rt) => rt.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        let now = time::OffsetDateTime::now_utc();
        let oldest = per_kind
            .iter()
            .filter_map(|k| k.oldest_pending_at.as_deref())
            .min()
            .map(str::to_string);
        let oldest_pending_age_s = oldest.as_deref().and_then(|t| {
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
                .ok()
                .map(|then| (now - then).whole_seconds().max(0) as u64)
        });
        let db_last_success = per_kind.iter().filter_map(|k| k.last_success.clone()).max();
        // The error of the most recent failed attempt, unless an upload succeeded
        // since. After a restart, the errors recorded on still-queued rows.
        let last_error = if rt.last_error.is_some() || rt.last_success_at.is_some() {
            rt.last_error.clone()
        } else {
            per_kind.iter().find_map(|k| k.last_error.clone())
        };
        let pending: u64 = per_kind.iter().map(|k| k.pending).sum();
        Ok(SyncStatus {
            enabled: self.shared.enabled,
            mode: if self.shared.enabled { "s3" } else { "local" },
            bucket: self.shared.config.s3.bucket.clone(),
            pending,
            pending_bytes: per_kind.iter().map(|k| k.pending_bytes).sum(),
            oldest_pending_age_s,
            uploaded_total: per_kind.iter().map(|k| k.uploaded_total).sum(),
            failed_attempts_total: per_kind.iter().map(|k| k.failed_attempts_total).sum(),
            last_success: rt.last_success_at.or(db_last_success),
            last_error,
            last_error_at: rt.last_error_at,
            uploads_ok_since_start: self.shared.uploads_ok.load(Ordering::Relaxed),
            uploads_failed_since_start: self.shared.uploads_failed.load(Ordering::Relaxed),
            per_kind,
        })
    }
}

/// `GET /sync`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SyncStatus {
    /// Whether uploads are configured (`s3.bucket` set).
    pub enabled: bool,
    /// `"s3"`, or `"local"` when no bucket is configured and everything stays local.
    pub mode: &'static str,
    pub bucket: String,
    /// Items still to upload.
    pub pending: u64,
    pub pending_bytes: u64,
    /// Age of the oldest item still queued (s); null when the queue is empty.
    pub oldest_pending_age_s: Option<u64>,
    /// Items S3 has confirmed, ever.
    pub uploaded_total: u64,
    /// Failed upload attempts, ever.
    pub failed_attempts_total: u64,
    /// When an upload last succeeded (RFC 3339).
    pub last_success: Option<String>,
    /// The error of the latest attempt, when it failed; null once one succeeds again.
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    pub uploads_ok_since_start: u64,
    pub uploads_failed_since_start: u64,
    pub per_kind: Vec<KindStatus>,
}

impl SyncStatus {
    /// Healthy when uploads are off (by configuration) or the latest attempt worked.
    pub fn ok(&self) -> bool {
        !self.enabled || self.last_error.is_none()
    }
}

/// `/check`'s `sync` component.
pub struct SyncComponent {
    pub handle: SyncHandle,
}

impl StatusComponent for SyncComponent {
    fn name(&self) -> &'static str {
        "sync"
    }
    fn status(&self) -> BoxFuture<'_, ComponentStatus> {
        Box::pin(async move {
            match self.handle.status().await {
                Ok(s) => {
                    let mut detail = serde_json::json!({
                        "mode": s.mode,
                        "pending": s.pending,
                        "pending_bytes": s.pending_bytes,
                        "oldest_pending_age_s": s.oldest_pending_age_s,
                        "last_success": s.last_success,
                        "last_error": s.last_error,
                    });
                    if !s.enabled {
                        detail["message"] = "s3.bucket is not set: uploads are off and every \
                            record stays on this device"
                            .into();
                    }
                    ComponentStatus::new(s.ok(), detail)
                }
                Err(e) => {
                    ComponentStatus::new(false, serde_json::json!({ "error": e.to_string() }))
                }
            }
        })
    }
}

/// A human summary of a `GET /sync` answer (`carenco-edge sync status`).
pub fn status_summary(status: &serde_json::Value) -> String {
    use std::fmt::Write as _;
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::Null => "-".to_string(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut out = String::new();
    if status["enabled"] == serde_json::Value::Bool(false) {
        out.push_str("uploads: off (s3.bucket is not set; everything stays on this device)\n");
    } else {
        let _ = writeln!(out, "uploads: to bucket {}", text(&status["bucket"]));
    }
    let _ = writeln!(
        out,
        "pending: {} items, {} bytes, oldest {} s",
        text(&status["pending"]),
        text(&status["pending_bytes"]),
        text(&status["oldest_pending_age_s"])
    );
    let _ = writeln!(
        out,
        "uploaded: {} items; failed attempts: {}",
        text(&status["uploaded_total"]),
        text(&status["failed_attempts_total"])
    );
    let _ = writeln!(out, "last success: {}", text(&status["last_success"]));
    let _ = writeln!(out, "last error: {}", text(&status["last_error"]));
    if let Some(kinds) = status["per_kind"].as_array() {
        for k in kinds {
            let _ = writeln!(
                out,
                "  {}: {} pending ({} bytes), {} uploaded",
                text(&k["kind"]),
                text(&k["pending"]),
                text(&k["pending_bytes"]),
                text(&k["uploaded_total"])
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_names_the_queue_and_the_last_error() {
        let text = status_summary(&serde_json::json!({
            "enabled": true, "bucket": "b", "pending": 3, "pending_bytes": 4000,
            "oldest_pending_age_s": 12, "uploaded_total": 7, "failed_attempts_total": 2,
            "last_success": null, "last_error": "S3 answered 403: SignatureDoesNotMatch",
            "per_kind": [{"kind": "scan_image", "pending": 3, "pending_bytes": 4000, "uploaded_total": 7}]
        }));
        assert!(
            text.contains("pending: 3 items, 4000 bytes, oldest 12 s"),
            "{text}"
        );
        assert!(text.contains("last error: S3 answered 403"), "{text}");
        assert!(text.contains("last success: -"), "{text}");
        assert!(text.contains("scan_image: 3 pending"), "{text}");
    }

    /// An in-memory bucket that can hang after receiving a PUT (S3 has the object but
    /// the worker never hears back): the moment a crash hurts most.
    #[derive(Default)]
    struct MemoryBucket {
        puts: Mutex<Vec<(String, bytes::Bytes)>>,
        hang_records: std::sync::atomic::AtomicBool,
    }

    impl ObjectStore for MemoryBucket {
        fn put<'a>(
            &'a self,
            key: &'a str,
            body: bytes::Bytes,
            _content_type: &'a str,
        ) -> BoxFuture<'a, Result<(), PutError>> {
            Box::pin(async move {
                self.puts.lock().unwrap().push((key.to_string(), body));
                if key.ends_with(".json") && self.hang_records.load(Ordering::SeqCst) {
                    futures::future::pending::<()>().await;
                }
                Ok(())
            })
        }
    }

    /// Rule 3: S3 received the record but the worker died before hearing back. The
    /// item stays queued, and the next worker uploads it again to the same key with
    /// the same bytes, although the picture's ack changed the scan row in between.
    #[tokio::test]
    async fn an_upload_lost_in_a_crash_is_repeated_to_the_same_key_with_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut config = Config::default();
        config.storage.data_dir = dir.path().to_path_buf();
        config.s3.bucket = "b".into();
        let handle = SyncHandle::new(Arc::new(config), store.clone());
        let bucket = Arc::new(MemoryBucket::default());
        bucket.hang_records.store(true, Ordering::SeqCst);
        let ids = crate::store::testing::insert_scan(&store, "s1", b"picture", true);

        let (stop_tx, stop) = watch::channel(false);
        let worker = handle.spawn_worker(bucket.clone(), stop).unwrap();
        // The picture is acked; the record's PUT arrived but never returns.
        assert!(
            handle
                .wait_uploaded(&ids[..1], Duration::from_secs(5))
                .await
        );
        while bucket.puts.lock().unwrap().len() < 2 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        stop_tx.send(true).unwrap();
        worker.await.unwrap();
        assert!(
            !handle
                .wait_uploaded(&ids[1..], Duration::from_millis(50))
                .await
        );

        bucket.hang_records.store(false, Ordering::SeqCst);
        let (_stop_tx, stop) = watch::channel(false);
        let _worker = handle.spawn_worker(bucket.clone(), stop).unwrap();
        assert!(handle.wait_uploaded(&ids, Duration::from_secs(5)).await);
        let puts = bucket.puts.lock().unwrap().clone();
        let records: Vec<_> = puts.iter().filter(|(k, _)| k == "k/s1.json").collect();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].1, records[1].1);
        let pictures = puts.iter().filter(|(k, _)| k == "k/s1.png").count();
        assert_eq!(pictures, 1, "an acked picture is not uploaded again");
        let status = handle.status().await.unwrap();
        assert_eq!(status.pending, 0);
        assert_eq!(status.uploaded_total, 2);
    }

    #[test]
    fn the_summary_says_when_uploads_are_off() {
        let text = status_summary(&serde_json::json!({"enabled": false, "pending": 0}));
        assert!(text.contains("uploads: off"), "{text}");
    }
}
