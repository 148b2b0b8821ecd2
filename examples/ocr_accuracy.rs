//! Field-level OCR accuracy on generated sheets the reader was never tuned on, with
//! the real Tesseract, and the time of the whole read (preprocessing + Tesseract +
//! parse) per sheet.
//!
//! ```text
//! nice cargo run --profile dev \
//!   --config 'profile.dev.package.carenco-edge.opt-level=3' \
//!   --config 'profile.dev.package.carenco-edge.debug-assertions=false' \
//!   --config 'profile.dev.package.carenco-edge.overflow-checks=false' \
//!   --example ocr_accuracy -- [--split held-out|tuning] [--per-family N] \
//!   [--kinds clean,photo,jpeg,low-res,blur,rotate] [--no-misses] [--engine tesseract|ppocr]
//! ```
//! (Our crate optimised, dependencies as the tests build them.) Defaults: the
//! HELD-OUT split (`ocr::sheetgen`'s module doc), 2 sheets per family, every
//! degradation. The reader's engineer tunes with `--split tuning` and never looks at
//! the held-out output.
//!
//! Sets: every sheet of the split clean and under each named degradation
//! (`sheetgen::Kind`), read by Tesseract; the same sheets' words tokenised as Google
//! Vision returns them, served by a local `images:annotate` server to the `google`
//! engine (`word-level`); and the real InBody370S sample
//! (`../shared/fixtures/inbody/`). Prints fields read exactly per set and per
//! family, the misses, and the time per sheet (median and max).
//!
//! `--engine ppocr`: the sheets (not the word-level set) are read by the PP-OCR engine
//! instead of Tesseract, its helper, models and ONNX Runtime from
//! `PPOCR_HELPER`, `PPOCR_MODELS` and `PPOCR_ORT_LIBRARY` (each else
//! the service's default).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use carenco_edge::config::{OcrConfig, Secret};
use carenco_edge::ocr::accuracy::{score, truth_from_transcription, Score};
use carenco_edge::ocr::google::GoogleVision;
use carenco_edge::ocr::inbody::{self, Field};
use carenco_edge::ocr::sheetgen::{degrade, specs, vision, Generator, Kind, Split};
use carenco_edge::ocr::tesseract::Tesseract;
use carenco_edge::ocr::{self, OcrEngine};
use warp::Filter;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/inbody/");
const KEY: &str = "local-accuracy-key";

/// What a set scored and how long its sheets took.
#[derive(Default)]
struct Tally {
    score: Score,
    sheets: usize,
    times: Vec<Duration>,
}

impl Tally {
    fn add(&mut self, s: &Score, t: Duration) {
        self.score.add(s);
        self.sheets += 1;
        self.times.push(t);
    }
    fn line(&self, name: &str) -> String {
        let mut t = self.times.clone();
        t.sort();
        let med = t.get(t.len() / 2).copied().unwrap_or_default();
        let max = t.last().copied().unwrap_or_default();
        format!(
            "{name:<12} {:>5}/{:<5} = {:5.1} %   sheets {:>3}   time/sheet median {:>6.2} s  max {:>6.2} s",
            self.score.correct,
            self.score.total,
            100.0 * self.score.ratio(),
            self.sheets,
            med.as_secs_f64(),
            max.as_secs_f64()
        )
    }
}

/// A local `images:annotate` answering whatever answer is current.
async fn fake_vision(answer: Arc<Mutex<serde_json::Value>>) -> std::net::SocketAddr {
    // The request body (the page, base64) is read before answering: a server that
    // answers and closes with the body unread resets the connection, and the engine
    // then reads "connection reset" instead of the answer.
    let route = warp::path!("v1" / "images:annotate")
        .and(warp::post())
        .and(warp::body::bytes())
        .map(move |_: bytes::Bytes| {
            let a = answer.lock().map(|a| a.clone()).unwrap_or_default();
            warp::reply::json(&a)
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a local port");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(warp::serve(route).incoming(listener).run());
    addr
}

async fn read(
    engine: &dyn OcrEngine,
    bytes: &[u8],
    truth: &BTreeMap<String, Field>,
) -> (Score, Duration) {
    let t0 = Instant::now();
    let words = match engine.recognize(bytes).await {
        Ok(w) => w,
        Err(e) => {
            eprintln!("  {} failed: {e}", engine.name());
            Vec::new()
        }
    };
    let report = inbody::parse(&words);
    let took = t0.elapsed();
    (score(&report, truth), took)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opt = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let split = match opt("--split").as_deref() {
        Some("tuning") => Split::Tuning,
        Some("held-out") | None => Split::HeldOut,
        Some(other) => {
            eprintln!("--split tuning|held-out, not {other}");
            std::process::exit(2);
        }
    };
    // `--per-family N`, or a bare N as the first version of this command took it.
    let per_family: usize = opt("--per-family")
        .or_else(|| args.iter().find(|a| a.parse::<usize>().is_ok()).cloned())
        .and_then(|n| n.parse().ok())
        .unwrap_or(2);
    let kinds: Vec<Kind> = match opt("--kinds") {
        Some(list) => Kind::ALL
            .into_iter()
            .filter(|k| list.split(',').any(|n| n == k.name()))
            .collect(),
        None => Kind::ALL.to_vec(),
    };
    let show_misses = !args.iter().any(|a| a == "--no-misses");
    let g = Generator::new().expect("fonts-nanum and fonts-unfonts-core (scripts/test-all)");
    let tesseract = Tesseract::new(&OcrConfig {
        timeout_ms: 300_000,
        ..OcrConfig::default()
    });
    let ppocr = match opt("--engine").as_deref() {
        Some("ppocr") => match ocr::ppocr_from_env(&tesseract) {
            Some(engine) => Some(engine),
            None => {
                eprintln!("this build leaves the ppocr engine out (feature ppocr-engine)");
                std::process::exit(2);
            }
        },
        Some("tesseract") | None => None,
        Some(other) => {
            eprintln!("--engine tesseract|ppocr, not {other}");
            std::process::exit(2);
        }
    };
    let local: &dyn OcrEngine = match &ppocr {
        Some(p) => p.as_ref(),
        None => &tesseract,
    };
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let answer = Arc::new(Mutex::new(serde_json::Value::Null));
        let addr = fake_vision(answer.clone()).await;
        let google = GoogleVision::new(&OcrConfig {
            google_endpoint: format!("http://{addr}"),
            google_api_key: Secret::new(KEY),
            timeout_ms: 30_000,
            ..OcrConfig::default()
        });
        let mut by_set: BTreeMap<String, Tally> = BTreeMap::new();
        let mut by_family: BTreeMap<(String, String), Tally> = BTreeMap::new();
        let mut degraded = Tally::default();
        let mut all_tesseract = Tally::default();
        println!(
            "split: {} ({per_family} sheets per family), engine {}",
            split.name(),
            local.name()
        );
        for spec in specs(split, per_family) {
            let sheet = g.render(&spec).expect("renders");
            let fam = spec.family.name().to_string();
            for kind in &kinds {
                let bytes = degrade::apply(&sheet.image, *kind, spec.seed).expect("encodes");
                let (s, t) = read(local, &bytes, &sheet.truth).await;
                report_sheet(&spec.label(), kind.name(), &s, t, show_misses);
                by_set.entry(kind.name().into()).or_default().add(&s, t);
                by_family
                    .entry((fam.clone(), kind.name().into()))
                    .or_default()
                    .add(&s, t);
                if *kind != Kind::Clean {
                    degraded.add(&s, t);
                }
                all_tesseract.add(&s, t);
            }
            // Word-level: the same sheet's words as Vision returns them.
            let lines = vision::lines(&sheet);
            if let Ok(mut a) = answer.lock() {
                *a = vision::annotate_answer(&lines, sheet.image.width(), sheet.image.height());
            }
            let png = sheet.png().expect("png");
            let (s, t) = read(&google, &png, &sheet.truth).await;
            report_sheet(&spec.label(), "word-level", &s, t, show_misses);
            by_set.entry("word-level".into()).or_default().add(&s, t);
            by_family
                .entry((fam.clone(), "word-level".into()))
                .or_default()
                .add(&s, t);
        }
        // The real sample.
        let png = std::fs::read(format!("{SAMPLE}inbody370s_sample.png"))
            .expect("the real sample ../shared/fixtures/inbody/inbody370s_sample.png");
        let json: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(format!("{SAMPLE}inbody370s_sample.expected.json"))
                .expect("the transcription"),
        )
        .expect("json");
        let (s, t) = read(local, &png, &truth_from_transcription(&json)).await;
        report_sheet("real InBody370S sample", "clean", &s, t, show_misses);
        by_set.entry("real-sample".into()).or_default().add(&s, t);

        println!(
            "\nfields read exactly, {} split (fields read exactly / fields on the sheets):",
            split.name()
        );
        for (name, t) in &by_set {
            println!("  {}", t.line(name));
        }
        println!("  {}", degraded.line("all degraded"));
        println!("  {}", all_tesseract.line("all tesseract"));
        println!("\nper family:");
        for ((fam, set), t) in &by_family {
            println!("  {:<9} {}", fam, t.line(set));
        }
    });
}

fn report_sheet(label: &str, set: &str, s: &Score, t: Duration, misses: bool) {
    println!(
        "  {label} [{set}]: {}/{} fields, {:.2} s",
        s.correct,
        s.total,
        t.as_secs_f64()
    );
    if misses {
        for m in &s.misses {
            println!("      {m}");
        }
    }
}
