//! The scanner's command-line tools, kept here so that `main.rs` only parses:
//! `carenco-edge simulate` (the simulated mat on a pseudo-terminal or a serial port)
//! and `carenco-edge calibrate` (calibration steps against a running service).

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio_serial::{SerialPort, SerialPortBuilderExt};

use super::simulator::{SimOptions, SimStats, Simulator};

/// The header that says a bodiless POST is no HTML form: `api::guard::CLIENT_HEADER`
/// (a test there keeps the two equal; the scanner does not import the API).
pub const CLIENT_HEADER: &str = "x-carenco-client";

/// Where `simulate` writes.
#[derive(Debug, Clone)]
pub enum SimTarget {
    /// A new pseudo-terminal; its path is reported before the first frame.
    Pty,
    /// An existing serial device (e.g. one end of a null-modem cable).
    Port { path: String, baud: u32 },
}

/// Errors of the CLI tools.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("serial: {0}")]
    Serial(#[from] tokio_serial::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Codec(#[from] super::codec::CodecError),
    #[error("HTTP: {0}")]
    Http(#[from] crate::http_client::Error),
    #[error("the service answered {status}: {body}")]
    Service { status: u16, body: String },
}

/// Streams the scenario to `target` at the options' rate; `frames` limits the count
/// (none = until killed). `ready` gets the path to open before the first frame.
pub async fn simulate(
    opts: SimOptions,
    target: SimTarget,
    frames: Option<u64>,
    ready: impl FnOnce(&str),
) -> Result<SimStats, CliError> {
    let period = Duration::from_secs_f32(1.0 / opts.rate_hz.clamp(0.1, 1000.0));
    let mut sim = Simulator::new(opts);
    // The pty's other end stays open in this process so that a reader that closes
    // and reopens it does not hang it up.
    let (mut port, _keep_open) = match target {
        SimTarget::Pty => {
            let (master, slave) = tokio_serial::SerialStream::pair()?;
            let name = slave.name().unwrap_or_default();
            ready(&name);
            (master, Some(slave))
        }
        SimTarget::Port { path, baud } => {
            let port = tokio_serial::new(&path, baud).open_native_async()?;
            ready(&path);
            (port, None)
        }
    };
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut bytes = Vec::new();
    let mut sent = 0u64;
    while frames.is_none_or(|n| sent < n) {
        tick.tick().await;
        bytes.clear();
        sim.next_bytes(&mut bytes)?;
        port.write_all(&bytes).await?;
        sent += 1;
    }
    port.flush().await?;
    // Let the reader drain the pty before it is closed.
    tokio::time::sleep(Duration::from_millis(500)).await;
    Ok(sim.stats())
}

/// A calibration step against a running service.
#[derive(Debug, Clone)]
pub enum CalibrateAction {
    Tare,
    KnownKg(f32),
    Export,
    /// The JSON text of an exported calibration.
    Import(String),
}

/// Runs `action` against the service at `base_url`; returns the answer's body.
pub async fn calibrate(
    base_url: &str,
    token: Option<&str>,
    action: CalibrateAction,
) -> Result<String, CliError> {
    let base = base_url.trim_end_matches('/');
    // A known-weight calibration waits for a stable stance: allow the capture timeout.
    let client = crate::http_client::Client::new(Duration::from_secs(120), Duration::from_secs(5));
    let bearer = token
        .filter(|t| !t.is_empty())
        .map(|t| format!("Bearer {t}"));
    let mut headers: Vec<(&str, &str)> = bearer
        .as_deref()
        .map(|b| ("authorization", b))
        .into_iter()
        .collect();
    let (method, path, body) = match action {
        // A bodiless POST says it is no HTML form (api::guard).
        CalibrateAction::Tare => {
            headers.push((CLIENT_HEADER, "carenco-edge"));
            (http::Method::POST, "tare", String::new())
        }
        CalibrateAction::KnownKg(kg) => {
            headers.push(("content-type", "application/json"));
            let body = serde_json::json!({ "known_kg": kg }).to_string();
            (http::Method::POST, "calibrate", body)
        }
        CalibrateAction::Export => (http::Method::GET, "calibration", String::new()),
        CalibrateAction::Import(json) => {
            headers.push(("content-type", "application/json"));
            (http::Method::PUT, "calibration", json)
        }
    };
    let url = format!("{base}/scanner/{path}");
    let response = client.send(method, &url, &headers, body.into()).await?;
    let status = response.status;
    let body = response.text();
    if status.is_success() {
        Ok(body)
    } else {
        Err(CliError::Service {
            status: status.as_u16(),
            body,
        })
    }
}
