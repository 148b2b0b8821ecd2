//! `GET /metrics` in the Prometheus text format (version 0.0.4).
//!
//! Owns the HTTP request counters and latency histograms (fed by the request log in
//! `api::routes`) and renders them together with the sync queue's figures and any
//! [`MetricsSource`] another subsystem registers (the scanner's frame counters).
//!
//! Hand-written rather than `metrics` + `metrics-exporter-prometheus`: those install
//! one global recorder per process, while tests run several services in one process;
//! and a dozen series do not need a dependency.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::scanner::codec::CodecStats;
use crate::sync::SyncStatus;

/// Upper bounds (seconds) of the request latency histogram.
const LATENCY_BUCKETS_S: [f64; 11] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// Something that adds its own series to `/metrics`.
pub trait MetricsSource: Send + Sync {
    /// Appends complete series (with `# HELP` and `# TYPE` lines) to `out`.
    fn render(&self, out: &mut String);
}

#[derive(Debug, Default, Clone)]
struct Series {
    count: u64,
    sum_s: f64,
    buckets: [u64; LATENCY_BUCKETS_S.len()],
}

/// The process's metrics registry; one per running service.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(&'static str, &'static str, u16), Series>>,
    sources: Mutex<Vec<Arc<dyn MetricsSource>>>,
}

impl Metrics {
    pub fn new() -> Metrics {
        Metrics::default()
    }

    /// Adds a subsystem's series to every rendering.
    pub fn register(&self, source: Arc<dyn MetricsSource>) {
        if let Ok(mut sources) = self.sources.lock() {
            sources.push(source);
        }
    }

    /// Counts one answered request under its route's label ([`route_label`]): a
    /// template of the route table, never the path as sent, so no request can add a
    /// series of its own.
    pub fn observe_request(&self, method: &str, path: &str, status: u16, elapsed: Duration) {
        let route = route_label(path);
        let method = match method {
            "GET" => "GET",
            "PUT" => "PUT",
            "POST" => "POST",
            "DELETE" => "DELETE",
            "OPTIONS" => "OPTIONS",
            "HEAD" => "HEAD",
            _ => "other",
        };
        let secs = elapsed.as_secs_f64();
        let Ok(mut requests) = self.requests.lock() else {
            return;
        };
        let series = requests.entry((route, method, status)).or_default();
        series.count += 1;
        series.sum_s += secs;
        for (bucket, le) in series.buckets.iter_mut().zip(LATENCY_BUCKETS_S) {
            if secs <= le {
                *bucket += 1;
            }
        }
    }

    /// The whole exposition text.
    pub fn render(&self, sync: Option<&SyncStatus>) -> String {
        let mut out = String::new();
        self.render_requests(&mut out);
        if let Some(s) = sync {
            render_sync(&mut out, s);
        }
        if let Ok(sources) = self.sources.lock() {
            for source in sources.iter() {
                source.render(&mut out);
            }
        }
        out
    }

    fn render_requests(&self, out: &mut String) {
        let Ok(requests) = self.requests.lock() else {
            return;
        };
        out.push_str("# HELP carenco_http_requests_total HTTP requests answered.\n");
        out.push_str("# TYPE carenco_http_requests_total counter\n");
        for ((route, method, status), s) in requests.iter() {
            let _ = writeln!(
                out,
                "carenco_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {}",
                s.count
            );
        }
        out.push_str(
            "# HELP carenco_http_request_duration_seconds Time to answer HTTP requests.\n",
        );
        out.push_str("# TYPE carenco_http_request_duration_seconds histogram\n");
        // Histograms are per route and method (statuses summed).
        let mut merged: BTreeMap<(&str, &str), Series> = BTreeMap::new();
        for ((route, method, _), s) in requests.iter() {
            let m = merged.entry((*route, *method)).or_default();
            m.count += s.count;
            m.sum_s += s.sum_s;
            for (a, b) in m.buckets.iter_mut().zip(s.buckets) {
                *a += b;
            }
        }
        for ((route, method), s) in merged {
            let labels = format!("route=\"{route}\",method=\"{method}\"");
            for (le, n) in LATENCY_BUCKETS_S.iter().zip(s.buckets) {
                let _ = writeln!(
                    out,
                    "carenco_http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "carenco_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "carenco_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum_s
            );
            let _ = writeln!(
                out,
                "carenco_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
    }
}

/// Every route the API serves, as a label: `{..}` matches one path segment, a
/// trailing `/*` any rest (the static files). Kept beside the routes in `api`.
pub const ROUTE_TABLE: &[&str] = &[
    "/",
    "/health",
    "/check",
    "/metrics",
    "/api-doc/openapi.json",
    "/swagger-ui/*",
    "/technician/*",
    "/sync",
    "/scanner/tare",
    "/scanner/calibrate",
    "/scanner/calibration",
    "/scanner/live",
    "/scanner/snapshot",
    "/ocr",
    "/health-records",
    "/health-records/{record_id}",
    "/image",
    "/scans",
    "/scans/{scan_id}",
    "/scans/{scan_id}/image",
    "/balance",
];

/// The label of `path`: its template in [`ROUTE_TABLE`], or `other`.
pub fn route_label(path: &str) -> &'static str {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    for template in ROUTE_TABLE {
        let pattern = template.trim_start_matches('/');
        if let Some(prefix) = pattern.strip_suffix("/*") {
            let first = segments.first().copied().unwrap_or("");
            if first == prefix {
                return template;
            }
            continue;
        }
        let parts: Vec<&str> = pattern.split('/').collect();
        if parts.len() == segments.len()
            && parts
                .iter()
                .zip(&segments)
                .all(|(p, s)| (p.starts_with('{') && !s.is_empty()) || p == s)
        {
            return template;
        }
    }
    "other"
}

/// The mat's codec counters (`frames decoded/rejected`), when the scanner runs.
pub fn render_scanner(out: &mut String, connected: bool, s: &CodecStats) {
    let _ = writeln!(
        out,
        "# HELP carenco_scanner_connected 1 while the mat's serial link is up.\n\
         # TYPE carenco_scanner_connected gauge\ncarenco_scanner_connected {}",
        u64::from(connected)
    );
    for (name, help, value) in [
        (
            "carenco_scanner_frames_decoded_total",
            "Frames decoded from the mat.",
            s.frames_decoded,
        ),
        (
            "carenco_scanner_garbage_bytes_total",
            "Bytes skipped while resynchronising.",
            s.garbage_bytes,
        ),
        (
            "carenco_scanner_frames_lost_total",
            "Frames missing in sequence gaps.",
            s.frames_lost,
        ),
    ] {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
        );
    }
    out.push_str("# HELP carenco_scanner_frames_rejected_total Frames rejected, per reason.\n");
    out.push_str("# TYPE carenco_scanner_frames_rejected_total counter\n");
    if let Ok(serde_json::Value::Object(reasons)) = serde_json::to_value(s.rejected_by_reason) {
        for (reason, n) in reasons {
            let _ = writeln!(
                out,
                "carenco_scanner_frames_rejected_total{{reason=\"{reason}\"}} {n}"
            );
        }
    }
}

fn render_sync(out: &mut String, s: &SyncStatus) {
    let gauge = |out: &mut String, name: &str, help: &str, kind: &str, value: u64| {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
        );
    };
    gauge(
        out,
        "carenco_sync_enabled",
        "1 when an S3 bucket is configured.",
        "gauge",
        u64::from(s.enabled),
    );
    gauge(
        out,
        "carenco_sync_queue_depth",
        "Outbox items waiting for upload.",
        "gauge",
        s.pending,
    );
    gauge(
        out,
        "carenco_sync_queue_bytes",
        "Bytes waiting for upload.",
        "gauge",
        s.pending_bytes,
    );
    gauge(
        out,
        "carenco_sync_oldest_pending_age_seconds",
        "Age of the oldest queued item (0 when empty).",
        "gauge",
        s.oldest_pending_age_s.unwrap_or(0),
    );
    gauge(
        out,
        "carenco_sync_uploads_ok_total",
        "Uploads S3 confirmed (all time, from the outbox).",
        "counter",
        s.uploaded_total,
    );
    gauge(
        out,
        "carenco_sync_uploads_failed_total",
        "Failed upload attempts (all time, from the outbox).",
        "counter",
        s.failed_attempts_total,
    );
    out.push_str("# HELP carenco_sync_queue_depth_by_kind Outbox items waiting, per kind.\n");
    out.push_str("# TYPE carenco_sync_queue_depth_by_kind gauge\n");
    for k in &s.per_kind {
        let _ = writeln!(
            out,
            "carenco_sync_queue_depth_by_kind{{kind=\"{}\"}} {}",
            k.kind, k.pending
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_per_route_method_and_status() {
        let m = Metrics::new();
        m.observe_request("GET", "/sync", 200, Duration::from_millis(3));
        m.observe_request("GET", "/sync", 200, Duration::from_millis(30));
        m.observe_request("GET", "/scans/0190abc/image", 200, Duration::from_millis(1));
        m.observe_request("GET", "/no/such/../path", 404, Duration::from_millis(1));
        m.observe_request("GET", "/xxxxxxxx", 401, Duration::from_millis(1));
        let text = m.render(None);
        assert!(text.contains(
            "carenco_http_requests_total{route=\"/sync\",method=\"GET\",status=\"200\"} 2"
        ));
        assert!(text.contains("route=\"/scans/{scan_id}/image\""));
        assert!(!text.contains("0190abc"));
        assert!(!text.contains("xxxxxxxx"));
        assert!(text.contains("route=\"other\",method=\"GET\",status=\"404\""));
        assert!(text.contains("route=\"other\",method=\"GET\",status=\"401\""));
        assert!(text.contains(
            "carenco_http_request_duration_seconds_bucket{route=\"/sync\",method=\"GET\",le=\"0.005\"} 1"
        ));
        assert!(text.contains(
            "carenco_http_request_duration_seconds_count{route=\"/sync\",method=\"GET\"} 2"
        ));
    }

    #[test]
    fn scanner_counters_are_rendered_per_reason() {
        let mut stats = CodecStats {
            frames_decoded: 41,
            frames_rejected: 2,
            ..CodecStats::default()
        };
        stats.rejected_by_reason.bad_crc = 2;
        let mut out = String::new();
        render_scanner(&mut out, true, &stats);
        assert!(
            out.contains("carenco_scanner_frames_decoded_total 41"),
            "{out}"
        );
        assert!(
            out.contains("carenco_scanner_frames_rejected_total{reason=\"bad_crc\"} 2"),
            "{out}"
        );
        assert!(out.contains("carenco_scanner_connected 1"), "{out}");
    }

    #[test]
    fn registered_sources_are_rendered() {
        struct Frames;
        impl MetricsSource for Frames {
            fn render(&self, out: &mut String) {
                out.push_str("carenco_frames_decoded_total 7\n");
            }
        }
        let m = Metrics::new();
        m.register(Arc::new(Frames));
        assert!(m.render(None).contains("carenco_frames_decoded_total 7"));
    }
}
