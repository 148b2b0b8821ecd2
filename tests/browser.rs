//! The technician page (issue 8): how it is served, and what it does in a real
//! browser (Debian's headless Chromium through chromedriver and WebDriver) against the
//! real service.

mod common;
mod webdriver;

use std::time::Duration;

use carenco_edge::config::Secret;
use common::TestService;
use serde_json::{json, Value};
use webdriver::{eventually, Browser};

const TOKEN: &str = "technician-test-token-0123";

/// GETs `url` and parses the answer as JSON, whatever its status.
async fn get_json(url: &str) -> Value {
    reqwest::get(url)
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: not JSON: {e}"))
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Waits until the status tab shows `/check`'s database component as ok.
async fn wait_for_database_ok(b: &Browser, what: &str) {
    eventually(what, Duration::from_secs(20), || async {
        let class = b
            .eval(
                "const e = document.querySelector('[data-component=database]'); return e ? e.className : null;",
                vec![],
            )
            .await;
        (class.as_str() == Some("component ok")).then_some(())
    })
    .await;
}

#[tokio::test]
async fn the_root_and_the_bare_path_redirect_to_the_page() {
    let s = TestService::start().await;
    for path in ["/", "/technician"] {
        let r = no_redirects().get(s.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 302, "{path}");
        assert_eq!(r.headers()["location"], "/technician/", "{path}");
    }
}

#[tokio::test]
async fn the_page_is_served_from_the_binary_without_the_token_but_the_api_is_not() {
    let s = TestService::start_with(|c| c.api.token = Secret::new(TOKEN)).await;
    for (path, kind) in [
        ("/technician/", "text/html"),
        ("/technician/app.js", "text/javascript"),
        ("/technician/style.css", "text/css"),
    ] {
        let r = reqwest::get(s.url(path)).await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let headers = r.headers().clone();
        assert!(
            headers["content-type"].to_str().unwrap().starts_with(kind),
            "{path}"
        );
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'self'"), "{csp}");
        assert_eq!(headers["vary"], "accept-encoding", "{path}");
        // A client that does not ask for gzip gets the file as it is.
        assert!(headers.get("content-encoding").is_none(), "{path}");
        let plain = r.bytes().await.unwrap();
        assert!(
            std::str::from_utf8(&plain).is_ok_and(|t| !t.is_empty()),
            "{path}"
        );
        // Browsers ask for gzip and get the embedded gzip as it is; it inflates to the same.
        let gz = reqwest::Client::new()
            .get(s.url(path))
            .header("accept-encoding", "gzip, deflate, br")
            .send()
            .await
            .unwrap();
        assert_eq!(gz.status(), 200, "{path}");
        assert_eq!(gz.headers()["content-encoding"], "gzip", "{path}");
        assert_eq!(gz.headers()["vary"], "accept-encoding", "{path}");
        assert_eq!(gz.headers()["content-type"], headers["content-type"]);
        assert_eq!(
            gz.headers()["content-security-policy"],
            headers["content-security-policy"]
        );
        let gz = gz.bytes().await.unwrap();
        assert!(
            gz.len() < plain.len(),
            "{path}: {} vs {}",
            gz.len(),
            plain.len()
        );
        let mut inflated = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut inflated)
            .unwrap();
        assert_eq!(inflated, plain, "{path}");
    }
    let r = reqwest::get(s.url("/check")).await.unwrap();
    assert_eq!(r.status(), 401, "the API still needs the token");
    let r = reqwest::get(s.url("/technician/secrets.js")).await.unwrap();
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_chromium_the_page_shows_the_components_of_check_and_switches_to_korean() {
    let s = TestService::start().await;
    let b = Browser::start().await;
    b.client.goto(&s.url("/")).await.expect("open /");
    let url = b.client.current_url().await.expect("url");
    assert_eq!(url.path(), "/technician/", "/ redirects to the page");

    b.tab("status").await;
    wait_for_database_ok(&b, "the database component shown as ok").await;
    assert_eq!(b.text("check-status").await, "ok");
    // No bucket configured: the queue panel says everything stays local.
    let mode = eventually("the sync panel filled", Duration::from_secs(20), || async {
        let text = b.text("sync-mode").await;
        (text != "–").then_some(text)
    })
    .await;
    assert!(!mode.is_empty());

    // Without a mat the live view says so instead of pretending.
    let state = b.attr("live-state", "data-state").await.unwrap_or_default();
    assert_ne!(
        state, "live",
        "no scanner, yet the live view claims to be live"
    );

    b.click("#lang-switch").await;
    assert_eq!(b.text("lang-switch").await, "English");
    assert_eq!(
        b.eval("return document.documentElement.lang;", vec![])
            .await,
        json!("ko")
    );
    assert_eq!(
        b.eval(
            "return document.querySelector('[data-tab=status]').textContent;",
            vec![]
        )
        .await,
        json!("동기화·상태")
    );
    b.click("#lang-switch").await;
    assert_eq!(b.text("lang-switch").await, "한국어");
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_token_set_the_page_asks_for_it_once_and_then_uses_it() {
    let s = TestService::start_with(|c| c.api.token = Secret::new(TOKEN)).await;
    let b = Browser::start().await;
    b.client.goto(&s.url("/technician/")).await.expect("open");
    let dialog_open = || async {
        b.eval(
            "return document.getElementById('token-dialog').open;",
            vec![],
        )
        .await
            == json!(true)
    };
    eventually("the token dialog", Duration::from_secs(20), || async {
        dialog_open().await.then_some(())
    })
    .await;

    b.type_into("#token-input", "not-the-token").await;
    b.click("#token-submit").await;
    eventually(
        "the wrong token refused",
        Duration::from_secs(20),
        || async {
            let shown = b
                .eval(
                    "return !document.getElementById('token-error').hidden;",
                    vec![],
                )
                .await;
            (dialog_open().await && shown == json!(true)).then_some(())
        },
    )
    .await;

    b.type_into("#token-input", TOKEN).await;
    b.click("#token-submit").await;
    b.tab("status").await;
    wait_for_database_ok(&b, "the database component after signing in").await;
    assert!(!dialog_open().await);

    // Kept for the tab: a reload does not ask again.
    b.client.refresh().await.expect("reload");
    b.tab("status").await;
    wait_for_database_ok(&b, "the components after a reload").await;
    assert!(
        !dialog_open().await,
        "asked for the token again after a reload"
    );
    b.close().await;
}

/// Credentials for the child's standard AWS chain, so that an upload fails where it
/// meets the network (nothing listens), not while looking for credentials; instance
/// metadata off, so the chain never waits for a cloud that is not there.
const AWS_ENV: &[(&str, &str)] = &[
    ("AWS_ACCESS_KEY_ID", "CARENCOBROWSERKEY"),
    ("AWS_SECRET_ACCESS_KEY", "carenco-browser-secret-0123456789"),
    ("AWS_EC2_METADATA_DISABLED", "true"),
];

/// The bucket `simulated_service` uploads to.
const BUCKET: &str = "kiosk-test";

/// The real binary on its built-in simulated mat (`serve --simulate`: empty 2 s, steps
/// on 1 s, stands 5 s weighing 70 kg, steps off 1 s, again), with uploads aimed at a
/// loopback port where nothing listens, so that whatever it stores stays queued.
fn simulated_service(dir: &std::path::Path) -> common::ChildService {
    let closed_port = common::free_port();
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[s3]\nbucket = \"{BUCKET}\"\nregion = \"us-east-1\"\n\
             endpoint = \"http://127.0.0.1:{closed_port}\"\nforce_path_style = true\n\
             upload_wait_ms = 200\n"
        ),
    )
    .expect("write config");
    let data = dir.join("data");
    let mut service = common::ChildService::spawn_with_env(
        &data,
        common::free_port(),
        &[
            "--config",
            config.to_str().expect("utf-8 path"),
            "--simulate",
        ],
        AWS_ENV,
    );
    service.wait_healthy(Duration::from_secs(30));
    service
}

/// [`simulated_service`] started off the async workers (its readiness wait is
/// blocking HTTP).
async fn start_simulated_service(dir: &std::path::Path) -> common::ChildService {
    let path = dir.to_path_buf();
    tokio::task::spawn_blocking(move || simulated_service(&path))
        .await
        .expect("start the service")
}

/// Waits until the live view is connected to the mat's stream.
async fn wait_for_live(b: &Browser) {
    eventually(
        "the live stream connected",
        Duration::from_secs(30),
        || async {
            (b.attr("live-state", "data-state").await.as_deref() == Some("live")).then_some(())
        },
    )
    .await;
}

/// The weight the live view shows now, if it shows one.
async fn live_weight(b: &Browser) -> Option<f64> {
    b.text("live-weight").await.trim().parse().ok()
}

async fn wait_for_weight(b: &Browser, what: &str, accept: impl Fn(f64) -> bool) -> f64 {
    eventually(what, Duration::from_secs(40), || async {
        live_weight(b).await.filter(|&w| accept(w))
    })
    .await
}

/// Waits for the start of an empty-mat phase: someone on the mat, then nobody.
async fn wait_for_empty_mat(b: &Browser) {
    wait_for_weight(b, "someone on the mat", |w| w > 50.0).await;
    wait_for_weight(b, "the mat empty again", |w| w.abs() < 1.0).await;
}

async fn has_class(b: &Browser, id: &str, class: &str) -> bool {
    b.eval(
        "return document.getElementById(arguments[0]).classList.contains(arguments[1]);",
        vec![json!(id), json!(class)],
    )
    .await
        == json!(true)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_the_simulated_mat_the_live_view_moves_and_the_wizard_calibrates() {
    let dir = tempfile::tempdir().unwrap();
    let service = start_simulated_service(dir.path()).await;
    let b = Browser::start().await;
    b.client.goto(&service.url("/")).await.expect("open /");

    wait_for_live(&b).await;
    // The simulated person steps on, stands (swaying) and steps off: the weight shown
    // changes, reaches the standing weight and goes back to about zero.
    let mut seen = std::collections::BTreeSet::new();
    let mut painted = false;
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_secs(40) {
        if let Some(w) = live_weight(&b).await {
            seen.insert((w * 10.0).round() as i64);
            if w > 60.0 && !painted {
                // The canvas shows the feet in colour (not all white) ...
                let coloured = b
                    .eval(
                        "const c = document.getElementById('live-canvas');\
                         const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;\
                         let n = 0; for (let i = 0; i < d.length; i += 4) \
                           if (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200) n++;\
                         return n;",
                        vec![],
                    )
                    .await;
                painted = coloured.as_u64().unwrap_or(0) > 100;
                if painted {
                    // ... and that is the moment for README's screenshot.
                    let png = b.client.screenshot().await.expect("screenshot");
                    let path =
                        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("technician.png");
                    std::fs::write(&path, png).expect("write screenshot");
                    eprintln!("screenshot: {}", path.display());
                }
            }
        }
        let (low, high) = (seen.first().copied(), seen.last().copied());
        if painted && seen.len() >= 5 && low < Some(10) && high > Some(600) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    assert!(painted, "the canvas never showed the feet");
    assert!(
        seen.len() >= 5,
        "the weight hardly changed: {seen:?} (0.1 kg)"
    );
    assert!(
        seen.last().copied() > Some(600),
        "never near 70 kg: {seen:?}"
    );
    assert!(
        seen.first().copied() < Some(10),
        "never near 0 kg: {seen:?}"
    );
    let fps: f64 = b.text("live-fps").await.parse().expect("frames/s shown");
    assert!(fps > 2.0, "{fps} frames/s");

    // The wizard: tare on the empty mat ...
    b.tab("calibration").await;
    wait_for_empty_mat(&b).await;
    b.click("#tare-btn").await;
    eventually("the tare step done", Duration::from_secs(30), || async {
        has_class(&b, "step-tare", "done").await.then_some(())
    })
    .await;
    assert!(
        has_class(&b, "tare-result", "ok").await,
        "{}",
        b.text("tare-result").await
    );
    // ... calibrate with the person of known weight ...
    b.type_into("#known-kg", "70").await;
    b.click("#calibrate-btn").await;
    eventually(
        "the known-weight step done",
        Duration::from_secs(40),
        || async { has_class(&b, "step-known", "done").await.then_some(()) },
    )
    .await;
    let text = b.text("calibrate-result").await;
    assert!(has_class(&b, "calibrate-result", "ok").await, "{text}");
    assert!(text.contains("known_weight"), "{text}");
    // ... and a check weighing of the same person reads back 70 kg.
    wait_for_empty_mat(&b).await;
    wait_for_weight(&b, "the person standing again", |w| w > 65.0).await;
    b.click("#check-btn").await;
    let residual: f64 = eventually("the check weighing", Duration::from_secs(20), || async {
        b.attr("check-result", "data-residual-kg")
            .await
            .and_then(|r| r.parse().ok())
    })
    .await;
    assert!(
        residual.abs() < 2.0,
        "residual {residual} kg: {}",
        b.text("check-result").await
    );

    // Export shows (and downloads) the calibration in force.
    b.click("#export-btn").await;
    let exported = eventually(
        "the exported calibration",
        Duration::from_secs(20),
        || async {
            let text = b.text("calibration-json").await;
            (!text.is_empty()).then_some(text)
        },
    )
    .await;
    let exported: Value = serde_json::from_str(&exported).expect("calibration JSON");
    assert_eq!(exported["source"], "known_weight");
    assert_eq!(exported["known_kg"], 70.0);
    b.close().await;
}

/// Waits until the result line `id` says the work is done (class `ok`); fails at once
/// with its text when it says the work failed (class `bad`).
async fn wait_for_result(b: &Browser, id: &str, what: &str, timeout: Duration) {
    eventually(what, timeout, || async {
        if has_class(b, id, "bad").await {
            panic!("{what} failed: {}", b.text(id).await);
        }
        has_class(b, id, "ok").await.then_some(())
    })
    .await;
}

/// The text of the capture panel's metrics row `key` (e.g. `weight_kg`).
async fn capture_metric(b: &Browser, key: &str) -> String {
    b.eval(
        "const td = document.querySelector(`#capture-metrics tr[data-metric=${arguments[0]}] td`);\
         return td ? td.textContent : null;",
        vec![json!(key)],
    )
    .await
    .as_str()
    .unwrap_or_else(|| panic!("no metrics row {key}"))
    .to_string()
}

/// The width of a PNG, from its IHDR chunk.
fn png_width(png: &[u8]) -> u32 {
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    u32::from_be_bytes(png[16..20].try_into().expect("4 bytes"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_the_simulated_mat_a_capture_shows_its_picture_and_its_weight() {
    let dir = tempfile::tempdir().unwrap();
    let service = start_simulated_service(dir.path()).await;
    let b = Browser::start().await;
    b.client
        .goto(&service.url("/technician/"))
        .await
        .expect("open");
    // As a technician would: first see that the mat is live.
    wait_for_live(&b).await;
    b.tab("capture").await;
    b.type_into("#capture-id", "browser-capture").await;
    // Pressed at whatever moment: the service waits for the next still stance itself
    // (the simulated person is back within 9 s, inside the 15 s capture timeout).
    b.click("#capture-btn").await;
    wait_for_result(&b, "capture-state", "the capture", Duration::from_secs(40)).await;

    // The picture shown is the stored scan's, loaded from its local URL.
    let scan_id = b
        .attr("capture-img", "data-scan-id")
        .await
        .filter(|id| !id.is_empty())
        .expect("the capture names its scan");
    let local_url = format!("/scans/{scan_id}/image");
    assert_eq!(
        b.attr("capture-img", "data-source").await.as_deref(),
        Some(local_url.as_str())
    );
    let shown_width = eventually("the picture loaded", Duration::from_secs(20), || async {
        b.eval(
            "const i = document.getElementById('capture-img');\
             return !i.hidden && i.complete ? i.naturalWidth : 0;",
            vec![],
        )
        .await
        .as_u64()
        .filter(|&w| w > 0)
    })
    .await;
    let stored = reqwest::get(service.url(&local_url)).await.unwrap();
    assert_eq!(stored.status(), 200);
    let stored = stored.bytes().await.unwrap();
    assert_eq!(shown_width, u64::from(png_width(&stored)));

    // The metrics: the weight of the simulated person (70 kg, factory calibration),
    // as stored, and the upload still queued (nothing listens at the bucket).
    let shown_kg: f64 = capture_metric(&b, "weight_kg")
        .await
        .parse()
        .expect("the weight is a number");
    assert!((60.0..80.0).contains(&shown_kg), "{shown_kg} kg");
    let scan = get_json(&service.url(&format!("/scans/{scan_id}"))).await;
    let stored_kg = scan["weight_kg"].as_f64().expect("stored weight");
    assert!(
        (shown_kg - stored_kg).abs() < 0.051,
        "{shown_kg} vs {stored_kg}"
    );
    assert_eq!(scan["user_id"], "browser-capture");
    assert_eq!(capture_metric(&b, "upload").await, "queued");
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_bucket_unreachable_the_queue_panel_shows_the_pending_upload() {
    let dir = tempfile::tempdir().unwrap();
    let service = start_simulated_service(dir.path()).await;
    // A capture through the API, as the kiosk's own app makes it, once the simulated
    // mat is connected (a capture before that is refused with scanner_not_connected).
    let client = reqwest::Client::new();
    eventually("the mat connected", Duration::from_secs(30), || async {
        let check: Value = client
            .get(service.url("/check"))
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        (check["scanner"]["ok"] == true).then_some(())
    })
    .await;
    let answer = client
        .put(service.url("/image"))
        .json(&json!({"id": "browser-queue"}))
        .send()
        .await
        .unwrap();
    let status = answer.status();
    let answer: Value = answer.json().await.unwrap();
    assert_eq!(status, 200, "the capture: {answer}");
    assert_eq!(answer["upload"], "queued");

    let b = Browser::start().await;
    b.client
        .goto(&service.url("/technician/#status"))
        .await
        .expect("open");
    let pending_and_error = || async {
        let pending: u64 = b.text("sync-pending").await.parse().ok()?;
        let error = b.text("sync-last-error").await;
        (pending >= 1 && error != "–" && !error.is_empty()).then_some((pending, error))
    };
    let (pending, error) = eventually(
        "pending uploads and the last error shown",
        Duration::from_secs(30),
        pending_and_error,
    )
    .await;
    // The picture and the record of the scan.
    assert!(pending >= 2, "{pending} pending");
    assert!(has_class(&b, "sync-last-error", "bad").await, "{error}");
    assert!(b.text("sync-mode").await.contains(BUCKET));

    // "Sync now" tries at once; the bucket is still unreachable, so the panel goes on
    // showing the queue and the error instead of breaking.
    b.click("#sync-now").await;
    wait_for_result(&b, "sync-result", "sync now", Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_secs(4)).await; // one more periodic refresh
    let (after, _) = eventually(
        "the queue still shown after sync now",
        Duration::from_secs(20),
        pending_and_error,
    )
    .await;
    assert!(
        after >= pending,
        "{after} pending after sync now, {pending} before"
    );
    let status = get_json(&service.url("/sync")).await;
    assert_eq!(status["pending"].as_u64(), Some(after));
    assert!(
        status["failed_attempts_total"].as_u64() >= Some(2),
        "{status}"
    );
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ocr_panel_reads_an_uploaded_sheet_and_history_lists_the_record() {
    // A generated InBody570-like sheet, read by the real tesseract behind PUT /ocr.
    let generator = carenco_edge::ocr::sheetgen::Generator::new()
        .expect("the Korean font (Debian fonts-nanum, installed by scripts/test-all)");
    let sheet = generator.sheet(carenco_edge::ocr::sheetgen::Layout::InBody570, 21);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sheet.png");
    std::fs::write(&file, sheet.png().expect("png")).unwrap();

    let s = TestService::start().await;
    let b = Browser::start().await;
    b.client.goto(&s.url("/technician/")).await.expect("open");
    b.tab("ocr").await;
    b.client
        .find(fantoccini::Locator::Id("ocr-file"))
        .await
        .expect("file input")
        .send_keys(file.to_str().expect("utf-8 path"))
        .await
        .expect("choose the file");
    b.type_into("#ocr-id", "browser-ocr").await;
    b.click("#ocr-btn").await;
    eventually("the OCR report", Duration::from_secs(120), || async {
        has_class(&b, "ocr-state", "ok").await.then_some(())
    })
    .await;
    let fields = b.text("ocr-fields").await;
    assert!(fields.contains("weight_kg"), "{fields}");
    assert!(!b.text("ocr-missing").await.is_empty());

    b.tab("history").await;
    b.type_into("#history-id", "browser-ocr").await;
    b.click("#history-form button[type=submit]").await;
    eventually(
        "the health record in the history",
        Duration::from_secs(20),
        || async {
            b.text("history-records")
                .await
                .contains("record_id")
                .then_some(())
        },
    )
    .await;
    b.close().await;
}

/// Issue 2: `/swagger-ui/` renders the API document in a browser, from the binary
/// alone (the kiosk is offline): every path of `/api-doc/openapi.json` shows up as an
/// operation block.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_chromium_the_swagger_ui_renders_every_path_of_the_api_document() {
    let s = TestService::start().await;
    let doc = get_json(&s.url("/api-doc/openapi.json")).await;
    let mut expected: Vec<String> = doc["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .cloned()
        .collect();
    expected.sort();
    assert!(expected.iter().any(|p| p == "/image"), "{expected:?}");

    let b = Browser::start().await;
    b.client
        .goto(&s.url("/swagger-ui/"))
        .await
        .expect("open /swagger-ui/");
    let shown = eventually(
        "the Swagger UI lists the operations",
        Duration::from_secs(30),
        || async {
            let paths = b
                .eval(
                    "return Array.from(document.querySelectorAll('.opblock-summary-path'))
                        .map(e => e.getAttribute('data-path') || e.textContent.trim());",
                    vec![],
                )
                .await;
            let mut paths: Vec<String> = paths
                .as_array()?
                .iter()
                .filter_map(|p| p.as_str().map(|s| s.replace('\u{200b}', "")))
                .collect();
            paths.sort();
            paths.dedup();
            (paths.len() >= expected.len()).then_some(paths)
        },
    )
    .await;
    assert_eq!(shown, expected, "every documented path is rendered");
    let title = b
        .eval(
            "const t = document.querySelector('.info .title'); return t ? t.textContent : null;",
            vec![],
        )
        .await;
    assert!(
        title.as_str().unwrap_or_default().contains("carenco-edge"),
        "{title}"
    );
    b.close().await;
}
