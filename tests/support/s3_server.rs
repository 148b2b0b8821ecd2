//! A real S3 server on loopback for tests and benches: s3s + s3s-fs in-process, SigV4
//! checked (`SimpleAuth`), served with hyper-util's auto connection builder.
//!
//! A thin hyper layer in front of the s3s service can inject failures (HTTP 500/503,
//! slow answers) and records every request, so tests can tell how often each key was
//! PUT and which integrity checksum it carried. `stop` closes the listener and every
//! open connection (the server is "down"); `restart` serves the same directory on the
//! same port again.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;

pub const ACCESS_KEY: &str = "CARENCOTESTKEY";
pub const SECRET_KEY: &str = "carenco-test-secret-0123456789";
pub const BUCKET: &str = "kiosk-bucket";

/// One request the server saw.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub headers: HashMap<String, String>,
}

impl Seen {
    /// The object key of a path-style request (`/bucket/key`).
    pub fn key(&self) -> Option<&str> {
        self.path
            .strip_prefix('/')
            .and_then(|p| p.strip_prefix(BUCKET))
            .and_then(|p| p.strip_prefix('/'))
    }

    /// The integrity checksum the request carried, whichever kind.
    pub fn checksum(&self) -> Option<String> {
        [
            "content-md5",
            "x-amz-checksum-crc32",
            "x-amz-checksum-sha256",
        ]
        .iter()
        .find_map(|h| self.headers.get(*h).map(|v| format!("{h}={v}")))
    }
}

/// What the failure layer does to the next requests.
#[derive(Default)]
pub struct Faults {
    /// Answer this many requests with 500, then this many with 503.
    pub fail_500: AtomicUsize,
    pub fail_503: AtomicUsize,
    /// Delay this many requests by `slow_ms`.
    pub slow_requests: AtomicUsize,
    pub slow_ms: AtomicU64,
    /// Delay every request by up to this many ms (random), e.g. to widen the window
    /// in which a crash hits an upload in flight.
    pub jitter_ms: AtomicU64,
}

fn take_one(counter: &AtomicUsize) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

pub struct S3Server {
    pub addr: SocketAddr,
    root: PathBuf,
    _dir: Option<tempfile::TempDir>,
    secret: String,
    pub faults: Arc<Faults>,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl S3Server {
    /// Starts a server with the test credentials and an empty bucket.
    pub async fn start() -> S3Server {
        Self::start_with_secret(SECRET_KEY).await
    }

    /// Starts a server that accepts `ACCESS_KEY` with `secret` (a different secret
    /// than the client's makes every request fail SigV4).
    pub async fn start_with_secret(secret: &str) -> S3Server {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join(BUCKET)).expect("bucket dir");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let mut server = S3Server {
            addr: listener.local_addr().expect("addr"),
            root: dir.path().to_path_buf(),
            _dir: Some(dir),
            secret: secret.to_string(),
            faults: Arc::new(Faults::default()),
            seen: Arc::new(Mutex::new(Vec::new())),
            task: None,
        };
        server.serve(listener);
        server
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let fs = s3s_fs::FileSystem::new(&self.root).expect("s3s-fs");
        let mut builder = S3ServiceBuilder::new(fs);
        builder.set_auth(SimpleAuth::from_single(ACCESS_KEY, self.secret.clone()));
        let service = builder.build();
        let faults = self.faults.clone();
        let seen = self.seen.clone();
        self.task = Some(tokio::spawn(async move {
            // Connections live in this set: aborting the server task closes them all.
            let mut connections = tokio::task::JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let service = service.clone();
                let faults = faults.clone();
                let seen = seen.clone();
                connections.spawn(async move {
                    let handler =
                        hyper::service::service_fn(move |req: http::Request<Incoming>| {
                            let service = service.clone();
                            let faults = faults.clone();
                            let seen = seen.clone();
                            async move { handle(service, faults, seen, req).await }
                        });
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), handler)
                        .await;
                });
                while connections.try_join_next().is_some() {}
            }
        }));
    }

    /// Closes the listener and every connection: clients get "connection refused".
    pub async fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }

    /// Serves again on the same port and directory.
    pub async fn restart(&mut self) {
        self.stop().await;
        let listener = loop {
            match tokio::net::TcpListener::bind(self.addr).await {
                Ok(l) => break l,
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        };
        self.serve(listener);
    }

    /// The stored object, read from the server's directory.
    pub fn object(&self, key: &str) -> Option<Vec<u8>> {
        std::fs::read(self.root.join(BUCKET).join(key)).ok()
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Successful PUTs per key.
    pub fn successful_puts(&self) -> HashMap<String, Vec<Seen>> {
        let mut out: HashMap<String, Vec<Seen>> = HashMap::new();
        for s in self.seen.lock().expect("seen").iter() {
            if s.method == "PUT" && s.status == 200 {
                if let Some(key) = s.key() {
                    out.entry(key.to_string()).or_default().push(s.clone());
                }
            }
        }
        out
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().expect("seen").clone()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

async fn handle(
    service: s3s::service::S3Service,
    faults: Arc<Faults>,
    seen: Arc<Mutex<Vec<Seen>>>,
    req: http::Request<Incoming>,
) -> Result<http::Response<s3s::Body>, s3s::HttpError> {
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let headers: HashMap<String, String> = req
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let jitter = faults.jitter_ms.load(Ordering::SeqCst);
    if jitter > 0 {
        tokio::time::sleep(Duration::from_millis(rand::random_range(0..=jitter))).await;
    }
    if take_one(&faults.slow_requests) {
        tokio::time::sleep(Duration::from_millis(faults.slow_ms.load(Ordering::SeqCst))).await;
    }
    let injected = if take_one(&faults.fail_500) {
        Some((500, "InternalError"))
    } else if take_one(&faults.fail_503) {
        Some((503, "SlowDown"))
    } else {
        None
    };
    let response = match injected {
        Some((status, code)) => http::Response::builder()
            .status(status)
            .header("content-type", "application/xml")
            .body(s3s::Body::from(format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code>\
                 <Message>injected by the test server</Message></Error>"
            )))
            .map_err(|e| s3s::HttpError::new(Box::new(e)))?,
        None => service.call(req.map(s3s::Body::from)).await?,
    };
    seen.lock().expect("seen").push(Seen {
        method,
        path,
        status: response.status().as_u16(),
        headers,
    });
    Ok(response)
}

/// An aws-sdk-s3 client for reading back what the service uploaded.
pub fn client(endpoint: &str) -> aws_sdk_s3::Client {
    let creds = aws_sdk_s3::config::Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "test");
    let conf = aws_sdk_s3::config::Builder::new()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .force_path_style(true)
        .credentials_provider(creds)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// Makes the standard AWS credential chain find the test credentials (environment
/// variables come first in the chain; instance metadata is off). Called by every test before it
/// starts anything; the values are the same for all.
pub fn use_test_credentials() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::env::set_var("AWS_ACCESS_KEY_ID", ACCESS_KEY);
        std::env::set_var("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    });
}
