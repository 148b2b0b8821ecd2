//! OCR of InBody sheets, black-box: the real `tesseract` on the real sample and on
//! generated sheets, `PUT /ocr` and the health-record routes against the running
//! service, and the Google engine against a local server that answers
//! `images:annotate` in Google's documented format (built from the generated words).
//!
//! Tesseract takes seconds per sheet here, so this file reads only a handful of
//! sheets; the full measurement is the `ocr_accuracy` example (README, InBody OCR).

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use carenco_edge::config::{Config, OcrConfig, OcrEngineChoice, Secret};
use carenco_edge::ocr::accuracy::{score, truth_from_transcription};
use carenco_edge::ocr::inbody::{self, Field};
use carenco_edge::ocr::sheetgen::{degrade, specs, Generator, Kind, Layout, Sheet, Split};
use carenco_edge::ocr::tesseract::Tesseract;
use carenco_edge::ocr::{OcrEngine, Word};
use common::TestService;
use serde_json::{json, Value};
use warp::Filter;

const SAMPLE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/inbody/");
const KEY: &str = "AIzaTestKey-never-logged";

fn tesseract() -> Tesseract {
    // Generous: CI machines are shared; this checks reading, not speed (no time
    // budget: on a loaded machine it would cut the later looks these floors count on).
    Tesseract::new(&OcrConfig {
        timeout_ms: 300_000,
        time_budget_ms: 0,
        ..OcrConfig::default()
    })
}

fn generator() -> Generator {
    Generator::new().expect("the Korean font (Debian fonts-nanum, installed by scripts/test-all)")
}

async fn read_and_score(bytes: &[u8], truth: &BTreeMap<String, Field>) -> (f64, Vec<String>) {
    let words = tesseract()
        .recognize(bytes)
        .await
        .expect("tesseract reads the sheet");
    let report = inbody::parse(&words);
    let s = score(&report, truth);
    (s.ratio(), s.misses)
}

/// The real InBody370S sample and its transcription's fields. Fails loudly (never
/// skips) when the fixture is missing.
fn real_sample() -> (Vec<u8>, BTreeMap<String, Field>) {
    let png = std::fs::read(format!("{SAMPLE_DIR}inbody370s_sample.png"))
        .expect("../shared/fixtures/inbody/inbody370s_sample.png must exist");
    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{SAMPLE_DIR}inbody370s_sample.expected.json"))
            .expect("the sample's transcription must exist"),
    )
    .expect("valid JSON");
    (png, truth_from_transcription(&json))
}

#[tokio::test]
async fn the_real_sample_is_read_by_tesseract_and_every_transcribed_field_compared() {
    let (png, truth) = real_sample();
    assert_eq!(truth.len(), 32, "every report field is on the real sheet");
    let (ratio, misses) = read_and_score(&png, &truth).await;
    eprintln!(
        "real sample: {:.1} % of fields; misses: {misses:#?}",
        ratio * 100.0
    );
    // The floor is just below what the current pipeline reaches (see the README); a
    // regression below it fails.
    assert!(
        ratio >= REAL_SAMPLE_FLOOR,
        "real sample accuracy {ratio:.3}: {misses:#?}"
    );
}

/// Just below what the pipeline reaches on the real sample today: 31/32 fields with two
/// strips, i.e. on 2 cores (the goal, 95 %, is 31); 30/32 still passes.
const REAL_SAMPLE_FLOOR: f64 = 0.93;

#[tokio::test]
async fn a_later_look_that_fails_leaves_the_first_reading_instead_of_failing_the_sheet() {
    // The real tesseract behind a wrapper that fails every block-of-lines child (the
    // column of lists and the range pass, both `--psm 6`): the real sample needs both,
    // and must still be read from the first and closer looks.
    let dir = tempfile::tempdir().expect("temp dir");
    let wrapper = dir.path().join("tesseract");
    std::fs::write(
        &wrapper,
        "#!/bin/sh\n\
         prev=\n\
         for a in \"$@\"; do\n\
         \x20 if [ \"$prev\" = --psm ] && [ \"$a\" = 6 ]; then echo 'injected failure' >&2; exit 3; fi\n\
         \x20 prev=$a\n\
         done\n\
         exec tesseract \"$@\"\n",
    )
    .expect("write the wrapper");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let engine = Tesseract::new(&OcrConfig {
        timeout_ms: 300_000,
        time_budget_ms: 0,
        tesseract_bin: wrapper.display().to_string(),
        ..OcrConfig::default()
    });
    let (png, truth) = real_sample();
    let words = engine
        .recognize(&png)
        .await
        .expect("a failed later look does not fail the sheet");
    let s = score(&inbody::parse(&words), &truth);
    eprintln!(
        "without the block-of-lines looks: {}/{}",
        s.correct, s.total
    );
    // What the first and closer looks reach alone (23/32; 21 still passes): the sheet
    // is read, just less well than with every look (29/32, the test above).
    assert!(s.ratio() >= 0.65, "{:.3}: {:#?}", s.ratio(), s.misses);
}

/// Held-out sheets (`Split::HeldOut`: families, fonts and seeds the reader was never
/// tuned on), one per family, read by the real `tesseract` as `kind`: fields read
/// exactly over all of them.
async fn held_out_share(kind: Kind) -> (f64, Vec<String>) {
    let g = generator();
    let mut total = carenco_edge::ocr::accuracy::Score::default();
    for spec in specs(Split::HeldOut, 1) {
        let sheet = g.render(&spec).expect("the held-out fonts are installed");
        let bytes = degrade::apply(&sheet.image, kind, spec.seed).expect("encodes");
        let words = tesseract()
            .recognize(&bytes)
            .await
            .expect("tesseract reads the sheet");
        let s = score(&inbody::parse(&words), &sheet.truth);
        eprintln!(
            "{} {}: {}/{}",
            spec.label(),
            kind.name(),
            s.correct,
            s.total
        );
        total.add(&s);
    }
    (total.ratio(), total.misses)
}

// The floors below sit just under what these tests (and `examples/ocr_accuracy.rs
// --per-family 1`, the same held-out sheets; docs/ocr-evaluation.md) measured on
// 2026-12-02 after session 10's reader, recognition and preprocessing: clean 137/160,
// photo 105/160, word-level 315/320 (two sheets per family); clean 139/160 after session
// 11's closer-look fix (this test measured 86.9 %). Session 15 (2026-12-03: the sheet's
// equalities fill and correct fields, label chains, headings that are row labels,
// ranges printed elsewhere, segment stacks with an unread row): clean 150/160, photo
// 104/160 (one fewer than before), word-level 315/320.
// Session 16 (2026-12-03, PP-OCR's readings of the real scan as classes): clean 150/160,
// photo 105/160, word-level unchanged. Session 17 (2026-12-03: unread headings placed by
// their rows, glued dates, ranges and colons, tilde and bracket lookalikes): clean
// 151/160, photo 105/160, word-level 157/160 (one per family). Session 18 (2026-12-04:
// headings past matching placed by their runs, values that name their field, the
// BMR's formula, slashless scores, research rows by place): clean 152/160, photo
// 110/160. Session 19 (2026-12-04: rows by their place in lists and tables whose
// heads were misread, labels nearer another field's, the skew from strips): clean
// 152/160, photo 111/160.
// One more lost field than measured passes, two fail. They are not the goals
// (98 % clean, 90 % degraded), which Tesseract does not reach; the PP-OCR engine does
// (ocr_parts/ppocr.rs).

#[tokio::test]
async fn held_out_clean_sheets_are_read_by_tesseract_at_the_measured_share() {
    let (ratio, misses) = held_out_share(Kind::Clean).await;
    eprintln!("held-out clean: {:.1} %", ratio * 100.0);
    assert!(ratio >= HELD_OUT_CLEAN_FLOOR, "{ratio:.3}: {misses:#?}");
}
const HELD_OUT_CLEAN_FLOOR: f64 = 150.5 / 160.0;

#[tokio::test]
async fn held_out_photos_of_sheets_are_read_by_tesseract_at_the_measured_share() {
    let (ratio, misses) = held_out_share(Kind::Photo).await;
    eprintln!("held-out photo: {:.1} %", ratio * 100.0);
    assert!(ratio >= HELD_OUT_PHOTO_FLOOR, "{ratio:.3}: {misses:#?}");
}
const HELD_OUT_PHOTO_FLOOR: f64 = 109.5 / 160.0;

#[cfg(all(feature = "ppocr", feature = "ppocr-engine"))]
#[path = "ocr_parts/ppocr.rs"]
mod ppocr_engine;

#[path = "ocr_parts/closer.rs"]
mod closer_looks;

/// The sheet's words tokenised as Vision returns them, served in its documented
/// `images:annotate` format by a local server, as the `google` engine reads them.
async fn words_through_google(sheet: &Sheet) -> Vec<Word> {
    use carenco_edge::ocr::google::GoogleVision;
    use carenco_edge::ocr::sheetgen::vision;
    let answer = vision::annotate_answer(
        &vision::lines(sheet),
        sheet.image.width(),
        sheet.image.height(),
    );
    let fake = fake_vision(Behaviour::Answer(Arc::new(answer))).await;
    let engine = GoogleVision::new(&OcrConfig {
        google_endpoint: fake.endpoint(),
        google_api_key: Secret::new(KEY),
        timeout_ms: 5_000,
        ..OcrConfig::default()
    });
    engine
        .recognize(&sheet.png().expect("png"))
        .await
        .expect("the local server answers")
}

#[tokio::test]
async fn held_out_word_level_sheets_are_read_through_google_at_the_measured_share() {
    let g = generator();
    let mut total = carenco_edge::ocr::accuracy::Score::default();
    for spec in specs(Split::HeldOut, 2) {
        let sheet = g.render(&spec).expect("the held-out fonts are installed");
        let words = words_through_google(&sheet).await;
        let s = score(&inbody::parse(&words), &sheet.truth);
        eprintln!("{} word-level: {}/{}", spec.label(), s.correct, s.total);
        total.add(&s);
    }
    eprintln!("held-out word-level: {:.1} %", total.ratio() * 100.0);
    assert!(
        total.ratio() >= HELD_OUT_WORDS_FLOOR,
        "{:.3}: {:#?}",
        total.ratio(),
        total.misses
    );
}
const HELD_OUT_WORDS_FLOOR: f64 = 313.5 / 320.0;

// ---------------------------------------------------------------------------------
// A local server answering `images:annotate` as Google documents it.

#[derive(Clone)]
enum Behaviour {
    /// 200 with these words.
    Words(Arc<Vec<Word>>),
    /// This status with Google's error body, always.
    Status(u16),
    /// 429 for the first `n` requests, then the words.
    RateLimitedThen(usize, Arc<Vec<Word>>),
    /// Answers after this long (longer than the client's timeout).
    Slow(Duration),
    /// 200 with this answer as it is (`sheetgen::vision::annotate_answer`).
    Answer(Arc<Value>),
}

struct FakeVision {
    addr: SocketAddr,
    requests: Arc<AtomicUsize>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl FakeVision {
    fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Google's response: one block/paragraph per word, one symbol per character; vertices
/// omit a coordinate that is 0, as Google's JSON does.
fn annotate_answer(words: &[Word]) -> Value {
    let vertex = |x: f32, y: f32| {
        let mut v = serde_json::Map::new();
        if x.round() != 0.0 {
            v.insert("x".into(), json!(x.round() as i64));
        }
        if y.round() != 0.0 {
            v.insert("y".into(), json!(y.round() as i64));
        }
        Value::Object(v)
    };
    let blocks: Vec<Value> = words
        .iter()
        .map(|w| {
            let b = &w.bbox;
            let poly = json!({"vertices": [vertex(b.x, b.y), vertex(b.right(), b.y), vertex(b.right(), b.bottom()), vertex(b.x, b.bottom())]});
            let symbols: Vec<Value> = w.text.chars().map(|c| json!({"text": c.to_string()})).collect();
            json!({"boundingBox": poly, "paragraphs": [{"boundingBox": poly, "words": [{"boundingBox": poly, "symbols": symbols, "confidence": 0.97}]}]})
        })
        .collect();
    let text: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
    json!({"responses": [{
        "textAnnotations": [{"description": text.join(" ")}],
        "fullTextAnnotation": {"pages": [{"width": 1240, "height": 1754, "blocks": blocks}], "text": text.join(" ")}
    }]})
}

async fn fake_vision(behaviour: Behaviour) -> FakeVision {
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = requests.clone();
    let route = warp::path!("v1" / "images:annotate")
        .and(warp::post())
        .and(warp::query::<BTreeMap<String, String>>())
        .and(warp::body::json::<Value>())
        .then(move |query: BTreeMap<String, String>, body: Value| {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let behaviour = behaviour.clone();
            async move {
                let reply = |status: u16, body: Value| {
                    warp::reply::with_status(
                        warp::reply::json(&body),
                        warp::http::StatusCode::from_u16(status).expect("status"),
                    )
                };
                // The request as Google documents it.
                let req = &body["requests"][0];
                let documented = query.get("key").map(String::as_str) == Some(KEY)
                    && req["features"][0]["type"] == "DOCUMENT_TEXT_DETECTION"
                    && req["imageContext"]["languageHints"] == json!(["ko", "en"])
                    && req["image"]["content"].as_str().is_some_and(|c| !c.is_empty());
                if !documented {
                    return reply(400, json!({"error": {"code": 400, "message": "bad request", "status": "INVALID_ARGUMENT"}}));
                }
                match behaviour {
                    Behaviour::Words(w) => reply(200, annotate_answer(&w)),
                    Behaviour::Status(s) => reply(s, json!({"error": {"code": s, "message": "refused", "status": "PERMISSION_DENIED"}})),
                    Behaviour::RateLimitedThen(k, w) if n < k => {
                        let _ = w;
                        reply(429, json!({"error": {"code": 429, "message": "quota", "status": "RESOURCE_EXHAUSTED"}}))
                    }
                    Behaviour::RateLimitedThen(_, w) => reply(200, annotate_answer(&w)),
                    Behaviour::Slow(d) => {
                        tokio::time::sleep(d).await;
                        reply(200, annotate_answer(&[]))
                    }
                    Behaviour::Answer(a) => reply(200, (*a).clone()),
                }
            }
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(
        warp::serve(route)
            .incoming(listener)
            .graceful(async move {
                let _ = rx.await;
            })
            .run(),
    );
    FakeVision {
        addr,
        requests,
        _stop: tx,
    }
}

fn use_google(c: &mut Config, endpoint: &str, engine: OcrEngineChoice, timeout_ms: u64) {
    c.ocr.engine = engine;
    c.ocr.google_endpoint = endpoint.to_string();
    c.ocr.google_api_key = Secret::new(KEY);
    c.ocr.timeout_ms = timeout_ms;
}

async fn put_sheet(service: &TestService, bytes: Vec<u8>, id: Option<&str>) -> (u16, Value) {
    let mut form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name("sheet.png"),
    );
    if let Some(id) = id {
        form = form.text("id", id.to_string());
    }
    let r = reqwest::Client::new()
        .put(service.url("/ocr"))
        .multipart(form)
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn sheet(layout: Layout, seed: u64) -> Sheet {
    generator().sheet(layout, seed)
}

fn assert_fields_match(report: &Value, truth: &BTreeMap<String, Field>) {
    for (name, want) in truth {
        let got = &report["fields"][name];
        assert_eq!(
            got["value"],
            serde_json::to_value(&want.value).expect("json"),
            "{name}"
        );
        assert_eq!(
            got["range"],
            serde_json::to_value(want.range).expect("json"),
            "{name}"
        );
    }
    assert_eq!(report["missing"], json!([]));
}

#[tokio::test]
async fn put_ocr_stores_the_sheet_and_the_record_in_one_go_and_answers_the_report() {
    let s = sheet(Layout::InBody370S, 3);
    let vision = fake_vision(Behaviour::Words(Arc::new(s.words.clone()))).await;
    let service = TestService::start_with(|c| {
        use_google(c, &vision.endpoint(), OcrEngineChoice::Google, 5_000)
    })
    .await;
    let (status, report) = put_sheet(&service, s.png().expect("png"), Some("kim.01")).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["engine"], "google");
    assert_eq!(report["model"], "InBody370S");
    assert_fields_match(&report, &s.truth);
    let record_id = report["record_id"].as_str().expect("record_id").to_string();

    // The picture is stored with the row and both uploads are queued.
    let db = rusqlite::Connection::open(service.data_dir.path().join("carenco.db")).expect("db");
    let picture: Vec<u8> = db
        .query_row(
            "SELECT picture FROM health_pictures WHERE record_id = ?1",
            [&record_id],
            |r| r.get(0),
        )
        .expect("picture stored");
    assert_eq!(picture, s.png().expect("png"));
    let (user, key): (String, String) = db
        .query_row(
            "SELECT user_id, image_key FROM health_records WHERE record_id = ?1",
            [&record_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("row");
    assert_eq!(user, "kim.01");
    assert!(
        key.ends_with(&format!("/inbody/kim.01/{record_id}.png")),
        "{key}"
    );
    let kinds: Vec<String> = db
        .prepare("SELECT kind FROM outbox WHERE ref_id = ?1 ORDER BY kind")
        .expect("prepare")
        .query_map([&record_id], |r| r.get(0))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect();
    assert_eq!(kinds, ["health_image", "health_record"]);

    // Both read routes give it back.
    let client = reqwest::Client::new();
    let list: Value = client
        .get(service.url("/health-records?id=kim.01"))
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(list["records"][0]["record_id"], record_id.as_str());
    assert_eq!(
        list["records"][0]["report"]["fields"]["weight_kg"],
        report["fields"]["weight_kg"]
    );
    let one = client
        .get(service.url(&format!("/health-records/{record_id}")))
        .send()
        .await
        .expect("get");
    assert_eq!(one.status(), 200);
    let one: Value = one.json().await.expect("json");
    assert_eq!(one["user_id"], "kim.01");
    let none = client
        .get(service.url("/health-records/0190aaaa-0000-7000-8000-000000000000"))
        .send()
        .await
        .expect("get");
    assert_eq!(none.status(), 404);
    let other = client
        .get(service.url("/health-records?id=someone-else"))
        .send()
        .await
        .expect("list")
        .json::<Value>()
        .await
        .expect("json");
    assert_eq!(other["records"], json!([]));

    // POST is the same endpoint (the original's code used POST).
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(s.png().expect("png")),
    );
    let post = client
        .post(service.url("/ocr"))
        .multipart(form)
        .send()
        .await
        .expect("post");
    assert_eq!(post.status(), 200);
}

#[tokio::test]
async fn bad_uploads_get_json_errors_with_korean_messages() {
    let service = TestService::start_with(|c| {
        c.api.max_ocr_body_bytes = 64 * 1024;
        c.ocr.engine = OcrEngineChoice::Tesseract;
    })
    .await;
    let client = reqwest::Client::new();
    let send =
        |form: reqwest::multipart::Form| client.put(service.url("/ocr")).multipart(form).send();
    let expect = |r: reqwest::Response, status: u16, code: &'static str| async move {
        assert_eq!(r.status().as_u16(), status);
        let body: Value = r.json().await.expect("json error");
        assert_eq!(body["error"], code, "{body}");
        assert!(body["message_ko"].as_str().is_some_and(|m| !m.is_empty()));
    };
    // Not an image.
    let r = send(reqwest::multipart::Form::new().text("file", "hello, not a picture"))
        .await
        .expect("send");
    expect(r, 415, "unsupported_media_type").await;
    // No file part.
    let r = send(reqwest::multipart::Form::new().text("id", "7"))
        .await
        .expect("send");
    expect(r, 400, "missing_file").await;
    // An id that could escape a path.
    let png = carenco_edge::ocr::sheetgen::encode_png(&image::GrayImage::from_pixel(
        200,
        200,
        image::Luma([255]),
    ))
    .expect("png");
    let r = send(
        reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(png.clone()))
            .text("id", "../etc"),
    )
    .await
    .expect("send");
    expect(r, 400, "invalid_id").await;
    // Over the limit.
    let big = vec![0u8; 100 * 1024];
    let r =
        send(reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(big)))
            .await
            .expect("send");
    expect(r, 413, "payload_too_large").await;
    // A picture, but no InBody sheet on it (the real tesseract reads nothing).
    let r =
        send(reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(png)))
            .await
            .expect("send");
    expect(r, 422, "not_an_inbody_sheet").await;
    // Not JSON, not multipart.
    let r = client
        .put(service.url("/ocr"))
        .body("{}")
        .header("content-type", "application/json")
        .send()
        .await
        .expect("send");
    assert!(r.status().is_client_error(), "{}", r.status());
    // Bad list queries.
    let r = client
        .get(service.url("/health-records?id=a%20b"))
        .send()
        .await
        .expect("send");
    expect(r, 400, "invalid_id").await;
    let r = client
        .get(service.url("/health-records?limit=0"))
        .send()
        .await
        .expect("send");
    expect(r, 400, "invalid_limit").await;
    // Nothing was stored by any of these.
    let db = rusqlite::Connection::open(service.data_dir.path().join("carenco.db")).expect("db");
    let n: i64 = db
        .query_row("SELECT count(*) FROM health_records", [], |r| r.get(0))
        .expect("count");
    assert_eq!(n, 0);
}

#[tokio::test]
async fn no_engine_that_can_answer_is_a_503_and_check_says_why() {
    let service = TestService::start_with(|c| {
        c.ocr.engine = OcrEngineChoice::Tesseract;
        c.ocr.tesseract_bin = "/nonexistent/tesseract".into();
    })
    .await;
    let s = sheet(Layout::InBody570, 1);
    let (status, body) = put_sheet(&service, s.png().expect("png"), None).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"], "ocr_unavailable");
    let check: Value = reqwest::get(service.url("/check"))
        .await
        .expect("check")
        .json()
        .await
        .expect("json");
    assert_eq!(check["ocr"]["ok"], false);
    assert_eq!(check["ocr"]["engines"]["tesseract"]["available"], false);
    assert_eq!(
        check["status"], "ok",
        "OCR being down does not make the service unready"
    );
}

#[tokio::test]
async fn check_lists_the_engines_that_can_answer() {
    let service = TestService::start().await;
    let check: Value = reqwest::get(service.url("/check"))
        .await
        .expect("check")
        .json()
        .await
        .expect("json");
    assert_eq!(check["ocr"]["ok"], true, "{check}");
    assert_eq!(check["ocr"]["engine"], "auto");
    assert_eq!(check["ocr"]["engines"]["tesseract"]["available"], true);
    assert_eq!(check["ocr"]["engines"]["google"]["available"], false);
}

#[tokio::test]
async fn the_word_level_set_reaches_the_google_engine_as_vision_tokenised_it() {
    // The generator's side of the word-level set (not the reader): every family's
    // words, tokenised as Vision does and served in its format, come out of the
    // `google` engine word for word, box for box.
    use carenco_edge::ocr::sheetgen::vision;
    let g = generator();
    for spec in specs(Split::HeldOut, 1) {
        let sheet = g.render(&spec).expect("the held-out fonts are installed");
        let got = words_through_google(&sheet).await;
        let want = vision::words(&sheet);
        assert_eq!(
            got.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(),
            want.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(),
            "{}",
            spec.label()
        );
        for (a, b) in got.iter().zip(&want) {
            assert!((a.bbox.x - b.bbox.x).abs() <= 1.0 && (a.bbox.y - b.bbox.y).abs() <= 1.0);
        }
        // Vision's words are finer than the space-split ones: `(`, `27.0`, `~`, ...
        assert!(want.len() > sheet.words.len(), "{}", spec.label());
    }
}

#[tokio::test]
async fn google_errors_are_503s_that_never_show_the_key_and_429_is_retried() {
    let s = sheet(Layout::InBody570, 2);
    let words = Arc::new(s.words.clone());

    // 403 (bad key): not retried, 503.
    let vision = fake_vision(Behaviour::Status(403)).await;
    let service = TestService::start_with(|c| {
        use_google(c, &vision.endpoint(), OcrEngineChoice::Google, 2_000)
    })
    .await;
    let (status, body) = put_sheet(&service, s.png().expect("png"), None).await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| m.contains("403")),
        "{body}"
    );
    assert!(!body.to_string().contains(KEY), "the key never appears");
    assert_eq!(vision.requests.load(Ordering::SeqCst), 1);
    let check: Value = reqwest::get(service.url("/check"))
        .await
        .expect("check")
        .json()
        .await
        .expect("json");
    assert_eq!(check["ocr"]["engines"]["google"]["available"], false);
    assert!(!check.to_string().contains(KEY));

    // 5xx: retried, then 503.
    let vision = fake_vision(Behaviour::Status(500)).await;
    let service = TestService::start_with(|c| {
        use_google(c, &vision.endpoint(), OcrEngineChoice::Google, 2_000)
    })
    .await;
    let (status, _) = put_sheet(&service, s.png().expect("png"), None).await;
    assert_eq!(status, 503);
    assert_eq!(vision.requests.load(Ordering::SeqCst), 3, "three attempts");

    // Timeout: 503 naming it.
    let vision = fake_vision(Behaviour::Slow(Duration::from_secs(3))).await;
    let service = TestService::start_with(|c| {
        use_google(c, &vision.endpoint(), OcrEngineChoice::Google, 200)
    })
    .await;
    let (status, body) = put_sheet(&service, s.png().expect("png"), None).await;
    assert_eq!(status, 503);
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("did not answer")),
        "{body}"
    );

    // 429 twice, then an answer: the client retried and the sheet was read.
    let vision = fake_vision(Behaviour::RateLimitedThen(2, words)).await;
    let service = TestService::start_with(|c| {
        use_google(c, &vision.endpoint(), OcrEngineChoice::Google, 2_000)
    })
    .await;
    let (status, body) = put_sheet(&service, s.png().expect("png"), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(vision.requests.load(Ordering::SeqCst), 3);
    assert_fields_match(&body, &s.truth);
}

#[tokio::test]
async fn auto_falls_back_to_tesseract_when_google_refuses_and_says_so() {
    let vision = fake_vision(Behaviour::Status(403)).await;
    let service = TestService::start_with(|c| {
        use_google(c, &vision.endpoint(), OcrEngineChoice::Auto, 300_000)
    })
    .await;
    let s = sheet(Layout::InBody570, 5);
    let (status, body) = put_sheet(&service, s.png().expect("png"), Some("42")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["engine"], "tesseract");
    assert_eq!(vision.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_cli_prints_the_report_without_a_record_id() {
    let s = sheet(Layout::InBody370S, 9);
    let vision = fake_vision(Behaviour::Words(Arc::new(s.words.clone()))).await;
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("sheet.png");
    std::fs::write(&path, s.png().expect("png")).expect("write");
    let endpoint = vision.endpoint();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(common::binary())
            .args(["ocr", "--engine", "google", "--json"])
            .arg(&path)
            .env("CARENCO_OCR_GOOGLE_ENDPOINT", endpoint)
            .env("GOOGLE_API_KEY", KEY)
            .output()
            .expect("run")
    })
    .await
    .expect("join");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("json on stdout");
    assert!(report.get("record_id").is_none());
    assert_eq!(report["engine"], "google");
    assert_fields_match(&report, &s.truth);
    assert!(!String::from_utf8_lossy(&out.stderr).contains(KEY));
}
