//! Footprints: the calibrated pressure grid, and (as they land) calibration,
//! analysis (segmentation, arch index, centre of pressure, distribution) and the
//! rendered picture. Everything here is pure: no I/O, no clock.
//!
//! - [`grid`]: the calibrated [`PressureGrid`] every computation starts from.
//! - [`analysis`]: segmentation, arch index, COP and distribution ([`Metrics`]).
//! - [`calibration`]: raw counts to forces (tare, known weight, load cell); its
//!   load/save helpers are the one exception to "no I/O" (they go through the store).
//! - [`arch`]: arch classes (Cavanagh & Rodgers) in Korean and English.
//! - [`render`]: the PNG/JPEG picture with overlays.
//! - [`synth`]: synthetic feet of known geometry (simulator and tests).
//! - [`accuracy`]: the held-out protocol that measures the arch index on synthetic
//!   feet seen the way a real sensor sees them.
//! - [`balance`]: the balance test's figures from a centre-of-pressure path.
//!
//! Specified in `../shared/design/FOOT.md`.

pub mod accuracy;
pub mod analysis;
pub mod arch;
pub mod balance;
pub mod calibration;
pub use crate::mat::grid;
pub mod render;
pub mod synth;

pub use analysis::{analyse, Metrics};
pub use arch::ArchType;
pub use calibration::Calibration;
pub use grid::PressureGrid;
