//! The HTTP API (warp).
//!
//! One module per resource, each with its `#[utoipa::path]` handlers and its own
//! `OpenApi` struct merged into [`ApiDoc`]. [`routes`] puts them behind the request
//! checks of [`guard`] (Host, Origin, Content-Type; CORS), the bearer-token check and
//! the single JSON rejection handler ([`error::handle_rejection`]); [`serve`] runs the
//! server loop (connection cap, header timeout, bounded shutdown) and [`limits`] bounds
//! the expensive work.

pub mod balance;
pub mod body;
pub mod embedded;
pub mod error;
pub mod guard;
pub mod ids;
pub mod image;
pub mod limits;
pub mod ocr;
pub mod scanner;
pub mod scans;
pub mod serve;
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
    modifiers(&BearerAuth, &CommonAnswers),
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

/// The answers any operation may give before its handler runs ([`guard`], the token,
/// the work limits), documented on each so that clients (and schemathesis) know them.
struct CommonAnswers;

impl utoipa::Modify for CommonAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let answer = |text: &str| {
            ResponseBuilder::new()
                .description(text)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                (&mut item.get, false),
                (&mut item.put, true),
                (&mut item.post, true),
                (&mut item.delete, true),
            ];
            for (operation, changes) in operations {
                let Some(op) = operation.as_mut() else {
                    continue;
                };
                let r = &mut op.responses.responses;
                let mut add = |code: &str, text: &str| {
                    r.entry(code.to_string())
                        .or_insert_with(|| answer(text).into());
                };
                add(
                    "401",
                    "Missing or wrong bearer token (when api.token is set)",
                );
                add(
                    "421",
                    "The Host header does not name this service (api.allowed_hosts)",
                );
                if changes {
                    add(
                        "403",
                        "Sent by a web page of another origin (api.cors_origins)",
                    );
                    add("415", "Not the content type the operation takes");
                }
            }
        }
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
    let policy = Arc::new(
        guard::Policy::from_config(&state.config.api).unwrap_or_else(|error| {
            // `validate` ran before: unreachable, but refuse what is not allowed
            // rather than stop.
            tracing::error!(%error, "request policy; only loopback, same-origin allowed");
            guard::Policy::strict()
        }),
    );

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

    let decorate = policy.clone();
    guard::checks(policy.clone())
        .and(guard::preflights(policy).or(auth.and(api)).unify())
        .recover(error::handle_rejection)
        .unify()
        .and(warp::header::headers_cloned())
        .map(
            move |reply: warp::reply::Response, headers: warp::http::HeaderMap| {
                let origin = headers.get("origin").and_then(|o| o.to_str().ok());
                decorate.decorate(origin, reply)
            },
        )
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
        }))
        .map(Reply::into_response)
        .boxed()
}

/// Compares secrets without an early exit on the first differing byte.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq as _;
    // `subtle` keeps the optimiser from turning the comparison into an early exit;
    // only the length (not secret: a token's length is in the docs) may leak.
    a.ct_eq(b).into()
}

/// Rejection type re-exported for handlers that `?` into warp.
pub type Result<T> = std::result::Result<T, Rejection>;
