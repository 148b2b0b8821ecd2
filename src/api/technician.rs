//! The technician page: `GET /` redirects to `/technician/`, which serves the plain
//! HTML, CSS and JavaScript in `web/technician/` embedded in the binary (gzipped by
//! `build.rs` and served by [`super::embedded`], like the Swagger UI).
//!
//! The people who install and service the kiosk open it on the device (or through an
//! SSH tunnel). There is no build step and nothing is loaded from the network: the
//! kiosk is often offline, and the page must work on whatever the service is. The
//! page itself holds no data, so it is served without the bearer token (a browser
//! cannot attach one to a page load); every API call the page makes carries it.

use warp::http::{header, HeaderValue, Uri};
use warp::{Filter, Rejection, Reply};

use super::embedded::{self, asset, Asset, InflateError};

/// Where the page lives; `/` and `/technician` redirect here.
pub const BASE: &str = "/technician/";

/// The page's files, by their name under [`BASE`] (`""` is the page itself).
const ASSETS: &[Asset] = &[
    asset!(
        gzipped "web/technician",
        "index.html" as "",
        "text/html; charset=utf-8"
    ),
    asset!(gzipped "web/technician", "app.js", "text/javascript; charset=utf-8"),
    asset!(gzipped "web/technician", "style.css", "text/css; charset=utf-8"),
];

/// Only our own files may run or load: a stray `<img src>` from a report or an
/// injected script would otherwise reach whatever the kiosk's network reaches.
/// Pictures are fetched with the token and shown as `blob:` URLs.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' blob: data:; \
     connect-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Whether `path` is part of the page (served without the bearer token).
pub fn is_public(path: &str) -> bool {
    path == "/" || path == "/technician" || path.starts_with(BASE)
}

/// `/`, `/technician` and `/technician/{file}`.
pub fn routes() -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    let root = warp::path::end().and(warp::get()).map(redirect_to_page);
    let page = warp::path("technician")
        .and(warp::get())
        .and(warp::path::full())
        .and(warp::path::tail())
        .and(warp::header::optional::<String>("accept-encoding"))
        .and_then(
            |full: warp::path::FullPath,
             tail: warp::path::Tail,
             accept_encoding: Option<String>| async move {
                // warp matches `/technician` and `/technician/` alike; the page's
                // relative links only resolve below the slash.
                if full.as_str() == "/technician" {
                    return Ok(redirect_to_page());
                }
                let gzip_ok = embedded::accepts_gzip(accept_encoding.as_deref());
                match asset(tail.as_str(), gzip_ok) {
                    Ok(Some(response)) => Ok(response),
                    Ok(None) => Err(warp::reject::not_found()),
                    Err(e) => Err(super::ApiError::internal("technician page", e).into()),
                }
            },
        );
    root.or(page).unify()
}

fn redirect_to_page() -> warp::reply::Response {
    warp::redirect::found(Uri::from_static(BASE)).into_response()
}

/// The response for the file `name` under [`BASE`], if there is one; `accept_gzip`:
/// the client's `Accept-Encoding` allows gzip.
fn asset(name: &str, accept_gzip: bool) -> Result<Option<warp::reply::Response>, InflateError> {
    let Some(asset) = embedded::find(ASSETS, name) else {
        return Ok(None);
    };
    let mut response = asset.encoded(accept_gzip)?.into_response();
    let headers = response.headers_mut();
    // Revalidate every time: after an update the page and its script must match.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    Ok(Some(response))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_and_its_files_are_public_and_nothing_else_is() {
        for path in ["/", "/technician", "/technician/", "/technician/app.js"] {
            assert!(is_public(path), "{path}");
        }
        for path in [
            "/check",
            "/scans",
            "/technicianx",
            "/sync",
            "/health-records",
        ] {
            assert!(!is_public(path), "{path}");
        }
    }

    #[test]
    fn every_embedded_file_is_served_with_its_type_and_the_policy() {
        for a in ASSETS {
            for accept_gzip in [false, true] {
                let r = asset(a.name, accept_gzip).unwrap().expect("asset");
                let h = r.headers();
                assert_eq!(h[header::CONTENT_TYPE], a.content_type);
                assert!(h.contains_key(header::CONTENT_SECURITY_POLICY));
                assert_eq!(h[header::CACHE_CONTROL], "no-cache");
                assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
                assert_eq!(h[header::REFERRER_POLICY], "no-referrer");
                assert_eq!(h[header::VARY], "accept-encoding");
                assert_eq!(
                    h.get(header::CONTENT_ENCODING).map(|v| v.as_bytes()),
                    accept_gzip.then_some(&b"gzip"[..]),
                    "{}",
                    a.name
                );
            }
            assert!(!a.plain().unwrap().is_empty());
        }
        for name in ["../Cargo.toml", "nope.js", "index.html"] {
            assert!(asset(name, true).unwrap().is_none(), "{name}");
        }
    }

    #[test]
    fn the_files_are_the_ones_in_web_technician_gzipped_or_not() {
        for (name, raw) in [
            ("", &include_bytes!("../../web/technician/index.html")[..]),
            ("app.js", &include_bytes!("../../web/technician/app.js")[..]),
            (
                "style.css",
                &include_bytes!("../../web/technician/style.css")[..],
            ),
        ] {
            let a = embedded::find(ASSETS, name).expect("embedded");
            assert_eq!(&a.plain().unwrap()[..], raw, "{name}");
            let plain = a.encoded(false).unwrap();
            assert!(!plain.gzip);
            assert_eq!(&plain.bytes[..], raw, "{name}");
            let gz = a.encoded(true).unwrap();
            assert!(gz.gzip);
            assert!(
                gz.bytes.len() * 2 < raw.len(),
                "{name}: {} bytes",
                gz.bytes.len()
            );
        }
    }

    #[test]
    fn the_page_loads_nothing_from_the_network() {
        // No CDN, no fonts, no analytics: the kiosk is often offline.
        for a in ASSETS {
            let bytes = a.plain().unwrap();
            let text = std::str::from_utf8(&bytes).expect("utf-8");
            for needle in ["http://", "https://", "//cdn", "@import"] {
                assert!(!text.contains(needle), "{} contains {needle}", a.name);
            }
        }
    }

    #[test]
    fn the_page_references_only_embedded_files() {
        let html = ASSETS[0].plain().unwrap();
        let html = std::str::from_utf8(&html).expect("utf-8");
        for a in &ASSETS[1..] {
            assert!(html.contains(a.name), "index.html does not load {}", a.name);
        }
    }
}
