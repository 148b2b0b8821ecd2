//! Capture: waiting for someone to step on, waiting until the stance is stable, and
//! averaging the stable frames (FOOT.md "Capture").
//!
//! [`CaptureMachine`] is the state machine alone: fed one frame (with its calibrated
//! total force and a timestamp) at a time, it answers with the phase or the result;
//! it never reads a clock or a port. [`super::ScannerHandle::capture`] drives it from
//! the live frame stream.
//!
//! Stable means: someone is on the mat (total force above the presence threshold)
//! and, over the last `stable_window_ms`, the total force varied by less than
//! `stable_tolerance` of its mean. The result averages the frames of that window.

use std::collections::VecDeque;
use std::sync::Arc;

use serde::Serialize;

use super::frame::{Frame, WireFormat};
use crate::footprint::PressureGrid;

/// The phase of a capture, as the API reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// No capture is running.
    Idle,
    /// Nobody on the mat yet.
    Waiting,
    /// Someone is on the mat; waiting for a still stance.
    Settling,
    /// The stable frames were averaged.
    Done,
    /// Gave up.
    TimedOut,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Idle => "idle",
            Phase::Waiting => "waiting",
            Phase::Settling => "settling",
            Phase::Done => "done",
            Phase::TimedOut => "timed_out",
        }
    }
}

/// The knobs of the state machine (from `[scanner]` in the config).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CaptureSettings {
    /// Total force above which someone is on the mat, N.
    pub presence_n: f32,
    /// The stance must hold this long, ms.
    pub stable_window_ms: u64,
    /// Allowed variation of the total force over the window, as a fraction of its mean.
    pub stable_tolerance: f32,
    /// Give up after this long, ms.
    pub timeout_ms: u64,
}

/// What a frame did to the machine.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Keep feeding frames.
    Running(Phase),
    /// The averaged stable frame and how many frames went into it.
    Done { frame: Frame, frames: usize },
    /// No stable stance in time; `nobody` when no one ever stood on the mat.
    TimedOut { nobody: bool },
}

/// The capture state machine; no I/O inside.
#[derive(Debug)]
pub struct CaptureMachine {
    settings: CaptureSettings,
    started_ms: Option<u64>,
    settling_since_ms: Option<u64>,
    seen_someone: bool,
    window: VecDeque<(u64, f32, Arc<Frame>)>,
}

impl CaptureMachine {
    pub fn new(settings: CaptureSettings) -> CaptureMachine {
        CaptureMachine {
            settings,
            started_ms: None,
            settling_since_ms: None,
            seen_someone: false,
            window: VecDeque::new(),
        }
    }

    pub fn phase(&self) -> Phase {
        if self.settling_since_ms.is_some() {
            Phase::Settling
        } else {
            Phase::Waiting
        }
    }

    /// Checks the timeout without a frame (the mat may have stopped sending).
    pub fn tick(&mut self, now_ms: u64) -> Option<Outcome> {
        let started = *self.started_ms.get_or_insert(now_ms);
        (now_ms.saturating_sub(started) >= self.settings.timeout_ms).then_some(Outcome::TimedOut {
            nobody: !self.seen_someone,
        })
    }

    /// Feeds one frame received at `now_ms` whose calibrated total force is `total_n`.
    pub fn feed(&mut self, now_ms: u64, frame: Arc<Frame>, total_n: f32) -> Outcome {
        if let Some(timed_out) = self.tick(now_ms) {
            return timed_out;
        }
        if !(total_n.is_finite() && total_n > self.settings.presence_n) {
            // Stepped off (or not yet on): start over.
            self.settling_since_ms = None;
            self.window.clear();
            return Outcome::Running(Phase::Waiting);
        }
        self.seen_someone = true;
        let since = *self.settling_since_ms.get_or_insert(now_ms);
        self.window.push_back((now_ms, total_n, frame));
        let horizon = now_ms.saturating_sub(self.settings.stable_window_ms);
        while self.window.front().is_some_and(|(t, _, _)| *t < horizon) {
            self.window.pop_front();
        }
        if now_ms.saturating_sub(since) < self.settings.stable_window_ms || self.window.len() < 2 {
            return Outcome::Running(Phase::Settling);
        }
        let (mut lo, mut hi, mut sum) = (f32::MAX, f32::MIN, 0.0);
        for (_, f, _) in &self.window {
            lo = lo.min(*f);
            hi = hi.max(*f);
            sum += f;
        }
        let mean = sum / self.window.len() as f32;
        if (hi - lo) / mean >= self.settings.stable_tolerance {
            return Outcome::Running(Phase::Settling);
        }
        let frames: Vec<&Frame> = self.window.iter().map(|(_, _, f)| f.as_ref()).collect();
        match average_frames(&frames) {
            Some(frame) => Outcome::Done {
                frame,
                frames: frames.len(),
            },
            // Frames of different sizes in one window: the mat changed; keep going.
            None => {
                self.window.clear();
                self.settling_since_ms = None;
                Outcome::Running(Phase::Waiting)
            }
        }
    }
}

/// Cell-wise (rounded) mean of frames of one size; the load cell is averaged too.
pub fn average_frames(frames: &[&Frame]) -> Option<Frame> {
    let last = *frames.last()?;
    let n = last.cells.len();
    if frames
        .iter()
        .any(|f| f.rows != last.rows || f.cols != last.cols || f.cells.len() != n)
    {
        return None;
    }
    let count = frames.len() as u64;
    let mut sums = vec![0u64; n];
    for f in frames {
        for (s, &v) in sums.iter_mut().zip(&f.cells) {
            *s += u64::from(v);
        }
    }
    let cells = sums
        .iter()
        .map(|s| ((s + count / 2) / count).min(u64::from(u16::MAX)) as u16)
        .collect();
    let loads: Vec<i64> = frames
        .iter()
        .filter_map(|f| f.load_cell.map(i64::from))
        .collect();
    let load_cell = (!loads.is_empty())
        .then(|| (loads.iter().sum::<i64>() as f64 / loads.len() as f64).round() as i32);
    Some(Frame {
        rows: last.rows,
        cols: last.cols,
        cells,
        load_cell,
        seq: last.seq,
        device_ms: last.device_ms,
    })
}

/// A finished capture.
#[derive(Debug, Clone, PartialEq)]
pub struct CapturedFrame {
    /// The averaged raw frame (what `scans.raw_cells` stores).
    pub frame: Frame,
    /// That frame calibrated with the calibration in force.
    pub grid: PressureGrid,
    pub format: WireFormat,
    /// Frames averaged.
    pub frames_averaged: usize,
    /// From the first frame of the capture to the result, ms.
    pub elapsed_ms: u64,
}

/// Why a capture failed. `api::error` maps each to an answer with a Korean message:
/// 409 when the person is missing or moving, 503 when the mat is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaptureError {
    #[error("the scanner is not connected")]
    NotConnected,
    #[error("nobody stepped on the mat within {waited_ms} ms")]
    NobodyOnMat { waited_ms: u64 },
    #[error("the stance did not become stable within {waited_ms} ms")]
    NeverStable { waited_ms: u64 },
    #[error("the scanner stopped")]
    Stopped,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> CaptureSettings {
        CaptureSettings {
            presence_n: 50.0,
            stable_window_ms: 500,
            stable_tolerance: 0.02,
            timeout_ms: 10_000,
        }
    }

    fn frame(v: u16) -> Arc<Frame> {
        Arc::new(Frame {
            rows: 1,
            cols: 2,
            cells: vec![v, v + 1],
            load_cell: Some(-100 - i32::from(v)),
            seq: None,
            device_ms: None,
        })
    }

    #[test]
    fn an_empty_mat_keeps_waiting_and_times_out_as_nobody_on_the_mat() {
        let mut m = CaptureMachine::new(settings());
        for t in (0..10_000).step_by(100) {
            assert_eq!(m.feed(t, frame(0), 0.0), Outcome::Running(Phase::Waiting));
        }
        assert_eq!(
            m.feed(10_000, frame(0), 0.0),
            Outcome::TimedOut { nobody: true }
        );
    }

    #[test]
    fn a_still_stance_is_done_after_the_window_with_the_average_of_its_frames() {
        let mut m = CaptureMachine::new(settings());
        assert_eq!(m.feed(0, frame(0), 0.0), Outcome::Running(Phase::Waiting));
        let mut t = 100;
        // Stepping on: force rising fast, not stable.
        for f in [200.0, 400.0, 600.0, 650.0] {
            assert_eq!(m.feed(t, frame(10), f), Outcome::Running(Phase::Settling));
            t += 100;
        }
        // Standing within 1 %: stable once 500 ms of it are in the window.
        let mut out = Outcome::Running(Phase::Settling);
        for (i, f) in [700.0, 703.0, 698.0, 701.0, 699.0, 702.0]
            .iter()
            .enumerate()
        {
            out = m.feed(t, frame(100 + 2 * i as u16), *f);
            t += 100;
            if !matches!(out, Outcome::Running(_)) {
                break;
            }
        }
        match out {
            Outcome::Done { frame, frames } => {
                assert_eq!(frames, 6);
                assert_eq!(frame.cells, vec![105, 106]);
                assert_eq!(frame.load_cell, Some(-205));
            }
            other => panic!("expected done, got {other:?}"),
        }
    }

    #[test]
    fn swaying_more_than_two_percent_never_settles_and_times_out_as_unstable() {
        let mut m = CaptureMachine::new(settings());
        let mut t = 0;
        let out = loop {
            let f = if (t / 100) % 2 == 0 { 700.0 } else { 730.0 };
            match m.feed(t, frame(100), f) {
                Outcome::Running(p) => assert_eq!(p, Phase::Settling),
                other => break other,
            }
            t += 100;
        };
        assert_eq!(out, Outcome::TimedOut { nobody: false });
    }

    #[test]
    fn stepping_off_while_settling_goes_back_to_waiting() {
        let mut m = CaptureMachine::new(settings());
        m.feed(0, frame(100), 700.0);
        assert_eq!(m.phase(), Phase::Settling);
        assert_eq!(m.feed(100, frame(0), 1.0), Outcome::Running(Phase::Waiting));
        assert_eq!(m.phase(), Phase::Waiting);
    }

    #[test]
    fn frames_of_different_sizes_do_not_average() {
        let a = Frame {
            rows: 1,
            cols: 1,
            cells: vec![1],
            load_cell: None,
            seq: None,
            device_ms: None,
        };
        let b = Frame {
            rows: 1,
            cols: 2,
            cells: vec![1, 2],
            ..a.clone()
        };
        assert!(average_frames(&[&a, &b]).is_none());
        assert_eq!(average_frames(&[&a, &a]), Some(a.clone()));
    }
}
