//! Whether the system clock has been synchronised (NTP) since boot.
//!
//! A Raspberry Pi has no real-time clock: until NTP answers, the clock starts from
//! the last shutdown (fake-hwclock) or from 1970, and ids and timestamps written
//! meanwhile can be days or years off. The unit orders itself after
//! `time-sync.target`, but that target does not wait for a sync by default, and the
//! kiosk must work offline: so the service starts anyway and says so. Records
//! uploaded meanwhile carry `"clock_synced": false`, heartbeats carry the flag, and
//! `/check` has a `clock` object that warns.
//!
//! How it is known: systemd-timesyncd (Pi OS's default) creates
//! [`TIMESYNC_FLAG`] once it has synchronised the clock; without it, the kernel's NTP
//! state (`adjtimex(2)` read-only, the rule `timedatectl` uses: maximum error below
//! 16 s). The unit's seccomp filter (`ProtectClock=yes`) denies `adjtimex`, so under
//! systemd the flag file is what counts. Once synced, the answer is kept (the clock
//! does not go back to unsynchronised).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// Created by systemd-timesyncd after its first successful synchronisation.
pub const TIMESYNC_FLAG: &str = "/run/systemd/timesync/synchronized";

/// The kernel's limit for "synchronised" (µs), as systemd's `ntp_synced()` uses it.
pub const MAX_ERROR_SYNCED_US: i64 = 16_000_000;

static SYNCED: AtomicBool = AtomicBool::new(false);

/// Whether the clock is synchronised; cheap (a `stat` until the first yes, then a load).
pub fn synced() -> bool {
    if SYNCED.load(Ordering::Relaxed) {
        return true;
    }
    let now = decide(Path::new(TIMESYNC_FLAG).exists(), kernel_max_error_us());
    if now {
        SYNCED.store(true, Ordering::Relaxed);
        tracing::info!("the system clock is synchronised");
    }
    now
}

/// The rule: the timesyncd flag, else the kernel's maximum error when it can be read.
pub fn decide(timesync_flag: bool, kernel_max_error_us: Option<i64>) -> bool {
    timesync_flag || kernel_max_error_us.is_some_and(|e| (0..MAX_ERROR_SYNCED_US).contains(&e))
}

/// The kernel's maximum clock error (µs) from a read-only `adjtimex`, or `None` when
/// the call is refused (seccomp) or fails.
#[cfg(target_os = "linux")]
// `c_long` is i32 on armv7, i64 on aarch64.
#[allow(clippy::unnecessary_cast)]
fn kernel_max_error_us() -> Option<i64> {
    // SAFETY: `modes = 0` only reads; the struct is zeroed and owned by us.
    let mut tx: libc::timex = unsafe { std::mem::zeroed() };
    tx.modes = 0;
    let rc = unsafe { libc::adjtimex(&mut tx) };
    (rc >= 0).then_some(tx.maxerror as i64)
}

#[cfg(not(target_os = "linux"))]
fn kernel_max_error_us() -> Option<i64> {
    None
}

/// `/check`'s `clock` object: `ok` false (a warning, not a 503) until synced.
pub fn check_json() -> serde_json::Value {
    let synced = synced();
    let mut value = serde_json::json!({
        "ok": synced,
        "synced": synced,
        "now": crate::timestamp::now_rfc3339(),
    });
    if !synced {
        value["message"] = "the system clock is not synchronised yet (no NTP answer since boot): \
            timestamps of new records may be wrong, and they are marked clock_synced: false"
            .into();
        value["message_ko"] = "시스템 시계가 아직 동기화되지 않았습니다 (부팅 후 NTP 응답 없음): \
            새 기록의 시각이 틀릴 수 있으며 clock_synced: false 로 표시됩니다"
            .into();
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timesyncd_flag_or_a_small_kernel_error_means_synced() {
        assert!(decide(true, None));
        assert!(decide(true, Some(i64::MAX)));
        assert!(decide(false, Some(0)));
        assert!(decide(false, Some(MAX_ERROR_SYNCED_US - 1)));
        assert!(!decide(false, Some(MAX_ERROR_SYNCED_US)));
        assert!(!decide(false, Some(-1)));
        assert!(!decide(false, None), "unknown is not synced");
    }

    #[test]
    fn the_check_object_warns_in_both_languages_until_synced() {
        let v = check_json();
        assert_eq!(v["ok"], v["synced"]);
        if v["synced"] == false {
            assert!(v["message"].as_str().unwrap().contains("not synchronised"));
            assert!(v["message_ko"].as_str().unwrap().contains("동기화"));
        }
    }
}
