//! Black-box tests of `PUT /balance`: the real binary serving, fed by the real binary's
//! `simulate --pty` (a real pseudo-terminal) with a known centre-of-pressure sway; the
//! answer is checked against that sway, the stored row, the picture and the history.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use carenco_edge::footprint::balance::analyse_path;
use carenco_edge::scanner::simulator::{sway_at, SimOptions};
use common::{binary, free_port, ChildService};
use serde_json::{json, Value};

/// `carenco-edge simulate --pty ...`; killed on drop. `path` is the pty to open.
struct SimulatedMat {
    child: std::process::Child,
    path: String,
}

impl SimulatedMat {
    fn start(args: &[&str]) -> SimulatedMat {
        let mut child = Command::new(binary())
            .arg("simulate")
            .arg("--pty")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn carenco-edge simulate");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the simulator prints its pty");
        SimulatedMat {
            child,
            path: line.trim().to_string(),
        }
    }
}

impl Drop for SimulatedMat {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(90))
        .build()
        .expect("client")
}

fn within(measured: f64, truth: f64, pct: f64) -> bool {
    (measured - truth).abs() <= truth.abs() * pct / 100.0
}

#[test]
fn a_balance_test_on_the_simulated_mat_reads_the_sway_within_five_percent_and_is_stored() {
    // 8 mm of sway at 0.5 Hz (AP at 0.3 Hz): one whole Lissajous period is 10 s, so
    // any 10 s window has the same figures. The person stands for 120 s.
    let mat = SimulatedMat::start(&[
        "--sway-mm",
        "8",
        "--sway-hz",
        "0.5",
        "--stand-s",
        "120",
        "--rate",
        "10",
    ]);
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut service = ChildService::spawn_with_env(
        dir.path(),
        port,
        &["--scanner-port", &mat.path, "--scanner-format", "legacy"],
        &[("CARENCO_SCANNER_ENABLED", "true")],
    );
    service.wait_healthy(Duration::from_secs(20));

    let http = client();
    let response = http
        .put(service.url("/balance"))
        .json(&json!({"id": "77", "seconds": 10, "stance": "both", "eyes": "closed"}))
        .send()
        .expect("PUT /balance");
    let status = response.status().as_u16();
    let body: Value = response.json().expect("JSON answer");
    assert_eq!(status, 200, "{body}");

    // The truth: the simulator's own sway over one period, sampled finely.
    let opts = SimOptions {
        sway_mm: 8.0,
        sway_hz: 0.5,
        ..SimOptions::default()
    };
    let fine: Vec<[f32; 2]> = (0..=10_000)
        .map(|i| sway_at(&opts, i as f32 / 1000.0))
        .collect();
    let truth = analyse_path(&fine, 1000.0).unwrap();
    let get = |k: &str| body[k].as_f64().unwrap_or_else(|| panic!("{k} in {body}"));
    for (key, want) in [
        ("path_length_mm", truth.path_length_mm),
        ("mean_velocity_mm_s", truth.mean_velocity_mm_s),
        ("ellipse_area_mm2", truth.ellipse_area_mm2),
        ("ml_range_mm", truth.ml_range_mm),
        ("ap_range_mm", truth.ap_range_mm),
        ("ml_rms_mm", truth.ml_rms_mm),
        ("ap_rms_mm", truth.ap_rms_mm),
    ] {
        assert!(
            within(get(key), f64::from(want), 5.0),
            "{key}: measured {} truth {want}",
            get(key)
        );
    }
    assert!((get("fps") - 10.0).abs() < 1.0, "{body}");
    assert!(get("frames_used") >= 95.0, "{body}");
    assert_eq!(body["coarse"], true);
    let text = body["description"].as_str().unwrap();
    assert!(text.contains("대략적") && text.contains("coarse") && text.contains("eyes closed"));
    assert_eq!(body["source"], "capture");
    assert_eq!(body["eyes"], "closed");

    // Stored like a scan: in the history, with its trace picture.
    let test_id = body["test_id"].as_str().unwrap();
    let list: Value = http
        .get(service.url("/scans?id=77"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let row = &list["scans"][0];
    assert_eq!(row["scan_id"], test_id);
    assert_eq!(row["kind"], "balance");
    assert_eq!(row["metrics"]["kind"], "balance");
    assert!(
        (row["metrics"]["figures"]["path_length_mm"]
            .as_f64()
            .unwrap()
            - get("path_length_mm"))
        .abs()
            < 0.01
    );
    assert!(
        body["s3_key"].as_str().unwrap().contains("/balance/77/"),
        "{body}"
    );
    // Not uploaded (no bucket): the URL is this service's own, and it loads.
    assert!(
        row["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/scans/{test_id}/image")),
        "{row}"
    );
    let picture = http
        .get(service.url(body["local_url"].as_str().unwrap()))
        .send()
        .unwrap();
    assert_eq!(picture.status().as_u16(), 200);
    assert_eq!(
        picture.headers()["content-type"].to_str().unwrap(),
        "image/png"
    );
    assert!(picture.bytes().unwrap().starts_with(b"\x89PNG"));

    // A body that is not JSON-labelled is a 415 JSON error; bad seconds a 400.
    let r = http
        .put(service.url("/balance"))
        .header("content-type", "text/plain")
        .body(r#"{"id": 1, "seconds": 10}"#)
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);
    let e: Value = r.json().unwrap();
    assert!(e["message_ko"].as_str().is_some_and(|m| !m.is_empty()));
    let r = http
        .put(service.url("/balance"))
        .json(&json!({"id": 1, "seconds": 3}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    service.kill();
}

#[test]
fn a_balance_test_from_sent_frames_needs_no_mat() {
    use carenco_edge::scanner::simulator::Simulator;
    let opts = SimOptions {
        sway_mm: 6.0,
        sway_hz: 0.5,
        empty_s: 0.0,
        step_s: 0.0,
        stand_s: 100.0,
        rate_hz: 20.0,
        ..SimOptions::default()
    };
    let mut sim = Simulator::new(opts.clone());
    let frames: Vec<Value> = (0..=200)
        .map(|_| {
            let f = sim.next_frame();
            json!({"rows": f.rows, "cols": f.cols, "cells": f.cells})
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut service = ChildService::spawn(dir.path(), port, &[]);
    service.wait_healthy(Duration::from_secs(20));
    let http = client();
    let r = http
        .put(service.url("/balance"))
        .json(&json!({"id": 5, "frames": frames, "fps": 20, "stance": "left"}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body: Value = r.json().unwrap();
    let truth: Vec<[f32; 2]> = (0..=200).map(|i| sway_at(&opts, i as f32 / 20.0)).collect();
    let t = analyse_path(&truth, 20.0).unwrap();
    let path = body["path_length_mm"].as_f64().unwrap();
    assert!(within(path, f64::from(t.path_length_mm), 5.0), "{body}");
    assert_eq!(body["source"], "data");
    assert_eq!(body["frames_used"], 201);
    // Both feet loaded although the stance says left: noted, in both languages.
    let notes = body["notes"].as_array().unwrap();
    assert!(notes
        .iter()
        .any(|n| n.as_str().unwrap().contains("other foot")));
    service.kill();
}
