//! [`ScannerHandle`]: the running mat as the rest of the service sees it.
//!
//! The transport (serial port or built-in simulator) publishes decoded frames, its
//! link state and codec counters here; API handlers read the latest frame, subscribe
//! to the stream (live view), run captures and calibration steps. It is cheap to
//! clone and lives in `service::Service::scanner`.
//!
//! Concurrent captures share one: the first caller starts a capture task, later
//! callers wait for the same result, so two kiosk requests never fight over the
//! frames. The task runs to completion even if every caller goes away.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use futures::future::{BoxFuture, FutureExt, Shared};
use serde_json::json;
use tokio::sync::{broadcast, watch};

use super::capture::{
    CaptureError, CaptureMachine, CaptureSettings, CapturedFrame, Outcome, Phase,
};
use super::codec::CodecStats;
use super::frame::{Frame, WireFormat};
use crate::footprint::calibration::{Calibration, CalibrationError};
use crate::status::{ComponentStatus, StatusComponent};
use crate::store::Store;
use crate::store::StoreError;

/// Frames kept for slow subscribers (live view) before they skip ahead.
const FRAME_CHANNEL_CAPACITY: usize = 32;
/// Frames/s is measured over this window.
const FPS_WINDOW: Duration = Duration::from_secs(2);

/// Errors of calibration steps run on the live mat.
#[derive(Debug, thiserror::Error)]
pub enum ScannerError {
    #[error(transparent)]
    Capture(#[from] CaptureError),
    #[error(transparent)]
    Calibration(#[from] CalibrationError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

type SharedCapture = Shared<BoxFuture<'static, Result<CapturedFrame, CaptureError>>>;

/// Link state and counters, as `/check` shows them.
#[derive(Debug, Default)]
struct Link {
    connected: bool,
    stats: CodecStats,
    recent: VecDeque<Instant>,
    last_error: Option<String>,
    disconnects: u64,
}

struct Inner {
    format: WireFormat,
    /// Port path, or `simulated`.
    source: String,
    pitch_mm: f32,
    settings: CaptureSettings,
    frames: broadcast::Sender<Arc<Frame>>,
    latest: watch::Sender<Option<Arc<Frame>>>,
    phase: watch::Sender<Phase>,
    link: Mutex<Link>,
    calibration: RwLock<Arc<Calibration>>,
    capture: Mutex<Option<SharedCapture>>,
    store: Store,
}

/// The running mat; see the module docs.
#[derive(Clone)]
pub struct ScannerHandle {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for ScannerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScannerHandle")
            .field("format", &self.inner.format)
            .field("source", &self.inner.source)
            .finish()
    }
}

impl ScannerHandle {
    pub fn new(
        format: WireFormat,
        source: impl Into<String>,
        pitch_mm: f32,
        settings: CaptureSettings,
        calibration: Calibration,
        store: Store,
    ) -> ScannerHandle {
        let (frames, _) = broadcast::channel(FRAME_CHANNEL_CAPACITY);
        ScannerHandle {
            inner: Arc::new(Inner {
                format,
                source: source.into(),
                pitch_mm,
                settings,
                frames,
                latest: watch::channel(None).0,
                phase: watch::channel(Phase::Idle).0,
                link: Mutex::new(Link::default()),
                calibration: RwLock::new(Arc::new(calibration)),
                capture: Mutex::new(None),
                store,
            }),
        }
    }

    pub fn format(&self) -> WireFormat {
        self.inner.format
    }

    pub fn pitch_mm(&self) -> f32 {
        self.inner.pitch_mm
    }

    fn link(&self) -> std::sync::MutexGuard<'_, Link> {
        // A poisoned lock only means a panic elsewhere; the counters are still usable.
        self.inner.link.lock().unwrap_or_else(|e| e.into_inner())
    }

    // ---- written by the transport -------------------------------------------------

    /// A decoded frame arrived.
    pub fn publish(&self, frame: Frame) {
        let frame = Arc::new(frame);
        {
            let mut link = self.link();
            let now = Instant::now();
            link.recent.push_back(now);
            while link
                .recent
                .front()
                .is_some_and(|t| now.duration_since(*t) > FPS_WINDOW)
            {
                link.recent.pop_front();
            }
        }
        self.inner.latest.send_replace(Some(frame.clone()));
        // No subscriber is fine: nobody is watching right now.
        let _ = self.inner.frames.send(frame);
    }

    /// The codec's counters after the latest read.
    pub fn update_stats(&self, stats: &CodecStats) {
        self.link().stats = *stats;
    }

    pub fn set_connected(&self, connected: bool) {
        let mut link = self.link();
        if link.connected && !connected {
            link.disconnects += 1;
            link.recent.clear();
        }
        if connected {
            link.last_error = None;
        }
        link.connected = connected;
    }

    pub fn set_error(&self, error: impl Into<String>) {
        self.link().last_error = Some(error.into());
    }

    // ---- read by the API ----------------------------------------------------------

    pub fn is_connected(&self) -> bool {
        self.link().connected
    }

    pub fn stats(&self) -> CodecStats {
        self.link().stats
    }

    /// Frames per second over the last two seconds.
    pub fn fps(&self) -> f32 {
        let link = self.link();
        match (link.recent.front(), link.recent.back()) {
            (Some(first), Some(last)) if link.recent.len() >= 2 => {
                let span = last.duration_since(*first).as_secs_f32();
                if span > 0.0 && last.elapsed() < FPS_WINDOW {
                    (link.recent.len() - 1) as f32 / span
                } else {
                    0.0
                }
            }
            _ => 0.0,
        }
    }

    pub fn latest(&self) -> Option<Arc<Frame>> {
        self.inner.latest.borrow().clone()
    }

    /// The live frame stream (a lagging receiver skips ahead).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Frame>> {
        self.inner.frames.subscribe()
    }

    /// The phase of the running capture (`idle` when none runs).
    pub fn phase(&self) -> Phase {
        *self.inner.phase.borrow()
    }

    pub fn calibration(&self) -> Arc<Calibration> {
        self.inner
            .calibration
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Saves `cal` as the calibration in force (SQLite first, then the cache).
    pub async fn install_calibration(
        &self,
        kind: &'static str,
        cal: Calibration,
    ) -> Result<Arc<Calibration>, StoreError> {
        crate::store::calibration::save(&self.inner.store, kind, &cal).await?;
        let cal = Arc::new(cal);
        *self
            .inner
            .calibration
            .write()
            .unwrap_or_else(|e| e.into_inner()) = cal.clone();
        Ok(cal)
    }

    // ---- capture and calibration --------------------------------------------------

    /// Captures one stable stance (FOOT.md). Concurrent callers share one capture.
    pub async fn capture(&self) -> Result<CapturedFrame, CaptureError> {
        let shared = {
            let mut slot = self.inner.capture.lock().unwrap_or_else(|e| e.into_inner());
            match slot.as_ref() {
                Some(running) => running.clone(),
                None => {
                    let inner = self.inner.clone();
                    // Spawned so that it finishes (and clears the slot) even when every
                    // caller has gone away.
                    let task = tokio::spawn(async move {
                        let handle = ScannerHandle {
                            inner: inner.clone(),
                        };
                        let result = handle.run_capture().await;
                        *inner.capture.lock().unwrap_or_else(|e| e.into_inner()) = None;
                        result
                    });
                    let shared = async move { task.await.unwrap_or(Err(CaptureError::Stopped)) }
                        .boxed()
                        .shared();
                    *slot = Some(shared.clone());
                    shared
                }
            }
        };
        shared.await
    }

    async fn run_capture(&self) -> Result<CapturedFrame, CaptureError> {
        if !self.is_connected() {
            return Err(CaptureError::NotConnected);
        }
        let mut frames = self.subscribe();
        let mut machine = CaptureMachine::new(self.inner.settings);
        let start = Instant::now();
        let ms = |t: Instant| t.duration_since(start).as_millis() as u64;
        self.inner.phase.send_replace(Phase::Waiting);
        let result = loop {
            let remaining = Duration::from_millis(self.inner.settings.timeout_ms)
                .saturating_sub(start.elapsed())
                .max(Duration::from_millis(1));
            let frame = match tokio::time::timeout(remaining, frames.recv()).await {
                Ok(Ok(frame)) => frame,
                Ok(Err(broadcast::error::RecvError::Lagged(_))) => continue,
                Ok(Err(broadcast::error::RecvError::Closed)) => break Err(CaptureError::Stopped),
                Err(_) => {
                    if !self.is_connected() {
                        break Err(CaptureError::NotConnected);
                    }
                    match machine.tick(ms(Instant::now())) {
                        Some(Outcome::TimedOut { nobody }) => break Err(timed_out(nobody, start)),
                        _ => continue,
                    }
                }
            };
            let cal = self.calibration();
            let total = cal.total_force_n(&frame);
            match machine.feed(ms(Instant::now()), frame, total) {
                Outcome::Running(phase) => {
                    self.inner.phase.send_replace(phase);
                }
                Outcome::TimedOut { nobody } => break Err(timed_out(nobody, start)),
                Outcome::Done { frame, frames } => {
                    let grid = cal.apply(&frame, self.inner.pitch_mm);
                    break Ok(CapturedFrame {
                        frame,
                        grid,
                        format: self.inner.format,
                        frames_averaged: frames,
                        elapsed_ms: ms(Instant::now()),
                    });
                }
            }
        };
        self.inner.phase.send_replace(match &result {
            Ok(_) => Phase::Done,
            Err(_) => Phase::TimedOut,
        });
        result
    }

    /// The next `n` frames (for a tare), or an error after `timeout`.
    pub async fn next_frames(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Result<Vec<Frame>, CaptureError> {
        if !self.is_connected() {
            return Err(CaptureError::NotConnected);
        }
        let mut rx = self.subscribe();
        let collect = async {
            let mut out = Vec::with_capacity(n);
            while out.len() < n {
                match rx.recv().await {
                    Ok(frame) => out.push(Frame::clone(&frame)),
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return Err(CaptureError::Stopped),
                }
            }
            Ok(out)
        };
        tokio::time::timeout(timeout, collect)
            .await
            .map_err(|_| CaptureError::NotConnected)?
    }

    /// Tare on the empty mat from the next `frames` frames; saved and in force.
    pub async fn tare(&self, frames: usize) -> Result<Arc<Calibration>, ScannerError> {
        let timeout = Duration::from_millis(self.inner.settings.timeout_ms);
        let frames = self.next_frames(frames.max(1), timeout).await?;
        let cal = self.calibration().tare(&frames)?;
        Ok(self.install_calibration("tare", cal).await?)
    }

    /// Known-weight calibration from one capture of someone weighing `known_kg`.
    pub async fn calibrate_known_weight(
        &self,
        known_kg: f32,
    ) -> Result<Arc<Calibration>, ScannerError> {
        if !known_kg.is_finite() || !(1.0..=400.0).contains(&known_kg) {
            return Err(CalibrationError::BadKnownWeight(known_kg).into());
        }
        let captured = self.capture().await?;
        let cal = self
            .calibration()
            .calibrate_known_weight(std::slice::from_ref(&captured.frame), known_kg)?;
        Ok(self.install_calibration("known_weight", cal).await?)
    }

    /// The `scanner` object on `/check`.
    pub fn status_json(&self) -> serde_json::Value {
        let fps = (self.fps() * 10.0).round() / 10.0;
        let link = self.link();
        let s = link.stats;
        json!({
            "enabled": true,
            "connected": link.connected,
            "source": self.inner.source,
            "format": self.inner.format,
            "fps": fps,
            "frames_decoded": s.frames_decoded,
            "frames_rejected": s.frames_rejected,
            "rejected_by_reason": s.rejected_by_reason,
            "garbage_bytes": s.garbage_bytes,
            "sequence_gaps": s.sequence_gaps,
            "frames_lost": s.frames_lost,
            "disconnects": link.disconnects,
            "last_error": link.last_error,
            "phase": self.phase(),
        })
    }
}

fn timed_out(nobody: bool, start: Instant) -> CaptureError {
    let waited_ms = start.elapsed().as_millis() as u64;
    if nobody {
        CaptureError::NobodyOnMat { waited_ms }
    } else {
        CaptureError::NeverStable { waited_ms }
    }
}

/// `/check`'s `scanner` component: ok while the mat is connected.
pub struct ScannerStatus(pub ScannerHandle);

impl StatusComponent for ScannerStatus {
    fn name(&self) -> &'static str {
        "scanner"
    }
    fn status(&self) -> BoxFuture<'_, ComponentStatus> {
        Box::pin(async move { ComponentStatus::new(self.0.is_connected(), self.0.status_json()) })
    }
}
