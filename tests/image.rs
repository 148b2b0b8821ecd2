//! Black-box tests of `PUT/POST /image` and the scans API against the real service
//! (in-process on 127.0.0.1:0 with a temp data dir, and the real binary for crash
//! safety).

mod common;

use carenco_edge::scanner::simulator::SimOptions;
use common::TestService;
use serde_json::{json, Value};

const SAMPLE: &str = include_str!("fixtures/frames/legacy_sample_data.json");

/// Every request labelled JSON (the API refuses other bodies), unless it says
/// otherwise.
fn client() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::CONTENT_TYPE,
        reqwest::header::HeaderValue::from_static("application/json"),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("client")
}

#[tokio::test]
async fn put_and_post_with_the_legacy_fixture_store_a_scan_with_the_load_cell_weight() {
    let service = TestService::start().await;
    for method in [reqwest::Method::PUT, reqwest::Method::POST] {
        let r = client()
            .request(method.clone(), service.url("/image"))
            .header("content-type", "application/json")
            .body(SAMPLE)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{method}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["id"], "1");
        let weight = body["weight"].as_f64().unwrap();
        assert!((weight - 58.5).abs() < 0.05, "{weight}");
        assert_eq!(body["metrics"]["weight_source"], "load_cell");
        assert_eq!(body["url"], body["image_url"]);
        assert!(body["s3_key"].as_str().unwrap().ends_with(&format!(
            "footprints/1/{}.png",
            body["scan_id"].as_str().unwrap()
        )));
        // No bucket configured: the uploads wait in the outbox (API.md has only
        // "uploaded" and "queued").
        assert_eq!(body["upload"], "queued");
        for side in ["left", "right"] {
            let foot = &body["metrics"][side];
            for key in [
                "arch_index",
                "arch_type",
                "arch_type_ko",
                "force_pct",
                "contact_area_cm2",
                "peak_kpa",
                "cop_mm",
                "forefoot_pct",
                "rearfoot_pct",
            ] {
                assert!(!foot[key].is_null(), "{side}.{key} in {foot}");
            }
        }
        for key in [
            "cop_mm",
            "left_pct",
            "right_pct",
            "forefoot_pct",
            "rearfoot_pct",
        ] {
            assert!(!body["metrics"][key].is_null(), "{key}");
        }
        assert!(["high", "normal", "flat", "mixed"].contains(&body["type"].as_str().unwrap()));
        assert!(!body["description"].as_str().unwrap().is_empty());

        // The local picture is served and is the PNG that was stored.
        let local = body["local_url"].as_str().unwrap();
        let picture = client().get(service.url(local)).send().await.unwrap();
        assert_eq!(picture.status(), 200);
        assert_eq!(picture.headers()["content-type"], "image/png");
        let bytes = picture.bytes().await.unwrap();
        assert_eq!(&bytes[..4], b"\x89PNG");

        // The scan row is there with the same metrics.
        let scan: Value = service
            .get_json(&format!("/scans/{}", body["scan_id"].as_str().unwrap()))
            .await;
        assert_eq!(scan["metrics"], body["metrics"]);
        assert_eq!(scan["user_id"], "1");
        assert_eq!(scan["wire_format"], "legacy");
    }
    // Both scans and their four outbox items are committed.
    let dir = service.stop().await;
    let db = rusqlite::Connection::open(dir.path().join("carenco.db")).unwrap();
    let scans: i64 = db
        .query_row("SELECT count(*) FROM scans", [], |r| r.get(0))
        .unwrap();
    let outbox: i64 = db
        .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
        .unwrap();
    assert_eq!((scans, outbox), (2, 4));
}

#[tokio::test]
async fn a_matrix_and_a_grid_object_of_another_mat_size_are_accepted() {
    let service = TestService::start().await;
    // A 32 x 20 mat with two blobs (numeric id, as the kiosk backend sends).
    let mut m = vec![vec![0u16; 20]; 32];
    for (r, row) in m.iter_mut().enumerate() {
        for (c, v) in row.iter_mut().enumerate() {
            if (4..28).contains(&r) && ((3..7).contains(&c) || (13..17).contains(&c)) {
                *v = 600;
            }
        }
    }
    let (status, body) = service
        .put_json("/image", &json!({"id": 42, "data": m, "pitch_mm": 10}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], 42);
    assert_eq!(body["metrics"]["weight_source"], "pressure");
    assert_eq!(body["metrics"]["feet"], 2);
    let cells: Vec<u16> = m.concat();
    let (status, grid) = service
        .put_json(
            "/image",
            &json!({"id": "42", "data": {"rows": 32, "cols": 20, "cells": cells}, "pitch_mm": 10}),
        )
        .await;
    assert_eq!(status, 200, "{grid}");
    assert_eq!(grid["metrics"], body["metrics"]);

    // Both are listed for the user, newest first, and pages link with `before`.
    let list: Value = service.get_json("/scans?id=42&limit=1").await;
    assert_eq!(list["scans"][0]["scan_id"], grid["scan_id"]);
    let next = list["next_before"].as_str().unwrap();
    let page2: Value = service
        .get_json(&format!("/scans?id=42&limit=5&before={next}"))
        .await;
    assert_eq!(page2["scans"][0]["scan_id"], body["scan_id"]);
    assert!(page2["next_before"].is_null());
}

/// The service on its built-in simulated mat (`scanner.simulate`, as `serve
/// --simulate`: the legacy wire format through the real codec and transport; a 70 kg
/// person with normal arches steps on after 2 s, stands 5 s, steps off, again).
/// `PUT /image` without `data` waits for the stable stance and stores that capture.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_put_without_data_captures_the_simulated_person_and_weighs_them_within_1_percent() {
    let simulated_kg = SimOptions::default().weight_kg;
    let service = TestService::start_with(|c| {
        c.scanner.enabled = true;
        c.scanner.simulate = true;
    })
    .await;
    // The simulated port opens just after start: until then a capture is a 503.
    let body = common::poll_until(
        "a capture on the simulated mat",
        std::time::Duration::from_secs(30),
        || async {
            match service.put_json("/image", &json!({"id": "sim-7"})).await {
                (200, body) => Ok(body),
                (503, body) if body["error"] == "scanner_not_connected" => Err(body.to_string()),
                (status, body) => panic!("{status}: {body}"),
            }
        },
    )
    .await;
    let weight = body["weight"].as_f64().unwrap();
    eprintln!("live capture: {weight} kg for a simulated {simulated_kg} kg");
    assert!(
        (weight - f64::from(simulated_kg)).abs() <= 0.01 * f64::from(simulated_kg),
        "captured {weight} kg, the simulated person weighs {simulated_kg} kg"
    );
    assert_eq!(body["metrics"]["weight_source"], "load_cell");
    assert_eq!(body["metrics"]["feet"], 2, "{body}");
    let (left, right) = (
        body["metrics"]["left_pct"].as_f64().unwrap(),
        body["metrics"]["right_pct"].as_f64().unwrap(),
    );
    assert!(
        (left - 50.0).abs() < 5.0 && (right - 50.0).abs() < 5.0,
        "{left}/{right}"
    );

    // Stored as a capture, with the wire format it came in, and its picture served.
    let scan: Value = service
        .get_json(&format!("/scans/{}", body["scan_id"].as_str().unwrap()))
        .await;
    assert_eq!(scan["source"], "capture", "{scan}");
    assert_eq!(scan["wire_format"], "legacy");
    assert_eq!(scan["user_id"], "sim-7");
    let picture = client()
        .get(service.url(body["local_url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(picture.status(), 200);
    assert_eq!(&picture.bytes().await.unwrap()[..4], b"\x89PNG");
}

#[tokio::test]
async fn twenty_kinds_of_bad_input_are_4xx_json_never_5xx() {
    let service = TestService::start_with(|c| c.api.max_frame_body_bytes = 64 * 1024).await;
    let sample: Value = serde_json::from_str(SAMPLE).unwrap();
    let hex = sample["data"].as_str().unwrap().to_string();
    let truncated: Value = serde_json::from_str(include_str!(
        "fixtures/frames/legacy_sample_data_truncated.json"
    ))
    .unwrap();
    // Each case is a different mistake; the labels are checked to be distinct.
    let json_cases: Vec<(&str, Value, &str)> = vec![
        ("no id", json!({"data": hex}), "missing_id"),
        ("null id", json!({"id": null, "data": hex}), "missing_id"),
        (
            "id with a path",
            json!({"id": "../../etc/passwd", "data": hex}),
            "invalid_id",
        ),
        ("negative id", json!({"id": -5, "data": hex}), "invalid_id"),
        (
            "id of 65 characters",
            json!({"id": "a".repeat(65), "data": hex}),
            "invalid_id",
        ),
        ("empty id", json!({"id": "", "data": hex}), "invalid_id"),
        (
            "fractional id",
            json!({"id": 1.5, "data": hex}),
            "invalid_id",
        ),
        ("boolean id", json!({"id": true, "data": hex}), "invalid_id"),
        (
            "id with a space and Hangul",
            json!({"id": "홍 길동", "data": hex}),
            "invalid_id",
        ),
        (
            "not hex",
            json!({"id": 1, "data": "nothex!"}),
            "invalid_data",
        ),
        (
            "the 1159-byte legacy frame",
            json!({"id": 1, "data": truncated["data"]}),
            "invalid_data",
        ),
        (
            "half a frame",
            json!({"id": 1, "data": &hex[..hex.len() / 2]}),
            "invalid_data",
        ),
        ("empty matrix", json!({"id": 1, "data": []}), "invalid_data"),
        (
            "ragged matrix",
            json!({"id": 1, "data": [[1, 2], [3]]}),
            "invalid_data",
        ),
        (
            "a row that is no array",
            json!({"id": 1, "data": [1, 2]}),
            "invalid_data",
        ),
        (
            "text in a cell",
            json!({"id": 1, "data": [["a"]]}),
            "invalid_data",
        ),
        (
            "count over u16",
            json!({"id": 1, "data": [[65536]]}),
            "invalid_data",
        ),
        (
            "negative count",
            json!({"id": 1, "data": [[3, -1]]}),
            "invalid_data",
        ),
        (
            "fractional count",
            json!({"id": 1, "data": [[2.5]]}),
            "invalid_data",
        ),
        (
            "too few cells",
            json!({"id": 1, "data": {"rows": 2, "cols": 2, "cells": [1, 2, 3]}}),
            "invalid_data",
        ),
        (
            "257 rows",
            json!({"id": 1, "data": {"rows": 257, "cols": 1, "cells": [0]}}),
            "invalid_data",
        ),
        (
            "rows as text",
            json!({"id": 1, "data": {"rows": "2", "cols": 1, "cells": [0, 0]}}),
            "invalid_data",
        ),
        (
            "data a number",
            json!({"id": 1, "data": 12}),
            "invalid_data",
        ),
        (
            "negative pitch",
            json!({"id": 1, "data": [[1]], "pitch_mm": -3}),
            "invalid_pitch",
        ),
        (
            "pitch as text",
            json!({"id": 1, "data": [[1]], "pitch_mm": "16.9"}),
            "invalid_pitch",
        ),
        ("an array body", json!([1, 2, 3]), "invalid_json"),
    ];
    let mut kinds = std::collections::BTreeSet::new();
    for (kind, body, code) in &json_cases {
        let (status, answer) = service.put_json("/image", body).await;
        assert_eq!(status, 400, "{kind}: {body} -> {answer}");
        assert_eq!(answer["error"], *code, "{kind}: {body}");
        assert!(answer["message_ko"].is_string(), "{kind}");
        assert!(kinds.insert(*kind), "{kind} twice");
    }
    // Raw bodies and queries: not JSON, too large, not a JSON content type, not UTF-8,
    // empty, and bad picture options.
    let raw: Vec<(&str, reqwest::RequestBuilder, u16)> = vec![
        (
            "truncated JSON",
            client()
                .put(service.url("/image"))
                .body("{\"id\": 1, \"data\": "),
            400,
        ),
        (
            "a body over the limit",
            client()
                .post(service.url("/image"))
                .body(vec![b' '; 70 * 1024]),
            413,
        ),
        (
            "a picture content type",
            client()
                .put(service.url("/image"))
                .header("content-type", "image/png")
                .body(SAMPLE),
            415,
        ),
        (
            "bytes that are not UTF-8",
            client()
                .put(service.url("/image"))
                .body(vec![0xFFu8, 0xFE, 0x00]),
            400,
        ),
        ("an empty body", client().put(service.url("/image")), 400),
        (
            "an unknown picture format",
            client().put(service.url("/image?format=gif")).body(SAMPLE),
            400,
        ),
        (
            "a picture size out of range",
            client().put(service.url("/image?size=10")).body(SAMPLE),
            400,
        ),
        (
            "an unknown background",
            client()
                .put(service.url("/image?background=pink"))
                .body(SAMPLE),
            400,
        ),
        (
            "overlays not a boolean",
            client()
                .put(service.url("/image?overlays=maybe"))
                .body(SAMPLE),
            400,
        ),
    ];
    for (kind, request, expected) in raw {
        let r = request.send().await.unwrap();
        assert_eq!(r.status().as_u16(), expected, "{kind}");
        let answer: Value = r.json().await.expect("JSON error body");
        assert!(answer["error"].is_string(), "{kind}: {answer}");
        assert!(answer["message_ko"].is_string(), "{kind}: {answer}");
        assert!(kinds.insert(kind), "{kind} twice");
    }
    assert!(kinds.len() >= 20, "only {} kinds: {kinds:?}", kinds.len());

    // Not bad input, but no frame either: without data and without a scanner the
    // answer is the documented 503 (API.md), not a hang or a 500.
    let (status, answer) = service.put_json("/image", &json!({"id": 1})).await;
    assert_eq!(status, 503, "{answer}");
    assert_eq!(answer["error"], "scanner_not_connected");

    // Scans API: bad ids are 400, unknown ones 404.
    for (path, expected) in [
        ("/scans/not-a-uuid", 400),
        ("/scans/0193a4b2-7c1e-7d2a-9f3e-2b1c4d5e6f70", 404),
        ("/scans/0193a4b2-7c1e-7d2a-9f3e-2b1c4d5e6f70/image", 404),
        ("/scans?id=../x", 400),
        ("/scans?limit=0", 400),
        ("/scans?before=zz", 400),
    ] {
        let r = client().get(service.url(path)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), expected, "{path}");
    }
    // Nothing was stored by any of it.
    let list: Value = service.get_json("/scans").await;
    assert_eq!(list["scans"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn the_storage_budget_refuses_new_scans_with_507_and_keeps_the_old_ones() {
    // The smallest budget the config allows (1 MiB) fills up after a few 1024 px
    // pictures.
    let service = TestService::start_with(|c| c.storage.budget_bytes = 1024 * 1024).await;
    let mut statuses = Vec::new();
    while statuses.last() != Some(&507) && statuses.len() < 200 {
        let r = client()
            .put(service.url("/image?size=1024"))
            .body(SAMPLE)
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
        if r.status() == 507 {
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["error"], "storage_full");
        }
    }
    assert_eq!(statuses[0], 200, "{statuses:?}");
    assert_eq!(*statuses.last().unwrap(), 507, "{statuses:?}");
    let list: Value = service.get_json("/scans").await;
    let stored = statuses.iter().filter(|s| **s == 200).count();
    assert_eq!(list["scans"].as_array().unwrap().len(), stored);
}

#[tokio::test]
async fn picture_options_in_the_query_change_format_and_size() {
    let service = TestService::start().await;
    let r = client()
        .put(service.url("/image?format=jpeg&colormap=jet&size=256&overlays=false"))
        .body(SAMPLE)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert!(body["s3_key"].as_str().unwrap().ends_with(".jpg"));
    let picture = client()
        .get(service.url(body["local_url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(picture.headers()["content-type"], "image/jpeg");
    let img = image::load_from_memory(&picture.bytes().await.unwrap()).unwrap();
    assert_eq!((img.width(), img.height()), (256, 256));
}

#[tokio::test]
async fn concurrent_requests_are_all_stored() {
    let service = TestService::start().await;
    let mut tasks = Vec::new();
    for i in 0..24 {
        let url = service.url("/image");
        let body = SAMPLE.replace("\"id\" : \"1\"", &format!("\"id\" : \"u{i}\""));
        tasks.push(tokio::spawn(async move {
            let r = reqwest::Client::new()
                .put(url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            r.status().as_u16()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    let list: Value = service.get_json("/scans?limit=100").await;
    assert_eq!(list["scans"].as_array().unwrap().len(), 24);
}

#[test]
fn sigkill_during_image_requests_loses_no_answered_scan_and_keeps_the_database_sound() {
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    let data = tempfile::tempdir().unwrap();
    let answered: Arc<Mutex<Vec<String>>> = Arc::default();
    for round in 0..4 {
        let port = common::free_port();
        let mut child = common::ChildService::spawn(data.path(), port, &[]);
        child.wait_healthy(Duration::from_secs(20));
        let url = child.url("/image");
        let stop_at = Instant::now() + Duration::from_millis(1500 + 500 * round);
        let workers: Vec<_> = (0..4)
            .map(|w| {
                let (url, answered) = (url.clone(), answered.clone());
                std::thread::spawn(move || {
                    let client = reqwest::blocking::Client::new();
                    for i in 0.. {
                        let body = SAMPLE
                            .replace("\"id\" : \"1\"", &format!("\"id\" : \"r{round}w{w}n{i}\""));
                        match client
                            .put(&url)
                            .header("content-type", "application/json")
                            .body(body)
                            .send()
                        {
                            Ok(r) if r.status() == 200 => {
                                let v: Value = match r.json() {
                                    Ok(v) => v,
                                    Err(_) => break, // killed while answering
                                };
                                let id = v["scan_id"].as_str().unwrap_or_default().to_string();
                                answered.lock().unwrap().push(id);
                            }
                            Ok(r) => panic!("unexpected status {}", r.status()),
                            Err(_) => break, // the service is gone
                        }
                    }
                })
            })
            .collect();
        while Instant::now() < stop_at {
            std::thread::sleep(Duration::from_millis(10));
        }
        child.kill(); // SIGKILL, with requests in flight
        for w in workers {
            w.join().unwrap();
        }
    }
    let answered = answered.lock().unwrap().clone();
    assert!(
        answered.len() >= 4,
        "too few answers to prove anything: {}",
        answered.len()
    );

    let db = rusqlite::Connection::open(data.path().join("carenco.db")).unwrap();
    let check: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    for scan_id in &answered {
        let (bytes, outbox): (i64, i64) = db
            .query_row(
                "SELECT image_bytes,
                        (SELECT count(*) FROM outbox WHERE ref_id = scans.scan_id)
                 FROM scans WHERE scan_id = ?1",
                [scan_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap_or_else(|e| panic!("answered scan {scan_id} is missing: {e}"));
        let picture: Vec<u8> = db
            .query_row(
                "SELECT picture FROM scan_pictures WHERE scan_id = ?1",
                [scan_id],
                |r| r.get(0),
            )
            .unwrap_or_else(|e| panic!("the picture of answered scan {scan_id} is missing: {e}"));
        assert_eq!(picture.len() as i64, bytes, "{scan_id}");
        assert_eq!(&picture[..4], b"\x89PNG");
        assert_eq!(outbox, 2);
    }
}

/// Issue 18: a group commit has no step at which a SIGKILL loses an answered scan. The
/// real binary kills itself (`EDGE_TEST_FAILPOINT`, compiled into debug builds only,
/// see `store::failpoint`) after a row of a group is inserted, once the whole group is
/// inserted, once it is committed and once its callers are answered, while six
/// clients keep sending (the writer waits 300 ms before it gathers a group,
/// `EDGE_TEST_PAUSE`, so groups hold several scans); restarted, it serves every
/// answered scan with its picture, each has its two outbox items, and `PRAGMA
/// integrity_check` is ok.
#[cfg(debug_assertions)]
#[test]
fn sigkill_at_every_step_of_a_group_commit_loses_no_answered_scan() {
    use std::os::unix::process::ExitStatusExt;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    for (point, nth) in [
        ("writer.row_inserted", 20),
        ("writer.batch_inserted", 8),
        ("writer.committed", 8),
        ("writer.replied", 8),
    ] {
        let data = tempfile::tempdir().unwrap();
        let armed = format!("{point}:{nth}");
        let port = common::free_port();
        let mut child = common::ChildService::spawn_with_env(
            data.path(),
            port,
            &[],
            &[
                ("EDGE_TEST_FAILPOINT", &armed),
                ("EDGE_TEST_PAUSE", "writer.gather:300"),
            ],
        );
        child.wait_healthy(Duration::from_secs(20));
        let url = child.url("/image");
        let answered: Arc<Mutex<Vec<String>>> = Arc::default();
        let clients: Vec<_> = (0..6)
            .map(|w| {
                let (url, answered) = (url.clone(), answered.clone());
                std::thread::spawn(move || {
                    let client = reqwest::blocking::Client::new();
                    for i in 0.. {
                        let body =
                            SAMPLE.replace("\"id\" : \"1\"", &format!("\"id\" : \"w{w}n{i}\""));
                        let sent = client
                            .put(&url)
                            .header("content-type", "application/json")
                            .body(body)
                            .send();
                        match sent {
                            Ok(r) if r.status() == 200 => match r.json::<Value>() {
                                Ok(v) => answered
                                    .lock()
                                    .unwrap()
                                    .push(v["scan_id"].as_str().unwrap_or_default().to_string()),
                                Err(_) => break, // killed while answering
                            },
                            Ok(r) => panic!("unexpected status {}", r.status()),
                            Err(_) => break, // the service is gone
                        }
                    }
                })
            })
            .collect();
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(status) = child.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "{armed} was never reached");
            std::thread::sleep(Duration::from_millis(5));
        };
        assert_eq!(status.signal(), Some(9), "{armed}: {status}");
        for c in clients {
            c.join().unwrap();
        }
        let answered = answered.lock().unwrap().clone();
        assert!(!answered.is_empty(), "{armed}: nothing was answered first");

        // Restarted without the failpoint: every answered scan is served whole.
        let port = common::free_port();
        let mut child = common::ChildService::spawn(data.path(), port, &[]);
        child.wait_healthy(Duration::from_secs(20));
        let client = reqwest::blocking::Client::new();
        for scan_id in &answered {
            let scan: Value = client
                .get(child.url(&format!("/scans/{scan_id}")))
                .send()
                .and_then(|r| r.error_for_status())
                .and_then(|r| r.json())
                .unwrap_or_else(|e| panic!("{armed}: answered scan {scan_id} is missing: {e}"));
            let picture = client
                .get(child.url(&format!("/scans/{scan_id}/image")))
                .send()
                .and_then(|r| r.error_for_status())
                .and_then(|r| r.bytes())
                .unwrap_or_else(|e| panic!("{armed}: the picture of {scan_id} is missing: {e}"));
            assert_eq!(Some(picture.len() as u64), scan["image_bytes"].as_u64());
            assert_eq!(&picture[..4], b"\x89PNG");
        }
        child.kill();
        let db = rusqlite::Connection::open(data.path().join("carenco.db")).unwrap();
        let check: String = db
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "{armed}");
        for scan_id in &answered {
            let outbox: i64 = db
                .query_row(
                    "SELECT count(*) FROM outbox WHERE ref_id = ?1",
                    [scan_id],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(outbox, 2, "{armed}: {scan_id}");
        }
        let stored: i64 = db
            .query_row("SELECT count(*) FROM scans", [], |r| r.get(0))
            .unwrap();
        if point == "writer.committed" {
            // The group killed after its commit, several scans, is stored although
            // nobody heard so.
            assert!(
                stored as usize >= answered.len() + 2,
                "{armed}: {stored} stored"
            );
        }
        eprintln!(
            "{armed}: {} answered scans all there, {stored} stored",
            answered.len()
        );
    }
}

/// Issue 18: the data directory of the version before (schema 2, pictures in files) is
/// served by this one: at start its picture files move into the database and are
/// deleted, `GET /scans/{id}/image` answers the file's bytes from there, and the
/// database passes `PRAGMA integrity_check`.
#[tokio::test]
async fn a_version_2_data_dir_with_picture_files_is_served_from_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let scan_id = "0193a4b2-7c1e-7d2a-9f3e-2b1c4d5e6f70";
    let file = format!("images/2026-11/{scan_id}.png");
    let png: Vec<u8> = b"\x89PNG\r\n\x1a\n"
        .iter()
        .copied()
        .chain((0..40_000u32).map(|i| (i * 31 % 251) as u8))
        .collect();
    std::fs::create_dir_all(dir.path().join("images/2026-11")).unwrap();
    std::fs::write(dir.path().join(&file), &png).unwrap();
    {
        // The released schema up to version 2 (migrations are append-only).
        let db = rusqlite::Connection::open(dir.path().join("carenco.db")).unwrap();
        db.pragma_update(None, "journal_mode", "WAL").unwrap();
        for sql in &carenco_edge::store::schema::MIGRATIONS[..2] {
            db.execute_batch(sql).unwrap();
        }
        db.pragma_update(None, "user_version", 2).unwrap();
        db.execute(
            "INSERT INTO scans (scan_id, user_id, created_at, source, rows, cols, pitch_mm,
                raw_cells, metrics_json, image_file, image_mime, image_bytes, image_key, url)
             VALUES (?1, '1', '2026-11-01T00:00:00.000Z', 'data', 1, 1, 16.9, x'0000', '{}',
                ?2, 'image/png', ?3, 'k/1.png', 'local:k/1.png')",
            rusqlite::params![scan_id, file, png.len() as i64],
        )
        .unwrap();
        db.execute(
            "INSERT INTO outbox (kind, ref_id, s3_key, local_file, content_type, bytes, created_at)
             VALUES ('scan_image', ?1, 'k/1.png', ?2, 'image/png', ?3, '2026-11-01T00:00:00.000Z')",
            rusqlite::params![scan_id, file, png.len() as i64],
        )
        .unwrap();
    }
    let data_dir = dir.path().to_path_buf();
    let service = TestService::start_with(move |c| c.storage.data_dir = data_dir).await;
    let r = client()
        .get(service.url(&format!("/scans/{scan_id}/image")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.unwrap().as_ref(), png.as_slice());
    let list: Value = service.get_json("/scans").await;
    assert_eq!(list["scans"][0]["scan_id"], scan_id);
    assert!(
        !dir.path().join("images").exists(),
        "the picture file is left"
    );
    let db = rusqlite::Connection::open(dir.path().join("carenco.db")).unwrap();
    let (check, version): (String, i64) = (
        db.query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap(),
        db.query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap(),
    );
    assert_eq!(check, "ok");
    assert_eq!(version, 3);
}
