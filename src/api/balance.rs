//! `PUT /balance`: the balance test (static posturography).
//!
//! `{"id", "seconds": 10–60, "stance": "both|left|right", "eyes": "open|closed"}`
//! follows the centre of pressure on the live mat: it waits for a stable stance (the
//! capture of `/image`), then records every frame for `seconds`; stepping off ends it
//! with an error, not a short result. With `frames` (grids as `/image` accepts them:
//! the legacy hex string, a 2-D array of counts or `{rows, cols, cells}`) and `fps` in
//! the body it analyses those instead, so it works without a mat.
//!
//! The figures are [`crate::footprint::balance`]'s. The test is stored like a scan
//! (a `scans` row of kind `balance`, the COP-trace picture fsynced, its outbox items
//! committed with it; S3 keys under `.../balance/...` and `records/balance/`), so
//! it is listed by `GET /scans` and its picture served by `GET /scans/{id}/image`.
//!
//! [`parse_request`] is the pure part (property-tested): every bad input is a 400
//! with a code and a Korean message, never a panic.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::broadcast;
use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

use super::image::{calibration_for, MAX_PITCH_MM, MIN_PITCH_MM};
use super::{body, ids, ApiError};
use crate::app::AppState;
use crate::footprint::analysis::{analyse, WeightSource};
use crate::footprint::balance::{
    self, analyse_path, BalanceStance, Eyes, SwayFigures, MAX_SECONDS, MIN_SECONDS,
};
use crate::footprint::calibration::Calibration;
use crate::footprint::grid::PressureGrid;
use crate::footprint::render;
use crate::pipeline::footprint as pipeline;
use crate::scanner::codec::legacy;
use crate::scanner::{Frame, WireFormat};
use crate::store::scans::NewScan;
use crate::sync::keys::{self, RecordKind};

/// Largest `PUT /balance` body: 60 s of a 24 x 24 mat at 50 Hz as JSON matrices.
pub const MAX_BALANCE_BODY_BYTES: u64 = 8 * 1024 * 1024;
/// Highest frame rate accepted with `frames`, Hz.
pub const MAX_FPS: f64 = 200.0;
/// Most frames accepted in `frames`.
pub const MAX_FRAMES: usize = 12_000;
/// Side of the trace picture, px.
pub const TRACE_PX: u32 = 512;
/// A live test ends with an error when no frame arrives for this long.
const FRAME_GAP: Duration = Duration::from_secs(2);
/// A one-foot stance whose other foot carries more than this share (%) is noted.
pub const OTHER_FOOT_MAX_PCT: f32 = 10.0;

/// A grid in `frames`, as `/image` accepts it in `data`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum GridIn {
    Hex(String),
    Matrix(Vec<Vec<u64>>),
    Object {
        rows: u64,
        cols: u64,
        cells: Vec<u64>,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    id: Option<Value>,
    seconds: Option<f64>,
    stance: Option<String>,
    eyes: Option<String>,
    frames: Option<Vec<GridIn>>,
    fps: Option<f64>,
    pitch_mm: Option<f64>,
}

/// A parsed `PUT /balance`.
#[derive(Debug, Clone, PartialEq)]
pub struct BalanceRequest {
    /// The `id` exactly as sent, echoed in the answer.
    pub id: Value,
    /// The validated user id.
    pub user_id: String,
    /// Seconds to record (live), or to use from `frames`; `None` = all of `frames`.
    pub seconds: Option<f64>,
    pub stance: BalanceStance,
    pub eyes: Eyes,
    /// Frames sent in the body, with their rate and wire format (legacy for hex).
    pub frames: Option<SentFrames>,
    pub pitch_mm: Option<f32>,
}

/// `frames` and `fps` of a request.
#[derive(Debug, Clone, PartialEq)]
pub struct SentFrames {
    pub frames: Vec<Frame>,
    pub fps: f32,
    pub wire_format: Option<WireFormat>,
}

fn invalid(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::bad_request(code, message, "균형 검사 요청 형식이 잘못되었습니다")
}

/// The frame of `frames[i]`, read by the same parser as `/image`'s `data`.
fn grid_to_frame(i: usize, grid: GridIn) -> Result<(Frame, Option<WireFormat>), ApiError> {
    let bad = |m: String| invalid("invalid_frames", format!("frames[{i}]: {m}"));
    match grid {
        GridIn::Hex(hex) => legacy::decode_hex(&hex)
            .map(|f| (f, Some(WireFormat::Legacy)))
            .map_err(|e| bad(format!("not one legacy frame in hex: {e}"))),
        GridIn::Matrix(rows) => {
            let rows: Vec<&[u64]> = rows.iter().map(Vec::as_slice).collect();
            pipeline::frame_from_rows(&rows)
                .map(|f| (f, None))
                .map_err(|e| bad(e.0))
        }
        GridIn::Object { rows, cols, cells } => pipeline::frame_from_counts(rows, cols, &cells)
            .map(|f| (f, None))
            .map_err(|e| bad(e.0)),
    }
}

/// Parses a request body. Pure: no I/O, no panics, whatever the bytes.
pub fn parse_request(bytes: &[u8]) -> Result<BalanceRequest, ApiError> {
    let body: Body = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request(
            "invalid_json",
            format!(
                "expected {{\"id\", \"seconds\": 10-60, \"stance\": \"both|left|right\", \
                 \"eyes\": \"open|closed\"}} with optional \"frames\" (grids as /image \
                 accepts) and \"fps\": {e}"
            ),
            "요청 형식이 잘못되었습니다",
        )
    })?;
    let user_id = ids::user_id_from_json(body.id.as_ref())?;
    let seconds = match body.seconds {
        None => None,
        Some(s)
            if s.is_finite() && (f64::from(MIN_SECONDS)..=f64::from(MAX_SECONDS)).contains(&s) =>
        {
            Some(s)
        }
        Some(s) => {
            return Err(ApiError::bad_request(
                "invalid_seconds",
                format!("`seconds` must be {MIN_SECONDS} to {MAX_SECONDS}, not {s}"),
                "검사 시간(seconds)은 10초에서 60초 사이여야 합니다",
            ))
        }
    };
    let stance = match body.stance.as_deref() {
        None | Some("both") => BalanceStance::Both,
        Some("left") => BalanceStance::Left,
        Some("right") => BalanceStance::Right,
        Some(other) => {
            return Err(ApiError::bad_request(
                "invalid_stance",
                format!("`stance` must be both, left or right, not {other:?}"),
                "자세(stance)는 both, left, right 중 하나여야 합니다",
            ))
        }
    };
    let eyes = match body.eyes.as_deref() {
        None | Some("open") => Eyes::Open,
        Some("closed") => Eyes::Closed,
        Some(other) => {
            return Err(ApiError::bad_request(
                "invalid_eyes",
                format!("`eyes` must be open or closed, not {other:?}"),
                "눈(eyes)은 open 또는 closed 여야 합니다",
            ))
        }
    };
    let pitch_mm = match body.pitch_mm {
        None => None,
        Some(p) if (MIN_PITCH_MM..=MAX_PITCH_MM).contains(&p) => Some(p as f32),
        Some(_) => {
            return Err(ApiError::bad_request(
                "invalid_pitch",
                format!("`pitch_mm` must be a number from {MIN_PITCH_MM} to {MAX_PITCH_MM}"),
                "센서 간격(pitch_mm) 값이 잘못되었습니다",
            ))
        }
    };
    let frames = match (body.frames, body.fps) {
        (None, None) => {
            if seconds.is_none() {
                return Err(ApiError::bad_request(
                    "invalid_seconds",
                    format!(
                        "`seconds` ({MIN_SECONDS} to {MAX_SECONDS}) is required on the live mat"
                    ),
                    "검사 시간(seconds)을 지정해 주세요 (10~60초)",
                ));
            }
            None
        }
        (None, Some(_)) => {
            return Err(invalid("invalid_frames", "`fps` was sent without `frames`"))
        }
        (Some(_), None) => {
            return Err(invalid(
                "invalid_fps",
                "`frames` need `fps`, their frame rate in Hz",
            ))
        }
        (Some(grids), Some(fps)) => {
            if !(fps.is_finite() && fps > 0.0 && fps <= MAX_FPS) {
                return Err(invalid(
                    "invalid_fps",
                    format!("`fps` must be above 0 and at most {MAX_FPS}, not {fps}"),
                ));
            }
            if grids.len() > MAX_FRAMES {
                return Err(invalid(
                    "invalid_frames",
                    format!("{} frames; at most {MAX_FRAMES} are accepted", grids.len()),
                ));
            }
            let mut frames = Vec::with_capacity(grids.len());
            let mut wire_format = None;
            for (i, grid) in grids.into_iter().enumerate() {
                let (frame, wire) = grid_to_frame(i, grid)?;
                if let Some(first) = frames.first() {
                    let first: &Frame = first;
                    if (first.rows, first.cols) != (frame.rows, frame.cols) {
                        return Err(invalid(
                            "invalid_frames",
                            format!(
                                "frames[{i}] is {} x {}, frames[0] is {} x {}: all frames must be one mat",
                                frame.rows, frame.cols, first.rows, first.cols
                            ),
                        ));
                    }
                } else {
                    wire_format = wire;
                }
                frames.push(frame);
            }
            let duration = frames.len() as f64 / fps;
            let wanted = seconds.unwrap_or(duration);
            if !(f64::from(MIN_SECONDS)..=f64::from(MAX_SECONDS) + 1.0 / fps).contains(&wanted)
                || duration + 1.0 / fps < wanted
            {
                return Err(ApiError::bad_request(
                    "invalid_frames",
                    format!(
                        "{} frames at {fps} Hz cover {duration:.1} s; a balance test is \
                         {MIN_SECONDS} to {MAX_SECONDS} s{}",
                        frames.len(),
                        seconds.map_or(String::new(), |s| format!(" (asked: {s} s)"))
                    ),
                    "보낸 프레임이 검사 시간(10~60초)에 맞지 않습니다",
                ));
            }
            Some(SentFrames {
                frames,
                fps: fps as f32,
                wire_format,
            })
        }
    };
    Ok(BalanceRequest {
        id: body.id.unwrap_or(Value::Null),
        user_id,
        seconds,
        stance,
        eyes,
        frames,
        pitch_mm,
    })
}

/// The answer of `PUT /balance`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BalanceResponse {
    /// The `id` as sent (string or integer).
    #[schema(schema_with = super::image::string_or_integer)]
    pub id: Value,
    /// UUID v7 of the stored test (a `scans` row of kind `balance`).
    pub test_id: String,
    pub stance: BalanceStance,
    pub eyes: Eyes,
    /// `capture` (the live mat) or `data` (`frames` in the body).
    pub source: String,
    #[serde(flatten)]
    pub figures: SwayFigures,
    /// Share of the load on each foot over the test, %.
    pub left_pct: f32,
    pub right_pct: f32,
    /// Mean weight over the test, kg.
    pub weight_kg: f32,
    /// The result in Korean and English, with the frame-rate caveat when coarse.
    pub description: String,
    /// Remarks on the test itself (e.g. the other foot touched in a one-foot stance).
    pub notes: Vec<String>,
    /// A URL the trace picture loads from now: the S3 URL once S3 confirmed the
    /// upload, otherwise this service's own absolute URL of the picture (as `/image`).
    pub url: String,
    /// The S3 key the trace picture has or will have.
    pub s3_key: String,
    /// The trace picture on this device.
    pub local_url: String,
    /// `uploaded` or `queued`, as for `/image`.
    pub upload: String,
}

/// The analysed test, before it is stored.
struct Analysed {
    figures: SwayFigures,
    path: Vec<[f32; 2]>,
    mean_frame: Frame,
    mean_grid: PressureGrid,
    left_pct: f32,
    right_pct: f32,
    weight_kg: f32,
    weight_source: WeightSource,
    notes: Vec<String>,
}

/// COP path, figures and the mean stance of `frames` (calibrated with `cal`). Frames
/// with less than `presence_n` on the mat are left out (not standing).
fn analyse_frames(
    frames: &[Frame],
    cal: &Calibration,
    pitch_mm: f32,
    fps: f32,
    presence_n: f32,
    stance: BalanceStance,
) -> Result<Analysed, ApiError> {
    let first = frames
        .first()
        .ok_or_else(|| invalid("invalid_frames", "no frames to analyse"))?;
    let n_cells = first.cells.len();
    let mut path = Vec::with_capacity(frames.len());
    let mut sum = vec![0f64; n_cells];
    let mut load_sum = 0f64;
    let mut load_n = 0u32;
    let mut used = 0usize;
    for frame in frames {
        let grid = cal.apply(frame, pitch_mm);
        let Some((cop, total)) = balance::cop_of(&grid) else {
            continue;
        };
        if total < presence_n {
            continue;
        }
        path.push(cop);
        used += 1;
        for (s, &c) in sum.iter_mut().zip(&frame.cells) {
            *s += f64::from(c);
        }
        if let Some(lc) = frame.load_cell {
            load_sum += f64::from(lc);
            load_n += 1;
        }
    }
    let figures = analyse_path(&path, fps).map_err(|e| {
        ApiError::bad_request(
            "no_stance",
            format!("{e} (frames with someone standing on the mat)"),
            "발판 위에 서 있는 프레임이 부족합니다",
        )
    })?;
    let mean_frame = Frame {
        rows: first.rows,
        cols: first.cols,
        cells: sum
            .iter()
            .map(|s| (s / used.max(1) as f64).round().clamp(0.0, 65_535.0) as u16)
            .collect(),
        load_cell: (load_n > 0).then(|| (load_sum / f64::from(load_n)).round() as i32),
        seq: None,
        device_ms: None,
    };
    let mean_grid = cal.apply(&mean_frame, pitch_mm);
    let m = analyse(&mean_grid);
    let mut notes = Vec::new();
    let other = match stance {
        BalanceStance::Both => None,
        BalanceStance::Left => Some(m.right_pct),
        BalanceStance::Right => Some(m.left_pct),
    };
    if let Some(pct) = other.filter(|p| *p > OTHER_FOOT_MAX_PCT) {
        notes.push(format!(
            "한 발 서기인데 다른 발에 체중의 {pct:.0}%가 실렸습니다 \
             (one-foot stance, but the other foot carried {pct:.0} % of the load)"
        ));
    }
    if used < frames.len() {
        notes.push(format!(
            "{}개 프레임은 발판 위에 사람이 없어 제외했습니다 \
             ({} frames without anyone standing were left out)",
            frames.len() - used,
            frames.len() - used
        ));
    }
    Ok(Analysed {
        figures,
        path,
        mean_frame,
        mean_grid,
        left_pct: m.left_pct,
        right_pct: m.right_pct,
        weight_kg: m.weight_kg,
        weight_source: m.weight_source,
        notes,
    })
}

/// Follows the live mat: waits for a stable stance, then records `seconds` of frames.
/// Returns the frames and their measured rate.
async fn follow_live(
    handle: &crate::scanner::ScannerHandle,
    seconds: f64,
    presence_n: f32,
) -> Result<(Vec<Frame>, f32), ApiError> {
    handle.capture().await?;
    let mut rx = handle.subscribe();
    let mut frames = Vec::new();
    let mut first: Option<Instant> = None;
    let want = Duration::from_secs_f64(seconds);
    let end = loop {
        let frame = match tokio::time::timeout(FRAME_GAP, rx.recv()).await {
            Ok(Ok(frame)) => frame,
            Ok(Err(broadcast::error::RecvError::Lagged(_))) => continue,
            Ok(Err(broadcast::error::RecvError::Closed)) | Err(_) => {
                return Err(ApiError::unavailable(
                    "scanner_not_connected",
                    "the mat stopped sending frames during the balance test",
                    "검사 중 발판 신호가 끊겼습니다. 연결을 확인해 주세요",
                ))
            }
        };
        let now = Instant::now();
        let total = handle.calibration().total_force_n(&frame);
        if total < presence_n {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "stepped_off",
                format!(
                    "the person stepped off the mat after {:.1} s of the {seconds} s test",
                    first.map_or(0.0, |f| now.duration_since(f).as_secs_f64())
                ),
                "검사 중 발판에서 내려왔습니다. 다시 올라서서 검사해 주세요",
            ));
        }
        let start = *first.get_or_insert(now);
        frames.push(Frame::clone(&frame));
        if now.duration_since(start) >= want {
            break now;
        }
    };
    let span = first.map_or(0.0, |f| end.duration_since(f).as_secs_f32());
    let fps = if span > 0.0 {
        (frames.len().saturating_sub(1)) as f32 / span
    } else {
        0.0
    };
    Ok((frames, fps))
}

/// The description of a result: the figures and the stance, Korean and English.
fn description(a: &Analysed, stance: BalanceStance, eyes: Eyes) -> String {
    balance::describe(&a.figures, stance, eyes)
}

/// Content types that may carry the JSON body: JSON only (`/balance` is new; it has no
/// legacy clients to be lenient with).
fn check_content_type(content_type: Option<&str>) -> Result<(), ApiError> {
    let essence = content_type
        .and_then(|ct| ct.split(';').next())
        .map(|e| e.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if essence == "application/json" || essence.ends_with("+json") {
        Ok(())
    } else {
        Err(ApiError::unsupported_media_type(format!(
            "`/balance` takes a JSON body (Content-Type: application/json), not {}",
            if essence.is_empty() { "none" } else { &essence }
        )))
    }
}

#[utoipa::path(
    put,
    path = "/balance",
    tag = "balance",
    request_body(
        content = Object,
        description = "`{\"id\": string or integer, \"seconds\": 10-60, \"stance\": \"both|left|right\", \
            \"eyes\": \"open|closed\"}` follows the live mat; add `\"frames\"` (grids as `/image` \
            accepts in `data`) and `\"fps\"` to analyse sent frames instead (`seconds` then \
            optional: the first `seconds` of them). Optional `pitch_mm`.",
        content_type = "application/json",
        example = json!({"id": 1, "seconds": 30, "stance": "both", "eyes": "open"})
    ),
    responses(
        (status = 200, description = "Stored: figures, trace picture, row and uploads committed", body = BalanceResponse),
        (status = 400, description = "Missing/invalid id, seconds, stance, eyes, frames or fps", body = super::error::ErrorBody),
        (status = 409, description = "The person stepped off during the test, or nobody stood still in time", body = super::error::ErrorBody),
        (status = 413, description = "Body over 8 MiB", body = super::error::ErrorBody),
        (status = 415, description = "Not `Content-Type: application/json`", body = super::error::ErrorBody),
        (status = 503, description = "No frames and no scanner, or the mat stopped sending frames", body = super::error::ErrorBody),
        (status = 507, description = "Local storage budget exhausted", body = super::error::ErrorBody),
    ),
    security((), ("bearer" = []))
)]
async fn handle(
    state: Arc<AppState>,
    content_type: Option<String>,
    host: Option<String>,
    bytes: Bytes,
) -> Result<warp::reply::Response, ApiError> {
    check_content_type(content_type.as_deref())?;
    let request = parse_request(&bytes)?;
    drop(bytes);
    let config = state.config.clone();
    let presence_n = crate::scanner::capture_settings(&config.scanner).presence_n;
    let pitch = request.pitch_mm.unwrap_or(config.scanner.pitch_mm);
    let current = match &state.scanner {
        Some(handle) => handle.calibration(),
        None => state.footprint.calibration(),
    };
    let (frames, fps, cal, wire, source) = match (request.frames, &state.scanner) {
        (Some(sent), _) => {
            let n = request.seconds.map_or(sent.frames.len(), |s| {
                ((s * f64::from(sent.fps)).round() as usize).clamp(1, sent.frames.len())
            });
            let mut frames = sent.frames;
            frames.truncate(n);
            let cal = calibration_for(&current, sent.wire_format);
            (frames, sent.fps, cal, sent.wire_format, "data")
        }
        (None, Some(handle)) => {
            let seconds = request.seconds.unwrap_or(f64::from(MIN_SECONDS));
            let (frames, fps) = follow_live(handle, seconds, presence_n).await?;
            let cal = Calibration::clone(&handle.calibration());
            (frames, fps, cal, Some(handle.format()), "capture")
        }
        (None, None) => {
            return Err(ApiError::unavailable(
                "scanner_not_connected",
                "no `frames` were sent and the scanner is off (scanner.enabled = false)",
                "발판 스캐너가 연결되어 있지 않습니다. 연결을 확인해 주세요",
            ))
        }
    };
    let (stance, eyes) = (request.stance, request.eyes);

    let test_id = uuid::Uuid::now_v7().to_string();
    let created_at = crate::store::now_rfc3339();
    let image_key = keys::balance_image(&config.s3, &request.user_id, &test_id);
    let record_key = keys::record(&config.s3, RecordKind::Balance, &test_id);
    let url = keys::public_url(&config.s3, &image_key);

    // The analysis, the picture and its file off the async runtime.
    let (analysed, picture) = tokio::task::spawn_blocking(move || {
        let analysed = analyse_frames(&frames, &cal, pitch, fps, presence_n, stance)?;
        let picture = render::render_trace(&analysed.path, TRACE_PX)
            .map_err(|e| ApiError::internal("trace picture", e))?;
        Ok::<_, ApiError>((analysed, picture.bytes))
    })
    .await
    .map_err(|e| ApiError::internal("balance task", e))??;

    let description = description(&analysed, stance, eyes);
    let record = serde_json::json!({
        "kind": "balance",
        "stance": stance,
        "eyes": eyes,
        "figures": &analysed.figures,
        "left_pct": analysed.left_pct,
        "right_pct": analysed.right_pct,
        "weight_kg": analysed.weight_kg,
        "description": &description,
        "notes": &analysed.notes,
        "path_mm": analysed.path.iter().map(|p| [round1(p[0]), round1(p[1])]).collect::<Vec<_>>(),
    });
    let metrics_json =
        serde_json::to_string(&record).map_err(|e| ApiError::internal("record", e))?;
    let raw_cells: Vec<u8> = analysed
        .mean_frame
        .cells
        .iter()
        .flat_map(|c| c.to_le_bytes())
        .collect();
    let record_bytes = (metrics_json.len() + raw_cells.len() * 4 / 3 + 1024) as u64;
    let scan = NewScan {
        kind: "balance",
        scan_id: test_id.clone(),
        user_id: request.user_id.clone(),
        created_at,
        source,
        wire_format: wire.map(|w| w.as_str().to_string()),
        rows: analysed.mean_frame.rows,
        cols: analysed.mean_frame.cols,
        pitch_mm: analysed.mean_grid.pitch_mm,
        raw_cells,
        load_cell: analysed.mean_frame.load_cell,
        weight_kg: Some(analysed.weight_kg),
        weight_source: Some(
            match analysed.weight_source {
                WeightSource::LoadCell => "load_cell",
                WeightSource::Pressure => "pressure",
            }
            .to_string(),
        ),
        arch_type: None,
        metrics_json,
        picture: picture.into(),
        image_mime: "image/png".to_string(),
        image_key: image_key.clone(),
        record_key,
        record_bytes,
        url: url.clone(),
    };
    // Stored in a task of its own: a client that hangs up cancels this handler, not
    // the commit, so the test is stored whole or not at all.
    let store_state = state.clone();
    let outbox_ids = tokio::spawn(async move { super::image::insert(&store_state, scan).await })
        .await
        .map_err(|e| ApiError::internal("storing the balance test", e))??;
    let upload = if state.sync.enabled()
        && state
            .sync
            .wait_uploaded(&outbox_ids, Duration::from_millis(config.s3.upload_wait_ms))
            .await
    {
        super::image::UPLOAD_DONE
    } else {
        super::image::UPLOAD_QUEUED
    };
    let url = super::image::loadable_url(upload, url, host, &config.api.listen, &test_id);
    let response = BalanceResponse {
        id: request.id,
        s3_key: image_key,
        local_url: format!("/scans/{test_id}/image"),
        test_id,
        stance,
        eyes,
        source: source.to_string(),
        figures: analysed.figures,
        left_pct: analysed.left_pct,
        right_pct: analysed.right_pct,
        weight_kg: analysed.weight_kg,
        description,
        notes: analysed.notes,
        url,
        upload: upload.to_string(),
    };
    Ok(warp::reply::with_status(warp::reply::json(&response), StatusCode::OK).into_response())
}

fn round1(x: f32) -> f32 {
    (x * 10.0).round() / 10.0
}

/// OpenAPI of this module.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(handle),
    components(schemas(BalanceResponse, SwayFigures, BalanceStance, Eyes)),
    tags((name = "balance", description = "The balance test: centre-of-pressure sway over 10-60 s"))
)]
pub struct BalanceApi;

/// `PUT /balance`.
pub fn routes(state: Arc<AppState>) -> BoxedFilter<(warp::reply::Response,)> {
    warp::path("balance")
        .and(warp::path::end())
        .and(warp::put())
        .and(warp::header::optional::<String>("content-type"))
        .and(warp::header::optional::<String>("host"))
        .and(body::limited_bytes(MAX_BALANCE_BODY_BYTES))
        .and_then(
            move |content_type: Option<String>, host: Option<String>, bytes: Bytes| {
                let state = state.clone();
                async move {
                    handle(state, content_type, host, bytes)
                        .await
                        .map_err(Rejection::from)
                }
            },
        )
        .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<BalanceRequest, ApiError> {
        parse_request(v.to_string().as_bytes())
    }

    #[test]
    fn a_live_request_parses_with_its_defaults() {
        let r = parse(json!({"id": 7, "seconds": 30})).unwrap();
        assert_eq!(r.user_id, "7");
        assert_eq!(r.seconds, Some(30.0));
        assert_eq!((r.stance, r.eyes), (BalanceStance::Both, Eyes::Open));
        assert!(r.frames.is_none());
        let r =
            parse(json!({"id": "a", "seconds": 10, "stance": "left", "eyes": "closed"})).unwrap();
        assert_eq!((r.stance, r.eyes), (BalanceStance::Left, Eyes::Closed));
    }

    #[test]
    fn sent_frames_of_every_shape_parse_and_cover_the_time() {
        let m = vec![vec![1u16, 2], vec![3, 4]];
        let o = json!({"rows": 2, "cols": 2, "cells": [1, 2, 3, 4]});
        let frames: Vec<Value> = (0..100)
            .map(|i| if i % 2 == 0 { json!(m) } else { o.clone() })
            .collect();
        let r = parse(json!({"id": 1, "frames": frames, "fps": 10})).unwrap();
        let sent = r.frames.unwrap();
        assert_eq!(sent.frames.len(), 100);
        assert_eq!(sent.frames[0], sent.frames[1]);
        assert_eq!(sent.fps, 10.0);
    }

    #[test]
    fn bad_inputs_are_400s_with_codes_and_korean() {
        let ten_s: Vec<Value> = (0..100).map(|_| json!([[1, 2]])).collect();
        let cases = [
            (json!([1]), "invalid_json"),
            (json!({"seconds": 10}), "missing_id"),
            (json!({"id": "../x", "seconds": 10}), "invalid_id"),
            (json!({"id": 1}), "invalid_seconds"),
            (json!({"id": 1, "seconds": 5}), "invalid_seconds"),
            (json!({"id": 1, "seconds": 61}), "invalid_seconds"),
            (
                json!({"id": 1, "seconds": 10, "stance": "one"}),
                "invalid_stance",
            ),
            (
                json!({"id": 1, "seconds": 10, "eyes": "shut"}),
                "invalid_eyes",
            ),
            (json!({"id": 1, "seconds": 10, "fps": 10}), "invalid_frames"),
            (json!({"id": 1, "frames": ten_s}), "invalid_fps"),
            (json!({"id": 1, "frames": ten_s, "fps": 0}), "invalid_fps"),
            (
                json!({"id": 1, "frames": ten_s, "fps": 1000}),
                "invalid_fps",
            ),
            (
                json!({"id": 1, "frames": ten_s, "fps": 20}),
                "invalid_frames",
            ),
            (
                json!({"id": 1, "frames": ten_s, "fps": 10, "seconds": 20}),
                "invalid_frames",
            ),
            (
                json!({"id": 1, "frames": [[[70000]]], "fps": 0.1}),
                "invalid_frames",
            ),
            (
                json!({"id": 1, "frames": [[[1, 2], [3]]], "fps": 0.1}),
                "invalid_frames",
            ),
            (
                json!({"id": 1, "frames": [[[1]], [[1, 2]]], "fps": 0.1}),
                "invalid_frames",
            ),
            (
                json!({"id": 1, "frames": ["zz"], "fps": 0.1}),
                "invalid_frames",
            ),
            (
                json!({"id": 1, "frames": [{"rows": 2, "cols": 2, "cells": [1]}], "fps": 0.1}),
                "invalid_frames",
            ),
            (
                json!({"id": 1, "frames": [[[-1]]], "fps": 0.1}),
                "invalid_json",
            ),
            (
                json!({"id": 1, "seconds": 10, "pitch_mm": 0}),
                "invalid_pitch",
            ),
            (json!({"id": 1, "seconds": 10, "extra": 1}), "invalid_json"),
        ];
        for (body, code) in cases {
            let e = parse(body.clone()).unwrap_err();
            assert_eq!(
                (e.status, e.code),
                (StatusCode::BAD_REQUEST, code),
                "{body}"
            );
            assert!(!e.message_ko.is_empty());
        }
    }

    #[test]
    fn only_json_content_types_are_taken() {
        assert!(check_content_type(Some("application/json; charset=utf-8")).is_ok());
        for ct in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
        ] {
            let e = check_content_type(ct).unwrap_err();
            assert_eq!(e.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        }
    }

    #[test]
    fn frames_from_the_simulator_give_its_sway_within_five_percent() {
        use crate::scanner::simulator::{SimOptions, Simulator};
        let opts = SimOptions {
            sway_mm: 10.0,
            sway_hz: 0.5,
            empty_s: 0.0,
            step_s: 0.0,
            stand_s: 100.0,
            rate_hz: 10.0,
            ..SimOptions::default()
        };
        let mut sim = Simulator::new(opts.clone());
        let frames: Vec<Frame> = (0..=100).map(|_| sim.next_frame()).collect();
        let cal = Calibration::factory(WireFormat::Legacy, 24, 24);
        let a = analyse_frames(&frames, &cal, 16.9, 10.0, 50.0, BalanceStance::Both).unwrap();
        let truth: Vec<[f32; 2]> = (0..=100).map(|i| sim.sway_at(i as f32 / 10.0)).collect();
        let t = analyse_path(&truth, 10.0).unwrap();
        let close = |a: f32, b: f32| (a - b).abs() <= 0.05 * b.abs();
        let f = &a.figures;
        assert!(close(f.path_length_mm, t.path_length_mm), "{f:?} vs {t:?}");
        assert!(
            close(f.ellipse_area_mm2, t.ellipse_area_mm2),
            "{f:?} vs {t:?}"
        );
        assert!(close(f.ml_range_mm, t.ml_range_mm) && close(f.ap_range_mm, t.ap_range_mm));
        assert!(close(f.ml_rms_mm, t.ml_rms_mm) && close(f.ap_rms_mm, t.ap_rms_mm));
        assert_eq!(f.frames_used, 101);
        assert!((a.left_pct - 50.0).abs() < 3.0);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2048)) {
            let _ = parse_request(&bytes);
        }

        #[test]
        fn arbitrary_json_values_are_answered_not_panicked(
            seconds in proptest::num::f64::ANY,
            fps in proptest::num::f64::ANY,
            n in 0usize..30,
            cell in 0u64..100_000,
        ) {
            let frames: Vec<Value> = (0..n).map(|_| json!([[cell, 1], [2, 3]])).collect();
            let body = json!({"id": 1, "seconds": seconds, "fps": fps, "frames": frames});
            if let Err(e) = parse(body) {
                proptest::prop_assert_eq!(e.status, StatusCode::BAD_REQUEST);
            }
        }
    }
}
