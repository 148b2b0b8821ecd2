//! Footprint scans: the `scans` rows, their outbox items, and the group-committing
//! writer that `PUT /image` goes through.
//!
//! # Why a writer task
//! With `synchronous=FULL` every commit waits for the disk (an SD card on the Pi, about
//! 8 ms here). One transaction per request would cap the kiosk at a hundred-odd scans
//! per second however fast the rest is. The [`ScanWriter`] takes whatever scans are
//! waiting when the previous commit finishes and commits them together (group
//! commit): each caller still gets its answer only after *its* row, its picture and
//! its outbox items are on disk, but a burst shares the flush.
//!
//! # Order of durability (store-and-forward rule 1)
//! The row, its picture (a BLOB in `scan_pictures`, schema version 3) and its two
//! outbox items are inserted in the batch's one transaction, and the commit (WAL,
//! `synchronous=FULL`) is the only flush: a whole group is durable with one `fsync`
//! of the WAL. Until version 3 each picture was a file of its own (`fdatasync` each,
//! then the directory's `fsync`, then the commit); `cargo run --example group_flush`
//! measured the BLOBs 1.8–3x faster per group on this disk.
//!
//! A crash before the commit leaves nothing of the batch (no caller was answered); a
//! crash after it loses nothing. Each step is a crash point in debug builds
//! ([`super::failpoint`]: `writer.row_inserted`, `writer.batch_inserted`,
//! `writer.committed`, `writer.replied`), which `tests/image.rs` SIGKILLs the real
//! binary at. If a batch fails as a whole, each scan is retried in its own transaction
//! so that one bad row cannot fail the others.

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use super::{failpoint, Store, StoreError};
use crate::store::outbox::{self, ItemKind, NewItem};

/// Largest number of scans committed in one transaction.
pub const MAX_BATCH: usize = 64;
/// Pending scans the writer queues before callers wait to hand theirs over.
const QUEUE_DEPTH: usize = 256;

/// A scan to store, with everything its row and outbox items need.
#[derive(Debug, Clone)]
pub struct NewScan {
    /// `footprint` or `balance` (schema version 2).
    pub kind: &'static str,
    pub scan_id: String,
    pub user_id: String,
    pub created_at: String,
    /// `data` (sent by the client) or `capture`.
    pub source: &'static str,
    pub wire_format: Option<String>,
    pub rows: u16,
    pub cols: u16,
    pub pitch_mm: f32,
    /// Raw counts, u16 little-endian.
    pub raw_cells: Vec<u8>,
    pub load_cell: Option<i32>,
    pub weight_kg: Option<f32>,
    pub weight_source: Option<String>,
    pub arch_type: Option<String>,
    pub metrics_json: String,
    /// The picture (PNG or JPEG), stored as a BLOB with the row.
    pub picture: bytes::Bytes,
    pub image_mime: String,
    pub image_key: String,
    pub record_key: String,
    /// Size of the record document, for the storage budget (an estimate).
    pub record_bytes: u64,
    pub url: String,
}

/// Outbox ids of a stored scan: picture, then record.
pub type OutboxIds = [i64; 2];

impl NewScan {
    /// Size of the picture, in bytes (`scans.image_bytes`).
    pub fn image_bytes(&self) -> u64 {
        self.picture.len() as u64
    }
}

/// Inserts the row, its picture and its two outbox items inside `tx`.
pub fn insert(tx: &Transaction<'_>, scan: &NewScan) -> Result<OutboxIds, StoreError> {
    tx.prepare_cached(
        "INSERT INTO scans (scan_id, user_id, created_at, source, wire_format, rows, cols,
            pitch_mm, raw_cells, load_cell, weight_kg, weight_source, arch_type, metrics_json,
            image_mime, image_bytes, image_key, url, kind)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
            ?18, ?19)",
    )?
    .execute(params![
        scan.scan_id,
        scan.user_id,
        scan.created_at,
        scan.source,
        scan.wire_format,
        scan.rows,
        scan.cols,
        f64::from(scan.pitch_mm),
        scan.raw_cells,
        scan.load_cell,
        scan.weight_kg.map(f64::from),
        scan.weight_source,
        scan.arch_type,
        scan.metrics_json,
        scan.image_mime,
        scan.image_bytes() as i64,
        scan.image_key,
        scan.url,
        scan.kind,
    ])?;
    tx.prepare_cached("INSERT INTO scan_pictures (scan_id, picture) VALUES (?1, ?2)")?
        .execute(params![scan.scan_id, &scan.picture[..]])?;
    let image = outbox::enqueue(
        tx,
        &NewItem {
            kind: ItemKind::ScanImage,
            ref_id: &scan.scan_id,
            s3_key: &scan.image_key,
            content_type: &scan.image_mime,
            bytes: scan.image_bytes(),
        },
        &scan.created_at,
    )?;
    let record = outbox::enqueue(
        tx,
        &NewItem {
            kind: ItemKind::ScanRecord,
            ref_id: &scan.scan_id,
            s3_key: &scan.record_key,
            content_type: "application/json",
            bytes: scan.record_bytes,
        },
        &scan.created_at,
    )?;
    Ok([image, record])
}

struct Job {
    scan: NewScan,
    reply: oneshot::Sender<Result<OutboxIds, WriteError>>,
}

/// Errors of [`ScanWriter::insert`].
#[derive(Debug, Clone, thiserror::Error)]
pub enum WriteError {
    #[error("the scan writer has stopped")]
    Stopped,
    #[error("storing the scan failed: {0}")]
    Failed(String),
    /// The storage budget cannot take this scan (store-and-forward rule 4: nothing
    /// queued is dropped to make room). The message says how full it is.
    #[error("{0}")]
    Budget(String),
}

/// The storage budget the writer enforces, checked inside the same transaction as
/// the insert so that concurrent scans cannot overrun it together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub bytes: u64,
    /// Uploaded pictures older than this may be pruned to make room (0 = never).
    pub retention_days: u32,
}

/// Hands scans to the group-committing writer task. Cheap to clone.
#[derive(Clone)]
pub struct ScanWriter {
    tx: mpsc::Sender<Job>,
}

impl ScanWriter {
    /// Starts the writer task on the current runtime; it ends when every handle is gone.
    pub fn spawn(store: Store, budget: Budget) -> ScanWriter {
        let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
        tokio::spawn(run(store, budget, rx));
        ScanWriter { tx }
    }

    /// Stores `scan` with its picture; returns once it is committed.
    pub async fn insert(&self, scan: NewScan) -> Result<OutboxIds, WriteError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Job { scan, reply })
            .await
            .map_err(|_| WriteError::Stopped)?;
        answer.await.map_err(|_| WriteError::Stopped)?
    }
}

/// How long the writer trusts its running total of the storage used before it asks
/// the database again (other writers, OCR records and upload acks, change it too).
const USAGE_FRESH_FOR: std::time::Duration = std::time::Duration::from_secs(1);

/// The writer's running total of the storage used (what [`crate::store::budget::usage`]
/// would answer), so that a batch does not sum every row of `scans` (a full scan that
/// grows with the table) when the budget is far from full.
///
/// It is trusted only while fresh and while the batch leaves a tenth of the budget
/// free; near the limit every batch asks the database, so the 507 decision is exact
/// where it matters. Between refreshes, acks and pruning only lower the real figure
/// (the total errs towards full), and other writers (OCR) are far from adding a tenth
/// of the budget within a second.
#[derive(Debug, Clone, Copy, Default)]
pub struct UsageCache {
    known: Option<(u64, std::time::Instant)>,
}

impl UsageCache {
    /// The cached total when it may stand in for the database's, given `incoming`.
    fn trusted(&self, incoming: u64, budget: u64) -> Option<u64> {
        let (used, at) = self.known?;
        let margin = budget / 10;
        (at.elapsed() < USAGE_FRESH_FOR
            && used.saturating_add(incoming).saturating_add(margin) <= budget)
            .then_some(used)
    }
}

async fn run(store: Store, budget: Budget, mut rx: mpsc::Receiver<Job>) {
    let mut usage = UsageCache::default();
    while let Some(first) = rx.recv().await {
        if let Some(delay) = failpoint::pause("writer.gather") {
            tokio::time::sleep(delay).await;
        }
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        // Cheap: the pictures are shared (`Bytes`), not copied.
        let scans: Vec<NewScan> = jobs.iter().map(|j| j.scan.clone()).collect();
        let mut cache = usage;
        let (results, cache) = store
            .call(move |conn| {
                let results = commit_batch(conn, budget, &scans, &mut cache);
                Ok((results, cache))
            })
            .await
            .unwrap_or_else(|e| {
                (
                    vec![Err(WriteError::Failed(e.to_string())); jobs.len()],
                    UsageCache::default(),
                )
            });
        usage = cache;
        for (job, result) in jobs.into_iter().zip(results) {
            // The caller may have gone (client hung up); the scan is stored anyway.
            let _ = job.reply.send(result);
        }
        failpoint::hit("writer.replied");
    }
}

/// Commits `scans` in one transaction, or one by one when that fails. Scans that do
/// not fit in the budget get [`WriteError::Budget`] and are not stored.
fn commit_batch(
    conn: &mut Connection,
    budget: Budget,
    scans: &[NewScan],
    usage: &mut UsageCache,
) -> Vec<Result<OutboxIds, WriteError>> {
    let failed = |e: &dyn std::fmt::Display| WriteError::Failed(e.to_string());
    let (fits, used_after) = match admit(conn, budget, scans, usage) {
        Ok(admitted) => admitted,
        Err(e) => return vec![Err(failed(&e)); scans.len()],
    };
    let admitted: Vec<&NewScan> = scans
        .iter()
        .zip(&fits)
        .filter(|(_, f)| f.is_none())
        .map(|(s, _)| s)
        .collect();
    let together = (|| -> Result<Vec<OutboxIds>, StoreError> {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let ids = admitted
            .iter()
            .map(|s| {
                let ids = insert(&tx, s);
                failpoint::hit("writer.row_inserted");
                ids
            })
            .collect::<Result<Vec<_>, _>>()?;
        failpoint::hit("writer.batch_inserted");
        tx.commit()?;
        failpoint::hit("writer.committed");
        Ok(ids)
    })();
    // The running total counts what was admitted; if nothing could be stored the
    // next batch asks the database again.
    usage.known = match &together {
        Ok(_) => usage.known.map(|(_, at)| (used_after, at)),
        Err(_) => None,
    };
    let mut stored: Vec<Result<OutboxIds, WriteError>> = match together {
        Ok(ids) => ids.into_iter().map(Ok).collect(),
        Err(error) if admitted.len() > 1 => {
            tracing::warn!(%error, batch = admitted.len(), "batch commit failed; storing one by one");
            admitted
                .iter()
                .map(|s| {
                    (|| -> Result<OutboxIds, StoreError> {
                        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                        let ids = insert(&tx, s)?;
                        tx.commit()?;
                        Ok(ids)
                    })()
                    .map_err(|e| failed(&e))
                })
                .collect()
        }
        Err(error) => vec![Err(failed(&error)); admitted.len()],
    }
    .into_iter()
    .rev()
    .collect();
    fits.into_iter()
        .map(|refused| match refused {
            Some(message) => Err(WriteError::Budget(message)),
            None => stored
                .pop()
                .unwrap_or_else(|| Err(WriteError::Failed("lost in the batch".into()))),
        })
        .collect()
}

/// For each scan, `None` when it fits in the budget (in order), else why not; and the
/// storage used once the admitted ones are stored. Prunes uploaded pictures past
/// retention once when the budget is short.
fn admit(
    conn: &mut Connection,
    budget: Budget,
    scans: &[NewScan],
    cache: &mut UsageCache,
) -> Result<(Vec<Option<String>>, u64), StoreError> {
    use crate::store::budget;
    let incoming: u64 = scans.iter().map(|s| s.image_bytes() + s.record_bytes).sum();
    let mut used = match cache.trusted(incoming, budget.bytes) {
        Some(used) => used,
        None => {
            let used = budget::usage(conn)?.total();
            cache.known = Some((used, std::time::Instant::now()));
            used
        }
    };
    if used.saturating_add(incoming) > budget.bytes && budget.retention_days > 0 {
        budget::prune_uploaded(
            conn,
            budget.retention_days,
            &budget::cutoff(budget.retention_days),
        )?;
        used = budget::usage(conn)?.total();
        cache.known = Some((used, std::time::Instant::now()));
    }
    let fits = scans
        .iter()
        .map(|s| {
            let size = s.image_bytes() + s.record_bytes;
            if used.saturating_add(size) > budget.bytes {
                Some(
                    budget::BudgetExceeded {
                        used,
                        incoming: size,
                        budget: budget.bytes,
                    }
                    .to_string(),
                )
            } else {
                used += size;
                None
            }
        })
        .collect();
    Ok((fits, used))
}

/// A stored scan as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScanSummary {
    /// `footprint` (`/image`) or `balance` (`/balance`: `metrics` holds the sway
    /// figures, the picture is the centre-of-pressure trace).
    #[schema(example = "footprint")]
    pub kind: String,
    /// UUID v7 (time-ordered).
    #[schema(example = "0193a4b2-7c1e-7d2a-9f3e-2b1c4d5e6f70")]
    pub scan_id: String,
    #[schema(example = "1")]
    pub user_id: String,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// `data` or `capture`.
    pub source: String,
    pub wire_format: Option<String>,
    pub rows: u16,
    pub cols: u16,
    pub pitch_mm: f64,
    pub weight_kg: Option<f64>,
    pub weight_source: Option<String>,
    pub arch_type: Option<String>,
    /// The `metrics` object of the `/image` answer.
    #[schema(value_type = Object)]
    pub metrics: serde_json::Value,
    /// A URL the picture loads from now: the S3 URL once uploaded, else this
    /// service's own absolute URL (the API fills it in; the row keeps the S3 URL).
    pub url: String,
    /// The local picture, served by this device (`GET /scans/{scan_id}/image`).
    pub local_url: String,
    pub image_mime: String,
    pub image_bytes: u64,
    /// `uploaded` or `queued`.
    pub upload: String,
    pub uploaded_at: Option<String>,
    /// Set when the local picture was removed after upload and retention.
    pub pruned_at: Option<String>,
}

const SUMMARY_COLUMNS: &str = "scan_id, user_id, created_at, source, wire_format, rows, cols, \
    pitch_mm, weight_kg, weight_source, arch_type, metrics_json, url, image_mime, image_bytes, \
    uploaded_at, pruned_at, kind";

fn summary(r: &rusqlite::Row<'_>) -> rusqlite::Result<ScanSummary> {
    let scan_id: String = r.get(0)?;
    let metrics: String = r.get(11)?;
    let uploaded_at: Option<String> = r.get(15)?;
    Ok(ScanSummary {
        local_url: format!("/scans/{scan_id}/image"),
        scan_id,
        user_id: r.get(1)?,
        created_at: r.get(2)?,
        source: r.get(3)?,
        wire_format: r.get(4)?,
        rows: r.get(5)?,
        cols: r.get(6)?,
        pitch_mm: r.get(7)?,
        weight_kg: r.get(8)?,
        weight_source: r.get(9)?,
        arch_type: r.get(10)?,
        metrics: serde_json::from_str(&metrics).unwrap_or(serde_json::Value::Null),
        url: r.get(12)?,
        image_mime: r.get(13)?,
        image_bytes: r.get::<_, i64>(14)?.max(0) as u64,
        upload: if uploaded_at.is_some() {
            "uploaded"
        } else {
            "queued"
        }
        .to_string(),
        uploaded_at,
        pruned_at: r.get(16)?,
        kind: r.get(17)?,
    })
}

/// Newest first; `user_id` filters, `before` (a scan id) pages: only scans created
/// before that one. UUID v7 ids sort by time, so the id is the cursor.
pub fn list(
    conn: &Connection,
    user_id: Option<&str>,
    before: Option<&str>,
    limit: u32,
) -> Result<Vec<ScanSummary>, StoreError> {
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM scans
         WHERE (?1 IS NULL OR user_id = ?1) AND (?2 IS NULL OR scan_id < ?2)
         ORDER BY scan_id DESC LIMIT ?3"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![user_id, before, i64::from(limit)], summary)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// One scan by id.
pub fn get(conn: &Connection, scan_id: &str) -> Result<Option<ScanSummary>, StoreError> {
    let sql = format!("SELECT {SUMMARY_COLUMNS} FROM scans WHERE scan_id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([scan_id], summary)
        .optional()?)
}

/// The local picture of a scan, as `GET /scans/{scan_id}/image` serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalPicture {
    /// The picture and its type.
    Here { mime: String, bytes: Vec<u8> },
    /// Removed after upload and retention (the scan's `url` has it).
    Pruned,
    /// Not in the database: a version-2 picture file that was missing or could not be
    /// read when it was to be moved in (`store::disk::move_picture_files`).
    Missing,
}

/// The local picture of scan `scan_id`; `None` when there is no such scan.
pub fn picture(conn: &Connection, scan_id: &str) -> Result<Option<LocalPicture>, StoreError> {
    let found: Option<(String, bool, Option<Vec<u8>>)> = conn
        .prepare_cached(
            "SELECT s.image_mime, s.pruned_at IS NOT NULL, p.picture
             FROM scans s LEFT JOIN scan_pictures p ON p.scan_id = s.scan_id
             WHERE s.scan_id = ?1",
        )?
        .query_row([scan_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    Ok(found.map(|(mime, pruned, bytes)| match (bytes, pruned) {
        (Some(bytes), _) => LocalPicture::Here { mime, bytes },
        (None, true) => LocalPicture::Pruned,
        (None, false) => LocalPicture::Missing,
    }))
}

/// The reads of the scans API as async calls (on the blocking pool).
impl Store {
    /// [`list`].
    pub async fn scans(
        &self,
        user_id: Option<String>,
        before: Option<String>,
        limit: u32,
    ) -> Result<Vec<ScanSummary>, StoreError> {
        self.call(move |c| list(c, user_id.as_deref(), before.as_deref(), limit))
            .await
    }

    /// [`get`].
    pub async fn scan(&self, scan_id: String) -> Result<Option<ScanSummary>, StoreError> {
        self.call(move |c| get(c, &scan_id)).await
    }

    /// [`picture`].
    pub async fn scan_picture(&self, scan_id: String) -> Result<Option<LocalPicture>, StoreError> {
        self.call(move |c| picture(c, &scan_id)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(id: &str, user: &str) -> NewScan {
        NewScan {
            kind: "footprint",
            scan_id: id.into(),
            user_id: user.into(),
            created_at: "2026-01-01T00:00:00.000Z".into(),
            source: "data",
            wire_format: Some("legacy".into()),
            rows: 1,
            cols: 2,
            pitch_mm: 16.9,
            raw_cells: vec![1, 0, 2, 0],
            load_cell: Some(-276),
            weight_kg: Some(58.5),
            weight_source: Some("load_cell".into()),
            arch_type: Some("normal".into()),
            metrics_json: "{\"weight_kg\":58.5}".into(),
            picture: bytes::Bytes::from_static(b"png"),
            image_mime: "image/png".into(),
            image_key: format!("k/footprints/{user}/{id}.png"),
            record_key: format!("k/records/scan/{id}.json"),
            record_bytes: 100,
            url: format!("local:k/footprints/{user}/{id}.png"),
        }
    }

    #[tokio::test]
    async fn concurrent_scans_are_committed_with_their_outbox_items_and_listed_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let writer = ScanWriter::spawn(store.clone(), BIG);
        let mut tasks = Vec::new();
        for i in 0..20 {
            let s = scan(&format!("01{i:02}"), if i % 2 == 0 { "a" } else { "b" });
            let w = writer.clone();
            tasks.push(tokio::spawn(async move { w.insert(s).await }));
        }
        for t in tasks {
            let ids = t.await.unwrap().unwrap();
            assert_ne!(ids[0], ids[1]);
        }
        let (listed, outbox, pictures, served) = store
            .call(|c| {
                let listed = list(c, Some("a"), Some("0110"), 3)?;
                let n: i64 = c.query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?;
                let p: i64 = c.query_row("SELECT count(*) FROM scan_pictures", [], |r| r.get(0))?;
                Ok((listed, n, p, picture(c, "0108")?))
            })
            .await
            .unwrap();
        assert_eq!(outbox, 40);
        assert_eq!(pictures, 20, "every picture committed with its row");
        assert_eq!(
            served,
            Some(LocalPicture::Here {
                mime: "image/png".into(),
                bytes: b"png".to_vec()
            })
        );
        let ids: Vec<&str> = listed.iter().map(|s| s.scan_id.as_str()).collect();
        assert_eq!(ids, ["0108", "0106", "0104"]);
        assert_eq!(listed[0].local_url, "/scans/0108/image");
        assert_eq!(listed[0].upload, "queued");
        assert_eq!(listed[0].metrics["weight_kg"], 58.5);
    }

    const BIG: Budget = Budget {
        bytes: 1 << 30,
        retention_days: 0,
    };

    #[tokio::test]
    async fn a_duplicate_in_a_batch_fails_alone() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let (a, b) = (scan("0001", "a"), scan("0002", "a"));
        let results = store
            .call(move |c| {
                let mut usage = UsageCache::default();
                Ok(commit_batch(c, BIG, &[a.clone(), a, b], &mut usage))
            })
            .await
            .unwrap();
        // The batch as a whole fails (the same primary key twice); one by one, only
        // the duplicate does.
        assert!(results[0].is_ok());
        assert!(matches!(results[1], Err(WriteError::Failed(_))));
        assert!(results[2].is_ok());
    }

    #[tokio::test]
    async fn scans_past_the_budget_are_refused_and_earlier_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        // Each scan takes 3 + 100 bytes; room for two.
        let budget = Budget {
            bytes: 250,
            retention_days: 0,
        };
        let scans: Vec<NewScan> = (0..3).map(|i| scan(&format!("000{i}"), "a")).collect();
        let results = store
            .call(move |c| {
                let mut usage = UsageCache::default();
                Ok(commit_batch(c, budget, &scans, &mut usage))
            })
            .await
            .unwrap();
        assert!(results[0].is_ok() && results[1].is_ok());
        let Err(WriteError::Budget(message)) = &results[2] else {
            panic!("{results:?}");
        };
        assert!(message.contains("budget"), "{message}");
    }

    /// The writer's running total saves the full-table sum while the budget is far
    /// from full, but near the limit (or once stale, or after a failed batch) the
    /// database is asked again, so a 507 is decided on exact figures.
    #[tokio::test]
    async fn the_running_total_is_trusted_only_far_from_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        // Each scan takes 3 + 100 bytes. A tenth of 1030 is 103: one scan's worth.
        let budget = Budget {
            bytes: 1_030,
            retention_days: 0,
        };
        let scans: Vec<NewScan> = (0..10).map(|i| scan(&format!("00{i:02}"), "a")).collect();
        let (results, usage) = store
            .call(move |c| {
                let mut usage = UsageCache::default();
                let mut results = Vec::new();
                for s in scans {
                    results.extend(commit_batch(c, budget, &[s], &mut usage));
                }
                Ok((results, usage))
            })
            .await
            .unwrap();
        // Ten scans of 103 bytes fill 1,030 exactly: all fit, none over.
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        let (used, _) = usage.known.unwrap();
        assert_eq!(used, 1_030);
        assert_eq!(usage.trusted(0, budget.bytes), None, "at the limit: ask");
        let far = UsageCache {
            known: Some((100, std::time::Instant::now())),
        };
        assert_eq!(far.trusted(103, budget.bytes), Some(100));
        assert_eq!(far.trusted(900, budget.bytes), None, "within a tenth: ask");
        let stale = UsageCache {
            known: Some((100, std::time::Instant::now() - 2 * USAGE_FRESH_FOR)),
        };
        assert_eq!(stale.trusted(103, budget.bytes), None);
    }
}
