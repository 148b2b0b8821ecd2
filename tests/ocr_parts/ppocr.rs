//! tests/ocr.rs, the PP-OCR engine's part (a module of that test binary, kept apart
//! so each file stays readable): the real sample and held-out sheets read by the
//! engine as the service runs it.

use super::*;

/// The PP-OCR engine as the service runs it (`ocr.engine = "ppocr"`): the helper this
/// build made, the models and ONNX Runtime of scripts/fetch-ppocr (it fails loudly,
/// never skips, without them; scripts/test-all exports both), its Korean labels read
/// by the real `tesseract`.
#[path = "../support/ppocr.rs"]
mod ppocr_support;

fn ppocr() -> carenco_edge::ocr::ppocr::PpOcr {
    let models = ppocr_support::models();
    carenco_edge::ocr::ppocr::PpOcr::new(
        &OcrConfig {
            ppocr_helper: ppocr_support::HELPER.to_string(),
            ppocr_models: models,
            ppocr_ort_library: std::env::var("ORT_DYLIB_PATH").unwrap_or_default(),
            timeout_ms: 300_000,
            ..OcrConfig::default()
        },
        Some(Arc::new(tesseract())),
    )
}

#[tokio::test]
async fn the_real_sample_is_read_by_the_ppocr_engine() {
    let (png, truth) = real_sample();
    let words = ppocr()
        .recognize(&png)
        .await
        .expect("ppocr reads the sheet");
    let s = score(&inbody::parse(&words), &truth);
    eprintln!(
        "real sample (ppocr): {}/{}; misses: {:#?}",
        s.correct, s.total, s.misses
    );
    // 32/32 since session 18 (31/32 in 16 and 17, 12/32 before: its Korean labels on
    // the blurry scan); 31/32 still passes.
    assert!(
        s.ratio() >= PPOCR_REAL_SAMPLE_FLOOR,
        "{:.3}: {:#?}",
        s.ratio(),
        s.misses
    );
}

const PPOCR_REAL_SAMPLE_FLOOR: f64 = 30.5 / 32.0;

/// [`held_out_share`] through the PP-OCR engine.
async fn ppocr_held_out_share(kind: Kind) -> carenco_edge::ocr::accuracy::Score {
    let g = generator();
    let engine = ppocr();
    let mut total = carenco_edge::ocr::accuracy::Score::default();
    for spec in specs(Split::HeldOut, 1) {
        let sheet = g.render(&spec).expect("the held-out fonts are installed");
        let bytes = degrade::apply(&sheet.image, kind, spec.seed).expect("encodes");
        let words = engine
            .recognize(&bytes)
            .await
            .expect("ppocr reads the sheet");
        let s = score(&inbody::parse(&words), &sheet.truth);
        eprintln!(
            "{} {} (ppocr): {}/{}",
            spec.label(),
            kind.name(),
            s.correct,
            s.total
        );
        total.add(&s);
    }
    eprintln!(
        "held-out {} (ppocr): {:.1} %",
        kind.name(),
        total.ratio() * 100.0
    );
    total
}

#[tokio::test]
async fn held_out_clean_sheets_are_read_by_the_ppocr_engine_at_the_measured_share() {
    let total = ppocr_held_out_share(Kind::Clean).await;
    assert!(
        total.ratio() >= HELD_OUT_PPOCR_CLEAN_FLOOR,
        "{:.3}: {:#?}",
        total.ratio(),
        total.misses
    );
}

#[tokio::test]
async fn held_out_photos_of_sheets_are_read_by_the_ppocr_engine_at_the_measured_share() {
    let total = ppocr_held_out_share(Kind::Photo).await;
    assert!(
        total.ratio() >= HELD_OUT_PPOCR_PHOTO_FLOOR,
        "{:.3}: {:#?}",
        total.ratio(),
        total.misses
    );
}
/// Just under session 19's held-out measurements (`ocr_accuracy --per-family 1
/// --engine ppocr`, the same sheets): clean 158/160 (156 in session 18, 143 in 17),
/// photo 158/160 (147, 144); one more lost field passes, two fail. The goal
/// for clean sheets is 98 % (156.8 of 160).
const HELD_OUT_PPOCR_CLEAN_FLOOR: f64 = 156.5 / 160.0;
const HELD_OUT_PPOCR_PHOTO_FLOOR: f64 = 156.5 / 160.0;
