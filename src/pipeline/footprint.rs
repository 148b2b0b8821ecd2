//! The footprint pipeline: a frame in, a calibrated grid, its metrics, its picture and
//! its description out. `PUT /image` (`api::image`), `carenco-edge render` (`main.rs`)
//! and `benches/footprint.rs` all go through these functions, so what the bench
//! measures and what the CLI draws is what the API answers.
//!
//! # What it owns
//! - Reading the frame of a request's or a file's `data` ([`frame_from_data`],
//!   [`frame_from_file`]) with its limits ([`MAX_GRID_SIDE`], [`MAX_RAW_COUNT`]).
//! - The calibration for a sent frame ([`calibration_for`]), analysis and drawing
//!   ([`process`]), and the Korean/English description ([`describe`]).
//!
//! Pure apart from its inputs: no store, no clock, no HTTP. Errors are its own
//! ([`InvalidData`]); `api::image` turns them into 400 answers.

use serde_json::Value;

use crate::footprint::analysis::{analyse, FootMetrics, Metrics};
use crate::footprint::calibration::Calibration;
use crate::footprint::render::{self, RenderOptions};
use crate::mat::{Frame, WireFormat};
use crate::scanner::codec::legacy;

/// Largest grid accepted in `data` (rows and columns).
pub const MAX_GRID_SIDE: usize = 256;
/// Largest raw count accepted in a matrix (cells are u16 on every wire format).
pub const MAX_RAW_COUNT: u64 = u16::MAX as u64;
/// Cell pitch accepted in `pitch_mm`, mm.
pub const MIN_PITCH_MM: f64 = 0.5;
pub const MAX_PITCH_MM: f64 = 100.0;

/// Why a request's `data` is not a frame (the text says what and where).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidData(pub String);

fn invalid_data(message: impl Into<String>) -> InvalidData {
    InvalidData(message.into())
}

/// The frame in a request's `data` (not null): a legacy frame in hex, a matrix of
/// counts, or `{rows, cols, cells}`. Pure: no I/O, no panics, whatever the value.
pub fn frame_from_data(data: &Value) -> Result<(Frame, Option<WireFormat>), InvalidData> {
    Ok(match data {
        Value::String(hex) => (
            legacy::decode_hex(hex).map_err(|e| {
                invalid_data(format!(
                    "`data` is not one legacy frame in hex (1180 bytes, F0 0F markers): {e}"
                ))
            })?,
            Some(WireFormat::Legacy),
        ),
        Value::Array(rows) => (frame_from_matrix(rows)?, None),
        Value::Object(grid) => (frame_from_object(grid)?, None),
        _ => {
            return Err(invalid_data(
                "`data` must be a hex string, a 2-D array of counts, or {rows, cols, cells}",
            ))
        }
    })
}

/// A raw count as a request writes it: a JSON value (`/image`'s `data`) or an
/// integer already typed by serde (`/balance`'s `frames`). One parser serves both.
pub trait RawCount: std::fmt::Display {
    /// The count, when it is a non-negative integer.
    fn raw(&self) -> Option<u64>;
}

impl RawCount for Value {
    fn raw(&self) -> Option<u64> {
        self.as_u64()
    }
}

impl RawCount for u64 {
    fn raw(&self) -> Option<u64> {
        Some(*self)
    }
}

fn count(value: &impl RawCount, at: impl Fn() -> String) -> Result<u16, InvalidData> {
    match value.raw() {
        Some(n) if n <= MAX_RAW_COUNT => Ok(n as u16),
        _ => Err(invalid_data(format!(
            "{} is {value}, not a raw count (an integer 0..={MAX_RAW_COUNT})",
            at()
        ))),
    }
}

fn check_side(name: &str, n: usize) -> Result<(), InvalidData> {
    if n == 0 || n > MAX_GRID_SIDE {
        return Err(invalid_data(format!(
            "{name} is {n}; grids of 1..={MAX_GRID_SIDE} rows and columns are accepted"
        )));
    }
    Ok(())
}

fn frame_from_cells(rows: usize, cols: usize, cells: Vec<u16>) -> Frame {
    Frame {
        rows: rows as u16,
        cols: cols as u16,
        cells,
        load_cell: None,
        seq: None,
        device_ms: None,
    }
}

/// `[[c, c, ...], [c, c, ...], ...]`, row 0 the toe end.
fn frame_from_matrix(rows: &[Value]) -> Result<Frame, InvalidData> {
    let mut lines = Vec::with_capacity(rows.len());
    for (r, row) in rows.iter().enumerate() {
        let Value::Array(row) = row else {
            return Err(invalid_data(if r == 0 {
                "`data` must be an array of rows (arrays of counts)".to_string()
            } else {
                format!("row {r} is not an array")
            }));
        };
        lines.push(row.as_slice());
    }
    frame_from_rows(&lines)
}

/// A matrix of counts, row 0 the toe end: every row as long as the first, each side
/// 1..=[`MAX_GRID_SIDE`], each count 0..=[`MAX_RAW_COUNT`].
pub fn frame_from_rows<C: RawCount>(rows: &[&[C]]) -> Result<Frame, InvalidData> {
    check_side("the number of rows", rows.len())?;
    let cols = rows.first().map_or(0, |row| row.len());
    check_side("the number of columns", cols)?;
    let mut cells = Vec::with_capacity(rows.len() * cols);
    for (r, row) in rows.iter().enumerate() {
        if row.len() != cols {
            return Err(invalid_data(format!(
                "row {r} has {} cells, row 0 has {cols}: every row must be as long",
                row.len()
            )));
        }
        for (c, v) in row.iter().enumerate() {
            cells.push(count(v, || format!("cell [{r}][{c}]"))?);
        }
    }
    Ok(frame_from_cells(rows.len(), cols, cells))
}

/// `{"rows": R, "cols": C, "cells": [R*C counts]}`.
fn frame_from_object(grid: &serde_json::Map<String, Value>) -> Result<Frame, InvalidData> {
    let side = |key: &str| -> Result<u64, InvalidData> {
        grid.get(key)
            .and_then(Value::as_u64)
            .ok_or_else(|| invalid_data(format!("`data.{key}` must be a positive integer")))
    };
    let (rows, cols) = (side("rows")?, side("cols")?);
    let Some(Value::Array(values)) = grid.get("cells") else {
        return Err(invalid_data(
            "`data.cells` must be an array of rows * cols counts",
        ));
    };
    frame_from_counts(rows, cols, values)
}

/// `rows` x `cols` counts in row order (`{rows, cols, cells}`), with the limits of
/// [`frame_from_rows`].
pub fn frame_from_counts<C: RawCount>(
    rows: u64,
    cols: u64,
    cells: &[C],
) -> Result<Frame, InvalidData> {
    let side = |key: &str, n: u64| -> Result<usize, InvalidData> {
        let n = usize::try_from(n).unwrap_or(usize::MAX);
        check_side(&format!("`{key}`"), n)?;
        Ok(n)
    };
    let (rows, cols) = (side("rows", rows)?, side("cols", cols)?);
    if cells.len() != rows * cols {
        return Err(invalid_data(format!(
            "`cells` has {} values; {rows} x {cols} needs {}",
            cells.len(),
            rows * cols
        )));
    }
    let cells = cells
        .iter()
        .enumerate()
        .map(|(i, v)| count(v, || format!("`cells[{i}]`")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(frame_from_cells(rows, cols, cells))
}

/// `type` and `description` from the metrics. A foot whose index lies within its
/// measurement error of a class boundary gets a sentence saying its class is not
/// certain (`arch_confident: false`).
pub fn describe(m: &Metrics) -> (String, String) {
    let (kind, mut text) = describe_classes(m);
    for (foot, ko, en) in [(&m.left, "왼발", "left"), (&m.right, "오른발", "right")] {
        if let Some(f) = foot.as_ref().filter(|f| !f.arch_confident) {
            text.push_str(&format!(
                ". {ko} 아치 지수 {:.3}±{:.3}는 분류 경계에 가까워 판정이 확실하지 않습니다 \
                 ({en} arch index {:.3} ± {:.3} is within its measurement error of a class \
                 boundary: the class is not certain)",
                f.arch_index, f.arch_index_error, f.arch_index, f.arch_index_error
            ));
        }
    }
    (kind, text)
}

fn describe_classes(m: &Metrics) -> (String, String) {
    let ai = |f: &FootMetrics| format!("{:.2}", f.arch_index);
    match (&m.left, &m.right) {
        (Some(l), Some(r)) if l.arch_type == r.arch_type => (
            l.arch_type.as_str().to_string(),
            format!(
                "양발 모두 {} (both feet: {}; arch index L {}, R {})",
                l.arch_type.korean(),
                l.arch_type.english(),
                ai(l),
                ai(r)
            ),
        ),
        (Some(l), Some(r)) => (
            "mixed".to_string(),
            format!(
                "왼발 {}, 오른발 {} (left: {}, right: {}; arch index L {}, R {})",
                l.arch_type.korean(),
                r.arch_type.korean(),
                l.arch_type.english(),
                r.arch_type.english(),
                ai(l),
                ai(r)
            ),
        ),
        (Some(f), None) | (None, Some(f)) => {
            let (ko, en) = if m.left.is_some() {
                ("왼발", "left")
            } else {
                ("오른발", "right")
            };
            (
                f.arch_type.as_str().to_string(),
                format!(
                    "한 발만 인식됨: {ko} {} (one foot only: {en}, {}; arch index {})",
                    f.arch_type.korean(),
                    f.arch_type.english(),
                    ai(f)
                ),
            )
        }
        (None, None) => (
            "none".to_string(),
            "발이 인식되지 않았습니다 (no foot on the mat)".to_string(),
        ),
    }
}

/// The calibration for a frame sent in `data`: the one in force, and for a legacy
/// frame without a load-cell line in it, the legacy factory line (FRAMES.md).
pub fn calibration_for(current: &Calibration, wire: Option<WireFormat>) -> Calibration {
    let mut cal = current.clone();
    if wire == Some(WireFormat::Legacy) && cal.load_cell.is_none() {
        cal.load_cell = Calibration::factory(WireFormat::Legacy, 24, 24).load_cell;
    }
    cal
}

/// Analyses and draws one calibrated grid: what `/image` and `render` share.
pub fn process(
    grid: &crate::footprint::PressureGrid,
    options: &RenderOptions,
) -> Result<(Metrics, render::Picture), render::RenderError> {
    let metrics = analyse(grid);
    let picture = render::render(grid, &metrics, options)?;
    Ok((metrics, picture))
}

/// A frame read by `carenco-edge render`: the frame, its wire format when known, and
/// the file's own `pitch_mm` when it had one.
pub type FileFrame = (Frame, Option<WireFormat>, Option<f32>);

/// Reads the frame of a file for `render`: with `wire`, raw bytes of that wire format
/// (the first complete frame); without, a JSON file shaped like an `/image` request
/// (as in `fixtures/frames/`: its `data` and `pitch_mm`).
pub fn frame_from_file(bytes: &[u8], wire: Option<WireFormat>) -> Result<FileFrame, String> {
    match wire {
        Some(format) => crate::scanner::codec::FrameDecoder::new(format)
            .decode_all(bytes)
            .into_iter()
            .next()
            .map(|f| (f, Some(format), None))
            .ok_or_else(|| format!("no complete {format} frame in the input")),
        None => {
            let value: Value =
                serde_json::from_slice(bytes).map_err(|e| format!("the file is not JSON: {e}"))?;
            let pitch_mm = match value.get("pitch_mm") {
                None | Some(Value::Null) => None,
                Some(p) => match p.as_f64() {
                    Some(p) if (MIN_PITCH_MM..=MAX_PITCH_MM).contains(&p) => Some(p as f32),
                    _ => {
                        return Err(format!(
                            "`pitch_mm` must be a number from {MIN_PITCH_MM} to {MAX_PITCH_MM}"
                        ))
                    }
                },
            };
            match value.get("data") {
                None | Some(Value::Null) => Err("the file has no `data`".into()),
                Some(data) => {
                    let (frame, wire) = frame_from_data(data).map_err(|e| e.0)?;
                    Ok((frame, wire, pitch_mm))
                }
            }
        }
    }
}
