//! `GET /sync` (the upload queue's status), `POST /sync` (try the queue now) and
//! `GET /metrics` (Prometheus text format).

use std::sync::Arc;

use utoipa::OpenApi;
use warp::{Filter, Rejection, Reply};

use super::ApiError;
use crate::app::AppState;
use crate::sync::SyncStatus;

/// The upload queue: depth, bytes, oldest item age, totals, last success and error,
/// per kind. With no bucket configured `mode` is `"local"`.
#[utoipa::path(
    get,
    path = "/sync",
    tag = "sync",
    responses((status = 200, description = "Queue status", body = SyncStatus))
)]
pub async fn get_sync(state: Arc<AppState>) -> Result<warp::reply::Response, Rejection> {
    let status = state.sync.status().await.map_err(ApiError::from)?;
    Ok(warp::reply::json(&status).into_response())
}

/// Wakes the upload worker now (e.g. after the network came back) instead of waiting
/// for the next retry time; answers the status.
#[utoipa::path(
    post,
    path = "/sync",
    tag = "sync",
    params(("X-Carenco-Client" = Option<String>, Header, description = "Any value: says this bodiless POST is not an HTML form (or send Content-Type: application/json); see README Security")),
    responses((status = 202, description = "Worker woken; queue status", body = SyncStatus))
)]
pub async fn post_sync(state: Arc<AppState>) -> Result<warp::reply::Response, Rejection> {
    // Due "now": items waiting for their backoff are tried at once.
    let now = crate::store::queue::now_ms();
    state.store.retry_now(now).await.map_err(ApiError::from)?;
    state.sync.wake();
    let status = state.sync.status().await.map_err(ApiError::from)?;
    Ok(
        warp::reply::with_status(warp::reply::json(&status), warp::http::StatusCode::ACCEPTED)
            .into_response(),
    )
}

/// Prometheus metrics: HTTP requests and latencies, the upload queue, and the
/// subsystems' counters.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "system",
    responses((status = 200, description = "Prometheus text format 0.0.4", body = String,
               content_type = "text/plain"))
)]
pub async fn metrics(state: Arc<AppState>) -> Result<warp::reply::Response, Rejection> {
    let sync = state.sync.status().await.map_err(ApiError::from)?;
    let mut text = state.metrics.render(Some(&sync));
    if let Some(scanner) = &state.scanner {
        crate::metrics::render_scanner(&mut text, scanner.is_connected(), &scanner.stats());
    }
    Ok(warp::reply::with_header(text, "content-type", "text/plain; version=0.0.4").into_response())
}

#[derive(OpenApi)]
#[openapi(
    paths(get_sync, post_sync, metrics),
    components(schemas(SyncStatus, crate::sync::KindStatus)),
    tags((name = "sync", description = "Store-and-forward upload queue to S3"))
)]
pub struct SyncApi;

/// `/sync` and `/metrics`.
pub fn routes(
    state: Arc<AppState>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    let with_state = warp::any().map(move || state.clone());
    let get = warp::path!("sync")
        .and(warp::get())
        .and(with_state.clone())
        .and_then(get_sync);
    let post = warp::path!("sync")
        .and(warp::post())
        .and(with_state.clone())
        .and_then(post_sync);
    let metrics = warp::path!("metrics")
        .and(warp::get())
        .and(with_state)
        .and_then(metrics);
    get.or(post).unify().or(metrics).unify()
}
