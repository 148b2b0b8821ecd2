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
//! `build.rs` (0.5 MB): they go out as they are, with `Content-Encoding: gzip`, to
//! clients that accept it, and are inflated for the others.

use std::borrow::Cow;

/// One embedded file: its name under `/swagger-ui/`, bytes and content type.
struct Asset {
    name: &'static str,
    bytes: &'static [u8],
    content_type: &'static str,
    /// `bytes` is a gzip stream of the file (build.rs), not the file.
    gzipped: bool,
}

macro_rules! asset {
    ($name:literal, $type:literal) => {
        Asset {
            name: $name,
            bytes: include_bytes!(concat!("../../assets/swagger-ui/", $name)),
            content_type: $type,
            gzipped: false,
        }
    };
    (gzipped $name:literal, $type:literal) => {
        Asset {
            name: $name,
            bytes: include_bytes!(concat!(env!("OUT_DIR"), "/swagger-ui/", $name, ".gz")),
            content_type: $type,
            gzipped: true,
        }
    };
}

const ASSETS: &[Asset] = &[
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("index.css", "text/css; charset=utf-8"),
    asset!(gzipped "swagger-ui.css", "text/css; charset=utf-8"),
    asset!(gzipped "swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
    asset!(
        gzipped "swagger-ui-standalone-preset.js",
        "text/javascript; charset=utf-8"
    ),
    asset!("swagger-initializer.js", "text/javascript; charset=utf-8"),
    asset!("favicon-16x16.png", "image/png"),
    asset!("favicon-32x32.png", "image/png"),
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
    #[error("embedded {0} does not inflate: {1}")]
    Inflate(&'static str, std::io::Error),
}

/// A file to answer with.
pub struct SwaggerFile {
    pub bytes: Cow<'static, [u8]>,
    pub content_type: &'static str,
    /// `bytes` is gzipped: answer with `Content-Encoding: gzip`.
    pub gzip: bool,
}

/// The file at `tail` (relative to `/swagger-ui/`; empty means `index.html`), or `None`
/// when it is not one of the embedded files. `accept_gzip`: the client's
/// `Accept-Encoding` allows gzip ([`accepts_gzip`]).
pub fn serve(
    tail: &str,
    config: &utoipa_swagger_ui::Config<'_>,
    accept_gzip: bool,
) -> Result<Option<SwaggerFile>, SwaggerError> {
    let name = if tail.is_empty() || tail == "/" {
        "index.html"
    } else {
        tail
    };
    let Some(asset) = ASSETS.iter().find(|a| a.name == name) else {
        return Ok(None);
    };
    let bytes = if asset.name == "swagger-initializer.js" {
        Cow::Owned(initializer(asset.bytes, config)?.into_bytes())
    } else if asset.gzipped && !accept_gzip {
        Cow::Owned(inflate(asset)?)
    } else {
        Cow::Borrowed(asset.bytes)
    };
    Ok(Some(SwaggerFile {
        gzip: asset.gzipped && matches!(bytes, Cow::Borrowed(_)),
        bytes,
        content_type: asset.content_type,
    }))
}

fn inflate(asset: &Asset) -> Result<Vec<u8>, SwaggerError> {
    use std::io::Read;
    let mut out = Vec::with_capacity(asset.bytes.len() * 4);
    flate2::read::GzDecoder::new(asset.bytes)
        .read_to_end(&mut out)
        .map_err(|e| SwaggerError::Inflate(asset.name, e))?;
    Ok(out)
}

/// Whether an `Accept-Encoding` header value allows gzip (RFC 9110 12.5.3): a `gzip`
/// or `*` coding whose `q` is not 0.
pub fn accepts_gzip(accept_encoding: Option<&str>) -> bool {
    let Some(value) = accept_encoding else {
        return false;
    };
    value.split(',').any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let coding = parts.next().unwrap_or("");
        let refused = parts.any(|p| {
            p.strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
    })
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
        utoipa_swagger_ui::Config::from("/api-doc/openapi.json")
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
        assert_eq!(referenced, 7, "{html}");
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

    #[test]
    fn accept_encoding_is_read_with_its_q_values() {
        for (header, gzip) in [
            (None, false),
            (Some(""), false),
            (Some("gzip"), true),
            (Some("gzip, deflate, br, zstd"), true),
            (Some("br;q=1.0, GZIP;q=0.5"), true),
            (Some("gzip;q=0"), false),
            (Some("gzip; q=0.0, identity"), false),
            (Some("*"), true),
            (Some("deflate, br"), false),
            (Some("x-gzip-not"), false),
        ] {
            assert_eq!(accepts_gzip(header), gzip, "{header:?}");
        }
    }
}
