//! The technician page: `GET /` redirects to `/technician/`, which serves the plain
//! HTML, CSS and JavaScript in `web/technician/` embedded in the binary.
//!
//! The people who install and service the kiosk open it on the device (or through an
//! SSH tunnel). There is no build step and nothing is loaded from the network: the
//! kiosk is often offline, and the page must work on whatever the service is. The
//! page itself holds no data, so it is served without the bearer token (a browser
//! cannot attach one to a page load); every API call the page makes carries it.

use warp::http::{header, HeaderValue, StatusCode, Uri};
use warp::{Filter, Rejection, Reply};

/// Where the page lives; `/` and `/technician` redirect here.
pub const BASE: &str = "/technician/";

/// One embedded file of the page.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

/// The page's files, by their name under [`BASE`] (`""` is the page itself).
const ASSETS: &[Asset] = &[
    Asset {
        name: "",
        content_type: "text/html; charset=utf-8",
        bytes: include_bytes!("../../web/technician/index.html"),
    },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../web/technician/app.js"),
    },
    Asset {
        name: "style.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../web/technician/style.css"),
    },
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
        .and_then(
            |full: warp::path::FullPath, tail: warp::path::Tail| async move {
                // warp matches `/technician` and `/technician/` alike; the page's
                // relative links only resolve below the slash.
                if full.as_str() == "/technician" {
                    return Ok(redirect_to_page());
                }
                asset(tail.as_str()).ok_or_else(warp::reject::not_found)
            },
        );
    root.or(page).unify()
}

fn redirect_to_page() -> warp::reply::Response {
    warp::redirect::found(Uri::from_static(BASE)).into_response()
}

/// The response for the file `name` under [`BASE`], if there is one.
fn asset(name: &str) -> Option<warp::reply::Response> {
    let asset = ASSETS.iter().find(|a| a.name == name)?;
    let mut response = warp::reply::Response::new(asset.bytes.into());
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
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
    Some(response)
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
            let r = asset(a.name).expect("asset");
            assert_eq!(r.headers()[header::CONTENT_TYPE], a.content_type);
            assert!(r.headers().contains_key(header::CONTENT_SECURITY_POLICY));
            assert!(!a.bytes.is_empty());
        }
        assert!(asset("../Cargo.toml").is_none());
        assert!(asset("nope.js").is_none());
    }

    #[test]
    fn the_page_loads_nothing_from_the_network() {
        // No CDN, no fonts, no analytics: the kiosk is often offline.
        for a in ASSETS {
            let text = std::str::from_utf8(a.bytes).expect("utf-8");
            for needle in ["http://", "https://", "//cdn", "@import"] {
                assert!(!text.contains(needle), "{} contains {needle}", a.name);
            }
        }
    }

    #[test]
    fn the_page_references_only_embedded_files() {
        let html = std::str::from_utf8(ASSETS[0].bytes).expect("utf-8");
        for a in &ASSETS[1..] {
            assert!(html.contains(a.name), "index.html does not load {}", a.name);
        }
    }
}
