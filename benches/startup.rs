//! Start → first `GET /health` 200 of the real binary (PERFORMANCE.md: ≤ 100 ms here).
//!
//! Each iteration starts `carenco-edge serve` on a fresh data dir and port, polls
//! `/health` every millisecond until it answers 200, then kills the process. The time
//! includes process start, config, opening (creating and migrating) the database and
//! binding the listener: what an operator waits for after `systemctl start`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// One plain HTTP/1.1 GET; true on a 200. (No HTTP client crate: its own start-up
/// would be measured too.)
fn health_ok(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
    // A loopback Host: the service answers other names 421 (DNS rebinding).
    let request =
        format!("GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    if s.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut buf = [0u8; 12];
    s.read_exact(&mut buf).is_ok() && &buf[9..12] == b"200"
}

fn start_to_first_health(bin: &str) -> Duration {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let start = Instant::now();
    let mut child = Command::new(bin)
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(dir.path())
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    while !health_ok(port) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no /health in 10 s"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    let elapsed = start.elapsed();
    let _ = child.kill();
    let _ = child.wait();
    elapsed
}

fn bench(c: &mut Criterion) {
    let bin = env!("CARGO_BIN_EXE_carenco-edge");
    let mut group = c.benchmark_group("startup");
    group.sample_size(20);
    group.bench_function("start_to_first_health_200", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| start_to_first_health(bin)).sum())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
