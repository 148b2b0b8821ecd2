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

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
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
        assert!(!r.text().await.unwrap().is_empty());
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
    eventually("the database component shown as ok", Duration::from_secs(20), || async {
        let class = b
            .eval(
                "const e = document.querySelector('[data-component=database]'); return e ? e.className : null;",
                vec![],
            )
            .await;
        (class.as_str() == Some("component ok")).then_some(())
    })
    .await;
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
    eventually(
        "the database component after signing in",
        Duration::from_secs(20),
        || async {
            let found = b
                .eval(
                    "return !!document.querySelector('[data-component=database].ok');",
                    vec![],
                )
                .await;
            (found == json!(true)).then_some(())
        },
    )
    .await;
    assert!(!dialog_open().await);

    // Kept for the tab: a reload does not ask again.
    b.client.refresh().await.expect("reload");
    b.tab("status").await;
    eventually(
        "the components after a reload",
        Duration::from_secs(20),
        || async {
            let found = b
                .eval(
                    "return !!document.querySelector('[data-component=database].ok');",
                    vec![],
                )
                .await;
            (found == json!(true)).then_some(())
        },
    )
    .await;
    assert!(
        !dialog_open().await,
        "asked for the token again after a reload"
    );
    b.close().await;
}

/// The real binary on its built-in simulated mat (`serve --simulate`: empty 2 s, steps
/// on 1 s, stands 5 s weighing 70 kg, steps off 1 s, again), with uploads aimed at a
/// loopback port where nothing listens, so that whatever it stores stays queued.
fn simulated_service(dir: &std::path::Path) -> common::ChildService {
    let closed_port = common::free_port();
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[s3]\nbucket = \"kiosk-test\"\nregion = \"us-east-1\"\n\
             endpoint = \"http://127.0.0.1:{closed_port}\"\nforce_path_style = true\n\
             upload_wait_ms = 200\n"
        ),
    )
    .expect("write config");
    let data = dir.join("data");
    let mut service = common::ChildService::spawn(
        &data,
        common::free_port(),
        &[
            "--config",
            config.to_str().expect("utf-8 path"),
            "--simulate",
        ],
    );
    service.wait_healthy(Duration::from_secs(30));
    service
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
    let path = dir.path().to_path_buf();
    // Its readiness wait is blocking HTTP: off the async workers.
    let service = tokio::task::spawn_blocking(move || simulated_service(&path))
        .await
        .expect("start the service");
    let b = Browser::start().await;
    b.client.goto(&service.url("/")).await.expect("open /");

    eventually(
        "the live stream connected",
        Duration::from_secs(30),
        || async {
            (b.attr("live-state", "data-state").await.as_deref() == Some("live")).then_some(())
        },
    )
    .await;
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
    let doc: Value = reqwest::get(s.url("/api-doc/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
