//! The running service's shared parts, without the HTTP API: what the kiosk's own
//! tasks ([`crate::notify`], [`crate::fleet`], [`crate::gpio`]) read and drive.
//!
//! # What it owns
//! - [`Service`]: the config, the store, the upload queue, the mat and the `/check`
//!   components, built once by `app::run`. The API's state (`app::AppState`) holds
//!   one and adds what only handlers use.

use std::sync::Arc;
use std::time::Instant;

use serde_json::{Map, Value};

use crate::config::Config;
use crate::status::Components;
use crate::store::Store;
use crate::sync::SyncHandle;

/// The shared parts of the running service.
pub struct Service {
    pub config: Arc<Config>,
    pub store: Store,
    pub started_at: Instant,
    pub components: Components,
    /// The upload queue: `wake()` after enqueuing, `wait_uploaded()`, `status()`.
    pub sync: SyncHandle,
    /// The mat, when `scanner.enabled` (a serial port or the built-in simulated mat).
    pub scanner: Option<crate::scanner::ScannerHandle>,
}

impl Service {
    /// `/check`: every component's status; `ready` is false when a critical one fails.
    pub async fn check(&self) -> (bool, Map<String, Value>) {
        self.components.check().await
    }
}
