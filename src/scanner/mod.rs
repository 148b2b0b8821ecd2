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
use crate::footprint::grid::STANDARD_GRAVITY;
use crate::store::{Store, StoreError};

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
) -> Result<(ScannerHandle, tokio::task::JoinHandle<()>), StoreError> {
    let cal =
        crate::store::calibration::load_or_factory(store, config.format, config.rows, config.cols)
            .await?;
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

/// The legacy sample frame through the factory calibration: where the wire format
/// meets the model (`footprint::calibration` itself has no decoder).
#[cfg(test)]
mod tests {
    use crate::footprint::calibration::{Calibration, CalibrationError};
    use crate::mat::{Frame, WireFormat, STANDARD_GRAVITY};

    fn sample() -> Frame {
        let json: serde_json::Value = serde_json::from_str(include_str!(
            "../../tests/fixtures/frames/legacy_sample_data.json"
        ))
        .unwrap();
        crate::scanner::codec::legacy::decode_hex(json["data"].as_str().unwrap()).unwrap()
    }

    #[test]
    fn the_legacy_factory_load_cell_reads_the_sample_as_about_58_kg() {
        let cal = Calibration::factory(WireFormat::Legacy, 24, 24);
        let grid = cal.apply(&sample(), 16.9);
        let kg = grid.load_cell_kg.unwrap();
        assert!((kg - 58.516).abs() < 0.01, "{kg}");
        // The default gain makes the pressure sum agree roughly with the load cell.
        let sum_kg = grid.total_force_n() / STANDARD_GRAVITY;
        assert!((sum_kg - kg).abs() / kg < 0.1, "{sum_kg} vs {kg}");
    }

    #[test]
    fn json_export_round_trips_and_import_rejects_bad_files() {
        let cal = Calibration::factory(WireFormat::Legacy, 24, 24)
            .tare(&[sample()])
            .unwrap();
        assert_eq!(Calibration::from_json(&cal.to_json()).unwrap(), cal);

        let mut v: serde_json::Value = serde_json::from_str(&cal.to_json()).unwrap();
        v["version"] = 2.into();
        assert!(matches!(
            Calibration::from_json(&v.to_string()),
            Err(CalibrationError::UnsupportedVersion { found: 2 })
        ));
        let mut v: serde_json::Value = serde_json::from_str(&cal.to_json()).unwrap();
        v["zero"] = serde_json::json!([1.0, 2.0]);
        assert!(matches!(
            Calibration::from_json(&v.to_string()),
            Err(CalibrationError::Invalid(_))
        ));
        let mut v: serde_json::Value = serde_json::from_str(&cal.to_json()).unwrap();
        v["gain_n_per_count"] = (-1.0).into();
        assert!(Calibration::from_json(&v.to_string()).is_err());
        assert!(Calibration::from_json("not json").is_err());
        assert!(Calibration::from_json("{\"version\":1}").is_err());
    }
}
