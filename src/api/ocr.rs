//! `PUT /ocr` (and `POST`): an InBody result sheet in, the figures out; and the health
//! records it stores: `GET /health-records?id=`, `GET /health-records/{record_id}`.
//!
//! The upload is stored before the answer (store-and-forward rule 1) by
//! `store::health::insert`: the `health_records` row, the sheet's picture and its two
//! outbox items (picture, JSON record) are committed in one transaction.

use std::sync::Arc;

use bytes::{Buf, BytesMut};
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use warp::http::StatusCode;
use warp::multipart::FormData;
use warp::{Filter, Rejection, Reply};

use super::{ids, ApiError};
use crate::app::AppState;
use crate::ocr::inbody;
use crate::ocr::OcrError;
pub use crate::pipeline::ocr::OcrReport;
pub use crate::store::health::HealthRecord;
use crate::store::health::{self, InsertError, NewHealthRecord};
use crate::sync::keys::{self, RecordKind};

/// Most records `GET /health-records` returns at once.
pub const MAX_LIST_LIMIT: u32 = 500;

/// An OCR engine failure as an answer: 415 for what is no decodable image, else 503.
impl From<OcrError> for ApiError {
    fn from(e: OcrError) -> ApiError {
        match e {
            OcrError::BadImage(reason) => ApiError::unsupported_media_type(format!(
                "the file is not a readable PNG or JPEG image: {reason}"
            )),
            other => ApiError::unavailable(
                "ocr_unavailable",
                format!("no OCR engine could read the sheet: {other}"),
                "문자 인식(OCR)을 사용할 수 없습니다. 잠시 후 다시 시도하세요",
            ),
        }
    }
}

/// What the multipart form held.
struct Upload {
    file: Option<bytes::Bytes>,
    id: Option<String>,
}

/// Reads the form, counting bytes: `max_length` only checks `Content-Length`.
async fn read_form(form: FormData, limit: u64) -> Result<Upload, ApiError> {
    let mut upload = Upload {
        file: None,
        id: None,
    };
    let mut total: u64 = 0;
    let mut parts = Box::pin(form);
    while let Some(part) = parts.try_next().await.map_err(bad_form)? {
        let name = part.name().to_string();
        let mut data = BytesMut::new();
        let mut stream = Box::pin(part.stream());
        while let Some(chunk) = stream.try_next().await.map_err(bad_form)? {
            total += chunk.remaining() as u64;
            if total > limit {
                return Err(ApiError::payload_too_large(limit));
            }
            if name == "file" || name == "id" {
                data.extend_from_slice(chunk.chunk());
            }
        }
        match name.as_str() {
            "file" => upload.file = Some(data.freeze()),
            "id" => {
                let text = std::str::from_utf8(&data).map_err(|_| invalid_id())?.trim();
                if !text.is_empty() {
                    upload.id = Some(ids::user_id_from_str(text)?);
                }
            }
            _ => {}
        }
    }
    Ok(upload)
}

fn invalid_id() -> ApiError {
    ApiError::bad_request(
        "invalid_id",
        "`id` must be 1..64 characters of [A-Za-z0-9_.-] or an integer",
        "사용자 ID 형식이 잘못되었습니다",
    )
}

fn bad_form(e: warp::Error) -> ApiError {
    // A form whose body stalled fails inside the multipart reader: still a 408.
    if super::body::is_stall(&e) {
        return ApiError::body_timeout();
    }
    ApiError::bad_request(
        "invalid_multipart",
        format!("the multipart form cannot be read: {e}"),
        "요청 형식이 잘못되었습니다",
    )
}

/// PNG or JPEG by content (the client's content type is not trusted).
fn sniff(bytes: &[u8]) -> Result<(&'static str, &'static str), ApiError> {
    match image::guess_format(bytes) {
        Ok(image::ImageFormat::Png) => Ok(("png", "image/png")),
        Ok(image::ImageFormat::Jpeg) => Ok(("jpg", "image/jpeg")),
        _ => Err(ApiError::unsupported_media_type(
            "the file is not a PNG or JPEG image",
        )),
    }
}

/// Reads an InBody result sheet and stores it as a health record.
#[utoipa::path(
    put,
    path = "/ocr",
    tag = "ocr",
    request_body(content_type = "multipart/form-data", description = "part `file`: the photo or scan of an InBody result sheet (PNG/JPEG); optional part `id`: the user id"),
    responses(
        (status = 200, description = "The figures read from the sheet (also answered to POST)", body = OcrReport),
        (status = 400, description = "Missing file, bad id or bad form", body = super::error::ErrorBody),
        (status = 413, description = "Larger than api.max_ocr_body_bytes, or the picture's header announces more than ocr.max_image_side_px / ocr.max_image_pixels", body = super::error::ErrorBody),
        (status = 415, description = "Not a PNG or JPEG image", body = super::error::ErrorBody),
        (status = 422, description = "No InBody sheet recognised on the image, or its header cannot be read", body = super::error::ErrorBody),
        (status = 503, description = "No OCR engine can answer, or too many sheets at once (`Retry-After`)", body = super::error::ErrorBody),
        (status = 507, description = "Local storage budget exhausted, or the disk is full", body = super::error::ErrorBody),
    )
)]
pub async fn put_ocr(
    state: Arc<AppState>,
    form: FormData,
) -> Result<warp::reply::Response, Rejection> {
    let limit = state.config.api.max_ocr_body_bytes;
    let upload = read_form(form, limit).await?;
    let Some(file) = upload.file.filter(|f| !f.is_empty()) else {
        return Err(ApiError::bad_request(
            "missing_file",
            "the form has no `file` part with the sheet's picture",
            "사진 파일이 없습니다",
        )
        .into());
    };
    let (ext, mime) = sniff(&file)?;
    check_dimensions(&file, &state.config.ocr)?;
    crate::store::budget::ensure_room(&state.store, &state.config, file.len() as u64)
        .await
        .map_err(ApiError::from)?;

    let recognized = {
        // One job at a time per configured slot; a short queue, then 503.
        let _turn = state.ocr_turns.turn().await?;
        state.ocr.recognize(&file).await.map_err(ApiError::from)?
    };
    let report = inbody::parse(&recognized.words);
    if !report.is_inbody_sheet() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_an_inbody_sheet",
            "no InBody result sheet was recognised on the image (too few figures could be read)",
            "인바디 결과지를 인식하지 못했습니다. 결과지 전체가 잘 보이도록 다시 찍어 주세요",
        )
        .into());
    }
    let mut out = OcrReport::new(recognized.engine, report);
    let record_id = uuid::Uuid::now_v7().to_string();
    out.record_id = Some(record_id.clone());
    // In its own task: a client that hangs up now does not cut the picture off from
    // its row (the task stores both, or removes the picture).
    let stored = {
        let (state, record_id, out) = (state.clone(), record_id.clone(), out.clone());
        tokio::spawn(async move {
            store_record(&state, &record_id, upload.id, &file, ext, mime, &out).await
        })
    };
    stored
        .await
        .map_err(|e| ApiError::internal("storing the record", e))??;
    Ok(warp::reply::json(&out).into_response())
}

/// Width, height and pixel count from the picture's header, before anything decodes
/// it: a small file can announce a page of gigabytes.
fn check_dimensions(bytes: &[u8], limits: &crate::config::OcrConfig) -> Result<(), ApiError> {
    let (w, h) = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .ok()
        .and_then(|r| r.into_dimensions().ok())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unreadable_image",
                "the picture's header (its size) cannot be read",
                "사진 파일을 읽을 수 없습니다. 다시 찍어 주세요",
            )
        })?;
    let pixels = u64::from(w) * u64::from(h);
    if w > limits.max_image_side_px
        || h > limits.max_image_side_px
        || pixels > limits.max_image_pixels
    {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "image_too_large",
            format!(
                "the picture is {w} x {h} px; at most {} px a side and {} pixels are read                  (ocr.max_image_side_px, ocr.max_image_pixels)",
                limits.max_image_side_px, limits.max_image_pixels
            ),
            "사진이 너무 큽니다. 해상도를 낮춰 다시 보내 주세요",
        ));
    }
    if w == 0 || h == 0 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unreadable_image",
            "the picture has no pixels",
            "사진 파일을 읽을 수 없습니다. 다시 찍어 주세요",
        ));
    }
    Ok(())
}

/// Stores the record (`store::health::insert`: row, picture and outbox in one
/// transaction) and maps what went wrong to an answer.
async fn store_record(
    state: &AppState,
    record_id: &str,
    user_id: Option<String>,
    file: &bytes::Bytes,
    ext: &'static str,
    mime: &'static str,
    report: &OcrReport,
) -> Result<(), ApiError> {
    let s3 = &state.config.s3;
    let record = NewHealthRecord {
        record_id: record_id.to_string(),
        image_key: keys::inbody_image(s3, user_id.as_deref(), record_id, ext),
        record_key: keys::record(s3, RecordKind::Health, record_id),
        user_id,
        engine: report.engine.clone(),
        model: report.model.clone(),
        report_json: serde_json::to_string(report)
            .map_err(|e| ApiError::internal("report json", e))?,
        picture: file.clone(),
        image_mime: mime,
    };
    let len = file.len() as u64;
    let stored = health::insert(&state.store, state.config.storage.budget_bytes, record).await;
    match stored {
        Ok(()) => {}
        Err(InsertError::Exceeded(exceeded)) => {
            return Err(ApiError::insufficient_storage(exceeded.to_string()))
        }
        Err(InsertError::Store(e)) => {
            if e.is_sqlite_full() {
                state.disk.record_full("database", len, &e);
            }
            return Err(ApiError::from(e));
        }
    }
    state.disk.record_success();
    // The uploads are queued; the worker need not wait for its next poll.
    state.sync.wake();
    Ok(())
}

/// `GET /health-records` answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthRecordList {
    pub records: Vec<HealthRecord>,
}

/// Query of `GET /health-records`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this user's records.
    pub id: Option<String>,
    /// At most this many, newest first (default 50, at most 500).
    pub limit: Option<u32>,
}

/// The health records of a user (or all), newest first.
#[utoipa::path(
    get,
    path = "/health-records",
    tag = "ocr",
    params(ListQuery),
    responses(
        (status = 200, description = "Records, newest first", body = HealthRecordList),
        (status = 400, description = "Bad id or limit", body = super::error::ErrorBody),
    )
)]
pub async fn list_records(
    state: Arc<AppState>,
    query: ListQuery,
) -> Result<warp::reply::Response, Rejection> {
    let id = match query.id.as_deref() {
        Some(id) => Some(ids::user_id_from_str(id)?),
        None => None,
    };
    let limit = query.limit.unwrap_or(50);
    if limit == 0 || limit > MAX_LIST_LIMIT {
        return Err(ApiError::bad_request(
            "invalid_limit",
            format!("`limit` must be 1..={MAX_LIST_LIMIT}"),
            "요청 형식이 잘못되었습니다",
        )
        .into());
    }
    let records = state
        .store
        .health_records(id, limit)
        .await
        .map_err(ApiError::from)?;
    Ok(warp::reply::json(&HealthRecordList { records }).into_response())
}

/// One health record.
#[utoipa::path(
    get,
    path = "/health-records/{record_id}",
    tag = "ocr",
    params(("record_id" = String, Path, description = "The record id /ocr answered")),
    responses(
        (status = 200, description = "The record", body = HealthRecord),
        (status = 404, description = "No such record", body = super::error::ErrorBody),
    )
)]
pub async fn get_record(
    record_id: String,
    state: Arc<AppState>,
) -> Result<warp::reply::Response, Rejection> {
    // Our ids are UUIDs; anything else cannot exist (and never reaches SQL as such).
    let Ok(id) = uuid::Uuid::parse_str(&record_id) else {
        return Err(ApiError::not_found("health record").into());
    };
    let id = id.to_string();
    let record = state
        .store
        .health_record(id)
        .await
        .map_err(ApiError::from)?;
    match record {
        Some(r) => Ok(warp::reply::json(&r).into_response()),
        None => Err(ApiError::not_found("health record").into()),
    }
}

#[derive(OpenApi)]
#[openapi(
    paths(put_ocr, list_records, get_record),
    components(schemas(OcrReport, HealthRecord, HealthRecordList)),
    tags((name = "ocr", description = "InBody result sheets and the health records made from them"))
)]
pub struct OcrApi;

/// `PUT|POST /ocr`, `GET /health-records`, `GET /health-records/{record_id}`.
pub fn routes(
    state: Arc<AppState>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    let limit = state.config.api.max_ocr_body_bytes;
    let with_state = warp::any().map(move || state.clone());
    let ocr = warp::path!("ocr")
        .and(warp::put().or(warp::post()).unify())
        .and(with_state.clone())
        .and(warp::multipart::form().max_length(limit))
        .and_then(put_ocr);
    let list = warp::path!("health-records")
        .and(warp::get())
        .and(with_state.clone())
        .and(warp::query::<ListQuery>())
        .and_then(list_records);
    let one = warp::path!("health-records" / String)
        .and(warp::get())
        .and(with_state)
        .and_then(get_record);
    ocr.or(list).unify().or(one).unify()
}

/// `/check`'s `ocr` component: which engines can answer.
pub struct OcrStatus {
    pub engines: crate::ocr::Engines,
}

impl crate::status::StatusComponent for OcrStatus {
    fn name(&self) -> &'static str {
        "ocr"
    }
    fn status(&self) -> futures::future::BoxFuture<'_, crate::status::ComponentStatus> {
        Box::pin(async move {
            let (ok, detail) = self.engines.status().await;
            crate::status::ComponentStatus::new(ok, detail)
        })
    }
}
