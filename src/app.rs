//! Wires the service together.
//!
//! [`run`] takes a validated [`Config`], an already bound listener and a shutdown
//! future, opens the store, starts the background parts and serves the API until the
//! shutdown future completes. `main.rs` calls it with the configured address and
//! SIGTERM/SIGINT; tests call it with `127.0.0.1:0` and a temp data dir.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use futures::future::BoxFuture;
use tokio::net::TcpListener;

use crate::config::{Config, ConfigError};
use crate::metrics::Metrics;
pub use crate::service::Service;
pub use crate::status::{ComponentStatus, Components, StatusComponent};
use crate::store::{Store, StoreError};
use crate::sync::{S3ObjectStore, SyncComponent, SyncHandle};

/// Errors that stop the service from starting.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot open the database: {0}")]
    Store(#[from] StoreError),
    #[error(
        "refusing to listen on {addr}: it is not a loopback address and api.token is not set \
         (set CARENCO_API_TOKEN, or listen on 127.0.0.1)"
    )]
    PublicWithoutToken { addr: std::net::SocketAddr },
    #[error("cannot load the mat calibration: {0}")]
    Calibration(StoreError),
    #[error("listener: {0}")]
    Io(#[from] std::io::Error),
}

/// Shared state of the running service, handed to every API handler: the
/// [`Service`] (which the kiosk's own tasks share, through `Deref`) and what only the
/// API uses.
pub struct AppState {
    pub service: Arc<Service>,
    /// `/metrics`: request counters; subsystems may `register` their own series.
    pub metrics: Arc<Metrics>,
    /// The OCR engines `PUT /ocr` uses.
    pub ocr: crate::ocr::Engines,
    /// `/image`: the group-committing scan writer and the calibration for `data`.
    pub footprint: crate::api::image::FootprintState,
    /// Turns true when the service begins to stop: live streams end on it.
    pub stopping: tokio::sync::watch::Receiver<bool>,
    /// OCR jobs at once (`ocr.max_concurrent`, `ocr.queue`).
    pub ocr_turns: crate::api::limits::WorkLimiter,
    /// Large renders at once (`api.max_large_renders`, `api.large_render_queue`).
    pub render_turns: crate::api::limits::WorkLimiter,
    /// Writes refused by a full disk (`/check`'s `storage`).
    pub disk: Arc<crate::store::disk::DiskHealth>,
}

impl std::ops::Deref for AppState {
    type Target = Service;
    fn deref(&self) -> &Service {
        &self.service
    }
}

/// `/check`'s `database` component: a write transaction must be possible.
struct DatabaseStatus {
    store: Store,
}

impl StatusComponent for DatabaseStatus {
    fn name(&self) -> &'static str {
        "database"
    }
    fn critical(&self) -> bool {
        true
    }
    fn status(&self) -> BoxFuture<'_, ComponentStatus> {
        Box::pin(async move {
            match self.store.probe().await {
                Ok(s) => ComponentStatus::new(
                    true,
                    serde_json::json!({
                        "path": self.store.path(),
                        "schema_version": s.schema_version,
                        "scans": s.scans,
                        "health_records": s.health_records,
                    }),
                ),
                Err(e) => ComponentStatus::new(
                    false,
                    serde_json::json!({ "path": self.store.path(), "error": e.to_string() }),
                ),
            }
        })
    }
}

/// `/check`'s `scanner` component when `scanner.enabled` is false: the same keys, so
/// the kiosk UI need not special-case it, and `ok` because nothing is expected.
struct DisabledScannerStatus {
    format: crate::scanner::WireFormat,
}

impl StatusComponent for DisabledScannerStatus {
    fn name(&self) -> &'static str {
        "scanner"
    }
    fn status(&self) -> BoxFuture<'_, ComponentStatus> {
        Box::pin(async move {
            ComponentStatus::new(
                true,
                serde_json::json!({
                    "enabled": false,
                    "connected": false,
                    "format": self.format,
                    "fps": 0.0,
                    "frames_decoded": 0,
                    "frames_rejected": 0,
                    "garbage_bytes": 0,
                    "sequence_gaps": 0,
                }),
            )
        })
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs the service on `listener` until `shutdown` completes.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), AppError> {
    config.validate()?;
    let addr = listener.local_addr()?;
    if !addr.ip().is_loopback() && config.api.token.is_empty() {
        return Err(AppError::PublicWithoutToken { addr });
    }
    let config = Arc::new(config);
    let data_dir = config.storage.data_dir.clone();
    let store = tokio::task::spawn_blocking(move || {
        // Slow only on the first start after an upgrade from schema version 2 (every
        // picture file moved into the database): systemd is told it progresses.
        crate::notify::still_starting("opening the database");
        let store = Store::open_with_progress(&data_dir, &mut |moved| {
            crate::notify::still_starting(&format!(
                "moving picture files into the database: {} moved",
                moved.pictures
            ))
        })?;
        // Before any request: picture files nothing needs any more (moved in, or left
        // half-written by a version that kept pictures in files).
        crate::store::disk::sweep(&store, &data_dir)?;
        Ok::<_, StoreError>(store)
    })
    .await
    .map_err(|e| StoreError::Join(e.to_string()))??;

    // Background tasks stop when `stop` turns true (after the shutdown future).
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let shutdown = async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    };

    let sync = SyncHandle::new(config.clone(), store.clone());
    let sync_worker = if sync.enabled() {
        let objects = Arc::new(S3ObjectStore::from_config(&config.s3).await);
        sync.spawn_worker(objects, stop.clone())
    } else {
        tracing::info!("s3.bucket is not set: uploads are off, everything stays local");
        None
    };

    let disk = Arc::new(crate::store::disk::DiskHealth::new(
        config.storage.data_dir.clone(),
    ));
    let mut components: Vec<Arc<dyn StatusComponent>> = vec![
        Arc::new(DatabaseStatus {
            store: store.clone(),
        }),
        Arc::new(crate::store::disk::StorageStatus(disk.clone())),
        Arc::new(SyncComponent {
            handle: sync.clone(),
        }),
    ];
    let (scanner, scanner_task) = if config.scanner.enabled {
        let (handle, task) = crate::scanner::start(&config.scanner, &store)
            .await
            .map_err(AppError::Calibration)?;
        components.push(Arc::new(crate::scanner::ScannerStatus(handle.clone())));
        (Some(handle), Some(task))
    } else {
        components.push(Arc::new(DisabledScannerStatus {
            format: config.scanner.format,
        }));
        (None, None)
    };
    let ocr = crate::ocr::Engines::from_config(&config.ocr);
    components.push(Arc::new(crate::api::ocr::OcrStatus {
        engines: ocr.clone(),
    }));
    let footprint = {
        let writer = crate::store::scans::ScanWriter::spawn(
            store.clone(),
            crate::store::scans::Budget {
                bytes: config.storage.budget_bytes,
                retention_days: config.storage.retention_days,
            },
        );
        let s = &config.scanner;
        let calibration =
            crate::store::calibration::load_or_factory(&store, s.format, s.rows, s.cols)
                .await
                .unwrap_or_else(|error| {
                    tracing::warn!(%error, "stored calibration unreadable; using the factory one");
                    crate::footprint::Calibration::factory(s.format, s.rows, s.cols)
                });
        crate::api::image::FootprintState::new(writer, calibration)
    };
    let service = Arc::new(Service {
        config: config.clone(),
        store: store.clone(),
        started_at: Instant::now(),
        components: Components::new(components),
        sync,
        scanner,
    });
    let state = Arc::new(AppState {
        service: service.clone(),
        metrics: Arc::new(Metrics::new()),
        ocr,
        footprint,
        stopping: stop.clone(),
        ocr_turns: crate::api::limits::WorkLimiter::new(
            "OCR",
            // Each job runs a Tesseract child per core: more jobs than cores only
            // queue in the kernel.
            (config.ocr.max_concurrent as usize).min(cores()),
            config.ocr.queue as usize,
            10,
        ),
        render_turns: crate::api::limits::WorkLimiter::new(
            "large picture",
            config.api.max_large_renders as usize,
            config.api.large_render_queue as usize,
            2,
        ),
        disk,
    });

    let routes = crate::api::routes(state.clone());
    tracing::info!(%addr, version = env!("CARGO_PKG_VERSION"), "listening");
    // The listener is bound and the routes are built: tell systemd we are ready, then
    // keep its watchdog fed from this runtime.
    crate::notify::ready(&crate::notify::current_status(&service).await);
    let watchdog = crate::notify::spawn_watchdog(service.clone());
    let heartbeat = crate::fleet::spawn_heartbeat(service.clone(), stop.clone());
    let capture = state
        .scanner
        .clone()
        .map(|s| Arc::new(crate::gpio::ScannerCapture(s)) as Arc<dyn crate::gpio::CaptureTrigger>);
    let gpio = crate::gpio::start(&config.gpio, service.clone(), capture);
    let shutdown = async move {
        shutdown.await;
        crate::notify::stopping();
    };
    crate::api::serve::serve(
        routes,
        listener,
        crate::api::serve::ServeLimits::from_config(&config.api),
        shutdown,
    )
    .await;
    if let Some(watchdog) = watchdog {
        watchdog.abort();
    }
    if let Some(heartbeat) = heartbeat {
        heartbeat.abort();
    }
    if let Some(gpio) = gpio {
        gpio.stop();
    }
    if let Some(task) = scanner_task {
        // Closes the port: a restarted service (or the next test) can open it again.
        task.abort();
        let _ = task.await;
    }
    tracing::info!("shutting down");
    if let Some(worker) = sync_worker {
        // In-flight uploads are abandoned; their items stay queued (rule 3).
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), worker).await;
    }
    if let Err(error) = store.checkpoint().await {
        tracing::warn!(%error, "WAL checkpoint at shutdown failed");
    }
    Ok(())
}
