//! carenco-edge: the foot-pressure mat and InBody OCR service of a health kiosk.
//!
//! The library holds everything; `main.rs` only parses the command line and sets up
//! logging. Module map (see `../shared/design/ARCHITECTURE.md`):
//!
//! - [`config`]: the one typed configuration (TOML + `CARENCO_*` env + CLI flags).
//! - [`logging`]: tracing set-up for terminals, systemd and JSON.
//! - [`store`]: every SQL statement and every durable byte (scans, health records,
//!   calibration, the outbox and upload queue, budget and retention).
//! - [`mat`]: the mat's data (`Frame`, `WireFormat`, `PressureGrid`); a leaf.
//! - [`scanner`]: mat wire formats, serial transport, capture, simulator.
//! - [`footprint`]: calibrated pressure grids, analysis and pictures.
//! - [`ocr`]: OCR engines and the InBody sheet parser.
//! - [`pipeline`]: frame to footprint result, sheet words to OCR report: shared by
//!   the API, the command line and the benches.
//! - [`sync`]: the store-and-forward outbox to S3.
//! - [`metrics`]: `/metrics` in the Prometheus text format.
//! - [`api`]: the warp HTTP API and its OpenAPI document.
//! - [`status`]: component status on `/check` (a leaf); [`service`]: the shared
//!   parts of the running service that the kiosk's own tasks use.
//! - [`app`]: wires everything together; [`app::run`] is the entry point tests use.
//! - [`timestamp`]: the RFC 3339 format of every `*_at` (a leaf).
//! - [`fleet`]: heartbeats to the bucket, `fleet status`, the clock-sync flag.
//! - [`gpio`]: status LED and capture button on a Raspberry Pi (feature `gpio`).
//! - [`notify`]: systemd readiness, watchdog and status (`sd_notify`).

pub mod api;
pub mod app;
pub mod config;
pub mod fleet;
pub mod footprint;
pub mod gpio;
pub mod http_client;
pub mod logging;
pub mod mat;
pub mod metrics;
pub mod notify;
pub mod ocr;
pub mod pipeline;
pub mod scanner;
pub mod service;
pub mod status;
pub mod store;
pub mod sync;
pub mod timestamp;
