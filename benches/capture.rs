//! Stable stance → picture available (PERFORMANCE.md: ≤ 1.5 s with the default
//! capture settings).
//!
//! `cargo bench --bench capture -- --warm-up-time 1 --measurement-time 3`
//!
//! The real service (in-process, as the black-box tests run it) reads a real
//! pseudo-terminal as its serial port; this bench is the mat behind it: the simulator
//! writes legacy frames at its 10 Hz for a person who steps on (`step_s`, a 1 s ramp
//! of the load) and then stands still. Each iteration sends `PUT /image` without
//! `data` while the mat is still empty (a live capture, as the kiosk does), then
//! feeds the scenario until the response arrives.
//!
//! The clock starts when the stance is stable by the default capture settings: when
//! the bench writes the frame that completes `stable_window_ms` of standing still
//! (at 10 Hz the fifth still frame: the capture's window is the frames that arrived
//! in the last 500 ms, so it can decide on that frame, or one later). It stops
//! when the 200 with the picture's URL arrives (picture written and fsynced, scan and
//! outbox committed). `stance_still_to_picture` measures from the first still frame
//! instead, so it includes the stability window itself.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use carenco_edge::config::Config;
use carenco_edge::scanner::simulator::{SimOptions, Simulator};
use carenco_edge::scanner::WireFormat;
use common::{Mat, TestService};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use serde_json::{json, Value};

/// Empty-mat lead-in before the person steps on, s (the capture is waiting by then).
const EMPTY_S: f32 = 0.5;

/// The two figures of one capture.
struct Timing {
    from_stable: Duration,
    from_still: Duration,
}

/// One person steps on; `PUT /image` captures them. Panics on anything but a 200
/// with a picture (a bench that measured an error would measure nothing). A capture
/// during which this bench's own writer stalled (a frame more than half a period
/// late: the shared machine was busy) is repeated: the capture judges stability by
/// arrival times, so a burst of late frames would move the stable moment, and a real
/// mat sends at its own steady rate.
async fn capture_once(service: &TestService, mat: &mut Mat, stable_window_ms: u64) -> Timing {
    loop {
        if let Some(timing) = try_capture(service, mat, stable_window_ms).await {
            return timing;
        }
    }
}

async fn try_capture(
    service: &TestService,
    mat: &mut Mat,
    stable_window_ms: u64,
) -> Option<Timing> {
    let options = SimOptions {
        format: WireFormat::Legacy,
        empty_s: EMPTY_S,
        ..SimOptions::default()
    };
    let period = Duration::from_secs_f32(1.0 / options.rate_hz);
    let window = Duration::from_millis(stable_window_ms);
    // The first frame of the still stance (the step's ramp is over), and the last of
    // the `stable_window_ms` of still frames (5 frames at 10 Hz: the capture's window
    // holds the frames that arrived in the last 500 ms).
    let still = ((options.empty_s + options.step_s) * options.rate_hz).round() as u64;
    let stable = still + ((window.as_secs_f32() * options.rate_hz).round() as u64).max(1) - 1;
    let mut sim = Simulator::new(options);

    let client = reqwest::Client::new();
    let request = client
        .put(service.url("/image"))
        .json(&json!({"id": "bench-capture"}))
        .send();
    tokio::pin!(request);
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let (mut still_at, mut stable_at, mut last_write) = (None, None, None::<Instant>);
    let mut stalled = false;
    let mut index = 0u64;
    let response = loop {
        tokio::select! {
            response = &mut request => break response.expect("PUT /image"),
            _ = tick.tick() => {
                let mut bytes = Vec::new();
                sim.next_bytes(&mut bytes).expect("simulated frame");
                mat.send(&bytes).await;
                let now = Instant::now();
                stalled |= last_write.is_some_and(|t| now - t > period * 3 / 2);
                last_write = Some(now);
                if index == still {
                    still_at = Some(now);
                }
                if index == stable {
                    stable_at = Some(now);
                }
                index += 1;
            }
        }
    };
    let done = Instant::now();
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("JSON answer");
    assert_eq!(status, 200, "{body}");
    assert!(body["local_url"].is_string(), "{body}");
    // The person steps off: a few empty frames before the next one steps on.
    let mut off = Simulator::new(SimOptions {
        format: WireFormat::Legacy,
        ..SimOptions::default()
    });
    for _ in 0..3 {
        let mut bytes = Vec::new();
        off.next_bytes(&mut bytes).expect("simulated frame");
        mat.send(&bytes).await;
        tick.tick().await;
    }
    if stalled {
        return None;
    }
    let (Some(still_at), Some(stable_at)) = (still_at, stable_at) else {
        panic!("answered before the stance was stable, frames at a steady rate: {body}");
    };
    Some(Timing {
        from_stable: done.saturating_duration_since(stable_at),
        from_still: done.saturating_duration_since(still_at),
    })
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let link = dir.path().join("footscanner");
    let defaults = Config::default().scanner;
    let stable_window_ms = defaults.stable_window_ms;
    let (service, mut mat) = runtime.block_on(async {
        let mat = Mat::plug(&link);
        let port = link.to_string_lossy().to_string();
        let service = TestService::start_with(move |c| {
            c.scanner.enabled = true;
            c.scanner.port = port;
            c.scanner.format = WireFormat::Legacy;
        })
        .await;
        common::poll_until(
            "the service reading the mat",
            Duration::from_secs(20),
            || async {
                let check = service.get_json("/check").await;
                if check["scanner"]["connected"] == true {
                    Ok(())
                } else {
                    Err(check["scanner"].to_string())
                }
            },
        )
        .await;
        (service, mat)
    });

    let mut group = c.benchmark_group("capture");
    // Each capture takes the scenario's 2 s of wall time: few, flat samples.
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function("stable_stance_to_picture", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    runtime
                        .block_on(capture_once(&service, &mut mat, stable_window_ms))
                        .from_stable
                })
                .sum()
        })
    });
    group.bench_function("stance_still_to_picture", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    runtime
                        .block_on(capture_once(&service, &mut mat, stable_window_ms))
                        .from_still
                })
                .sum()
        })
    });
    group.finish();
    runtime.block_on(service.stop());
}

criterion_group!(benches, bench);
criterion_main!(benches);
