//! The mat's own endpoints: calibration (`POST /scanner/tare`,
//! `POST /scanner/calibrate`, `GET`/`PUT /scanner/calibration`), the live view
//! (`GET /scanner/live`, server-sent events) and `GET /scanner/snapshot`.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use warp::{Filter, Rejection, Reply};

use super::ApiError;
use crate::app::AppState;
use crate::footprint::calibration::{self, Calibration, CalibrationError};
use crate::footprint::grid::STANDARD_GRAVITY;
use crate::footprint::{analyse, render};
use crate::scanner::capture::Phase;
use crate::scanner::handle::ScannerError;
use crate::scanner::{CaptureError, Frame, ScannerHandle};
use crate::store::calibration as stored_calibration;

/// Largest calibration JSON accepted by `PUT /scanner/calibration` (a 256 x 256 zero
/// map written out is ~1 MB).
pub const MAX_CALIBRATION_BODY_BYTES: u64 = 4 * 1024 * 1024;
/// Largest `POST /scanner/calibrate` body.
const MAX_SMALL_BODY_BYTES: u64 = 4 * 1024;
/// The live view sends at most this many events per second.
pub const LIVE_MAX_HZ: f32 = 10.0;
/// A status event is sent at least this often, even when no frames arrive.
const LIVE_HEARTBEAT: Duration = Duration::from_secs(1);

/// `POST /scanner/calibrate` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalibrateRequest {
    /// Weight of the person standing on the mat, kg.
    #[schema(example = 70.0)]
    pub known_kg: f32,
}

/// `GET /scanner/live` query.
#[derive(Debug, Deserialize, Default)]
pub struct LiveQuery {
    /// `1` adds the calibrated grid (N per cell) to every event.
    #[serde(default)]
    pub grid: Option<u8>,
}

/// One live-view event.
#[derive(Debug, Serialize, ToSchema)]
pub struct LiveEvent {
    pub connected: bool,
    pub phase: Phase,
    pub fps: f32,
    /// Sum of the calibrated cell forces, N (null before the first frame).
    pub total_force_n: Option<f32>,
    /// Weight, kg: from the load cell when the mat has a calibrated one, else from
    /// the pressure sum.
    pub weight_kg: Option<f32>,
    /// `load_cell` or `pressure`.
    pub weight_source: Option<&'static str>,
    /// Cells with force above zero.
    pub contact_cells: Option<usize>,
    pub seq: Option<u32>,
    /// With `?grid=1`: the calibrated grid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grid: Option<LiveGrid>,
}

/// The calibrated grid in a live event.
#[derive(Debug, Serialize, ToSchema)]
pub struct LiveGrid {
    pub rows: usize,
    pub cols: usize,
    pub pitch_mm: f32,
    /// Row-major force per cell, N (row 0 = toes, column 0 = the person's left).
    pub force_n: Vec<f32>,
}

fn no_scanner() -> ApiError {
    ApiError::unavailable(
        "scanner_disabled",
        "the scanner is disabled in the configuration (scanner.enabled = false)",
        "발판 스캐너가 설정에서 꺼져 있습니다",
    )
}

fn scanner_of(state: &AppState) -> Result<&ScannerHandle, ApiError> {
    state.scanner.as_ref().ok_or_else(no_scanner)
}

impl From<CalibrationError> for ApiError {
    fn from(e: CalibrationError) -> Self {
        match e {
            // Not a fault of the service: the person is not there (yet). 409: the
            // mat's state conflicts with the request; try again once someone stands.
            CalibrationError::NobodyOnMat { .. } => ApiError::new(
                warp::http::StatusCode::CONFLICT,
                "nobody_on_mat",
                e.to_string(),
                "발판 위에 아무도 없습니다. 발판 위에 올라서 주세요",
            ),
            other => ApiError::bad_request(
                "invalid_calibration",
                other.to_string(),
                "보정 데이터가 올바르지 않습니다",
            ),
        }
    }
}

impl From<ScannerError> for ApiError {
    fn from(e: ScannerError) -> Self {
        match e {
            ScannerError::Capture(c) => c.into(),
            ScannerError::Calibration(c) => c.into(),
            ScannerError::Store(s) => s.into(),
        }
    }
}

/// Tare: measures the empty mat (average of `scanner.tare_frames` frames) and makes
/// it the zero map. Nobody may stand on the mat.
#[utoipa::path(
    post,
    path = "/scanner/tare",
    tag = "scanner",
    params(("X-Carenco-Client" = Option<String>, Header, description = "Any value: says this bodiless POST is not an HTML form (or send Content-Type: application/json); see README Security")),
    responses(
        (status = 200, description = "The new calibration, saved and in force", body = Calibration),
        (status = 503, description = "Scanner disabled or not connected", body = super::error::ErrorBody),
    )
)]
pub async fn tare(state: Arc<AppState>) -> Result<warp::reply::Response, Rejection> {
    let scanner = scanner_of(&state)?;
    let cal = scanner
        .tare(state.config.scanner.tare_frames as usize)
        .await
        .map_err(ApiError::from)?;
    Ok(warp::reply::json(cal.as_ref()).into_response())
}

/// Known-weight calibration: someone of `known_kg` steps on and stands still; the
/// force model (and the load cell, when the mat has one) is scaled to read that.
#[utoipa::path(
    post,
    path = "/scanner/calibrate",
    tag = "scanner",
    request_body = CalibrateRequest,
    responses(
        (status = 200, description = "The new calibration, saved and in force", body = Calibration),
        (status = 400, description = "Bad weight", body = super::error::ErrorBody),
        (status = 409, description = "Nobody on the mat, or nobody stood still", body = super::error::ErrorBody),
        (status = 503, description = "Scanner disabled or not connected", body = super::error::ErrorBody),
    )
)]
pub async fn calibrate(
    state: Arc<AppState>,
    body: bytes::Bytes,
) -> Result<warp::reply::Response, Rejection> {
    let request: CalibrateRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(
            "invalid_json",
            format!("expected {{\"known_kg\": number}}: {e}"),
            "요청 형식이 잘못되었습니다",
        )
    })?;
    let scanner = scanner_of(&state)?;
    let cal = scanner
        .calibrate_known_weight(request.known_kg)
        .await
        .map_err(ApiError::from)?;
    Ok(warp::reply::json(cal.as_ref()).into_response())
}

async fn current_calibration(state: &AppState) -> Result<Calibration, ApiError> {
    if let Some(scanner) = &state.scanner {
        return Ok(Calibration::clone(&scanner.calibration()));
    }
    let s = &state.config.scanner;
    Ok(stored_calibration::load_or_factory(&state.store, s.format, s.rows, s.cols).await?)
}

/// Export: the calibration in force, as JSON that `PUT` accepts back.
#[utoipa::path(
    get,
    path = "/scanner/calibration",
    tag = "scanner",
    responses((status = 200, description = "The calibration in force", body = Calibration))
)]
pub async fn get_calibration(state: Arc<AppState>) -> Result<warp::reply::Response, Rejection> {
    let cal = current_calibration(&state).await?;
    Ok(warp::reply::json(&cal).into_response())
}

/// Import: validates an exported calibration and puts it in force (saved first).
#[utoipa::path(
    put,
    path = "/scanner/calibration",
    tag = "scanner",
    request_body = Calibration,
    responses(
        (status = 200, description = "Saved and in force", body = Calibration),
        (status = 400, description = "Not a valid calibration", body = super::error::ErrorBody),
        (status = 413, description = "Too large", body = super::error::ErrorBody),
    )
)]
pub async fn put_calibration(
    state: Arc<AppState>,
    body: bytes::Bytes,
) -> Result<warp::reply::Response, Rejection> {
    let text = std::str::from_utf8(&body).map_err(|_| {
        ApiError::bad_request(
            "invalid_calibration",
            "the body is not UTF-8 JSON",
            "보정 데이터가 올바르지 않습니다",
        )
    })?;
    let mut cal = Calibration::from_json(text).map_err(ApiError::from)?;
    cal.source = "import".into();
    let cal = match &state.scanner {
        Some(scanner) => {
            let installed = scanner
                .install_calibration("import", cal)
                .await
                .map_err(ApiError::from)?;
            Calibration::clone(&installed)
        }
        None => {
            stored_calibration::save(&state.store, "import", &cal)
                .await
                .map_err(ApiError::from)?;
            cal
        }
    };
    Ok(warp::reply::json(&cal).into_response())
}

fn live_event(scanner: &ScannerHandle, frame: Option<&Frame>, with_grid: bool) -> LiveEvent {
    let mut event = LiveEvent {
        connected: scanner.is_connected(),
        phase: scanner.phase(),
        fps: (scanner.fps() * 10.0).round() / 10.0,
        total_force_n: None,
        weight_kg: None,
        weight_source: None,
        contact_cells: None,
        seq: None,
        grid: None,
    };
    if let Some(frame) = frame {
        let cal = scanner.calibration();
        let grid = cal.apply(frame, scanner.pitch_mm());
        let total = grid.total_force_n();
        event.total_force_n = Some(total);
        event.contact_cells = Some(grid.force_n.iter().filter(|&&f| f > 0.0).count());
        (event.weight_kg, event.weight_source) = match grid.load_cell_kg {
            Some(kg) => (Some(kg), Some("load_cell")),
            None => (Some(total / STANDARD_GRAVITY), Some("pressure")),
        };
        event.seq = frame.seq;
        if with_grid {
            event.grid = Some(LiveGrid {
                rows: grid.rows,
                cols: grid.cols,
                pitch_mm: grid.pitch_mm,
                force_n: grid.force_n,
            });
        }
    }
    event
}

/// Live view: one event per frame, at most 10 per second, plus one per second while
/// no frames arrive (so a disconnect shows). `?grid=1` adds the calibrated grid.
#[utoipa::path(
    get,
    path = "/scanner/live",
    tag = "scanner",
    params(("grid" = Option<u8>, Query, description = "1 = include the calibrated grid")),
    responses(
        (status = 200, description = "text/event-stream of LiveEvent JSON objects", body = LiveEvent,
         content_type = "text/event-stream"),
        (status = 503, description = "Scanner disabled", body = super::error::ErrorBody),
    )
)]
pub async fn live(
    state: Arc<AppState>,
    query: LiveQuery,
) -> Result<warp::reply::Response, Rejection> {
    let scanner = scanner_of(&state)?.clone();
    let with_grid = query.grid == Some(1);
    let min_gap = Duration::from_secs_f32(1.0 / LIVE_MAX_HZ);
    let mut rx = scanner.subscribe();
    // The stream ends when the service stops, so shutdown need not wait for viewers.
    let mut stopping = state.stopping.clone();
    // A task per viewer feeds a channel: warp wants a Sync stream, and the task ends
    // as soon as the viewer goes away (the send fails).
    let (tx, events) = tokio::sync::mpsc::channel::<Result<warp::sse::Event, Infallible>>(1);
    tokio::spawn(async move {
        let mut last: Option<tokio::time::Instant> = None;
        loop {
            // Frames arriving faster than 10 Hz are skipped: the next event after the
            // gap shows the newest frame.
            if *stopping.borrow() {
                return;
            }
            if let Some(last) = last {
                tokio::select! {
                    () = tokio::time::sleep_until(last + min_gap) => {}
                    _ = stopping.changed() => return,
                }
            }
            let frame = loop {
                let next = tokio::select! {
                    next = tokio::time::timeout(LIVE_HEARTBEAT, rx.recv()) => next,
                    _ = stopping.changed() => return,
                };
                match next {
                    Ok(Ok(_)) => break scanner.latest(),
                    Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => continue,
                    Ok(Err(tokio::sync::broadcast::error::RecvError::Closed)) => return,
                    Err(_) => break None,
                }
            };
            last = Some(tokio::time::Instant::now());
            let event = live_event(&scanner, frame.as_deref(), with_grid);
            let sse = warp::sse::Event::default()
                .event("frame")
                .json_data(&event)
                .unwrap_or_else(|_| warp::sse::Event::default().comment("unserialisable"));
            if tx.send(Ok(sse)).await.is_err() {
                return;
            }
        }
    });
    let events = tokio_stream::wrappers::ReceiverStream::new(events);
    Ok(warp::sse::reply(warp::sse::keep_alive().stream(events)).into_response())
}

/// A picture of the latest frame (PNG, the footprint renderer's defaults).
#[utoipa::path(
    get,
    path = "/scanner/snapshot",
    tag = "scanner",
    responses(
        (status = 200, description = "PNG of the latest frame", content_type = "image/png"),
        (status = 503, description = "Scanner disabled or no frame yet", body = super::error::ErrorBody),
    )
)]
pub async fn snapshot(state: Arc<AppState>) -> Result<warp::reply::Response, Rejection> {
    let scanner = scanner_of(&state)?;
    let frame = scanner
        .latest()
        .ok_or_else(|| ApiError::from(CaptureError::NotConnected))?;
    let grid = scanner.calibration().apply(&frame, scanner.pitch_mm());
    // Rendering is CPU work of a few ms: off the async workers.
    let picture = tokio::task::spawn_blocking(move || {
        let metrics = analyse(&grid);
        render::render(&grid, &metrics, &render::RenderOptions::default())
    })
    .await
    .map_err(|e| ApiError::internal("snapshot", e))?
    .map_err(|e| ApiError::internal("snapshot", e))?;
    Ok(
        warp::reply::with_header(picture.bytes, "content-type", picture.format.mime())
            .into_response(),
    )
}

#[derive(OpenApi)]
#[openapi(
    paths(tare, calibrate, get_calibration, put_calibration, live, snapshot),
    components(schemas(
        Calibration,
        calibration::LoadCellCalibration,
        CalibrateRequest,
        LiveEvent,
        LiveGrid,
        Phase
    )),
    tags((name = "scanner", description = "The pressure mat: calibration and live view"))
)]
pub struct ScannerApi;

/// `/scanner/*`.
pub fn routes(
    state: Arc<AppState>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    let with_state = warp::any().map(move || state.clone());
    let tare = warp::path!("scanner" / "tare")
        .and(warp::post())
        .and(with_state.clone())
        .and_then(tare);
    let calibrate = warp::path!("scanner" / "calibrate")
        .and(warp::post())
        .and(with_state.clone())
        .and(super::body::limited_bytes(MAX_SMALL_BODY_BYTES))
        .and_then(calibrate);
    let get_cal = warp::path!("scanner" / "calibration")
        .and(warp::get())
        .and(with_state.clone())
        .and_then(get_calibration);
    let put_cal = warp::path!("scanner" / "calibration")
        .and(warp::put())
        .and(with_state.clone())
        .and(super::body::limited_bytes(MAX_CALIBRATION_BODY_BYTES))
        .and_then(put_calibration);
    let live = warp::path!("scanner" / "live")
        .and(warp::get())
        .and(with_state.clone())
        .and(warp::query::<LiveQuery>())
        .and_then(live);
    let snapshot = warp::path!("scanner" / "snapshot")
        .and(warp::get())
        .and(with_state)
        .and_then(snapshot);
    tare.or(calibrate)
        .unify()
        .or(get_cal)
        .unify()
        .or(put_cal)
        .unify()
        .or(live)
        .unify()
        .or(snapshot)
        .unify()
}
