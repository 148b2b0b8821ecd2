//! What a web page in the kiosk's browser must not be able to make the API do.
//!
//! Any page the kiosk's browser opens can send requests to `127.0.0.1:5000`. This
//! module owns the checks every request passes before it reaches a handler
//! ([`Policy::check`]), and the CORS answers ([`Policy::preflight`],
//! [`Policy::decorate`]), replacing warp's CORS filter (which panics on an origin it
//! cannot parse, such as `null`):
//!
//! - **Host** (DNS rebinding): `localhost`, an IP literal, or a name in
//!   `api.allowed_hosts`; anything else is 421. A page that rebinds its own name to
//!   127.0.0.1 sends that name, so it can read nothing.
//! - **Origin** (CSRF): a request carrying an `Origin` must come from this service
//!   itself (`http://{Host}`) or from `api.cors_origins`; otherwise 403. Browsers
//!   always send `Origin` on requests that change state (and on cross-origin reads);
//!   clients that are not browsers send none.
//! - **Content-Type**: a request with a body that changes state must say
//!   `application/json` (or `multipart/form-data` on `/ocr`), types no HTML form can
//!   send across origins without a CORS preflight; otherwise 415. A POST without a
//!   body needs a JSON content type, the `X-Carenco-Client` header, or an `Origin`
//!   this service accepted.
//!
//! Origins and hosts are parsed by [`crate::config::parse_origin`] and
//! [`crate::config::parse_host`], the rules `validate` applies, so a configuration
//! that validates always starts.

use std::sync::Arc;

use warp::http::{HeaderMap, HeaderValue, Method, StatusCode};
use warp::{Filter, Rejection, Reply};

use super::ApiError;
use crate::config::{parse_host, parse_origin, split_host_port, ApiConfig, ConfigError};

/// The header a client that is not a browser form may send on a bodiless POST.
pub const CLIENT_HEADER: &str = "x-carenco-client";
/// Paths whose body is a multipart form (the sheet upload).
const MULTIPART_PATHS: &[&str] = &["/ocr"];
/// How long a browser may cache a preflight answer (s).
const PREFLIGHT_MAX_AGE_S: u32 = 600;

/// The request checks of one running service.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Normalised `api.allowed_hosts`.
    hosts: Vec<String>,
    /// Normalised `api.cors_origins`.
    origins: Vec<String>,
}

impl Policy {
    /// Builds the policy; the error names the key, as `validate` does.
    pub fn from_config(api: &ApiConfig) -> Result<Policy, ConfigError> {
        let invalid =
            |key: &'static str| move |reason: String| ConfigError::Invalid { key, reason };
        Ok(Policy {
            hosts: api
                .allowed_hosts
                .iter()
                .map(|h| parse_host(h).map_err(invalid("api.allowed_hosts")))
                .collect::<Result<_, _>>()?,
            origins: api
                .cors_origins
                .iter()
                .map(|o| parse_origin(o).map_err(invalid("api.cors_origins")))
                .collect::<Result<_, _>>()?,
        })
    }

    /// Loopback and same-origin only (the defaults).
    pub fn strict() -> Policy {
        Policy {
            hosts: Vec::new(),
            origins: Vec::new(),
        }
    }

    /// Whether a `Host` header value names this service.
    pub fn host_allowed(&self, host: &str) -> bool {
        let Ok((name, _port)) = split_host_port(host) else {
            return false;
        };
        let Ok(name) = parse_host(&name) else {
            return false;
        };
        // An IP literal cannot be rebound: a page whose origin is this address was
        // served by this address.
        name == "localhost"
            || name.parse::<std::net::Ipv4Addr>().is_ok()
            || name.starts_with('[')
            || self.hosts.contains(&name)
    }

    /// Whether a state-changing request with this `Origin` may proceed, given its
    /// (already accepted) `Host`.
    pub fn origin_allowed(&self, origin: &str, host: Option<&str>) -> bool {
        let Ok(origin) = parse_origin(origin.trim()) else {
            return false;
        };
        if self.origins.contains(&origin) {
            return true;
        }
        // Same origin: the page was served by this service under this Host.
        host.and_then(|h| parse_origin(&format!("http://{h}")).ok())
            .is_some_and(|own| own == origin)
    }

    /// Whether `origin` may read answers (CORS).
    fn cors_allowed(&self, origin: &str) -> Option<String> {
        let origin = parse_origin(origin.trim()).ok()?;
        self.origins.contains(&origin).then_some(origin)
    }

    /// The checks every request passes before routing.
    pub fn check(&self, method: &Method, path: &str, headers: &HeaderMap) -> Result<(), ApiError> {
        let host = headers
            .get(warp::http::header::HOST)
            .map(|h| h.to_str().unwrap_or("\u{0}"));
        if let Some(host) = host {
            if !self.host_allowed(host) {
                return Err(misdirected(host));
            }
        }
        let origin = headers
            .get(warp::http::header::ORIGIN)
            .map(|o| o.to_str().unwrap_or("\u{0}"));
        if let Some(origin) = origin {
            if !self.origin_allowed(origin, host) {
                return Err(forbidden_origin(origin));
            }
        }
        if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
            return Ok(());
        }
        let essence = headers
            .get(warp::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(content_type_essence);
        let body = has_body(headers);
        match essence.as_deref() {
            Some(ct) if is_json(ct) => Ok(()),
            Some("multipart/form-data") if MULTIPART_PATHS.contains(&path) => Ok(()),
            other if body => Err(unsupported(path, other)),
            // Without a body only a POST is what a form can send across origins
            // (PUT and DELETE need a preflight).
            _ if *method != Method::POST => Ok(()),
            _ if headers.contains_key(CLIENT_HEADER) || origin.is_some() => Ok(()),
            other => Err(unsupported(path, other)),
        }
    }

    /// The answer to a CORS preflight (`OPTIONS` with `Access-Control-Request-Method`):
    /// 204 with the allowed methods and headers for an origin in `api.cors_origins`,
    /// 403 otherwise.
    pub fn preflight(&self, origin: &str) -> warp::reply::Response {
        let Some(origin) = self.cors_allowed(origin) else {
            return ApiError::new(
                StatusCode::FORBIDDEN,
                "cors_forbidden",
                format!("origin {origin:?} is not in api.cors_origins"),
                "허용되지 않는 출처입니다",
            )
            .reply();
        };
        let mut reply =
            warp::reply::with_status(warp::reply(), StatusCode::NO_CONTENT).into_response();
        let h = reply.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&origin) {
            h.insert("access-control-allow-origin", v);
        }
        h.insert(
            "access-control-allow-methods",
            HeaderValue::from_static("GET, PUT, POST, DELETE, OPTIONS"),
        );
        h.insert(
            "access-control-allow-headers",
            HeaderValue::from_static("authorization, content-type, x-carenco-client"),
        );
        h.insert("access-control-max-age", PREFLIGHT_MAX_AGE_S.into());
        h.insert("vary", HeaderValue::from_static("origin"));
        reply
    }

    /// Adds `Access-Control-Allow-Origin` to an answer for an origin in
    /// `api.cors_origins`.
    pub fn decorate(
        &self,
        origin: Option<&str>,
        mut reply: warp::reply::Response,
    ) -> warp::reply::Response {
        if let Some(origin) = origin.and_then(|o| self.cors_allowed(o)) {
            if let Ok(v) = HeaderValue::from_str(&origin) {
                reply.headers_mut().insert("access-control-allow-origin", v);
                reply
                    .headers_mut()
                    .append("vary", HeaderValue::from_static("origin"));
            }
        }
        reply
    }
}

/// `type/subtype` of a `Content-Type`, lower case, without parameters.
pub fn content_type_essence(ct: &str) -> String {
    ct.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// `application/json` or a `+json` type.
pub fn is_json(essence: &str) -> bool {
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn has_body(headers: &HeaderMap) -> bool {
    headers.contains_key(warp::http::header::TRANSFER_ENCODING)
        || headers
            .get(warp::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|n| n.trim() != "0")
}

fn misdirected(host: &str) -> ApiError {
    ApiError::new(
        StatusCode::MISDIRECTED_REQUEST,
        "unknown_host",
        format!(
            "Host {:?} is not this service: use 127.0.0.1 or localhost, or add the name to \
             api.allowed_hosts",
            host.chars().take(100).collect::<String>()
        ),
        "이 서비스의 주소가 아닙니다",
    )
}

fn forbidden_origin(origin: &str) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "cors_forbidden",
        format!(
            "requests from the web page at {:?} are refused here (not this service and \
             not in api.cors_origins)",
            origin.chars().take(100).collect::<String>()
        ),
        "허용되지 않는 웹 페이지에서 보낸 요청입니다",
    )
}

fn unsupported(path: &str, essence: Option<&str>) -> ApiError {
    let wanted = if MULTIPART_PATHS.contains(&path) {
        "multipart/form-data"
    } else {
        "application/json"
    };
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        match essence {
            Some(ct) => format!(
                "{path} takes Content-Type: {wanted}, not {}",
                ct.chars().take(100).collect::<String>()
            ),
            None => format!(
                "{path} needs Content-Type: {wanted} (or, without a body, an \
                 X-Carenco-Client header)"
            ),
        },
        "지원하지 않는 형식입니다",
    )
}

/// How much of a refused request's body is read (and dropped) before the answer.
///
/// Answering before the body has arrived and then closing the connection makes the
/// kernel reset it while the client is still sending: the client sees "connection
/// reset" instead of our 4xx. Small bodies (every legitimate one fits) are therefore
/// read first; past this, the connection is closed as it is. A stalled body ends at
/// `api.body_timeout_ms` ([`super::body::IdleTimeout`]).
pub const DRAIN_LIMIT_BYTES: usize = 1 << 20;

/// The checks as a filter that extracts nothing (rejects with the JSON error, after
/// reading up to [`DRAIN_LIMIT_BYTES`] of the refused request's body).
pub fn checks(policy: Arc<Policy>) -> impl Filter<Extract = (), Error = Rejection> + Clone {
    let verdict = warp::method()
        .and(warp::path::full())
        .and(warp::header::headers_cloned())
        .map(
            move |method: Method, path: warp::path::FullPath, headers: HeaderMap| {
                policy.check(&method, path.as_str(), &headers)
            },
        );
    // Passing requests keep their body for the routes; only a refused one has its body
    // taken (the second branch runs only when the first rejected).
    let pass = verdict
        .clone()
        .and_then(|verdict: Result<(), ApiError>| async move {
            verdict.map_err(|_| warp::reject::not_found())
        })
        .untuple_one();
    let refuse = verdict.and(warp::body::stream()).and_then(
        |verdict: Result<(), ApiError>, body| async move {
            let refused: Result<(), Rejection> = match verdict {
                Ok(()) => Err(warp::reject::not_found()),
                Err(error) => {
                    drain(body, DRAIN_LIMIT_BYTES).await;
                    Err(Rejection::from(error))
                }
            };
            refused
        },
    );
    pass.or(refuse.untuple_one()).unify()
}

/// Reads and drops up to `limit` bytes of a body (stopping at its end or an error).
async fn drain<S, B>(body: S, limit: usize)
where
    S: futures::Stream<Item = Result<B, warp::Error>>,
    B: bytes::Buf,
{
    use futures::StreamExt;
    let mut body = std::pin::pin!(body);
    let mut seen = 0usize;
    while seen <= limit {
        match body.next().await {
            Some(Ok(chunk)) => seen += chunk.remaining(),
            _ => break,
        }
    }
}

/// CORS preflights, answered before authentication (browsers send no token there).
pub fn preflights(
    policy: Arc<Policy>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    // Anything else is "not found" here, so that the routes' own rejections win.
    warp::method().and(warp::header::headers_cloned()).and_then(
        move |method: Method, headers: HeaderMap| {
            let policy = policy.clone();
            async move {
                let origin = headers.get("origin").and_then(|o| o.to_str().ok());
                match origin {
                    Some(origin)
                        if method == Method::OPTIONS
                            && headers.contains_key("access-control-request-method") =>
                    {
                        Ok(policy.preflight(origin))
                    }
                    _ => Err(warp::reject::not_found()),
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(hosts: &[&str], origins: &[&str]) -> Policy {
        let api = ApiConfig {
            allowed_hosts: hosts.iter().map(|s| s.to_string()).collect(),
            cors_origins: origins.iter().map(|s| s.to_string()).collect(),
            ..ApiConfig::default()
        };
        Policy::from_config(&api).unwrap()
    }

    #[test]
    fn the_calibrate_command_sends_the_header_the_guard_accepts() {
        assert_eq!(crate::scanner::cli::CLIENT_HEADER, CLIENT_HEADER);
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn hosts_are_loopback_names_ip_literals_or_listed() {
        let p = policy(&["Kiosk-7.lan"], &[]);
        for ok in [
            "127.0.0.1:5000",
            "localhost",
            "LOCALHOST:5000",
            "[::1]:5000",
            "192.168.1.5",
            "kiosk-7.lan:5000",
        ] {
            assert!(p.host_allowed(ok), "{ok}");
        }
        for bad in [
            "attacker.example",
            "attacker.example:5000",
            "localhost.attacker.example",
            "127.0.0.1.nip.io",
            "",
            "a b",
            "localhost:99999",
        ] {
            assert!(!p.host_allowed(bad), "{bad}");
        }
    }

    #[test]
    fn state_changes_need_this_origin_or_a_listed_one() {
        let p = policy(&[], &["http://localhost:8080", "null"]);
        let post = |pairs: &[(&'static str, &str)]| {
            p.check(&Method::POST, "/scanner/tare", &headers(pairs))
                .map_err(|e| e.status.as_u16())
        };
        let host = ("host", "127.0.0.1:5000");
        let json = ("content-type", "application/json");
        assert_eq!(post(&[host, json]), Ok(()));
        assert_eq!(
            post(&[host, json, ("origin", "http://127.0.0.1:5000")]),
            Ok(())
        );
        assert_eq!(
            post(&[host, json, ("origin", "http://LOCALHOST:8080")]),
            Ok(())
        );
        assert_eq!(post(&[host, json, ("origin", "null")]), Ok(()));
        assert_eq!(
            post(&[host, json, ("origin", "http://evil.example")]),
            Err(403)
        );
        assert_eq!(
            post(&[host, json, ("origin", "http://127.0.0.1:5001")]),
            Err(403)
        );
        assert_eq!(post(&[("host", "evil.example:5000"), json]), Err(421));
        // Bodiless: the client header, or an accepted origin.
        assert_eq!(post(&[host]), Err(415));
        assert_eq!(post(&[host, ("content-length", "0")]), Err(415));
        assert_eq!(post(&[host, ("x-carenco-client", "cli")]), Ok(()));
        assert_eq!(post(&[host, ("origin", "http://127.0.0.1:5000")]), Ok(()));
        // Bodies a form can send are refused.
        for ct in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ] {
            assert_eq!(
                post(&[host, ("content-type", ct), ("content-length", "3")]),
                Err(415),
                "{ct}"
            );
        }
        assert_eq!(
            post(&[host, ("content-length", "3"), ("x-carenco-client", "x")]),
            Err(415)
        );
        // The sheet upload is a form.
        let upload = p.check(
            &Method::PUT,
            "/ocr",
            &headers(&[
                host,
                ("content-type", "multipart/form-data; boundary=x"),
                ("content-length", "9"),
            ]),
        );
        assert!(upload.is_ok());
        // Reads from another origin are refused too; without an origin they pass.
        assert!(p
            .check(
                &Method::GET,
                "/scans",
                &headers(&[host, ("origin", "http://evil.example")])
            )
            .is_err());
        assert!(p.check(&Method::GET, "/scans", &headers(&[host])).is_ok());
        // A bodiless DELETE (no such route: 405 later) needs nothing.
        assert!(p
            .check(&Method::DELETE, "/health", &headers(&[host]))
            .is_ok());
    }

    #[test]
    fn preflights_answer_only_listed_origins() {
        let p = policy(&[], &["http://localhost:8080"]);
        assert_eq!(p.preflight("http://localhost:8080").status(), 204);
        assert_eq!(p.preflight("http://evil.example").status(), 403);
        assert_eq!(p.preflight("null").status(), 403);
    }

    proptest::proptest! {
        /// Any header value: no panic; an accepted origin is already normal (parsing it
        /// again gives the same), so the comparison with the configured ones is exact.
        #[test]
        fn any_origin_or_host_parses_without_panic_and_normal_forms_are_fixed_points(
            text in "\\PC{0,40}",
            authority in "[a-zA-Z0-9.:\\[\\]-]{0,24}",
        ) {
            let p = policy(&["kiosk.lan"], &["http://localhost:8080"]);
            for candidate in [text.clone(), format!("http://{authority}"), format!("https://{authority}")] {
                if let Ok(normal) = parse_origin(&candidate) {
                    proptest::prop_assert_eq!(parse_origin(&normal), Ok(normal.clone()));
                }
                let _ = p.origin_allowed(&candidate, Some(&authority));
            }
            let _ = p.host_allowed(&text);
            let _ = p.host_allowed(&authority);
            let _ = crate::metrics::route_label(&text);
        }

        /// Whatever origin strings a configuration holds: if `validate` accepts them,
        /// the server's policy is built from them and allows each (no panic, no
        /// second opinion).
        #[test]
        fn validated_origins_always_build_the_policy(
            origins in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::string::string_regex("(https?://)?[a-zA-Z0-9.:\\[\\]/-]{0,20}").unwrap(),
                    proptest::strategy::Just("null".to_string()),
                    proptest::strategy::Just("http://".to_string()),
                ],
                0..4,
            ),
            hosts in proptest::collection::vec("[a-zA-Z0-9.:\\[\\]-]{0,12}", 0..3),
        ) {
            let mut config = crate::config::Config::default();
            config.api.cors_origins = origins.clone();
            config.api.allowed_hosts = hosts;
            let validated = config.validate();
            let policy = Policy::from_config(&config.api);
            proptest::prop_assert_eq!(validated.is_ok(), policy.is_ok());
            if let Ok(policy) = policy {
                for o in &origins {
                    proptest::prop_assert!(policy.origin_allowed(o, None), "{}", o);
                    proptest::prop_assert_eq!(policy.preflight(o).status(), 204);
                }
            }
        }
    }
}
