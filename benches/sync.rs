//! Store-and-forward figures (PERFORMANCE.md):
//! - `drain_1000_scans`: the worker drains 1,000 queued scans (2,000 objects: a
//!   picture and a JSON record each) to the in-process S3 server (s3s + s3s-fs, SigV4
//!   checked). Criterion's throughput is objects/s; the target is ≥ 200/s.
//! - `enqueue_one_scan`: what storing one scan costs with `synchronous=FULL`: the
//!   row, its picture (a BLOB) and its two outbox items in one transaction (ms per
//!   scan).
//!
//! Run: `cargo bench --bench sync -- --warm-up-time 1 --measurement-time 3`

#[path = "../tests/support/s3_server.rs"]
mod s3_server;
#[path = "../tests/support/scans.rs"]
mod scans;

use std::sync::Arc;
use std::time::{Duration, Instant};

use carenco_edge::config::Config;
use carenco_edge::store::Store;
use carenco_edge::sync::{S3ObjectStore, SyncHandle};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const SCANS: usize = 1_000;
/// About the size of a rendered footprint PNG.
const PICTURE_BYTES: usize = 30_000;

fn config(server: &s3_server::S3Server, data_dir: &std::path::Path) -> Config {
    let mut c = Config::default();
    c.storage.data_dir = data_dir.to_path_buf();
    c.s3.bucket = s3_server::BUCKET.into();
    c.s3.endpoint = server.endpoint();
    c.s3.force_path_style = true;
    c.s3.region = "us-east-1".into();
    c
}

fn drain(c: &mut Criterion) {
    s3_server::use_test_credentials();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime.block_on(s3_server::S3Server::start());
    let mut group = c.benchmark_group("sync");
    group.sample_size(10);
    group.throughput(Throughput::Elements((SCANS * 2) as u64));
    group.bench_function("drain_1000_scans", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let dir = tempfile::tempdir().expect("temp dir");
                let config = Arc::new(config(&server, dir.path()));
                let store = Store::open(dir.path()).expect("store");
                let pictures = (0..SCANS)
                    .map(|i| scans::picture(i as u64, PICTURE_BYTES))
                    .collect();
                let written = scans::insert_scans_bulk(&store, &config.s3, "bench-user", pictures);
                let ids: Vec<i64> = written.iter().flat_map(|w| w.outbox_ids).collect();
                total += runtime.block_on(async {
                    let objects = Arc::new(S3ObjectStore::from_config(&config.s3).await);
                    let handle = SyncHandle::new(config.clone(), store.clone());
                    let (stop_tx, stop) = tokio::sync::watch::channel(false);
                    let started = Instant::now();
                    let worker = handle.spawn_worker(objects, stop).expect("worker");
                    let drained = handle.wait_uploaded(&ids, Duration::from_secs(300)).await;
                    let elapsed = started.elapsed();
                    assert!(drained, "the queue did not drain");
                    let _ = stop_tx.send(true);
                    let _ = worker.await;
                    elapsed
                });
            }
            total
        })
    });
    group.finish();
}

fn enqueue(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("store");
    let mut config = Config::default();
    config.storage.data_dir = dir.path().to_path_buf();
    let mode: String = store
        .call_blocking(|c| Ok(c.query_row("PRAGMA synchronous", [], |r| r.get::<_, i64>(0))?))
        .map(|v| v.to_string())
        .expect("pragma");
    assert_eq!(mode, "2", "the store must run with synchronous=FULL (2)");
    let picture = scans::picture(7, PICTURE_BYTES);
    let mut group = c.benchmark_group("sync");
    group.throughput(Throughput::Elements(1));
    group.bench_function("enqueue_one_scan", |b| {
        b.iter(|| scans::insert_scan(&store, &config.s3, "bench-user", picture.clone()))
    });
    group.finish();
}

criterion_group!(benches, drain, enqueue);
criterion_main!(benches);
