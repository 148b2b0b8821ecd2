//! The data directory's files beside the database: what may be left over, and
//! whether the disk can take more.
//!
//! - [`sweep`] runs once at start-up, before any request: it removes `.tmp` files (a
//!   write cut short by a crash or a full disk) and pictures that no row names (a
//!   picture written just before a SIGKILL, whose row never committed). After it, what
//!   is on disk is what the rows count, so the storage budget is true.
//! - [`DiskHealth`] remembers the last write that failed because the disk was full and
//!   reports it on `/check` as the `storage` component, with the free space; it turns
//!   ok again by itself once there is room or a write succeeds.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use futures::future::BoxFuture;
use serde_json::json;

use super::{Store, StoreError};
use crate::status::{ComponentStatus, StatusComponent};

/// Directories (inside the data dir) that hold pictures named by rows.
pub const PICTURE_DIRS: &[&str] = &["images", "inbody"];
/// Below this much free space the disk counts as full on `/check`.
pub const MIN_FREE_BYTES: u64 = 1024 * 1024;

/// What [`sweep`] removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub tmp_files: usize,
    pub orphan_pictures: usize,
}

/// Removes `.tmp` files and pictures no row names (blocking; call before serving).
pub fn sweep(store: &Store, data_dir: &Path) -> Result<Swept, StoreError> {
    let named: HashSet<PathBuf> = store.call_blocking(|conn| {
        let mut st = conn.prepare(
            "SELECT image_file FROM scans UNION ALL SELECT image_file FROM health_records",
        )?;
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
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                if kind.is_dir() {
                    stack.push(path);
                    continue;
                }
                let is_tmp = path.extension().is_some_and(|e| e == "tmp");
                let relative = path.strip_prefix(data_dir).unwrap_or(&path);
                if !is_tmp && named.contains(relative) {
                    continue;
                }
                match std::fs::remove_file(&path) {
                    Ok(()) if is_tmp => swept.tmp_files += 1,
                    Ok(()) => swept.orphan_pictures += 1,
                    Err(error) => {
                        tracing::warn!(%error, path = %path.display(), "cannot remove a leftover file")
                    }
                }
            }
        }
    }
    if swept != Swept::default() {
        tracing::warn!(
            tmp_files = swept.tmp_files,
            orphan_pictures = swept.orphan_pictures,
            "removed files left by an interrupted write"
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
    fn the_sweep_removes_tmp_files_and_unnamed_pictures_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let month = dir.path().join("images/2026-12");
        std::fs::create_dir_all(&month).unwrap();
        std::fs::create_dir_all(dir.path().join("inbody")).unwrap();
        for f in [
            "images/2026-12/named.png",
            "images/2026-12/orphan.png",
            "images/2026-12/x.png.tmp",
            "inbody/r.tmp",
        ] {
            std::fs::write(dir.path().join(f), b"x").unwrap();
        }
        store
            .call_blocking(|c| {
                c.execute(
                    "INSERT INTO scans (scan_id, user_id, created_at, source, rows, cols, pitch_mm,
                        raw_cells, metrics_json, image_file, image_mime, image_bytes, image_key, url)
                     VALUES ('s', 'u', 't', 'data', 1, 1, 1.0, x'00', '{}',
                        'images/2026-12/named.png', 'image/png', 1, 'k', 'u')",
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
                orphan_pictures: 1
            }
        );
        assert!(month.join("named.png").exists());
        assert!(!month.join("orphan.png").exists());
        assert!(free_bytes(dir.path()).is_some_and(|f| f > 0));
    }
}
