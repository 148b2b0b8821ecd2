//! The real PP-OCR helper, `carenco-ppocr`, on a generated TUNING sheet (feature
//! `ppocr`): `cargo test --features ppocr --test ppocr`.
//!
//! Needs the models and ONNX Runtime, and fails (does not skip) without them:
//! `PPOCR_MODELS` = a models directory (det.onnx, rec.onnx, rec_dict.txt;
//! scripts/fetch-ppocr makes one), `ORT_DYLIB_PATH` = libonnxruntime.so.
#![cfg(feature = "ppocr")]

use std::process::Command;

use carenco_edge::ocr::ppocr::wire::EXIT_BAD_IMAGE;
use carenco_edge::ocr::sheetgen::{specs, Generator, Split};

#[path = "support/ppocr.rs"]
mod ppocr;
use ppocr::{models, read_stdin, HELPER};

/// The numbers in a text, as the recall measure reads them (`86/100` is 86 and 100).
fn numbers(text: &str) -> Vec<f64> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter_map(|t| t.trim_matches('.').parse::<f64>().ok())
        .collect()
}

#[test]
fn the_helper_reads_the_figures_of_a_tuning_sheet_from_stdin() {
    let models = models();
    let spec = specs(Split::Tuning, 1)
        .into_iter()
        .next()
        .expect("a tuning spec");
    let sheet = Generator::new()
        .expect("the Korean fonts (fonts-nanum, fonts-unfonts-core)")
        .render(&spec)
        .expect("renders");
    let png = sheet.png().expect("encodes");
    let page = read_stdin(&models, &png);
    assert_eq!(
        (page.width, page.height),
        (sheet.image.width(), sheet.image.height())
    );
    let read: Vec<f64> = page.lines.iter().flat_map(|l| numbers(&l.text)).collect();
    let truth: Vec<(String, f64)> = sheet
        .truth
        .iter()
        .filter_map(|(k, f)| f.value.as_f64().map(|v| (k.clone(), v.abs())))
        .collect();
    let missed: Vec<&(String, f64)> = truth
        .iter()
        .filter(|(_, v)| !read.iter().any(|r| (r - v).abs() < 1e-9))
        .collect();
    // PP-OCRv6 tiny reads all 30 on this sheet; one lost figure is slack, not a habit.
    assert!(
        missed.len() <= 1,
        "{} of {} figures not read: {missed:?}",
        missed.len(),
        truth.len()
    );
    // Every word lies on the page and inside its line's box.
    for line in &page.lines {
        let xs = line.quad.map(|p| p[0]);
        let ys = line.quad.map(|p| p[1]);
        let (x0, x1) = (
            xs.iter().copied().fold(f32::MAX, f32::min),
            xs.iter().copied().fold(f32::MIN, f32::max),
        );
        let (y0, y1) = (
            ys.iter().copied().fold(f32::MAX, f32::min),
            ys.iter().copied().fold(f32::MIN, f32::max),
        );
        assert!(!line.words.is_empty(), "{line:?}");
        for w in &line.words {
            let [x, y, ww, hh] = w.bbox;
            assert!(ww >= 0.0 && hh >= 0.0, "{w:?}");
            assert!(
                x >= x0 - 1.0 && x + ww <= x1 + 1.0,
                "{w:?} outside {line:?}"
            );
            assert!(
                y >= y0 - 1.0 && y + hh <= y1 + 1.0,
                "{w:?} outside {line:?}"
            );
        }
    }
    assert!(page.timing_ms.detect > 0 || page.timing_ms.recognize > 0);
}

#[test]
fn a_garbage_file_exits_2_and_says_why() {
    let models = models();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("garbage.png");
    std::fs::write(&path, b"\x89PNG\r\n\x1a\nthis is not a picture").expect("write");
    let out = Command::new(HELPER)
        .args(["--models", &models])
        .arg(&path)
        .output()
        .expect("the helper runs");
    assert_eq!(out.status.code(), Some(EXIT_BAD_IMAGE));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("decode"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn a_missing_models_directory_exits_1_and_names_it() {
    let _ = models();
    let dir = tempfile::tempdir().expect("tempdir");
    // A small white page: it decodes, so the models are what fails.
    let mut png = Vec::new();
    image::GrayImage::from_pixel(64, 32, image::Luma([255]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("encodes");
    let path = dir.path().join("sheet.png");
    std::fs::write(&path, png).expect("write");
    let missing = dir.path().join("no-models");
    let out = Command::new(HELPER)
        .arg("--models")
        .arg(&missing)
        .arg(&path)
        .output()
        .expect("the helper runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no-models"), "{stderr}");
}
