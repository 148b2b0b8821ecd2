//! InBody health records: the `health_records` rows, their sheet pictures and outbox
//! items, and the reads of `GET /health-records`.
//!
//! # Order of durability (store-and-forward rule 1)
//! [`insert`] writes the row, its sheet picture (a BLOB in `health_pictures`, schema
//! version 3) and its two outbox items (picture, JSON record) in one transaction,
//! checking the storage budget again inside it; the commit is the one flush. A
//! transaction that fails leaves nothing, so nothing outside a row takes budget.

use rusqlite::{params, Connection, Row};
use serde::Serialize;

use super::budget::{self, BudgetExceeded};
use super::outbox::{self, ItemKind, NewItem};
use super::{Store, StoreError};

/// A health record to store, with everything its row and outbox items need.
#[derive(Debug, Clone)]
pub struct NewHealthRecord {
    pub record_id: String,
    pub user_id: Option<String>,
    pub engine: String,
    pub model: Option<String>,
    pub report_json: String,
    /// The sheet's picture and its type.
    pub picture: bytes::Bytes,
    pub image_mime: &'static str,
    pub image_key: String,
    pub record_key: String,
}

/// Why a record was not stored. Nothing of it is left behind in any case.
#[derive(Debug, thiserror::Error)]
pub enum InsertError {
    /// The storage budget cannot take it (checked inside the insert's transaction).
    #[error(transparent)]
    Exceeded(#[from] BudgetExceeded),
    /// The transaction failed (`StoreError::is_sqlite_full` for a full disk).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Stores `record`: row, picture and outbox items in one transaction.
/// `budget_bytes` is `storage.budget_bytes`.
pub async fn insert(
    store: &Store,
    budget_bytes: u64,
    record: NewHealthRecord,
) -> Result<(), InsertError> {
    let result = store
        .write(move |tx| {
            // The budget again, in the insert's transaction: uploads that passed the
            // check before their OCR together cannot overrun it.
            let incoming = record.picture.len() as u64 + record.report_json.len() as u64;
            let used = budget::usage(tx)?.total();
            if used.saturating_add(incoming) > budget_bytes {
                return Ok(Err(BudgetExceeded {
                    used,
                    incoming,
                    budget: budget_bytes,
                }));
            }
            let now = super::now_rfc3339();
            let bytes_len = record.picture.len() as u64;
            tx.execute(
                "INSERT INTO health_records (record_id, user_id, created_at, engine, model,
                    report_json, image_mime, image_bytes, image_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    record.record_id,
                    record.user_id,
                    now,
                    record.engine,
                    record.model,
                    record.report_json,
                    record.image_mime,
                    bytes_len as i64,
                    record.image_key
                ],
            )?;
            tx.execute(
                "INSERT INTO health_pictures (record_id, picture) VALUES (?1, ?2)",
                params![record.record_id, &record.picture[..]],
            )?;
            outbox::enqueue(
                tx,
                &NewItem {
                    kind: ItemKind::HealthImage,
                    ref_id: &record.record_id,
                    s3_key: &record.image_key,
                    content_type: record.image_mime,
                    bytes: bytes_len,
                },
                &now,
            )?;
            outbox::enqueue(
                tx,
                &NewItem {
                    kind: ItemKind::HealthRecord,
                    ref_id: &record.record_id,
                    s3_key: &record.record_key,
                    content_type: "application/json",
                    bytes: record.report_json.len() as u64,
                },
                &now,
            )?;
            Ok(Ok(()))
        })
        .await;
    match result {
        Ok(Ok(())) => Ok(()),
        Ok(Err(exceeded)) => Err(InsertError::Exceeded(exceeded)),
        Err(e) => Err(InsertError::Store(e)),
    }
}

/// A stored health record.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HealthRecord {
    pub record_id: String,
    pub user_id: Option<String>,
    pub created_at: String,
    pub engine: String,
    pub model: Option<String>,
    /// The S3 key of the sheet's picture.
    pub image_key: String,
    pub uploaded_at: Option<String>,
    /// The report as answered by `/ocr`.
    #[schema(value_type = Object)]
    pub report: serde_json::Value,
}

fn row_to_record(r: &Row<'_>) -> rusqlite::Result<HealthRecord> {
    let report: String = r.get(7)?;
    Ok(HealthRecord {
        record_id: r.get(0)?,
        user_id: r.get(1)?,
        created_at: r.get(2)?,
        engine: r.get(3)?,
        model: r.get(4)?,
        image_key: r.get(5)?,
        uploaded_at: r.get(6)?,
        report: serde_json::from_str(&report).unwrap_or(serde_json::Value::Null),
    })
}

const SELECT: &str = "SELECT record_id, user_id, created_at, engine, model, image_key, uploaded_at, report_json FROM health_records";

/// The records of `user_id` (or everyone's), newest first, at most `limit`.
pub fn list(
    conn: &Connection,
    user_id: Option<&str>,
    limit: u32,
) -> Result<Vec<HealthRecord>, StoreError> {
    let mut out = Vec::new();
    match user_id {
        Some(id) => {
            let mut st = conn.prepare_cached(&format!(
                "{SELECT} WHERE user_id = ?1 ORDER BY created_at DESC, record_id DESC LIMIT ?2"
            ))?;
            for r in st.query_map(params![id, limit], row_to_record)? {
                out.push(r?);
            }
        }
        None => {
            let mut st = conn.prepare_cached(&format!(
                "{SELECT} ORDER BY created_at DESC, record_id DESC LIMIT ?1"
            ))?;
            for r in st.query_map([limit], row_to_record)? {
                out.push(r?);
            }
        }
    }
    Ok(out)
}

/// One record by id.
pub fn get(conn: &Connection, record_id: &str) -> Result<Option<HealthRecord>, StoreError> {
    let mut st = conn.prepare_cached(&format!("{SELECT} WHERE record_id = ?1"))?;
    let mut rows = st.query_map([record_id], row_to_record)?;
    Ok(rows.next().transpose()?)
}

/// The reads of `GET /health-records` as async calls (on the blocking pool).
impl Store {
    /// [`list`].
    pub async fn health_records(
        &self,
        user_id: Option<String>,
        limit: u32,
    ) -> Result<Vec<HealthRecord>, StoreError> {
        self.call(move |conn| list(conn, user_id.as_deref(), limit))
            .await
    }

    /// [`get`].
    pub async fn health_record(
        &self,
        record_id: String,
    ) -> Result<Option<HealthRecord>, StoreError> {
        self.call(move |conn| get(conn, &record_id)).await
    }
}
