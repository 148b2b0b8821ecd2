//! The pressure mat: wire formats ([`codec`]), the decoded [`Frame`], the serial
//! transport and the built-in simulated mat ([`transport`]), the capture state
//! machine ([`capture`]), the scenario generator ([`simulator`]) and the
//! [`ScannerHandle`] the API uses.
//!
//! Wire formats are specified in `../shared/protocol/FRAMES.md`; capture and
//! calibration in `../shared/design/FOOT.md`.

pub mod capture;
pub mod cli;
pub mod codec;
pub use crate::mat::frame;
pub mod handle;
pub mod simulator;
pub mod transport;

use std::time::Duration;

pub use capture::{CaptureError, CapturedFrame, Phase};
pub use frame::{Frame, WireFormat};
pub use handle::{ScannerHandle, ScannerStatus};

use crate::config::ScannerConfig;
use crate::footprint::calibration::{self, CalibrationError};
use crate::footprint::grid::STANDARD_GRAVITY;
use crate::store::Store;

/// The capture settings of `[scanner]`.
pub fn capture_settings(config: &ScannerConfig) -> capture::CaptureSettings {
    capture::CaptureSettings {
        presence_n: config.presence_kg * STANDARD_GRAVITY,
        stable_window_ms: config.stable_window_ms,
        stable_tolerance: config.stable_tolerance_pct / 100.0,
        timeout_ms: config.capture_timeout_ms,
    }
}

/// Starts reading the mat (the serial port, or the built-in simulated mat with
/// `simulate`) with the calibration in force. The task runs until aborted.
pub async fn start(
    config: &ScannerConfig,
    store: &Store,
) -> Result<(ScannerHandle, tokio::task::JoinHandle<()>), CalibrationError> {
    let cal = calibration::load_or_factory(store, config.format, config.rows, config.cols).await?;
    let source = if config.simulate {
        "simulated".to_string()
    } else {
        config.port.clone()
    };
    let handle = ScannerHandle::new(
        config.format,
        source,
        config.pitch_mm,
        capture_settings(config),
        cal,
        store.clone(),
    );
    let read_timeout = Duration::from_millis(config.read_timeout_ms);
    let task = if config.simulate {
        let opts = simulator::SimOptions {
            format: config.format,
            rows: config.rows,
            cols: config.cols,
            pitch_mm: config.pitch_mm,
            ..simulator::SimOptions::default()
        };
        tokio::spawn(transport::run_simulated(handle.clone(), opts, read_timeout))
    } else {
        let settings = transport::SerialSettings {
            port: config.port.clone(),
            baud: config.baud,
            read_timeout,
            retry_max: Duration::from_millis(config.retry_max_ms),
        };
        tokio::spawn(transport::run_serial(handle.clone(), settings))
    };
    Ok((handle, task))
}
