//! Footprint scans: the `scans` rows, their outbox items, and the group-committing
//! writer that `PUT /image` goes through.
//!
//! # Why a writer task
//! With `synchronous=FULL` every commit waits for the disk (an SD card on the Pi, about
//! 8 ms here), and so does every picture file. One transaction per request would cap
//! the kiosk at a hundred-odd scans per second however fast the rest is. The
//! [`ScanWriter`] takes whatever scans are waiting when the previous commit finishes
//! and commits them together (group commit): each caller still gets its answer only
//! after *its* row, its picture's directory entry and its outbox items are on disk,
//! but a burst shares the flushes.
//!
//! # Order of durability (store-and-forward rule 1)
//! 1. The caller writes the picture file and `fdatasync`s it ([`write_picture`]).
//! 2. The writer `fsync`s the directories of the batch's pictures (their entries).
//! 3. It inserts the rows and outbox items and commits (WAL, `synchronous=FULL`).
//!
//! A crash before 3 leaves at most a picture file without a row (harmless, never
//! referenced); a crash after 3 loses nothing. If a batch fails as a whole, each scan
//! is retried in its own transaction so that one bad row cannot fail the others.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use super::{Store, StoreError};
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
    /// Relative to the data dir.
    pub image_file: String,
    pub image_mime: String,
    pub image_bytes: u64,
    pub image_key: String,
    pub record_key: String,
    /// Size of the record document, for the storage budget (an estimate).
    pub record_bytes: u64,
    pub url: String,
}

/// Outbox ids of a stored scan: picture, then record.
pub type OutboxIds = [i64; 2];

/// Inserts the row and its two outbox items inside `tx`.
pub fn insert(tx: &Transaction<'_>, scan: &NewScan) -> Result<OutboxIds, StoreError> {
    tx.prepare_cached(
        "INSERT INTO scans (scan_id, user_id, created_at, source, wire_format, rows, cols,
            pitch_mm, raw_cells, load_cell, weight_kg, weight_source, arch_type, metrics_json,
            image_file, image_mime, image_bytes, image_key, url, kind)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
            ?18, ?19, ?20)",
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
        scan.image_file,
        scan.image_mime,
        scan.image_bytes as i64,
        scan.image_key,
        scan.url,
        scan.kind,
    ])?;
    let image = outbox::enqueue(
        tx,
        &NewItem {
            kind: ItemKind::ScanImage,
            ref_id: &scan.scan_id,
            s3_key: &scan.image_key,
            local_file: Some(&scan.image_file),
            content_type: &scan.image_mime,
            bytes: scan.image_bytes,
        },
        &scan.created_at,
    )?;
    let record = outbox::enqueue(
        tx,
        &NewItem {
            kind: ItemKind::ScanRecord,
            ref_id: &scan.scan_id,
            s3_key: &scan.record_key,
            local_file: None,
            content_type: "application/json",
            bytes: scan.record_bytes,
        },
        &scan.created_at,
    )?;
    Ok([image, record])
}

/// Writes `bytes` to `data_dir/relative` (creating directories) and flushes the data
/// to disk. The directory entry is flushed by the [`ScanWriter`] before the commit.
/// Blocking.
pub fn write_picture(data_dir: &Path, relative: &str, bytes: &[u8]) -> Result<(), StoreError> {
    let path = data_dir.join(relative);
    if let Some(dir) = path.parent() {
        if !dir.is_dir() {
            std::fs::create_dir_all(dir)?;
            // A new directory's own entry must be durable too (rare: once a month).
            let mut d = dir;
            while let Some(parent) = d.parent() {
                sync_dir(parent)?;
                if parent == data_dir || !parent.starts_with(data_dir) {
                    break;
                }
                d = parent;
            }
        }
    }
    // Under a temporary name first: a write cut short (full disk, crash) never
    // leaves a partial picture under the name a row points to; the start-up sweep
    // (`store::disk::sweep`) removes `.tmp` leftovers.
    let mut tmp = path.clone().into_os_string();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_data()?;
        std::fs::rename(&tmp, &path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e.into());
    }
    Ok(())
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
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
    pub fn spawn(store: Store, data_dir: PathBuf, budget: Budget) -> ScanWriter {
        let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
        tokio::spawn(run(store, data_dir, budget, rx));
        ScanWriter { tx }
    }

    /// Stores `scan` (its picture already written with [`write_picture`]); returns
    /// once it is committed.
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

async fn run(store: Store, data_dir: PathBuf, budget: Budget, mut rx: mpsc::Receiver<Job>) {
    let mut usage = UsageCache::default();
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let scans: Vec<NewScan> = jobs.iter().map(|j| j.scan.clone()).collect();
        let dir = data_dir.clone();
        let mut cache = usage;
        let (results, cache) = store
            .call(move |conn| {
                let results = commit_batch(conn, &dir, budget, &scans, &mut cache);
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
    }
}

/// Commits `scans` in one transaction, or one by one when that fails. Scans that do
/// not fit in the budget get [`WriteError::Budget`] and are not stored.
fn commit_batch(
    conn: &mut Connection,
    data_dir: &Path,
    budget: Budget,
    scans: &[NewScan],
    usage: &mut UsageCache,
) -> Vec<Result<OutboxIds, WriteError>> {
    let failed = |e: &dyn std::fmt::Display| WriteError::Failed(e.to_string());
    let dirs: BTreeSet<PathBuf> = scans
        .iter()
        .filter_map(|s| data_dir.join(&s.image_file).parent().map(Path::to_path_buf))
        .collect();
    for dir in &dirs {
        if let Err(e) = sync_dir(dir) {
            return vec![Err(failed(&format!("fsync {}: {e}", dir.display()))); scans.len()];
        }
    }
    let (fits, used_after) = match admit(conn, data_dir, budget, scans, usage) {
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
            .map(|s| insert(&tx, s))
            .collect::<Result<Vec<_>, _>>()?;
        tx.commit()?;
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
    conn: &Connection,
    data_dir: &Path,
    budget: Budget,
    scans: &[NewScan],
    cache: &mut UsageCache,
) -> Result<(Vec<Option<String>>, u64), StoreError> {
    use crate::store::budget;
    let incoming: u64 = scans.iter().map(|s| s.image_bytes + s.record_bytes).sum();
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
            data_dir,
            budget.retention_days,
            &budget::cutoff(budget.retention_days),
        )?;
        used = budget::usage(conn)?.total();
        cache.known = Some((used, std::time::Instant::now()));
    }
    let fits = scans
        .iter()
        .map(|s| {
            let size = s.image_bytes + s.record_bytes;
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

/// The local picture of a scan: (file relative to the data dir, mime, pruned).
pub fn image_file(
    conn: &Connection,
    scan_id: &str,
) -> Result<Option<(String, String, bool)>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT image_file, image_mime, pruned_at IS NOT NULL FROM scans WHERE scan_id = ?1",
        )?
        .query_row([scan_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?)
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

    /// [`image_file`].
    pub async fn scan_image_file(
        &self,
        scan_id: String,
    ) -> Result<Option<(String, String, bool)>, StoreError> {
        self.call(move |c| image_file(c, &scan_id)).await
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
            image_file: format!("images/2026-01/{id}.png"),
            image_mime: "image/png".into(),
            image_bytes: 3,
            image_key: format!("k/footprints/{user}/{id}.png"),
            record_key: format!("k/records/scan/{id}.json"),
            record_bytes: 100,
            url: format!("local:k/footprints/{user}/{id}.png"),
        }
    }

    /// `scan(id, user)`, with its 3-byte picture written under `dir` as the writer
    /// expects before it commits.
    fn scan_on_disk(dir: &Path, id: &str, user: &str) -> NewScan {
        let s = scan(id, user);
        write_picture(dir, &s.image_file, b"png").unwrap();
        s
    }

    #[tokio::test]
    async fn concurrent_scans_are_committed_with_their_outbox_items_and_listed_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let writer = ScanWriter::spawn(store.clone(), dir.path().to_path_buf(), BIG);
        let mut tasks = Vec::new();
        for i in 0..20 {
            let s = scan_on_disk(
                dir.path(),
                &format!("01{i:02}"),
                if i % 2 == 0 { "a" } else { "b" },
            );
            let w = writer.clone();
            tasks.push(tokio::spawn(async move { w.insert(s).await }));
        }
        for t in tasks {
            let ids = t.await.unwrap().unwrap();
            assert_ne!(ids[0], ids[1]);
        }
        let (listed, outbox) = store
            .call(|c| {
                let listed = list(c, Some("a"), Some("0110"), 3)?;
                let n: i64 = c.query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?;
                Ok((listed, n))
            })
            .await
            .unwrap();
        assert_eq!(outbox, 40);
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
        let (a, b) = (
            scan_on_disk(dir.path(), "0001", "a"),
            scan_on_disk(dir.path(), "0002", "a"),
        );
        let data_dir = dir.path().to_path_buf();
        let results = store
            .call(move |c| {
                let mut usage = UsageCache::default();
                Ok(commit_batch(
                    c,
                    &data_dir,
                    BIG,
                    &[a.clone(), a, b],
                    &mut usage,
                ))
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
        let scans: Vec<NewScan> = (0..3)
            .map(|i| scan_on_disk(dir.path(), &format!("000{i}"), "a"))
            .collect();
        let data_dir = dir.path().to_path_buf();
        let results = store
            .call(move |c| {
                let mut usage = UsageCache::default();
                Ok(commit_batch(c, &data_dir, budget, &scans, &mut usage))
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
        let scans: Vec<NewScan> = (0..10)
            .map(|i| scan_on_disk(dir.path(), &format!("00{i:02}"), "a"))
            .collect();
        let data_dir = dir.path().to_path_buf();
        let (results, usage) = store
            .call(move |c| {
                let mut usage = UsageCache::default();
                let mut results = Vec::new();
                for s in scans {
                    results.extend(commit_batch(c, &data_dir, budget, &[s], &mut usage));
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
