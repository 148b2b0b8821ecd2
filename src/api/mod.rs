//! The HTTP API (warp).
//!
//! One module per resource, each with its `#[utoipa::path]` handlers and its own
//! `OpenApi` struct merged into [`ApiDoc`]. [`routes`] puts them behind the bearer-token
//! check, the CORS allow-list and the single JSON rejection handler
//! ([`error::handle_rejection`]).

pub mod balance;
pub mod body;
pub mod error;
pub mod ids;
pub mod image;
pub mod ocr;
pub mod scanner;
pub mod scans;
pub mod swagger;
pub mod sync;
pub mod system;
pub mod technician;

use std::sync::Arc;

use utoipa::OpenApi;
use warp::filters::BoxedFilter;
use warp::{Filter, Rejection, Reply};

pub use error::ApiError;

use crate::app::AppState;

/// The root OpenAPI document; resource modules are merged into it by [`openapi`].
#[derive(OpenApi)]
#[openapi(
    info(
        title = "carenco-edge",
        description = "Foot-pressure mat and InBody OCR service of the Carenco health kiosk. \
            Errors are JSON {\"error\", \"message\", \"message_ko\"}. When api.token is set, \
            every request but /health needs `Authorization: Bearer <token>`."
    ),
    components(schemas(error::ErrorBody)),
    modifiers(&BearerAuth),
    tags(
        (name = "system", description = "Liveness, readiness, API document"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The complete OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(system::SystemApi::openapi());
    doc.merge(sync::SyncApi::openapi());
    doc.merge(scanner::ScannerApi::openapi());
    doc.merge(ocr::OcrApi::openapi());
    doc.merge(image::ImageApi::openapi());
    doc.merge(scans::ScansApi::openapi());
    doc.merge(balance::BalanceApi::openapi());
    doc
}

/// Every route, wrapped in authentication, CORS, logging and JSON errors.
pub fn routes(state: Arc<AppState>) -> BoxedFilter<(warp::reply::Response,)> {
    let doc = Arc::new(serde_json::to_string(&openapi()).unwrap_or_else(|_| "{}".to_string()));
    let api = system::routes(state.clone(), doc)
        .or(sync::routes(state.clone()))
        .unify()
        .or(scanner::routes(state.clone()))
        .unify()
        .or(ocr::routes(state.clone()))
        .unify()
        .or(technician::routes())
        .unify()
        .or(image::routes(state.clone()))
        .unify()
        .or(scans::routes(state.clone()))
        .unify()
        .or(balance::routes(state.clone()))
        .unify();
    let metrics = state.metrics.clone();

    let token = state.config.api.token.clone();
    let auth = warp::path::full()
        .and(warp::header::optional::<String>("authorization"))
        .and(warp::method())
        .and_then(
            move |path: warp::path::FullPath,
                  header: Option<String>,
                  method: warp::http::Method| {
                let token = token.clone();
                async move {
                    if token.is_empty()
                        || path.as_str() == "/health"
                        || technician::is_public(path.as_str())
                        || method == warp::http::Method::OPTIONS
                    {
                        return Ok::<(), Rejection>(());
                    }
                    let presented = header
                        .as_deref()
                        .and_then(|h| h.strip_prefix("Bearer "))
                        .unwrap_or("");
                    if constant_time_eq(presented.as_bytes(), token.expose().as_bytes()) {
                        Ok(())
                    } else {
                        Err(ApiError::unauthorized().into())
                    }
                }
            },
        )
        .untuple_one();

    let routes = auth
        .and(api)
        .recover(error::handle_rejection)
        .unify()
        .with(warp::log::custom(move |info| {
            metrics.observe_request(
                info.method().as_str(),
                info.path(),
                info.status().as_u16(),
                info.elapsed(),
            );
            tracing::debug!(
                method = %info.method(),
                path = info.path(),
                status = info.status().as_u16(),
                elapsed_ms = info.elapsed().as_secs_f64() * 1000.0,
                "request"
            );
        }));

    let origins = &state.config.api.cors_origins;
    if origins.is_empty() {
        routes.map(Reply::into_response).boxed()
    } else {
        let cors = warp::cors()
            .allow_origins(origins.iter().map(String::as_str))
            .allow_methods(["GET", "PUT", "POST", "DELETE", "OPTIONS"])
            .allow_headers(["authorization", "content-type"]);
        routes
            .with(cors)
            .map(Reply::into_response)
            .recover(error::handle_rejection)
            .unify()
            .boxed()
    }
}

/// Compares secrets without an early exit on the first differing byte.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Rejection type re-exported for handlers that `?` into warp.
pub type Result<T> = std::result::Result<T, Rejection>;
