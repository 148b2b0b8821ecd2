//! `legacy`: the deployed Carenco mat. 24 x 24 cells, 1180 bytes, no checksum.
//!
//! ```text
//! 00 x 12 (preamble, may be short or missing) | F0 0F | w | w | F0 0F |
//! 576 x u16 BE cells | F0 0F | load cell i16 BE | w | F0 0F
//! ```
//! Without a checksum the markers are all there is: a frame is accepted only when the
//! header `F0 0F xx xx xx xx F0 0F` and, 1152 bytes later, the trailer
//! `F0 0F ww ww uu uu F0 0F` both sit where they must, and every cell fits 12 bits.
//! A truncated frame therefore shows a misplaced trailer and is rejected instead of
//! being decoded shifted.

use super::{find_byte, CodecError, FormatDecoder, RejectReason, Step};
use crate::scanner::frame::Frame;

pub const ROWS: u16 = 24;
pub const COLS: u16 = 24;
pub const CELLS: usize = ROWS as usize * COLS as usize;
/// Length of the zero preamble in a complete frame.
pub const PREAMBLE_LEN: usize = 12;
/// Header marker pair, cells, trailer: what follows the preamble.
pub const BODY_LEN: usize = 8 + 2 * CELLS + 8;
/// A complete frame with its preamble.
pub const FRAME_LEN: usize = PREAMBLE_LEN + BODY_LEN;
/// Largest valid cell value: the mat's ADC has 12 bits.
pub const MAX_CELL: u16 = 4095;

const MARKER: [u8; 2] = [0xF0, 0x0F];
const TRAILER_AT: usize = 8 + 2 * CELLS;

/// The legacy framing rule (stateless: everything it needs is in the buffer).
#[derive(Debug, Default)]
pub struct LegacyDecoder;

/// Whether `buf` (possibly shorter than 8 bytes) could start a header.
fn header_candidate(buf: &[u8]) -> bool {
    let want = [
        (0, MARKER[0]),
        (1, MARKER[1]),
        (6, MARKER[0]),
        (7, MARKER[1]),
    ];
    want.iter()
        .all(|&(i, b)| buf.get(i).is_none_or(|&have| have == b))
}

fn trailing_zeros(buf: &[u8]) -> usize {
    buf.iter().rev().take_while(|&&b| b == 0).count()
}

impl FormatDecoder for LegacyDecoder {
    fn step(&mut self, buf: &[u8]) -> Step {
        // Find the first position that is, or may become, a header.
        let mut p = 0;
        let candidate = loop {
            match find_byte(&buf[p..], MARKER[0]) {
                None => break None,
                Some(i) => {
                    if header_candidate(&buf[p + i..]) {
                        break Some(p + i);
                    }
                    p += i + 1;
                }
            }
        };
        let start = candidate.unwrap_or(buf.len());
        let complete_header = candidate.is_some_and(|c| buf.len() - c >= 8);
        if start > 0 {
            // Zeros right before a header are its preamble, not garbage; while the
            // header has not arrived, keep up to a preamble's worth of them waiting.
            let zeros = trailing_zeros(&buf[..start]).min(PREAMBLE_LEN);
            let garbage = start - zeros;
            return if complete_header {
                Step::Skip {
                    garbage,
                    uncounted: zeros,
                }
            } else if garbage > 0 {
                Step::Skip {
                    garbage,
                    uncounted: 0,
                }
            } else {
                Step::Incomplete
            };
        }
        if buf.len() < BODY_LEN {
            return Step::Incomplete;
        }
        let trailer = &buf[TRAILER_AT..BODY_LEN];
        if trailer[0..2] != MARKER || trailer[6..8] != MARKER {
            // Skip only the marker byte: the next frame may start inside this window.
            return Step::Reject {
                consumed: 1,
                reason: RejectReason::BadTrailer,
            };
        }
        let mut cells = Vec::with_capacity(CELLS);
        for pair in buf[8..TRAILER_AT].chunks_exact(2) {
            let v = u16::from_be_bytes([pair[0], pair[1]]);
            if v > MAX_CELL {
                return Step::Reject {
                    consumed: BODY_LEN,
                    reason: RejectReason::CellOutOfRange,
                };
            }
            cells.push(v);
        }
        let load = i16::from_be_bytes([trailer[2], trailer[3]]);
        Step::Frame {
            frame: Frame {
                rows: ROWS,
                cols: COLS,
                cells,
                load_cell: Some(i32::from(load)),
                seq: None,
                device_ms: None,
            },
            consumed: BODY_LEN,
        }
    }
}

/// Appends `frame` as one legacy frame with its full 12-byte preamble.
pub fn encode(frame: &Frame, out: &mut Vec<u8>) -> Result<(), CodecError> {
    if frame.rows != ROWS || frame.cols != COLS || frame.cells.len() != CELLS {
        return Err(CodecError::Unencodable(format!(
            "legacy frames are 24 x 24, not {} x {}",
            frame.rows, frame.cols
        )));
    }
    if let Some(v) = frame.cells.iter().find(|&&v| v > MAX_CELL) {
        return Err(CodecError::Unencodable(format!(
            "cell {v} exceeds the 12-bit range"
        )));
    }
    let load = match frame.load_cell {
        None => 0,
        Some(raw) => i16::try_from(raw)
            .map_err(|_| CodecError::Unencodable(format!("load cell {raw} does not fit an i16")))?,
    };
    out.reserve(FRAME_LEN);
    out.extend_from_slice(&[0; PREAMBLE_LEN]);
    out.extend_from_slice(&MARKER);
    out.extend_from_slice(&[0x00, 0x00, 0x00, 0x10]);
    out.extend_from_slice(&MARKER);
    for v in &frame.cells {
        out.extend_from_slice(&v.to_be_bytes());
    }
    out.extend_from_slice(&MARKER);
    out.extend_from_slice(&load.to_be_bytes());
    out.extend_from_slice(&[0x00, 0x00]);
    out.extend_from_slice(&MARKER);
    Ok(())
}

/// Decodes a buffer that must hold exactly one frame (preamble optional), as sent in
/// `PUT /image`'s hex `data`.
pub fn decode_exact(bytes: &[u8]) -> Result<Frame, CodecError> {
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    if zeros > PREAMBLE_LEN {
        return Err(CodecError::NoFrame);
    }
    let body = &bytes[zeros..];
    if body.len() < 8 || !header_candidate(&body[..8]) {
        return Err(if body.len() < 8 && header_candidate(body) {
            CodecError::Truncated {
                have: bytes.len(),
                need: zeros + BODY_LEN,
            }
        } else {
            CodecError::NoFrame
        });
    }
    if body.len() < BODY_LEN {
        return Err(CodecError::Truncated {
            have: bytes.len(),
            need: zeros + BODY_LEN,
        });
    }
    match LegacyDecoder.step(body) {
        Step::Frame { frame, consumed } => {
            if consumed == body.len() {
                Ok(frame)
            } else {
                Err(CodecError::TrailingBytes {
                    extra: body.len() - consumed,
                })
            }
        }
        Step::Reject { reason, .. } => Err(CodecError::Rejected(reason)),
        Step::Incomplete | Step::Skip { .. } => Err(CodecError::NoFrame),
    }
}

/// Decodes one frame written as hex, as in the fixtures and `PUT /image`: ASCII
/// whitespace and U+00A0 no-break spaces are ignored, either letter case is accepted.
pub fn decode_hex(text: &str) -> Result<Frame, CodecError> {
    decode_exact(&hex_to_bytes(text)?)
}

/// Hex text to bytes, ignoring whitespace (including U+00A0).
pub fn hex_to_bytes(text: &str) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::with_capacity(text.len() / 2);
    let mut high: Option<u8> = None;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            continue;
        }
        let nibble = c
            .to_digit(16)
            .ok_or_else(|| CodecError::InvalidHex(format!("{c:?} at character {i}")))?
            as u8;
        match high.take() {
            None => high = Some(nibble),
            Some(h) => out.push(h << 4 | nibble),
        }
    }
    if high.is_some() {
        return Err(CodecError::InvalidHex("odd number of hex digits".into()));
    }
    Ok(out)
}
