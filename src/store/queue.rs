//! The upload queue as the sync worker sees it: claim due items, settle them (ack or
//! reschedule), read what an item uploads, and the queue's status.
//!
//! Enqueuing is [`super::outbox`]'s (inside the transaction of the row it uploads);
//! the decisions (what to start, how long to back off) are `sync::worker`'s, which
//! calls these functions with their results.
//!
//! # Invariants (store-and-forward rules 3 and 5)
//! - [`settle`] marks an item done only for an [`Settled::Acked`] result, which the
//!   worker builds only after S3 confirmed the PUT.
//! - A heartbeat row re-pointed at a newer document while its upload ran stays queued.
//! - Claims return heartbeats last: only the slots no other due item takes.

use std::collections::HashSet;

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::outbox::{ItemKind, HEARTBEAT_KIND};
use super::{now_rfc3339, StoreError};

/// One outbox row to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub id: i64,
    pub kind: ItemKind,
    pub ref_id: String,
    pub s3_key: String,
    pub content_type: String,
    pub bytes: u64,
    /// Attempts made before this one.
    pub attempts: u32,
}

/// Unix time in ms (the unit of `outbox.next_attempt_ms`).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Due items (not among `skip`), oldest due first, and when the next not-yet-due item
/// falls due. Heartbeats come last: only the slots no other due item takes.
pub fn claim_due(
    conn: &Connection,
    now_ms: i64,
    limit: usize,
    skip: &HashSet<i64>,
) -> Result<(Vec<Item>, Option<i64>), StoreError> {
    let mut items = claim_kind(conn, now_ms, limit, skip, false)?;
    if items.len() < limit {
        let more = claim_kind(conn, now_ms, limit - items.len(), skip, true)?;
        items.extend(more);
    }
    let next: Option<i64> = conn
        .query_row(
            "SELECT MIN(next_attempt_ms) FROM outbox WHERE done_at IS NULL AND next_attempt_ms > ?1",
            [now_ms],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    Ok((items, next))
}

/// Due items of the heartbeat kind (`heartbeats`) or of every other kind.
fn claim_kind(
    conn: &Connection,
    now_ms: i64,
    limit: usize,
    skip: &HashSet<i64>,
    heartbeats: bool,
) -> Result<Vec<Item>, StoreError> {
    let mut stmt = conn.prepare_cached(if heartbeats {
        "SELECT id, kind, ref_id, s3_key, content_type, bytes, attempts
         FROM outbox WHERE done_at IS NULL AND next_attempt_ms <= ?1 AND kind = ?3
         ORDER BY next_attempt_ms, id LIMIT ?2"
    } else {
        "SELECT id, kind, ref_id, s3_key, content_type, bytes, attempts
         FROM outbox WHERE done_at IS NULL AND next_attempt_ms <= ?1 AND kind <> ?3
         ORDER BY next_attempt_ms, id LIMIT ?2"
    })?;
    let rows = stmt.query_map(
        params![now_ms, (limit + skip.len()) as i64, HEARTBEAT_KIND],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, i64>(6)?,
            ))
        },
    )?;
    let mut items = Vec::new();
    for row in rows {
        let (id, kind, ref_id, s3_key, content_type, bytes, attempts) = row?;
        if skip.contains(&id) || items.len() >= limit {
            continue;
        }
        let Some(kind) = ItemKind::parse(&kind) else {
            // A kind written by a newer version: leave it queued for that version.
            tracing::warn!(item = id, kind, "outbox item of unknown kind skipped");
            continue;
        };
        items.push(Item {
            id,
            kind,
            ref_id,
            s3_key,
            content_type,
            bytes: bytes.max(0) as u64,
            attempts: attempts.clamp(0, i64::from(u32::MAX)) as u32,
        });
    }
    Ok(items)
}

/// How one upload ended, to record.
#[derive(Debug, Clone, PartialEq)]
pub enum Settled {
    /// S3 confirmed the PUT: mark the item done.
    Acked(Item),
    /// The attempt failed: record it and try again at `next_attempt_ms`.
    Failed {
        item: Item,
        attempts: u32,
        next_attempt_ms: i64,
        error: String,
    },
}

impl Settled {
    pub fn item(&self) -> &Item {
        match self {
            Settled::Acked(item) | Settled::Failed { item, .. } => item,
        }
    }
}

/// Records acks and retries in one transaction (one fsync for a batch of uploads).
pub fn settle(conn: &mut Connection, results: &[Settled]) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let now = now_rfc3339();
    for result in results {
        match result {
            Settled::Acked(item) if item.kind == ItemKind::Heartbeat => {
                // A heartbeat row may have been pointed at a newer document while this
                // upload ran: then it stays queued for that one.
                tx.execute(
                    "UPDATE outbox SET done_at = ?1, attempts = attempts + 1, last_error = NULL
                     WHERE id = ?2 AND ref_id = ?3 AND s3_key = ?4",
                    params![now, item.id, item.ref_id, item.s3_key],
                )?;
                super::outbox::forget_unqueued_heartbeats(&tx)?;
            }
            Settled::Acked(item) => {
                tx.execute(
                    "UPDATE outbox SET done_at = ?1, attempts = attempts + 1, last_error = NULL
                     WHERE id = ?2",
                    params![now, item.id],
                )?;
                let table = match item.kind {
                    ItemKind::ScanImage => Some("UPDATE scans SET uploaded_at = ?1 WHERE scan_id = ?2 AND uploaded_at IS NULL"),
                    ItemKind::HealthImage => Some("UPDATE health_records SET uploaded_at = ?1 WHERE record_id = ?2 AND uploaded_at IS NULL"),
                    ItemKind::ScanRecord | ItemKind::HealthRecord | ItemKind::Heartbeat => None,
                };
                if let Some(sql) = table {
                    tx.execute(sql, params![now, item.ref_id])?;
                }
                if matches!(item.kind, ItemKind::ScanRecord | ItemKind::HealthRecord) {
                    tx.execute(
                        "DELETE FROM kv WHERE key = ?1",
                        [super::outbox::clock_unsynced_key(&item.ref_id)],
                    )?;
                }
            }
            Settled::Failed {
                item,
                attempts,
                next_attempt_ms,
                error,
            } => {
                tx.execute(
                    "UPDATE outbox SET attempts = ?1, next_attempt_ms = ?2, last_error = ?3
                     WHERE id = ?4",
                    params![i64::from(*attempts), next_attempt_ms, error, item.id],
                )?;
            }
        }
    }
    tx.commit()?;
    Ok(())
}

/// The document of a queued heartbeat (kept in `kv` until uploaded); `None` when it
/// is gone.
pub fn heartbeat_document(conn: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row("SELECT value FROM kv WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

/// The picture an image item uploads (the BLOB of its scan or health record); `None`
/// when there is none (pruned, or a version-2 file that could not be moved in), or
/// when `kind` is not a picture's.
pub fn picture(conn: &Connection, kind: ItemKind, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
    let sql = match kind {
        ItemKind::ScanImage => "SELECT picture FROM scan_pictures WHERE scan_id = ?1",
        ItemKind::HealthImage => "SELECT picture FROM health_pictures WHERE record_id = ?1",
        ItemKind::ScanRecord | ItemKind::HealthRecord | ItemKind::Heartbeat => return Ok(None),
    };
    Ok(conn
        .prepare_cached(sql)?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

/// The JSON document of a scan or health record row, built now (`None` when the row
/// is gone). It leaves out `uploaded_at`/`pruned_at` so that an upload repeated after a
/// crash carries the same bytes as the first one.
pub fn record_document(
    conn: &Connection,
    kind: ItemKind,
    id: &str,
) -> Result<Option<serde_json::Value>, StoreError> {
    use base64::Engine as _;
    let (sql, what) = match kind {
        ItemKind::ScanRecord | ItemKind::ScanImage => (
            "SELECT scan_id, user_id, created_at, source, wire_format, rows, cols, pitch_mm,
                    raw_cells, load_cell, weight_kg, weight_source, arch_type, metrics_json,
                    image_mime, image_bytes, image_key, url
             FROM scans WHERE scan_id = ?1",
            "scan",
        ),
        ItemKind::HealthRecord | ItemKind::HealthImage | ItemKind::Heartbeat => (
            "SELECT record_id, user_id, created_at, engine, model, report_json, image_mime,
                    image_bytes, image_key
             FROM health_records WHERE record_id = ?1",
            "health record",
        ),
    };
    let parse = |text: String| -> serde_json::Value {
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
    };
    let doc = match what {
        "scan" => conn
            .query_row(sql, [id], |r| {
                let raw: Vec<u8> = r.get(8)?;
                Ok(serde_json::json!({
                    "scan_id": r.get::<_, String>(0)?,
                    "user_id": r.get::<_, String>(1)?,
                    "created_at": r.get::<_, String>(2)?,
                    "source": r.get::<_, String>(3)?,
                    "wire_format": r.get::<_, Option<String>>(4)?,
                    "rows": r.get::<_, i64>(5)?,
                    "cols": r.get::<_, i64>(6)?,
                    "pitch_mm": r.get::<_, f64>(7)?,
                    "raw_cells_u16le_base64": base64::engine::general_purpose::STANDARD.encode(raw),
                    "load_cell": r.get::<_, Option<i64>>(9)?,
                    "weight_kg": r.get::<_, Option<f64>>(10)?,
                    "weight_source": r.get::<_, Option<String>>(11)?,
                    "arch_type": r.get::<_, Option<String>>(12)?,
                    "metrics": parse(r.get::<_, String>(13)?),
                    "image_mime": r.get::<_, String>(14)?,
                    "image_bytes": r.get::<_, i64>(15)?,
                    "image_key": r.get::<_, String>(16)?,
                    "url": r.get::<_, String>(17)?,
                }))
            })
            .optional()?,
        _ => conn
            .query_row(sql, [id], |r| {
                Ok(serde_json::json!({
                    "record_id": r.get::<_, String>(0)?,
                    "user_id": r.get::<_, Option<String>>(1)?,
                    "created_at": r.get::<_, String>(2)?,
                    "engine": r.get::<_, String>(3)?,
                    "model": r.get::<_, Option<String>>(4)?,
                    "report": parse(r.get::<_, String>(5)?),
                    "image_mime": r.get::<_, String>(6)?,
                    "image_bytes": r.get::<_, i64>(7)?,
                    "image_key": r.get::<_, String>(8)?,
                }))
            })
            .optional()?,
    };
    let clock_synced = conn
        .query_row(
            "SELECT 1 FROM kv WHERE key = ?1",
            [super::outbox::clock_unsynced_key(id)],
            |_| Ok(()),
        )
        .optional()?
        .is_none();
    let doc = doc.map(|mut doc| {
        doc["clock_synced"] = clock_synced.into();
        doc
    });
    Ok(doc)
}

/// Makes every queued item due now (`POST /sync`: the network came back).
pub fn retry_now(conn: &Connection, now_ms: i64) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE outbox SET next_attempt_ms = ?1 WHERE done_at IS NULL AND next_attempt_ms > ?1",
        [now_ms],
    )?;
    Ok(())
}

/// Of `ids`, the outbox items not yet uploaded (an unknown id counts as not uploaded).
pub fn not_done(conn: &Connection, ids: Vec<i64>) -> Result<Vec<i64>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT done_at IS NULL FROM outbox WHERE id = ?1")?;
    let mut still = Vec::new();
    for id in ids {
        let not_done: Option<bool> = stmt.query_row([id], |r| r.get(0)).optional()?;
        if not_done.unwrap_or(true) {
            still.push(id);
        }
    }
    Ok(still)
}

/// The queue of one kind of item.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KindStatus {
    /// `scan_image`, `scan_record`, `health_image` or `health_record`.
    pub kind: String,
    pub pending: u64,
    pub pending_bytes: u64,
    pub uploaded_total: u64,
    pub failed_attempts_total: u64,
    pub oldest_pending_at: Option<String>,
    pub last_success: Option<String>,
    pub last_error: Option<String>,
}

/// Per kind (heartbeats, the kiosk's own status documents, left out): what is queued,
/// what was uploaded, the latest error of a queued item.
pub fn status_per_kind(conn: &Connection) -> Result<Vec<KindStatus>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT kind,
            SUM(done_at IS NULL), SUM(CASE WHEN done_at IS NULL THEN bytes ELSE 0 END),
            SUM(done_at IS NOT NULL), SUM(attempts) - SUM(done_at IS NOT NULL),
            MIN(CASE WHEN done_at IS NULL THEN created_at END), MAX(done_at),
            (SELECT last_error FROM outbox o2 WHERE o2.kind = outbox.kind
                AND o2.done_at IS NULL AND o2.last_error IS NOT NULL
                ORDER BY o2.next_attempt_ms DESC LIMIT 1)
         FROM outbox WHERE kind <> ?1 GROUP BY kind ORDER BY kind",
    )?;
    let rows = stmt.query_map([HEARTBEAT_KIND], |r| {
        Ok(KindStatus {
            kind: r.get(0)?,
            pending: r.get::<_, i64>(1)?.max(0) as u64,
            pending_bytes: r.get::<_, i64>(2)?.max(0) as u64,
            uploaded_total: r.get::<_, i64>(3)?.max(0) as u64,
            failed_attempts_total: r.get::<_, i64>(4)?.max(0) as u64,
            oldest_pending_at: r.get(5)?,
            last_success: r.get(6)?,
            last_error: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// The queue's reads and writes as async calls (on the blocking pool), for callers
/// outside the store: they never see a connection.
impl super::Store {
    /// [`claim_due`] on this connection.
    pub async fn claim_due(
        &self,
        now_ms: i64,
        limit: usize,
        skip: HashSet<i64>,
    ) -> Result<(Vec<Item>, Option<i64>), StoreError> {
        self.call(move |conn| claim_due(conn, now_ms, limit, &skip))
            .await
    }

    /// [`settle`] in one transaction.
    pub async fn settle(&self, results: Vec<Settled>) -> Result<(), StoreError> {
        self.call(move |conn| settle(conn, &results)).await
    }

    /// [`heartbeat_document`].
    pub async fn heartbeat_document(&self, key: String) -> Result<Option<String>, StoreError> {
        self.call(move |conn| heartbeat_document(conn, &key)).await
    }

    /// [`picture`].
    pub async fn picture(&self, kind: ItemKind, id: String) -> Result<Option<Vec<u8>>, StoreError> {
        self.call(move |conn| picture(conn, kind, &id)).await
    }

    /// [`record_document`].
    pub async fn record_document(
        &self,
        kind: ItemKind,
        id: String,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        self.call(move |conn| record_document(conn, kind, &id))
            .await
    }

    /// [`retry_now`].
    pub async fn retry_now(&self, now_ms: i64) -> Result<(), StoreError> {
        self.call(move |conn| retry_now(conn, now_ms)).await
    }

    /// [`not_done`].
    pub async fn not_done(&self, ids: Vec<i64>) -> Result<Vec<i64>, StoreError> {
        self.call(move |conn| not_done(conn, ids)).await
    }

    /// [`status_per_kind`].
    pub async fn status_per_kind(&self) -> Result<Vec<KindStatus>, StoreError> {
        self.call(|conn| status_per_kind(conn)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn heartbeat_doc(store: &Store, item: &Item) -> Vec<u8> {
        let key = item.ref_id.clone();
        store
            .call_blocking(move |conn| heartbeat_document(conn, &key))
            .unwrap()
            .unwrap()
            .into_bytes()
    }

    /// Heartbeats never take a slot a scan or record could use, even when they have
    /// waited longer; a heartbeat row re-pointed at a newer document while its upload
    /// ran is not acked, so the newer document still goes out.
    #[test]
    fn heartbeats_are_claimed_last_and_a_replaced_one_is_not_acked() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let claimed = store
            .call_blocking(|conn| {
                let tx = conn.transaction()?;
                super::super::outbox::enqueue_heartbeat(
                    &tx,
                    "p/d/status/latest.json",
                    "p/d/status/history/1.json",
                    "{\"n\":1}",
                    "2026-01-01T00:00:00Z",
                )?;
                tx.execute("UPDATE outbox SET next_attempt_ms = 1", [])?;
                super::super::outbox::enqueue(
                    &tx,
                    &super::super::outbox::NewItem {
                        kind: ItemKind::ScanRecord,
                        ref_id: "s1",
                        s3_key: "p/d/records/scan/s1.json",
                        content_type: "application/json",
                        bytes: 1,
                    },
                    "2026-01-01T00:00:00Z",
                )?;
                tx.execute(
                    "UPDATE outbox SET next_attempt_ms = 5 WHERE kind = 'scan_record'",
                    [],
                )?;
                tx.commit()?;
                let one = claim_due(conn, 10, 1, &HashSet::new())?.0;
                let all = claim_due(conn, 10, 10, &HashSet::new())?.0;
                Ok((one, all))
            })
            .unwrap();
        assert_eq!(claimed.0.len(), 1);
        assert_eq!(claimed.0[0].kind, ItemKind::ScanRecord);
        assert_eq!(claimed.1.len(), 3);
        assert_eq!(claimed.1[0].kind, ItemKind::ScanRecord);
        let latest = claimed
            .1
            .iter()
            .find(|i| i.s3_key.ends_with("latest.json"))
            .unwrap()
            .clone();
        let body = heartbeat_doc(&store, &latest);
        assert_eq!(&body[..], b"{\"n\":1}");

        // A newer heartbeat arrives while `latest` uploads; the old upload's ack must
        // leave the row queued.
        store
            .call_blocking(|conn| {
                let tx = conn.transaction()?;
                super::super::outbox::enqueue_heartbeat(
                    &tx,
                    "p/d/status/latest.json",
                    "p/d/status/history/2.json",
                    "{\"n\":2}",
                    "2026-01-01T00:00:05Z",
                )?;
                tx.commit()?;
                Ok(())
            })
            .unwrap();
        store
            .call_blocking(move |conn| settle(conn, &[Settled::Acked(latest)]))
            .unwrap();
        let latest = store
            .call_blocking(|conn| claim_due(conn, i64::MAX, 10, &HashSet::new()))
            .unwrap()
            .0
            .into_iter()
            .find(|i| i.s3_key.ends_with("latest.json"))
            .expect("still queued");
        let body = heartbeat_doc(&store, &latest);
        assert_eq!(&body[..], b"{\"n\":2}");
    }
}
