//! Outbox rows: what must still reach S3.
//!
//! [`enqueue`] runs inside the caller's transaction, together with the row it uploads
//! (rule 2), so a record and its upload are committed or lost together.

use rusqlite::{params, Transaction};

use crate::store::StoreError;

/// What an outbox item uploads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// A footprint picture file.
    ScanImage,
    /// The JSON document of a scan row.
    ScanRecord,
    /// The photo of an InBody sheet.
    HealthImage,
    /// The JSON document of a health record row.
    HealthRecord,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::ScanImage => "scan_image",
            ItemKind::ScanRecord => "scan_record",
            ItemKind::HealthImage => "health_image",
            ItemKind::HealthRecord => "health_record",
        }
    }

    pub fn parse(s: &str) -> Option<ItemKind> {
        Some(match s {
            "scan_image" => ItemKind::ScanImage,
            "scan_record" => ItemKind::ScanRecord,
            "health_image" => ItemKind::HealthImage,
            "health_record" => ItemKind::HealthRecord,
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
    /// File relative to the data dir (pictures); `None` for records built from rows.
    pub local_file: Option<&'a str>,
    pub content_type: &'a str,
    pub bytes: u64,
}

/// Adds an item inside `tx`; due at once. Returns its id. Enqueuing a key that is
/// already queued keeps the existing row (keys are deterministic) and returns its id.
pub fn enqueue(
    tx: &Transaction<'_>,
    item: &NewItem<'_>,
    now_rfc3339: &str,
) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO outbox (kind, ref_id, s3_key, local_file, content_type, bytes, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (s3_key) DO NOTHING",
        params![
            item.kind.as_str(),
            item.ref_id,
            item.s3_key,
            item.local_file,
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
    Ok(id)
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
                    local_file: Some("images/s1.png"),
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
}
