//! `csv`: one ASCII line per frame, for DIY Arduino/ESP32 mats.
//!
//! `F,<seq>,<rows>,<cols>,<c0>,...,<cN-1>[*XXXX]\n`, where `*XXXX` (optional) is the
//! CRC-16/CCITT-FALSE of every byte before `*` in upper-case hex; `\r\n` is accepted.
//! Lines that do not start with `F,` are device chatter and count as garbage. A line
//! longer than [`MAX_LINE_BYTES`] is dropped as it streams by, never buffered whole.

use super::{CodecError, FormatDecoder, RejectReason, Step, CRC16};
use crate::scanner::frame::Frame;

/// Longest line kept; longer ones are dropped.
pub const MAX_LINE_BYTES: usize = 256 * 1024;
/// Largest `rows * cols`, as in cfp1.
pub const MAX_CELLS: usize = 16_384;

/// Where the decoder is inside an over-long line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Discard {
    /// Not discarding.
    #[default]
    No,
    /// The rest of a rejected frame line (already counted once).
    FrameLine,
    /// The rest of a chatter line (garbage).
    Chatter,
}

/// The csv framing rule; remembers only whether it is inside an over-long line.
#[derive(Debug, Default)]
pub struct CsvDecoder {
    discard: Discard,
}

impl FormatDecoder for CsvDecoder {
    fn step(&mut self, buf: &[u8]) -> Step {
        if buf.is_empty() {
            return Step::Incomplete;
        }
        let newline = buf
            .iter()
            .take(MAX_LINE_BYTES + 1)
            .position(|&b| b == b'\n');
        if self.discard != Discard::No {
            let consumed = newline.map_or(buf.len().min(MAX_LINE_BYTES + 1), |i| i + 1);
            let garbage = if self.discard == Discard::Chatter {
                consumed
            } else {
                0
            };
            if newline.is_some() {
                self.discard = Discard::No;
            }
            return if garbage == 0 {
                // Bytes of a line already rejected: consumed silently.
                Step::Skip {
                    garbage: 0,
                    uncounted: consumed,
                }
            } else {
                Step::Skip {
                    garbage,
                    uncounted: 0,
                }
            };
        }
        let is_frame = buf.starts_with(b"F,") || buf == b"F";
        let Some(nl) = newline else {
            if buf.len() <= MAX_LINE_BYTES {
                return Step::Incomplete;
            }
            // No newline in the first MAX + 1 bytes: all of them belong to the long line.
            let consumed = MAX_LINE_BYTES + 1;
            return if is_frame {
                self.discard = Discard::FrameLine;
                Step::Reject {
                    consumed,
                    reason: RejectReason::LineTooLong,
                }
            } else {
                self.discard = Discard::Chatter;
                Step::Skip {
                    garbage: consumed,
                    uncounted: 0,
                }
            };
        };
        let consumed = nl + 1;
        if !is_frame {
            tracing::debug!(bytes = consumed, "mat chatter line skipped");
            return Step::Skip {
                garbage: consumed,
                uncounted: 0,
            };
        }
        let line = &buf[..nl];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        match parse_line(line) {
            Ok(frame) => Step::Frame { frame, consumed },
            Err(reason) => Step::Reject { consumed, reason },
        }
    }
}

fn parse_u32(field: &[u8]) -> Option<u32> {
    if field.is_empty() || field.len() > 10 {
        return None;
    }
    let mut v: u64 = 0;
    for &b in field {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u64::from(b - b'0');
    }
    u32::try_from(v).ok()
}

fn parse_hex4(field: &[u8]) -> Option<u16> {
    if field.len() != 4 {
        return None;
    }
    let mut v: u16 = 0;
    for &b in field {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            b'A'..=b'F' => b - b'A' + 10,
            _ => return None,
        };
        v = v << 4 | u16::from(d);
    }
    Some(v)
}

/// Parses one frame line without its line ending.
fn parse_line(line: &[u8]) -> Result<Frame, RejectReason> {
    let body = match line.iter().rposition(|&b| b == b'*') {
        Some(star) => {
            let want = parse_hex4(&line[star + 1..]).ok_or(RejectReason::Malformed)?;
            if CRC16.checksum(&line[..star]) != want {
                return Err(RejectReason::BadCrc);
            }
            &line[..star]
        }
        None => line,
    };
    let mut fields = body.split(|&b| b == b',');
    if fields.next() != Some(b"F".as_slice()) {
        return Err(RejectReason::Malformed);
    }
    let mut next_num = || {
        fields
            .next()
            .and_then(parse_u32)
            .ok_or(RejectReason::Malformed)
    };
    let seq = next_num()?;
    let rows = next_num()?;
    let cols = next_num()?;
    let n = rows as usize * cols as usize;
    if !(1..=256).contains(&rows) || !(1..=256).contains(&cols) || n > MAX_CELLS {
        return Err(RejectReason::BadDimensions);
    }
    let mut cells = Vec::with_capacity(n);
    for field in fields {
        let v = parse_u32(field).ok_or(RejectReason::Malformed)?;
        let v = u16::try_from(v).map_err(|_| RejectReason::Malformed)?;
        if cells.len() == n {
            return Err(RejectReason::BadDimensions);
        }
        cells.push(v);
    }
    if cells.len() != n {
        return Err(RejectReason::BadDimensions);
    }
    Ok(Frame {
        rows: rows as u16,
        cols: cols as u16,
        cells,
        load_cell: None,
        seq: Some(seq),
        device_ms: None,
    })
}

/// Appends `frame` as one csv line (`\n`-terminated), with the CRC when `with_crc`.
/// A missing `seq` is written as 0; csv has no load cell.
pub fn encode(frame: &Frame, with_crc: bool, out: &mut Vec<u8>) -> Result<(), CodecError> {
    use std::io::Write;
    let n = frame.rows as usize * frame.cols as usize;
    if !(1..=256).contains(&frame.rows)
        || !(1..=256).contains(&frame.cols)
        || n > MAX_CELLS
        || frame.cells.len() != n
    {
        return Err(CodecError::Unencodable(format!(
            "csv cannot carry {} x {} with {} cells",
            frame.rows,
            frame.cols,
            frame.cells.len()
        )));
    }
    let start = out.len();
    // Writing into a Vec cannot fail.
    let _ = write!(
        out,
        "F,{},{},{}",
        frame.seq.unwrap_or(0),
        frame.rows,
        frame.cols
    );
    for v in &frame.cells {
        let _ = write!(out, ",{v}");
    }
    if with_crc {
        let crc = CRC16.checksum(&out[start..]);
        let _ = write!(out, "*{crc:04X}");
    }
    out.push(b'\n');
    Ok(())
}
