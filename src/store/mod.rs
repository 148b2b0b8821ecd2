//! The store: every SQL statement and every durable byte of this service.
//!
//! # Durability rules, and what proves each
//! 1. **An answer follows its commit, and a group shares one flush.** WAL journal with
//!    `synchronous=FULL`: a transaction that returned is on disk, so the API may answer
//!    200 after it (store-and-forward rule 1). A picture is a BLOB inserted in the same
//!    transaction as its row and outbox items (schema version 3: `scan_pictures`,
//!    `health_pictures`), so the commit of a group ([`scans::ScanWriter`]) is the one
//!    flush that makes every answer of the group durable; no picture file, no
//!    `fdatasync` or directory `fsync` of its own. Proved by `tests/image.rs`
//!    (`sigkill_at_every_step_of_a_group_commit_loses_no_answered_scan`: the real
//!    binary SIGKILLs itself after a row, after the whole group, after the commit and
//!    after the answers ([`failpoint`]); every answered scan is served with its
//!    picture, `PRAGMA integrity_check` ok; and
//!    `sigkill_during_image_requests_loses_no_answered_scan_...`: SIGKILL mid-burst)
//!    and `tests/sync.rs` (`the_binary_killed_at_random_moments_loses_no_scan_...`).
//! 2. **A row, its picture and its uploads commit together.** Outbox items are written
//!    inside the transaction of the row they upload ([`outbox::enqueue`] takes the
//!    caller's transaction); the uploader reads the picture from its BLOB
//!    ([`queue::picture`]). Proved by `outbox::tests`, `scans::tests` and the crash
//!    tests above.
//! 3. **Nothing half-stored.** A write cut short is a rolled-back transaction: nothing
//!    of it remains. A client that hangs up cannot separate a picture from its row (the
//!    API stores in a task of its own), and a foreign key ties every picture to its
//!    row. Files left by version 2 are moved in at open, each deleted only after its
//!    BLOB committed; a crash in between is resumed at the next open, and what a crash
//!    left on disk is removed by the start-up sweep ([`disk`]). Proved by
//!    `tests/hardening.rs` (`hung_up_requests_and_crashes_leave_no_picture_without_a_row`,
//!    `a_full_disk_is_a_507_leaves_nothing_half_written_and_heals_itself`: a 6 MB
//!    tmpfs) and `disk::tests` (a version-2 database with picture files opened, and a
//!    move cut short by a crash and an unreadable file, resumed).
//! 4. **Nothing queued is dropped to make room.** The budget ([`budget`]) refuses new
//!    records instead (507); only pictures S3 confirmed and past `retention_days` are
//!    pruned (their BLOB rows deleted, the pages given back by `PRAGMA
//!    incremental_vacuum`). Proved by `budget::tests`, `scans::tests` and
//!    `tests/image.rs` (`the_storage_budget_refuses_new_scans_with_507_...`),
//!    `tests/hardening.rs` (`concurrent_sheets_cannot_overrun_the_storage_budget_...`).
//! 5. **An upload is done only once S3 confirmed it.** [`queue::settle`] marks an item
//!    done only for an ack, which the worker builds after a successful PUT. Proved by
//!    `sync::tests` (a PUT whose answer is lost is repeated with the same bytes) and
//!    `tests/sync.rs`.
//!
//! # What it owns
//! - The database file `{data_dir}/carenco.db` and its schema ([`schema`]), with every
//!   picture in it.
//! - Scans and their group-committing writer ([`scans`]), health records ([`health`]),
//!   the calibration history ([`calibration`]), the outbox ([`outbox`]: enqueue,
//!   heartbeats) and the upload queue ([`queue`]: claim due, settle, pictures and
//!   documents, status), the storage budget and retention ([`budget`]), the picture
//!   files of older versions and the disk ([`disk`]), the crash points of the tests
//!   ([`failpoint`], debug builds only).
//! - Callers get typed rows and typed errors ([`StoreError`] and each module's own)
//!   through async methods on [`Store`] (each module adds its own `impl Store`): no
//!   `rusqlite`, SQL text or connection outside this module. [`Store::call`] and
//!   [`Store::call_blocking`] stay public for tests that inspect the file.
//!
//! # Invariants
//! - Every write is an `IMMEDIATE` transaction: a deferred one that upgrades to a write
//!   gets `SQLITE_BUSY` at once, ignoring `busy_timeout`.
//! - Blocking SQLite work never runs on the async runtime: [`Store::call`] moves it to
//!   tokio's blocking pool. The connection sits behind a mutex, so writes are serial;
//!   on a Pi with one writer that is both simplest and fastest.
//! - The schema version lives in `PRAGMA user_version`. A database written by a newer
//!   version of this program is refused ([`StoreError::TooNew`]) rather than opened:
//!   an older binary must never "repair" a newer schema.
//! - Every database is `auto_vacuum = INCREMENTAL` ([`schema::migrate`]), so space a
//!   pruned picture took can go back to the file system.

pub mod budget;
pub mod calibration;
pub mod disk;
pub mod failpoint;
pub mod health;
pub mod outbox;
pub mod queue;
pub mod scans;
pub mod schema;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

/// File name of the database inside the data directory.
pub const DB_FILE_NAME: &str = "carenco.db";
/// How long a statement waits for a lock held by another connection.
pub const BUSY_TIMEOUT_MS: u64 = 5_000;
/// WAL size kept after checkpoints (bytes): the WAL must not grow without bound.
pub const JOURNAL_SIZE_LIMIT_BYTES: i64 = 16 * 1024 * 1024;

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "database {path} has schema version {found}, but this carenco-edge knows only up to \
         {supported}: it was written by a newer version. Install that version again or move \
         the file away; it was not modified"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("database task failed: {0}")]
    Join(String),
    #[error("database mutex poisoned by an earlier panic")]
    Poisoned,
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("stored calibration: {0}")]
    Calibration(#[from] crate::footprint::calibration::CalibrationError),
}

impl StoreError {
    /// An SQLite error that means the disk is full (`SQLITE_FULL`, which is what a
    /// full disk gives under WAL).
    pub fn is_sqlite_full(&self) -> bool {
        matches!(
            self,
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DiskFull
        )
    }
}

/// Handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.path)
            .finish()
    }
}

impl Store {
    /// Opens (creating if needed) the database in `data_dir`, migrates it and moves in
    /// the picture files a version-2 database left ([`disk::move_picture_files`]).
    ///
    /// Blocking: call before the runtime serves requests, or via `spawn_blocking`.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        Self::open_with_progress(data_dir, &mut |_| {})
    }

    /// [`Store::open`], calling `progress` with the running total after each batch of
    /// picture files moved in (the service tells systemd it is still starting).
    pub fn open_with_progress(
        data_dir: &Path,
        progress: &mut dyn FnMut(disk::Moved),
    ) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let path = data_dir.join(DB_FILE_NAME);
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        let store = Self::from_connection(conn, path)?;
        // Pictures a version-2 database kept in files (nothing once they are in).
        store.call_blocking(|conn| disk::move_picture_files(conn, data_dir, progress))?;
        Ok(store)
    }

    fn from_connection(mut conn: Connection, path: PathBuf) -> Result<Store, StoreError> {
        conn.busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS))?;
        // Check the version before touching anything: a newer schema stays untouched.
        let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let supported = schema::MIGRATIONS.len() as i64;
        if found > supported {
            return Err(StoreError::TooNew {
                path,
                found,
                supported,
            });
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "journal_size_limit", JOURNAL_SIZE_LIMIT_BYTES)?;
        schema::migrate(&mut conn)?;
        Ok(Store {
            inner: Arc::new(Inner {
                path,
                conn: Mutex::new(conn),
            }),
        })
    }

    /// A second connection to the same database, with its own mutex: for a task whose
    /// reads must not queue behind the writes on this one (WAL lets a reader run
    /// alongside a writer). Blocking, like [`Store::open`].
    pub fn another_connection(&self) -> Result<Store, StoreError> {
        let conn = Connection::open_with_flags(
            &self.inner.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        Self::from_connection(conn, self.inner.path.clone())
    }

    /// Path of the database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` with the connection on tokio's blocking pool.
    pub async fn call<F, R>(&self, f: F) -> Result<R, StoreError>
    where
        F: FnOnce(&mut Connection) -> Result<R, StoreError> + Send + 'static,
        R: Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = inner.conn.lock().map_err(|_| StoreError::Poisoned)?;
            f(&mut conn)
        })
        .await
        .map_err(|e| StoreError::Join(e.to_string()))?
    }

    /// Runs `f` inside one `IMMEDIATE` transaction on the blocking pool; commits when
    /// `f` returns `Ok`, rolls back otherwise.
    pub async fn write<F, R>(&self, f: F) -> Result<R, StoreError>
    where
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<R, StoreError> + Send + 'static,
        R: Send + 'static,
    {
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
        .await
    }

    /// Synchronous variant of [`Store::call`] for code already on a blocking thread
    /// (CLI commands, the crash-safe writers in tests).
    pub fn call_blocking<F, R>(&self, f: F) -> Result<R, StoreError>
    where
        F: FnOnce(&mut Connection) -> Result<R, StoreError>,
    {
        let mut conn = self.inner.conn.lock().map_err(|_| StoreError::Poisoned)?;
        f(&mut conn)
    }

    /// Readiness probe: proves the database can still be written (a write transaction
    /// is opened and rolled back) and reports the schema version.
    pub async fn probe(&self) -> Result<DbStatus, StoreError> {
        self.call(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            let scans: i64 = tx.query_row("SELECT count(*) FROM scans", [], |r| r.get(0))?;
            let records: i64 =
                tx.query_row("SELECT count(*) FROM health_records", [], |r| r.get(0))?;
            tx.rollback()?;
            Ok(DbStatus {
                schema_version: version,
                scans,
                health_records: records,
            })
        })
        .await
    }

    /// Runs `PRAGMA integrity_check`; `Ok(())` when the answer is `ok`.
    pub async fn integrity_check(&self) -> Result<Result<(), String>, StoreError> {
        self.call(|conn| {
            let answer: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
            Ok(if answer == "ok" { Ok(()) } else { Err(answer) })
        })
        .await
    }

    /// Outbox items not yet confirmed by S3 (the queue depth shown to systemd and on
    /// the LED). A plain read: it never waits for the write lock.
    pub async fn outbox_pending(&self) -> Result<i64, StoreError> {
        self.call(|conn| {
            Ok(conn.query_row(
                "SELECT count(*) FROM outbox WHERE done_at IS NULL",
                [],
                |r| r.get(0),
            )?)
        })
        .await
    }

    /// Checkpoints the WAL back into the database and truncates it (call when idle).
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        self.call(|conn| {
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            Ok(())
        })
        .await
    }
}

/// Now, as RFC 3339 UTC with milliseconds (the format of every `*_at` column).
pub use crate::timestamp::now_rfc3339;

/// What [`Store::probe`] found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DbStatus {
    pub schema_version: i64,
    pub scans: i64,
    pub health_records: i64,
}

/// Rows for the unit tests of the modules that read them (budget, queue, sync).
#[cfg(test)]
pub(crate) mod testing {
    use super::outbox::{self, ItemKind, NewItem};
    use super::Store;

    /// A scan row with its picture and its outbox items, as `PUT /image` stores them:
    /// the picture's, and with `record` the row's JSON document's too. Returns their
    /// outbox ids (the record's is 0 without one).
    pub fn insert_scan(store: &Store, scan_id: &str, picture: &[u8], record: bool) -> [i64; 2] {
        let scan_id = scan_id.to_string();
        let picture = picture.to_vec();
        let bytes = picture.len() as i64;
        store
            .call_blocking(move |conn| {
                let tx = conn.transaction()?;
                tx.execute(
                    "INSERT INTO scans (scan_id, user_id, created_at, source, rows, cols, pitch_mm,
                        raw_cells, metrics_json, image_mime, image_bytes, image_key, url)
                     VALUES (?1, 'u1', '2026-01-01T00:00:00.000Z', 'data', 1, 1, 10.0, x'0000',
                        '{}', 'image/png', ?2, ?3, 'local:x')",
                    rusqlite::params![scan_id, bytes, format!("k/{scan_id}.png")],
                )?;
                tx.execute(
                    "INSERT INTO scan_pictures (scan_id, picture) VALUES (?1, ?2)",
                    rusqlite::params![scan_id, picture],
                )?;
                let mut ids = [0; 2];
                ids[0] = outbox::enqueue(
                    &tx,
                    &NewItem {
                        kind: ItemKind::ScanImage,
                        ref_id: &scan_id,
                        s3_key: &format!("k/{scan_id}.png"),
                        content_type: "image/png",
                        bytes: bytes as u64,
                    },
                    "2026-01-01T00:00:00.000Z",
                )?;
                if record {
                    ids[1] = outbox::enqueue(
                        &tx,
                        &NewItem {
                            kind: ItemKind::ScanRecord,
                            ref_id: &scan_id,
                            s3_key: &format!("k/{scan_id}.json"),
                            content_type: "application/json",
                            bytes: bytes as u64,
                        },
                        "2026-01-01T00:00:00.000Z",
                    )?;
                }
                tx.commit()?;
                Ok(ids)
            })
            .unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_twice_keeps_the_schema_and_the_rows() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store
            .call_blocking(|c| {
                c.execute(
                    "INSERT INTO calibration (created_at, kind, data_json) VALUES ('t', 'tare', '{}')",
                    [],
                )?;
                Ok(())
            })
            .unwrap();
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        let n: i64 = store
            .call_blocking(|c| {
                Ok(c.query_row("SELECT count(*) FROM calibration", [], |r| r.get(0))?)
            })
            .unwrap();
        assert_eq!(n, 1);
        let mode: String = store
            .call_blocking(|c| Ok(c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(mode, "wal");
        // A new file is incremental from the start, so retention can free space.
        let auto_vacuum: i64 = store
            .call_blocking(|c| Ok(c.query_row("PRAGMA auto_vacuum", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(auto_vacuum, 2);
    }

    #[test]
    fn a_database_from_a_newer_version_is_refused_and_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE_NAME);
        {
            let c = Connection::open(&path).unwrap();
            c.pragma_update(None, "user_version", 999).unwrap();
        }
        let before = std::fs::read(&path).unwrap();
        let err = Store::open(dir.path()).unwrap_err();
        assert!(
            matches!(err, StoreError::TooNew { found: 999, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("newer version"));
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }

    #[tokio::test]
    async fn probe_reports_version_and_counts() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let status = store.probe().await.unwrap();
        assert_eq!(status.schema_version, schema::MIGRATIONS.len() as i64);
        assert_eq!(status.scans, 0);
        assert!(store.integrity_check().await.unwrap().is_ok());
    }
}
