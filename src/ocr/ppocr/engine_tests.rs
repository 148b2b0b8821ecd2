use std::os::unix::fs::PermissionsExt;

use super::*;
use crate::config::OcrEngineChoice;
use crate::ocr::Engines;

fn line(text: &str, x: f32, y: f32, w: f32, h: f32, words: &[(&str, f32, f32)]) -> wire::Line {
    wire::Line {
        text: text.into(),
        confidence: 0.9,
        quad: [[x, y], [x + w, y], [x + w, y + h], [x, y + h]],
        words: words
            .iter()
            .map(|(t, wx, ww)| wire::Word {
                text: (*t).into(),
                confidence: 0.9,
                bbox: [*wx, y, *ww, h],
            })
            .collect(),
    }
}

fn page(lines: Vec<wire::Line>) -> wire::Page {
    wire::Page {
        width: 1000,
        height: 1000,
        lines,
        timing_ms: wire::Timing::default(),
    }
}

#[test]
fn words_carry_their_box_and_a_confidence_out_of_100() {
    let mut p = page(vec![line(
        "Weight 70.2",
        10.0,
        20.0,
        200.0,
        30.0,
        &[
            ("Weight", 10.0, 110.0),
            ("70.2", 130.0, 80.0),
            (" ", 0.0, 0.0),
        ],
    )]);
    p.lines[0].words[1].confidence = 1.7;
    p.lines[0].words[0].confidence = f32::NAN;
    let words = words_of(&p);
    assert_eq!(words.len(), 2, "a blank word is dropped");
    assert_eq!(words[0].text, "Weight");
    assert_eq!(words[0].confidence, None);
    assert_eq!(words[1].confidence, Some(100.0));
    assert_eq!(
        words[1].bbox,
        BBox {
            x: 130.0,
            y: 20.0,
            w: 80.0,
            h: 30.0
        }
    );
}

#[test]
fn the_exit_status_says_what_went_wrong() {
    let json = serde_json::to_vec(&page(Vec::new())).unwrap();
    assert!(page_of(Some(0), &json, b"", None).is_ok());
    assert!(matches!(
        page_of(Some(2), b"", b"not an image", None),
        Err(OcrError::BadImage(why)) if why == "not an image"
    ));
    let e = page_of(Some(1), b"", b"rec.onnx missing", None).unwrap_err();
    assert!(matches!(e, OcrError::Failed { .. }) && e.to_string().contains("rec.onnx"));
    assert!(matches!(
        page_of(Some(0), b"{", b"", None),
        Err(OcrError::Failed { .. })
    ));
    assert!(matches!(
        page_of(None, b"", b"", None),
        Err(OcrError::Failed { .. })
    ));
}

#[test]
fn garbled_words_are_cjk_and_hangul_is_not() {
    for w in ["刘个是", "7号", "召人g人", "己·是Muscle", "c}2|"] {
        assert!(is_garbled(w), "{w}");
    }
    for w in ["체지방량", "Weight", "(10.5~12.8)", "65/100점", "kg", "～"] {
        assert!(!is_garbled(w), "{w}");
    }
}

#[test]
fn tesseracts_hangul_replaces_the_garbage_and_ppocrs_figures_stay() {
    let words = vec![
        Word::at("刘个是", 10.0, 100.0, 90.0, 30.0),
        Word::at("70.2", 200.0, 100.0, 80.0, 30.0),
        Word::at("召人", 10.0, 300.0, 60.0, 30.0),
        Word::at("Weight", 10.0, 500.0, 90.0, 30.0),
    ];
    let korean = vec![
        Word::at("체중", 12.0, 101.0, 70.0, 28.0),
        // Tesseract's reading of the figure is not taken: PP-OCR's stays.
        Word::at("70.7", 200.0, 101.0, 80.0, 28.0),
        // Hangul where PP-OCR found no line (its detector misses some) is taken.
        Word::at("체지방", 10.0, 400.0, 80.0, 28.0),
    ];
    let out = merge_korean(words, korean);
    let texts: Vec<&str> = out.iter().map(|w| w.text.as_str()).collect();
    // Garbage with no letter or digit in it goes, read or not.
    assert_eq!(texts, ["70.2", "Weight", "체지방", "체중"]);
}

#[test]
fn a_closer_looks_hangul_replaces_only_shorter_hangul_it_covers() {
    let words = vec![
        Word::at("성별", 388.0, 116.0, 32.0, 18.0),
        Word::at("Gender", 387.0, 132.0, 33.0, 17.0),
        Word::at("성", 407.0, 154.0, 14.0, 11.0),
        Word::at("76", 301.0, 147.0, 18.0, 28.0),
        Word::at("연령", 298.0, 116.0, 32.0, 18.0),
    ];
    let read = vec![
        // Read syllable by syllable: joined before they are compared.
        Word::at("여", 390.0, 150.0, 14.0, 18.0),
        Word::at("성", 406.0, 151.0, 15.0, 17.0),
        // As long as what it covers: the same word, taken.
        Word::at("성별", 388.0, 116.0, 31.0, 18.0),
        // Shorter than what it covers: not taken.
        Word::at("연", 298.0, 116.0, 15.0, 18.0),
        // Over a figure: PP-OCR's figure stays.
        Word::at("칠육", 301.0, 147.0, 18.0, 28.0),
        // No Hangul: not the closer look's to give.
        Word::at("Gendor", 387.0, 132.0, 33.0, 17.0),
    ];
    let out = merge_spots(words, read);
    let mut texts: Vec<&str> = out.iter().map(|w| w.text.as_str()).collect();
    texts.sort();
    assert_eq!(texts, ["76", "Gender", "성별", "여성", "연령"]);
}

#[test]
fn syllables_read_apart_are_one_word_and_columns_stay_apart() {
    let korean = vec![
        Word::at("근육량", 450.0, 309.0, 45.0, 15.0),
        Word::at("제", 565.0, 309.0, 12.5, 15.0),
        Word::at("지", 581.0, 309.0, 11.0, 15.0),
        Word::at("방", 597.0, 309.0, 12.0, 15.0),
        Word::at("량", 612.0, 309.0, 12.0, 15.0),
        Word::at("체중", 678.0, 309.0, 30.0, 15.0),
        // The next line's syllable is not this one's.
        Word::at("체", 625.0, 340.0, 12.0, 15.0),
        // A figure between syllables is no syllable.
        Word::at("12", 640.0, 309.0, 12.0, 15.0),
    ];
    let out = join_syllables(korean);
    let texts: Vec<&str> = out.iter().map(|w| w.text.as_str()).collect();
    assert_eq!(texts, ["근육량", "제지방량", "체", "12", "체중"]);
    let joined = &out[1].bbox;
    assert_eq!((joined.x, joined.right()), (565.0, 624.0));
}

#[test]
fn a_first_syllable_with_the_whole_lines_box_still_joins_the_rest() {
    // Tesseract (`-l Hangul --psm 11`) on a table5 sheet: `복` with the box of all of
    // `복부지방률`, the other syllables with their own.
    let korean = vec![
        Word::at("복", 741.0, 527.0, 90.0, 19.0),
        Word::at("부", 764.0, 523.0, 18.0, 34.0),
        Word::at("지", 781.0, 523.0, 20.0, 34.0),
        Word::at("방", 800.0, 523.0, 20.0, 34.0),
        Word::at("률", 819.0, 523.0, 16.0, 34.0),
        // The next column's word, a gutter away, stays apart.
        Word::at("체중", 1000.0, 527.0, 40.0, 19.0),
    ];
    let out = join_syllables(korean);
    let texts: Vec<&str> = out.iter().map(|w| w.text.as_str()).collect();
    assert_eq!(texts, ["복부지방률", "체중"]);
    assert_eq!((out[0].bbox.x, out[0].bbox.right()), (741.0, 835.0));
    // A word of ordinary width overlapped by a syllable well inside it is not joined.
    let out = join_syllables(vec![
        Word::at("체중", 100.0, 100.0, 40.0, 20.0),
        Word::at("체", 110.0, 100.0, 12.0, 20.0),
    ]);
    assert_eq!(out.len(), 2);
}

#[test]
fn a_figure_glued_to_a_garbled_label_stays_and_a_syllable_read_as_a_digit_goes() {
    let words = vec![
        // `연령:38` read as `盟：38`: the figure is kept, in the right part of the box.
        Word::at("盟：38", 500.0, 100.0, 100.0, 30.0),
        // `근육량(kg)`: `근` read as `2`, `육량` as `号些`, the unit read right.
        Word::at("2", 10.0, 200.0, 15.0, 30.0),
        Word::at("号些", 25.0, 200.0, 30.0, 30.0),
        Word::at("(kg)", 60.0, 200.0, 40.0, 30.0),
    ];
    let korean = vec![
        Word::at("연령:", 500.0, 101.0, 60.0, 28.0),
        Word::at("근육량", 8.0, 201.0, 50.0, 28.0),
    ];
    let out = merge_korean(words, korean);
    let texts: Vec<&str> = out.iter().map(|w| w.text.as_str()).collect();
    assert_eq!(texts, ["38", "(kg)", "근육량", "연령:"]);
    assert!(
        out[0].bbox.x > 560.0 && out[0].bbox.right() == 600.0,
        "{:?}",
        out[0].bbox
    );
}

/// A small white page as PNG bytes, as a sheet is uploaded.
fn png() -> Vec<u8> {
    let img = image::GrayImage::from_pixel(64, 48, image::Luma([255]));
    encode_png(&img).unwrap()
}

/// A stand-in helper: a shell script that does what `body` says.
fn stand_in(dir: &Path, body: &str) -> String {
    let bin = dir.join("carenco-ppocr");
    std::fs::write(&bin, format!("#!/bin/sh\n{body}\n")).expect("write the stand-in");
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    bin.display().to_string()
}

fn models(dir: &Path) -> String {
    let m = dir.join("models");
    std::fs::create_dir_all(&m).expect("models dir");
    for f in MODEL_FILES {
        std::fs::write(m.join(f), b"x").expect("model file");
    }
    m.display().to_string()
}

fn engine(helper: String, models: String) -> PpOcr {
    PpOcr::new(
        &OcrConfig {
            ppocr_helper: helper,
            ppocr_models: models,
            // The stand-in helpers load no library (the default names the package's).
            ppocr_ort_library: String::new(),
            timeout_ms: 2_000,
            ..OcrConfig::default()
        },
        None,
    )
}

#[tokio::test]
async fn availability_names_the_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let models = models(dir.path());
    let missing = engine(
        dir.path().join("nope").display().to_string(),
        models.clone(),
    );
    let e = missing.available().await.unwrap_err();
    assert!(e.contains("ocr.ppocr_helper"), "{e}");

    let helper = stand_in(dir.path(), "exit 0");
    let ok = engine(helper.clone(), models.clone());
    ok.available().await.unwrap();

    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o644)).unwrap();
    let e = engine(helper.clone(), models.clone())
        .available()
        .await
        .unwrap_err();
    assert!(e.contains("not executable"), "{e}");
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();

    std::fs::remove_file(Path::new(&models).join("rec.onnx")).unwrap();
    let e = engine(helper.clone(), models.clone())
        .available()
        .await
        .unwrap_err();
    assert!(e.contains("rec.onnx"), "{e}");
    let e = engine(helper, models).recognize(&png()).await.unwrap_err();
    assert!(matches!(e, OcrError::Unavailable { .. }), "{e}");
}

#[tokio::test]
async fn the_helper_gets_the_image_on_stdin_and_its_page_becomes_words() {
    let dir = tempfile::tempdir().unwrap();
    let json = serde_json::to_string(&page(vec![line(
        "BMI 23.1",
        0.0,
        0.0,
        100.0,
        20.0,
        &[("BMI", 0.0, 40.0), ("23.1", 50.0, 40.0)],
    )]))
    .unwrap();
    // The stand-in checks its arguments and that a PNG arrived on stdin.
    let body = format!(
        "[ \"$1\" = --models ] && [ \"$3\" = --threads ] && [ \"$5\" = --det-side ] \
         && [ \"$6\" = 1600 ] && [ \"$7\" = - ] || exit 1\n\
         head -c 4 | grep -q PNG || exit 2\ncat >/dev/null\necho '{json}'"
    );
    let helper = stand_in(dir.path(), &body);
    let words = engine(helper, models(dir.path()))
        .recognize(&png())
        .await
        .unwrap();
    let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
    assert_eq!(texts, ["BMI", "23.1"]);
}

#[tokio::test]
async fn an_undecodable_image_is_a_bad_image_and_a_hung_helper_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let models = models(dir.path());
    let bad = stand_in(
        dir.path(),
        "cat >/dev/null; echo 'cannot decode' >&2; exit 2",
    );
    let e = engine(bad, models.clone())
        .recognize(&png())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, OcrError::BadImage(why) if why.contains("cannot decode")),
        "{e}"
    );

    // Not even decodable here: the helper is not run.
    let e = engine(stand_in(dir.path(), "exit 0"), models.clone())
        .recognize(b"x")
        .await
        .unwrap_err();
    assert!(matches!(&e, OcrError::BadImage(_)), "{e}");

    let hung = stand_in(dir.path(), "cat >/dev/null; sleep 30");
    let t = std::time::Instant::now();
    let e = engine(hung, models).recognize(&png()).await.unwrap_err();
    assert!(matches!(e, OcrError::Timeout { .. }), "{e}");
    assert!(t.elapsed() < Duration::from_secs(10));
}

/// An engine that answers as it was told to.
struct Fake(&'static str, fn() -> Result<Vec<Word>, OcrError>);

impl OcrEngine for Fake {
    fn name(&self) -> &'static str {
        self.0
    }
    fn recognize<'a>(&'a self, _: &'a [u8]) -> BoxFuture<'a, Result<Vec<Word>, OcrError>> {
        Box::pin(async move { (self.1)() })
    }
    fn available(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async { Ok(()) })
    }
}

fn fake(name: &'static str, answer: fn() -> Result<Vec<Word>, OcrError>) -> Arc<dyn OcrEngine> {
    Arc::new(Fake(name, answer))
}

fn unavailable() -> Result<Vec<Word>, OcrError> {
    Err(OcrError::Unavailable {
        engine: "ppocr",
        reason: "the helper is not installed".into(),
    })
}

/// A PP-OCR engine whose helper or models are not installed.
struct NotInstalled;

impl OcrEngine for NotInstalled {
    fn name(&self) -> &'static str {
        "ppocr"
    }
    fn recognize<'a>(&'a self, _: &'a [u8]) -> BoxFuture<'a, Result<Vec<Word>, OcrError>> {
        Box::pin(async { unavailable() })
    }
    fn available(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async { Err("the helper is not installed".to_string()) })
    }
}

#[tokio::test]
async fn auto_takes_ppocr_where_installed_and_ppocr_chosen_answers_without_falling_back() {
    // PP-OCR reads more held-out fields than Tesseract (src/ocr/mod.rs): `auto` takes
    // it where it is installed ...
    let tess = fake("tesseract", || Ok(Vec::new()));
    let auto = |p: Arc<dyn OcrEngine>| {
        Engines::new(OcrEngineChoice::Auto, None, tess.clone()).with_ppocr(p)
    };
    let r = auto(fake("ppocr", || Ok(Vec::new())))
        .recognize(b"x")
        .await
        .unwrap();
    assert_eq!(r.engine, "ppocr");
    // ... leaves the page to Tesseract where it is not, or when it fails ...
    let r = auto(Arc::new(NotInstalled)).recognize(b"x").await.unwrap();
    assert_eq!(r.engine, "tesseract");
    let r = auto(fake("ppocr", || Err(failed("crashed"))))
        .recognize(b"x")
        .await
        .unwrap();
    assert_eq!(r.engine, "tesseract");
    // ... but not a bad image, which Tesseract would not read either.
    let e = auto(fake("ppocr", || Err(OcrError::BadImage("x".into()))))
        .recognize(b"x")
        .await
        .unwrap_err();
    assert!(matches!(e, OcrError::BadImage(_)));
    // Without the engine (the armv7 Pi build), Tesseract.
    let r = Engines::new(OcrEngineChoice::Auto, None, tess.clone())
        .recognize(b"x")
        .await
        .unwrap();
    assert_eq!(r.engine, "tesseract");
    // Google first when it answers.
    let r = Engines::new(
        OcrEngineChoice::Auto,
        Some(fake("google", || Ok(Vec::new()))),
        tess.clone(),
    )
    .with_ppocr(fake("ppocr", || Ok(Vec::new())))
    .recognize(b"x")
    .await
    .unwrap();
    assert_eq!(r.engine, "google");
    // Chosen outright, ppocr answers ...
    let chosen = |p: Arc<dyn OcrEngine>| {
        Engines::new(OcrEngineChoice::Ppocr, None, tess.clone()).with_ppocr(p)
    };
    let r = chosen(fake("ppocr", || Ok(Vec::new())))
        .recognize(b"x")
        .await
        .unwrap();
    assert_eq!(r.engine, "ppocr");
    // ... and does not fall back: not installed, crashed, or a bad image.
    let e = chosen(fake("ppocr", unavailable))
        .recognize(b"x")
        .await
        .unwrap_err();
    assert!(matches!(e, OcrError::Unavailable { .. }));
    let e = chosen(fake("ppocr", || Err(failed("crashed"))))
        .recognize(b"x")
        .await
        .unwrap_err();
    assert!(matches!(e, OcrError::Failed { .. }));
    let e = chosen(fake("ppocr", || Err(OcrError::BadImage("x".into()))))
        .recognize(b"x")
        .await
        .unwrap_err();
    assert!(matches!(e, OcrError::BadImage(_)));
}

#[tokio::test]
async fn check_reports_ppocrs_availability() {
    let dir = tempfile::tempdir().unwrap();
    let tess = fake("tesseract", || Ok(Vec::new()));
    let missing = engine(
        dir.path().join("nope").display().to_string(),
        models(dir.path()),
    );
    let (ok, detail) = Engines::new(OcrEngineChoice::Ppocr, None, tess.clone())
        .with_ppocr(Arc::new(missing))
        .status()
        .await;
    assert!(!ok);
    assert_eq!(detail["engines"]["ppocr"]["available"], false);
    assert!(detail["engines"]["ppocr"]["error"]
        .as_str()
        .is_some_and(|e| e.contains("not installed")));
    let (ok, _) = Engines::new(OcrEngineChoice::Auto, None, tess)
        .with_ppocr(Arc::new(engine(
            dir.path().join("nope").display().to_string(),
            models(dir.path()),
        )))
        .status()
        .await;
    assert!(ok, "auto still has tesseract");
}

#[test]
fn a_figure_split_under_a_korean_label_starts_after_it() {
    // `신장 172.9` read as `咎 172.9`: one character for two syllables, so the figure's
    // share of the line's box starts under the label.
    let words = vec![
        Word::at("咎", 320.0, 100.0, 25.0, 36.0),
        Word::at("172.9", 346.0, 100.0, 84.0, 36.0),
    ];
    let korean = vec![Word::at("신장", 321.0, 105.0, 35.0, 30.0)];
    let out = merge_korean(words, korean);
    assert_eq!(out[0].text, "172.9");
    assert_eq!(out[0].bbox.x, 356.0);
    assert_eq!(out[0].bbox.right(), 430.0);
}

#[test]
fn the_figure_or_unit_of_a_garbled_word_is_its_longest_readable_part() {
    for (garbled, kept) in [
        ("盟：38", Some("38")),
        ("刘今是(L)", Some("(L)")),
        ("65/100否", Some("65/100")),
        ("召|人|2015-09-06", Some("2015-09-06")),
        ("刘个是", None),
    ] {
        let w = Word::at(garbled, 0.0, 0.0, 100.0, 20.0);
        assert_eq!(
            garbled_tail(&w).map(|t| t.text),
            kept.map(String::from),
            "{garbled}"
        );
    }
}
