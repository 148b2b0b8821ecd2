//! `PUT /image` and `POST /image`: the seed's footprint endpoint, complete.
//!
//! A request carries a user `id` and the frame as `data` (the legacy hex string, a 2-D
//! array of raw counts, `{rows, cols, cells}`), or no `data` to capture from the live
//! mat. The frame is calibrated with the calibration in force, analysed, drawn, and
//! stored (picture file fsynced, scan row and its outbox items committed) before the
//! 200, through the group-committing [`crate::store::scans::ScanWriter`]. Then it waits
//! up to `s3.upload_wait_ms` for the sync worker to upload the picture and its record
//! ([`crate::sync::SyncHandle::wait_uploaded`]), so that the answer can say
//! `"uploaded"`; a slow or unreachable S3 only turns it into `"queued"`.
//!
//! [`parse_request`] is the pure part (fuzzed in `fuzz/`, property-tested here): every
//! bad input is a 400 with a code and a Korean message, never a panic.

use std::sync::Arc;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

use super::{body, ids, ApiError};
use crate::app::AppState;
use crate::footprint::analysis::{FootMetrics, Metrics, WeightSource};
use crate::footprint::calibration::Calibration;
use crate::footprint::render::{self, Background, ColourMap, ImageFormat, RenderOptions};
use crate::pipeline::footprint;
pub use crate::pipeline::footprint::{
    calibration_for, describe, frame_from_file, process, FileFrame, MAX_GRID_SIDE, MAX_PITCH_MM,
    MAX_RAW_COUNT, MIN_PITCH_MM,
};
use crate::scanner::{Frame, WireFormat};
use crate::store::scans::{self, NewScan, WriteError};
use crate::sync::keys::{self, RecordKind};

/// `upload` when S3 confirmed the picture and its record within `s3.upload_wait_ms`.
pub const UPLOAD_DONE: &str = "uploaded";
/// `upload` when the scan is stored and its uploads are still queued.
pub const UPLOAD_QUEUED: &str = "queued";

/// What `/image` needs beyond the store: the scan writer and the calibration for
/// frames sent in `data`.
pub struct FootprintState {
    pub writer: scans::ScanWriter,
    calibration: std::sync::RwLock<Arc<Calibration>>,
}

impl FootprintState {
    pub fn new(writer: scans::ScanWriter, calibration: Calibration) -> FootprintState {
        FootprintState {
            writer,
            calibration: std::sync::RwLock::new(Arc::new(calibration)),
        }
    }

    /// The calibration read at start, for when there is no scanner (with a scanner,
    /// its handle has the one in force, which tare/calibrate replace).
    pub fn calibration(&self) -> Arc<Calibration> {
        match self.calibration.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

/// Where the frame of a request comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum DataSource {
    /// Sent in `data`.
    Frame {
        frame: Frame,
        /// `legacy` for the hex string; `None` for matrices.
        wire_format: Option<WireFormat>,
    },
    /// `data` absent or null: capture from the live mat now.
    Capture,
}

/// A parsed `/image` request.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageRequest {
    /// The `id` exactly as sent (string or integer), echoed in the answer.
    pub id: Value,
    /// The validated user id (safe in paths and S3 keys).
    pub user_id: String,
    pub data: DataSource,
    /// Top-level `pitch_mm`, when given.
    pub pitch_mm: Option<f32>,
}

fn invalid_data(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("invalid_data", message, "측정 데이터 형식이 잘못되었습니다")
}

fn invalid_pitch() -> ApiError {
    ApiError::bad_request(
        "invalid_pitch",
        format!("`pitch_mm` must be a number from {MIN_PITCH_MM} to {MAX_PITCH_MM}"),
        "센서 간격(pitch_mm) 값이 잘못되었습니다",
    )
}

/// Parses a request body. Pure: no I/O, no panics, whatever the bytes.
pub fn parse_request(body: &[u8]) -> Result<ImageRequest, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(
            "invalid_json",
            format!("the body is not JSON: {e}"),
            "요청 형식이 잘못되었습니다",
        )
    })?;
    let Value::Object(mut object) = value else {
        return Err(ApiError::bad_request(
            "invalid_json",
            "the body must be a JSON object {\"id\": ..., \"data\": ...}",
            "요청 형식이 잘못되었습니다",
        ));
    };
    let id = object.remove("id");
    let user_id = ids::user_id_from_json(id.as_ref())?;
    let pitch_mm = match object.remove("pitch_mm") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => match n.as_f64() {
            Some(p) if (MIN_PITCH_MM..=MAX_PITCH_MM).contains(&p) => Some(p as f32),
            _ => return Err(invalid_pitch()),
        },
        Some(_) => return Err(invalid_pitch()),
    };
    let data = match object.remove("data") {
        None | Some(Value::Null) => DataSource::Capture,
        Some(data) => {
            let (frame, wire_format) =
                footprint::frame_from_data(&data).map_err(|e| invalid_data(e.0))?;
            DataSource::Frame { frame, wire_format }
        }
    };
    Ok(ImageRequest {
        id: id.unwrap_or(Value::Null),
        user_id,
        data,
        pitch_mm,
    })
}

/// Picture options in the query string (all optional).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PictureQuery {
    /// `png` (default) or `jpeg`.
    pub format: Option<String>,
    /// `turbo` (default), `viridis` or `jet`.
    pub colormap: Option<String>,
    /// `white` (default) or `transparent`.
    pub background: Option<String>,
    /// COP markers, L/R labels and scale bar (default true).
    pub overlays: Option<bool>,
    /// Long side in px (default 512, 32..=4096).
    pub size: Option<u32>,
}

impl PictureQuery {
    fn options(&self) -> Result<RenderOptions, ApiError> {
        let bad =
            |m: String| ApiError::bad_request("invalid_query", m, "요청 형식이 잘못되었습니다");
        let mut o = RenderOptions::default();
        if let Some(f) = &self.format {
            o.format = f.parse::<ImageFormat>().map_err(bad)?;
        }
        if let Some(c) = &self.colormap {
            o.colour_map = c.parse::<ColourMap>().map_err(bad)?;
        }
        match self.background.as_deref() {
            None | Some("white") => {}
            Some("transparent") => o.background = Background::Transparent,
            Some(other) => {
                return Err(bad(format!(
                    "unknown background {other:?} (expected white or transparent)"
                )))
            }
        }
        if let Some(overlays) = self.overlays {
            o.overlays = overlays;
        }
        if let Some(size) = self.size {
            if !(render::MIN_LONG_SIDE_PX..=render::MAX_LONG_SIDE_PX).contains(&size) {
                return Err(bad(format!(
                    "size {size} is outside {}..={}",
                    render::MIN_LONG_SIDE_PX,
                    render::MAX_LONG_SIDE_PX
                )));
            }
            o.long_side_px = size;
        }
        Ok(o)
    }
}

/// The answer of `/image`: the seed's keys plus ours.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImageResponse {
    /// The `id` as sent (string or integer).
    #[schema(schema_with = string_or_integer)]
    pub id: Value,
    /// A URL the picture loads from now: the S3 URL (`s3.public_base_url` when set)
    /// once S3 confirmed the upload, otherwise this service's own absolute URL of the
    /// picture (`http://{Host}/scans/{scan_id}/image`).
    #[schema(example = "http://127.0.0.1:5000/scans/0193a4b2-7c1e-7d2a-9f3e-2b1c4d5e6f70/image")]
    pub url: String,
    /// The same URL (the seed's README promised `image_url`, its code sent `url`).
    pub image_url: String,
    /// The S3 key the picture has or will have.
    #[schema(example = "carenco/kiosk/footprints/1/0193a4b2-7c1e-7d2a-9f3e-2b1c4d5e6f70.png")]
    pub s3_key: String,
    /// Body weight, kg.
    #[schema(example = 58.5)]
    pub weight: f32,
    /// Arch class of both feet: `high`, `normal`, `flat`; `mixed` when the feet
    /// differ; `none` when no foot was found.
    #[serde(rename = "type")]
    #[schema(example = "normal")]
    pub arch_type: String,
    /// The class in Korean and English.
    #[schema(example = "양발 모두 정상 (both feet: normal arch; arch index L 0.23, R 0.24)")]
    pub description: String,
    /// UUID v7 of the stored scan.
    pub scan_id: String,
    /// `uploaded` (S3 confirmed the picture and its record within
    /// `s3.upload_wait_ms`) or `queued` (stored here, the upload is still to come: S3
    /// slow or unreachable, or no `s3.bucket` configured yet).
    #[schema(example = "uploaded")]
    pub upload: String,
    /// The picture on this device.
    #[schema(example = "/scans/0193a4b2-7c1e-7d2a-9f3e-2b1c4d5e6f70/image")]
    pub local_url: String,
    pub metrics: Metrics,
}

/// The schema of an `id`: a string or an integer, as the request sent it.
pub(super) fn string_or_integer() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
    Schema::OneOf(
        OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::String))
            .item(ObjectBuilder::new().schema_type(Type::Integer))
            .build(),
    )
}

/// The fields of a scan row that the request decided.
struct ScanFields {
    scan_id: String,
    user_id: String,
    created_at: String,
    source: &'static str,
    wire_format: Option<WireFormat>,
    pitch: f32,
    image_key: String,
    record_key: String,
    url: String,
}

/// What [`store_scan`] draws and stores.
struct StoreJob {
    state: Arc<AppState>,
    /// Held until the picture is drawn and stored, even if the client went away.
    _turn: Option<super::limits::Turn>,
    grid: crate::footprint::PressureGrid,
    options: RenderOptions,
    frame: Frame,
    scan: ScanFields,
}

/// Draws the picture and commits it with its row. Runs as its own task (see `handle`).
async fn store_scan(job: StoreJob) -> Result<(Metrics, scans::OutboxIds), ApiError> {
    let StoreJob {
        state,
        _turn,
        grid,
        options,
        frame,
        scan: f,
    } = job;
    let mime = options.format.mime().to_string();
    let (metrics, picture) = tokio::task::spawn_blocking(move || process(&grid, &options))
        .await
        .map_err(|e| ApiError::internal("render task", e))?
        .map_err(|e| ApiError::internal("render", e))?;

    let scan = (|| {
        let metrics_json =
            serde_json::to_string(&metrics).map_err(|e| ApiError::internal("metrics", e))?;
        let raw_cells: Vec<u8> = frame.cells.iter().flat_map(|c| c.to_le_bytes()).collect();
        let record_bytes = (metrics_json.len() + raw_cells.len() * 4 / 3 + 1024) as u64;
        let (arch_type, _) = describe(&metrics);
        Ok::<_, ApiError>(NewScan {
            kind: "footprint",
            scan_id: f.scan_id,
            user_id: f.user_id,
            created_at: f.created_at,
            source: f.source,
            wire_format: f.wire_format.map(|w| w.as_str().to_string()),
            rows: frame.rows,
            cols: frame.cols,
            pitch_mm: f.pitch,
            raw_cells,
            load_cell: frame.load_cell,
            weight_kg: Some(metrics.weight_kg),
            weight_source: Some(
                match metrics.weight_source {
                    WeightSource::LoadCell => "load_cell",
                    WeightSource::Pressure => "pressure",
                }
                .to_string(),
            ),
            arch_type: Some(arch_type),
            metrics_json,
            picture: picture.bytes.into(),
            image_mime: mime,
            image_key: f.image_key,
            record_key: f.record_key,
            record_bytes,
            url: f.url,
        })
    })()?;
    let ids = insert(&state, scan).await?;
    Ok((metrics, ids))
}

/// Commits a scan with its picture through the group-committing writer, and maps
/// what went wrong to an answer. A full disk is remembered for `/check`.
pub(super) async fn insert(state: &AppState, scan: NewScan) -> Result<scans::OutboxIds, ApiError> {
    let picture_bytes = scan.image_bytes();
    let result = state
        .footprint
        .writer
        .insert(scan)
        .await
        .map_err(|e| match e {
            WriteError::Budget(message) => ApiError::insufficient_storage(message),
            // SQLite's words for SQLITE_FULL (the writer passes errors on as text).
            WriteError::Failed(m) if m.contains("disk is full") => {
                state.disk.record_full("database", picture_bytes, &m);
                ApiError::disk_full("database")
            }
            other => ApiError::internal("storing the scan", other),
        });
    match result {
        Ok(ids) => {
            state.disk.record_success();
            Ok(ids)
        }
        Err(e) => Err(e),
    }
}

/// A URL the kiosk's `<img>` can load now: S3's once S3 has the picture, else this
/// service's own (under the Host the kiosk used, which the guard accepted, or the
/// listen address).
pub(super) fn loadable_url(
    upload: &str,
    s3_url: String,
    host: Option<String>,
    listen: &str,
    scan_id: &str,
) -> String {
    if upload == UPLOAD_DONE {
        s3_url
    } else {
        let host = host.unwrap_or_else(|| listen.to_string());
        format!("http://{host}/scans/{scan_id}/image")
    }
}

/// Routes of this module.
pub fn routes(state: Arc<AppState>) -> BoxedFilter<(warp::reply::Response,)> {
    let limit = state.config.api.max_frame_body_bytes;
    warp::path("image")
        .and(warp::path::end())
        .and(warp::put().or(warp::post()).unify())
        .and(warp::header::optional::<String>("content-type"))
        .and(warp::header::optional::<String>("host"))
        .and(warp::query::<PictureQuery>())
        .and(body::limited_bytes(limit))
        .and_then(
            move |content_type: Option<String>,
                  host: Option<String>,
                  query: PictureQuery,
                  bytes: Bytes| {
                let state = state.clone();
                async move {
                    handle(state, content_type, host, query, bytes)
                        .await
                        .map_err(Rejection::from)
                }
            },
        )
        .boxed()
}

/// The body must be labelled JSON: a type no HTML form can send across origins
/// without a CORS preflight (the seed read any body as JSON, which let any web page
/// store scans).
fn check_content_type(content_type: Option<&str>) -> Result<(), ApiError> {
    let essence = content_type.map(super::guard::content_type_essence);
    match essence.as_deref() {
        Some(e) if super::guard::is_json(e) => Ok(()),
        Some(e) => Err(ApiError::unsupported_media_type(format!(
            "`/image` takes a JSON body (Content-Type: application/json), not {e}"
        ))),
        None => Err(ApiError::unsupported_media_type(
            "`/image` takes a JSON body: send Content-Type: application/json",
        )),
    }
}

#[utoipa::path(
    put,
    path = "/image",
    tag = "footprint",
    params(PictureQuery),
    request_body(
        content = Object,
        description = "`{\"id\": string or integer, \"data\": ...}` where `data` is the hex string \
            of one legacy frame, a 2-D array of raw counts, `{\"rows\", \"cols\", \"cells\"}` \
            (up to 256 x 256), or absent/null to capture from the live mat; optional top-level \
            `pitch_mm` (default: the configured mat's).",
        content_type = "application/json",
        example = json!({"id": 1, "data": [[0, 0, 0], [0, 812, 640], [0, 700, 0]], "pitch_mm": 16.9})
    ),
    responses(
        (status = 200, description = "Stored: the picture is on disk, the row and its uploads committed; `upload` says whether S3 already has it", body = ImageResponse),
        (status = 400, description = "Missing/invalid `id` or `data`", body = super::error::ErrorBody),
        (status = 413, description = "Body over `api.max_frame_body_bytes`", body = super::error::ErrorBody),
        (status = 409, description = "Capture: nobody stepped on the mat, or nobody stood still", body = super::error::ErrorBody),
        (status = 415, description = "Not a JSON body", body = super::error::ErrorBody),
        (status = 503, description = "No `data` and no scanner, or too many large pictures at once (`Retry-After`)", body = super::error::ErrorBody),
        (status = 507, description = "Local storage budget exhausted, or the disk is full", body = super::error::ErrorBody),
    ),
    security((), ("bearer" = []))
)]
async fn handle(
    state: Arc<AppState>,
    content_type: Option<String>,
    host: Option<String>,
    query: PictureQuery,
    bytes: Bytes,
) -> Result<warp::reply::Response, ApiError> {
    check_content_type(content_type.as_deref())?;
    let options = query.options()?;
    let request = parse_request(&bytes)?;
    drop(bytes);
    let config = state.config.clone();
    let pitch = request.pitch_mm.unwrap_or(config.scanner.pitch_mm);
    let (frame, grid, wire_format, source) = match (request.data, &state.scanner) {
        (DataSource::Frame { frame, wire_format }, scanner) => {
            let current = match scanner {
                Some(handle) => handle.calibration(),
                None => state.footprint.calibration(),
            };
            let grid = calibration_for(&current, wire_format).apply(&frame, pitch);
            (frame, grid, wire_format, "data")
        }
        (DataSource::Capture, Some(handle)) => {
            let captured = handle.capture().await?;
            (
                captured.frame,
                captured.grid,
                Some(captured.format),
                "capture",
            )
        }
        (DataSource::Capture, None) => {
            return Err(ApiError::unavailable(
                "scanner_not_connected",
                "no `data` was sent and the scanner is off (scanner.enabled = false)",
                "발판 스캐너가 연결되어 있지 않습니다. 연결을 확인해 주세요",
            ))
        }
    };
    let pitch = grid.pitch_mm;

    let scan_id = uuid::Uuid::now_v7().to_string();
    let created_at = crate::store::now_rfc3339();
    let ext = options.format.extension();
    let image_key = keys::footprint_image(&config.s3, &request.user_id, &scan_id, ext);
    let record_key = keys::record(&config.s3, RecordKind::Scan, &scan_id);
    let url = keys::public_url(&config.s3, &image_key);

    // A large picture waits for its turn (or is refused at once when many wait):
    // each holds tens of MB while it is drawn.
    let turn = if options.long_side_px > super::limits::LARGE_RENDER_PX {
        Some(state.render_turns.turn().await?)
    } else {
        None
    };

    // Drawing and storing run in their own task: a client that hangs up cancels this
    // handler, not them, so a scan that was drawn is stored whole (row, picture,
    // outbox) even if nobody is left to answer.
    let job = StoreJob {
        state: state.clone(),
        _turn: turn,
        grid,
        options,
        frame,
        scan: ScanFields {
            scan_id: scan_id.clone(),
            user_id: request.user_id.clone(),
            created_at,
            source,
            wire_format,
            pitch,
            image_key: image_key.clone(),
            record_key,
            url: url.clone(),
        },
    };
    let (metrics, outbox_ids) = tokio::spawn(store_scan(job))
        .await
        .map_err(|e| ApiError::internal("storing the scan", e))??;
    // API.md's contract has two values. Without a bucket the uploads wait in the outbox
    // until one is configured: answer "queued" at once.
    let upload = if state.sync.enabled()
        && state
            .sync
            .wait_uploaded(
                &outbox_ids,
                std::time::Duration::from_millis(config.s3.upload_wait_ms),
            )
            .await
    {
        UPLOAD_DONE
    } else {
        UPLOAD_QUEUED
    };
    let url = loadable_url(upload, url, host, &config.api.listen, &scan_id);
    let (arch_type, description) = describe(&metrics);
    let response = ImageResponse {
        id: request.id,
        image_url: url.clone(),
        url,
        s3_key: image_key,
        weight: metrics.weight_kg,
        arch_type,
        description,
        local_url: format!("/scans/{scan_id}/image"),
        scan_id,
        upload: upload.to_string(),
        metrics,
    };
    Ok(warp::reply::with_status(warp::reply::json(&response), StatusCode::OK).into_response())
}

/// OpenAPI of this module.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(handle),
    components(schemas(
        ImageResponse,
        Metrics,
        FootMetrics,
        WeightSource,
        crate::footprint::ArchType
    )),
    tags((name = "footprint", description = "Footprint scans: PUT/POST /image and the stored scans"))
)]
pub struct ImageApi;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<ImageRequest, ApiError> {
        parse_request(v.to_string().as_bytes())
    }

    #[test]
    fn the_fixture_parses_to_the_legacy_grid() {
        let text = include_bytes!("../../tests/fixtures/frames/legacy_sample_data.json");
        let req = parse_request(text).unwrap();
        assert_eq!(req.id, json!("1"));
        let DataSource::Frame { frame, wire_format } = req.data else {
            panic!("not a frame");
        };
        assert_eq!((frame.rows, frame.cols), (24, 24));
        assert_eq!(frame.load_cell, Some(-276));
        assert_eq!(wire_format, Some(WireFormat::Legacy));
    }

    #[test]
    fn matrices_and_grid_objects_give_the_same_frame() {
        let a = parse(json!({"id": 7, "data": [[1, 2, 3], [4, 5, 6]]})).unwrap();
        let b = parse(json!({"id": 7, "data": {"rows": 2, "cols": 3, "cells": [1, 2, 3, 4, 5, 6]}, "pitch_mm": 8}))
            .unwrap();
        assert_eq!(a.data, b.data);
        assert_eq!(a.id, json!(7));
        assert_eq!(b.pitch_mm, Some(8.0));
        assert_eq!(parse(json!({"id": "k"})).unwrap().data, DataSource::Capture);
        assert_eq!(
            parse(json!({"id": "k", "data": null})).unwrap().data,
            DataSource::Capture
        );
    }

    #[test]
    fn bad_inputs_are_400s_with_codes() {
        let cases = [
            (json!([1, 2]), "invalid_json"),
            (json!({"data": [[1]]}), "missing_id"),
            (json!({"id": "../etc", "data": [[1]]}), "invalid_id"),
            (json!({"id": 1, "data": "zz"}), "invalid_data"),
            (json!({"id": 1, "data": "F00F"}), "invalid_data"),
            (json!({"id": 1, "data": []}), "invalid_data"),
            (json!({"id": 1, "data": [[]]}), "invalid_data"),
            (json!({"id": 1, "data": [[1, 2], [3]]}), "invalid_data"),
            (json!({"id": 1, "data": [[1, -2]]}), "invalid_data"),
            (json!({"id": 1, "data": [[1.5]]}), "invalid_data"),
            (json!({"id": 1, "data": [[70000]]}), "invalid_data"),
            (json!({"id": 1, "data": [1, 2]}), "invalid_data"),
            (
                json!({"id": 1, "data": {"rows": 2, "cols": 2, "cells": [1]}}),
                "invalid_data",
            ),
            (
                json!({"id": 1, "data": {"rows": 300, "cols": 1, "cells": []}}),
                "invalid_data",
            ),
            (
                json!({"id": 1, "data": {"rows": 0, "cols": 1, "cells": []}}),
                "invalid_data",
            ),
            (json!({"id": 1, "data": true}), "invalid_data"),
            (
                json!({"id": 1, "data": [[1]], "pitch_mm": 0}),
                "invalid_pitch",
            ),
            (
                json!({"id": 1, "data": [[1]], "pitch_mm": "8"}),
                "invalid_pitch",
            ),
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
        assert_eq!(parse_request(b"not json").unwrap_err().code, "invalid_json");
        let wide = vec![vec![0u16; 257]];
        assert_eq!(
            parse(json!({"id": 1, "data": wide})).unwrap_err().code,
            "invalid_data"
        );
    }

    #[test]
    fn only_json_content_types_are_taken() {
        assert!(check_content_type(Some("application/json; charset=utf-8")).is_ok());
        assert!(check_content_type(Some("application/merge-patch+json")).is_ok());
        for refused in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            Some("image/png"),
        ] {
            let e = check_content_type(refused).unwrap_err();
            assert_eq!(e.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{refused:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2048)) {
            let _ = parse_request(&bytes);
        }

        #[test]
        fn any_valid_matrix_round_trips(
            rows in 1usize..20,
            cols in 1usize..20,
            seed in proptest::collection::vec(0u16..4096, 400),
        ) {
            let m: Vec<Vec<u16>> = (0..rows)
                .map(|r| (0..cols).map(|c| seed[(r * cols + c) % seed.len()]).collect())
                .collect();
            let req = parse(json!({"id": "u1", "data": m})).unwrap();
            let DataSource::Frame { frame, .. } = req.data else { panic!() };
            proptest::prop_assert_eq!(frame.rows as usize, rows);
            proptest::prop_assert_eq!(frame.cells.len(), rows * cols);
            proptest::prop_assert_eq!(frame.cells[rows * cols - 1], m[rows - 1][cols - 1]);
        }

        #[test]
        fn hex_with_garbage_is_a_400_never_a_panic(
            text in "[0-9a-fA-F \u{a0}g-z]{0,2400}",
        ) {
            if let Err(e) = parse(json!({"id": 1, "data": text})) {
                proptest::prop_assert_eq!(e.status, StatusCode::BAD_REQUEST);
            }
        }
    }
}
