//! `cfp1`: self-describing little-endian binary frame with a CRC (new firmware, other
//! mats).
//!
//! ```text
//! A5 5A | ver=1 | width 1|2 | rows u16 | cols u16 | seq u32 | device ms u32 |
//! load cell i32 (0x80000000 = none) | rows*cols cells | CRC-16/CCITT-FALSE of bytes 2..
//! ```
//! A frame with a bad CRC, an unknown version or impossible dimensions is dropped and
//! decoding resumes right after its sync, so a frame hidden inside a damaged one's
//! claimed length is still found.

use super::{find_byte, CodecError, FormatDecoder, RejectReason, Step, CRC16};
use crate::scanner::frame::Frame;

pub const SYNC: [u8; 2] = [0xA5, 0x5A];
pub const VERSION: u8 = 1;
pub const HEADER_LEN: usize = 20;
/// Largest `rows * cols`.
pub const MAX_CELLS: usize = 16_384;
/// Load-cell value meaning "this mat has no load cell".
pub const NO_LOAD_CELL: i32 = i32::MIN;

/// The cfp1 framing rule (stateless).
#[derive(Debug, Default)]
pub struct Cfp1Decoder;

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

impl FormatDecoder for Cfp1Decoder {
    fn step(&mut self, buf: &[u8]) -> Step {
        // Find the sync (or a lone A5 at the very end that may become one).
        let mut p = 0;
        let start = loop {
            match find_byte(&buf[p..], SYNC[0]) {
                None => break buf.len(),
                Some(i) => {
                    let at = p + i;
                    match buf.get(at + 1) {
                        None => break at,
                        Some(&b) if b == SYNC[1] => break at,
                        Some(_) => p = at + 1,
                    }
                }
            }
        };
        if start > 0 {
            return Step::Skip {
                garbage: start,
                uncounted: 0,
            };
        }
        if buf.len() < HEADER_LEN {
            return Step::Incomplete;
        }
        let reject = |reason| Step::Reject {
            consumed: SYNC.len(),
            reason,
        };
        if buf[2] != VERSION {
            return reject(RejectReason::BadVersion);
        }
        let width = buf[3] as usize;
        let rows = u16_at(buf, 4);
        let cols = u16_at(buf, 6);
        let n = rows as usize * cols as usize;
        if !(width == 1 || width == 2)
            || !(1..=256).contains(&rows)
            || !(1..=256).contains(&cols)
            || n > MAX_CELLS
        {
            return reject(RejectReason::BadDimensions);
        }
        let end = HEADER_LEN + n * width;
        if buf.len() < end + 2 {
            return Step::Incomplete;
        }
        if CRC16.checksum(&buf[2..end]) != u16_at(buf, end) {
            return reject(RejectReason::BadCrc);
        }
        let body = &buf[HEADER_LEN..end];
        let cells = if width == 1 {
            body.iter().map(|&b| u16::from(b)).collect()
        } else {
            body.chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect()
        };
        let load = u32_at(buf, 16) as i32;
        Step::Frame {
            frame: Frame {
                rows,
                cols,
                cells,
                load_cell: (load != NO_LOAD_CELL).then_some(load),
                seq: Some(u32_at(buf, 8)),
                device_ms: Some(u32_at(buf, 12)),
            },
            consumed: end + 2,
        }
    }
}

/// Appends `frame` as one cfp1 frame: u8 cells when every cell fits, else u16.
/// A missing `seq`/`device_ms` is written as 0.
pub fn encode(frame: &Frame, out: &mut Vec<u8>) -> Result<(), CodecError> {
    let n = frame.rows as usize * frame.cols as usize;
    if !(1..=256).contains(&frame.rows)
        || !(1..=256).contains(&frame.cols)
        || n > MAX_CELLS
        || frame.cells.len() != n
    {
        return Err(CodecError::Unencodable(format!(
            "cfp1 cannot carry {} x {} with {} cells",
            frame.rows,
            frame.cols,
            frame.cells.len()
        )));
    }
    let width: u8 = if frame.cells.iter().all(|&v| v <= 0xFF) {
        1
    } else {
        2
    };
    let start = out.len();
    out.reserve(HEADER_LEN + n * width as usize + 2);
    out.extend_from_slice(&SYNC);
    out.push(VERSION);
    out.push(width);
    out.extend_from_slice(&frame.rows.to_le_bytes());
    out.extend_from_slice(&frame.cols.to_le_bytes());
    out.extend_from_slice(&frame.seq.unwrap_or(0).to_le_bytes());
    out.extend_from_slice(&frame.device_ms.unwrap_or(0).to_le_bytes());
    out.extend_from_slice(&frame.load_cell.unwrap_or(NO_LOAD_CELL).to_le_bytes());
    if width == 1 {
        out.extend(frame.cells.iter().map(|&v| v as u8));
    } else {
        for v in &frame.cells {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    let crc = CRC16.checksum(&out[start + 2..]);
    out.extend_from_slice(&crc.to_le_bytes());
    Ok(())
}
