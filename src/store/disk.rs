//! The data directory's files beside the database: the pictures older versions kept
//! in files, and whether the disk can take more.
//!
//! Since schema version 3 every picture is a BLOB in the database (`store::scans`,
//! `store::health`); no file is written beside it any more. What is left of files:
//!
//! - [`move_picture_files`] runs at every [`Store::open`] and moves the pictures of a
//!   version-2 database in from their files (listed in `picture_files` by the
//!   migration), [`MOVE_BATCH`] per transaction: read the files, insert their BLOBs,
//!   delete their `picture_files` rows, commit; only then (the commit is durable:
//!   `synchronous=FULL`) delete the files. A crash before a commit leaves the batch
//!   listed and its files in place, so the next open does it again; a crash after it
//!   leaves files that nothing lists, which [`sweep`] removes. Nothing is lost either
//!   way. Batches bound the WAL and the space taken twice (file and BLOB) on the SD card.
//! - [`sweep`] runs once at start-up, before any request: it removes every file in the
//!   picture directories that `picture_files` does not list (`.tmp` files and pictures
//!   of a write an older version had cut short, files already moved in) and the
//!   directories left empty. After it, what is on disk is what the rows count, so the
//!   storage budget is true.
//! - [`DiskHealth`] remembers the last write that failed because the disk was full and
//!   reports it on `/check` as the `storage` component, with the free space; it turns
//!   ok again by itself once there is room or a write succeeds.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use futures::future::BoxFuture;
use rusqlite::{params, Connection, TransactionBehavior};
use serde_json::json;

use super::{Store, StoreError};
use crate::status::{ComponentStatus, StatusComponent};

/// Directories (inside the data dir) where versions before 3 kept pictures.
pub const PICTURE_DIRS: &[&str] = &["images", "inbody"];
/// Below this much free space the disk counts as full on `/check`.
pub const MIN_FREE_BYTES: u64 = 1024 * 1024;
/// Pictures moved in per transaction by [`move_picture_files`].
pub const MOVE_BATCH: usize = 32;

/// What [`move_picture_files`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Moved {
    /// Files now BLOBs (and deleted).
    pub pictures: usize,
    /// Listed files that were not there (nothing to keep; the row stays, its upload
    /// fails as it would have in version 2).
    pub missing: usize,
    /// Files that could not be read: left in place and listed, tried again at the
    /// next open.
    pub unreadable: usize,
}

/// One committed batch of [`move_batch`].
#[derive(Debug, Default)]
pub(crate) struct Batch {
    /// Files whose BLOBs are committed: safe to delete.
    pub files: Vec<PathBuf>,
    /// The last `picture_files.id` looked at; `None` when nothing was left.
    pub last: Option<i64>,
    pub moved: Moved,
}

/// Moves every picture `picture_files` lists into the database, then deletes its file
/// (blocking; [`Store::open`] calls it). `progress` gets the running total after each
/// batch that moved something.
pub fn move_picture_files(
    conn: &mut Connection,
    data_dir: &Path,
    progress: &mut dyn FnMut(Moved),
) -> Result<Moved, StoreError> {
    let mut total = Moved::default();
    let mut after = 0;
    loop {
        let batch = move_batch(conn, data_dir, after, MOVE_BATCH)?;
        for file in &batch.files {
            match std::fs::remove_file(file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                // The BLOB is committed: a file that stays is only space, which the
                // start-up sweep gets back.
                Err(error) => {
                    tracing::warn!(%error, path = %file.display(), "cannot remove a moved picture file")
                }
            }
        }
        total.pictures += batch.moved.pictures;
        total.missing += batch.moved.missing;
        total.unreadable += batch.moved.unreadable;
        if batch.moved != Moved::default() {
            progress(total);
        }
        match batch.last {
            Some(last) => after = last,
            None => break,
        }
    }
    if total != Moved::default() {
        tracing::info!(
            pictures = total.pictures,
            missing = total.missing,
            unreadable = total.unreadable,
            "moved picture files into the database"
        );
    }
    Ok(total)
}

/// One transaction of [`move_picture_files`]: up to `limit` listed files with an id
/// above `after`. The caller deletes [`Batch::files`] once this returned (committed).
pub(crate) fn move_batch(
    conn: &mut Connection,
    data_dir: &Path,
    after: i64,
    limit: usize,
) -> Result<Batch, StoreError> {
    // The usual case, every open of a version-3 database: nothing to move, and no
    // write lock taken from a running service for it.
    let pending: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM picture_files WHERE id > ?1)",
        [after],
        |r| r.get(0),
    )?;
    if !pending {
        return Ok(Batch::default());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let listed: Vec<(i64, String, String, String)> = {
        let mut st = tx.prepare(
            "SELECT id, owner, ref_id, file FROM picture_files WHERE id > ?1 ORDER BY id LIMIT ?2",
        )?;
        let rows = st.query_map(params![after, limit as i64], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        rows.collect::<Result<_, _>>()?
    };
    let mut batch = Batch {
        last: listed.last().map(|l| l.0),
        ..Batch::default()
    };
    for (id, owner, ref_id, file) in listed {
        let insert = match owner.as_str() {
            "scan" => "INSERT OR IGNORE INTO scan_pictures (scan_id, picture) VALUES (?1, ?2)",
            "health" => {
                "INSERT OR IGNORE INTO health_pictures (record_id, picture) VALUES (?1, ?2)"
            }
            _ => {
                tracing::warn!(
                    item = id,
                    owner,
                    "picture file of an unknown owner left listed"
                );
                continue;
            }
        };
        let path = data_dir.join(&file);
        match std::fs::read(&path) {
            Ok(bytes) => {
                tx.execute(insert, params![ref_id, bytes])?;
                batch.moved.pictures += 1;
                batch.files.push(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                tracing::warn!(path = %path.display(), "picture file named by a row is missing");
                batch.moved.missing += 1;
            }
            Err(error) => {
                tracing::warn!(%error, path = %path.display(), "cannot read a picture file; trying again at the next start");
                batch.moved.unreadable += 1;
                continue;
            }
        }
        tx.execute("DELETE FROM picture_files WHERE id = ?1", [id])?;
    }
    tx.commit()?;
    Ok(batch)
}

/// What [`sweep`] removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub tmp_files: usize,
    /// Pictures nothing needs: moved in already, or written before a crash by a
    /// version that kept pictures in files.
    pub leftover_pictures: usize,
}

/// Removes every file in [`PICTURE_DIRS`] that `picture_files` does not list, and the
/// directories left empty (blocking; call before serving).
pub fn sweep(store: &Store, data_dir: &Path) -> Result<Swept, StoreError> {
    let listed: HashSet<PathBuf> = store.call_blocking(|conn| {
        let mut st = conn.prepare("SELECT file FROM picture_files")?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = HashSet::new();
        for r in rows {
            out.insert(PathBuf::from(r?));
        }
        Ok(out)
    })?;
    let mut swept = Swept::default();
    for dir in PICTURE_DIRS {
        let mut stack = vec![data_dir.join(dir)];
        let mut seen = Vec::new();
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            seen.push(dir);
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                let relative = path.strip_prefix(data_dir).unwrap_or(&path);
                let is_tmp = path.extension().is_some_and(|e| e == "tmp");
                if !is_tmp && listed.contains(relative) {
                    // Still to move in (even if it is not a file: it stays for a look).
                    continue;
                }
                if kind.is_dir() {
                    stack.push(path);
                    continue;
                }
                match std::fs::remove_file(&path) {
                    Ok(()) if is_tmp => swept.tmp_files += 1,
                    Ok(()) => swept.leftover_pictures += 1,
                    Err(error) => {
                        tracing::warn!(%error, path = %path.display(), "cannot remove a leftover file")
                    }
                }
            }
        }
        // Deepest first; a directory that still holds something stays.
        for dir in seen.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
    if swept != Swept::default() {
        tracing::warn!(
            tmp_files = swept.tmp_files,
            leftover_pictures = swept.leftover_pictures,
            "removed picture files nothing needs"
        );
    }
    Ok(swept)
}

/// Free bytes for this (unprivileged) process on the file system of `path`.
pub fn free_bytes(path: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut st = std::mem::MaybeUninit::<libc::statvfs>::zeroed();
    // SAFETY: `c` is a valid NUL-terminated path and `st` points to writable memory
    // of the right type; statvfs(3) only writes into it.
    let rc = unsafe { libc::statvfs(c.as_ptr(), st.as_mut_ptr()) };
    if rc != 0 {
        return None;
    }
    // SAFETY: statvfs returned 0, so it filled the struct.
    let st = unsafe { st.assume_init() };
    // The field types differ between targets (u32 on 32-bit ARM).
    #[allow(clippy::unnecessary_cast)]
    Some((st.f_bavail as u64).saturating_mul(st.f_frsize as u64))
}

#[derive(Debug, Clone)]
struct Failure {
    at: String,
    what: String,
    error: String,
    bytes: u64,
}

/// The last write refused for want of space; `/check`'s `storage` component.
#[derive(Debug)]
pub struct DiskHealth {
    data_dir: PathBuf,
    last_failure: Mutex<Option<Failure>>,
}

impl DiskHealth {
    pub fn new(data_dir: PathBuf) -> DiskHealth {
        DiskHealth {
            data_dir,
            last_failure: Mutex::new(None),
        }
    }

    /// A write of `bytes` (`what`: "picture", "database", ...) failed: disk full.
    pub fn record_full(&self, what: &str, bytes: u64, error: &dyn std::fmt::Display) {
        if let Ok(mut f) = self.last_failure.lock() {
            *f = Some(Failure {
                at: super::now_rfc3339(),
                what: what.to_string(),
                error: error.to_string(),
                bytes,
            });
        }
    }

    /// A write succeeded: the disk has room again.
    pub fn record_success(&self) {
        if let Ok(mut f) = self.last_failure.lock() {
            *f = None;
        }
    }

    /// `ok` and the details shown on `/check`.
    pub fn status_now(&self) -> (bool, serde_json::Value) {
        let free = free_bytes(&self.data_dir);
        let failure = self.last_failure.lock().ok().and_then(|f| f.clone());
        let room = |need: u64| free.is_none_or(|f| f >= need.saturating_add(MIN_FREE_BYTES));
        let ok = room(0) && failure.as_ref().is_none_or(|f| room(f.bytes));
        let detail = json!({
            "path": self.data_dir,
            "free_bytes": free,
            "last_failed_write": failure.map(|f| json!({
                "at": f.at, "what": f.what, "error": f.error, "bytes": f.bytes,
            })),
        });
        (ok, detail)
    }
}

/// `/check`'s `storage`: critical, since nothing can be stored on a full disk.
pub struct StorageStatus(pub std::sync::Arc<DiskHealth>);

impl StatusComponent for StorageStatus {
    fn name(&self) -> &'static str {
        "storage"
    }
    fn critical(&self) -> bool {
        true
    }
    fn status(&self) -> BoxFuture<'_, ComponentStatus> {
        Box::pin(async move {
            let (ok, detail) = self.0.status_now();
            ComponentStatus::new(ok, detail)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sweep_removes_every_file_nothing_lists_and_empty_directories() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let month = dir.path().join("images/2026-12");
        std::fs::create_dir_all(&month).unwrap();
        std::fs::create_dir_all(dir.path().join("inbody")).unwrap();
        for f in [
            "images/2026-12/listed.png",
            "images/2026-12/moved.png",
            "images/2026-12/x.png.tmp",
            "inbody/r.tmp",
        ] {
            std::fs::write(dir.path().join(f), b"x").unwrap();
        }
        store
            .call_blocking(|c| {
                c.execute(
                    "INSERT INTO picture_files (owner, ref_id, file)
                     VALUES ('scan', 's', 'images/2026-12/listed.png')",
                    [],
                )?;
                Ok(())
            })
            .unwrap();
        let swept = sweep(&store, dir.path()).unwrap();
        assert_eq!(
            swept,
            Swept {
                tmp_files: 2,
                leftover_pictures: 1
            }
        );
        assert!(month.join("listed.png").exists());
        assert!(!month.join("moved.png").exists());
        assert!(
            !dir.path().join("inbody").exists(),
            "an empty directory stays"
        );
        assert!(free_bytes(dir.path()).is_some_and(|f| f > 0));
    }

    /// A database of version 2 (the released schema: `MIGRATIONS[..2]`, append-only)
    /// with its pictures in files, as the version before this one left it: three
    /// scans (one of them a balance test) and a sheet with their files, a pruned scan
    /// (no file) and a scan whose file is gone. Returns the files' bytes by id.
    fn version_2_with_files(dir: &Path) -> Vec<(&'static str, &'static str, Vec<u8>)> {
        let conn = Connection::open(dir.join(super::super::DB_FILE_NAME)).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        for sql in &super::super::schema::MIGRATIONS[..2] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 2).unwrap();
        let pictures = vec![
            (
                "scan",
                "s1",
                (0..30_000u32).map(|i| (i * 7) as u8).collect::<Vec<u8>>(),
            ),
            (
                "scan",
                "s2",
                (0..45_000u32).map(|i| (i * 13) as u8).collect(),
            ),
            ("scan", "b1", vec![0x89; 12_000]),
            (
                "health",
                "r1",
                (0..60_000u32).map(|i| (i >> 3) as u8).collect(),
            ),
        ];
        for (owner, id, bytes) in &pictures {
            let file = match *owner {
                "scan" => format!("images/2026-11/{id}.png"),
                _ => format!("inbody/{id}.jpg"),
            };
            let path = dir.join(&file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, bytes).unwrap();
            let len = bytes.len() as i64;
            if *owner == "scan" {
                let kind = if *id == "b1" { "balance" } else { "footprint" };
                conn.execute(
                    "INSERT INTO scans (scan_id, user_id, created_at, source, rows, cols,
                        pitch_mm, raw_cells, metrics_json, image_file, image_mime, image_bytes,
                        image_key, url, kind)
                     VALUES (?1, 'u', '2026-11-01T00:00:00.000Z', 'data', 1, 1, 10.0, x'0000',
                        '{}', ?2, 'image/png', ?3, ?4, 'u', ?5)",
                    params![id, file, len, format!("k/{id}.png"), kind],
                )
                .unwrap();
            } else {
                conn.execute(
                    "INSERT INTO health_records (record_id, created_at, engine, report_json,
                        image_file, image_mime, image_bytes, image_key)
                     VALUES (?1, '2026-11-01T00:00:00.000Z', 'tesseract', '{}', ?2,
                        'image/jpeg', ?3, ?4)",
                    params![id, file, len, format!("k/{id}.jpg")],
                )
                .unwrap();
            }
            conn.execute(
                "INSERT INTO outbox (kind, ref_id, s3_key, local_file, content_type, bytes,
                    created_at)
                 VALUES (?1, ?2, ?3, ?4, 'image/png', ?5, '2026-11-01T00:00:00.000Z')",
                params![
                    if *owner == "scan" {
                        "scan_image"
                    } else {
                        "health_image"
                    },
                    id,
                    format!("k/{id}"),
                    file,
                    len
                ],
            )
            .unwrap();
        }
        // Pruned after upload (its file deleted then), and one whose file vanished.
        for (id, pruned) in [("p1", Some("2026-11-02T00:00:00.000Z")), ("gone", None)] {
            conn.execute(
                "INSERT INTO scans (scan_id, user_id, created_at, source, rows, cols, pitch_mm,
                    raw_cells, metrics_json, image_file, image_mime, image_bytes, image_key,
                    url, uploaded_at, pruned_at)
                 VALUES (?1, 'u', '2026-11-01T00:00:00.000Z', 'data', 1, 1, 10.0, x'0000',
                    '{}', ?2, 'image/png', 10, ?3, 'u', ?4, ?4)",
                params![
                    id,
                    format!("images/2026-11/{id}.png"),
                    format!("k/{id}.png"),
                    pruned
                ],
            )
            .unwrap();
        }
        conn.execute(
            "UPDATE scans SET uploaded_at = NULL WHERE scan_id = 'gone'",
            [],
        )
        .unwrap();
        pictures
    }

    fn stored_picture(store: &Store, owner: &str, id: &str) -> Option<Vec<u8>> {
        let kind = if owner == "scan" {
            super::super::outbox::ItemKind::ScanImage
        } else {
            super::super::outbox::ItemKind::HealthImage
        };
        let id = id.to_string();
        store
            .call_blocking(move |c| super::super::queue::picture(c, kind, &id))
            .unwrap()
    }

    fn check_ok(store: &Store) {
        let (check, auto_vacuum, version): (String, i64, i64) = store
            .call_blocking(|c| {
                Ok((
                    c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?,
                    c.query_row("PRAGMA auto_vacuum", [], |r| r.get(0))?,
                    c.query_row("PRAGMA user_version", [], |r| r.get(0))?,
                ))
            })
            .unwrap();
        assert_eq!(check, "ok");
        assert_eq!(auto_vacuum, 2, "incremental");
        assert_eq!(version, super::super::schema::MIGRATIONS.len() as i64);
    }

    #[test]
    fn opening_a_version_2_database_moves_its_picture_files_in_and_deletes_them() {
        let dir = tempfile::tempdir().unwrap();
        let files = version_2_with_files(dir.path());
        let store = Store::open(dir.path()).unwrap();
        sweep(&store, dir.path()).unwrap();
        check_ok(&store);
        for (owner, id, bytes) in &files {
            assert_eq!(
                stored_picture(&store, owner, id).as_ref(),
                Some(bytes),
                "{owner} {id}"
            );
        }
        // What `GET /scans/{id}/image` serves.
        let served = store
            .call_blocking(|c| {
                Ok([
                    super::super::scans::picture(c, "s1")?,
                    super::super::scans::picture(c, "p1")?,
                    super::super::scans::picture(c, "gone")?,
                ])
            })
            .unwrap();
        assert_eq!(
            served[0],
            Some(super::super::scans::LocalPicture::Here {
                mime: "image/png".into(),
                bytes: files[0].2.clone()
            })
        );
        assert_eq!(served[1], Some(super::super::scans::LocalPicture::Pruned));
        assert_eq!(served[2], Some(super::super::scans::LocalPicture::Missing));
        assert!(!dir.path().join("images").exists(), "files left");
        assert!(!dir.path().join("inbody").exists(), "files left");
        // The queued uploads survived; the budget counts the same pictures.
        let (queued, used) = store
            .call_blocking(|c| {
                let queued: i64 = c.query_row(
                    "SELECT count(*) FROM outbox WHERE done_at IS NULL",
                    [],
                    |r| r.get(0),
                )?;
                Ok((queued, super::super::budget::usage(c)?.pictures_bytes))
            })
            .unwrap();
        assert_eq!(queued, 4);
        let on_disk: usize = files.iter().map(|f| f.2.len()).sum();
        assert_eq!(used, on_disk as u64 + 10, "the missing one still counts");
        // Opening again finds nothing more to do.
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        check_ok(&store);
    }

    /// A crash after a batch committed but before its files were deleted, and a file
    /// that cannot be read: the next opens finish the move, nothing is lost.
    #[test]
    fn a_move_cut_short_is_resumed_at_the_next_open_and_loses_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let files = version_2_with_files(dir.path());
        // s2's file cannot be read for now (a directory in its place).
        let s2 = dir.path().join("images/2026-11/s2.png");
        std::fs::rename(&s2, dir.path().join("s2.aside")).unwrap();
        std::fs::create_dir(&s2).unwrap();
        {
            let mut conn = Connection::open(dir.path().join(super::super::DB_FILE_NAME)).unwrap();
            super::super::schema::migrate(&mut conn).unwrap();
            let batch = move_batch(&mut conn, dir.path(), 0, 1).unwrap();
            assert_eq!(batch.moved.pictures, 1);
            // SIGKILL here: committed, its file not deleted.
        }
        let store = Store::open(dir.path()).unwrap();
        let swept = sweep(&store, dir.path()).unwrap();
        assert_eq!(swept.leftover_pictures, 1, "the committed batch's file");
        check_ok(&store);
        assert_eq!(stored_picture(&store, "scan", "s2"), None);
        assert!(s2.exists(), "an unreadable file stays where it is");
        drop(store);

        std::fs::remove_dir(&s2).unwrap();
        std::fs::rename(dir.path().join("s2.aside"), &s2).unwrap();
        let store = Store::open(dir.path()).unwrap();
        sweep(&store, dir.path()).unwrap();
        check_ok(&store);
        for (owner, id, bytes) in &files {
            assert_eq!(
                stored_picture(&store, owner, id).as_ref(),
                Some(bytes),
                "{owner} {id}"
            );
        }
        assert!(!dir.path().join("images").exists(), "files left");
    }
}
