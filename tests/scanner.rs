//! Black-box tests of the mat: the real service reads a real pseudo-terminal behind a
//! symlink (as udev's `/dev/footscanner` would be), fed by the simulator.

mod common;

use std::path::Path;
use std::time::Duration;

use carenco_edge::footprint::calibration::Calibration;
use carenco_edge::scanner::capture::CaptureSettings;
use carenco_edge::scanner::simulator::{SimOptions, Simulator};
use carenco_edge::scanner::{CaptureError, Frame, ScannerHandle, WireFormat};
use carenco_edge::store::Store;
use common::{Mat, TestService};
use reqwest::Method;
use serde_json::{json, Value};

async fn start_on(link: &Path, format: WireFormat) -> TestService {
    let port = link.to_string_lossy().to_string();
    TestService::start_with(move |c| {
        c.scanner.enabled = true;
        c.scanner.port = port;
        c.scanner.format = format;
        c.scanner.retry_max_ms = 100;
    })
    .await
}

async fn scanner_check(service: &TestService) -> Value {
    service.get_json("/check").await["scanner"].clone()
}

/// Polls `/check` until `done(scanner)` holds; panics with the last answer after 20 s.
async fn wait_for(service: &TestService, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    common::poll_until(what, Duration::from_secs(20), || async {
        let scanner = scanner_check(service).await;
        if done(&scanner) {
            Ok(scanner)
        } else {
            Err(scanner.to_string())
        }
    })
    .await
}

fn simulator(format: WireFormat, garbage_pct: f32, seed: u64) -> Simulator {
    Simulator::new(SimOptions {
        format,
        garbage_pct,
        seed,
        ..SimOptions::default()
    })
}

async fn frames_with_garbage_show_exact_counts(format: WireFormat) {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("footscanner");
    let mut mat = Mat::plug(&link);
    let service = start_on(&link, format).await;
    wait_for(&service, "connected", |s| s["connected"] == true).await;

    let mut sim = simulator(format, 5.0, 42);
    let mut bytes = Vec::new();
    for _ in 0..60 {
        sim.next_bytes(&mut bytes).unwrap();
    }
    mat.send(&bytes).await;
    let sent = sim.stats();
    assert!(sent.garbage_bytes > 0, "the stream must contain garbage");

    let s = wait_for(&service, "60 frames", |s| s["frames_decoded"] == 60).await;
    assert_eq!(s["format"], format.as_str());
    assert_eq!(s["frames_rejected"], 0, "{s}");
    assert_eq!(s["garbage_bytes"], sent.garbage_bytes, "{s}");
    assert_eq!(s["sequence_gaps"], 0, "{s}");
    assert_eq!(s["ok"], true);
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_frames_with_5_percent_garbage_over_a_pty_are_counted_exactly_on_check() {
    frames_with_garbage_show_exact_counts(WireFormat::Legacy).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cfp1_frames_with_5_percent_garbage_over_a_pty_are_counted_exactly_on_check() {
    frames_with_garbage_show_exact_counts(WireFormat::Cfp1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_frames_with_5_percent_garbage_over_a_pty_are_counted_exactly_on_check() {
    frames_with_garbage_show_exact_counts(WireFormat::Csv).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cfp1_frames_with_bit_flips_are_rejected_and_the_rest_decoded() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("footscanner");
    let mut mat = Mat::plug(&link);
    let service = start_on(&link, WireFormat::Cfp1).await;
    wait_for(&service, "connected", |s| s["connected"] == true).await;
    let mut sim = Simulator::new(SimOptions {
        format: WireFormat::Cfp1,
        bitflip_pct: 20.0,
        seed: 5,
        ..SimOptions::default()
    });
    let mut bytes = Vec::new();
    for _ in 0..50 {
        sim.next_bytes(&mut bytes).unwrap();
    }
    // One more clean frame, so that a damaged last frame is not left waiting.
    let mut clean = simulator(WireFormat::Cfp1, 0.0, 9);
    clean.next_bytes(&mut bytes).unwrap();
    mat.send(&bytes).await;
    let intact = sim.stats().frames_intact + 1;
    assert!(intact < 51);
    let s = wait_for(&service, "intact frames", |s| s["frames_decoded"] == intact).await;
    assert!(s["frames_rejected"].as_u64().unwrap() >= 1, "{s}");
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unplugging_and_replugging_the_mat_is_survived_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("footscanner");
    let mut mat = Mat::plug(&link);
    let service = start_on(&link, WireFormat::Legacy).await;
    wait_for(&service, "connected", |s| s["connected"] == true).await;

    let mut sim = simulator(WireFormat::Legacy, 0.0, 1);
    let mut bytes = Vec::new();
    for _ in 0..10 {
        sim.next_bytes(&mut bytes).unwrap();
    }
    mat.send(&bytes).await;
    wait_for(&service, "10 frames", |s| s["frames_decoded"] == 10).await;

    // Unplug: both ends of the pty go away; the service must notice and say so.
    drop(mat);
    let s = wait_for(&service, "disconnected", |s| s["connected"] == false).await;
    assert_eq!(s["ok"], false);
    assert_eq!(s["disconnects"], 1);
    // The API keeps answering while the mat is away.
    let health = reqwest::get(service.url("/health")).await.unwrap();
    assert_eq!(health.status(), 200);

    // Replug: a new pty under the same name.
    let mut mat = Mat::plug(&link);
    wait_for(&service, "reconnected", |s| s["connected"] == true).await;
    bytes.clear();
    for _ in 0..10 {
        sim.next_bytes(&mut bytes).unwrap();
    }
    mat.send(&bytes).await;
    let s = wait_for(&service, "20 frames", |s| s["frames_decoded"] == 20).await;
    assert_eq!(s["frames_rejected"], 0);
    assert_eq!(s["disconnects"], 1);
    service.stop().await;
}

/// Writes the simulator's scenario to the pty in real time until dropped.
fn stream_scenario(mut mat: Mat, opts: SimOptions) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let period = Duration::from_secs_f32(1.0 / opts.rate_hz);
        let mut sim = Simulator::new(opts);
        let mut tick = tokio::time::interval(period);
        let mut bytes = Vec::new();
        loop {
            tick.tick().await;
            bytes.clear();
            sim.next_bytes(&mut bytes).unwrap();
            mat.send(&bytes).await;
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tare_and_known_weight_calibration_through_the_api_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("footscanner");
    let mat = Mat::plug(&link);
    let service = start_on(&link, WireFormat::Legacy).await;
    wait_for(&service, "connected", |s| s["connected"] == true).await;
    // 4 s of empty mat (the tare), then someone of 80 kg steps on and stays.
    let writer = stream_scenario(
        mat,
        SimOptions {
            rate_hz: 20.0,
            weight_kg: 80.0,
            empty_s: 4.0,
            step_s: 0.5,
            stand_s: 1000.0,
            ..SimOptions::default()
        },
    );
    let (status, tared) = service
        .send_json(Method::POST, "/scanner/tare", &Value::Null)
        .await;
    assert_eq!(status, 200);
    assert_eq!(tared["source"], "tare");
    assert_eq!(tared["zero"].as_array().unwrap().len(), 576);

    let (status, calibrated) = service
        .send_json(
            Method::POST,
            "/scanner/calibrate",
            &json!({"known_kg": 80.0}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(calibrated["source"], "known_weight");
    assert_eq!(calibrated["known_kg"], 80.0);
    // The tare's zero map stays; the load cell now goes through both readings.
    assert_eq!(calibrated["zero"], tared["zero"]);
    let slope = calibrated["load_cell"]["kg_per_count"].as_f64().unwrap();
    assert!((slope + 0.231).abs() < 0.01, "slope {slope}");

    let (status, bad) = service
        .send_json(Method::POST, "/scanner/calibrate", &json!({"known_kg": -3}))
        .await;
    assert_eq!(status, 400);
    assert!(bad["message_ko"].as_str().is_some_and(|m| !m.is_empty()));

    writer.abort();
    let data = service.stop().await;
    let path = data.path().to_path_buf();
    let service = TestService::start_with(move |c| c.storage.data_dir = path).await;
    let after = service.get_json("/scanner/calibration").await;
    assert_eq!(
        after, calibrated,
        "the newest calibration is in force after a restart"
    );
    service.stop().await;
    drop(data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_calibration_exported_from_one_kiosk_imports_into_another_and_garbage_is_refused() {
    let a = TestService::start().await;
    let client = reqwest::Client::new();
    let mut exported = a.get_json("/scanner/calibration").await;
    assert_eq!(exported["source"], "factory");
    exported["gain_n_per_count"] = 0.02.into();
    let (status, _) = a.put_json("/scanner/calibration", &exported).await;
    assert_eq!(status, 200);
    let now = a.get_json("/scanner/calibration").await;
    assert_eq!(now["source"], "import");
    assert_eq!(now["gain_n_per_count"], 0.02);

    for body in ["{", "{\"version\": 9}", "[]"] {
        let r = client
            .put(a.url("/scanner/calibration"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{body}");
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["error"], "invalid_calibration");
    }
    // With the scanner disabled, the steps that need the mat say so in Korean too.
    let (status, e) = a
        .send_json(Method::POST, "/scanner/tare", &Value::Null)
        .await;
    assert_eq!(status, 503);
    assert_eq!(e["error"], "scanner_disabled");
    assert!(e["message_ko"].as_str().is_some_and(|m| !m.is_empty()));
    a.stop().await;
}

/// Runs `carenco-edge calibrate ARGS`: (exit code, stdout, stderr).
async fn calibrate_cli(args: &[&str]) -> (Option<i32>, String, String) {
    let out = tokio::process::Command::new(common::binary())
        .arg("calibrate")
        .args(args)
        .env_remove("CARENCO_API_TOKEN")
        .output()
        .await
        .expect("run carenco-edge calibrate");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_calibrate_command_moves_a_calibration_between_kiosks_and_reports_refusals() {
    const TOKEN: &str = "kiosk-b-token-0123456789";
    let a = TestService::start().await;
    let b =
        TestService::start_with(|c| c.api.token = carenco_edge::config::Secret::new(TOKEN)).await;
    let (code, out, err) = calibrate_cli(&["export", "--url", &a.url("")]).await;
    assert_eq!(code, Some(0), "{err}");
    let mut exported: Value = serde_json::from_str(&out).expect("export prints JSON");
    assert_eq!(exported["source"], "factory");
    exported["gain_n_per_count"] = 0.03.into();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("calibration.json");
    std::fs::write(&file, exported.to_string()).unwrap();
    let file = file.to_str().unwrap();

    // Kiosk b wants its token: refused without it, taken with it.
    let (code, _, err) = calibrate_cli(&["import", file, "--url", &b.url("")]).await;
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("answered 401"), "{err}");
    let (code, out, err) =
        calibrate_cli(&["import", file, "--url", &b.url(""), "--token", TOKEN]).await;
    assert_eq!(code, Some(0), "{err}");
    let imported: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(imported["source"], "import");
    assert_eq!(imported["gain_n_per_count"], 0.03);

    // Garbage is the service's 400, shown with its reason; nothing changes.
    std::fs::write(dir.path().join("bad.json"), "{\"version\": 9}").unwrap();
    let bad = dir.path().join("bad.json");
    let args = [
        "import",
        bad.to_str().unwrap(),
        "--url",
        &b.url(""),
        "--token",
        TOKEN,
    ];
    let (code, _, err) = calibrate_cli(&args).await;
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("answered 400") && err.contains("invalid_calibration"),
        "{err}"
    );
    let (code, out, _) = calibrate_cli(&["export", "--url", &b.url(""), "--token", TOKEN]).await;
    assert_eq!(code, Some(0));
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap(), imported);

    // The bodiless tare POST passes the browser guard (its client header) and reaches
    // the scanner, which is off here: 503, not the guard's 403.
    let (code, _, err) = calibrate_cli(&["tare", "--url", &a.url("")]).await;
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("answered 503") && err.contains("scanner_disabled"),
        "{err}"
    );
    // A service that is not there is said to be unreachable, not a panic.
    let gone = a.url("");
    a.stop().await;
    let (code, _, err) = calibrate_cli(&["export", "--url", &gone]).await;
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("HTTP:"), "{err}");
    b.stop().await;
}

fn handle(dir: &Path, timeout_ms: u64) -> ScannerHandle {
    let store = Store::open(dir).unwrap();
    ScannerHandle::new(
        WireFormat::Legacy,
        "test",
        16.9,
        CaptureSettings {
            presence_n: 50.0,
            stable_window_ms: 300,
            stable_tolerance: 0.02,
            timeout_ms,
        },
        Calibration::factory(WireFormat::Legacy, 24, 24),
        store,
    )
}

/// Publishes the simulator's frames on `handle` in real time.
fn feed(handle: ScannerHandle, opts: SimOptions) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs_f32(1.0 / opts.rate_hz));
        let mut sim = Simulator::new(opts);
        loop {
            tick.tick().await;
            let frame: Frame = sim.next_frame();
            handle.publish(frame);
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_captures_share_one_capture_and_get_the_same_frame() {
    let dir = tempfile::tempdir().unwrap();
    let scanner = handle(dir.path(), 10_000);
    scanner.set_connected(true);
    let feeder = feed(
        scanner.clone(),
        SimOptions {
            rate_hz: 20.0,
            empty_s: 0.5,
            step_s: 0.3,
            stand_s: 100.0,
            ..SimOptions::default()
        },
    );
    let a = scanner.clone();
    let b = scanner.clone();
    let first = tokio::spawn(async move { a.capture().await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let second = tokio::spawn(async move { b.capture().await });
    let (first, second) = (first.await.unwrap(), second.await.unwrap());
    let first = first.expect("capture");
    assert_eq!(
        Ok(first.clone()),
        second,
        "both callers got the one capture"
    );
    assert!(first.frames_averaged >= 2);
    let kg = first.grid.load_cell_kg.unwrap();
    assert!((kg - 70.0).abs() < 1.0, "{kg}");
    // The next capture is a new one.
    let third = scanner.capture().await.expect("capture");
    assert_ne!(third.elapsed_ms, 0);
    feeder.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_capture_on_an_empty_mat_times_out_as_nobody_on_the_mat() {
    let dir = tempfile::tempdir().unwrap();
    let scanner = handle(dir.path(), 600);
    scanner.set_connected(true);
    let feeder = feed(
        scanner.clone(),
        SimOptions {
            empty_s: 100.0,
            ..SimOptions::default()
        },
    );
    let err = scanner.capture().await.unwrap_err();
    assert!(matches!(err, CaptureError::NobodyOnMat { .. }), "{err}");
    feeder.abort();
    scanner.set_connected(false);
    assert_eq!(scanner.capture().await, Err(CaptureError::NotConnected));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulate_command_streams_onto_a_pty_that_the_service_reads() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("footscanner");
    // The service starts first, on a mat that is not plugged in yet.
    let service = start_on(&link, WireFormat::Csv).await;
    let s = scanner_check(&service).await;
    assert_eq!(s["connected"], false);

    let mut child = std::process::Command::new(common::binary())
        .args(["simulate", "--format", "csv", "--pty", "--frames", "30"])
        .args(["--rate", "20", "--weight-kg", "60", "--arch-left", "flat"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn simulate");
    let mut path = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut path)
        .expect("the pty path on stdout");
    let path = path.trim().to_string();
    assert!(path.starts_with("/dev/pts/"), "{path}");
    std::os::unix::fs::symlink(&path, &link).unwrap();

    let s = wait_for(&service, "30 frames", |s| s["frames_decoded"] == 30).await;
    assert_eq!(s["frames_rejected"], 0, "{s}");
    let status = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(status.status.success());
    let report = String::from_utf8_lossy(&status.stderr);
    assert!(report.contains("sent 30 frames (30 intact)"), "{report}");
    service.stop().await;
}
