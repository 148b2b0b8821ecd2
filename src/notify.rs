//! systemd integration over the `sd_notify` protocol: what this module owns is every
//! message the service sends to its service manager.
//!
//! - `READY=1` once the API listens ([`ready`], called by `app::run` with the listener
//!   already bound), so `systemctl start` returns only when the kiosk can call us.
//! - `WATCHDOG=1` at half `WatchdogSec` from a task on the service's runtime
//!   ([`spawn_watchdog`]): when the runtime stalls, the pings stop and systemd restarts
//!   the service. The interval comes from `WATCHDOG_USEC` (and `WATCHDOG_PID`, when set,
//!   must be our pid), exactly as `sd_watchdog_enabled(3)` reads them.
//! - `STATUS=` text with the upload queue depth and each component's state, refreshed
//!   on every ping (`systemctl status carenco-edge` shows it).
//! - `STOPPING=1` as soon as shutdown starts ([`stopping`]).
//! - `EXTEND_TIMEOUT_USEC=` while a long start makes progress ([`still_starting`]):
//!   the first start after an upgrade from schema version 2 moves every picture file
//!   into the database, which on a full SD card can take longer than the unit's
//!   `TimeoutStartSec`.
//!
//! Without `NOTIFY_SOCKET` (a terminal, the tests' in-process service) every function
//! is a no-op. sd-notify 0.5's `notify` never unsets `NOTIFY_SOCKET` (0.4's
//! `notify(true, …)` did, after which the watchdog pings silently stopped and systemd
//! killed a healthy service).

use std::sync::Arc;
use std::time::Duration;

use sd_notify::NotifyState;
use tokio::task::JoinHandle;

use crate::service::Service;
use crate::status::ComponentStatus;

/// Environment variable naming the service manager's datagram socket.
pub const NOTIFY_SOCKET_ENV: &str = "NOTIFY_SOCKET";
/// How often STATUS= is refreshed when systemd runs us without a watchdog.
pub const STATUS_INTERVAL: Duration = Duration::from_secs(15);
/// Longest time gathering the STATUS text may take; a slow component must never delay
/// the next watchdog ping.
pub const STATUS_GATHER_TIMEOUT: Duration = Duration::from_secs(2);
/// Shortest ping interval accepted, whatever `WATCHDOG_USEC` says (keeps a typo from
/// turning the loop into a busy loop).
pub const MIN_PING_INTERVAL: Duration = Duration::from_millis(10);

/// Whether a service manager listens (`NOTIFY_SOCKET` is set).
pub fn enabled() -> bool {
    std::env::var_os(NOTIFY_SOCKET_ENV).is_some_and(|s| !s.is_empty())
}

/// The ping interval for `WATCHDOG_USEC` / `WATCHDOG_PID`: half the watchdog timeout,
/// or `None` when no watchdog applies to this process (`sd_watchdog_enabled(3)`: the
/// timeout must be a positive integer; a `WATCHDOG_PID` that is set must be ours).
pub fn watchdog_interval(usec: Option<&str>, pid: Option<&str>, own_pid: u32) -> Option<Duration> {
    let usec: u64 = usec?.trim().parse().ok().filter(|&u| u > 0)?;
    if let Some(pid) = pid {
        if pid.trim().parse::<u32>().ok() != Some(own_pid) {
            return None;
        }
    }
    Some((Duration::from_micros(usec) / 2).max(MIN_PING_INTERVAL))
}

/// [`watchdog_interval`] from this process's environment.
pub fn watchdog_interval_from_env() -> Option<Duration> {
    let usec = std::env::var("WATCHDOG_USEC").ok();
    let pid = std::env::var("WATCHDOG_PID").ok();
    watchdog_interval(usec.as_deref(), pid.as_deref(), std::process::id())
}

/// Sends `states`; failures are logged, never fatal (the service works without systemd).
fn send(states: &[NotifyState<'_>]) -> bool {
    match sd_notify::notify(states) {
        Ok(()) => true,
        Err(error) => {
            tracing::warn!(%error, "sd_notify failed");
            false
        }
    }
}

/// `READY=1` with a first STATUS line. Call once the listener is bound.
pub fn ready(status: &str) {
    if enabled() {
        send(&[NotifyState::Ready, NotifyState::Status(status)]);
        tracing::debug!("told systemd READY=1");
    }
}

/// `STOPPING=1`: shutdown has begun (systemd shows "deactivating").
pub fn stopping() {
    if enabled() {
        send(&[NotifyState::Stopping, NotifyState::Status("shutting down")]);
    }
}

/// How long systemd waits for the next word from a start that said it is still
/// making progress ([`still_starting`]).
pub const START_STEP: Duration = Duration::from_secs(60);

/// `EXTEND_TIMEOUT_USEC=` [`START_STEP`] and a STATUS line: the start is slow but
/// progressing (call again within [`START_STEP`]).
pub fn still_starting(status: &str) {
    if enabled() {
        let usec = u32::try_from(START_STEP.as_micros()).unwrap_or(u32::MAX);
        send(&[
            NotifyState::ExtendTimeoutUsec(usec),
            NotifyState::Status(status),
        ]);
    }
}

/// What the service reports about itself to systemd and on the LED.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Outbox items not yet uploaded; `None` when the store did not answer.
    pub queued: Option<i64>,
    /// Every component but the database, with its status.
    pub components: Vec<(&'static str, ComponentStatus)>,
}

/// The STATUS= line: the upload queue depth (when the store answered) and every
/// non-database component with its `state` (or `ok`/`not ok`).
pub fn status_text(snapshot: &Snapshot) -> String {
    let mut parts = vec![match snapshot.queued {
        Some(n) => format!("{n} uploads queued"),
        None => "upload queue unknown".to_string(),
    }];
    for (name, status) in &snapshot.components {
        let state = status
            .detail
            .get("state")
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .unwrap_or_else(|| if status.ok { "ok" } else { "not ok" }.to_string());
        parts.push(format!("{name} {state}"));
    }
    parts.join("; ")
}

/// Gathers a [`Snapshot`] of the running service; `None` when that takes longer than
/// [`STATUS_GATHER_TIMEOUT`].
pub async fn snapshot(state: &Service) -> Option<Snapshot> {
    let gather = async {
        let queued = state.store.outbox_pending().await.ok();
        // The database component's probe takes the write lock: it is summarised by the
        // queue depth above instead of being probed on every ping.
        let others: Vec<_> = state
            .components
            .iter()
            .filter(|c| c.name() != "database")
            .collect();
        let statuses = futures::future::join_all(others.iter().map(|c| c.status())).await;
        Snapshot {
            queued,
            components: others.iter().map(|c| c.name()).zip(statuses).collect(),
        }
    };
    tokio::time::timeout(STATUS_GATHER_TIMEOUT, gather)
        .await
        .ok()
}

/// The STATUS= text of the running service.
pub async fn current_status(state: &Service) -> String {
    match snapshot(state).await {
        Some(snapshot) => status_text(&snapshot),
        None => "status unavailable (components slow to answer)".to_string(),
    }
}

/// Starts the ping loop when a service manager listens: `WATCHDOG=1` every half
/// `WatchdogSec` (when a watchdog is configured) and a fresh STATUS= every time.
/// Returns `None` (and does nothing) without `NOTIFY_SOCKET`.
pub fn spawn_watchdog(state: Arc<Service>) -> Option<JoinHandle<()>> {
    if !enabled() {
        return None;
    }
    let watchdog = watchdog_interval_from_env();
    let period = watchdog.unwrap_or(STATUS_INTERVAL);
    tracing::info!(
        watchdog_ping_ms = watchdog.map(|d| d.as_millis() as u64),
        "systemd notifications on"
    );
    Some(tokio::spawn(async move {
        let mut ticker = tokio::time::interval(period);
        // A late tick (a stalled runtime) must not be followed by a burst of pings that
        // would hide the stall.
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if watchdog.is_some() {
                send(&[NotifyState::Watchdog]);
            }
            let status = current_status(&state).await;
            send(&[NotifyState::Status(&status)]);
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_watchdog_is_pinged_at_half_its_timeout() {
        assert_eq!(
            watchdog_interval(Some("30000000"), None, 42),
            Some(Duration::from_secs(15))
        );
    }

    #[test]
    fn a_watchdog_pid_of_another_process_means_no_watchdog_here() {
        assert_eq!(watchdog_interval(Some("30000000"), Some("41"), 42), None);
        assert_eq!(
            watchdog_interval(Some("30000000"), Some("42"), 42),
            Some(Duration::from_secs(15))
        );
    }

    #[test]
    fn missing_zero_or_garbage_timeouts_disable_the_watchdog() {
        for usec in [
            None,
            Some(""),
            Some("0"),
            Some("-5"),
            Some("30s"),
            Some("1e6"),
        ] {
            assert_eq!(watchdog_interval(usec, None, 1), None, "{usec:?}");
        }
        assert_eq!(watchdog_interval(Some("1000000"), Some("x"), 1), None);
    }

    #[test]
    fn a_tiny_timeout_cannot_make_a_busy_loop() {
        assert_eq!(
            watchdog_interval(Some("2"), None, 1),
            Some(MIN_PING_INTERVAL)
        );
    }

    #[test]
    fn the_status_line_names_the_queue_and_each_components_state() {
        let scanner = ComponentStatus::new(true, json!({"state": "streaming", "port": "/dev/x"}));
        let sync = ComponentStatus::new(false, json!({"error": "no network"}));
        let text = status_text(&Snapshot {
            queued: Some(3),
            components: vec![("scanner", scanner), ("sync", sync)],
        });
        assert_eq!(text, "3 uploads queued; scanner streaming; sync not ok");
    }

    #[test]
    fn the_status_line_degrades_when_the_store_does_not_answer() {
        let snapshot = Snapshot {
            queued: None,
            components: Vec::new(),
        };
        assert_eq!(status_text(&snapshot), "upload queue unknown");
    }
}
