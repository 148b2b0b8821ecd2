//! Calibration: turns raw mat counts into forces and the load cell into kilograms.
//!
//! # Model (FOOT.md)
//! - Per cell: `force_N = gain * x + quadratic * x²` with
//!   `x = max(0, raw - zero[cell] - noise_floor)`. `zero` is the tare map measured on
//!   the empty mat; the quadratic term is there because FSR mats are not linear
//!   (0 by default).
//! - Or, with `saturation_counts = S` (a resistive FSR read through a voltage
//!   divider), `force_N = gain * x * S / (S - x)`: an FSR's conductance is about
//!   proportional to force, so the divider reads `S * F / (F + F_half)`, and this is
//!   its exact inverse. Its one shape parameter is the converter's full scale, known
//!   from the hardware, so one known-weight calibration (which scales `gain`) fits it
//!   over the whole range. A linear model calibrated at 70 kg reads a 120 kg person
//!   several percent light on such a mat (`tests` below: 40 to 120 kg within 1 %).
//! - Load cell (legacy, cfp1): `weight_kg = kg_per_count * raw + offset_kg`. The legacy
//!   mat has a factory line from the original device's notes (FRAMES.md:
//!   `-0.231 * raw - 5.24`); other formats have none until calibrated.
//!
//! # Steps
//! [`Calibration::tare`] (empty mat, average of N frames) sets the zero map, the
//! noise floor and the load cell's zero; [`Calibration::calibrate_known_weight`]
//! (someone of known weight standing still) sets the gain and the load-cell slope.
//! Each step yields a whole new calibration; `store::calibration::save` appends it to
//! the `calibration` table and the newest row is the one in force
//! (`store::calibration::load_current`), so the history stays and a restart keeps the
//! last one.
//!
//! # Export
//! The JSON form is the struct itself with a `version` (currently
//! [`CALIBRATION_VERSION`]); [`Calibration::from_json`] refuses other versions and
//! values that cannot be right (wrong zero-map length, non-finite or negative gains).

use serde::{Deserialize, Serialize};

use super::grid::{PressureGrid, STANDARD_GRAVITY};
use crate::mat::{Frame, WireFormat};
use crate::timestamp::now_rfc3339;

/// Version of the exported JSON.
pub const CALIBRATION_VERSION: u32 = 1;
/// Newtons per count before any known-weight calibration. Derived from the legacy
/// sample frame: 37 777 counts in total while its load cell read -276 (≈ 58.5 kg).
pub const DEFAULT_GAIN_N_PER_COUNT: f32 = 0.0152;
/// Counts above zero that are still noise, before a tare has measured the real floor.
pub const DEFAULT_NOISE_FLOOR: f32 = 4.0;
/// A tare never sets the noise floor below this (counts): a perfectly quiet mat in the
/// tare would otherwise count every later flicker as contact.
pub const MIN_NOISE_FLOOR: f32 = 1.0;
/// The noise floor is this many standard deviations of the empty-mat noise.
pub const NOISE_FLOOR_SIGMAS: f32 = 4.0;
/// Legacy factory line for the load cell (FRAMES.md; r = -0.993 over five pairs).
pub const LEGACY_LOAD_CELL_KG_PER_COUNT: f32 = -0.231;
pub const LEGACY_LOAD_CELL_OFFSET_KG: f32 = -5.24;
/// A known-weight calibration needs at least this many counts above the floor.
pub const MIN_CALIBRATION_COUNTS: f32 = 50.0;

/// Errors of calibration steps and import (persistence is `store::calibration`'s).
#[derive(Debug, thiserror::Error)]
pub enum CalibrationError {
    #[error("no frames to calibrate from")]
    NoFrames,
    #[error("frames of different sizes ({first} and {other})")]
    MixedDimensions { first: String, other: String },
    #[error("only {counts:.0} counts above the noise floor: nobody is standing on the mat")]
    NobodyOnMat { counts: f32 },
    #[error("known weight must be between 1 and 400 kg, not {0}")]
    BadKnownWeight(f32),
    #[error("calibration version {found} is not supported (expected {CALIBRATION_VERSION})")]
    UnsupportedVersion { found: u32 },
    #[error("invalid calibration: {0}")]
    Invalid(String),
    #[error("calibration JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// Linear load-cell calibration: `kg = kg_per_count * raw + offset_kg`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoadCellCalibration {
    pub kg_per_count: f32,
    pub offset_kg: f32,
}

impl LoadCellCalibration {
    pub fn kg(&self, raw: i32) -> f32 {
        self.kg_per_count * raw as f32 + self.offset_kg
    }
}

/// The calibration in force: everything needed to turn a [`Frame`] into a
/// [`PressureGrid`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Calibration {
    /// [`CALIBRATION_VERSION`].
    pub version: u32,
    /// How this calibration came about: `factory`, `tare`, `known_weight`, `import`.
    pub source: String,
    /// When it was made (RFC 3339 UTC).
    pub created_at: String,
    /// Mat size the zero map belongs to.
    pub rows: u16,
    pub cols: u16,
    /// Per-cell zero offsets in counts, row-major; empty = all zero (no tare yet).
    pub zero: Vec<f32>,
    /// Counts above zero that are still noise.
    pub noise_floor: f32,
    /// Newtons per count above the floor.
    pub gain_n_per_count: f32,
    /// Newtons per count², for non-linear mats (0 = linear).
    pub quadratic_n_per_count2: f32,
    /// Full scale of a divider-read FSR mat, counts (`None` = no divider model).
    #[serde(default)]
    pub saturation_counts: Option<f32>,
    /// Load cell; `None` = this mat's weight comes from the pressure sum.
    pub load_cell: Option<LoadCellCalibration>,
    /// Load-cell reading on the empty mat at the last tare.
    pub load_cell_zero_raw: Option<f32>,
    /// Known weight of the last known-weight calibration, kg.
    pub known_kg: Option<f32>,
}

fn dims(frame: &Frame) -> String {
    format!("{} x {}", frame.rows, frame.cols)
}

/// Per-cell mean of `frames` (all the same size), and the mean load-cell reading.
fn average(frames: &[Frame]) -> Result<(Vec<f32>, Option<f32>), CalibrationError> {
    let first = frames.first().ok_or(CalibrationError::NoFrames)?;
    let n = first.cells.len();
    let mut sum = vec![0f64; n];
    let mut load_sum = 0f64;
    let mut load_n = 0u32;
    for frame in frames {
        if frame.rows != first.rows || frame.cols != first.cols || frame.cells.len() != n {
            return Err(CalibrationError::MixedDimensions {
                first: dims(first),
                other: dims(frame),
            });
        }
        for (s, &v) in sum.iter_mut().zip(&frame.cells) {
            *s += f64::from(v);
        }
        if let Some(raw) = frame.load_cell {
            load_sum += f64::from(raw);
            load_n += 1;
        }
    }
    let count = frames.len() as f64;
    let mean = sum.iter().map(|s| (s / count) as f32).collect();
    let load = (load_n > 0).then(|| (load_sum / f64::from(load_n)) as f32);
    Ok((mean, load))
}

impl Calibration {
    /// The calibration before any tare: zero map empty, default gain, and for the
    /// legacy format its factory load-cell line.
    pub fn factory(format: WireFormat, rows: u16, cols: u16) -> Calibration {
        Calibration {
            version: CALIBRATION_VERSION,
            source: "factory".into(),
            created_at: now_rfc3339(),
            rows,
            cols,
            zero: Vec::new(),
            noise_floor: DEFAULT_NOISE_FLOOR,
            gain_n_per_count: DEFAULT_GAIN_N_PER_COUNT,
            quadratic_n_per_count2: 0.0,
            saturation_counts: None,
            load_cell: (format == WireFormat::Legacy).then_some(LoadCellCalibration {
                kg_per_count: LEGACY_LOAD_CELL_KG_PER_COUNT,
                offset_kg: LEGACY_LOAD_CELL_OFFSET_KG,
            }),
            load_cell_zero_raw: None,
            known_kg: None,
        }
    }

    /// Checks every value; the error says which.
    pub fn validate(&self) -> Result<(), CalibrationError> {
        let bad = |m: String| Err(CalibrationError::Invalid(m));
        if self.version != CALIBRATION_VERSION {
            return Err(CalibrationError::UnsupportedVersion {
                found: self.version,
            });
        }
        if !(1..=256).contains(&self.rows) || !(1..=256).contains(&self.cols) {
            return bad(format!("mat size {} x {}", self.rows, self.cols));
        }
        let n = self.rows as usize * self.cols as usize;
        if !self.zero.is_empty() && self.zero.len() != n {
            return bad(format!(
                "zero map has {} values, a {} x {} mat needs {n}",
                self.zero.len(),
                self.rows,
                self.cols
            ));
        }
        if let Some(v) = self.zero.iter().find(|v| !v.is_finite() || **v < 0.0) {
            return bad(format!("zero offset {v}"));
        }
        let non_negative = [
            ("noise_floor", self.noise_floor),
            ("gain_n_per_count", self.gain_n_per_count),
            ("quadratic_n_per_count2", self.quadratic_n_per_count2),
        ];
        for (name, v) in non_negative {
            if !v.is_finite() || v < 0.0 {
                return bad(format!("{name} = {v}"));
            }
        }
        if let Some(s) = self.saturation_counts {
            if !s.is_finite() || s <= self.noise_floor + 1.0 {
                return bad(format!("saturation_counts = {s}"));
            }
        }
        if self.gain_n_per_count == 0.0 && self.quadratic_n_per_count2 == 0.0 {
            return bad("gain and quadratic term are both 0".into());
        }
        if let Some(lc) = &self.load_cell {
            if !lc.kg_per_count.is_finite() || !lc.offset_kg.is_finite() || lc.kg_per_count == 0.0 {
                return bad(format!("load cell {lc:?}"));
            }
        }
        Ok(())
    }

    /// Parses and validates an exported calibration.
    pub fn from_json(text: &str) -> Result<Calibration, CalibrationError> {
        // Read the version first so an old or future file says so, not "unknown field".
        let value: serde_json::Value = serde_json::from_str(text)?;
        let found = value.get("version").and_then(serde_json::Value::as_u64);
        if found != Some(u64::from(CALIBRATION_VERSION)) {
            return Err(CalibrationError::UnsupportedVersion {
                found: found.map_or(0, |v| v.min(u64::from(u32::MAX)) as u32),
            });
        }
        let cal: Calibration = serde_json::from_value(value)?;
        cal.validate()?;
        Ok(cal)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into())
    }

    fn zero_for(&self, frame: &Frame) -> Option<&[f32]> {
        (frame.rows == self.rows && frame.cols == self.cols && self.zero.len() == frame.cells.len())
            .then_some(self.zero.as_slice())
    }

    /// Counts above zero and floor, per cell.
    fn excess(&self, raw: f32, zero: f32) -> f32 {
        (raw - zero - self.noise_floor).max(0.0)
    }

    fn force(&self, x: f32) -> f32 {
        let linear = match self.saturation_counts {
            // Capped just below the full scale, where the divider's inverse diverges.
            Some(s) if s > 0.0 => {
                let x = x.min(0.99 * s);
                self.gain_n_per_count * x * s / (s - x)
            }
            _ => self.gain_n_per_count * x,
        };
        linear + self.quadratic_n_per_count2 * x * x
    }

    /// The calibrated grid of `frame`. The zero map applies only to frames of the
    /// calibrated size (a frame from another mat sent in `PUT /image` gets zero
    /// offsets); `load_cell_kg` is filled when the frame has a load cell and this
    /// calibration knows it (never below 0).
    pub fn apply(&self, frame: &Frame, pitch_mm: f32) -> PressureGrid {
        let zero = self.zero_for(frame);
        let force_n = frame
            .cells
            .iter()
            .enumerate()
            .map(|(i, &raw)| {
                let z = zero.map_or(0.0, |z| z[i]);
                self.force(self.excess(f32::from(raw), z))
            })
            .collect();
        PressureGrid {
            rows: frame.rows as usize,
            cols: frame.cols as usize,
            pitch_mm,
            force_n,
            load_cell_kg: self.load_cell_kg(frame),
        }
    }

    /// Weight from the load cell, when the frame has one and it is calibrated.
    pub fn load_cell_kg(&self, frame: &Frame) -> Option<f32> {
        match (frame.load_cell, &self.load_cell) {
            (Some(raw), Some(lc)) => Some(lc.kg(raw).max(0.0)),
            _ => None,
        }
    }

    /// Total calibrated force of `frame` in N (what capture watches for stability).
    pub fn total_force_n(&self, frame: &Frame) -> f32 {
        let zero = self.zero_for(frame);
        frame
            .cells
            .iter()
            .enumerate()
            .map(|(i, &raw)| self.force(self.excess(f32::from(raw), zero.map_or(0.0, |z| z[i]))))
            .sum()
    }

    /// Tare from frames of the empty mat: new zero map, noise floor (a few standard
    /// deviations of the frame-to-frame noise) and load-cell zero. The gain stays.
    pub fn tare(&self, frames: &[Frame]) -> Result<Calibration, CalibrationError> {
        let (mean, load) = average(frames)?;
        let first = frames.first().ok_or(CalibrationError::NoFrames)?;
        let mut var_sum = 0f64;
        for frame in frames {
            for (&v, &m) in frame.cells.iter().zip(&mean) {
                let d = f64::from(v) - f64::from(m);
                var_sum += d * d;
            }
        }
        let samples = (frames.len() * mean.len()).max(1) as f64;
        let sd = (var_sum / samples).sqrt() as f32;
        let mut out = self.clone();
        out.source = "tare".into();
        out.created_at = now_rfc3339();
        out.rows = first.rows;
        out.cols = first.cols;
        out.zero = mean;
        out.noise_floor = (NOISE_FLOOR_SIGMAS * sd).max(MIN_NOISE_FLOOR);
        out.load_cell_zero_raw = load;
        if let (Some(raw0), Some(lc)) = (load, out.load_cell.as_mut()) {
            // The empty mat weighs nothing: keep the slope, move the line through it.
            lc.offset_kg = -lc.kg_per_count * raw0;
        }
        Ok(out)
    }

    /// Known-weight calibration from frames of someone of `known_kg` standing still:
    /// scales the force model so the pressure sum gives `known_kg`, and fits the load
    /// cell through the tare's zero and this reading.
    pub fn calibrate_known_weight(
        &self,
        frames: &[Frame],
        known_kg: f32,
    ) -> Result<Calibration, CalibrationError> {
        if !known_kg.is_finite() || !(1.0..=400.0).contains(&known_kg) {
            return Err(CalibrationError::BadKnownWeight(known_kg));
        }
        let (mean, load) = average(frames)?;
        let first = frames.first().ok_or(CalibrationError::NoFrames)?;
        let zero: Option<&[f32]> =
            (first.rows == self.rows && first.cols == self.cols && self.zero.len() == mean.len())
                .then_some(self.zero.as_slice());
        let mut counts = 0f32;
        let mut modelled = 0f32;
        for (i, &m) in mean.iter().enumerate() {
            let x = self.excess(m, zero.map_or(0.0, |z| z[i]));
            counts += x;
            modelled += self.force(x);
        }
        if counts < MIN_CALIBRATION_COUNTS || modelled <= 0.0 {
            return Err(CalibrationError::NobodyOnMat { counts });
        }
        let scale = known_kg * STANDARD_GRAVITY / modelled;
        let mut out = self.clone();
        out.source = "known_weight".into();
        out.created_at = now_rfc3339();
        out.gain_n_per_count *= scale;
        out.quadratic_n_per_count2 *= scale;
        out.known_kg = Some(known_kg);
        if let Some(raw1) = load {
            out.load_cell = match (self.load_cell_zero_raw, self.load_cell) {
                (Some(raw0), _) if (raw1 - raw0).abs() >= 1.0 => {
                    let slope = known_kg / (raw1 - raw0);
                    Some(LoadCellCalibration {
                        kg_per_count: slope,
                        offset_kg: -slope * raw0,
                    })
                }
                (_, Some(lc)) => Some(LoadCellCalibration {
                    kg_per_count: lc.kg_per_count,
                    offset_kg: known_kg - lc.kg_per_count * raw1,
                }),
                (_, None) if raw1.abs() >= 1.0 => Some(LoadCellCalibration {
                    kg_per_count: known_kg / raw1,
                    offset_kg: 0.0,
                }),
                (_, None) => None,
            };
        }
        out.validate()?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(rows: u16, cols: u16, cells: Vec<u16>, load: Option<i32>) -> Frame {
        Frame {
            rows,
            cols,
            cells,
            load_cell: load,
            seq: None,
            device_ms: None,
        }
    }

    #[test]
    fn cfp1_and_csv_have_no_factory_load_cell() {
        for f in [WireFormat::Cfp1, WireFormat::Csv] {
            assert!(Calibration::factory(f, 32, 32).load_cell.is_none());
        }
    }

    #[test]
    fn force_is_gain_times_counts_above_zero_and_floor_and_never_negative() {
        let mut cal = Calibration::factory(WireFormat::Csv, 1, 3);
        cal.zero = vec![10.0, 10.0, 10.0];
        cal.noise_floor = 2.0;
        cal.gain_n_per_count = 0.5;
        let grid = cal.apply(&frame(1, 3, vec![5, 12, 22], None), 10.0);
        assert_eq!(grid.force_n, vec![0.0, 0.0, 5.0]);
        cal.quadratic_n_per_count2 = 0.1;
        let grid = cal.apply(&frame(1, 3, vec![5, 12, 22], None), 10.0);
        assert!((grid.force_n[2] - (5.0 + 0.1 * 100.0)).abs() < 1e-5);
    }

    #[test]
    fn tare_then_known_weight_makes_the_pressure_sum_and_the_load_cell_read_that_weight() {
        let empty: Vec<Frame> = (0..10)
            .map(|i| frame(2, 2, vec![100 + i % 2, 50, 70, 80], Some(-20)))
            .collect();
        let cal = Calibration::factory(WireFormat::Legacy, 2, 2)
            .tare(&empty)
            .unwrap();
        assert_eq!(cal.source, "tare");
        assert!((cal.zero[0] - 100.5).abs() < 1e-4);
        assert!(cal.noise_floor >= MIN_NOISE_FLOOR);
        let empty_grid = cal.apply(&empty[0], 10.0);
        assert_eq!(empty_grid.total_force_n(), 0.0);
        assert!(empty_grid.load_cell_kg.unwrap() < 1e-3);

        let standing: Vec<Frame> = (0..5)
            .map(|_| frame(2, 2, vec![900, 650, 70, 880], Some(-320)))
            .collect();
        let cal = cal.calibrate_known_weight(&standing, 72.5).unwrap();
        let grid = cal.apply(&standing[0], 10.0);
        let kg = grid.total_force_n() / STANDARD_GRAVITY;
        assert!((kg - 72.5).abs() < 0.01, "{kg}");
        assert!((grid.load_cell_kg.unwrap() - 72.5).abs() < 0.01);
    }

    #[test]
    fn known_weight_with_nobody_on_the_mat_is_refused() {
        let cal = Calibration::factory(WireFormat::Csv, 1, 2);
        let err = cal
            .calibrate_known_weight(&[frame(1, 2, vec![1, 2], None)], 70.0)
            .unwrap_err();
        assert!(matches!(err, CalibrationError::NobodyOnMat { .. }), "{err}");
        assert!(matches!(
            cal.calibrate_known_weight(&[], 70.0),
            Err(CalibrationError::BadKnownWeight(_) | CalibrationError::NoFrames)
        ));
        assert!(matches!(
            cal.calibrate_known_weight(&[frame(1, 2, vec![900, 900], None)], 0.0),
            Err(CalibrationError::BadKnownWeight(_))
        ));
    }

    #[test]
    fn a_frame_from_another_mat_ignores_the_zero_map() {
        let mut cal = Calibration::factory(WireFormat::Legacy, 1, 2);
        cal.zero = vec![100.0, 100.0];
        cal.noise_floor = 0.0;
        cal.gain_n_per_count = 1.0;
        let grid = cal.apply(&frame(1, 1, vec![50], None), 10.0);
        assert_eq!(grid.force_n, vec![50.0]);
    }
}

/// Calibration files are untrusted input (`PUT /scanner/calibration`, another kiosk's
/// export): properties over arbitrary text and over exports with a field changed.
#[cfg(test)]
mod import_properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any text is either refused with an error or a calibration that validates.
        #[test]
        fn any_text_imports_as_a_valid_calibration_or_an_error(text in "\\PC{0,200}") {
            if let Ok(cal) = Calibration::from_json(&text) {
                prop_assert!(cal.validate().is_ok());
            }
        }

        /// A valid export with one field replaced by any JSON scalar is refused or still
        /// valid, and what is accepted exports and imports again to the same file.
        #[test]
        fn an_export_with_one_field_changed_is_refused_or_round_trips(
            rows in 1u16..40,
            cols in 1u16..40,
            field in 0usize..6,
            value in prop_oneof![
                proptest::num::f64::ANY.prop_map(serde_json::Value::from),
                any::<i64>().prop_map(serde_json::Value::from),
                "\\PC{0,8}".prop_map(serde_json::Value::from),
                Just(serde_json::Value::Null),
            ],
        ) {
            let mut json: serde_json::Value =
                serde_json::from_str(&Calibration::factory(WireFormat::Legacy, rows, cols).to_json())
                    .unwrap();
            let key = ["gain_n_per_count", "noise_floor", "rows", "version", "zero", "quadratic_n_per_count2"][field];
            json[key] = value;
            if let Ok(cal) = Calibration::from_json(&json.to_string()) {
                prop_assert!(cal.validate().is_ok());
                let again = Calibration::from_json(&cal.to_json());
                prop_assert!(again.is_ok(), "{:?} from {}", again, cal.to_json());
                prop_assert_eq!(again.unwrap().to_json(), cal.to_json());
            }
        }
    }
}
