//! One decoded mat frame: raw ADC counts, not yet calibrated.

use serde::{Deserialize, Serialize};

/// The three wire formats a mat can speak (`scanner.format` in the config).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum WireFormat {
    /// The deployed Carenco mat: 24 x 24, 1180 bytes, no checksum.
    Legacy,
    /// Self-describing binary frame with CRC-16/CCITT-FALSE.
    Cfp1,
    /// One ASCII line per frame (DIY mats).
    Csv,
}

impl WireFormat {
    /// The name used in the config, the CLI and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            WireFormat::Legacy => "legacy",
            WireFormat::Cfp1 => "cfp1",
            WireFormat::Csv => "csv",
        }
    }
}

impl std::fmt::Display for WireFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for WireFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "legacy" => Ok(WireFormat::Legacy),
            "cfp1" => Ok(WireFormat::Cfp1),
            "csv" => Ok(WireFormat::Csv),
            other => Err(format!(
                "unknown wire format {other:?} (expected legacy, cfp1 or csv)"
            )),
        }
    }
}

/// One frame as the mat sent it.
///
/// Orientation (every format): row 0 is the toe end, the last row the heel end;
/// column 0 is the standing person's left. Cells are row-major raw counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub rows: u16,
    pub cols: u16,
    /// `rows * cols` raw ADC counts, row-major.
    pub cells: Vec<u16>,
    /// Raw load-cell reading when the format carries one (legacy: i16 word; cfp1: i32).
    pub load_cell: Option<i32>,
    /// Sequence number when the format carries one (cfp1, csv).
    pub seq: Option<u32>,
    /// Device clock in ms when the format carries one (cfp1).
    pub device_ms: Option<u32>,
}

impl Frame {
    /// Raw count at `(row, col)`; `None` outside the grid.
    pub fn cell(&self, row: usize, col: usize) -> Option<u16> {
        if row < self.rows as usize && col < self.cols as usize {
            self.cells.get(row * self.cols as usize + col).copied()
        } else {
            None
        }
    }
}
