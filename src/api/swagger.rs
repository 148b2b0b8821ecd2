//! The Swagger UI assets served under `/swagger-ui/`: a trimmed, vendored copy of
//! Swagger UI 5.17.14 (`assets/swagger-ui/`, Apache-2.0) embedded with
//! `include_bytes!`.
//!
//! Why not `utoipa_swagger_ui::serve`: it embeds the whole `dist/` folder (~11 MB with
//! the ES bundles and source maps), more than the Pi binary's 10 MB budget on its own.
//! As long as nothing calls it, the linker drops that copy; this module serves the
//! eight files the page loads and fills `swagger-initializer.js` with
//! `utoipa_swagger_ui::Config` the same way the crate does.
//!
//! The bundle, the preset and the stylesheet (1.8 MB) are embedded gzipped by
//! `build.rs` (0.5 MB) and served by [`super::embedded`]: as they are, with
//! `Content-Encoding: gzip`, to clients that accept it, inflated for the others.

use std::borrow::Cow;

use super::embedded::{self, asset, Asset, Body, InflateError};

const ASSETS: &[Asset] = &[
    asset!(
        "assets/swagger-ui",
        "index.html",
        "text/html; charset=utf-8"
    ),
    asset!("assets/swagger-ui", "index.css", "text/css; charset=utf-8"),
    asset!(gzipped "assets/swagger-ui", "swagger-ui.css", "text/css; charset=utf-8"),
    asset!(
        gzipped "assets/swagger-ui",
        "swagger-ui-bundle.js",
        "text/javascript; charset=utf-8"
    ),
    asset!(
        "assets/swagger-ui",
        "swagger-initializer.js",
        "text/javascript; charset=utf-8"
    ),
    asset!("assets/swagger-ui", "favicon-16x16.png", "image/png"),
    asset!("assets/swagger-ui", "favicon-32x32.png", "image/png"),
];

/// The placeholder in `swagger-initializer.js` that the config replaces.
const CONFIG_PLACEHOLDER: &str = "{{config}}";

/// Errors building the initializer.
#[derive(Debug, thiserror::Error)]
pub enum SwaggerError {
    #[error("swagger-ui config: {0}")]
    Config(#[from] serde_json::Error),
    #[error("swagger-initializer.js is not UTF-8")]
    NotUtf8,
    #[error(transparent)]
    Inflate(#[from] InflateError),
}

/// The file at `tail` (relative to `/swagger-ui/`; empty means `index.html`), or `None`
/// when it is not one of the embedded files. `accept_gzip`: the client's
/// `Accept-Encoding` allows gzip ([`embedded::accepts_gzip`]).
pub fn serve(
    tail: &str,
    config: &utoipa_swagger_ui::Config<'_>,
    accept_gzip: bool,
) -> Result<Option<Body>, SwaggerError> {
    let name = if tail.is_empty() || tail == "/" {
        "index.html"
    } else {
        tail
    };
    let Some(asset) = embedded::find(ASSETS, name) else {
        return Ok(None);
    };
    if asset.name == "swagger-initializer.js" {
        let template = asset.plain()?;
        return Ok(Some(Body {
            bytes: Cow::Owned(initializer(&template, config)?.into_bytes()),
            content_type: asset.content_type,
            gzip: false,
        }));
    }
    Ok(Some(asset.encoded(accept_gzip)?))
}

/// `swagger-initializer.js` with the config's fields in place of `{{config}}` (the
/// JSON object without its braces, as `utoipa-swagger-ui` formats it).
fn initializer(
    template: &[u8],
    config: &utoipa_swagger_ui::Config<'_>,
) -> Result<String, SwaggerError> {
    let template = std::str::from_utf8(template).map_err(|_| SwaggerError::NotUtf8)?;
    let json = serde_json::to_string_pretty(config)?;
    let fields = json
        .strip_prefix('{')
        .and_then(|j| j.strip_suffix('}'))
        .unwrap_or(&json)
        .trim();
    Ok(template.replace(CONFIG_PLACEHOLDER, fields))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> utoipa_swagger_ui::Config<'static> {
        utoipa_swagger_ui::Config::from("/api-doc/openapi.json").use_base_layout()
    }

    #[test]
    fn the_index_is_served_for_the_bare_directory() {
        for tail in ["", "/", "index.html"] {
            let file = serve(tail, &config(), false).unwrap().unwrap();
            assert!(file.content_type.starts_with("text/html"));
            assert!(std::str::from_utf8(&file.bytes)
                .unwrap()
                .contains("swagger-initializer.js"));
        }
    }

    #[test]
    fn every_file_the_index_loads_is_embedded() {
        let index = serve("", &config(), false).unwrap().unwrap();
        let html = String::from_utf8(index.bytes.into_owned()).unwrap();
        let mut referenced = 0;
        for part in html.split(['"', '\'']) {
            let name = part.trim_start_matches("./");
            if name.ends_with(".js") || name.ends_with(".css") || name.ends_with(".png") {
                assert!(serve(name, &config(), false).unwrap().is_some(), "{name}");
                referenced += 1;
            }
        }
        // Two stylesheets, two icons, the bundle and the initializer (no standalone
        // preset: the base layout).
        assert_eq!(referenced, 6, "{html}");
    }

    #[test]
    fn the_initializer_points_at_the_document_and_keeps_no_placeholder() {
        let file = serve("swagger-initializer.js", &config(), true)
            .unwrap()
            .unwrap();
        let js = String::from_utf8(file.bytes.into_owned()).unwrap();
        assert!(js.contains(r#""url": "/api-doc/openapi.json""#), "{js}");
        assert!(js.contains(r##""dom_id": "#swagger-ui""##), "{js}");
        assert!(!js.contains(CONFIG_PLACEHOLDER), "{js}");
    }

    #[test]
    fn files_left_out_and_paths_outside_are_not_found() {
        for tail in [
            "swagger-ui-bundle.js.map",
            "swagger-ui-es-bundle.js",
            "oauth2-redirect.html",
            "../Cargo.toml",
            "/etc/passwd",
        ] {
            assert!(serve(tail, &config(), false).unwrap().is_none(), "{tail}");
        }
    }

    #[test]
    fn gzipped_files_go_out_as_gzip_to_who_accepts_it_and_inflated_to_the_others() {
        let raw = include_bytes!("../../assets/swagger-ui/swagger-ui-bundle.js");
        let plain = serve("swagger-ui-bundle.js", &config(), false)
            .unwrap()
            .unwrap();
        assert!(!plain.gzip);
        assert_eq!(&plain.bytes[..], &raw[..]);
        let gz = serve("swagger-ui-bundle.js", &config(), true)
            .unwrap()
            .unwrap();
        assert!(gz.gzip);
        assert!(gz.bytes.len() * 2 < raw.len(), "{} bytes", gz.bytes.len());
        let mut inflated = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(&gz.bytes[..]),
            &mut inflated,
        )
        .unwrap();
        assert_eq!(&inflated[..], &raw[..]);
        // Small files are stored as they are whatever the client accepts.
        let index = serve("index.html", &config(), true).unwrap().unwrap();
        assert!(!index.gzip);
    }
}
