//! The calibrated pressure grid every footprint computation starts from.

/// Standard gravity, for kg <-> N.
pub const STANDARD_GRAVITY: f32 = 9.806_65;

/// Force per cell in newtons after calibration, plus what the frame says about weight.
///
/// Same orientation as [`crate::mat::Frame`]: row 0 toes, column 0 the person's left.
#[derive(Debug, Clone, PartialEq)]
pub struct PressureGrid {
    pub rows: usize,
    pub cols: usize,
    /// Centre-to-centre distance of cells in mm (square cells).
    pub pitch_mm: f32,
    /// `rows * cols` forces in N, row-major, never negative.
    pub force_n: Vec<f32>,
    /// Body weight from the load cell, when the frame had one and it is calibrated.
    pub load_cell_kg: Option<f32>,
}

impl PressureGrid {
    /// Area of one cell in mm².
    pub fn cell_area_mm2(&self) -> f32 {
        self.pitch_mm * self.pitch_mm
    }

    /// Pressure of a cell in kPa (N/mm² = MPa; x 1000 = kPa).
    pub fn pressure_kpa(&self, row: usize, col: usize) -> f32 {
        self.force_n[row * self.cols + col] / self.cell_area_mm2() * 1000.0
    }

    /// Sum of all cell forces in N.
    pub fn total_force_n(&self) -> f32 {
        self.force_n.iter().sum()
    }
}
