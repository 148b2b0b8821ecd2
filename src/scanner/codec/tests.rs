//! Codec tests: the real legacy captures, and property tests over every format
//! (encode → random chunking → interleaved garbage / dropped bytes → decode).

use bytes::BytesMut;
use proptest::prelude::*;
use tokio_util::codec::Decoder;

use super::*;

const SAMPLE: &str = include_str!("../../../tests/fixtures/frames/legacy_sample_data.json");
const TRUNCATED: &str =
    include_str!("../../../tests/fixtures/frames/legacy_sample_data_truncated.json");

fn fixture_hex(json: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(json).expect("fixture is JSON");
    v["data"].as_str().expect("data is a string").to_string()
}

/// Feeds `stream` through the tokio-util adapter in the given chunk sizes.
fn decode_chunked(format: WireFormat, stream: &[u8], chunks: &[usize]) -> (Vec<Frame>, CodecStats) {
    let mut codec = MatCodec::new(format);
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    let mut pos = 0;
    let mut sizes = chunks.iter().cycle();
    while pos < stream.len() {
        let n = (*sizes.next().unwrap_or(&1)).clamp(1, stream.len() - pos);
        buf.extend_from_slice(&stream[pos..pos + n]);
        pos += n;
        while let Some(frame) = codec.decode(&mut buf).unwrap() {
            frames.push(frame);
        }
    }
    while let Some(frame) = codec.decode_eof(&mut buf).unwrap() {
        frames.push(frame);
    }
    (frames, *codec.stats())
}

#[test]
fn the_real_legacy_sample_decodes_to_the_24_by_24_grid_and_load_cell_minus_276() {
    let frame = legacy::decode_hex(&fixture_hex(SAMPLE)).unwrap();
    assert_eq!((frame.rows, frame.cols), (24, 24));
    assert_eq!(frame.cells.len(), 576);
    assert_eq!(frame.load_cell, Some(-276));
    assert_eq!(
        frame.cells.iter().map(|&v| u32::from(v)).sum::<u32>(),
        37_777
    );
    assert_eq!(frame.cells.iter().copied().max(), Some(1599));
    assert_eq!(frame.cells.iter().filter(|&&v| v > 0).count(), 90);
}

#[test]
fn the_truncated_legacy_sample_is_rejected_not_decoded_shifted() {
    let hex = fixture_hex(TRUNCATED);
    let bytes = legacy::hex_to_bytes(&hex).unwrap();
    assert_eq!(bytes.len(), 1159);
    // The capture lost its start: what remains is cells and a lone marker group.
    let err = legacy::decode_hex(&hex).unwrap_err();
    assert!(
        matches!(err, CodecError::NoFrame | CodecError::Truncated { .. }),
        "{err}"
    );
    let mut d = FrameDecoder::new(WireFormat::Legacy);
    assert!(d.decode_all(&bytes).is_empty());
    assert_eq!(d.stats().frames_decoded, 0);
}

#[test]
fn hex_with_no_break_spaces_and_upper_case_decodes_the_same() {
    let hex = fixture_hex(SAMPLE);
    let spaced: String = hex
        .to_uppercase()
        .as_bytes()
        .chunks(8)
        .map(|c| std::str::from_utf8(c).unwrap().to_string())
        .collect::<Vec<_>>()
        .join("\u{a0}");
    assert_eq!(
        legacy::decode_hex(&spaced).unwrap(),
        legacy::decode_hex(&hex).unwrap()
    );
    assert!(matches!(
        legacy::decode_hex("f00g"),
        Err(CodecError::InvalidHex(_))
    ));
}

#[test]
fn a_truncated_frame_in_a_stream_is_rejected_and_the_next_one_is_found() {
    let good = legacy::hex_to_bytes(&fixture_hex(SAMPLE)).unwrap();
    let bad = legacy::hex_to_bytes(&fixture_hex(TRUNCATED)).unwrap();
    let mut stream = Vec::new();
    stream.extend_from_slice(&bad);
    stream.extend_from_slice(&good);
    stream.extend_from_slice(&bad);
    stream.extend_from_slice(&good);
    let (frames, stats) = decode_chunked(WireFormat::Legacy, &stream, &[1]);
    assert_eq!(frames.len(), 2);
    assert!(frames.iter().all(|f| f.load_cell == Some(-276)));
    assert_eq!(stats.frames_decoded, 2);
    assert_eq!(stats.frames_rejected, 2);
    assert_eq!(stats.rejected_by_reason.bad_trailer, 2);
}

#[test]
fn a_legacy_cell_above_12_bits_rejects_the_frame() {
    let mut bytes = legacy::hex_to_bytes(&fixture_hex(SAMPLE)).unwrap();
    bytes[20] = 0x10; // first cell becomes >= 4096
    assert_eq!(
        legacy::decode_exact(&bytes),
        Err(CodecError::Rejected(RejectReason::CellOutOfRange))
    );
}

#[test]
fn a_legacy_frame_without_preamble_still_decodes() {
    let bytes = legacy::hex_to_bytes(&fixture_hex(SAMPLE)).unwrap();
    let frame = legacy::decode_exact(&bytes[12..]).unwrap();
    assert_eq!(frame.load_cell, Some(-276));
    let mut d = FrameDecoder::new(WireFormat::Legacy);
    assert_eq!(d.decode_all(&bytes[5..]).len(), 1);
    assert_eq!(d.stats().garbage_bytes, 0);
}

#[test]
fn cfp1_with_a_bad_crc_is_rejected_and_decoding_resumes_after_its_sync() {
    let frame = Frame {
        rows: 2,
        cols: 3,
        cells: vec![1, 2, 3, 4, 5, 600],
        load_cell: Some(-5),
        seq: Some(7),
        device_ms: Some(1000),
    };
    let mut good = Vec::new();
    cfp1::encode(&frame, &mut good).unwrap();
    let mut bad = good.clone();
    let last = bad.len() - 1;
    bad[last] ^= 0xFF;
    let mut stream = bad.clone();
    stream.extend_from_slice(&good);
    let mut d = FrameDecoder::new(WireFormat::Cfp1);
    assert_eq!(d.decode_all(&stream), vec![frame]);
    assert_eq!(d.stats().rejected_by_reason.bad_crc, 1);
}

#[test]
fn cfp1_sequence_jumps_count_gaps_and_lost_frames() {
    let mut stream = Vec::new();
    for seq in [1u32, 2, 5, 6, 10] {
        let f = Frame {
            rows: 1,
            cols: 1,
            cells: vec![9],
            load_cell: None,
            seq: Some(seq),
            device_ms: None,
        };
        cfp1::encode(&f, &mut stream).unwrap();
    }
    let mut d = FrameDecoder::new(WireFormat::Cfp1);
    assert_eq!(d.decode_all(&stream).len(), 5);
    assert_eq!(d.stats().sequence_gaps, 2);
    assert_eq!(d.stats().frames_lost, 5);
}

#[test]
fn cfp1_impossible_dimensions_and_unknown_versions_are_rejected() {
    let mut header = vec![0xA5, 0x5A, 1, 2, 0, 0, 1, 0]; // zero rows
    header.resize(40, 0);
    let mut d = FrameDecoder::new(WireFormat::Cfp1);
    assert!(d.decode_all(&header).is_empty());
    assert_eq!(d.stats().rejected_by_reason.bad_dimensions, 1);
    let mut v2 = vec![0xA5, 0x5A, 2, 1, 1, 0, 1, 0];
    v2.resize(40, 0);
    let mut d = FrameDecoder::new(WireFormat::Cfp1);
    assert!(d.decode_all(&v2).is_empty());
    assert_eq!(d.stats().rejected_by_reason.bad_version, 1);
}

#[test]
fn csv_accepts_crlf_and_lines_without_crc_and_skips_chatter() {
    let text = b"booting v1.2\r\nF,1,2,2,10,20,30,40\r\nF,2,1,2,5,6*0000\nF,3,1,1,7\n";
    let mut d = FrameDecoder::new(WireFormat::Csv);
    let frames = d.decode_all(text);
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[0].cells, vec![10, 20, 30, 40]);
    assert_eq!(frames[1].seq, Some(3));
    assert_eq!(d.stats().garbage_bytes, 14);
    assert_eq!(d.stats().rejected_by_reason.bad_crc, 1);
}

#[test]
fn csv_lines_with_wrong_cell_counts_are_rejected() {
    let mut d = FrameDecoder::new(WireFormat::Csv);
    assert!(d
        .decode_all(b"F,1,2,2,1,2,3\nF,1,2,2,1,2,3,4,5\nF,x\n")
        .is_empty());
    assert_eq!(d.stats().rejected_by_reason.bad_dimensions, 2);
    assert_eq!(d.stats().rejected_by_reason.malformed, 1);
}

#[test]
fn an_overlong_csv_line_is_dropped_without_buffering_it_and_the_next_line_decodes() {
    let mut codec = MatCodec::new(WireFormat::Csv);
    let mut buf = BytesMut::new();
    buf.extend_from_slice(b"F,1,1,1");
    let chunk = vec![b'9'; 64 * 1024];
    let mut max_buffered = 0;
    for _ in 0..8 {
        buf.extend_from_slice(&chunk);
        assert!(codec.decode(&mut buf).unwrap().is_none());
        max_buffered = max_buffered.max(buf.len());
    }
    buf.extend_from_slice(b"99\nF,2,1,1,42\n");
    let frame = codec
        .decode(&mut buf)
        .unwrap()
        .expect("the next line decodes");
    assert_eq!(frame.cells, vec![42]);
    assert!(max_buffered <= csv::MAX_LINE_BYTES + 64 * 1024);
    assert_eq!(codec.stats().rejected_by_reason.line_too_long, 1);
    assert_eq!(codec.stats().frames_rejected, 1);
}

fn legacy_frame() -> impl Strategy<Value = Frame> {
    (prop::collection::vec(0u16..=4095, 576), any::<i16>()).prop_map(|(cells, load)| Frame {
        rows: 24,
        cols: 24,
        cells,
        load_cell: Some(i32::from(load)),
        seq: None,
        device_ms: None,
    })
}

fn small_frame(with_load: bool, with_ms: bool) -> impl Strategy<Value = Frame> {
    (
        1u16..=6,
        1u16..=6,
        any::<bool>(),
        any::<u32>(),
        any::<u32>(),
        any::<i32>(),
    )
        .prop_flat_map(move |(rows, cols, narrow, seq, ms, load)| {
            let max = if narrow { 255 } else { u16::MAX };
            prop::collection::vec(0..=max, rows as usize * cols as usize).prop_map(move |cells| {
                Frame {
                    rows,
                    cols,
                    cells,
                    load_cell: (with_load && load != cfp1::NO_LOAD_CELL).then_some(load),
                    seq: Some(seq),
                    device_ms: with_ms.then_some(ms),
                }
            })
        })
}

fn frames_of(format: WireFormat) -> BoxedStrategy<Vec<Frame>> {
    match format {
        WireFormat::Legacy => prop::collection::vec(legacy_frame(), 1..4).boxed(),
        WireFormat::Cfp1 => prop::collection::vec(small_frame(true, true), 1..8).boxed(),
        WireFormat::Csv => prop::collection::vec(small_frame(false, false), 1..8).boxed(),
    }
}

/// Garbage that cannot contain a sync marker, so every garbage byte is counted as such.
fn garbage_for(format: WireFormat, raw: Vec<u8>) -> Vec<u8> {
    match format {
        WireFormat::Legacy => raw.into_iter().filter(|&b| b != 0xF0).collect(),
        WireFormat::Cfp1 => raw.into_iter().filter(|&b| b != 0xA5).collect(),
        WireFormat::Csv => {
            if raw.is_empty() {
                return raw;
            }
            let mut line: Vec<u8> = raw
                .into_iter()
                .map(|b| b' ' + b % 90)
                .filter(|&b| b != b'F')
                .collect();
            line.push(b'\n');
            line
        }
    }
}

fn any_format() -> impl Strategy<Value = WireFormat> {
    prop_oneof![
        Just(WireFormat::Legacy),
        Just(WireFormat::Cfp1),
        Just(WireFormat::Csv)
    ]
}

fn frames_with_garbage() -> impl Strategy<Value = (WireFormat, Vec<Frame>, Vec<Vec<u8>>, Vec<usize>)>
{
    any_format().prop_flat_map(|format| {
        frames_of(format).prop_flat_map(move |frames| {
            let n = frames.len();
            (
                Just(format),
                Just(frames),
                prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), n + 1),
                prop::collection::vec(1usize..300, 1..20),
            )
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn every_frame_comes_back_in_order_through_random_chunks_and_garbage(
        (format, frames, garbage, chunks) in frames_with_garbage()
    ) {
        let mut stream = Vec::new();
        let mut garbage_total = 0u64;
        for (i, g) in garbage.into_iter().enumerate() {
            let g = garbage_for(format, g);
            garbage_total += g.len() as u64;
            if format == WireFormat::Legacy && i == frames.len() {
                // Zeros at the very end may still be the preamble of a frame to come.
                let pending = g.iter().rev().take_while(|&&b| b == 0).count().min(12);
                garbage_total -= pending as u64;
            }
            stream.extend_from_slice(&g);
            if let Some(f) = frames.get(i) {
                encode(format, f, &mut stream).unwrap();
            }
        }
        let (decoded, stats) = decode_chunked(format, &stream, &chunks);
        prop_assert_eq!(&decoded, &frames);
        prop_assert_eq!(stats.frames_decoded, frames.len() as u64);
        prop_assert_eq!(stats.frames_rejected, 0);
        prop_assert_eq!(stats.garbage_bytes, garbage_total);
    }

    #[test]
    fn one_byte_at_a_time_gives_the_same_as_one_chunk(
        (format, frames, garbage, _chunks) in frames_with_garbage()
    ) {
        let mut stream = Vec::new();
        for (i, g) in garbage.into_iter().enumerate() {
            stream.extend_from_slice(&g);
            if let Some(f) = frames.get(i) {
                encode(format, f, &mut stream).unwrap();
            }
        }
        let whole = decode_chunked(format, &stream, &[stream.len().max(1)]);
        let bytewise = decode_chunked(format, &stream, &[1]);
        prop_assert_eq!(whole, bytewise);
    }

    #[test]
    fn dropped_bytes_lose_only_the_frames_they_hit(
        (format, frames, _garbage, chunks) in frames_with_garbage(),
        drops in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>()), 0..3),
    ) {
        let mut encoded: Vec<Vec<u8>> = frames
            .iter()
            .map(|f| {
                let mut out = Vec::new();
                encode(format, f, &mut out).unwrap();
                out
            })
            .collect();
        let mut hit = vec![false; frames.len()];
        for (which, at) in drops {
            let i = which.index(frames.len());
            let at = at.index(encoded[i].len());
            encoded[i].remove(at);
            hit[i] = true;
            // A csv line that lost its newline swallows the next line too.
            if format == WireFormat::Csv && i + 1 < frames.len() {
                hit[i + 1] = true;
            }
        }
        let stream: Vec<u8> = encoded.concat();
        let (decoded, _) = decode_chunked(format, &stream, &chunks);
        let mut rest = decoded.iter();
        for (frame, was_hit) in frames.iter().zip(&hit) {
            if !was_hit {
                prop_assert!(rest.any(|d| d == frame), "an intact frame was lost");
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_every_byte_is_accounted_for(
        format in any_format(),
        bytes in prop::collection::vec(any::<u8>(), 0..4000),
    ) {
        let mut d = FrameDecoder::new(format);
        let frames = d.decode_all(&bytes);
        prop_assert_eq!(d.stats().frames_decoded, frames.len() as u64);
    }
}
