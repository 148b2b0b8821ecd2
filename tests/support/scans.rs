//! Writes scans the way the `/image` handler does (store-and-forward rules 1 and 2):
//! the scan row, its picture (a BLOB) and its two outbox items (the picture and the
//! JSON record) in one transaction, through the store's own `scans::insert`.
#![allow(dead_code)]

use carenco_edge::config::S3Config;
use carenco_edge::store::scans::{self, NewScan};
use carenco_edge::store::{now_rfc3339, Store};
use carenco_edge::sync::keys::{self, RecordKind};

/// A scan written by [`insert_scan`].
#[derive(Debug, Clone)]
pub struct WrittenScan {
    pub scan_id: String,
    pub image_key: String,
    pub record_key: String,
    pub picture: Vec<u8>,
    pub outbox_ids: [i64; 2],
}

/// A picture of `len` bytes whose content depends on `seed` (not a real PNG: S3 does
/// not care, and the test compares bytes).
pub fn picture(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// One scan in a transaction of its own, as the handler commits a group of one.
pub fn insert_scan(store: &Store, s3: &S3Config, user_id: &str, picture: Vec<u8>) -> WrittenScan {
    let mut written = insert_scans_bulk(store, s3, user_id, vec![picture]);
    written.remove(0)
}

/// Many scans in one transaction: quick set-up of a big queue for benches (one group
/// commit of them all).
pub fn insert_scans_bulk(
    store: &Store,
    s3: &S3Config,
    user_id: &str,
    pictures: Vec<Vec<u8>>,
) -> Vec<WrittenScan> {
    let scans: Vec<(NewScan, Vec<u8>)> = pictures
        .into_iter()
        .map(|picture| (new_scan(s3, user_id, &picture), picture))
        .collect();
    store
        .call_blocking(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut out = Vec::new();
            for (scan, picture) in scans {
                let outbox_ids = scans::insert(&tx, &scan)?;
                out.push(WrittenScan {
                    scan_id: scan.scan_id,
                    image_key: scan.image_key,
                    record_key: scan.record_key,
                    picture,
                    outbox_ids,
                });
            }
            tx.commit()?;
            Ok(out)
        })
        .expect("insert scans")
}

fn new_scan(s3: &S3Config, user_id: &str, picture: &[u8]) -> NewScan {
    let scan_id = uuid::Uuid::now_v7().to_string();
    let image_key = keys::footprint_image(s3, user_id, &scan_id, "png");
    NewScan {
        kind: "footprint",
        record_key: keys::record(s3, RecordKind::Scan, &scan_id),
        url: keys::public_url(s3, &image_key),
        image_key,
        scan_id,
        user_id: user_id.to_string(),
        created_at: now_rfc3339(),
        source: "data",
        wire_format: Some("legacy".into()),
        rows: 2,
        cols: 2,
        pitch_mm: 16.9,
        raw_cells: vec![1, 0, 2, 0, 3, 0, 4, 0],
        load_cell: None,
        weight_kg: None,
        weight_source: None,
        arch_type: None,
        metrics_json: "{\"contact_area_cm2\": 12.5}".into(),
        picture: picture.to_vec().into(),
        image_mime: "image/png".into(),
        record_bytes: 1024,
    }
}
