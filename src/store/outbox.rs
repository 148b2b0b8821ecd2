//! Outbox rows: what must still reach S3.
//!
//! [`enqueue`] runs inside the caller's transaction, together with the row it uploads
//! (rule 2), so a record and its upload are committed or lost together. While the
//! system clock is not synchronised ([`crate::fleet::clock`]) it also notes the record
//! in `kv` (`clock_unsynced:{ref_id}`), so the uploaded document says
//! `"clock_synced": false` however late it is uploaded.
//!
//! [`enqueue_heartbeat`] queues the kiosk's status document (`crate::fleet`): the
//! document itself lives in `kv` (`heartbeat:{history key}`) until uploaded. It is the
//! one kind of item that may be replaced rather than queued: `latest.json` is one row
//! that each heartbeat points at its newest document, and when the queue is long
//! ([`HEARTBEAT_LONG_QUEUE`]) a new history document replaces the newest one still
//! queued. The worker uploads heartbeats only when nothing else is due
//! ([`super::queue::claim_due`]).

use rusqlite::{params, OptionalExtension, Transaction};

use crate::store::StoreError;

/// What an outbox item uploads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// A footprint or balance picture (`scan_pictures`).
    ScanImage,
    /// The JSON document of a scan row.
    ScanRecord,
    /// The photo of an InBody sheet (`health_pictures`).
    HealthImage,
    /// The JSON document of a health record row.
    HealthRecord,
    /// A heartbeat (status document of this kiosk, kept in `kv` until uploaded).
    Heartbeat,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::ScanImage => "scan_image",
            ItemKind::ScanRecord => "scan_record",
            ItemKind::HealthImage => "health_image",
            ItemKind::HealthRecord => "health_record",
            ItemKind::Heartbeat => HEARTBEAT_KIND,
        }
    }

    pub fn parse(s: &str) -> Option<ItemKind> {
        Some(match s {
            "scan_image" => ItemKind::ScanImage,
            "scan_record" => ItemKind::ScanRecord,
            "health_image" => ItemKind::HealthImage,
            "health_record" => ItemKind::HealthRecord,
            HEARTBEAT_KIND => ItemKind::Heartbeat,
            _ => return None,
        })
    }
}

/// A new outbox item.
#[derive(Debug, Clone)]
pub struct NewItem<'a> {
    pub kind: ItemKind,
    /// scan_id or record_id.
    pub ref_id: &'a str,
    pub s3_key: &'a str,
    pub content_type: &'a str,
    pub bytes: u64,
}

/// `outbox.kind` of heartbeats (the SQL of the worker and the status names it too).
pub const HEARTBEAT_KIND: &str = "heartbeat";

/// From this many items queued (heartbeats included), a new heartbeat's history
/// document replaces the newest one still queued instead of adding a row: an offline
/// kiosk keeps at most this many heartbeats, and they never crowd out scans.
pub const HEARTBEAT_LONG_QUEUE: i64 = 20;

/// `kv` key of a record created while the clock was not synchronised.
pub fn clock_unsynced_key(ref_id: &str) -> String {
    format!("clock_unsynced:{ref_id}")
}

/// Adds an item inside `tx`; due at once. Returns its id. Enqueuing a key that is
/// already queued keeps the existing row (keys are deterministic) and returns its id.
pub fn enqueue(
    tx: &Transaction<'_>,
    item: &NewItem<'_>,
    now_rfc3339: &str,
) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO outbox (kind, ref_id, s3_key, content_type, bytes, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (s3_key) DO NOTHING",
        params![
            item.kind.as_str(),
            item.ref_id,
            item.s3_key,
            item.content_type,
            item.bytes as i64,
            now_rfc3339
        ],
    )?;
    let id = tx.query_row(
        "SELECT id FROM outbox WHERE s3_key = ?1",
        [item.s3_key],
        |r| r.get(0),
    )?;
    if item.kind != ItemKind::Heartbeat && !crate::fleet::clock::synced() {
        tx.execute(
            "INSERT OR IGNORE INTO kv (key, value) VALUES (?1, ?2)",
            params![clock_unsynced_key(item.ref_id), now_rfc3339],
        )?;
    }
    Ok(id)
}

/// How [`enqueue_heartbeat`] placed the history document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeartbeatQueued {
    /// A new history row (the queue is short).
    Added,
    /// The newest queued history row now carries this heartbeat (the queue is long).
    Replaced,
}

/// Queues one heartbeat inside `tx`: `doc` for `latest_key` (one row, re-armed and
/// pointed at the newest document every time) and for `history_key` (a row of its
/// own, or in place of the newest queued one when the queue is long). Documents no
/// queued row points at any more are deleted.
pub fn enqueue_heartbeat(
    tx: &Transaction<'_>,
    latest_key: &str,
    history_key: &str,
    doc: &str,
    now_rfc3339: &str,
) -> Result<HeartbeatQueued, StoreError> {
    let doc_key = format!("heartbeat:{history_key}");
    tx.execute(
        "INSERT OR REPLACE INTO kv (key, value) VALUES (?1, ?2)",
        params![doc_key, doc],
    )?;
    let bytes = doc.len() as i64;
    tx.execute(
        "INSERT INTO outbox (kind, ref_id, s3_key, content_type, bytes, created_at)
         VALUES (?1, ?2, ?3, 'application/json', ?4, ?5)
         ON CONFLICT (s3_key) DO UPDATE SET ref_id = excluded.ref_id, bytes = excluded.bytes,
             created_at = excluded.created_at, done_at = NULL, attempts = 0,
             next_attempt_ms = 0, last_error = NULL",
        params![HEARTBEAT_KIND, doc_key, latest_key, bytes, now_rfc3339],
    )?;
    let queued: i64 = tx.query_row(
        "SELECT COUNT(*) FROM outbox WHERE done_at IS NULL",
        [],
        |r| r.get(0),
    )?;
    let newest_history: Option<i64> = tx
        .query_row(
            "SELECT id FROM outbox WHERE kind = ?1 AND done_at IS NULL AND s3_key <> ?2
             ORDER BY id DESC LIMIT 1",
            params![HEARTBEAT_KIND, latest_key],
            |r| r.get(0),
        )
        .optional()?;
    let placed = match newest_history {
        Some(id) if queued >= HEARTBEAT_LONG_QUEUE => {
            tx.execute(
                "UPDATE outbox SET ref_id = ?1, s3_key = ?2, bytes = ?3, created_at = ?4
                 WHERE id = ?5",
                params![doc_key, history_key, bytes, now_rfc3339, id],
            )?;
            HeartbeatQueued::Replaced
        }
        _ => {
            tx.execute(
                "INSERT INTO outbox (kind, ref_id, s3_key, content_type, bytes, created_at)
                 VALUES (?1, ?2, ?3, 'application/json', ?4, ?5)
                 ON CONFLICT (s3_key) DO NOTHING",
                params![HEARTBEAT_KIND, doc_key, history_key, bytes, now_rfc3339],
            )?;
            HeartbeatQueued::Added
        }
    };
    forget_unqueued_heartbeats(tx)?;
    Ok(placed)
}

/// Deletes heartbeat documents that no queued row points at (uploaded or replaced).
pub fn forget_unqueued_heartbeats(tx: &Transaction<'_>) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM kv WHERE key LIKE 'heartbeat:%' AND key NOT IN
             (SELECT ref_id FROM outbox WHERE kind = ?1 AND done_at IS NULL)",
        [HEARTBEAT_KIND],
    )?;
    Ok(())
}

impl crate::store::Store {
    /// [`enqueue_heartbeat`] in a transaction of its own.
    pub async fn enqueue_heartbeat(
        &self,
        latest_key: String,
        history_key: String,
        doc: String,
        now_rfc3339: String,
    ) -> Result<HeartbeatQueued, StoreError> {
        self.write(move |tx| enqueue_heartbeat(tx, &latest_key, &history_key, &doc, &now_rfc3339))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[tokio::test]
    async fn enqueue_is_idempotent_per_key() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let ids = store
            .write(|tx| {
                let item = NewItem {
                    kind: ItemKind::ScanImage,
                    ref_id: "s1",
                    s3_key: "p/d/footprints/u/s1.png",
                    content_type: "image/png",
                    bytes: 10,
                };
                let a = enqueue(tx, &item, "2026-01-01T00:00:00Z")?;
                let b = enqueue(tx, &item, "2026-01-01T00:00:01Z")?;
                Ok((a, b))
            })
            .await
            .unwrap();
        assert_eq!(ids.0, ids.1);
    }

    fn queued_heartbeats(store: &Store) -> Vec<(String, String, String)> {
        store
            .call_blocking(|conn| {
                let mut stmt = conn.prepare(
                    "SELECT o.s3_key, o.ref_id, kv.value FROM outbox o
                     JOIN kv ON kv.key = o.ref_id
                     WHERE o.kind = 'heartbeat' AND o.done_at IS NULL ORDER BY o.id",
                )?;
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            })
            .unwrap()
    }

    fn beat(store: &Store, n: u32) -> HeartbeatQueued {
        store
            .call_blocking(move |conn| {
                let tx = conn.transaction()?;
                let placed = enqueue_heartbeat(
                    &tx,
                    "p/d/status/latest.json",
                    &format!("p/d/status/history/2026-01-01/{n:06}.json"),
                    &format!("{{\"n\":{n}}}"),
                    "2026-01-01T00:00:00Z",
                )?;
                tx.commit()?;
                Ok(placed)
            })
            .unwrap()
    }

    #[tokio::test]
    async fn heartbeats_queue_while_the_queue_is_short_and_replace_when_it_is_long() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(beat(&store, 1), HeartbeatQueued::Added);
        assert_eq!(beat(&store, 2), HeartbeatQueued::Added);
        let queued = queued_heartbeats(&store);
        // One latest row pointing at the newest document, and one history row each.
        assert_eq!(queued.len(), 3, "{queued:?}");
        let latest: Vec<_> = queued
            .iter()
            .filter(|q| q.0.ends_with("latest.json"))
            .collect();
        assert_eq!(latest.len(), 1);
        assert_eq!(latest[0].2, "{\"n\":2}");

        // A long queue (S3 unreachable, scans piling up): history rows stop growing.
        for n in 3..200 {
            beat(&store, n);
        }
        let queued = queued_heartbeats(&store);
        assert!(
            queued.len() as i64 <= HEARTBEAT_LONG_QUEUE,
            "{} heartbeat rows",
            queued.len()
        );
        let newest = queued
            .iter()
            .filter(|q| q.0.contains("/history/"))
            .max_by_key(|q| q.0.clone())
            .unwrap();
        assert!(newest.0.ends_with("000199.json"), "{newest:?}");
        assert_eq!(newest.2, "{\"n\":199}");
        // Replaced documents are gone from kv: only the queued ones are kept.
        let docs: i64 = store
            .call_blocking(|conn| {
                Ok(conn.query_row(
                    "SELECT COUNT(*) FROM kv WHERE key LIKE 'heartbeat:%'",
                    [],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
        assert_eq!(
            docs as usize,
            queued.len() - 1,
            "latest shares the newest document"
        );
    }
}
