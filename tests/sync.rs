//! Store-and-forward against a real S3 server on loopback (s3s + s3s-fs, SigV4
//! checked): uploads read back, outages, 500/503 answers, slow answers, wrong
//! credentials, no bucket at all, and the crash test (the real binary SIGKILLed at
//! random moments while scans are queued and uploaded).

mod common;
#[path = "support/s3_server.rs"]
mod s3_server;
#[path = "support/scans.rs"]
mod scans;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use carenco_edge::config::{Config, S3Checksum, S3Config};
use carenco_edge::store::Store;
use common::TestService;
use s3_server::{S3Server, BUCKET};
use scans::{insert_scan, picture, WrittenScan};
use serde_json::Value;

/// Config pointing at `server`, with quick retries so outages heal within a test.
fn s3_config(server: &S3Server) -> impl FnOnce(&mut Config) {
    let endpoint = server.endpoint();
    move |c: &mut Config| {
        c.s3.bucket = BUCKET.to_string();
        c.s3.endpoint = endpoint;
        c.s3.force_path_style = true;
        c.s3.region = "us-east-1".into();
        c.s3.device_id = "kiosk-test".into();
        c.s3.retry_base_ms = 100;
        c.s3.retry_max_ms = 400;
        c.s3.timeout_ms = 2_000;
    }
}

struct Kiosk {
    service: TestService,
    store: Store,
    s3: S3Config,
}

impl Kiosk {
    async fn start(tweak: impl FnOnce(&mut Config)) -> Kiosk {
        s3_server::use_test_credentials();
        let mut s3 = S3Config::default();
        let service = TestService::start_with(|c| {
            tweak(c);
            s3 = c.s3.clone();
        })
        .await;
        let store = Store::open(service.data_dir.path()).expect("second connection");
        Kiosk { service, store, s3 }
    }

    /// Queues `n` scans like `/image` does, then wakes the worker like it does.
    async fn queue_scans(&self, n: usize, seed: u64) -> Vec<WrittenScan> {
        let written: Vec<_> = (0..n)
            .map(|i| {
                insert_scan(
                    &self.store,
                    &self.s3,
                    "user-42",
                    picture(seed + i as u64, 2_000 + i * 37),
                )
            })
            .collect();
        self.post_sync().await;
        written
    }

    async fn post_sync(&self) -> Value {
        let r = reqwest::Client::new()
            .post(self.service.url("/sync"))
            .header("x-carenco-client", "test")
            .send()
            .await
            .expect("POST /sync");
        assert_eq!(r.status(), 202);
        r.json().await.expect("json")
    }

    async fn get(&self, path: &str) -> Value {
        self.service.get_json(path).await
    }

    async fn sync(&self) -> Value {
        self.get("/sync").await
    }

    /// Polls `/sync` until `done` holds; panics with the last status after `within`.
    async fn wait_sync(&self, within: Duration, done: impl Fn(&Value) -> bool) -> Value {
        common::poll_until("the queue state", within, || async {
            let s = self.sync().await;
            if done(&s) {
                Ok(s)
            } else {
                Err(format!("/sync is {s:#}"))
            }
        })
        .await
    }
}

fn pending(s: &Value) -> u64 {
    s["pending"].as_u64().expect("pending")
}

/// Every scan's picture and record are in the bucket under their keys, read back
/// with the S3 API itself (ListObjectsV2 + GetObject).
async fn assert_all_in_bucket(server: &S3Server, written: &[WrittenScan]) {
    let client = s3_server::client(&server.endpoint());
    let listed = client
        .list_objects_v2()
        .bucket(BUCKET)
        .send()
        .await
        .expect("list");
    let keys: Vec<String> = listed
        .contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_string))
        .collect();
    for scan in written {
        assert!(keys.contains(&scan.image_key), "{} missing", scan.image_key);
        assert!(
            keys.contains(&scan.record_key),
            "{} missing",
            scan.record_key
        );
        let image = client
            .get_object()
            .bucket(BUCKET)
            .key(&scan.image_key)
            .send()
            .await
            .expect("get image");
        assert_eq!(image.content_type(), Some("image/png"));
        let bytes = image.body.collect().await.expect("body").into_bytes();
        assert_eq!(
            bytes.as_ref(),
            scan.picture.as_slice(),
            "{}",
            scan.image_key
        );
        let record = client
            .get_object()
            .bucket(BUCKET)
            .key(&scan.record_key)
            .send()
            .await
            .expect("get record");
        assert_eq!(record.content_type(), Some("application/json"));
        let doc: Value =
            serde_json::from_slice(&record.body.collect().await.expect("body").into_bytes())
                .expect("record is JSON");
        assert_eq!(doc["scan_id"], scan.scan_id.as_str());
        assert_eq!(doc["user_id"], "user-42");
        assert_eq!(doc["image_key"], scan.image_key.as_str());
        assert_eq!(doc["metrics"]["contact_area_cm2"], 12.5);
    }
}

#[tokio::test]
async fn queued_scans_are_uploaded_and_read_back_under_their_keys() {
    let server = S3Server::start().await;
    let kiosk = Kiosk::start(s3_config(&server)).await;
    let written = kiosk.queue_scans(5, 1).await;
    let s = kiosk
        .wait_sync(Duration::from_secs(20), |s| pending(s) == 0)
        .await;
    assert_eq!(s["uploaded_total"], 10);
    assert_eq!(s["failed_attempts_total"], 0);
    assert!(s["last_error"].is_null());
    assert!(s["last_success"].is_string());
    assert_eq!(s["mode"], "s3");
    assert_all_in_bucket(&server, &written).await;
    // Keys follow the documented layout (rule 6).
    assert!(written[0]
        .image_key
        .starts_with("carenco/kiosk-test/footprints/user-42/"));
    assert!(written[0]
        .record_key
        .starts_with("carenco/kiosk-test/records/scan/"));
    // The picture rows know they are uploaded (retention may prune them later).
    let uploaded: i64 = kiosk
        .store
        .call_blocking(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM scans WHERE uploaded_at IS NOT NULL",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(uploaded, 5);
    let check = kiosk.get("/check").await;
    assert_eq!(check["sync"]["ok"], true, "{check:#}");
    assert_eq!(check["sync"]["pending"], 0);
}

#[tokio::test]
async fn every_checksum_mode_sends_its_integrity_header_and_the_server_verifies_it() {
    for (mode, header) in [
        (S3Checksum::Crc32, "x-amz-checksum-crc32"),
        (S3Checksum::Sha256, "x-amz-checksum-sha256"),
        (S3Checksum::Md5, "content-md5"),
    ] {
        let server = S3Server::start().await;
        let tweak = s3_config(&server);
        let kiosk = Kiosk::start(move |c| {
            tweak(c);
            c.s3.checksum = mode;
        })
        .await;
        let written = kiosk.queue_scans(2, 100).await;
        kiosk
            .wait_sync(Duration::from_secs(20), |s| pending(s) == 0)
            .await;
        assert_all_in_bucket(&server, &written).await;
        let puts = server.successful_puts();
        assert_eq!(puts.len(), 4, "{mode:?}");
        for (key, seen) in puts {
            for s in seen {
                assert!(
                    s.headers.contains_key(header),
                    "{mode:?}: PUT {key} lacks {header}: {:?}",
                    s.headers
                );
                if mode == S3Checksum::Md5 {
                    // WhenRequired: no flexible checksum, no aws-chunked trailer.
                    assert!(!s.headers.keys().any(|h| h.starts_with("x-amz-checksum-")));
                    assert!(!s.headers.contains_key("x-amz-trailer"));
                }
            }
        }
    }
}

#[tokio::test]
async fn a_server_down_for_a_while_gets_everything_exactly_once_when_back() {
    let mut server = S3Server::start().await;
    server.stop().await;
    let kiosk = Kiosk::start(s3_config(&server)).await;
    let written = kiosk.queue_scans(4, 200).await;
    // While it is down: items stay queued, the failure is visible, retries go on.
    let s = kiosk
        .wait_sync(Duration::from_secs(20), |s| {
            s["failed_attempts_total"].as_u64().unwrap_or(0) >= 16
        })
        .await;
    assert_eq!(pending(&s), 8);
    assert!(
        s["last_error"].as_str().unwrap_or("").contains("S3"),
        "{s:#}"
    );
    assert!(s["oldest_pending_age_s"].is_u64());
    let check = kiosk.get("/check").await;
    assert_eq!(check["sync"]["ok"], false);
    assert_eq!(
        check["status"], "ok",
        "a failing upload does not make /check 503"
    );

    server.restart().await;
    kiosk.post_sync().await;
    let s = kiosk
        .wait_sync(Duration::from_secs(20), |s| pending(s) == 0)
        .await;
    assert!(s["last_error"].is_null(), "{s:#}");
    assert_all_in_bucket(&server, &written).await;
    let puts = server.successful_puts();
    assert_eq!(puts.len(), 8);
    assert!(puts.values().all(|p| p.len() == 1), "each key PUT once");
}

#[tokio::test]
async fn answers_500_and_503_are_retried_until_the_upload_succeeds() {
    let server = S3Server::start().await;
    server
        .faults
        .fail_500
        .store(3, std::sync::atomic::Ordering::SeqCst);
    server
        .faults
        .fail_503
        .store(3, std::sync::atomic::Ordering::SeqCst);
    let kiosk = Kiosk::start(s3_config(&server)).await;
    let written = kiosk.queue_scans(2, 300).await;
    let s = kiosk
        .wait_sync(Duration::from_secs(30), |s| pending(s) == 0)
        .await;
    assert_eq!(s["failed_attempts_total"], 6, "{s:#}");
    assert_eq!(s["uploaded_total"], 4);
    let statuses: Vec<u16> = server.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 500).count(), 3);
    assert_eq!(statuses.iter().filter(|s| **s == 503).count(), 3);
    assert_all_in_bucket(&server, &written).await;
    // The failures are counted on /metrics too.
    let metrics = reqwest::get(kiosk.service.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("carenco_sync_uploads_failed_total 6"),
        "{metrics}"
    );
    assert!(
        metrics.contains("carenco_sync_uploads_ok_total 4"),
        "{metrics}"
    );
    assert!(metrics.contains("carenco_sync_queue_depth 0"), "{metrics}");
}

#[tokio::test]
async fn a_server_slower_than_the_timeout_is_given_up_on_and_retried() {
    let server = S3Server::start().await;
    server
        .faults
        .slow_ms
        .store(1_500, std::sync::atomic::Ordering::SeqCst);
    server
        .faults
        .slow_requests
        .store(2, std::sync::atomic::Ordering::SeqCst);
    let tweak = s3_config(&server);
    let kiosk = Kiosk::start(move |c| {
        tweak(c);
        c.s3.timeout_ms = 300;
        c.s3.concurrency = 1;
    })
    .await;
    let started = Instant::now();
    let written = kiosk.queue_scans(1, 400).await;
    let s = kiosk
        .wait_sync(Duration::from_secs(5), |s| {
            s["failed_attempts_total"].as_u64().unwrap_or(0) >= 1
        })
        .await;
    assert!(
        s["last_error"].as_str().unwrap_or("").contains("timed out"),
        "{s:#}"
    );
    // The timeout, not the server, ended the first attempt.
    assert!(started.elapsed() < Duration::from_millis(1_400));
    let s = kiosk
        .wait_sync(Duration::from_secs(20), |s| pending(s) == 0)
        .await;
    assert!(s["failed_attempts_total"].as_u64().unwrap() >= 2);
    assert_all_in_bucket(&server, &written).await;
}

#[tokio::test]
async fn wrong_credentials_are_shown_on_check_and_sync_and_nothing_is_dropped() {
    let server = S3Server::start_with_secret("a-different-secret-on-the-server").await;
    let kiosk = Kiosk::start(s3_config(&server)).await;
    kiosk.queue_scans(3, 500).await;
    let s = kiosk
        .wait_sync(Duration::from_secs(20), |s| {
            s["failed_attempts_total"].as_u64().unwrap_or(0) >= 12
        })
        .await;
    assert_eq!(pending(&s), 6);
    assert_eq!(s["uploaded_total"], 0);
    let error = s["last_error"].as_str().unwrap_or("");
    assert!(error.contains("403"), "{error}");
    assert!(error.contains("SignatureDoesNotMatch"), "{error}");
    assert!(!error.contains(s3_server::SECRET_KEY));
    let check = kiosk.get("/check").await;
    assert_eq!(check["sync"]["ok"], false);
    assert!(check["sync"]["last_error"]
        .as_str()
        .unwrap_or("")
        .contains("SignatureDoesNotMatch"));
    // Every queued row and picture is still there.
    let rows: i64 = kiosk
        .store
        .call_blocking(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM outbox WHERE done_at IS NULL",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(rows, 6);
    let pictures: i64 = kiosk
        .store
        .call_blocking(|c| Ok(c.query_row("SELECT count(*) FROM scan_pictures", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(pictures, 3);
}

#[tokio::test]
async fn without_a_bucket_everything_stays_local_and_check_says_so() {
    let kiosk = Kiosk::start(|_| {}).await;
    kiosk.queue_scans(2, 600).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let s = kiosk.sync().await;
    assert_eq!(s["mode"], "local");
    assert_eq!(s["enabled"], false);
    assert_eq!(pending(&s), 4);
    let check = kiosk.get("/check").await;
    assert_eq!(check["sync"]["ok"], true);
    assert_eq!(check["sync"]["mode"], "local");
    assert!(check["sync"]["message"]
        .as_str()
        .unwrap()
        .contains("stays on this device"));
}

#[tokio::test]
async fn metrics_count_requests_and_show_the_queue() {
    let kiosk = Kiosk::start(|_| {}).await;
    kiosk.queue_scans(1, 700).await;
    kiosk.get("/health").await;
    let r = reqwest::get(kiosk.service.url("/metrics")).await.unwrap();
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = r.text().await.unwrap();
    assert!(text.contains("carenco_sync_queue_depth 2"), "{text}");
    assert!(text
        .contains("carenco_http_requests_total{route=\"/health\",method=\"GET\",status=\"200\"}"));
    assert!(text
        .contains("carenco_http_requests_total{route=\"/sync\",method=\"POST\",status=\"202\"} 1"));
    assert!(text.contains("carenco_http_request_duration_seconds_bucket{route=\"/health\""));
}

/// `PUT /image` answers "uploaded" when its items are confirmed within
/// `s3.upload_wait_ms`, "queued" otherwise: `SyncHandle::wait_uploaded` decides.
#[tokio::test]
async fn wait_uploaded_is_true_when_the_upload_lands_in_time_and_false_when_s3_is_down() {
    s3_server::use_test_credentials();
    let mut server = S3Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.storage.data_dir = dir.path().to_path_buf();
    s3_config(&server)(&mut config);
    let config = std::sync::Arc::new(config);
    let store = Store::open(dir.path()).unwrap();
    let handle = carenco_edge::sync::SyncHandle::new(config.clone(), store.clone());
    let objects =
        std::sync::Arc::new(carenco_edge::sync::S3ObjectStore::from_config(&config.s3).await);
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let worker = handle.spawn_worker(objects, stop).expect("worker");

    let scan = insert_scan(&store, &config.s3, "u1", picture(1, 5_000));
    let started = Instant::now();
    assert!(
        handle
            .wait_uploaded(&scan.outbox_ids, Duration::from_millis(2_000))
            .await
    );
    assert!(started.elapsed() < Duration::from_millis(2_000));
    assert_eq!(server.object(&scan.image_key).unwrap(), scan.picture);

    server.stop().await;
    let scan = insert_scan(&store, &config.s3, "u1", picture(2, 5_000));
    let started = Instant::now();
    assert!(
        !handle
            .wait_uploaded(&scan.outbox_ids, Duration::from_millis(500))
            .await
    );
    assert!(started.elapsed() >= Duration::from_millis(500));
    stop_tx.send(true).unwrap();
    worker.await.unwrap();
}

/// `PUT /image` against the real S3 server: with S3 up it answers "uploaded" within
/// the default `s3.upload_wait_ms`, and the bucket has the picture (the bytes the kiosk
/// stored) and the record under the documented keys; with S3 down it answers "queued"
/// after about that wait, and the scan arrives, once, when S3 is back.
#[tokio::test]
async fn put_image_answers_uploaded_when_s3_confirms_in_time_and_queued_while_s3_is_down() {
    const SAMPLE: &str = include_str!("fixtures/frames/legacy_sample_data.json");
    let wait = Duration::from_millis(carenco_edge::config::DEFAULT_S3_UPLOAD_WAIT_MS);
    let mut server = S3Server::start().await;
    let kiosk = Kiosk::start(s3_config(&server)).await;
    let sample: Value = serde_json::from_str(SAMPLE).expect("fixture");
    let put = |method: reqwest::Method| {
        let (service, sample) = (&kiosk.service, &sample);
        async move {
            let started = Instant::now();
            let (status, body) = service.send_json(method, "/image", sample).await;
            assert_eq!(status, 200, "{body}");
            (body, started.elapsed())
        }
    };
    let local_picture = |body: &Value| {
        let url = kiosk
            .service
            .url(body["local_url"].as_str().expect("local_url"));
        async move {
            reqwest::get(url)
                .await
                .expect("GET picture")
                .bytes()
                .await
                .expect("bytes")
                .to_vec()
        }
    };
    let keys = |body: &Value| {
        let scan_id = body["scan_id"].as_str().expect("scan_id");
        (
            format!("carenco/kiosk-test/footprints/1/{scan_id}.png"),
            format!("carenco/kiosk-test/records/scan/{scan_id}.json"),
        )
    };

    // S3 up: both methods.
    for method in [reqwest::Method::PUT, reqwest::Method::POST] {
        let (body, elapsed) = put(method.clone()).await;
        assert_eq!(body["upload"], "uploaded", "{method}: {body}");
        assert!(elapsed < wait, "{method}: {elapsed:?}");
        let (image_key, record_key) = keys(&body);
        assert!(
            body["url"].as_str().unwrap().ends_with(&image_key),
            "{body}"
        );
        let picture = local_picture(&body).await;
        assert_eq!(&picture[..4], b"\x89PNG");
        assert_eq!(server.object(&image_key), Some(picture), "{image_key}");
        let record: Value =
            serde_json::from_slice(&server.object(&record_key).expect("record in S3")).unwrap();
        assert_eq!(record["scan_id"], body["scan_id"]);
        assert_eq!(record["metrics"], body["metrics"]);
    }

    // S3 down: "queued" after about the wait, nothing in the bucket yet.
    server.stop().await;
    let (body, elapsed) = put(reqwest::Method::PUT).await;
    assert_eq!(body["upload"], "queued", "{body}");
    assert!(
        elapsed >= wait && elapsed < wait + Duration::from_millis(1_500),
        "answered after {elapsed:?}, the wait is {wait:?}"
    );
    let (image_key, record_key) = keys(&body);
    assert_eq!(server.object(&image_key), None);
    let s = kiosk.sync().await;
    assert_eq!(pending(&s), 2, "{s:#}");

    // S3 back: the queued scan arrives with the stored bytes, each key PUT once.
    server.restart().await;
    kiosk
        .wait_sync(Duration::from_secs(20), |s| pending(s) == 0)
        .await;
    assert_eq!(server.object(&image_key), Some(local_picture(&body).await));
    assert!(server.object(&record_key).is_some());
    let puts = server.successful_puts();
    assert_eq!(puts.len(), 6);
    assert!(puts.values().all(|p| p.len() == 1), "each key PUT once");
}

/// Rule 3 under fire: the real binary is SIGKILLed at random moments while batches
/// of scans are queued and uploaded, and restarted each time. At the end every scan
/// is in S3 under its key with the right bytes, no key was ever PUT with different
/// bytes, and the database passes `PRAGMA integrity_check`.
#[test]
fn the_binary_killed_at_random_moments_loses_no_scan_and_never_uploads_different_bytes() {
    const ROUNDS: usize = 60;
    const SCANS_PER_ROUND: usize = 4;
    s3_server::use_test_credentials();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(S3Server::start());
    // Every request takes 0..15 ms, so kills often land while uploads are in flight.
    server
        .faults
        .jitter_ms
        .store(15, std::sync::atomic::Ordering::SeqCst);
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let config_path = dir.path().join("config.toml");
    std::fs::write(
        &config_path,
        format!(
            "[scanner]\nenabled = false\n[s3]\nbucket = \"{BUCKET}\"\nendpoint = \"{}\"\n\
             force_path_style = true\nregion = \"us-east-1\"\ndevice_id = \"crash\"\n\
             retry_base_ms = 50\nretry_max_ms = 200\n",
            server.endpoint()
        ),
    )
    .unwrap();
    let s3 = Config::load(Some(&config_path), Vec::new()).unwrap().s3;
    let config_arg = config_path.to_str().unwrap().to_string();
    let client = reqwest::blocking::Client::new();
    let mut written: Vec<WrittenScan> = Vec::new();
    let started = Instant::now();

    for round in 0..ROUNDS {
        let port = common::free_port();
        let mut child = common::ChildService::spawn(&data_dir, port, &["--config", &config_arg]);
        child.wait_healthy(Duration::from_secs(20));
        let store = Store::open(&data_dir).unwrap();
        for i in 0..SCANS_PER_ROUND {
            let seed = (round * SCANS_PER_ROUND + i) as u64;
            written.push(insert_scan(
                &store,
                &s3,
                "user-42",
                picture(seed, 1_000 + (seed as usize * 131) % 20_000),
            ));
        }
        drop(store);
        let _ = client
            .post(child.url("/sync"))
            .header("x-carenco-client", "test")
            .send();
        std::thread::sleep(Duration::from_millis(rand::random_range(0..120)));
        child.kill(); // SIGKILL
    }

    // A last, uninterrupted run drains what is left.
    let port = common::free_port();
    let mut child = common::ChildService::spawn(&data_dir, port, &["--config", &config_arg]);
    child.wait_healthy(Duration::from_secs(20));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let s: Value = client
            .get(child.url("/sync"))
            .send()
            .and_then(|r| r.json())
            .expect("/sync");
        if pending(&s) == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "queue not drained: {s:#}");
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill();

    let mut lost = 0;
    for scan in &written {
        if server.object(&scan.image_key).as_deref() != Some(scan.picture.as_slice()) {
            lost += 1;
        }
        match server.object(&scan.record_key) {
            Some(bytes) => {
                let doc: Value = serde_json::from_slice(&bytes).unwrap();
                if doc["scan_id"] != scan.scan_id.as_str() {
                    lost += 1;
                }
            }
            None => lost += 1,
        }
    }
    let puts = server.successful_puts();
    let mut reuploaded = 0;
    let mut different = 0;
    for seen in puts.values() {
        if seen.len() > 1 {
            reuploaded += 1;
        }
        let fingerprints: HashMap<Option<String>, usize> =
            seen.iter().fold(HashMap::new(), |mut m, s| {
                *m.entry(s.checksum()).or_default() += 1;
                m
            });
        if fingerprints.len() > 1 || fingerprints.contains_key(&None) {
            different += 1;
        }
    }
    let store = Store::open(&data_dir).unwrap();
    let integrity = runtime.block_on(store.integrity_check()).unwrap();
    eprintln!(
        "crash test: {ROUNDS} rounds, {} scans ({} objects), {} successful PUTs, \
         {reuploaded} keys uploaded more than once, lost {lost}, \
         keys with different bytes {different}, {:.1} s",
        written.len(),
        written.len() * 2,
        puts.values().map(Vec::len).sum::<usize>(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(lost, 0);
    assert_eq!(different, 0);
    assert_eq!(puts.len(), written.len() * 2);
    assert_eq!(integrity, Ok(()));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sync_status_command_shows_the_queue_of_a_running_service() {
    let server = S3Server::start_with_secret("not-the-client-secret").await;
    let kiosk = Kiosk::start(s3_config(&server)).await;
    kiosk.queue_scans(1, 800).await;
    kiosk
        .wait_sync(Duration::from_secs(20), |s| !s["last_error"].is_null())
        .await;
    let url = kiosk.service.url("");
    let output = tokio::process::Command::new(common::binary())
        .args(["sync", "status", "--url", &url])
        .output()
        .await
        .expect("run carenco-edge sync status");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "uploads failing: {stdout}");
    assert!(stdout.contains("pending: 2 items"), "{stdout}");
    assert!(stdout.contains("SignatureDoesNotMatch"), "{stdout}");
}

/// A test CA and a server certificate it signed for `127.0.0.1`, made by the `openssl`
/// command in `dir`: (the CA's PEM path, the server's DER certificate and PKCS#8 key).
fn test_certificates(dir: &std::path::Path) -> (std::path::PathBuf, Vec<u8>, Vec<u8>) {
    let ca = dir.join("ca.pem");
    let pem = dir.join("cert.pem");
    let key = dir.join("key.pem");
    let openssl = |args: &[&str], extra: &[&std::path::Path]| {
        let ok = std::process::Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
            ])
            .args(["-nodes", "-days", "2"])
            .args(args)
            .args(extra)
            .stderr(std::process::Stdio::null())
            .status()
            .expect("run openssl (scripts/test-all installs it)");
        assert!(ok.success(), "openssl req {args:?} failed");
    };
    let ca_key = dir.join("ca.key");
    openssl(
        &["-subj", "/CN=carenco test CA", "-keyout"],
        &[&ca_key, "-out".as_ref(), &ca],
    );
    openssl(
        &[
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
            "-CA",
        ],
        &[
            &ca,
            "-CAkey".as_ref(),
            &ca_key,
            "-keyout".as_ref(),
            &key,
            "-out".as_ref(),
            &pem,
        ],
    );
    let der = |args: &[&str], input: &std::path::Path| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .arg("-in")
            .arg(input)
            .args(["-outform", "DER"])
            .output()
            .expect("run openssl");
        assert!(out.status.success(), "openssl {args:?} failed");
        out.stdout
    };
    let cert_der = der(&["x509"], &pem);
    let key_der = der(&["pkcs8", "-topk8", "-nocrypt"], &key);
    (ca, cert_der, key_der)
}

/// A TLS front for `backend` on a loopback port (the service itself speaks plain HTTP
/// on loopback; this is what an operator's reverse proxy would be): its address.
async fn tls_front(
    cert_der: Vec<u8>,
    key_der: Vec<u8>,
    backend: std::net::SocketAddr,
) -> std::net::SocketAddr {
    use tokio_rustls::rustls;
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![rustls::pki_types::CertificateDer::from(cert_der)],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key_der.into()),
        )
        .expect("the certificate and key");
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake: no stream.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut plain) = tokio::net::TcpStream::connect(backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sync_status_command_speaks_https_and_checks_the_certificate() {
    let kiosk = Kiosk::start(|_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert_der, key_der) = test_certificates(dir.path());
    let front = tls_front(cert_der, key_der, kiosk.service.addr).await;
    let url = format!("https://{front}");
    let run = |trusted: bool| {
        let mut command = tokio::process::Command::new(common::binary());
        command.args(["sync", "status", "--url", &url]);
        // rustls-native-certs reads SSL_CERT_FILE in place of the system's store.
        if trusted {
            command.env("SSL_CERT_FILE", &ca);
        } else {
            command.env("SSL_CERT_FILE", dir.path().join("none.pem"));
        }
        command.output()
    };
    let output = run(true).await.expect("run carenco-edge sync status");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("pending: 0 items"), "{stdout}");

    // A certificate no trusted CA signed: refused at the handshake, and said so.
    let output = run(false).await.expect("run carenco-edge sync status");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot reach"), "{stderr}");
    assert!(stderr.to_lowercase().contains("certificate"), "{stderr}");
}

#[tokio::test]
async fn metrics_show_the_scanners_decoded_frames_when_the_mat_runs() {
    let kiosk = Kiosk::start(|c| {
        c.scanner.enabled = true;
        c.scanner.simulate = true;
    })
    .await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = reqwest::get(kiosk.service.url("/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(text.contains("carenco_scanner_frames_rejected_total{reason=\"bad_crc\"}"));
        let decoded = text
            .lines()
            .find_map(|l| l.strip_prefix("carenco_scanner_frames_decoded_total "))
            .and_then(|v| v.parse::<u64>().ok())
            .expect("decoded counter");
        if decoded > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "no frames decoded: {text}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
