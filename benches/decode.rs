//! Decode throughput per wire format (MB/s and frames/s).
//!
//! Each iteration decodes a stream of 100 frames with 5 % garbage between them, fed
//! in 64-byte chunks (roughly what a USB-serial adapter hands over per read).
//! The share of a core needed for the legacy mat at line rate is
//! `9.8 frames/s / (frames/s measured here)`; see the README's scanner section.
//!
//! Run: `cargo bench --bench decode -- --warm-up-time 1 --measurement-time 3`

use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use tokio_util::codec::Decoder;

use carenco_edge::scanner::codec::{self, MatCodec};
use carenco_edge::scanner::{Frame, WireFormat};

const FRAMES: usize = 100;

fn frame(rows: u16, cols: u16, seq: u32) -> Frame {
    let n = rows as usize * cols as usize;
    let cells = (0..n)
        .map(|i| ((i as u32).wrapping_mul(2654435761u32).wrapping_add(seq) >> 20) as u16 % 1600)
        .collect();
    Frame {
        rows,
        cols,
        cells,
        load_cell: Some(-276),
        seq: Some(seq),
        device_ms: Some(seq * 100),
    }
}

fn stream(format: WireFormat) -> Vec<u8> {
    let mut out = Vec::new();
    for seq in 0..FRAMES as u32 {
        let before = out.len();
        // The simulator's mat sizes: legacy 24 x 24, the others 32 x 32.
        let f = match format {
            WireFormat::Legacy => frame(24, 24, seq),
            _ => frame(32, 32, seq),
        };
        codec::encode(format, &f, &mut out).expect("encodable");
        let garbage = (out.len() - before) / 20;
        match format {
            WireFormat::Csv => {
                out.extend(std::iter::repeat_n(b'#', garbage.saturating_sub(1)));
                out.push(b'\n');
            }
            _ => out.extend(std::iter::repeat_n(0x55u8, garbage)),
        }
    }
    out
}

fn decode_stream(format: WireFormat, bytes: &[u8]) -> usize {
    let mut codec = MatCodec::new(format);
    let mut buf = BytesMut::with_capacity(4096);
    let mut frames = 0;
    for chunk in bytes.chunks(64) {
        buf.extend_from_slice(chunk);
        while let Ok(Some(frame)) = codec.decode(&mut buf) {
            frames += 1;
            std::hint::black_box(frame);
        }
    }
    frames
}

fn bench(c: &mut Criterion) {
    for format in [WireFormat::Legacy, WireFormat::Cfp1, WireFormat::Csv] {
        let bytes = stream(format);
        assert_eq!(decode_stream(format, &bytes), FRAMES);
        let mut group = c.benchmark_group(format!("decode/{format}"));
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_with_input(BenchmarkId::new("bytes", FRAMES), &bytes, |b, bytes| {
            b.iter(|| decode_stream(format, bytes))
        });
        group.throughput(Throughput::Elements(FRAMES as u64));
        group.bench_with_input(BenchmarkId::new("frames", FRAMES), &bytes, |b, bytes| {
            b.iter(|| decode_stream(format, bytes))
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
