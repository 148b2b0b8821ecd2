//! A fleet of kiosks sharing one bucket: each kiosk's heartbeat, and the operator's
//! view of all of them (`carenco-edge fleet status`, [`status`]).
//!
//! What this module owns:
//! - The heartbeat document ([`Heartbeat`]): version, uptime, the `/check` summary,
//!   the upload queue (depth, oldest item, last success and error), the mat's
//!   counters, the calibration's age, disk use and whether the clock is synchronised
//!   ([`clock`]).
//! - The heartbeat task ([`spawn_heartbeat`]): every `fleet.heartbeat_s` it queues the
//!   document through the outbox, to `{prefix}/{device_id}/status/latest.json` and a
//!   dated history key (`crate::sync::keys`). Only when a bucket is set. The outbox
//!   uploads it after every other due item, and replaces rather than queues it when
//!   the queue is long (`crate::store::outbox::enqueue_heartbeat`): a heartbeat never
//!   delays a scan, and an offline kiosk does not pile them up.
//!
//! The first heartbeat goes out one interval after start, then one per interval. The
//! document holds no secret and no personal data (no user id, no record).

pub mod clock;
pub mod status;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::service::Service;
use crate::store::StoreError;

/// The version of the heartbeat document's layout (`schema`).
pub const HEARTBEAT_SCHEMA: u32 = 1;

/// Errors of the fleet module.
#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    #[error("queueing the heartbeat: {0}")]
    Store(#[from] StoreError),
    #[error("not a heartbeat document: {0}")]
    Document(#[from] serde_json::Error),
    #[error("listing s3://{bucket}/{prefix}: {message}")]
    List {
        bucket: String,
        prefix: String,
        message: String,
    },
    #[error("reading s3://{bucket}/{key}: {message}")]
    Get {
        bucket: String,
        key: String,
        message: String,
    },
}

/// The status document a kiosk uploads every `fleet.heartbeat_s`. Every field has a
/// default, so documents of older and newer versions still read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Heartbeat {
    pub schema: u32,
    pub device_id: String,
    pub version: String,
    /// The kiosk's clock when sent (RFC 3339); see `clock_synced`.
    pub sent_at: String,
    pub uptime_s: u64,
    /// The interval the kiosk sends at: `fleet status` calls it stale after three.
    pub heartbeat_s: u64,
    /// False while the clock has not been synchronised since boot.
    pub clock_synced: bool,
    /// `/check`'s readiness (records can be stored).
    pub ready: bool,
    /// `ok` of every `/check` component.
    pub check: BTreeMap<String, bool>,
    pub queue: QueueSummary,
    pub mat: MatSummary,
    /// Seconds since the calibration in force was made; null for the factory one.
    pub calibration_age_s: Option<u64>,
    pub disk: Option<DiskUse>,
}

/// The upload queue (records and pictures; heartbeats are not counted).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct QueueSummary {
    pub pending: u64,
    pub pending_bytes: u64,
    pub oldest_pending_age_s: Option<u64>,
    pub last_success: Option<String>,
    pub last_error: Option<String>,
}

/// The mat, as `/check`'s `scanner` object has it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MatSummary {
    pub enabled: bool,
    pub connected: bool,
    pub frames_decoded: u64,
    pub frames_rejected: u64,
    pub disconnects: u64,
}

/// The file system of the data directory.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DiskUse {
    pub total_bytes: u64,
    pub free_bytes: u64,
    pub used_pct: f64,
}

impl Heartbeat {
    /// Reads a document (`fleet status`); unknown fields are ignored.
    pub fn parse(bytes: &[u8]) -> Result<Heartbeat, FleetError> {
        Ok(serde_json::from_slice(bytes)?)
    }
}

/// The document for the running service now.
pub async fn heartbeat(state: &Service) -> Heartbeat {
    let (ready, components) = state.check().await;
    let check = components
        .iter()
        .map(|(name, v)| (name.clone(), v["ok"].as_bool().unwrap_or(false)))
        .collect();
    let queue = match state.sync.status().await {
        Ok(s) => QueueSummary {
            pending: s.pending,
            pending_bytes: s.pending_bytes,
            oldest_pending_age_s: s.oldest_pending_age_s,
            last_success: s.last_success,
            last_error: s.last_error,
        },
        Err(error) => QueueSummary {
            last_error: Some(format!("cannot read the queue: {error}")),
            ..QueueSummary::default()
        },
    };
    let scanner = components.get("scanner");
    let count = |key: &str| scanner.and_then(|s| s[key].as_u64()).unwrap_or(0);
    let mat = MatSummary {
        enabled: scanner
            .and_then(|s| s.get("enabled"))
            .and_then(|v| v.as_bool())
            .unwrap_or(state.config.scanner.enabled),
        connected: scanner
            .and_then(|s| s["connected"].as_bool())
            .unwrap_or(false),
        frames_decoded: count("frames_decoded"),
        frames_rejected: count("frames_rejected"),
        disconnects: count("disconnects"),
    };
    let calibration_age_s = calibration_age_s(state).await;
    Heartbeat {
        schema: HEARTBEAT_SCHEMA,
        device_id: state.config.s3.device_id.clone(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        sent_at: crate::store::now_rfc3339(),
        uptime_s: state.started_at.elapsed().as_secs(),
        heartbeat_s: state.config.fleet.heartbeat_s,
        clock_synced: clock::synced(),
        ready,
        check,
        queue,
        mat,
        calibration_age_s,
        disk: disk_use(&state.config.storage.data_dir),
    }
}

/// Age of the newest calibration row, or `None` (factory calibration, unreadable).
async fn calibration_age_s(state: &Service) -> Option<u64> {
    let newest = crate::store::calibration::newest_at(&state.store)
        .await
        .ok()
        .flatten();
    let then =
        time::OffsetDateTime::parse(&newest?, &time::format_description::well_known::Rfc3339)
            .ok()?;
    Some(
        (time::OffsetDateTime::now_utc() - then)
            .whole_seconds()
            .max(0) as u64,
    )
}

/// Size and free space of the file system holding `dir` (`statvfs`).
// The statvfs field types differ between targets (u32 on armv7, u64 on aarch64).
#[allow(clippy::unnecessary_cast)]
pub fn disk_use(dir: &std::path::Path) -> Option<DiskUse> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: a NUL-terminated path and a zeroed struct we own.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(path.as_ptr(), &mut st) } != 0 {
        return None;
    }
    let frsize = st.f_frsize as u64;
    let total = (st.f_blocks as u64).saturating_mul(frsize);
    let free = (st.f_bavail as u64).saturating_mul(frsize);
    let used_pct = if total == 0 {
        0.0
    } else {
        ((total.saturating_sub(free)) as f64 * 1000.0 / total as f64).round() / 10.0
    };
    Some(DiskUse {
        total_bytes: total,
        free_bytes: free,
        used_pct,
    })
}

/// Queues one heartbeat through the outbox and wakes the worker.
pub async fn send_heartbeat(state: &Service) -> Result<(), FleetError> {
    let doc = serde_json::to_string(&heartbeat(state).await)?;
    let s3 = &state.config.s3;
    let latest = crate::sync::keys::status_latest(s3);
    let history = crate::sync::keys::status_history(s3, time::OffsetDateTime::now_utc());
    let now = crate::store::now_rfc3339();
    state
        .store
        .enqueue_heartbeat(latest, history, doc, now)
        .await?;
    state.sync.wake();
    Ok(())
}

/// Starts the heartbeat task when uploads are on; it stops when `stop` turns true.
pub fn spawn_heartbeat(
    state: Arc<Service>,
    mut stop: watch::Receiver<bool>,
) -> Option<JoinHandle<()>> {
    if !state.sync.enabled() {
        return None;
    }
    let period = Duration::from_secs(state.config.fleet.heartbeat_s.max(1));
    Some(tokio::spawn(async move {
        let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticker.tick() => {
                    if let Err(error) = send_heartbeat(&state).await {
                        tracing::warn!(%error, "heartbeat not queued");
                    }
                }
                changed = stop.changed() => {
                    if changed.is_err() || *stop.borrow() {
                        return;
                    }
                }
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn disk_use_of_the_temp_dir_is_plausible() {
        let dir = tempfile::tempdir().unwrap();
        let d = disk_use(dir.path()).unwrap();
        assert!(d.total_bytes > 0 && d.free_bytes <= d.total_bytes, "{d:?}");
        assert!((0.0..=100.0).contains(&d.used_pct), "{d:?}");
        assert!(disk_use(&dir.path().join("missing")).is_none());
    }

    #[test]
    fn a_document_of_another_version_still_reads() {
        let hb = Heartbeat::parse(br#"{"device_id":"k1","version":"0.0.9","future":1}"#).unwrap();
        assert_eq!(hb.device_id, "k1");
        assert_eq!(hb.queue.pending, 0);
        assert!(Heartbeat::parse(b"[1,2]").is_err());
        assert!(Heartbeat::parse(b"").is_err());
    }

    fn heartbeat_strategy() -> impl Strategy<Value = Heartbeat> {
        (
            "[a-z0-9-]{1,20}",
            any::<u64>(),
            1u64..86_400,
            any::<bool>(),
            proptest::collection::btree_map("[a-z]{1,8}", any::<bool>(), 0..5),
            (
                any::<u64>(),
                proptest::option::of(any::<u64>()),
                proptest::option::of("\\PC{0,40}"),
            ),
            (any::<bool>(), any::<u64>()),
            proptest::option::of(any::<u64>()),
        )
            .prop_map(
                |(device_id, uptime_s, heartbeat_s, synced, check, q, m, cal)| Heartbeat {
                    schema: HEARTBEAT_SCHEMA,
                    device_id,
                    version: "0.1.0".into(),
                    sent_at: "2026-01-01T00:00:00.000Z".into(),
                    uptime_s,
                    heartbeat_s,
                    clock_synced: synced,
                    ready: synced,
                    check,
                    queue: QueueSummary {
                        pending: q.0,
                        oldest_pending_age_s: q.1,
                        last_error: q.2,
                        ..QueueSummary::default()
                    },
                    mat: MatSummary {
                        connected: m.0,
                        frames_decoded: m.1,
                        ..MatSummary::default()
                    },
                    calibration_age_s: cal,
                    disk: None,
                },
            )
    }

    proptest! {
        #[test]
        fn a_heartbeat_reads_back_as_written(hb in heartbeat_strategy()) {
            let bytes = serde_json::to_vec(&hb).unwrap();
            prop_assert_eq!(Heartbeat::parse(&bytes).unwrap(), hb);
        }

        #[test]
        fn parsing_any_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = Heartbeat::parse(&bytes);
        }
    }
}
