//! OCR time per sheet.
//!
//! - `ocr_read/held_out_sheet`: the whole read of a HELD-OUT generated sheet
//!   (`ocr::sheetgen::Split::HeldOut`), as the accuracy command times it: the real
//!   Tesseract engine's `recognize` (decode, preprocessing, Tesseract, its later looks)
//!   and the parse. Each iteration reads the next of ten sheets (one per held-out
//!   family, clean and as a phone photo), so the figure is a time per held-out sheet.
//!   Ten samples of one read each: `cargo bench --bench ocr` takes a few minutes; in
//!   test mode (`cargo test --benches`) it reads one sheet.
//! - `ocr_read/held_out_sheet_ppocr` (feature `ppocr`, with `PPOCR_MODELS` and
//!   `ORT_DYLIB_PATH`): the same sheets, the same whole read, by the PP-OCR engine
//!   (`auto`'s where it is installed): the helper and Tesseract's Hangul at once,
//!   the merge, the parse. `cargo bench --features ppocr --bench ocr -- ocr_read`.
//! - `ocr_prepare`: what the service does to a page before Tesseract sees it
//!   (decode, flatten the light, deskew, upscale), on a clean generated 370S sheet and
//!   on a degraded photo of one.
//!
//! - `ppocr/tuning_sheet` (feature `ppocr` only): the PP-OCR helper process,
//!   `carenco-ppocr`, on one clean TUNING sheet, as the service runs it: process
//!   start, ONNX Runtime and model load, decode, detection, recognition, JSON out.
//!   Needs `PPOCR_MODELS` (the models directory) and `ORT_DYLIB_PATH`
//!   (libonnxruntime.so) and panics without them:
//!   `cargo bench --features ppocr --bench ocr -- ppocr`.
//!
//! `cargo bench --bench ocr -- --warm-up-time 1 --measurement-time 3`

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use std::hint::black_box;
use std::time::{Duration, Instant};

use carenco_edge::config::OcrConfig;
use carenco_edge::ocr::sheetgen::{
    degrade, encode_png, specs, Degradation, Generator, Kind, Layout, Split,
};
use carenco_edge::ocr::tesseract::Tesseract;
use carenco_edge::ocr::{inbody, preprocess, OcrEngine};

fn read(c: &mut Criterion) {
    let generator = Generator::new().expect("the Korean fonts (fonts-nanum, fonts-unfonts-core)");
    let mut sheets = Vec::new();
    for spec in specs(Split::HeldOut, 1) {
        let sheet = generator.render(&spec).expect("renders");
        for kind in [Kind::Clean, Kind::Photo] {
            sheets.push(degrade::apply(&sheet.image, kind, spec.seed).expect("encodes"));
        }
    }
    let engine = Tesseract::new(&OcrConfig {
        timeout_ms: 300_000,
        ..OcrConfig::default()
    });
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let mut group = c.benchmark_group("ocr_read");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(1));
    held_out_reads(&mut group, "held_out_sheet", &sheets, &rt, &engine);
    // The PP-OCR engine (`auto` where it is installed) on the same sheets, the same
    // whole read: helper and Tesseract's Hangul at once, merge, parse.
    #[cfg(feature = "ppocr")]
    {
        std::env::set_var("PPOCR_HELPER", ppocr_helper::HELPER);
        if std::env::var_os("PPOCR_ORT_LIBRARY").is_none() {
            if let Some(lib) = std::env::var_os("ORT_DYLIB_PATH") {
                std::env::set_var("PPOCR_ORT_LIBRARY", lib);
            }
        }
        ppocr_helper::models();
        let pp = carenco_edge::ocr::ppocr_from_env(&engine).expect("the ppocr-engine feature");
        held_out_reads(
            &mut group,
            "held_out_sheet_ppocr",
            &sheets,
            &rt,
            pp.as_ref(),
        );
    }
    group.finish();
}

/// Times `engine`'s whole read (and the parse) of the next of `sheets` per iteration.
fn held_out_reads(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    sheets: &[Vec<u8>],
    rt: &tokio::runtime::Runtime,
    engine: &dyn OcrEngine,
) {
    let mut next = 0usize;
    group.bench_function(name, |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let bytes = &sheets[next % sheets.len()];
                next += 1;
                let t0 = Instant::now();
                let words = rt
                    .block_on(engine.recognize(bytes))
                    .unwrap_or_else(|e| panic!("{} reads the sheet: {e}", engine.name()));
                black_box(inbody::parse(&words));
                total += t0.elapsed();
            }
            total
        })
    });
}

fn prepare(c: &mut Criterion) {
    let generator = Generator::new().expect("the Korean font (Debian: fonts-nanum)");
    let sheet = generator.sheet(Layout::InBody370S, 1000);
    let clean = encode_png(&sheet.image).expect("encode");
    let photo = degrade(&sheet.image, &Degradation::random(1000)).expect("degrade");
    let mut group = c.benchmark_group("ocr_prepare");
    for (name, bytes) in [("clean_png", &clean), ("degraded_jpeg", &photo)] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let grey = preprocess::decode(black_box(bytes)).expect("decodes");
                preprocess::prepare_page(grey)
            })
        });
    }
    let grey = preprocess::decode(&clean).expect("decodes");
    let (w, h) = grey.dimensions();
    group.bench_function("upscale_1.25x", |b| {
        b.iter(|| preprocess::resize(black_box(&grey), w * 5 / 4, h * 5 / 4))
    });
    // The image crate's generic resize, which `preprocess::resize` replaced: the ratio
    // of the two, measured in one run, is the saving.
    group.bench_function("upscale_1.25x_image_crate", |b| {
        b.iter(|| {
            image::imageops::resize(
                black_box(&grey),
                w * 5 / 4,
                h * 5 / 4,
                image::imageops::FilterType::CatmullRom,
            )
        })
    });
    group.finish();
}

#[cfg(feature = "ppocr")]
#[path = "../tests/support/ppocr.rs"]
mod ppocr_helper;

#[cfg(feature = "ppocr")]
fn ppocr(c: &mut Criterion) {
    let models = ppocr_helper::models();
    let generator = Generator::new().expect("the Korean fonts (fonts-nanum, fonts-unfonts-core)");
    let spec = specs(Split::Tuning, 1)
        .into_iter()
        .next()
        .expect("a tuning spec");
    let png = generator
        .render(&spec)
        .expect("renders")
        .png()
        .expect("encodes");
    let mut group = c.benchmark_group("ppocr");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(1));
    group.bench_function("tuning_sheet", |b| {
        b.iter(|| {
            let page = ppocr_helper::read_stdin(&models, &png);
            black_box(page)
        })
    });
    group.finish();
}

#[cfg(not(feature = "ppocr"))]
fn ppocr(_: &mut Criterion) {
    eprintln!("ppocr: not built (cargo bench --features ppocr --bench ocr -- ppocr)");
}

criterion_group!(benches, read, prepare, ppocr);
criterion_main!(benches);
