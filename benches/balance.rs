//! The balance test's analysis (PERFORMANCE.md: a COP sway of 60 s at 10 Hz analysed in
//! <= 1 ms).
//!
//! `cargo bench --bench balance -- --warm-up-time 1 --measurement-time 2`
//!
//! - `sway_figures_600`: [`analyse_path`] of 600 COP samples (60 s at 10 Hz): path
//!   length, velocity, ellipse, ranges, RMS.
//! - `cop_and_figures_600_frames`: the same from 600 raw 24 x 24 frames of the
//!   simulated mat, each calibrated and reduced to its COP first (what `PUT /balance`
//!   does before the figures, less the mean-stance analysis and the picture).
//! - `trace_picture`: the 512 px PNG of the trace.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

use carenco_edge::footprint::balance::{analyse_path, cop_of};
use carenco_edge::footprint::calibration::Calibration;
use carenco_edge::footprint::render::render_trace;
use carenco_edge::scanner::simulator::{SimOptions, Simulator};
use carenco_edge::scanner::{Frame, WireFormat};

fn frames() -> Vec<Frame> {
    let mut sim = Simulator::new(SimOptions {
        sway_mm: 8.0,
        sway_hz: 0.5,
        empty_s: 0.0,
        step_s: 0.0,
        stand_s: 1000.0,
        rate_hz: 10.0,
        ..SimOptions::default()
    });
    (0..600).map(|_| sim.next_frame()).collect()
}

fn balance(c: &mut Criterion) {
    let frames = frames();
    let cal = Calibration::factory(WireFormat::Legacy, 24, 24);
    let path: Vec<[f32; 2]> = frames
        .iter()
        .filter_map(|f| cop_of(&cal.apply(f, 16.9)).map(|(p, _)| p))
        .collect();
    assert_eq!(path.len(), 600);
    let mut group = c.benchmark_group("balance");
    group.bench_function("sway_figures_600", |b| {
        b.iter(|| analyse_path(black_box(&path), 10.0))
    });
    group.bench_function("cop_and_figures_600_frames", |b| {
        b.iter(|| {
            let path: Vec<[f32; 2]> = black_box(&frames)
                .iter()
                .filter_map(|f| cop_of(&cal.apply(f, 16.9)).map(|(p, _)| p))
                .collect();
            analyse_path(&path, 10.0)
        })
    });
    group.bench_function("trace_picture", |b| {
        b.iter(|| render_trace(black_box(&path), 512))
    });
    group.finish();
}

criterion_group!(benches, balance);
criterion_main!(benches);
