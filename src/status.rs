//! Component status on `/check`: what each subsystem reports and how the answers
//! combine.
//!
//! # What it owns
//! - [`ComponentStatus`]: one component's `ok` and its detail fields.
//! - [`StatusComponent`]: what a subsystem implements to appear on `/check`.
//! - [`Components`]: the registered list and [`Components::check`].
//!
//! A leaf: subsystems (`store`, `scanner`, `sync`, `api::ocr`) implement the trait
//! without importing the service that registers them (`app`).

use std::sync::Arc;

use futures::future::BoxFuture;
use serde_json::{Map, Value};

/// The status of one component on `/check`.
#[derive(Debug, Clone)]
pub struct ComponentStatus {
    /// Whether the component works as configured.
    pub ok: bool,
    /// Component-specific fields (merged next to `ok` in the JSON object).
    pub detail: Map<String, Value>,
}

impl ComponentStatus {
    pub fn new(ok: bool, detail: Value) -> ComponentStatus {
        let detail = match detail {
            Value::Object(map) => map,
            other => {
                let mut map = Map::new();
                map.insert("detail".into(), other);
                map
            }
        };
        ComponentStatus { ok, detail }
    }

    /// The JSON object shown on `/check`: `{"ok": ..., ...detail}`.
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("ok".into(), Value::Bool(self.ok));
        for (k, v) in &self.detail {
            map.insert(k.clone(), v.clone());
        }
        Value::Object(map)
    }
}

/// Something that reports on `/check`. Each subsystem registers one in [`run`].
pub trait StatusComponent: Send + Sync {
    /// The key on `/check` (`database`, `scanner`, `sync`, ...).
    fn name(&self) -> &'static str;
    /// Whether `/check` answers 503 when this component is not ok (only the database).
    fn critical(&self) -> bool {
        false
    }
    fn status(&self) -> BoxFuture<'_, ComponentStatus>;
}

/// The components registered in `app::run`, in `/check` order.
#[derive(Clone, Default)]
pub struct Components(Vec<Arc<dyn StatusComponent>>);

impl Components {
    pub fn new(list: Vec<Arc<dyn StatusComponent>>) -> Components {
        Components(list)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<dyn StatusComponent>> {
        self.0.iter()
    }

    /// `/check`: every component's status; `ready` is false when a critical one fails.
    pub async fn check(&self) -> (bool, Map<String, Value>) {
        let statuses = futures::future::join_all(self.0.iter().map(|c| c.status())).await;
        let mut ready = true;
        let mut out = Map::new();
        for (component, status) in self.0.iter().zip(statuses) {
            if component.critical() && !status.ok {
                ready = false;
            }
            out.insert(component.name().to_string(), status.to_json());
        }
        (ready, out)
    }
}
