//! Schema migrations, versioned by `PRAGMA user_version`.
//!
//! `MIGRATIONS[i]` takes the schema from version `i` to `i + 1`. Append only: a
//! released migration is never edited. Each runs in its own transaction together
//! with the version bump, so a crash mid-migration leaves the previous version.
//!
//! Hand-written rather than `rusqlite_migration` because that crate pins rusqlite
//! versions and this is twenty lines.
//!
//! # Tables (version 1)
//! - `scans`: one footprint scan: who, when, the raw frame, metrics, the local picture
//!   file (relative to the data dir) and its S3 key.
//! - `health_records`: one OCR'd InBody sheet: the report JSON and its source image.
//! - `calibration`: append-only history; the newest row is the calibration in force.
//! - `outbox`: what must still reach S3. Written in the same transaction as the row it
//!   uploads; `done_at` is set only after S3 confirmed (see `crate::sync`).
//! - `kv`: small persistent counters and settings.
//!
//! # Version 2
//! - `scans.kind`: `footprint` (a `/image` scan) or `balance` (a `/balance` test,
//!   whose `metrics_json` holds the sway figures and whose picture is the COP trace).
//!   A balance test is stored like a scan so that it shares the group-committing
//!   writer, the storage budget, the outbox and the history listing.
//!
//! # Version 3: pictures in the database
//! - `scan_pictures` and `health_pictures`: the picture (PNG/JPEG, a sheet photo) of a
//!   row as a BLOB, inserted in the same transaction as the row and its outbox items,
//!   so one commit (one flush) makes a whole group of answers durable (see
//!   `store::scans`). Tables of their own, keyed by the row's id, rather than a column
//!   of `scans`: a row with a tens-of-KB BLOB fills a page of its own plus overflow
//!   pages, so listings and the budget's sums over `scans` would read every picture's
//!   first page; pruning is deleting a picture row, and its pages go back to the file
//!   with `PRAGMA incremental_vacuum`. Both reference their row (foreign keys are on).
//! - `picture_files`: pictures of version 2 still to move in from their files (filled
//!   by this migration; `store::disk::move_picture_files` empties it at open, batch by
//!   batch, deleting each file only once its BLOB is committed).
//! - `scans.image_file`, `health_records.image_file` and `outbox.local_file` are gone:
//!   no picture lives in a file any more (an image item's bytes are found by its kind
//!   and `ref_id`).
//!
//! Independent of the version, every database is switched to `auto_vacuum =
//! INCREMENTAL` at open ([`migrate`]): set before the first table of a new file, or by
//! one `VACUUM` of an older file (before version 3 moves the pictures in, while it is
//! still small), so that retention can give the space of pruned pictures back.

use rusqlite::Connection;

use super::StoreError;

/// Every migration, in order. The schema version is `MIGRATIONS.len()`.
pub const MIGRATIONS: &[&str] = &[
    // 1: initial schema
    r#"
CREATE TABLE scans (
    scan_id        TEXT PRIMARY KEY NOT NULL,
    user_id        TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    source         TEXT NOT NULL,          -- 'data' (sent by the client) or 'capture'
    wire_format    TEXT,                   -- legacy | cfp1 | csv when known
    rows           INTEGER NOT NULL,
    cols           INTEGER NOT NULL,
    pitch_mm       REAL NOT NULL,
    raw_cells      BLOB NOT NULL,          -- rows*cols u16 little-endian raw counts
    load_cell      INTEGER,
    weight_kg      REAL,
    weight_source  TEXT,
    arch_type      TEXT,
    metrics_json   TEXT NOT NULL,
    image_file     TEXT NOT NULL,          -- relative to the data dir
    image_mime     TEXT NOT NULL,
    image_bytes    INTEGER NOT NULL,
    image_key      TEXT NOT NULL,          -- S3 key of the picture
    url            TEXT NOT NULL,          -- public URL the picture has or will have
    uploaded_at    TEXT,
    pruned_at      TEXT                    -- local picture removed after upload + retention
);
CREATE INDEX scans_by_user ON scans (user_id, created_at);
CREATE INDEX scans_by_time ON scans (created_at);

CREATE TABLE health_records (
    record_id      TEXT PRIMARY KEY NOT NULL,
    user_id        TEXT,
    created_at     TEXT NOT NULL,
    engine         TEXT NOT NULL,
    model          TEXT,
    report_json    TEXT NOT NULL,
    image_file     TEXT NOT NULL,
    image_mime     TEXT NOT NULL,
    image_bytes    INTEGER NOT NULL,
    image_key      TEXT NOT NULL,
    uploaded_at    TEXT,
    pruned_at      TEXT
);
CREATE INDEX health_records_by_user ON health_records (user_id, created_at);

CREATE TABLE calibration (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at     TEXT NOT NULL,
    kind           TEXT NOT NULL,          -- tare | known_weight | import | reset
    data_json      TEXT NOT NULL           -- the whole calibration in force after this step
);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL,         -- scan_image | scan_record | health_image | health_record
    ref_id          TEXT NOT NULL,         -- scan_id or record_id
    s3_key          TEXT NOT NULL UNIQUE,
    local_file      TEXT,                  -- relative to the data dir; NULL for records built from rows
    content_type    TEXT NOT NULL,
    bytes           INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL DEFAULT 0,   -- unix ms; due when <= now
    last_error      TEXT,
    done_at         TEXT
);
CREATE INDEX outbox_due ON outbox (done_at, next_attempt_ms);

CREATE TABLE kv (
    key            TEXT PRIMARY KEY NOT NULL,
    value          TEXT NOT NULL
);
"#,
    // 2: balance tests stored alongside footprint scans
    r#"
ALTER TABLE scans ADD COLUMN kind TEXT NOT NULL DEFAULT 'footprint';
"#,
    // 3: pictures as BLOBs, in the same transaction as their rows
    r#"
CREATE TABLE scan_pictures (
    scan_id        TEXT PRIMARY KEY NOT NULL REFERENCES scans (scan_id),
    picture        BLOB NOT NULL
);
CREATE TABLE health_pictures (
    record_id      TEXT PRIMARY KEY NOT NULL REFERENCES health_records (record_id),
    picture        BLOB NOT NULL
);
CREATE TABLE picture_files (
    id             INTEGER PRIMARY KEY,
    owner          TEXT NOT NULL,          -- scan | health
    ref_id         TEXT NOT NULL,          -- scan_id or record_id
    file           TEXT NOT NULL           -- relative to the data dir
);
INSERT INTO picture_files (owner, ref_id, file)
    SELECT 'scan', scan_id, image_file FROM scans WHERE pruned_at IS NULL ORDER BY scan_id;
INSERT INTO picture_files (owner, ref_id, file)
    SELECT 'health', record_id, image_file FROM health_records WHERE pruned_at IS NULL
    ORDER BY record_id;
ALTER TABLE scans DROP COLUMN image_file;
ALTER TABLE health_records DROP COLUMN image_file;
ALTER TABLE outbox DROP COLUMN local_file;
"#,
];

/// `PRAGMA auto_vacuum` value of `INCREMENTAL`.
const AUTO_VACUUM_INCREMENTAL: i64 = 2;

/// Brings the schema to the newest version. Refusal of newer schemas happens in
/// `Store::open` before this runs.
pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let auto_vacuum: i64 = conn.query_row("PRAGMA auto_vacuum", [], |r| r.get(0))?;
    if auto_vacuum != AUTO_VACUUM_INCREMENTAL {
        // Takes effect at once on a file not yet written; otherwise (an older file,
        // or a new one whose header WAL mode already wrote) it needs one VACUUM: a
        // copy of the whole file, done once, outside any transaction.
        conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
        let now: i64 = conn.query_row("PRAGMA auto_vacuum", [], |r| r.get(0))?;
        if now != AUTO_VACUUM_INCREMENTAL {
            conn.execute_batch("VACUUM")?;
            tracing::info!("database switched to incremental vacuum");
        }
    }
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current.max(0) as usize) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (index + 1) as i64)?;
        tx.commit()?;
        tracing::info!(version = index + 1, "database schema migrated");
    }
    Ok(())
}
