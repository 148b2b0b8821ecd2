//! Liveness (`GET /health`), readiness (`GET /check`), the OpenAPI document and the
//! vendored Swagger UI ([`super::swagger`]).

use std::sync::Arc;

use serde::Serialize;
use utoipa::{OpenApi, ToSchema};
use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

use crate::app::AppState;

/// `GET /health` answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
    #[schema(example = "0.1.0")]
    pub version: &'static str,
    pub uptime_s: u64,
}

/// Liveness: always cheap, never touches the database.
#[utoipa::path(
    get,
    path = "/health",
    tag = "system",
    responses((status = 200, description = "The process is alive", body = Health))
)]
pub async fn health(state: Arc<AppState>) -> Result<warp::reply::Response, Rejection> {
    Ok(warp::reply::json(&Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        uptime_s: state.started_at.elapsed().as_secs(),
    })
    .into_response())
}

/// Readiness: one object per component (`database`, `scanner`, `calibration`, `sync`,
/// `ocr`, `clock`), each with `ok` and its details, and this kiosk's `device_id`. 503
/// only when records cannot be stored.
#[utoipa::path(
    get,
    path = "/check",
    tag = "system",
    responses(
        (status = 200, description = "Records can be stored", body = Object,
         example = json!({"status": "ok", "version": "0.1.0", "device_id": "kiosk-3f2a9c01d4e5", "clock": {"ok": true, "synced": true}, "database": {"ok": true, "schema_version": 1, "scans": 0, "health_records": 0}})),
        (status = 503, description = "The database cannot be written", body = Object),
    )
)]
pub async fn check(state: Arc<AppState>) -> Result<warp::reply::Response, Rejection> {
    let (ready, mut components) = state.check().await;
    components.insert(
        "status".into(),
        serde_json::Value::from(if ready { "ok" } else { "unavailable" }),
    );
    components.insert("version".into(), env!("CARGO_PKG_VERSION").into());
    components.insert("device_id".into(), state.config.s3.device_id.clone().into());
    // A warning (`ok: false`), never a 503: the kiosk works before NTP answers.
    components.insert("clock".into(), crate::fleet::clock::check_json());
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    Ok(warp::reply::with_status(warp::reply::json(&components), status).into_response())
}

#[derive(OpenApi)]
#[openapi(paths(health, check), components(schemas(Health)))]
pub struct SystemApi;

/// `/health`, `/check`, `/api-doc/openapi.json`, `/swagger-ui/`.
pub fn routes(
    state: Arc<AppState>,
    doc: Arc<String>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    let with_state = warp::any().map(move || state.clone());
    let health = warp::path!("health")
        .and(warp::get())
        .and(with_state.clone())
        .and_then(health);
    let check = warp::path!("check")
        .and(warp::get())
        .and(with_state)
        .and_then(check);
    let openapi = warp::path!("api-doc" / "openapi.json")
        .and(warp::get())
        .map(move || {
            warp::reply::with_header(doc.as_str().to_owned(), "content-type", "application/json")
                .into_response()
        });
    // The base layout: no top bar, so no standalone preset (69 KB of the Pi's 10 MB).
    let swagger_config =
        Arc::new(utoipa_swagger_ui::Config::from("/api-doc/openapi.json").use_base_layout());
    // warp matches `/swagger-ui/` as `/swagger-ui` too: redirect only the bare path,
    // or the page loads with the wrong base and renders blank.
    let swagger_redirect = warp::path!("swagger-ui")
        .and(warp::get())
        .and(warp::path::full())
        .and_then(|full: warp::path::FullPath| async move {
            if full.as_str() == "/swagger-ui" {
                Ok(
                    warp::redirect::found(warp::http::Uri::from_static("/swagger-ui/"))
                        .into_response(),
                )
            } else {
                Err(warp::reject::not_found())
            }
        });
    let swagger = warp::path("swagger-ui")
        .and(warp::get())
        .and(warp::path::tail())
        .and(warp::header::optional::<String>("accept-encoding"))
        .and(warp::any().map(move || swagger_config.clone()))
        .and_then(serve_swagger);
    health
        .or(check)
        .unify()
        .or(openapi)
        .unify()
        .or(swagger_redirect)
        .unify()
        .or(swagger)
        .unify()
}

async fn serve_swagger(
    tail: warp::path::Tail,
    accept_encoding: Option<String>,
    config: Arc<utoipa_swagger_ui::Config<'static>>,
) -> Result<warp::reply::Response, Rejection> {
    let gzip_ok = super::embedded::accepts_gzip(accept_encoding.as_deref());
    match super::swagger::serve(tail.as_str(), &config, gzip_ok) {
        Ok(Some(file)) => Ok(file.into_response()),
        Ok(None) => Err(warp::reject::not_found()),
        Err(e) => Err(super::ApiError::internal("swagger-ui", e).into()),
    }
}
