//! The `calibration` table: every calibration ever in force, the newest one first.
//!
//! The model and its steps are `footprint::calibration`'s (pure); this module only
//! appends a validated calibration ([`save`]) and reads the one in force
//! ([`load_current`]). A stored calibration that no longer validates is an error
//! ([`StoreError::Calibration`]), never silently replaced.

use rusqlite::{Connection, OptionalExtension, Transaction};

use super::{now_rfc3339, Store, StoreError};
use crate::footprint::calibration::Calibration;
use crate::mat::WireFormat;

/// The newest saved calibration, if any (blocking; inside a `Store::call`).
pub fn load_current_blocking(conn: &Connection) -> Result<Option<Calibration>, StoreError> {
    let json: Option<String> = conn
        .query_row(
            "SELECT data_json FROM calibration ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    Ok(json.map(|j| Calibration::from_json(&j)).transpose()?)
}

/// Appends `cal` as the calibration in force (inside the caller's transaction).
/// `kind` is one of `tare`, `known_weight`, `import`, `reset`.
pub fn save_in(tx: &Transaction<'_>, kind: &str, cal: &Calibration) -> Result<(), StoreError> {
    cal.validate()?;
    let json = serde_json::to_string(cal)
        .map_err(crate::footprint::calibration::CalibrationError::from)?;
    tx.execute(
        "INSERT INTO calibration (created_at, kind, data_json) VALUES (?1, ?2, ?3)",
        rusqlite::params![now_rfc3339(), kind, json],
    )?;
    Ok(())
}

/// The newest saved calibration, if any.
pub async fn load_current(store: &Store) -> Result<Option<Calibration>, StoreError> {
    store.call(|conn| load_current_blocking(conn)).await
}

/// The calibration in force for this mat: the newest saved one, or the factory one.
pub async fn load_or_factory(
    store: &Store,
    format: WireFormat,
    rows: u16,
    cols: u16,
) -> Result<Calibration, StoreError> {
    Ok(load_current(store)
        .await?
        .unwrap_or_else(|| Calibration::factory(format, rows, cols)))
}

/// Appends `cal` as the calibration in force.
pub async fn save(store: &Store, kind: &'static str, cal: &Calibration) -> Result<(), StoreError> {
    cal.validate()?;
    let cal = cal.clone();
    store.write(move |tx| save_in(tx, kind, &cal)).await
}

/// When the newest calibration was saved (`None`: the factory one is in force).
pub async fn newest_at(store: &Store) -> Result<Option<String>, StoreError> {
    store
        .call(|conn| {
            Ok(conn.query_row("SELECT MAX(created_at) FROM calibration", [], |r| r.get(0))?)
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mat::Frame;

    /// A frame with some load on it (the tare needs one; its values do not matter).
    fn loaded_frame() -> Frame {
        Frame {
            rows: 24,
            cols: 24,
            cells: (0..576).map(|i| (i % 7) as u16).collect(),
            load_cell: Some(-3),
            seq: None,
            device_ms: None,
        }
    }

    #[tokio::test]
    async fn the_newest_saved_calibration_is_in_force_after_reopening_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert!(load_current(&store).await.unwrap().is_none());
        let factory = Calibration::factory(WireFormat::Legacy, 24, 24);
        save(&store, "reset", &factory).await.unwrap();
        let tared = factory.tare(&[loaded_frame()]).unwrap();
        save(&store, "tare", &tared).await.unwrap();
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(load_current(&store).await.unwrap(), Some(tared));
    }
}
