//! Test helpers: start the real service in-process on `127.0.0.1:0` with a temp data
//! dir, or the real binary as a child process.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use carenco_edge::config::Config;
use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tokio_serial::{SerialPort, SerialStream};

/// A service running in this test process; stopped (gracefully) on drop.
pub struct TestService {
    pub addr: SocketAddr,
    pub data_dir: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<Result<(), carenco_edge::app::AppError>>>,
}

impl TestService {
    /// Starts with the default config (scanner off, no S3) adjusted by `tweak`.
    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> TestService {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config::default();
        config.storage.data_dir = data_dir.path().to_path_buf();
        config.scanner.enabled = false;
        tweak(&mut config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(carenco_edge::app::run(config, listener, async move {
            let _ = rx.await;
        }));
        let service = TestService {
            addr,
            data_dir,
            shutdown: Some(tx),
            handle: Some(handle),
        };
        service.wait_healthy().await;
        service
    }

    pub async fn start() -> TestService {
        Self::start_with(|_| {}).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// `GET path`, answered with JSON (any status); panics when it is not JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        let r = reqwest::get(self.url(path))
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        r.json()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: not JSON: {e}"))
    }

    /// `PUT path` with a JSON body; the status and the JSON answer.
    pub async fn put_json(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send_json(reqwest::Method::PUT, path, body).await
    }

    /// `method path` with a JSON body; the status and the JSON answer.
    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &Value,
    ) -> (u16, Value) {
        let r = reqwest::Client::new()
            .request(method.clone(), self.url(path))
            .json(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = r.status().as_u16();
        let answer = r
            .json()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: not JSON: {e}"));
        (status, answer)
    }

    async fn wait_healthy(&self) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(r) = client.get(self.url("/health")).send().await {
                if r.status().is_success() {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "service did not become healthy");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops the service and waits until it has shut down.
    pub async fn stop(mut self) -> tempfile::TempDir {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            h.await.expect("join").expect("service ended with an error");
        }
        let dir = tempfile::tempdir().expect("temp dir");
        std::mem::replace(&mut self.data_dir, dir)
    }
}

impl Drop for TestService {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Path of the real binary built by cargo for these tests.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_carenco-edge"))
}

/// A free loopback port for a child service to bind.
///
/// The port is bound here and released, so something else could take it before the
/// child binds it. Asking the kernel for port 0 made that likely: it hands the same
/// ephemeral range (`ip_local_port_range`, 32768–60999 by default) to every outgoing
/// connection the tests' clients open, and CI once lost a test to exactly that
/// ("Address already in use"). So ports come from below that range, where the kernel
/// never picks one on its own, each at most once per test process (a counter), from a
/// start that differs between processes (the pid).
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    const LOW: u32 = 20_000;
    const SPAN: u32 = 12_000;
    static NEXT: AtomicU32 = AtomicU32::new(u32::MAX);
    let start = (std::process::id() % 97) * 120;
    let _ = NEXT.compare_exchange(u32::MAX, start, Ordering::SeqCst, Ordering::SeqCst);
    for _ in 0..SPAN {
        let port = (LOW + NEXT.fetch_add(1, Ordering::SeqCst) % SPAN) as u16;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port in {LOW}..{}", LOW + SPAN)
}

/// The real binary serving on `port` with `data_dir`; killed on drop.
pub struct ChildService {
    pub child: Child,
    pub port: u16,
}

impl ChildService {
    pub fn spawn(data_dir: &Path, port: u16, extra: &[&str]) -> ChildService {
        Self::spawn_with_env(data_dir, port, extra, &[])
    }

    /// As [`ChildService::spawn`], with extra environment variables for the child
    /// (e.g. the AWS credential chain's), leaving this test process's own untouched.
    pub fn spawn_with_env(
        data_dir: &Path,
        port: u16,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> ChildService {
        let child = Command::new(binary())
            .arg("serve")
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(data_dir)
            .args(extra)
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn carenco-edge");
        ChildService { child, port }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    /// Waits for `/health` to answer 200; panics after `timeout`.
    pub fn wait_healthy(&mut self, timeout: Duration) -> Duration {
        let start = Instant::now();
        let client = reqwest::blocking::Client::new();
        loop {
            if let Ok(r) = client.get(self.url("/health")).send() {
                if r.status().is_success() {
                    return start.elapsed();
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("carenco-edge exited early: {status}");
            }
            assert!(start.elapsed() < timeout, "no /health within {timeout:?}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ChildService {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Polls `probe` every 50 ms until it answers `Ok`; after `within`, panics naming
/// `what` and the last `Err` (what the state was instead).
pub async fn poll_until<T, F, Fut>(what: &str, within: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let deadline = Instant::now() + within;
    loop {
        match probe().await {
            Ok(done) => return done,
            Err(last) => assert!(
                Instant::now() < deadline,
                "waited {within:?} for {what}; last: {last}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One end of a pseudo-terminal for the test to write to, the other end's path
/// published through a symlink that the service opens.
pub struct Mat {
    master: SerialStream,
    /// Kept open so the pty is not hung up between the service's reads.
    _slave: SerialStream,
}

impl Mat {
    /// Plugs in a new pty and points `link` at it (atomically, like udev).
    pub fn plug(link: &Path) -> Mat {
        let (master, slave) = SerialStream::pair().expect("pty pair");
        let target = slave.name().expect("pty name");
        let tmp = link.with_extension("new");
        let _ = std::fs::remove_file(&tmp);
        std::os::unix::fs::symlink(&target, &tmp).expect("symlink");
        std::fs::rename(&tmp, link).expect("move symlink");
        Mat {
            master,
            _slave: slave,
        }
    }

    pub async fn send(&mut self, bytes: &[u8]) {
        self.master.write_all(bytes).await.expect("write to pty");
        self.master.flush().await.expect("flush pty");
    }
}
