//! Writes scans the way the `/image` handler does (store-and-forward rules 1 and 2):
//! the picture file first, fsynced; then the scan row and its two outbox items (the
//! picture and the JSON record) in one transaction.
#![allow(dead_code)]

use std::io::Write as _;
use std::path::Path;

use carenco_edge::config::S3Config;
use carenco_edge::store::outbox::{self, ItemKind, NewItem};
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

pub fn insert_scan(
    store: &Store,
    data_dir: &Path,
    s3: &S3Config,
    user_id: &str,
    picture: Vec<u8>,
) -> WrittenScan {
    let (scan_id, file) = write_picture(data_dir, &picture, true);
    let mut written = store
        .call_blocking(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let written = insert_rows(&tx, s3, user_id, scan_id, file, picture)?;
            tx.commit()?;
            Ok(vec![written])
        })
        .expect("insert scan");
    written.remove(0)
}

/// Many scans in one transaction, pictures not fsynced: quick set-up of a big queue
/// for benches (not how the handler stores one scan).
pub fn insert_scans_bulk(
    store: &Store,
    data_dir: &Path,
    s3: &S3Config,
    user_id: &str,
    pictures: Vec<Vec<u8>>,
) -> Vec<WrittenScan> {
    let files: Vec<_> = pictures
        .iter()
        .map(|p| write_picture(data_dir, p, false))
        .collect();
    store
        .call_blocking(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut out = Vec::new();
            for ((scan_id, file), picture) in files.into_iter().zip(pictures) {
                out.push(insert_rows(&tx, s3, user_id, scan_id, file, picture)?);
            }
            tx.commit()?;
            Ok(out)
        })
        .expect("insert scans")
}

fn write_picture(data_dir: &Path, picture: &[u8], fsync: bool) -> (String, String) {
    let scan_id = uuid::Uuid::now_v7().to_string();
    let file = format!("images/{scan_id}.png");
    std::fs::create_dir_all(data_dir.join("images")).expect("images dir");
    let mut f = std::fs::File::create(data_dir.join(&file)).expect("picture file");
    f.write_all(picture).expect("write picture");
    if fsync {
        f.sync_all().expect("fsync picture");
    }
    (scan_id, file)
}

fn insert_rows(
    tx: &rusqlite::Transaction<'_>,
    s3: &S3Config,
    user_id: &str,
    scan_id: String,
    file: String,
    picture: Vec<u8>,
) -> Result<WrittenScan, carenco_edge::store::StoreError> {
    let image_key = keys::footprint_image(s3, user_id, &scan_id, "png");
    let record_key = keys::record(s3, RecordKind::Scan, &scan_id);
    let url = keys::public_url(s3, &image_key);
    let (sid, uid, ik, rk, len) = (&scan_id, user_id, &image_key, &record_key, picture.len());
    let now = now_rfc3339();
    tx.execute(
        "INSERT INTO scans (scan_id, user_id, created_at, source, wire_format, rows, cols,
                    pitch_mm, raw_cells, metrics_json, image_file, image_mime, image_bytes,
                    image_key, url)
                 VALUES (?1, ?2, ?3, 'data', 'legacy', 2, 2, 16.9, x'0100020003000400',
                    '{\"contact_area_cm2\": 12.5}', ?4, 'image/png', ?5, ?6, ?7)",
        rusqlite::params![sid, uid, now, file, len as i64, ik, url],
    )?;
    let a = outbox::enqueue(
        tx,
        &NewItem {
            kind: ItemKind::ScanImage,
            ref_id: sid,
            s3_key: ik,
            local_file: Some(&file),
            content_type: "image/png",
            bytes: len as u64,
        },
        &now,
    )?;
    let b = outbox::enqueue(
        tx,
        &NewItem {
            kind: ItemKind::ScanRecord,
            ref_id: sid,
            s3_key: rk,
            local_file: None,
            content_type: "application/json",
            bytes: 1024,
        },
        &now,
    )?;
    Ok(WrittenScan {
        scan_id,
        image_key,
        record_key,
        picture,
        outbox_ids: [a, b],
    })
}
