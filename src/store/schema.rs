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
];

/// Brings the schema to the newest version. Refusal of newer schemas happens in
/// `Store::open` before this runs.
pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
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
