//! Serial transport: opens the mat's port, reads and decodes, and survives unplugging.
//!
//! # Behaviour
//! - The port is opened with tokio-serial at the configured baud rate. Bytes go
//!   through the format's [`MatCodec`]; every frame is published on the
//!   [`ScannerHandle`], the codec counters after every read.
//! - End of stream (a pseudo-terminal whose other side closed; an unplugged USB
//!   adapter reads 0 bytes forever), an I/O error (EIO) or no bytes at all for
//!   `read_timeout` (the backstop for adapters that neither error nor deliver) all
//!   mean "disconnected": logged once, shown on `/check`, and the port is dropped.
//! - Then it reopens the same path with capped exponential backoff until the device
//!   returns (udev gives the mat the same name, `/dev/footscanner`, each time). Open
//!   failures while waiting are logged at debug level only, so an absent mat does not
//!   flood the journal.
//! - The codec and its counters persist across reconnects; a partial frame in the
//!   buffer at disconnect is dropped.

use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio_serial::SerialPortBuilderExt;
use tokio_util::codec::Decoder;

use super::codec::MatCodec;
use super::handle::ScannerHandle;
use super::simulator::{SimOptions, Simulator};

/// First reopen delay; doubles up to the configured cap.
pub const FIRST_RETRY: Duration = Duration::from_millis(100);
/// Read buffer growth step.
const READ_CHUNK: usize = 8 * 1024;

/// Where and how to read the mat.
#[derive(Debug, Clone)]
pub struct SerialSettings {
    pub port: String,
    pub baud: u32,
    /// No bytes for this long = disconnected.
    pub read_timeout: Duration,
    /// Longest wait between reopen attempts.
    pub retry_max: Duration,
}

/// Why a connection ended.
#[derive(Debug)]
pub enum EndReason {
    Eof,
    Io(std::io::Error),
    Inactive(Duration),
}

impl std::fmt::Display for EndReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EndReason::Eof => f.write_str("end of stream"),
            EndReason::Io(e) => write!(f, "read error: {e}"),
            EndReason::Inactive(d) => write!(f, "no data for {} ms", d.as_millis()),
        }
    }
}

/// Reads `io` until it ends, publishing frames and counters; returns why it ended.
pub async fn pump<R: AsyncRead + Unpin>(
    mut io: R,
    codec: &mut MatCodec,
    handle: &ScannerHandle,
    read_timeout: Duration,
) -> EndReason {
    let mut buf = BytesMut::with_capacity(READ_CHUNK);
    let reason = loop {
        if buf.capacity() - buf.len() < READ_CHUNK / 2 {
            buf.reserve(READ_CHUNK);
        }
        match tokio::time::timeout(read_timeout, io.read_buf(&mut buf)).await {
            Err(_) => break EndReason::Inactive(read_timeout),
            Ok(Ok(0)) => break EndReason::Eof,
            Ok(Err(e)) => break EndReason::Io(e),
            Ok(Ok(_)) => {
                // The codec never fails; its error type is only the trait's.
                while let Ok(Some(frame)) = codec.decode(&mut buf) {
                    handle.publish(frame);
                }
                handle.update_stats(codec.stats());
            }
        }
    };
    codec.reset_stream();
    reason
}

/// Reads the mat on `settings.port` forever (the caller aborts the task on shutdown).
pub async fn run_serial(handle: ScannerHandle, settings: SerialSettings) {
    let mut codec = MatCodec::new(handle.format());
    let mut delay = FIRST_RETRY;
    let mut logged_absent = false;
    loop {
        let opened = tokio_serial::new(&settings.port, settings.baud)
            .timeout(settings.read_timeout)
            .open_native_async();
        match opened {
            Ok(port) => {
                tracing::info!(port = %settings.port, format = %handle.format(), "mat connected");
                handle.set_connected(true);
                delay = FIRST_RETRY;
                let reason = pump(port, &mut codec, &handle, settings.read_timeout).await;
                handle.set_connected(false);
                handle.set_error(reason.to_string());
                tracing::warn!(port = %settings.port, %reason, "mat disconnected; reopening until it returns");
                // That was the one log line of this outage; retries go to debug.
                logged_absent = true;
            }
            Err(error) => {
                handle.set_error(error.to_string());
                if logged_absent {
                    tracing::debug!(port = %settings.port, %error, "mat still absent");
                } else {
                    tracing::warn!(port = %settings.port, %error, "cannot open the mat; retrying");
                    logged_absent = true;
                }
            }
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(settings.retry_max);
    }
}

/// The built-in simulated mat (`serve --simulate`): the simulator writes its bytes
/// into an in-memory pipe at its frame rate and [`pump`] reads them like a port, so
/// the codec, counters and capture run exactly as with a real mat.
pub async fn run_simulated(handle: ScannerHandle, opts: SimOptions, read_timeout: Duration) {
    use tokio::io::AsyncWriteExt;
    let (mut tx, rx) = tokio::io::duplex(64 * 1024);
    let period = Duration::from_secs_f32(1.0 / opts.rate_hz.clamp(0.1, 1000.0));
    let mut sim = Simulator::new(opts);
    let writer = async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut bytes = Vec::new();
        loop {
            tick.tick().await;
            bytes.clear();
            if let Err(error) = sim.next_bytes(&mut bytes) {
                tracing::error!(%error, "simulated mat cannot encode its frame");
                return;
            }
            if tx.write_all(&bytes).await.is_err() {
                return;
            }
        }
    };
    let mut codec = MatCodec::new(handle.format());
    handle.set_connected(true);
    tracing::info!(format = %handle.format(), "simulated mat running");
    tokio::select! {
        () = writer => {}
        reason = pump(rx, &mut codec, &handle, read_timeout) => {
            tracing::warn!(%reason, "simulated mat stopped");
        }
    }
    handle.set_connected(false);
}
