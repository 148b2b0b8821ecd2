//! Issue 17: what a page in the kiosk's browser, a hostile file, a vanishing client
//! or a full disk can do to the service. Every test drives the real binary (a child
//! process, its own data directory and configuration) over real sockets; one per row
//! of the issue's table.
//!
//! `EDGE_TEST_BIN=/path/to/carenco-edge` runs them against another build (e.g.
//! the one before this issue, to see them fail); `EDGE_TEST_UNIT=FILE` checks another
//! systemd unit.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const SAMPLE: &str = include_str!("fixtures/frames/legacy_sample_data.json");
const TOKEN: &str = "hardening-test-token-0123456789";

/// The systemd unit checked (`EDGE_TEST_UNIT` to check another one).
fn unit() -> String {
    let path = std::env::var_os("EDGE_TEST_UNIT")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/systemd/carenco-edge.service"
            ))
        });
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn binary() -> PathBuf {
    std::env::var_os("EDGE_TEST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(common::binary)
}

/// The real binary serving a fresh data directory with `config` (TOML); killed on
/// drop.
struct Kiosk {
    child: Child,
    port: u16,
    data_dir: PathBuf,
    _dir: Option<tempfile::TempDir>,
}

impl Kiosk {
    fn start(config: &str, extra: &[&str]) -> Kiosk {
        let dir = tempfile::tempdir().expect("temp dir");
        let data_dir = dir.path().join("data");
        let mut k = Kiosk::start_in(&data_dir, config, extra);
        k._dir = Some(dir);
        k
    }

    fn start_in(data_dir: &Path, config: &str, extra: &[&str]) -> Kiosk {
        let mut k = Kiosk::spawn(data_dir, config, extra);
        k.wait_healthy();
        k
    }

    fn spawn(data_dir: &Path, config: &str, extra: &[&str]) -> Kiosk {
        std::fs::create_dir_all(data_dir).expect("data dir");
        let config_path = data_dir.with_extension("toml");
        std::fs::write(&config_path, config).expect("config");
        let port = common::free_port();
        let child = Command::new(binary())
            .arg("serve")
            .arg("--config")
            .arg(&config_path)
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(data_dir)
            .args(extra)
            .env("RUST_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn carenco-edge");
        Kiosk {
            child,
            port,
            data_dir: data_dir.to_path_buf(),
            _dir: None,
        }
    }

    fn wait_healthy(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = reqwest::blocking::Client::new();
        loop {
            if let Ok(r) = client.get(self.url("/health")).send() {
                if r.status().is_success() {
                    return;
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("carenco-edge exited early: {status}");
            }
            assert!(Instant::now() < deadline, "no /health within 20 s");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The scans whose pictures are stored (ids, sorted): pictures are BLOBs in the
    /// database, read here on a connection of the test's own.
    fn pictures(&self) -> Vec<String> {
        self.stored("SELECT scan_id, length(picture) FROM scan_pictures ORDER BY scan_id")
            .into_iter()
            .map(|(id, _)| id)
            .collect()
    }

    /// The stored sheet pictures: (record id, bytes).
    fn sheet_pictures(&self) -> Vec<(String, u64)> {
        self.stored("SELECT record_id, length(picture) FROM health_pictures ORDER BY record_id")
    }

    fn stored(&self, sql: &str) -> Vec<(String, u64)> {
        let db = rusqlite::Connection::open_with_flags(
            self.data_dir.join("carenco.db"),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .expect("open the database");
        let mut st = db.prepare(sql).expect("prepare");
        st.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)?.max(0) as u64)))
            .expect("query")
            .map(|r| r.expect("row"))
            .collect()
    }
}

impl Drop for Kiosk {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client")
}

/// Status and JSON body; panics when the body is not JSON.
fn answer(r: reqwest::blocking::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let text = r.text().expect("body");
    let body =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status}: not JSON ({e}): {text}"));
    (status, body)
}

fn assert_bilingual(body: &Value) {
    assert!(body["error"].is_string(), "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    let ko = body["message_ko"].as_str().unwrap_or_default();
    assert!(
        ko.chars().any(|c| ('\u{ac00}'..='\u{d7a3}').contains(&c)),
        "no Korean: {body}"
    );
}

fn put_frame(k: &Kiosk, query: &str) -> (u16, Value) {
    answer(
        client()
            .put(k.url(&format!("/image{query}")))
            .header("content-type", "application/json")
            .body(SAMPLE)
            .send()
            .expect("PUT /image"),
    )
}

fn scans(k: &Kiosk) -> Vec<Value> {
    let (status, body) = answer(
        client()
            .get(k.url("/scans?limit=200"))
            .send()
            .expect("GET /scans"),
    );
    assert_eq!(status, 200, "{body}");
    body["scans"].as_array().cloned().unwrap_or_default()
}

// ---------------------------------------------------------------------------------
// CSRF

#[test]
fn a_page_of_another_origin_or_a_form_cannot_change_anything() {
    let k = Kiosk::start("", &[]);
    let evil = "http://attacker.example";
    let calibration_before = answer(client().get(k.url("/scanner/calibration")).send().unwrap()).1;

    // What a form or a no-cors fetch of another page can send.
    let forged: Vec<(&str, reqwest::blocking::RequestBuilder)> = vec![
        (
            "tare, from another origin",
            client().post(k.url("/scanner/tare")).header("origin", evil),
        ),
        (
            "tare, a bodiless form post",
            client().post(k.url("/scanner/tare")),
        ),
        (
            "calibrate, text/plain",
            client()
                .post(k.url("/scanner/calibrate"))
                .header("content-type", "text/plain")
                .body(r#"{"known_kg": 70}"#),
        ),
        (
            "calibrate, from another origin",
            client()
                .post(k.url("/scanner/calibrate"))
                .header("origin", evil)
                .header("content-type", "application/json")
                .body(r#"{"known_kg": 70}"#),
        ),
        ("sync, a bodiless form post", client().post(k.url("/sync"))),
        (
            "sync, from another origin",
            client().post(k.url("/sync")).header("origin", evil),
        ),
        (
            "image, text/plain",
            client()
                .put(k.url("/image"))
                .header("content-type", "text/plain")
                .body(SAMPLE),
        ),
        (
            "image, a form",
            client()
                .post(k.url("/image"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(SAMPLE),
        ),
        (
            "image, no content type",
            client().put(k.url("/image")).body(SAMPLE),
        ),
        (
            "image, JSON from another origin",
            client()
                .put(k.url("/image"))
                .header("origin", evil)
                .header("content-type", "application/json")
                .body(SAMPLE),
        ),
        (
            "calibration import, text/plain",
            client()
                .put(k.url("/scanner/calibration"))
                .header("content-type", "text/plain")
                .body(calibration_before.to_string()),
        ),
        (
            "ocr, a form of another origin",
            client()
                .put(k.url("/ocr"))
                .header("origin", "null")
                .multipart(reqwest::blocking::multipart::Form::new().text("id", "1")),
        ),
    ];
    for (what, request) in forged {
        let (status, body) = answer(request.send().expect(what));
        assert!(status == 403 || status == 415, "{what}: {status} {body}");
        assert_bilingual(&body);
    }
    assert!(scans(&k).is_empty(), "a forged request stored a scan");
    let calibration_after = answer(client().get(k.url("/scanner/calibration")).send().unwrap()).1;
    assert_eq!(calibration_before, calibration_after);

    // The service's own pages and non-browser clients still work.
    let (status, body) = answer(
        client()
            .post(k.url("/sync"))
            .header("origin", k.origin())
            .send()
            .unwrap(),
    );
    assert_eq!(status, 202, "same origin: {body}");
    let (status, _) = answer(
        client()
            .post(k.url("/sync"))
            .header("x-carenco-client", "test")
            .send()
            .unwrap(),
    );
    assert_eq!(status, 202);
    let (status, body) = answer(
        client()
            .put(k.url("/image"))
            .header("origin", k.origin())
            .header("content-type", "application/json")
            .body(SAMPLE)
            .send()
            .unwrap(),
    );
    assert_eq!(status, 200, "{body}");
}

// ---------------------------------------------------------------------------------
// DNS rebinding

#[test]
fn a_rebound_host_name_reads_nothing() {
    let k = Kiosk::start("", &[]);
    assert_eq!(put_frame(&k, "").0, 200);
    for path in [
        "/scans",
        "/health-records",
        "/check",
        "/scanner/calibration",
        "/sync",
    ] {
        for host in [
            "attacker.example",
            "attacker.example:5000",
            "localhost.attacker.example",
        ] {
            let (status, body) = answer(
                client()
                    .get(k.url(path))
                    .header("host", host)
                    .send()
                    .unwrap(),
            );
            assert_eq!(status, 421, "{path} with Host {host}: {body}");
            assert_bilingual(&body);
        }
    }
    // Loopback names keep working.
    for host in [
        format!("localhost:{}", k.port),
        format!("127.0.0.1:{}", k.port),
    ] {
        let r = client()
            .get(k.url("/scans"))
            .header("host", &host)
            .send()
            .unwrap();
        assert_eq!(r.status(), 200, "{host}");
    }
    // A listed name too.
    let k = Kiosk::start("[api]\nallowed_hosts = [\"kiosk-7.lan\"]\n", &[]);
    let r = client()
        .get(k.url("/scans"))
        .header("host", "kiosk-7.lan:5000")
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
}

// ---------------------------------------------------------------------------------
// Image bomb

/// A PNG of `w` x `h` grey pixels, all white: a few KB that decode to w*h bytes.
fn blank_png(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().expect("png header");
        let mut stream = writer.stream_writer().expect("png stream");
        let row = vec![255u8; w as usize];
        for _ in 0..h {
            stream.write_all(&row).expect("png row");
        }
        stream.finish().expect("png end");
    }
    out
}

fn put_sheet(k: &Kiosk, bytes: Vec<u8>) -> (u16, Value, reqwest::header::HeaderMap) {
    let form = reqwest::blocking::multipart::Form::new().part(
        "file",
        reqwest::blocking::multipart::Part::bytes(bytes).file_name("sheet.png"),
    );
    let r = client()
        .put(k.url("/ocr"))
        .multipart(form)
        .send()
        .expect("PUT /ocr");
    let headers = r.headers().clone();
    let (status, body) = answer(r);
    (status, body, headers)
}

#[test]
fn a_picture_announcing_a_huge_page_is_refused_before_it_is_decoded() {
    let k = Kiosk::start("[ocr]\nengine = \"tesseract\"\n", &[]);
    for (w, h) in [(30_000u32, 700u32), (7_000, 7_000)] {
        let bomb = blank_png(w, h);
        assert!(bomb.len() < 200 * 1024, "{} bytes", bomb.len());
        let started = Instant::now();
        let (status, body, _) = put_sheet(&k, bomb);
        let took = started.elapsed();
        assert_eq!(status, 413, "{w} x {h}: {body}");
        assert_eq!(body["error"], "image_too_large", "{body}");
        assert_bilingual(&body);
        assert!(
            took < Duration::from_secs(2),
            "{w} x {h}: answered after {took:?}"
        );
    }
    // Nothing was stored, nothing is left running.
    assert!(k.sheet_pictures().is_empty());
    assert!(files_under(&k.data_dir.join("inbody")).is_empty());
}

// ---------------------------------------------------------------------------------
// Work limits

/// A Google Vision stand-in on loopback that takes `delay` per request and counts
/// how many it serves at once.
struct SlowVision {
    port: u16,
    most_at_once: Arc<AtomicUsize>,
    _server: std::thread::JoinHandle<()>,
}

fn slow_vision(delay: Duration, words: Value) -> SlowVision {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let now = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let most_at_once = most.clone();
    let server = std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (now, most, words) = (now.clone(), most.clone(), words.clone());
            std::thread::spawn(move || {
                serve_vision(stream, delay, &words, &now, &most);
            });
        }
    });
    SlowVision {
        port,
        most_at_once,
        _server: server,
    }
}

/// Counts the request as in progress from its arrival until its answer is about to
/// be sent (so a client that got its answer and sends the next is never counted with
/// it).
fn serve_vision(
    mut stream: TcpStream,
    delay: Duration,
    answer: &Value,
    now: &AtomicUsize,
    most: &AtomicUsize,
) {
    // Read the header, then the announced body.
    let mut buf = Vec::new();
    let mut chunk = [0u8; 65536];
    let body_start = loop {
        let Ok(n) = stream.read(&mut chunk) else {
            return;
        };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..body_start]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < body_start + length {
        let Ok(n) = stream.read(&mut chunk) else {
            return;
        };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let n = now.fetch_add(1, Ordering::SeqCst) + 1;
    most.fetch_max(n, Ordering::SeqCst);
    std::thread::sleep(delay);
    now.fetch_sub(1, Ordering::SeqCst);
    let body = answer.to_string();
    let _ = write!(
        stream,
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// Google's answer with these words, one block each (as tests/ocr.rs builds it).
fn vision_answer(words: &[carenco_edge::ocr::Word]) -> Value {
    let blocks: Vec<Value> = words
        .iter()
        .map(|w| {
            let b = &w.bbox;
            let v = |x: f32, y: f32| json!({"x": x.round() as i64, "y": y.round() as i64});
            let poly = json!({"vertices": [v(b.x, b.y), v(b.right(), b.y), v(b.right(), b.bottom()), v(b.x, b.bottom())]});
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

fn google_config(vision: &SlowVision, extra: &str) -> String {
    format!(
        "[ocr]\nengine = \"google\"\ngoogle_endpoint = \"http://127.0.0.1:{}\"\ngoogle_api_key = \"AIzaTest\"\ntimeout_ms = 20000\n{extra}",
        vision.port
    )
}

#[test]
fn ocr_jobs_and_large_renders_are_bounded_then_refused_with_retry_after() {
    let vision = slow_vision(Duration::from_millis(1_500), vision_answer(&[]));
    // The defaults: one OCR job at a time, two waiting.
    let k = Kiosk::start(&google_config(&vision, ""), &[]);
    let sheet = blank_png(200, 300);
    let results: Vec<(u16, Value, reqwest::header::HeaderMap)> = std::thread::scope(|s| {
        let jobs: Vec<_> = (0..5)
            .map(|_| s.spawn(|| put_sheet(&k, sheet.clone())))
            .collect();
        jobs.into_iter().map(|j| j.join().expect("job")).collect()
    });
    let busy: Vec<_> = results.iter().filter(|(s, _, _)| *s == 503).collect();
    assert!(
        busy.len() >= 2,
        "{:?}",
        results.iter().map(|r| r.0).collect::<Vec<_>>()
    );
    for (_, body, headers) in &busy {
        assert_eq!(body["error"], "busy", "{body}");
        assert_bilingual(body);
        assert!(
            headers.get("retry-after").is_some(),
            "no Retry-After: {body}"
        );
    }
    // The admitted ones were read (no sheet on a blank page: 422), one at a time.
    assert!(results.iter().any(|(s, _, _)| *s == 422));
    assert_eq!(vision.most_at_once.load(Ordering::SeqCst), 1);

    // Large pictures likewise.
    // The defaults: one large picture at a time, four waiting.
    let k = Kiosk::start("", &[]);
    let statuses: Vec<(u16, bool)> = std::thread::scope(|s| {
        let jobs: Vec<_> = (0..8)
            .map(|_| {
                s.spawn(|| {
                    let r = client()
                        .put(k.url("/image?size=2048"))
                        .header("content-type", "application/json")
                        .body(SAMPLE)
                        .send()
                        .expect("PUT /image");
                    let retry = r.headers().contains_key("retry-after");
                    (r.status().as_u16(), retry)
                })
            })
            .collect();
        jobs.into_iter().map(|j| j.join().expect("job")).collect()
    });
    assert!(statuses.iter().any(|(s, _)| *s == 200), "{statuses:?}");
    assert!(
        statuses.iter().any(|(s, r)| *s == 503 && *r),
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|(s, _)| *s == 200 || *s == 503),
        "{statuses:?}"
    );
}

// ---------------------------------------------------------------------------------
// validate = serve

fn validate(config: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.toml");
    std::fs::write(&path, config).unwrap();
    let out = Command::new(binary())
        .arg("validate")
        .arg("--config")
        .arg(&path)
        .output()
        .expect("validate");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn what_validate_accepts_serve_starts_with_and_what_it_refuses_serve_refuses() {
    // The example of config/default.toml, and what the kiosk's file:// pages send.
    for ok in [
        "[api]\ncors_origins = [\"null\"]\n",
        "[api]\ncors_origins = [\"http://localhost:8080\", \"null\", \"HTTPS://Kiosk.lan:443\"]\n",
    ] {
        assert!(validate(ok).0, "{ok}");
        let k = Kiosk::start(ok, &[]);
        // And the origins are in force.
        let r = client()
            .request(reqwest::Method::OPTIONS, k.url("/scans"))
            .header("origin", "null")
            .header("access-control-request-method", "GET")
            .send()
            .unwrap();
        assert_eq!(r.status(), 204);
        assert_eq!(r.headers()["access-control-allow-origin"], "null");
    }
    for bad in [
        "[api]\ncors_origins = [\"http://\"]\n",
        "[api]\ncors_origins = [\"http://a b\"]\n",
        "[api]\ncors_origins = [\"http://host/path\"]\n",
        "[api]\ncors_origins = [\"*\"]\n",
    ] {
        let (ok, stderr) = validate(bad);
        assert!(!ok, "validate accepted {bad}");
        assert!(stderr.contains("api.cors_origins"), "{stderr}");
        let dir = tempfile::tempdir().unwrap();
        let mut k = Kiosk::spawn(&dir.path().join("data"), bad, &[]);
        let status = wait_exit(&mut k.child, Duration::from_secs(10)).expect("serve did not stop");
        assert_eq!(
            status.code(),
            Some(1),
            "{bad}: serve must refuse, not crash"
        );
    }
}

fn wait_exit(child: &mut Child, within: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

// ---------------------------------------------------------------------------------
// Shutdown with a live viewer

#[test]
fn sigterm_ends_live_streams_and_exits_within_two_seconds_checkpointed() {
    let mut k = Kiosk::start("", &["--simulate"]);
    assert_eq!(put_frame(&k, "").0, 200);
    // Two viewers, each having received its first event.
    let mut viewers = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(("127.0.0.1", k.port)).unwrap();
        write!(
            s,
            "GET /scanner/live HTTP/1.1\r\nhost: 127.0.0.1\r\naccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        while !String::from_utf8_lossy(&got).contains("data:") {
            let n = s.read(&mut buf).expect("live event");
            assert!(n > 0, "stream closed early");
            got.extend_from_slice(&buf[..n]);
        }
        viewers.push(s);
    }
    let pid = k.child.id() as i32;
    let started = Instant::now();
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let status = wait_exit(&mut k.child, Duration::from_secs(5));
    let took = started.elapsed();
    let status = status.expect("still running 5 s after SIGTERM");
    assert!(status.success(), "{status}");
    assert!(
        took < Duration::from_secs(2),
        "exited {took:?} after SIGTERM"
    );
    // The WAL was checkpointed into the database and truncated.
    let wal = k.data_dir.join("carenco.db-wal");
    let wal_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert_eq!(wal_len, 0, "WAL not checkpointed");
    // The streams ended (not cut by a kill of the process group).
    for mut v in viewers {
        let mut rest = Vec::new();
        let _ = v.read_to_end(&mut rest);
    }
}

// ---------------------------------------------------------------------------------
// Hang-ups and crashes

#[test]
fn hung_up_requests_and_crashes_leave_no_picture_without_a_row() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // What a SIGKILL between a picture and its row leaves, and a cut-off write.
    for f in [
        "images/2026-11/0193a4b2-7c1e-7d2a-9f3e-2b1c4d5e6f70.png",
        "images/2026-11/0193a4b2-7c1e-7d2a-9f3e-2b1c4d5e6f71.png.tmp",
        "inbody/0193a4b2-7c1e-7d2a-9f3e-2b1c4d5e6f72.tmp",
        "inbody/0193a4b2-7c1e-7d2a-9f3e-2b1c4d5e6f73.jpg",
    ] {
        let p = data.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, vec![7u8; 10_000]).unwrap();
    }
    let k = Kiosk::start_in(&data, "", &[]);
    let left = files_under(&data.join("images"));
    assert!(left.is_empty(), "left over: {left:?}");
    assert!(files_under(&data.join("inbody")).is_empty());

    // Clients that send a large render and hang up at once.
    let body = SAMPLE.as_bytes();
    for _ in 0..8 {
        let mut s = TcpStream::connect(("127.0.0.1", k.port)).unwrap();
        write!(
            s,
            "PUT /image?size=2048 HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        )
        .unwrap();
        s.write_all(body).unwrap();
        std::thread::sleep(Duration::from_millis(30));
        drop(s);
    }
    // Every stored picture belongs to a row and every row has its picture, once the
    // work settled; nothing is written beside the database.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let pictures = k.pictures();
        let rows = scans(&k);
        let named: Vec<String> = rows
            .iter()
            .map(|r| r["scan_id"].as_str().unwrap_or("").to_string())
            .collect();
        let orphans: Vec<_> = pictures.iter().filter(|id| !named.contains(id)).collect();
        if orphans.is_empty() && pictures.len() == rows.len() {
            assert!(files_under(&data.join("images")).is_empty());
            break;
        }
        assert!(
            Instant::now() < deadline,
            "pictures without a row: {orphans:?} ({} rows)",
            rows.len()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

// ---------------------------------------------------------------------------------
// Full disk

/// A tmpfs of `size` mounted on a fresh directory; unmounted on drop.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Tmpfs {
        let dir = tempfile::tempdir().expect("mount point");
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .expect("run mount");
        assert!(
            out.status.success(),
            "cannot mount a tmpfs (this test needs root, as CI has): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Tmpfs { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Writes a file until the file system is full; its path.
fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).expect("filler");
    let block = vec![0xA5u8; 64 * 1024];
    loop {
        match f.write(&block) {
            Ok(0) => break,
            Ok(_) => {}
            Err(_) => break,
        }
    }
    let one = [0u8; 1];
    while f.write(&one).is_ok_and(|n| n == 1) {}
    path
}

#[test]
fn a_full_disk_is_a_507_leaves_nothing_half_written_and_heals_itself() {
    let fs = Tmpfs::mount("6m");
    let data = fs.path().join("data");
    let k = Kiosk::start_in(&data, "", &[]);
    assert_eq!(put_frame(&k, "").0, 200);
    let before = k.pictures();
    let filler = fill(fs.path());

    let (status, body) = put_frame(&k, "?size=1024");
    assert_eq!(status, 507, "{body}");
    assert_bilingual(&body);
    assert_eq!(k.pictures(), before, "a partial picture was left");
    let (status, check) = answer(client().get(k.url("/check")).send().unwrap());
    assert_eq!(status, 503, "{check:#}");
    assert_eq!(check["storage"]["ok"], false, "{check:#}");
    assert!(
        check["storage"]["last_failed_write"].is_object(),
        "{check:#}"
    );
    assert_eq!(scans(&k).len(), 1);

    // Room again: it works without a restart.
    std::fs::remove_file(&filler).unwrap();
    let (status, check) = answer(client().get(k.url("/check")).send().unwrap());
    assert_eq!(status, 200, "{check:#}");
    assert_eq!(check["storage"]["ok"], true, "{check:#}");
    let (status, body) = put_frame(&k, "?size=1024");
    assert_eq!(status, 200, "{body}");
    assert_eq!(scans(&k).len(), 2);
    let (_, check) = answer(client().get(k.url("/check")).send().unwrap());
    assert!(check["storage"]["last_failed_write"].is_null(), "{check:#}");
}

// ---------------------------------------------------------------------------------
// Metrics labels

#[test]
fn unauthenticated_paths_never_become_metric_labels() {
    let k = Kiosk::start(&format!("[api]\ntoken = \"{TOKEN}\"\n"), &[]);
    for i in 0..100 {
        let path = format!("/{i}{}", "x".repeat(2_000));
        let r = client().get(k.url(&path)).send().unwrap();
        assert_eq!(r.status(), 401);
    }
    let text = client()
        .get(k.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(!text.contains("xxxxxxxx"), "a path became a label");
    assert!(text.len() < 20_000, "/metrics is {} bytes", text.len());
    assert!(
        text.contains("route=\"other\",method=\"GET\",status=\"401\"} 100"),
        "{text}"
    );
}

// ---------------------------------------------------------------------------------
// Slow clients

#[test]
fn half_sent_requests_time_out_and_connections_are_capped() {
    let k = Kiosk::start("[api]\nheader_timeout_ms = 400\nmax_connections = 2\n", &[]);
    let half = || {
        let mut s = TcpStream::connect(("127.0.0.1", k.port)).unwrap();
        s.write_all(b"GET /health HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: ")
            .unwrap();
        s
    };
    // One sends half a header, the other nothing at all.
    let silent = TcpStream::connect(("127.0.0.1", k.port)).unwrap();
    let mut slow = vec![half(), silent];
    std::thread::sleep(Duration::from_millis(50));
    // Both slots are taken: a third client waits ...
    let mut third = TcpStream::connect(("127.0.0.1", k.port)).unwrap();
    third
        .write_all(b"GET /health HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n")
        .unwrap();
    third
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut buf = [0u8; 1024];
    assert!(
        third.read(&mut buf).is_err(),
        "answered past the connection cap"
    );
    // ... until the half-sent ones are dropped for their slowness.
    third
        .set_read_timeout(Some(Duration::from_secs(3)))
        .unwrap();
    let n = third.read(&mut buf).expect("answered once a slot is free");
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    for s in &mut slow {
        s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        let mut rest = Vec::new();
        // Closed by the server (a 408 or nothing), not left open.
        let closed = s.read_to_end(&mut rest);
        assert!(
            closed.is_ok(),
            "a half-sent request is still open: {closed:?}"
        );
    }
    assert!(
        unit().lines().any(|l| l.starts_with("LimitNOFILE=")),
        "the unit sets no LimitNOFILE"
    );
}

#[test]
fn a_body_that_stops_part_way_gets_408_and_stores_nothing() {
    let k = Kiosk::start("[api]\nbody_timeout_ms = 400\n", &[]);
    let before = scans(&k).len();
    let mut s = TcpStream::connect(("127.0.0.1", k.port)).unwrap();
    let started = Instant::now();
    // The header and the first part of the body, then nothing.
    s.write_all(
        b"PUT /image HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n\
          content-length: 5000\r\n\r\n{\"id\": \"stalled\", \"data\": \"",
    )
    .unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut answer_bytes = Vec::new();
    let _ = s.read_to_end(&mut answer_bytes);
    let waited = started.elapsed();
    let text = String::from_utf8_lossy(&answer_bytes);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("\"body_timeout\""), "{text}");
    assert!(text.contains("message_ko"), "{text}");
    assert!(
        waited >= Duration::from_millis(350) && waited < Duration::from_secs(4),
        "answered after {waited:?}"
    );
    // The same for a sheet sent as a form that stops inside its file part: the
    // multipart reader's failure is the stall, not a malformed form.
    let mut s = TcpStream::connect(("127.0.0.1", k.port)).unwrap();
    s.write_all(
        b"PUT /ocr HTTP/1.1\r\nhost: 127.0.0.1\r\n\
          content-type: multipart/form-data; boundary=XyZ\r\n\
          content-length: 5000\r\n\r\n--XyZ\r\n\
          content-disposition: form-data; name=\"file\"; filename=\"s.png\"\r\n\r\n\x89PNG",
    )
    .unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut answer_bytes = Vec::new();
    let _ = s.read_to_end(&mut answer_bytes);
    let text = String::from_utf8_lossy(&answer_bytes);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("\"body_timeout\""), "{text}");
    // A body that keeps coming, slowly but within the limit, is read to its end.
    let body = SAMPLE;
    let mut s = TcpStream::connect(("127.0.0.1", k.port)).unwrap();
    write!(
        s,
        "PUT /image HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    for part in body.as_bytes().chunks(body.len() / 4 + 1) {
        std::thread::sleep(Duration::from_millis(250));
        s.write_all(part).unwrap();
    }
    let mut answer_bytes = Vec::new();
    s.read_to_end(&mut answer_bytes).unwrap();
    let text = String::from_utf8_lossy(&answer_bytes);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    let after = scans(&k);
    assert_eq!(after.len(), before + 1, "{after:?}");
    assert!(
        !Value::Array(after).to_string().contains("stalled"),
        "the stalled request was stored"
    );
}

#[test]
fn refused_requests_are_answered_even_while_their_body_is_still_coming() {
    let k = Kiosk::start("", &[]);
    // A form post of another page: the header first, the body a moment later. The 4xx
    // must reach the client, not a connection reset.
    for _ in 0..20 {
        let mut s = TcpStream::connect(("127.0.0.1", k.port)).unwrap();
        s.write_all(
            b"POST /image HTTP/1.1\r\nhost: 127.0.0.1\r\n\
              content-type: application/x-www-form-urlencoded\r\n\
              content-length: 65536\r\nconnection: close\r\n\r\n",
        )
        .unwrap();
        // In pieces, as a browser sends a large form: a write after the server has
        // answered and closed fails with a reset.
        for _ in 0..16 {
            std::thread::sleep(Duration::from_millis(5));
            s.write_all(&[b'a'; 4096])
                .expect("the body is read, not reset");
        }
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut answer_bytes = Vec::new();
        s.read_to_end(&mut answer_bytes)
            .expect("the answer arrives");
        let text = String::from_utf8_lossy(&answer_bytes);
        assert!(text.starts_with("HTTP/1.1 415"), "{text}");
    }
}

// ---------------------------------------------------------------------------------
// The /ocr budget, again at the insert

/// A PNG of noise: `w` x `h` RGB that does not compress (its size is about 3*w*h).
fn noise_png(w: u32, h: u32, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let pixels: Vec<u8> = (0..w * h * 3)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().expect("png header");
        writer.write_image_data(&pixels).expect("png data");
    }
    out
}

#[test]
fn concurrent_sheets_cannot_overrun_the_storage_budget_together() {
    let generator =
        carenco_edge::ocr::sheetgen::Generator::new().expect("sheet generator (fonts-nanum)");
    let sheet = generator.sheet(carenco_edge::ocr::sheetgen::Layout::InBody370S, 3);
    let vision = slow_vision(Duration::from_millis(800), vision_answer(&sheet.words));
    // 1 MiB budget; each upload is ~0.6 MB: one fits, two do not.
    let k = Kiosk::start(
        &format!(
            "[storage]\nbudget_bytes = 1048576\n{}",
            google_config(&vision, "")
        ),
        &[],
    );
    let results: Vec<(u16, Value, reqwest::header::HeaderMap)> = std::thread::scope(|s| {
        let jobs: Vec<_> = (0..2)
            .map(|i| {
                let k = &k;
                s.spawn(move || put_sheet(k, noise_png(450, 450, 7 + i)))
            })
            .collect();
        jobs.into_iter().map(|j| j.join().expect("job")).collect()
    });
    let mut statuses: Vec<u16> = results.iter().map(|r| r.0).collect();
    statuses.sort();
    assert_eq!(
        statuses,
        vec![200, 507],
        "{:?}",
        results.iter().map(|r| &r.1).collect::<Vec<_>>()
    );
    let stored: u64 = k.sheet_pictures().iter().map(|(_, bytes)| bytes).sum();
    assert!(stored <= 1_048_576, "{stored} bytes stored");
}

// ---------------------------------------------------------------------------------
// The seccomp filter and the nice level agree

/// The system calls a unit's `SystemCallFilter=` lines let through, as systemd merges
/// them (the first line sets allow or deny; later ones add or remove), with the groups
/// expanded by `systemd-analyze syscall-filter`.
fn units_allowed_syscalls(unit: &str) -> std::collections::BTreeSet<String> {
    let expand = |name: &str| -> Vec<String> {
        if !name.starts_with('@') {
            return vec![name.to_string()];
        }
        let out = Command::new("systemd-analyze")
            .args(["syscall-filter", name])
            .output()
            .expect("systemd-analyze (apt-get install systemd)");
        assert!(
            out.status.success(),
            "systemd-analyze syscall-filter {name}"
        );
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let mut calls = Vec::new();
        for line in text.lines().skip(1) {
            let l = line.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            calls.push(l.to_string());
        }
        calls
    };
    let mut allowed: std::collections::BTreeSet<String> = Default::default();
    let mut first = true;
    for line in unit.lines() {
        let Some(value) = line.strip_prefix("SystemCallFilter=") else {
            continue;
        };
        let (deny, list) = match value.strip_prefix('~') {
            Some(rest) => (true, rest),
            None => (false, value),
        };
        assert!(!(first && deny), "the filter starts with a deny list");
        first = false;
        for name in list.split_whitespace() {
            // Group members may themselves be groups.
            let mut todo = vec![name.to_string()];
            while let Some(n) = todo.pop() {
                for call in expand(&n) {
                    if call.starts_with('@') {
                        todo.push(call);
                    } else if deny {
                        allowed.remove(&call);
                    } else {
                        allowed.insert(call);
                    }
                }
            }
        }
    }
    allowed
}

#[test]
fn the_units_syscall_filter_allows_the_setpriority_the_ocr_uses() {
    let allowed = units_allowed_syscalls(&unit());
    assert!(
        allowed.contains("read"),
        "the expansion failed: {allowed:?}"
    );
    let source =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/ocr/tesseract.rs"))
            .unwrap();
    if source.contains("setpriority") {
        assert!(
            allowed.contains("setpriority"),
            "tesseract.rs renices its children, the unit forbids setpriority"
        );
    }
}

/// The PP-OCR helper, run as the service runs it (the unit's `Environment=`, a home
/// of its own), under `strace -f`: every system call it and ONNX Runtime make passes
/// the unit's filter (a refused one returns EPERM, and ONNX Runtime's thread pool
/// would not start or would log errors), none maps or turns memory writable and
/// executable, which `MemoryDenyWriteExecute=yes` refuses, and it neither writes to
/// its home nor opens a network socket: ONNX Runtime's telemetry (a cache in
/// ~/.cache/Microsoft, uploads) stays off (`ORT_DISABLE_TELEMETRY=1` in the unit).
/// Built only with the helper (`--features ppocr`, as scripts/test-all builds); it
/// needs `strace`, the real sample, and the models and library of scripts/fetch-ppocr
/// (`PPOCR_MODELS`, `ORT_DYLIB_PATH`, which scripts/test-all exports).
#[test]
fn the_units_sandbox_lets_the_ppocr_helper_load_onnx_runtime() {
    let Some(helper) = option_env!("CARGO_BIN_EXE_carenco-ppocr") else {
        return; // built without the ppocr feature: no helper to check
    };
    let need = |var: &str| {
        std::env::var(var).unwrap_or_else(|_| {
            panic!("{var} unset: run scripts/fetch-ppocr (scripts/test-all exports it)")
        })
    };
    let (models, library) = (need("PPOCR_MODELS"), need("ORT_DYLIB_PATH"));
    let sample = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/fixtures/inbody/inbody370s_sample.png"
    );
    assert!(Path::new(sample).exists(), "{sample} must exist");
    let dir = tempfile::tempdir().expect("temp dir");
    let trace = dir.path().join("trace");
    let home = dir.path().join("home");
    std::fs::create_dir(&home).expect("mkdir home");
    let unit = unit();
    let mut cmd = Command::new("strace");
    cmd.args(["-f", "-qq", "-o"])
        .arg(&trace)
        .arg(helper)
        .args(["--models", &models, "--threads", "2", sample])
        .env("ORT_DYLIB_PATH", &library)
        .env("HOME", &home)
        .env_remove("ORT_DISABLE_TELEMETRY");
    for line in unit.lines() {
        if let Some((key, value)) = line
            .strip_prefix("Environment=")
            .and_then(|kv| kv.split_once('='))
        {
            cmd.env(key, value);
        }
    }
    let out = cmd.output().expect("strace (apt-get install strace)");
    assert!(
        out.status.success(),
        "the helper failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&trace).expect("strace output");
    let allowed = units_allowed_syscalls(&unit);
    let mut refused = std::collections::BTreeSet::new();
    for line in text.lines() {
        // "PID name(args) = result"; skip "+++ exited" and "--- SIG" lines.
        let call = line.split_whitespace().nth(1).unwrap_or("");
        let Some((name, _)) = call.split_once('(') else {
            continue;
        };
        // execve is the tracer starting the helper; the unit's ExecStart does that.
        if !allowed.contains(name) && name != "execve" {
            refused.insert(name.to_string());
        }
        let wx = line.contains("PROT_WRITE|PROT_EXEC")
            || (line.contains("mprotect(") && line.contains("PROT_EXEC"));
        assert!(!wx, "MemoryDenyWriteExecute refuses: {line}");
        let network = name == "socket" && (line.contains("AF_INET") || line.contains("AF_INET6"));
        assert!(!network, "the helper opens a network socket: {line}");
    }
    let written: Vec<_> = std::fs::read_dir(&home).expect("home").collect();
    assert!(
        written.is_empty(),
        "the helper wrote to its home (ONNX Runtime's telemetry cache?): {written:?}"
    );
    assert!(
        refused.is_empty(),
        "the unit's SystemCallFilter refuses what the helper calls: {refused:?}"
    );
}

// ---------------------------------------------------------------------------------
// The contract: no 5xx for a person who is not there, schemas that match

/// A pseudo-terminal mat that streams empty frames (nobody on it) until dropped.
struct EmptyMat {
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl EmptyMat {
    fn plug(link: &Path) -> EmptyMat {
        let link = link.to_path_buf();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let mut mat = common::Mat::plug(&link);
                let _ = ready_tx.send(());
                let frame = carenco_edge::scanner::Frame {
                    rows: 24,
                    cols: 24,
                    cells: vec![0; 576],
                    load_cell: Some(0),
                    seq: None,
                    device_ms: None,
                };
                let mut bytes = Vec::new();
                carenco_edge::scanner::codec::legacy::encode(&frame, &mut bytes).expect("encode");
                while !flag.load(Ordering::SeqCst) {
                    mat.send(&bytes).await;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            });
        });
        ready_rx.recv().expect("mat plugged");
        EmptyMat {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for EmptyMat {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Checks `value` against the JSON schema `schema` of the served document (the
/// subset utoipa writes: $ref, type (one or a list), properties, required, items,
/// enum, oneOf, allOf), returning the first mismatch.
fn conforms(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap_or("");
        return conforms(doc, &doc["components"]["schemas"][name], value, at);
    }
    if let Some(all) = schema["allOf"].as_array() {
        for s in all {
            conforms(doc, s, value, at)?;
        }
    }
    if let Some(one) = schema["oneOf"].as_array() {
        let n = one
            .iter()
            .filter(|s| conforms(doc, s, value, at).is_ok())
            .count();
        if n != 1 {
            return Err(format!(
                "{at}: {value} matches {n} of oneOf {}",
                Value::Array(one.clone())
            ));
        }
    }
    if let Some(any) = schema["anyOf"].as_array() {
        if !any.iter().any(|s| conforms(doc, s, value, at).is_ok()) {
            return Err(format!("{at}: {value} matches no anyOf"));
        }
    }
    if let Some(options) = schema["enum"].as_array() {
        if !options.contains(value) {
            return Err(format!(
                "{at}: {value} not in {}",
                Value::Array(options.clone())
            ));
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !types.is_empty() {
        let ok = types.iter().any(|t| match *t {
            "null" => value.is_null(),
            "boolean" => value.is_boolean(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            _ => false,
        });
        if !ok {
            return Err(format!("{at}: {value} is not {types:?}"));
        }
    }
    if let (Some(props), Some(obj)) = (schema["properties"].as_object(), value.as_object()) {
        for (name, s) in props {
            if let Some(v) = obj.get(name) {
                conforms(doc, s, v, &format!("{at}.{name}"))?;
            }
        }
        for name in schema["required"].as_array().into_iter().flatten() {
            let name = name.as_str().unwrap_or("");
            if !obj.contains_key(name) {
                return Err(format!("{at}: required {name} missing in {value}"));
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), value.as_array()) {
        for (i, v) in arr.iter().enumerate() {
            conforms(doc, items, v, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

#[test]
fn nobody_on_the_mat_is_a_409_and_every_answer_and_event_matches_the_document() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("footscanner");
    let _mat = EmptyMat::plug(&link);
    let config =
        "[scanner]\ncapture_timeout_ms = 800\nread_timeout_ms = 2000\nretry_max_ms = 100\n";
    let k = Kiosk::start(config, &["--scanner-port", link.to_str().unwrap()]);
    let doc: Value = client()
        .get(k.url("/api-doc/openapi.json"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    // Connected, frames arriving.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, check) = answer(client().get(k.url("/check")).send().unwrap());
        if check["scanner"]["connected"] == true
            && check["scanner"]["frames_decoded"].as_u64() > Some(2)
        {
            break;
        }
        assert!(Instant::now() < deadline, "{check:#}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (status, body) = answer(
        client()
            .post(k.url("/scanner/calibrate"))
            .header("content-type", "application/json")
            .body(r#"{"known_kg": 70}"#)
            .send()
            .unwrap(),
    );
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "nobody_on_mat");
    assert_bilingual(&body);
    let (status, body) = answer(
        client()
            .put(k.url("/image"))
            .header("content-type", "application/json")
            .body(r#"{"id": "u1"}"#)
            .send()
            .unwrap(),
    );
    assert_eq!(status, 409, "{body}");
    assert_bilingual(&body);

    // /image's answer with a string id and with an integer id.
    for id in [json!("u1"), json!(7)] {
        let mut request: Value = serde_json::from_str(SAMPLE).unwrap();
        request["id"] = id.clone();
        let (status, body) = answer(
            client()
                .put(k.url("/image"))
                .header("content-type", "application/json")
                .body(request.to_string())
                .send()
                .unwrap(),
        );
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["id"], id);
        let schema = &doc["paths"]["/image"]["put"]["responses"]["200"]["content"]
            ["application/json"]["schema"];
        conforms(&doc, schema, &body, "ImageResponse").unwrap();
    }

    // The first live events against LiveEvent.
    let mut s = TcpStream::connect(("127.0.0.1", k.port)).unwrap();
    write!(
        s,
        "GET /scanner/live?grid=1 HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n"
    )
    .unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut got = String::new();
    let mut buf = [0u8; 65536];
    while got.matches("data:").count() < 3 {
        let n = s.read(&mut buf).expect("live events");
        assert!(n > 0, "stream ended");
        got.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    let schema = &doc["components"]["schemas"]["LiveEvent"];
    assert!(schema.is_object(), "no LiveEvent schema");
    for line in got.lines().filter_map(|l| l.strip_prefix("data:")).take(3) {
        let Ok(event) = serde_json::from_str::<Value>(line.trim()) else {
            continue; // a chunk boundary inside the line
        };
        conforms(&doc, schema, &event, "LiveEvent").unwrap();
    }
}

// ---------------------------------------------------------------------------------
// Offline picture URLs

#[test]
fn the_picture_url_loads_on_the_kiosk_without_a_bucket() {
    let k = Kiosk::start("", &[]);
    let (status, body) = put_frame(&k, "");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["upload"], "queued");
    let url = body["url"].as_str().unwrap();
    assert_eq!(body["image_url"], body["url"]);
    assert!(url.starts_with(&format!("{}/scans/", k.origin())), "{url}");
    let picture = client().get(url).send().unwrap();
    assert_eq!(picture.status(), 200, "{url}");
    assert_eq!(picture.headers()["content-type"], "image/png");
    // The stored scan says the same.
    let listed = scans(&k);
    assert_eq!(listed[0]["url"].as_str(), Some(url), "{listed:?}");
    assert!(body["s3_key"]
        .as_str()
        .is_some_and(|key| key.ends_with(&format!(
            "footprints/1/{}.png",
            body["scan_id"].as_str().unwrap()
        ))));
}
