//! A fleet of kiosks sharing one bucket (issue #20), end to end: the real binary,
//! twice, against a real S3-protocol server on loopback (s3s + s3s-fs, SigV4 checked).
//! Each kiosk heartbeats under its own device id, `carenco-edge fleet status` lists
//! both, and once one stops it is listed as stale and the command exits 2.
#![cfg(feature = "fleet-status")]

mod common;
#[path = "support/s3_server.rs"]
mod s3_server;

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use s3_server::{S3Server, BUCKET};
use serde_json::Value;

const PREFIX: &str = "fleet-test";
/// Seconds between heartbeats: stale after three, so the test runs in seconds.
const HEARTBEAT_S: u64 = 2;

fn fleet_status(config: &Path, extra: &[&str]) -> (Output, Option<Value>) {
    let output = std::process::Command::new(common::binary())
        .args(["fleet", "status", "--config"])
        .arg(config)
        .args(extra)
        .output()
        .expect("run carenco-edge fleet status");
    let json = serde_json::from_slice(&output.stdout).ok();
    (output, json)
}

fn kiosk<'a>(status: &'a Value, id: &str) -> Option<&'a Value> {
    status["kiosks"]
        .as_array()?
        .iter()
        .find(|k| k["device_id"] == id)
}

fn wait_for(what: &str, within: Duration, mut done: impl FnMut() -> Result<(), String>) {
    let deadline = Instant::now() + within;
    loop {
        match done() {
            Ok(()) => return,
            Err(last) => assert!(
                Instant::now() < deadline,
                "waited {within:?} for {what}; last: {last}"
            ),
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn two_kiosks_share_a_bucket_under_their_own_ids_and_a_stopped_one_turns_stale() {
    s3_server::use_test_credentials();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(S3Server::start());
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    // No device_id in the file: each kiosk gets its own from its environment (the
    // configuration wins over the id derived from /etc/machine-id, which the two
    // services on this one machine would share).
    std::fs::write(
        &config,
        format!(
            "[scanner]\nenabled = false\n[s3]\nbucket = \"{BUCKET}\"\nendpoint = \"{}\"\n\
             force_path_style = true\nregion = \"us-east-1\"\nprefix = \"{PREFIX}\"\n\
             [fleet]\nheartbeat_s = {HEARTBEAT_S}\n",
            server.endpoint()
        ),
    )
    .unwrap();
    let config_arg = config.to_str().unwrap().to_string();
    let mut kiosks = Vec::new();
    for id in ["kiosk-a", "kiosk-b"] {
        let data = dir.path().join(id);
        let mut child = common::ChildService::spawn_with_env(
            &data,
            common::free_port(),
            &["--config", &config_arg],
            &[("CARENCO_S3_DEVICE_ID", id)],
        );
        child.wait_healthy(Duration::from_secs(30));
        let check: Value = reqwest::blocking::get(child.url("/check"))
            .and_then(|r| r.json())
            .expect("/check");
        assert_eq!(check["device_id"], id, "{check:#}");
        assert!(check["clock"]["synced"].is_boolean(), "{check:#}");
        kiosks.push(child);
    }

    // Both heartbeat under their own ids: latest.json and dated history documents.
    for id in ["kiosk-a", "kiosk-b"] {
        let key = format!("{PREFIX}/{id}/status/latest.json");
        wait_for(&key, Duration::from_secs(30), || {
            let history = server
                .root()
                .join(BUCKET)
                .join(PREFIX)
                .join(id)
                .join("status/history");
            let documents = std::fs::read_dir(&history)
                .map(|days| {
                    days.flatten()
                        .filter_map(|d| std::fs::read_dir(d.path()).ok())
                        .flat_map(|d| d.flatten())
                        .count()
                })
                .unwrap_or(0);
            match server.object(&key) {
                Some(_) if documents >= 2 => Ok(()),
                _ => Err(format!(
                    "latest.json: {:?}, history documents: {documents}",
                    server.object(&key).is_some()
                )),
            }
        });
        let doc: Value = serde_json::from_slice(&server.object(&key).unwrap()).unwrap();
        assert_eq!(doc["device_id"], id, "{doc:#}");
        assert_eq!(doc["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(doc["heartbeat_s"], HEARTBEAT_S);
        assert_eq!(doc["ready"], true, "{doc:#}");
        assert_eq!(doc["check"]["database"], true, "{doc:#}");
        assert_eq!(doc["queue"]["pending"], 0, "{doc:#}");
        assert_eq!(doc["mat"]["connected"], false, "{doc:#}");
        assert!(doc["clock_synced"].is_boolean(), "{doc:#}");
        assert!(doc["disk"]["total_bytes"].as_u64().unwrap() > 0, "{doc:#}");
    }

    // `fleet status` lists both, neither stale: exit 0.
    let (output, status) = fleet_status(&config, &["--json"]);
    let status = status.unwrap_or_else(|| panic!("not JSON: {output:?}"));
    assert_eq!(output.status.code(), Some(0), "{status:#}");
    assert_eq!(status["bucket"], BUCKET);
    assert_eq!(status["kiosks"].as_array().unwrap().len(), 2, "{status:#}");
    for id in ["kiosk-a", "kiosk-b"] {
        let k = kiosk(&status, id).unwrap_or_else(|| panic!("{id} missing: {status:#}"));
        assert_eq!(k["stale"], false, "{status:#}");
        assert_eq!(k["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(k["pending"], 0);
        assert_eq!(k["mat_connected"], false);
        assert!(k["last_seen"].is_string(), "{status:#}");
    }
    let (output, _) = fleet_status(&config, &["--bucket", BUCKET, "--prefix", PREFIX]);
    let table = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{table}");
    assert!(
        table.contains("kiosk-a") && table.contains("kiosk-b"),
        "{table}"
    );
    assert!(table.contains("2 kiosks, 0 stale"), "{table}");

    // kiosk-b stops; three missed heartbeats later it is stale and the command says so.
    kiosks[1].kill();
    let stopped = Instant::now();
    let mut last = None;
    wait_for(
        "kiosk-b stale",
        Duration::from_secs(6 * HEARTBEAT_S + 20),
        || {
            let (output, status) = fleet_status(&config, &["--json"]);
            let status = status.ok_or_else(|| format!("{output:?}"))?;
            let b = kiosk(&status, "kiosk-b").ok_or("kiosk-b missing")?;
            let result = if b["stale"] == true && output.status.code() == Some(2) {
                Ok(())
            } else {
                Err(format!("{status:#}"))
            };
            last = Some(status);
            result
        },
    );
    let status = last.unwrap();
    assert!(
        // Its last heartbeat came at most one interval before the kill, and the
        // store's Last-Modified has whole seconds.
        stopped.elapsed() >= Duration::from_secs(2 * HEARTBEAT_S - 1),
        "stale too early: {:?}",
        stopped.elapsed()
    );
    let a = kiosk(&status, "kiosk-a").unwrap();
    assert_eq!(
        a["stale"], false,
        "the running kiosk is not stale: {status:#}"
    );
    let (output, _) = fleet_status(&config, &[]);
    let table = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{table}");
    let b_line = table.lines().find(|l| l.starts_with("kiosk-b")).unwrap();
    assert!(b_line.contains("STALE"), "{table}");
    assert!(table.contains("2 kiosks, 1 stale"), "{table}");
}

#[test]
fn fleet_status_without_a_bucket_or_with_a_bad_prefix_fails_with_one_line() {
    let output = std::process::Command::new(common::binary())
        .args(["fleet", "status"])
        .env_remove("CARENCO_S3_BUCKET")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no bucket"), "{stderr}");
    let output = std::process::Command::new(common::binary())
        .args(["fleet", "status", "--bucket", "b", "--prefix", "../x"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--prefix"));
}
