//! The outbox worker: claim → upload → ack or back off.
//!
//! [`Machine`] is the decision logic and does no I/O (STYLE.md #2): it is told what
//! was claimed and how each upload ended, and answers with [`Action`]s. [`run`] is the
//! thin async loop around it: it claims due rows (`store::queue`), runs uploads on a `JoinSet` (at most
//! `s3.concurrency` at once), applies the actions to the database, and sleeps until
//! the next item is due, a new item arrives ([`super::SyncHandle::wake`]) or the
//! service stops.
//!
//! Invariants (store-and-forward rules 3 and 5):
//! - An item is acked (`done_at` set) only after its PUT returned success.
//! - A failed attempt is rescheduled with capped exponential backoff and jitter
//!   ([`Backoff`]); there is no attempt limit, nothing is ever given up.
//! - An item is never uploaded twice at the same time by this process; after a crash
//!   it may be uploaded again, to the same key with the same bytes.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::object_store::ObjectStore;
use super::SyncShared;
use crate::store::outbox::ItemKind;
use crate::store::queue::Settled;
pub use crate::store::queue::{now_ms, Item};
use crate::store::{Store, StoreError};

/// Capped exponential backoff with jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base_ms: u64,
    pub max_ms: u64,
}

impl Backoff {
    /// Delay before the next attempt after `failed_attempts` (≥ 1) consecutive
    /// failures: `base · 2^(n-1)`, capped at `max`, of which the upper half is scaled
    /// by `jitter` (0..=1) so that many kiosks coming back from one outage spread out.
    pub fn delay_ms(&self, failed_attempts: u32, jitter: f64) -> u64 {
        let exp = failed_attempts.saturating_sub(1).min(40);
        let capped = self
            .base_ms
            .saturating_mul(1u64 << exp)
            .min(self.max_ms)
            .max(1);
        let half = capped / 2;
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        half + ((capped - half) as f64 * jitter) as u64
    }
}

/// What the loop must do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Start uploading the item.
    Upload(Item),
    /// S3 confirmed the PUT: mark the item done.
    Ack { item: Item },
    /// The attempt failed: record it and try again at `next_attempt_ms`.
    Retry {
        item: Item,
        attempts: u32,
        next_attempt_ms: i64,
        error: String,
    },
}

/// The worker's decisions, without I/O.
#[derive(Debug)]
pub struct Machine {
    concurrency: usize,
    backoff: Backoff,
    in_flight: HashSet<i64>,
}

impl Machine {
    pub fn new(concurrency: usize, backoff: Backoff) -> Machine {
        Machine {
            concurrency: concurrency.max(1),
            backoff,
            in_flight: HashSet::new(),
        }
    }

    /// How many more uploads may start now.
    pub fn free_slots(&self) -> usize {
        self.concurrency.saturating_sub(self.in_flight.len())
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    pub fn is_in_flight(&self, id: i64) -> bool {
        self.in_flight.contains(&id)
    }

    /// Due items were claimed: start those not already uploading, up to the free slots.
    pub fn claimed(&mut self, items: Vec<Item>) -> Vec<Action> {
        let mut actions = Vec::new();
        for item in items {
            if self.free_slots() == 0 {
                break;
            }
            if self.in_flight.insert(item.id) {
                actions.push(Action::Upload(item));
            }
        }
        actions
    }

    /// An upload vanished without an outcome (its task panicked): free its slot; the
    /// item is still queued and will be claimed again.
    pub fn forget(&mut self, id: i64) {
        self.in_flight.remove(&id);
    }

    /// An upload ended. `jitter` is a random number in 0..=1.
    pub fn finished(
        &mut self,
        item: Item,
        outcome: Result<(), String>,
        now_ms: i64,
        jitter: f64,
    ) -> Action {
        self.in_flight.remove(&item.id);
        match outcome {
            Ok(()) => Action::Ack { item },
            Err(error) => {
                let attempts = item.attempts.saturating_add(1);
                let delay = self.backoff.delay_ms(attempts, jitter);
                Action::Retry {
                    item,
                    attempts,
                    next_attempt_ms: now_ms.saturating_add(delay as i64),
                    error,
                }
            }
        }
    }
}

/// Errors building what an item uploads.
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    /// An image item whose picture is not in the database (pruned while queued, which
    /// the budget never does, or a version-2 file that could not be moved in).
    #[error("the picture of {kind} {id} is not stored")]
    MissingPicture { kind: &'static str, id: String },
    #[error("{kind} row {id} is missing")]
    MissingRow { kind: &'static str, id: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("building the JSON document: {0}")]
    Json(#[from] serde_json::Error),
}

/// The bytes an item uploads: the picture (its BLOB), or the JSON document of its row
/// built now. The document leaves out `uploaded_at`/`pruned_at` so that an upload repeated
/// after a crash carries the same bytes as the first one.
pub async fn payload(store: &Store, item: &Item) -> Result<Bytes, PayloadError> {
    match item.kind {
        ItemKind::Heartbeat => {
            let key = item.ref_id.clone();
            let doc = store.heartbeat_document(key).await?;
            doc.map(Bytes::from)
                .ok_or_else(|| PayloadError::MissingRow {
                    kind: "heartbeat",
                    id: item.ref_id.clone(),
                })
        }
        kind @ (ItemKind::ScanImage | ItemKind::HealthImage) => {
            let picture = store.picture(kind, item.ref_id.clone()).await?;
            picture
                .map(Bytes::from)
                .ok_or_else(|| PayloadError::MissingPicture {
                    kind: match kind {
                        ItemKind::ScanImage => "scan",
                        _ => "health record",
                    },
                    id: item.ref_id.clone(),
                })
        }
        kind @ (ItemKind::ScanRecord | ItemKind::HealthRecord) => {
            let id = item.ref_id.clone();
            let doc =
                store
                    .record_document(kind, id)
                    .await?
                    .ok_or_else(|| PayloadError::MissingRow {
                        kind: match kind {
                            ItemKind::ScanRecord | ItemKind::ScanImage => "scan",
                            _ => "health record",
                        },
                        id: item.ref_id.clone(),
                    })?;
            Ok(Bytes::from(serde_json::to_vec(&doc)?))
        }
    }
}

/// Longest sleep between looks at the queue when nothing wakes the worker: a backstop
/// for rows written by another process (the CLI, a test) that cannot call `wake`.
const IDLE_POLL: Duration = Duration::from_secs(5);

/// How often uploaded pictures past `storage.retention_days` are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(3_600);

/// The worker loop; returns when `stop` turns true. Also prunes uploaded pictures
/// past the retention period, hourly.
///
/// # Why acks do not pause the uploads
/// Recording results is a write transaction, and with `synchronous=FULL` its commit
/// waits for the disk (about 8 ms here, more on an SD card). The loop therefore hands
/// the results to one background commit at a time ([`AckQueue`]) and goes straight
/// back to claiming: results that come in meanwhile are committed together by the next
/// one. Claims and record documents are read on a connection of the worker's own, so
/// they do not queue behind that commit either. An item whose result is not yet
/// committed stays out of the claims (it is still `done_at IS NULL` in the database),
/// so it is never started twice.
pub async fn run(
    shared: Arc<SyncShared>,
    objects: Arc<dyn ObjectStore>,
    mut stop: watch::Receiver<bool>,
) {
    let s3 = &shared.config.s3;
    let mut machine = Machine::new(
        s3.concurrency as usize,
        Backoff {
            base_ms: s3.retry_base_ms,
            max_ms: s3.retry_max_ms,
        },
    );
    let reader = {
        let store = shared.store.clone();
        match tokio::task::spawn_blocking(move || store.another_connection()).await {
            Ok(Ok(reader)) => reader,
            Ok(Err(error)) => {
                tracing::warn!(%error, "no second connection for the sync worker; sharing one");
                shared.store.clone()
            }
            Err(error) => {
                tracing::warn!(%error, "no second connection for the sync worker; sharing one");
                shared.store.clone()
            }
        }
    };
    let mut uploads: JoinSet<(Item, Result<(), String>, Duration)> = JoinSet::new();
    // Uploading, or finished with the result not yet committed: not to be claimed.
    let mut busy_ids: HashSet<i64> = HashSet::new();
    let mut tasks: HashMap<tokio::task::Id, i64> = HashMap::new();
    let mut acks = AckQueue::default();
    let retention_days = shared.config.storage.retention_days;
    let mut next_prune = Instant::now();
    loop {
        if retention_days > 0 && Instant::now() >= next_prune {
            next_prune = Instant::now() + PRUNE_EVERY;
            let pruned = shared.store.prune_uploaded(retention_days).await;
            if let Err(error) = pruned {
                tracing::warn!(%error, "pruning uploaded pictures failed");
            }
        }
        let mut next_due: Option<i64> = None;
        if machine.free_slots() > 0 {
            let skip = busy_ids.clone();
            let limit = machine.free_slots();
            match reader.claim_due(now_ms(), limit, skip).await {
                Ok((items, next)) => {
                    next_due = next;
                    for action in machine.claimed(items) {
                        if let Action::Upload(item) = action {
                            busy_ids.insert(item.id);
                            let store = reader.clone();
                            let objects = objects.clone();
                            let id = item.id;
                            let task = uploads.spawn(async move {
                                let started = Instant::now();
                                let outcome = upload(&store, &*objects, &item).await;
                                (item, outcome, started.elapsed())
                            });
                            tasks.insert(task.id(), id);
                        }
                    }
                }
                Err(error) => {
                    tracing::error!(%error, "cannot read the outbox");
                    next_due = Some(now_ms() + 1_000);
                }
            }
        }
        let sleep_for = match next_due {
            Some(at) => {
                Duration::from_millis((at - now_ms()).clamp(0, i64::MAX) as u64).min(IDLE_POLL)
            }
            None => IDLE_POLL,
        };
        tokio::select! {
            Some(joined) = uploads.join_next_with_id(), if !uploads.is_empty() => {
                let mut done = vec![joined];
                while let Some(more) = uploads.try_join_next_with_id() {
                    done.push(more);
                }
                for joined in done {
                    let (item, outcome, elapsed) = match joined {
                        Ok((task, v)) => {
                            tasks.remove(&task);
                            v
                        }
                        Err(error) => {
                            // The upload task panicked: its item stays queued and
                            // becomes claimable again.
                            tracing::error!(%error, "upload task failed");
                            if let Some(item) = tasks.remove(&error.id()) {
                                busy_ids.remove(&item);
                                machine.forget(item);
                            }
                            continue;
                        }
                    };
                    shared.record_outcome(&item, &outcome, elapsed);
                    acks.push(machine.finished(item, outcome, now_ms(), rand::random::<f64>()));
                }
                acks.start(&shared.store);
            }
            committed = acks.committed(), if acks.is_committing() => {
                for id in committed {
                    busy_ids.remove(&id);
                }
                shared.progress();
                acks.start(&shared.store);
            }
            _ = shared.wake.notified() => {}
            _ = tokio::time::sleep(sleep_for) => {}
            _ = stop.changed() => {
                if *stop.borrow() {
                    break;
                }
            }
        }
        if *stop.borrow() {
            break;
        }
    }
    // In-flight uploads are dropped: their items stay queued (rule 3). Results already
    // in hand are committed, so that those items are not uploaded again.
    uploads.abort_all();
    while acks.is_committing() {
        acks.committed().await;
        acks.start(&shared.store);
    }
    shared.progress();
}

/// Upload results waiting to be committed, and the one commit running in the
/// background (with the ids of its items).
#[derive(Default)]
struct AckQueue {
    waiting: Vec<Action>,
    running: Option<(Vec<i64>, tokio::task::JoinHandle<()>)>,
}

impl AckQueue {
    fn push(&mut self, action: Action) {
        self.waiting.push(action);
    }

    fn is_committing(&self) -> bool {
        self.running.is_some()
    }

    /// Starts committing the waiting results, unless a commit is running (then they
    /// go with the next one).
    fn start(&mut self, store: &Store) {
        if self.running.is_some() || self.waiting.is_empty() {
            return;
        }
        let results: Vec<Settled> = std::mem::take(&mut self.waiting)
            .into_iter()
            .filter_map(Action::settled)
            .collect();
        let ids = results.iter().map(|r| r.item().id).collect();
        let store = store.clone();
        let task = tokio::spawn(async move {
            if let Err(error) = store.settle(results).await {
                // Not acked means uploaded again later, to the same key: safe.
                tracing::error!(%error, "cannot record upload results; they will be retried");
            }
        });
        self.running = Some((ids, task));
    }

    /// Waits for the running commit and returns the ids of its items: written or not,
    /// they may be claimed again (a done item no longer is). Pending forever when no
    /// commit runs.
    async fn committed(&mut self) -> Vec<i64> {
        let Some((_, task)) = self.running.as_mut() else {
            return futures::future::pending().await;
        };
        if let Err(error) = task.await {
            tracing::error!(%error, "the upload-result commit failed");
        }
        self.running.take().map(|(ids, _)| ids).unwrap_or_default()
    }
}

impl Action {
    /// The result to record, for an ack or a retry.
    fn settled(self) -> Option<Settled> {
        match self {
            Action::Upload(_) => None,
            Action::Ack { item } => Some(Settled::Acked(item)),
            Action::Retry {
                item,
                attempts,
                next_attempt_ms,
                error,
            } => Some(Settled::Failed {
                item,
                attempts,
                next_attempt_ms,
                error,
            }),
        }
    }
}

async fn upload(store: &Store, objects: &dyn ObjectStore, item: &Item) -> Result<(), String> {
    let body = payload(store, item).await.map_err(|e| e.to_string())?;
    objects
        .put(&item.s3_key, body, &item.content_type)
        .await
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn item(id: i64) -> Item {
        Item {
            id,
            kind: ItemKind::ScanImage,
            ref_id: format!("s{id}"),
            s3_key: format!("k/{id}.png"),
            content_type: "image/png".into(),
            bytes: 1,
            attempts: 0,
        }
    }

    const BACKOFF: Backoff = Backoff {
        base_ms: 1_000,
        max_ms: 300_000,
    };

    #[test]
    fn backoff_doubles_per_failure_and_stops_growing_at_the_cap() {
        assert_eq!(BACKOFF.delay_ms(1, 1.0), 1_000);
        assert_eq!(BACKOFF.delay_ms(2, 1.0), 2_000);
        assert_eq!(BACKOFF.delay_ms(3, 1.0), 4_000);
        assert_eq!(BACKOFF.delay_ms(20, 1.0), 300_000);
        assert_eq!(BACKOFF.delay_ms(u32::MAX, 1.0), 300_000);
    }

    #[test]
    fn jitter_spreads_the_delay_over_its_upper_half() {
        assert_eq!(BACKOFF.delay_ms(3, 0.0), 2_000);
        assert_eq!(BACKOFF.delay_ms(3, 0.5), 3_000);
        assert_eq!(BACKOFF.delay_ms(3, f64::NAN), 2_000);
    }

    #[test]
    fn a_successful_upload_is_acked_and_frees_its_slot() {
        let mut m = Machine::new(1, BACKOFF);
        let started = m.claimed(vec![item(1), item(2)]);
        assert_eq!(started, vec![Action::Upload(item(1))]);
        assert_eq!(m.free_slots(), 0);
        let a = m.finished(item(1), Ok(()), 0, 0.5);
        assert_eq!(a, Action::Ack { item: item(1) });
        assert_eq!(m.free_slots(), 1);
    }

    #[test]
    fn a_failed_upload_is_retried_later_never_acked() {
        let mut m = Machine::new(2, BACKOFF);
        m.claimed(vec![item(1)]);
        let a = m.finished(item(1), Err("503".into()), 10_000, 1.0);
        assert_eq!(
            a,
            Action::Retry {
                item: item(1),
                attempts: 1,
                next_attempt_ms: 11_000,
                error: "503".into()
            }
        );
    }

    #[test]
    fn an_item_already_uploading_is_not_started_twice() {
        let mut m = Machine::new(4, BACKOFF);
        assert_eq!(m.claimed(vec![item(1)]).len(), 1);
        assert!(m.claimed(vec![item(1)]).is_empty());
        assert!(m.is_in_flight(1));
    }

    proptest! {
        /// Whatever the outcomes, the machine never runs more than `concurrency`
        /// uploads, never acks an item that failed, and keeps every failed item
        /// scheduled with a delay within [base/2, cap].
        #[test]
        fn the_machine_respects_concurrency_and_never_acks_a_failure(
            concurrency in 1usize..6,
            outcomes in proptest::collection::vec(any::<bool>(), 1..60),
            jitter in 0.0f64..=1.0,
        ) {
            let mut m = Machine::new(concurrency, BACKOFF);
            let mut queue: Vec<Item> = (0..outcomes.len() as i64).map(item).collect();
            let mut outcomes = outcomes.into_iter();
            let mut acked = HashSet::new();
            while !queue.is_empty() {
                let started = m.claimed(queue.clone());
                prop_assert!(m.in_flight() <= concurrency);
                prop_assert!(!started.is_empty());
                for action in started {
                    let Action::Upload(it) = action else { unreachable!() };
                    queue.retain(|q| q.id != it.id);
                    let ok = outcomes.next().unwrap_or(true);
                    match m.finished(it.clone(), if ok { Ok(()) } else { Err("x".into()) }, 0, jitter) {
                        Action::Ack { item } => {
                            prop_assert!(ok);
                            prop_assert!(acked.insert(item.id));
                        }
                        Action::Retry { item, attempts, next_attempt_ms, .. } => {
                            prop_assert!(!ok);
                            prop_assert!((500..=300_000).contains(&next_attempt_ms));
                            queue.push(Item { attempts, ..item });
                        }
                        Action::Upload(_) => prop_assert!(false),
                    }
                }
            }
        }
    }
}
