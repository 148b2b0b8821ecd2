//! Footprints: the calibrated pressure grid, and (as they land) calibration,
//! analysis (segmentation, arch index, centre of pressure, distribution) and the
//! rendered picture. Everything here is pure: no I/O, no clock.
//!
//! Specified in `../shared/design/FOOT.md`.

pub mod grid;

pub use grid::PressureGrid;
