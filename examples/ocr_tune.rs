//! The reader's tuning tool: reads the real InBody370S sample and generated tuning
//! sheets (never the held-out split) and prints, per sheet, the fields read exactly
//! and the time taken.
//!
//! ```text
//! ocr_tune engine [N] [clean|degraded]       the Tesseract engine as the service runs it
//! ocr_tune pass PSM LANGS SCALE [N] [clean|degraded]
//!                                            one Tesseract child on the prepared page
//! ocr_tune first [N] [clean|degraded]        the engine's first look only
//! ocr_tune file [N] [clean|degraded]         the words `first` saved, parsed again
//! ocr_tune words [N]                         the generator's own words (the google path)
//! ```
//!
//! `--engine ppocr` (anywhere): `engine` and `first` read with the PP-OCR engine
//! instead (helper, models and ONNX Runtime from `PPOCR_HELPER`,
//! `PPOCR_MODELS`, `PPOCR_ORT_LIBRARY`); `first` saves its words for `file`
//! as it does Tesseract's first look.
//!
//! With `TUNE_FAMILIES=K` the sheets are instead K per family of the family
//! generator's tuning split (`words`: tokenised as Google Vision returns them).
//! With `TUNE_ONLY=TEXT` only the sheets whose name holds TEXT are read (`table5`,
//! `real`).
//!
//! Otherwise the generated sheets are the legacy generator's seeds 1000.. (370S-like) and
//! 2000.. (570-like): the sets the reader was tuned on before the family generator.

use std::collections::BTreeMap;
use std::time::Instant;

use carenco_edge::config::OcrConfig;
use carenco_edge::ocr::accuracy::{score, truth_from_transcription};
use carenco_edge::ocr::inbody::{self, Field};
use carenco_edge::ocr::sheetgen::families::{specs, Split};
use carenco_edge::ocr::sheetgen::{degrade, vision, Degradation, Generator, Layout};
use carenco_edge::ocr::tesseract::{parse_tsv, Tesseract};
use carenco_edge::ocr::{self, preprocess, OcrEngine, Word};

const SAMPLE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/inbody/");

type Sheets = Vec<(String, Vec<u8>, Vec<Word>, BTreeMap<String, Field>)>;

fn sheets(n: u64, degraded: bool) -> Result<Sheets, Box<dyn std::error::Error>> {
    let mut out = Vec::new();
    if let Ok(per_family) = std::env::var("TUNE_FAMILIES") {
        // The family generator's tuning split only (never the held-out one).
        let g = Generator::new()?;
        for spec in specs(Split::Tuning, per_family.parse()?) {
            let s = g.render(&spec)?;
            let bytes = if degraded {
                degrade(&s.image, &Degradation::random(spec.seed))?
            } else {
                s.png()?
            };
            out.push((spec.label(), bytes, vision::words(&s), s.truth));
        }
        return Ok(out);
    }
    let png = std::fs::read(format!("{SAMPLE_DIR}inbody370s_sample.png"))?;
    let json = serde_json::from_str(&std::fs::read_to_string(format!(
        "{SAMPLE_DIR}inbody370s_sample.expected.json"
    ))?)?;
    out.push((
        "real".to_string(),
        png,
        Vec::new(),
        truth_from_transcription(&json),
    ));
    let g = Generator::new()?;
    for (layout, base) in [(Layout::InBody370S, 1000), (Layout::InBody570, 2000)] {
        for seed in base..base + n {
            let s = g.sheet(layout, seed);
            let bytes = if degraded {
                degrade(&s.image, &Degradation::random(seed))?
            } else {
                s.png()?
            };
            out.push((format!("{layout:?}/{seed}"), bytes, s.words, s.truth));
        }
    }
    Ok(out)
}

/// One Tesseract child on the prepared page, in the upload's coordinates.
fn one_pass(bytes: &[u8], psm: &str, langs: &str, scale: f32) -> Result<Vec<Word>, String> {
    let grey = preprocess::decode(bytes).map_err(|e| e.to_string())?;
    let p = preprocess::prepare_page(grey);
    let img = if (scale - 1.0).abs() > 1e-3 {
        let (w, h) = p.image.dimensions();
        preprocess::resize(
            &p.image,
            (w as f32 * scale) as u32,
            (h as f32 * scale) as u32,
        )
    } else {
        p.image.clone()
    };
    let path = std::env::temp_dir().join(format!("ocr_tune_{}.png", std::process::id()));
    img.save(&path).map_err(|e| e.to_string())?;
    let out = std::process::Command::new("tesseract")
        .arg(&path)
        .args(["stdout", "--dpi", "300", "--psm", psm, "-l", langs, "tsv"])
        .env("OMP_THREAD_LIMIT", "1")
        .output()
        .map_err(|e| e.to_string())?;
    let s = p.scale * scale;
    Ok(parse_tsv(&String::from_utf8_lossy(&out.stdout))
        .into_iter()
        .map(|mut w| {
            w.bbox = w.bbox.unscaled(s);
            w
        })
        .collect())
}

/// Where `first` saves and `file` reads the words: `TUNE_WORDS_DIR`, else `/tmp`
/// (engineers sharing a machine keep their own copy).
fn words_dir() -> String {
    std::env::var("TUNE_WORDS_DIR").unwrap_or_else(|_| "/tmp".to_string())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let ppocr = match args.iter().position(|a| a == "--engine") {
        Some(i) => {
            let name = args.get(i + 1).cloned().unwrap_or_default();
            args.drain(i..(i + 2).min(args.len()));
            match name.as_str() {
                "ppocr" => true,
                "tesseract" => false,
                other => return Err(format!("--engine ppocr|tesseract, not {other}").into()),
            }
        }
        None => false,
    };
    let mode = args.first().map_or("words", String::as_str);
    let rest: Vec<&str> = args.iter().skip(1).map(String::as_str).collect();
    let (settings, rest) = if mode == "pass" && rest.len() >= 3 {
        (
            Some((rest[0], rest[1], rest[2].parse::<f32>()?)),
            &rest[3..],
        )
    } else {
        (None, &rest[..])
    };
    let n: u64 = rest.first().and_then(|s| s.parse().ok()).unwrap_or(3);
    let degraded = rest.get(1) == Some(&"degraded");
    let engine = Tesseract::new(&OcrConfig {
        timeout_ms: 600_000,
        ..OcrConfig::default()
    });
    let pp = if ppocr {
        let pp = ocr::ppocr_from_env(&engine);
        Some(pp.ok_or("this build leaves the ppocr engine out (feature ppocr-engine)")?)
    } else {
        None
    };
    let (mut correct, mut total, mut times) = (0, 0, Vec::new());
    // `TUNE_ONLY=text`: only the sheets whose name holds it (`table5`, `real`).
    let only = std::env::var("TUNE_ONLY").unwrap_or_default();
    for (name, bytes, words, truth) in sheets(n, degraded)? {
        if !name.contains(&only) {
            continue;
        }
        if mode == "words" && words.is_empty() {
            continue;
        }
        let t = Instant::now();
        let read = match (mode, settings) {
            ("engine", _) => match &pp {
                Some(pp) => pp.recognize(&bytes).await?,
                None => engine.recognize(&bytes).await?,
            },
            ("first", _) => {
                let words = match &pp {
                    Some(pp) => pp.recognize(&bytes).await?,
                    None => {
                        let p = preprocess::prepare_page(preprocess::decode(&bytes)?);
                        engine.first_look(&p.image).await?
                    }
                };
                let r = inbody::parse(&words);
                println!(
                    "first look: missing {:?} warnings {:?}",
                    r.missing, r.warnings
                );
                let dump: String = words
                    .iter()
                    .map(|w| {
                        format!(
                            "{}\t{}\t{}\t{}\t{}\n",
                            w.bbox.x, w.bbox.y, w.bbox.w, w.bbox.h, w.text
                        )
                    })
                    .collect();
                std::fs::write(
                    format!("{}/first_{}.tsv", words_dir(), name.replace('/', "_")),
                    dump,
                )?;
                words
            }
            ("pass", Some((psm, langs, scale))) => one_pass(&bytes, psm, langs, scale)?,
            ("file", _) => {
                let path = format!("{}/first_{}.tsv", words_dir(), name.replace('/', "_"));
                std::fs::read_to_string(&path)
                    .unwrap_or_default()
                    .lines()
                    .filter_map(|l| {
                        let c: Vec<&str> = l.splitn(5, '\t').collect();
                        let f = |i: usize| c.get(i).and_then(|v| v.parse::<f32>().ok());
                        Some(Word::at(c.get(4)?, f(0)?, f(1)?, f(2)?, f(3)?))
                    })
                    .collect()
            }
            _ => words,
        };
        if std::env::var_os("TUNE_DUMP").is_some() {
            for w in &read {
                println!(
                    "  {:>7.1} {:>7.1} {:>5.1} {:>5.1} {}",
                    w.bbox.x, w.bbox.y, w.bbox.w, w.bbox.h, w.text
                );
            }
        }
        // The engine cuts its words as Vision does at the end (see `tesseract::tokens`):
        // so do the first look's here.
        let read = if mode == "first" || mode == "file" {
            let read = carenco_edge::ocr::tesseract::split_words(read);
            // And as the PP-OCR engine joins and cuts its line's words.
            if ppocr {
                carenco_edge::ocr::tesseract::cut_joined(read)
            } else {
                read
            }
        } else {
            read
        };
        let report = inbody::parse(&read);
        let secs = t.elapsed().as_secs_f64();
        let s = score(&report, &truth);
        println!(
            "{name:<16} {:>2}/{:<2} {secs:>6.2}s warnings {} misses {:?}",
            s.correct,
            s.total,
            report.warnings.len(),
            s.misses
        );
        correct += s.correct;
        total += s.total;
        times.push(secs);
    }
    times.sort_by(f64::total_cmp);
    let median = times.get(times.len() / 2).copied().unwrap_or(0.0);
    let max = times.last().copied().unwrap_or(0.0);
    println!(
        "all {correct}/{total} = {:.1} %, median {median:.2} s, max {max:.2} s",
        100.0 * correct as f64 / total.max(1) as f64
    );
    Ok(())
}
