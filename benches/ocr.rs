//! OCR preprocessing: what the service does to a page before Tesseract sees it
//! (decode, flatten the light, deskew, upscale to Tesseract's text size), on a clean
//! generated 370S sheet and on a degraded photo of one (rotated, blurred, small, JPEG).
//! Tesseract itself and the parser are timed per sheet by the accuracy command
//! (`cargo run --release --example ocr_accuracy`), which this budget is part of.
//!
//! `cargo bench --bench ocr -- --warm-up-time 1 --measurement-time 3`

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

use carenco_edge::ocr::preprocess;
use carenco_edge::ocr::sheetgen::{degrade, encode_png, Degradation, Generator, Layout};

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
                preprocess::prepare(grey)
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

criterion_group!(benches, prepare);
criterion_main!(benches);
