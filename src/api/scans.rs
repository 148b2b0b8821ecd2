//! The stored footprint scans: `GET /scans?id=&limit=&before=`, `GET /scans/{scan_id}`
//! and `GET /scans/{scan_id}/image` (the local picture, so the kiosk can show it
//! offline).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use warp::filters::BoxedFilter;
use warp::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use warp::{Filter, Rejection, Reply};

use super::{ids, ApiError};
use crate::app::AppState;
use crate::store::scans::{LocalPicture, ScanSummary};

/// Default and largest page size of `GET /scans`.
pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 200;

/// Query of `GET /scans`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this user's scans.
    pub id: Option<String>,
    /// Page size (default 20, at most 200).
    pub limit: Option<u32>,
    /// Only scans older than this scan id (the `next_before` of the previous page).
    pub before: Option<String>,
}

/// A page of scans, newest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScanList {
    pub scans: Vec<ScanSummary>,
    /// Pass as `before` for the next page; null on the last page.
    pub next_before: Option<String>,
}

/// A scan id is a UUID (we generate them); anything else is a 400 before it reaches a
/// query or a path.
fn scan_id(text: &str) -> Result<String, ApiError> {
    uuid::Uuid::parse_str(text)
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| {
            ApiError::bad_request(
                "invalid_scan_id",
                "a scan id is a UUID, e.g. 0193a4b2-7c1e-7d2a-9f3e-2b1c4d5e6f70",
                "측정 ID 형식이 잘못되었습니다",
            )
        })
}

/// `url` as the kiosk can load it now: S3's once S3 confirmed the picture, else this
/// service's own absolute URL (as in the `/image` answer; the row keeps the S3 URL).
fn loadable(mut scan: ScanSummary, host: &str) -> ScanSummary {
    if scan.uploaded_at.is_none() {
        scan.url = format!("http://{host}{}", scan.local_url);
    }
    scan
}

fn host_or_listen(state: &AppState, host: Option<String>) -> String {
    host.unwrap_or_else(|| state.config.api.listen.clone())
}

#[utoipa::path(
    get,
    path = "/scans",
    tag = "footprint",
    params(ListQuery),
    responses(
        (status = 200, description = "Scans, newest first", body = ScanList,
         example = json!({"scans": [{"scan_id": "0193a4b2-7c1e-7d2a-9f3e-2b1c4d5e6f70", "user_id": "1",
             "created_at": "2026-11-26T12:00:00.000Z", "source": "data", "wire_format": "legacy",
             "rows": 24, "cols": 24, "pitch_mm": 16.9, "weight_kg": 58.51, "weight_source": "load_cell",
             "arch_type": "high", "metrics": {"weight_kg": 58.51}, "url": "http://127.0.0.1:5000/scans/0193a4b2-7c1e-7d2a-9f3e-2b1c4d5e6f70/image",
             "local_url": "/scans/0193a4b2-7c1e-7d2a-9f3e-2b1c4d5e6f70/image", "image_mime": "image/png",
             "image_bytes": 61234, "upload": "queued", "uploaded_at": null, "pruned_at": null}],
             "next_before": null})),
        (status = 400, description = "Invalid id, limit or before", body = super::error::ErrorBody),
    ),
    security((), ("bearer" = []))
)]
async fn list(
    state: Arc<AppState>,
    query: ListQuery,
    host: Option<String>,
) -> Result<warp::reply::Response, ApiError> {
    let user = query.id.as_deref().map(ids::user_id_from_str).transpose()?;
    let before = query.before.as_deref().map(scan_id).transpose()?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ApiError::bad_request(
            "invalid_limit",
            format!("limit must be 1..={MAX_LIMIT}"),
            "요청 형식이 잘못되었습니다",
        ));
    }
    let page = state.store.scans(user, before, limit).await?;
    let next_before = (page.len() == limit as usize)
        .then(|| page.last().map(|s| s.scan_id.clone()))
        .flatten();
    let host = host_or_listen(&state, host);
    let page = page.into_iter().map(|s| loadable(s, &host)).collect();
    Ok(warp::reply::json(&ScanList {
        scans: page,
        next_before,
    })
    .into_response())
}

#[utoipa::path(
    get,
    path = "/scans/{scan_id}",
    tag = "footprint",
    params(("scan_id" = String, Path, description = "UUID of the scan", example = "0193a4b2-7c1e-7d2a-9f3e-2b1c4d5e6f70")),
    responses(
        (status = 200, description = "The scan with its metrics", body = ScanSummary),
        (status = 400, description = "Not a UUID", body = super::error::ErrorBody),
        (status = 404, description = "No such scan", body = super::error::ErrorBody),
    ),
    security((), ("bearer" = []))
)]
async fn get(
    state: Arc<AppState>,
    id: String,
    host: Option<String>,
) -> Result<warp::reply::Response, ApiError> {
    let id = scan_id(&id)?;
    let found = state.store.scan(id).await?;
    match found {
        Some(scan) => {
            let scan = loadable(scan, &host_or_listen(&state, host));
            Ok(warp::reply::json(&scan).into_response())
        }
        None => Err(ApiError::not_found("scan")),
    }
}

#[utoipa::path(
    get,
    path = "/scans/{scan_id}/image",
    tag = "footprint",
    params(("scan_id" = String, Path, description = "UUID of the scan", example = "0193a4b2-7c1e-7d2a-9f3e-2b1c4d5e6f70")),
    responses(
        (status = 200, description = "The picture (PNG or JPEG)", content_type = "image/png"),
        (status = 400, description = "Not a UUID", body = super::error::ErrorBody),
        (status = 404, description = "No such scan, or its local picture was pruned after upload (see `url`)", body = super::error::ErrorBody),
    ),
    security((), ("bearer" = []))
)]
async fn image(state: Arc<AppState>, id: String) -> Result<warp::reply::Response, ApiError> {
    let id = scan_id(&id)?;
    let found = state.store.scan_picture(id).await?;
    let (mime, bytes) = match found {
        None => return Err(ApiError::not_found("scan")),
        Some(LocalPicture::Pruned) => {
            return Err(ApiError::not_found(
                "local picture (pruned after upload; fetch it from the scan's url)",
            ))
        }
        Some(LocalPicture::Missing) => return Err(ApiError::not_found("local picture")),
        Some(LocalPicture::Here { mime, bytes }) => (mime, bytes),
    };
    let mut response = warp::reply::Response::new(bytes.into());
    if let Ok(v) = mime.parse() {
        response.headers_mut().insert(CONTENT_TYPE, v);
    }
    // A scan's picture never changes.
    if let Ok(v) = "private, max-age=31536000, immutable".parse() {
        response.headers_mut().insert(CACHE_CONTROL, v);
    }
    Ok(response)
}

/// Routes of this module.
pub fn routes(state: Arc<AppState>) -> BoxedFilter<(warp::reply::Response,)> {
    let with_state = {
        let state = state.clone();
        warp::any().map(move || state.clone())
    };
    let list_route = warp::path("scans")
        .and(warp::path::end())
        .and(warp::get())
        .and(with_state.clone())
        .and(warp::query::<ListQuery>())
        .and(warp::header::optional::<String>("host"))
        .and_then(|s, q, h| async move { list(s, q, h).await.map_err(Rejection::from) });
    let get_route = warp::path!("scans" / String)
        .and(warp::get())
        .and(with_state.clone())
        .and(warp::header::optional::<String>("host"))
        .and_then(|id, s, h| async move { get(s, id, h).await.map_err(Rejection::from) });
    let image_route = warp::path!("scans" / String / "image")
        .and(warp::get())
        .and(with_state)
        .and_then(|id, s| async move { image(s, id).await.map_err(Rejection::from) });
    list_route
        .or(get_route)
        .unify()
        .or(image_route)
        .unify()
        .boxed()
}

/// OpenAPI of this module.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, get, image), components(schemas(ScanList, ScanSummary)))]
pub struct ScansApi;
