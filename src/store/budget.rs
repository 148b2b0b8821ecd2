//! The local storage budget (store-and-forward rule 4).
//!
//! `storage.budget_bytes` bounds what pictures and queued uploads may take on the SD
//! card. Handlers that store something new call [`ensure_room`] first; when the budget
//! is used up they answer 507 (`api::error` maps [`BudgetError`] to
//! `ApiError::insufficient_storage`) and the kiosk tells the user why.
//!
//! Nothing queued is ever deleted to make room. The only thing that may go is a local
//! picture that S3 has already confirmed (`uploaded_at` set) and that is older than
//! `storage.retention_days` ([`prune_uploaded`]); with `retention_days = 0` nothing is
//! ever pruned.
//!
//! What counts: every local picture not yet pruned (`scans.image_bytes`,
//! `health_records.image_bytes`: the length of its BLOB, written in the same
//! transaction) plus the JSON documents still queued (outbox items that are not
//! pictures). The sums come from the rows, not from the pictures' pages: `scans` and
//! `health_records` stay small (the BLOBs live in tables of their own, see
//! `store::schema`), so the sum is cheap enough for every request. The database
//! file's own overhead (indexes, free pages) is left out, as the file system's was
//! when pictures were files.
//!
//! Pruning deletes the picture's row and marks its row `pruned_at` in one
//! transaction, then gives the freed pages back to the file system
//! (`PRAGMA incremental_vacuum`; every database is `auto_vacuum = INCREMENTAL`).

use rusqlite::{params, Connection, TransactionBehavior};

use crate::config::Config;
use crate::store::outbox::ItemKind;
use crate::store::{Store, StoreError};

/// Storage budget errors.
#[derive(Debug, thiserror::Error)]
pub enum BudgetError {
    #[error(transparent)]
    Exceeded(#[from] BudgetExceeded),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The budget cannot take `incoming` more bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "local storage budget exhausted: {used} of {budget} bytes are used by pictures and \
     queued uploads, {incoming} more do not fit; nothing queued is deleted to make room \
     (check the S3 upload on /sync, or raise storage.budget_bytes)"
)]
pub struct BudgetExceeded {
    pub used: u64,
    pub incoming: u64,
    pub budget: u64,
}

/// What the budget covers right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Usage {
    /// Local pictures not pruned.
    pub pictures_bytes: u64,
    /// Queued records built from rows (their pictures are counted above).
    pub queued_records_bytes: u64,
}

impl Usage {
    pub fn total(&self) -> u64 {
        self.pictures_bytes
            .saturating_add(self.queued_records_bytes)
    }
}

/// Sums what the budget covers (blocking; runs on the store's thread).
pub fn usage(conn: &Connection) -> Result<Usage, StoreError> {
    let pictures: i64 = conn.query_row(
        "SELECT (SELECT COALESCE(SUM(image_bytes), 0) FROM scans WHERE pruned_at IS NULL)
              + (SELECT COALESCE(SUM(image_bytes), 0) FROM health_records WHERE pruned_at IS NULL)",
        [],
        |r| r.get(0),
    )?;
    let records: i64 = conn.query_row(
        "SELECT COALESCE(SUM(bytes), 0) FROM outbox
         WHERE done_at IS NULL AND kind NOT IN (?1, ?2)",
        params![ItemKind::ScanImage.as_str(), ItemKind::HealthImage.as_str()],
        |r| r.get(0),
    )?;
    Ok(Usage {
        pictures_bytes: pictures.max(0) as u64,
        queued_records_bytes: records.max(0) as u64,
    })
}

/// Succeeds when `incoming_bytes` more fit in `storage.budget_bytes`. When they do not
/// and a retention period is set, uploaded pictures past it are pruned first.
pub async fn ensure_room(
    store: &Store,
    config: &Config,
    incoming_bytes: u64,
) -> Result<(), BudgetError> {
    let budget = config.storage.budget_bytes;
    let retention_days = config.storage.retention_days;
    let used = store
        .call(move |conn| {
            let mut used = usage(conn)?.total();
            if used.saturating_add(incoming_bytes) > budget && retention_days > 0 {
                prune_uploaded(conn, retention_days, &cutoff(retention_days))?;
                used = usage(conn)?.total();
            }
            Ok(used)
        })
        .await?;
    if used.saturating_add(incoming_bytes) > budget {
        return Err(BudgetExceeded {
            used,
            incoming: incoming_bytes,
            budget,
        }
        .into());
    }
    Ok(())
}

/// The `uploaded_at` before which pictures may be pruned, as RFC 3339 (comparable as
/// text with the `*_at` columns, which all use the same UTC format).
pub fn cutoff(retention_days: u32) -> String {
    let then = time::OffsetDateTime::now_utc() - time::Duration::days(i64::from(retention_days));
    then.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Deletes the local pictures uploaded before `cutoff` and marks their rows
/// `pruned_at`, in one transaction; then frees their pages. Returns how many were
/// pruned. A picture whose upload is still queued is never touched, even if its row
/// claims otherwise.
pub fn prune_uploaded(
    conn: &mut Connection,
    retention_days: u32,
    cutoff: &str,
) -> Result<usize, StoreError> {
    if retention_days == 0 {
        return Ok(0);
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut pruned = 0;
    for (table, id_col, pictures, kind) in [
        ("scans", "scan_id", "scan_pictures", ItemKind::ScanImage),
        (
            "health_records",
            "record_id",
            "health_pictures",
            ItemKind::HealthImage,
        ),
    ] {
        let now = crate::store::now_rfc3339();
        tx.execute(
            &format!(
                "DELETE FROM {pictures} WHERE {id_col} IN (
                     SELECT t.{id_col} FROM {table} t
                     WHERE t.uploaded_at IS NOT NULL AND t.pruned_at IS NULL AND t.uploaded_at < ?1
                       AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.kind = ?2
                                       AND o.ref_id = t.{id_col} AND o.done_at IS NULL))"
            ),
            params![cutoff, kind.as_str()],
        )?;
        pruned += tx.execute(
            &format!(
                "UPDATE {table} SET pruned_at = ?3
                 WHERE uploaded_at IS NOT NULL AND pruned_at IS NULL AND uploaded_at < ?1
                   AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.kind = ?2
                                   AND o.ref_id = {table}.{id_col} AND o.done_at IS NULL)"
            ),
            params![cutoff, kind.as_str(), now],
        )?;
    }
    tx.commit()?;
    if pruned > 0 {
        tracing::info!(pruned, "pruned uploaded pictures past the retention period");
        // The pruning is durable already; a vacuum that fails leaves the pages on the
        // free list, where new pictures reuse them, so it is not the caller's error.
        if let Err(error) = incremental_vacuum(conn) {
            tracing::warn!(%error, "incremental vacuum after pruning failed");
        }
    }
    Ok(pruned)
}

/// Hands the free list's pages back to the file system, in a write transaction of its
/// own (`IMMEDIATE`, like every write).
fn incremental_vacuum(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    {
        // Stepped to the end: one step may free a single page.
        let mut vacuum = tx.prepare("PRAGMA incremental_vacuum")?;
        let mut steps = vacuum.query([])?;
        while steps.next()?.is_some() {}
    }
    tx.commit()?;
    Ok(())
}

impl Store {
    /// [`prune_uploaded`] with the cutoff of `retention_days` from now.
    pub async fn prune_uploaded(&self, retention_days: u32) -> Result<usize, StoreError> {
        let cutoff = cutoff(retention_days);
        self.call(move |conn| prune_uploaded(conn, retention_days, &cutoff))
            .await
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn insert_scan(store: &Store, scan_id: &str, bytes: usize) {
        crate::store::testing::insert_scan(store, scan_id, &vec![7u8; bytes], false);
    }

    fn has_picture(store: &Store, scan_id: &str) -> bool {
        let id = scan_id.to_string();
        store
            .call_blocking(move |c| {
                Ok(c.query_row(
                    "SELECT count(*) FROM scan_pictures WHERE scan_id = ?1",
                    [id],
                    |r| r.get::<_, i64>(0),
                )? == 1)
            })
            .unwrap()
    }

    fn pages(store: &Store) -> (i64, i64) {
        store
            .call_blocking(|c| {
                let count = c.query_row("PRAGMA page_count", [], |r| r.get(0))?;
                let free = c.query_row("PRAGMA freelist_count", [], |r| r.get(0))?;
                Ok((count, free))
            })
            .unwrap()
    }

    fn config(dir: &Path, budget: u64, retention_days: u32) -> Config {
        let mut c = Config::default();
        c.storage.data_dir = dir.to_path_buf();
        c.storage.budget_bytes = budget;
        c.storage.retention_days = retention_days;
        c
    }

    #[tokio::test]
    async fn a_capture_that_fits_is_allowed_and_one_that_does_not_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        insert_scan(&store, "s1", 600_000);
        let c = config(dir.path(), 1_048_576, 0);
        ensure_room(&store, &c, 400_000).await.unwrap();
        let err = ensure_room(&store, &c, 500_000).await.unwrap_err();
        match err {
            BudgetError::Exceeded(e) => {
                assert_eq!(e.used, 600_000);
                assert_eq!(e.budget, 1_048_576);
            }
            other => panic!("expected Exceeded, got {other}"),
        }
    }

    #[tokio::test]
    async fn nothing_queued_is_pruned_even_past_retention() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        insert_scan(&store, "s1", 900_000);
        // The row claims an old upload, but its outbox item is still pending.
        store
            .call_blocking(|c| {
                c.execute(
                    "UPDATE scans SET uploaded_at = '2000-01-01T00:00:00.000Z'",
                    [],
                )?;
                Ok(())
            })
            .unwrap();
        let c = config(dir.path(), 1_048_576, 1);
        assert!(ensure_room(&store, &c, 500_000).await.is_err());
        assert!(has_picture(&store, "s1"));
    }

    #[tokio::test]
    async fn uploaded_pictures_past_retention_are_pruned_to_make_room() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        insert_scan(&store, "old", 900_000);
        store
            .call_blocking(|c| {
                c.execute(
                    "UPDATE scans SET uploaded_at = '2000-01-01T00:00:00.000Z'",
                    [],
                )?;
                c.execute("UPDATE outbox SET done_at = '2000-01-01T00:00:00.000Z'", [])?;
                Ok(())
            })
            .unwrap();
        // Without retention the uploaded picture stays and the capture is refused.
        let keep = config(dir.path(), 1_048_576, 0);
        assert!(ensure_room(&store, &keep, 500_000).await.is_err());
        assert!(has_picture(&store, "old"));
        let (pages_before, _) = pages(&store);
        // With retention it is pruned and the capture fits.
        let prune = config(dir.path(), 1_048_576, 30);
        ensure_room(&store, &prune, 500_000).await.unwrap();
        assert!(!has_picture(&store, "old"));
        // Its pages went back to the file system (incremental vacuum), not only to
        // the free list.
        let (pages_after, free) = pages(&store);
        assert_eq!(free, 0);
        assert!(
            pages_after < pages_before - 200,
            "{pages_before} -> {pages_after} pages"
        );
        let pruned: Option<String> = store
            .call_blocking(|c| Ok(c.query_row("SELECT pruned_at FROM scans", [], |r| r.get(0))?))
            .unwrap();
        assert!(pruned.is_some());
    }

    #[tokio::test]
    async fn recent_uploads_are_kept_within_retention() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        insert_scan(&store, "new", 900_000);
        let now = crate::store::now_rfc3339();
        store
            .call_blocking(move |c| {
                c.execute("UPDATE scans SET uploaded_at = ?1", [&now])?;
                c.execute("UPDATE outbox SET done_at = ?1", [&now])?;
                Ok(())
            })
            .unwrap();
        let c = config(dir.path(), 1_048_576, 30);
        assert!(ensure_room(&store, &c, 500_000).await.is_err());
        assert!(has_picture(&store, "new"));
    }
}
