//! `carenco-edge fleet status`: one row per kiosk sharing the bucket, from each
//! kiosk's `{prefix}/{device_id}/status/latest.json`.
//!
//! Kiosks are found by listing `{prefix}/` with the `/` delimiter (every kiosk has a
//! folder there); a folder whose name is not a valid device id is skipped. "Last seen"
//! is the object's `Last-Modified` (the bucket's clock), not the kiosk's own
//! `sent_at`: a kiosk's clock may be off (no real-time clock), the store's is not.
//! A kiosk is **stale** when it was last seen more than [`MISSED_HEARTBEATS`] of its
//! own intervals ago, or never sent a heartbeat.

use serde::Serialize;
use time::OffsetDateTime;

#[cfg(feature = "fleet-status")]
use super::FleetError;
use super::Heartbeat;

/// Heartbeats missed before a kiosk counts as stale.
pub const MISSED_HEARTBEATS: u64 = 3;

/// One kiosk of the fleet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KioskRow {
    pub device_id: String,
    pub version: Option<String>,
    /// When the bucket stored its latest heartbeat (RFC 3339).
    pub last_seen: Option<String>,
    pub age_s: Option<u64>,
    pub heartbeat_s: Option<u64>,
    pub pending: Option<u64>,
    pub oldest_pending_age_s: Option<u64>,
    pub last_error: Option<String>,
    pub mat_connected: Option<bool>,
    pub clock_synced: Option<bool>,
    pub ready: Option<bool>,
    pub stale: bool,
    /// Why the row has no document (missing or unreadable), when it has none.
    pub problem: Option<String>,
}

/// Whether a heartbeat `age_s` old, sent every `heartbeat_s`, means the kiosk is gone.
pub fn is_stale(age_s: u64, heartbeat_s: u64) -> bool {
    age_s > MISSED_HEARTBEATS.saturating_mul(heartbeat_s.max(1))
}

/// The row of `device_id` from its latest document (or why there is none).
pub fn row(
    device_id: &str,
    latest: Result<(Heartbeat, OffsetDateTime), String>,
    now: OffsetDateTime,
) -> KioskRow {
    match latest {
        Ok((hb, stored)) => {
            let age_s = (now - stored).whole_seconds().max(0) as u64;
            let heartbeat_s = hb.heartbeat_s.max(1);
            KioskRow {
                device_id: device_id.to_string(),
                version: Some(hb.version),
                last_seen: stored
                    .format(&time::format_description::well_known::Rfc3339)
                    .ok(),
                age_s: Some(age_s),
                heartbeat_s: Some(heartbeat_s),
                pending: Some(hb.queue.pending),
                oldest_pending_age_s: hb.queue.oldest_pending_age_s,
                last_error: hb.queue.last_error,
                mat_connected: Some(hb.mat.connected),
                clock_synced: Some(hb.clock_synced),
                ready: Some(hb.ready),
                stale: is_stale(age_s, heartbeat_s),
                problem: None,
            }
        }
        Err(problem) => KioskRow {
            device_id: device_id.to_string(),
            version: None,
            last_seen: None,
            age_s: None,
            heartbeat_s: None,
            pending: None,
            oldest_pending_age_s: None,
            last_error: None,
            mat_connected: None,
            clock_synced: None,
            ready: None,
            stale: true,
            problem: Some(problem),
        },
    }
}

/// Every kiosk under `prefix` in `bucket`, sorted by device id. Only with the
/// `fleet-status` feature (on by default; the Pi build leaves it out: the S3 read
/// operations cost the binary bytes, and a kiosk's credentials may only write).
#[cfg(feature = "fleet-status")]
pub async fn list(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    prefix: &str,
) -> Result<Vec<KioskRow>, FleetError> {
    let base = crate::sync::keys::fleet_prefix(prefix);
    let mut ids = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(&base)
            .delimiter("/")
            .set_continuation_token(token.take())
            .send()
            .await
            .map_err(|e| FleetError::List {
                bucket: bucket.to_string(),
                prefix: base.clone(),
                message: crate::sync::object_store::describe(&e),
            })?;
        for folder in page.common_prefixes() {
            let id = folder
                .prefix()
                .and_then(|p| p.strip_prefix(base.as_str()))
                .map(|p| p.trim_end_matches('/'));
            match id {
                Some(id) if crate::config::is_key_segment(id) => ids.push(id.to_string()),
                // Not a kiosk's folder (another tool's data): not ours to judge.
                _ => {}
            }
        }
        match page.next_continuation_token() {
            Some(next) if page.is_truncated() == Some(true) => token = Some(next.to_string()),
            _ => break,
        }
    }
    ids.sort();
    ids.dedup();
    let now = OffsetDateTime::now_utc();
    let mut rows = Vec::with_capacity(ids.len());
    for id in ids {
        let key = format!("{base}{id}/status/latest.json");
        rows.push(row(&id, latest(client, bucket, &key).await, now));
    }
    Ok(rows)
}

/// The latest document and when the bucket stored it, or why there is none.
#[cfg(feature = "fleet-status")]
async fn latest(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
) -> Result<(Heartbeat, OffsetDateTime), String> {
    let object = match client.get_object().bucket(bucket).key(key).send().await {
        Ok(object) => object,
        Err(e) => {
            use aws_sdk_s3::error::ProvideErrorMetadata as _;
            if e.code() == Some("NoSuchKey") {
                return Err("no heartbeat yet".to_string());
            }
            return Err(FleetError::Get {
                bucket: bucket.to_string(),
                key: key.to_string(),
                message: crate::sync::object_store::describe(&e),
            }
            .to_string());
        }
    };
    let stored = object
        .last_modified()
        .and_then(|t| OffsetDateTime::from_unix_timestamp(t.secs()).ok())
        .ok_or_else(|| format!("{key} has no Last-Modified"))?;
    let body = object
        .body
        .collect()
        .await
        .map_err(|e| format!("reading {key}: {e}"))?
        .into_bytes();
    let hb = Heartbeat::parse(&body).map_err(|e| format!("{key}: {e}"))?;
    Ok((hb, stored))
}

/// The table `fleet status` prints.
pub fn render(rows: &[KioskRow]) -> String {
    use std::fmt::Write as _;
    let opt = |v: Option<String>| v.unwrap_or_else(|| "-".into());
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<24} {:<8} {:<20} {:>7} {:>7} {:<4} {:<5} {:<6} last error",
        "device", "version", "last seen", "age s", "pending", "mat", "clock", "state"
    );
    for r in rows {
        let state = if r.stale { "STALE" } else { "ok" };
        let mat = match r.mat_connected {
            Some(true) => "yes",
            Some(false) => "no",
            None => "-",
        };
        let clock = match r.clock_synced {
            Some(true) => "sync",
            Some(false) => "UNSYN",
            None => "-",
        };
        let error = r
            .problem
            .clone()
            .or_else(|| r.last_error.clone())
            .unwrap_or_else(|| "-".into());
        let last_seen = opt(r.last_seen.clone());
        let _ = writeln!(
            out,
            "{:<24} {:<8} {:<20} {:>7} {:>7} {:<4} {:<5} {:<6} {}",
            r.device_id,
            opt(r.version.clone()),
            last_seen.get(..19).unwrap_or(&last_seen),
            opt(r.age_s.map(|a| a.to_string())),
            opt(r.pending.map(|p| p.to_string())),
            mat,
            clock,
            state,
            error
        );
    }
    let stale = rows.iter().filter(|r| r.stale).count();
    let _ = writeln!(
        out,
        "{} kiosks, {stale} stale (no heartbeat for {MISSED_HEARTBEATS} intervals)",
        rows.len()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_kiosk_is_stale_after_three_missed_heartbeats() {
        assert!(!is_stale(0, 300));
        assert!(!is_stale(900, 300));
        assert!(is_stale(901, 300));
        assert!(is_stale(4, 1));
        assert!(!is_stale(2, 0), "an interval of 0 counts as 1 s");
    }

    #[test]
    fn rows_come_from_the_document_and_the_stores_clock() {
        let hb = Heartbeat {
            device_id: "k1".into(),
            version: "0.2.0".into(),
            heartbeat_s: 60,
            clock_synced: false,
            ..Heartbeat::default()
        };
        let now = datetime!(2026-01-01 00:10:00 UTC);
        let r = row(
            "k1",
            Ok((hb.clone(), datetime!(2026-01-01 00:08:00 UTC))),
            now,
        );
        assert_eq!(r.age_s, Some(120));
        assert!(!r.stale);
        assert_eq!(r.clock_synced, Some(false));
        let r = row("k1", Ok((hb, datetime!(2026-01-01 00:06:59 UTC))), now);
        assert!(r.stale);
        let r = row("k2", Err("no heartbeat yet".into()), now);
        assert!(r.stale);
        let table = render(&[r]);
        assert!(table.contains("k2") && table.contains("STALE"), "{table}");
        assert!(table.contains("no heartbeat yet"), "{table}");
        assert!(table.contains("1 kiosks, 1 stale"), "{table}");
    }
}
