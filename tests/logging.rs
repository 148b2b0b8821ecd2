//! Logs an operator can filter (issue #20), against the real binary: under systemd
//! (`JOURNAL_STREAM` naming its standard error) every line carries its syslog
//! priority in journald's `<N>` form, an upload failure is one readable line (no
//! `Debug` dump of the SDK's error), and a fatal error is one `<3>` line.

mod common;
#[path = "support/s3_server.rs"]
mod s3_server;
#[path = "support/scans.rs"]
mod scans;

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use carenco_edge::config::Config;
use carenco_edge::store::Store;

/// A file for the child's standard error and the `JOURNAL_STREAM` value naming it.
fn journal_file(path: &Path) -> (std::fs::File, String) {
    let file = std::fs::File::create(path).unwrap();
    let meta = file.metadata().unwrap();
    let stream = format!("{}:{}", meta.dev(), meta.ino());
    (file, stream)
}

#[test]
fn under_journal_stream_lines_carry_priorities_and_an_upload_error_is_one_line() {
    s3_server::use_test_credentials();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("config.toml");
    // A bucket on a closed port: every upload fails to connect.
    std::fs::write(
        &config,
        format!(
            "[scanner]\nenabled = false\n[s3]\nbucket = \"b\"\nendpoint = \"http://127.0.0.1:{}\"\n\
             force_path_style = true\nregion = \"us-east-1\"\ndevice_id = \"log-test\"\n\
             retry_base_ms = 100\nretry_max_ms = 200\n",
            common::free_port()
        ),
    )
    .unwrap();
    let s3 = Config::load(Some(&config), Vec::new()).unwrap().s3;
    std::fs::create_dir_all(&data).unwrap();
    let store = Store::open(&data).unwrap();
    scans::insert_scan(&store, &s3, "user-1", scans::picture(1, 500));
    drop(store);

    let log = dir.path().join("stderr.log");
    let (file, stream) = journal_file(&log);
    let port = common::free_port();
    let mut child = Command::new(common::binary())
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(&data)
        .arg("--config")
        .arg(&config)
        .env("JOURNAL_STREAM", &stream)
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(file)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let text = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.matches("upload failed").count() >= 2 {
            break text;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("no upload failure logged: {text}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let _ = child.kill();
    let _ = child.wait();

    for line in text.lines() {
        let priority = line
            .strip_prefix('<')
            .and_then(|l| l.split_once('>'))
            .map(|(p, _)| p);
        assert!(
            matches!(priority, Some("3" | "4" | "6" | "7")),
            "every line starts with its priority: {line:?}"
        );
    }
    let listening = text.lines().find(|l| l.contains("listening")).unwrap();
    assert!(listening.starts_with("<6>"), "{listening}");
    assert!(listening.contains("INFO"), "{listening}");
    let failures: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("upload failed"))
        .collect();
    assert!(failures.len() >= 2, "{text}");
    for line in failures {
        assert!(line.starts_with("<4>"), "a warning: {line}");
        assert!(line.contains("cannot reach S3"), "{line}");
        // Readable: no Debug dump of the SDK error, each cause once, one short line.
        for dump in ["DispatchFailure", "ConnectorError", "{ ", "Some("] {
            assert!(!line.contains(dump), "{dump:?} in {line}");
        }
        assert!(line.matches("Connection refused").count() <= 1, "{line}");
        assert!(line.len() < 400, "{} characters: {line}", line.len());
    }
}

#[test]
fn a_fatal_error_is_one_line_with_priority_3_only_on_the_journal() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let run = |journal: bool| {
        let log = dir.path().join(format!("fatal-{journal}.log"));
        let (file, stream) = journal_file(&log);
        let status = Command::new(common::binary())
            .args(["serve", "--listen", &addr, "--data-dir"])
            .arg(dir.path().join("data"))
            .env("CARENCO_SCANNER_ENABLED", "false")
            // Another stream than our stderr (a child that inherited the variable).
            .env(
                "JOURNAL_STREAM",
                if journal { stream } else { "1:1".into() },
            )
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file)
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(1));
        std::fs::read_to_string(&log).unwrap()
    };
    let text = run(true);
    let fatal: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("carenco-edge:"))
        .collect();
    assert_eq!(fatal.len(), 1, "{text}");
    assert!(
        fatal[0].starts_with("<3>carenco-edge: cannot listen on"),
        "{text}"
    );
    let text = run(false);
    let fatal: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("carenco-edge:"))
        .collect();
    assert_eq!(fatal.len(), 1, "{text}");
    assert!(
        fatal[0].starts_with("carenco-edge: cannot listen on"),
        "{text}"
    );
    drop(taken);
}
