//! The store-and-forward outbox to S3.
//!
//! Rules (`../shared/design/ARCHITECTURE.md`), which the worker and its tests uphold:
//! 1. A scan or health record is committed to SQLite (row + picture file, fsynced)
//!    before the API answers 200. Power loss after the answer loses nothing.
//! 2. The outbox row is written in the same transaction as the record it uploads
//!    ([`outbox::enqueue`] takes the caller's transaction).
//! 3. An item is marked uploaded only after S3 confirmed the PUT; a crash in between
//!    means it is uploaded again, to the same key (keys are deterministic: [`keys`]).
//! 4. Nothing queued is ever dropped to make room: when the local storage budget is
//!    exhausted, new captures are refused with 507 and the kiosk is told why.
//! 5. Retries never stop (backoff capped); the queue's status is visible on `/check`,
//!    `/sync` and `/metrics`.
//! 6. S3 keys: `{prefix}/{device_id}/footprints/{user_id}/{scan_id}.png` and
//!    `{prefix}/{device_id}/records/{kind}/{record_id}.json`.

pub mod budget;
pub mod keys;
pub mod outbox;
