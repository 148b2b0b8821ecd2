//! Pure, incremental decoders and encoders for the three mat wire formats
//! (`../shared/protocol/FRAMES.md`).
//!
//! # Shape
//! Each format has a decoder whose [`step`](FormatDecoder::step) looks at the start of
//! a byte buffer and says what to do with it ([`Step`]): a frame was found (and how
//! many bytes it used), some bytes are garbage or a rejected frame (skip them), or more
//! bytes are needed. Nothing here does I/O or knows about tokio; the one async
//! adapter is [`MatCodec`], a thin `tokio_util::codec::Decoder` for `FramedRead`.
//!
//! # Invariants
//! - Any chunking gives the same frames and counters: a step that needs more bytes
//!   consumes nothing, so feeding one byte at a time works.
//! - A decoder never panics and never waits forever on garbage: every step either
//!   consumes at least one byte or asks for more, and a frame candidate has a bounded
//!   length (legacy 1168 bytes, cfp1 at most 32 790, csv lines at most 256 KiB).
//! - After garbage, dropped bytes or a truncated frame the next intact frame is found
//!   again: a rejected candidate consumes only its sync marker, never the bytes after.
//!
//! # Counters
//! [`CodecStats`]: frames decoded, frames rejected (by reason), garbage bytes skipped,
//! sequence gaps and the frames lost in them (formats with a sequence number).

pub mod cfp1;
pub mod csv;
pub mod legacy;

use bytes::{Buf, BytesMut};
use serde::Serialize;

use super::frame::{Frame, WireFormat};

/// Why a frame candidate was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RejectReason {
    /// legacy: the `F0 0F .. F0 0F` trailer is not where a whole frame ends (truncated
    /// or shifted frame).
    BadTrailer,
    /// legacy: a cell above the 12-bit ADC range.
    CellOutOfRange,
    /// cfp1: a version other than 1.
    BadVersion,
    /// cfp1 / csv: impossible rows, cols or cell width, or a cell count that does not
    /// match them.
    BadDimensions,
    /// cfp1 / csv: the CRC-16/CCITT-FALSE does not match.
    BadCrc,
    /// csv: a line that starts like a frame but does not parse.
    Malformed,
    /// csv: a frame line longer than [`csv::MAX_LINE_BYTES`].
    LineTooLong,
}

impl RejectReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::BadTrailer => "bad_trailer",
            RejectReason::CellOutOfRange => "cell_out_of_range",
            RejectReason::BadVersion => "bad_version",
            RejectReason::BadDimensions => "bad_dimensions",
            RejectReason::BadCrc => "bad_crc",
            RejectReason::Malformed => "malformed",
            RejectReason::LineTooLong => "line_too_long",
        }
    }
}

impl std::fmt::Display for RejectReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a decoder made of the start of a buffer.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Not enough bytes to decide; nothing was consumed.
    Incomplete,
    /// Skip `garbage + uncounted` bytes: `garbage` are counted as garbage; `uncounted`
    /// are not (legacy's preamble zeros, the rest of an already rejected csv line).
    Skip { garbage: usize, uncounted: usize },
    /// A frame candidate was dropped; skip `consumed` bytes.
    Reject {
        consumed: usize,
        reason: RejectReason,
    },
    /// A frame, built from the first `consumed` bytes.
    Frame { frame: Frame, consumed: usize },
}

/// Errors of the one-shot helpers ([`legacy::decode_exact`], [`legacy::decode_hex`]) and
/// of the encoders.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    #[error("not hexadecimal: {0}")]
    InvalidHex(String),
    #[error("truncated: {have} bytes, a frame needs {need}")]
    Truncated { have: usize, need: usize },
    #[error("no frame start found")]
    NoFrame,
    #[error("frame rejected: {0}")]
    Rejected(RejectReason),
    #[error("{extra} bytes after the frame")]
    TrailingBytes { extra: usize },
    #[error("cannot encode: {0}")]
    Unencodable(String),
}

/// Rejected frames by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RejectCounts {
    pub bad_trailer: u64,
    pub cell_out_of_range: u64,
    pub bad_version: u64,
    pub bad_dimensions: u64,
    pub bad_crc: u64,
    pub malformed: u64,
    pub line_too_long: u64,
}

impl RejectCounts {
    fn bump(&mut self, reason: RejectReason) {
        let slot = match reason {
            RejectReason::BadTrailer => &mut self.bad_trailer,
            RejectReason::CellOutOfRange => &mut self.cell_out_of_range,
            RejectReason::BadVersion => &mut self.bad_version,
            RejectReason::BadDimensions => &mut self.bad_dimensions,
            RejectReason::BadCrc => &mut self.bad_crc,
            RejectReason::Malformed => &mut self.malformed,
            RejectReason::LineTooLong => &mut self.line_too_long,
        };
        *slot += 1;
    }
}

/// The counters FRAMES.md asks every decoder to keep.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CodecStats {
    pub frames_decoded: u64,
    pub frames_rejected: u64,
    pub rejected_by_reason: RejectCounts,
    pub garbage_bytes: u64,
    /// Times the sequence number jumped (cfp1, csv).
    pub sequence_gaps: u64,
    /// Frames missing in those jumps.
    pub frames_lost: u64,
}

/// A format's decoding rule: looks at the start of `buf`, never panics.
pub trait FormatDecoder {
    fn step(&mut self, buf: &[u8]) -> Step;
}

/// CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, xorout 0), used by
/// cfp1 and csv. The `crc` crate names it CRC-16/IBM-3740.
pub const CRC16: crc::Crc<u16> = crc::Crc::<u16>::new(&crc::CRC_16_IBM_3740);

enum Kind {
    Legacy(legacy::LegacyDecoder),
    Cfp1(cfp1::Cfp1Decoder),
    Csv(csv::CsvDecoder),
}

/// A decoder for one configured format, with its counters and sequence tracking.
pub struct FrameDecoder {
    format: WireFormat,
    kind: Kind,
    stats: CodecStats,
    last_seq: Option<u32>,
}

impl FrameDecoder {
    pub fn new(format: WireFormat) -> FrameDecoder {
        let kind = match format {
            WireFormat::Legacy => Kind::Legacy(legacy::LegacyDecoder),
            WireFormat::Cfp1 => Kind::Cfp1(cfp1::Cfp1Decoder),
            WireFormat::Csv => Kind::Csv(csv::CsvDecoder::default()),
        };
        FrameDecoder {
            format,
            kind,
            stats: CodecStats::default(),
            last_seq: None,
        }
    }

    pub fn format(&self) -> WireFormat {
        self.format
    }

    pub fn stats(&self) -> &CodecStats {
        &self.stats
    }

    /// Forgets a partial frame's state (after a disconnect the buffer is dropped too).
    pub fn reset_stream(&mut self) {
        if let Kind::Csv(csv) = &mut self.kind {
            *csv = csv::CsvDecoder::default();
        }
    }

    /// Decodes from the start of `buf` until a frame is found or more bytes are needed.
    /// Returns how many bytes were consumed and the frame, if any.
    pub fn decode(&mut self, buf: &[u8]) -> (usize, Option<Frame>) {
        let mut pos = 0;
        while pos < buf.len() {
            let rest = &buf[pos..];
            let step = match &mut self.kind {
                Kind::Legacy(d) => d.step(rest),
                Kind::Cfp1(d) => d.step(rest),
                Kind::Csv(d) => d.step(rest),
            };
            match step {
                Step::Incomplete => break,
                Step::Skip { garbage, uncounted } => {
                    self.stats.garbage_bytes += garbage as u64;
                    pos += (garbage + uncounted).max(1);
                }
                Step::Reject { consumed, reason } => {
                    self.stats.frames_rejected += 1;
                    self.stats.rejected_by_reason.bump(reason);
                    pos += consumed.max(1);
                }
                Step::Frame { frame, consumed } => {
                    self.stats.frames_decoded += 1;
                    if let Some(seq) = frame.seq {
                        self.track_sequence(seq);
                    }
                    return (pos + consumed.max(1), Some(frame));
                }
            }
        }
        (pos.min(buf.len()), None)
    }

    /// Every frame in `bytes`, treating it as the whole stream (tests, benches, CLI).
    pub fn decode_all(&mut self, bytes: &[u8]) -> Vec<Frame> {
        let mut frames = Vec::new();
        let mut pos = 0;
        loop {
            let (used, frame) = self.decode(&bytes[pos..]);
            pos += used;
            match frame {
                Some(f) => frames.push(f),
                None => break,
            }
        }
        frames
    }

    fn track_sequence(&mut self, seq: u32) {
        if let Some(last) = self.last_seq {
            let expected = last.wrapping_add(1);
            let jump = seq.wrapping_sub(expected);
            // A jump "backwards" (more than half the range) is a device restart, not
            // 4 billion lost frames: counted as a gap without lost frames.
            if jump != 0 {
                self.stats.sequence_gaps += 1;
                if jump < u32::MAX / 2 {
                    self.stats.frames_lost += u64::from(jump);
                }
            }
        }
        self.last_seq = Some(seq);
    }
}

/// Encodes `frame` in `format`, appending to `out`.
pub fn encode(format: WireFormat, frame: &Frame, out: &mut Vec<u8>) -> Result<(), CodecError> {
    match format {
        WireFormat::Legacy => legacy::encode(frame, out),
        WireFormat::Cfp1 => cfp1::encode(frame, out),
        WireFormat::Csv => csv::encode(frame, true, out),
    }
}

/// `tokio_util` adapter: `FramedRead::new(port, MatCodec::new(format))` yields frames.
/// It only maps "need more bytes" to `Ok(None)`; all framing lives in the decoders.
pub struct MatCodec {
    decoder: FrameDecoder,
}

impl MatCodec {
    pub fn new(format: WireFormat) -> MatCodec {
        MatCodec {
            decoder: FrameDecoder::new(format),
        }
    }

    pub fn stats(&self) -> &CodecStats {
        self.decoder.stats()
    }

    pub fn format(&self) -> WireFormat {
        self.decoder.format()
    }

    /// See [`FrameDecoder::reset_stream`].
    pub fn reset_stream(&mut self) {
        self.decoder.reset_stream();
    }
}

impl tokio_util::codec::Decoder for MatCodec {
    type Item = Frame;
    type Error = std::io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, std::io::Error> {
        let (used, frame) = self.decoder.decode(src);
        src.advance(used);
        Ok(frame)
    }

    /// At end of stream a partial frame is simply dropped: the device went away.
    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, std::io::Error> {
        let frame = self.decode(src)?;
        if frame.is_none() {
            src.clear();
        }
        Ok(frame)
    }
}

/// Position of the first `needle` in `hay` (memchr-like; the formats' sync markers are
/// two bytes, so a byte search plus a check is enough).
pub(crate) fn find_byte(hay: &[u8], needle: u8) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

#[cfg(test)]
mod tests;
