//! Field-level OCR accuracy with the real Tesseract, and its latency.
//!
//! ```text
//! cargo run --profile dev \
//!   --config 'profile.dev.package.carenco-edge.opt-level=3' \
//!   --config 'profile.dev.package.carenco-edge.debug-assertions=false' \
//!   --config 'profile.dev.package.carenco-edge.overflow-checks=false' \
//!   --example ocr_accuracy -- [SHEETS_PER_SET] [SEED]
//! ```
//! (Our crate optimised, dependencies as the tests build them: no release build of
//! every dependency just to time a child process. `--release` works too, slower to
//! build.) Defaults: 6 sheets per set, seed 1000.
//! Sets: the real InBody370S sample (`../shared/fixtures/inbody/`), clean generated
//! sheets (both layouts, alternating), and the same sheets degraded like phone photos.
//! Prints accuracy (fields read exactly / fields on the sheet) per set, the misses,
//! the median OCR time per sheet (preprocessing + Tesseract) and the parser's own
//! median time.

use std::time::{Duration, Instant};

use carenco_edge::config::OcrConfig;
use carenco_edge::ocr::accuracy::{score, truth_from_transcription, Score};
use carenco_edge::ocr::inbody::{self, Field};
use carenco_edge::ocr::sheetgen::{degrade, Degradation, Generator, Layout};
use carenco_edge::ocr::tesseract::Tesseract;
use carenco_edge::ocr::OcrEngine;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/inbody/");

struct Run {
    score: Score,
    ocr: Vec<Duration>,
    parse: Vec<Duration>,
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

async fn measure(
    engine: &Tesseract,
    name: &str,
    sheets: &[(Vec<u8>, std::collections::BTreeMap<String, Field>)],
) -> Run {
    let mut run = Run {
        score: Score::default(),
        ocr: Vec::new(),
        parse: Vec::new(),
    };
    for (i, (bytes, truth)) in sheets.iter().enumerate() {
        let t0 = Instant::now();
        let words = engine.recognize(bytes).await.expect("tesseract runs");
        run.ocr.push(t0.elapsed());
        let t1 = Instant::now();
        // The parser is fast: time 20 runs for a stable figure.
        let mut report = inbody::parse(&words);
        for _ in 0..19 {
            report = inbody::parse(&words);
        }
        run.parse.push(t1.elapsed() / 20);
        let s = score(&report, truth);
        println!("  {name} #{i}: {}/{} fields", s.correct, s.total);
        for m in &s.misses {
            println!("      {m}");
        }
        run.score.add(&s);
    }
    run
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(6);
    let seed: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1000);
    // A generous timeout: this measures, it does not serve a kiosk.
    let engine = Tesseract::new(&OcrConfig {
        timeout_ms: 300_000,
        ..OcrConfig::default()
    });
    let g = Generator::new().expect("fonts-nanum");

    let real_png = std::fs::read(format!("{SAMPLE}inbody370s_sample.png"))
        .expect("the real sample ../shared/fixtures/inbody/inbody370s_sample.png");
    let real_json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{SAMPLE}inbody370s_sample.expected.json"))
            .expect("the transcription"),
    )
    .expect("json");
    let real = vec![(real_png, truth_from_transcription(&real_json))];

    let mut clean = Vec::new();
    let mut degraded = Vec::new();
    for i in 0..n as u64 {
        let layout = if i % 2 == 0 {
            Layout::InBody370S
        } else {
            Layout::InBody570
        };
        let s = g.sheet(layout, seed + i);
        clean.push((s.png().expect("png"), s.truth.clone()));
        let d = Degradation::random(seed + i);
        degraded.push((degrade(&s.image, &d).expect("jpeg"), s.truth));
    }

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let mut all_ocr = Vec::new();
        let mut all_parse = Vec::new();
        let mut lines = Vec::new();
        for (name, set) in [("real sample", &real), ("clean generated", &clean), ("degraded generated", &degraded)] {
            println!("{name}:");
            let mut run = measure(&engine, name, set).await;
            lines.push(format!(
                "{name:<20} {:>4}/{:<4} = {:5.1} %   (sheets: {}, median OCR {:?})",
                run.score.correct,
                run.score.total,
                100.0 * run.score.ratio(),
                set.len(),
                median(&mut run.ocr)
            ));
            all_ocr.extend(run.ocr);
            all_parse.extend(run.parse);
        }
        println!("\nfield-level accuracy with tesseract (fields read exactly / fields on the sheet):");
        for l in lines {
            println!("  {l}");
        }
        println!(
            "median OCR time per sheet (preprocess + tesseract, all sets): {:?}; parser alone: {:?}",
            median(&mut all_ocr),
            median(&mut all_parse)
        );
    });
}
