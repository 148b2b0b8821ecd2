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
//! `health_records.image_bytes`) plus the JSON records still queued (outbox items
//! without a local file). The sums come from the database, not from walking the disk:
//! one indexed query, cheap enough for every request.

use std::path::Path;

use rusqlite::{params, Connection};

use crate::config::Config;
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
        "SELECT COALESCE(SUM(bytes), 0) FROM outbox WHERE done_at IS NULL AND local_file IS NULL",
        [],
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
    let data_dir = config.storage.data_dir.clone();
    let used = store
        .call(move |conn| {
            let mut used = usage(conn)?.total();
            if used.saturating_add(incoming_bytes) > budget && retention_days > 0 {
                prune_uploaded(conn, &data_dir, retention_days, &cutoff(retention_days))?;
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

/// Deletes local pictures uploaded before `cutoff` and marks them `pruned_at`. Returns
/// how many were pruned. A picture whose upload is still queued is never touched, even
/// if its row claims otherwise.
///
/// The file goes first, the mark second: a crash in between leaves a row pointing at a
/// missing file that is already in S3, and the next run marks it.
pub fn prune_uploaded(
    conn: &Connection,
    data_dir: &Path,
    retention_days: u32,
    cutoff: &str,
) -> Result<usize, StoreError> {
    if retention_days == 0 {
        return Ok(0);
    }
    let mut pruned = 0;
    for table in ["scans", "health_records"] {
        let id_col = if table == "scans" {
            "scan_id"
        } else {
            "record_id"
        };
        let candidates: Vec<(String, String)> = {
            let mut stmt = conn.prepare(&format!(
                "SELECT t.{id_col}, t.image_file FROM {table} t
                 WHERE t.uploaded_at IS NOT NULL AND t.pruned_at IS NULL AND t.uploaded_at < ?1
                   AND NOT EXISTS (SELECT 1 FROM outbox o
                                   WHERE o.local_file = t.image_file AND o.done_at IS NULL)"
            ))?;
            let rows = stmt.query_map([cutoff], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        for (id, file) in candidates {
            match std::fs::remove_file(data_dir.join(&file)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
            conn.execute(
                &format!("UPDATE {table} SET pruned_at = ?1 WHERE {id_col} = ?2"),
                params![crate::store::now_rfc3339(), id],
            )?;
            pruned += 1;
        }
    }
    if pruned > 0 {
        tracing::info!(pruned, "pruned uploaded pictures past the retention period");
    }
    Ok(pruned)
}

impl Store {
    /// [`prune_uploaded`] with the cutoff of `retention_days` from now.
    pub async fn prune_uploaded(
        &self,
        data_dir: std::path::PathBuf,
        retention_days: u32,
    ) -> Result<usize, StoreError> {
        let cutoff = cutoff(retention_days);
        self.call(move |conn| prune_uploaded(conn, &data_dir, retention_days, &cutoff))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn insert_scan(store: &Store, dir: &Path, scan_id: &str, bytes: usize) {
        crate::store::testing::insert_scan(store, dir, scan_id, &vec![7u8; bytes], false);
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
        insert_scan(&store, dir.path(), "s1", 600_000);
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
        insert_scan(&store, dir.path(), "s1", 900_000);
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
        assert!(dir.path().join("images/s1.png").exists());
    }

    #[tokio::test]
    async fn uploaded_pictures_past_retention_are_pruned_to_make_room() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        insert_scan(&store, dir.path(), "old", 900_000);
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
        assert!(dir.path().join("images/old.png").exists());
        // With retention it is pruned and the capture fits.
        let prune = config(dir.path(), 1_048_576, 30);
        ensure_room(&store, &prune, 500_000).await.unwrap();
        assert!(!dir.path().join("images/old.png").exists());
        let pruned: Option<String> = store
            .call_blocking(|c| Ok(c.query_row("SELECT pruned_at FROM scans", [], |r| r.get(0))?))
            .unwrap();
        assert!(pruned.is_some());
    }

    #[tokio::test]
    async fn recent_uploads_are_kept_within_retention() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        insert_scan(&store, dir.path(), "new", 900_000);
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
        assert!(dir.path().join("images/new.png").exists());
    }
}
