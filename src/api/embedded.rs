//! Files the binary carries and serves over HTTP: the Swagger UI ([`super::swagger`])
//! and the technician page ([`super::technician`]) declare theirs with [`asset!`], and
//! this module answers with them.
//!
//! The large text files are embedded gzipped (`build.rs` writes them into `OUT_DIR`) to
//! keep the Pi binary in its 10 MB budget: they go out as they are, with
//! `Content-Encoding: gzip`, to clients that accept it (every browser), and are
//! inflated for the others. Every answer says `Vary: Accept-Encoding`, so that a cache
//! does not hand the gzip to a client that did not ask for it.

use std::borrow::Cow;

use warp::http::{header, HeaderValue, StatusCode};

/// One embedded file: its name under the route that serves it, its content type and
/// its bytes. Built with [`asset!`].
pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    /// The file, or a gzip stream of it when `gzipped` (build.rs).
    pub(super) bytes: &'static [u8],
    pub(super) gzipped: bool,
}

/// `asset!("dir", "file", "type")` embeds `dir/file` (relative to the crate) as it is;
/// `asset!(gzipped "dir", "file", "type")` embeds the gzip build.rs wrote for it (the
/// file must be in build.rs's `GZIPPED`, or the build fails here). The asset's name is
/// `file`, or `name` with `"file" as "name"`.
macro_rules! asset {
    ($dir:literal, $file:literal as $name:literal, $type:literal) => {
        $crate::api::embedded::Asset {
            name: $name,
            content_type: $type,
            bytes: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/", $dir, "/", $file)),
            gzipped: false,
        }
    };
    (gzipped $dir:literal, $file:literal as $name:literal, $type:literal) => {
        $crate::api::embedded::Asset {
            name: $name,
            content_type: $type,
            bytes: include_bytes!(concat!(env!("OUT_DIR"), "/", $dir, "/", $file, ".gz")),
            gzipped: true,
        }
    };
    ($dir:literal, $file:literal, $type:literal) => {
        $crate::api::embedded::asset!($dir, $file as $file, $type)
    };
    (gzipped $dir:literal, $file:literal, $type:literal) => {
        $crate::api::embedded::asset!(gzipped $dir, $file as $file, $type)
    };
}
pub(crate) use asset;

/// An embedded gzip that does not inflate: the build is broken, not the request.
#[derive(Debug, thiserror::Error)]
#[error("embedded {name} does not inflate: {source}")]
pub struct InflateError {
    name: &'static str,
    source: std::io::Error,
}

impl Asset {
    /// The file itself, inflated if it is embedded gzipped.
    pub fn plain(&self) -> Result<Cow<'static, [u8]>, InflateError> {
        if !self.gzipped {
            return Ok(Cow::Borrowed(self.bytes));
        }
        use std::io::Read;
        let mut out = Vec::with_capacity(self.bytes.len() * 4);
        flate2::read::GzDecoder::new(self.bytes)
            .read_to_end(&mut out)
            .map_err(|source| InflateError {
                name: self.name,
                source,
            })?;
        Ok(Cow::Owned(out))
    }

    /// What to send a client: the embedded gzip as it is if `accept_gzip`
    /// ([`accepts_gzip`]), the plain file otherwise.
    pub fn encoded(&self, accept_gzip: bool) -> Result<Body, InflateError> {
        let gzip = self.gzipped && accept_gzip;
        Ok(Body {
            bytes: if gzip {
                Cow::Borrowed(self.bytes)
            } else {
                self.plain()?
            },
            content_type: self.content_type,
            gzip,
        })
    }
}

/// The asset called `name` in `assets`, if there is one.
pub fn find<'a>(assets: &'a [Asset], name: &str) -> Option<&'a Asset> {
    assets.iter().find(|a| a.name == name)
}

/// An answer's body and how to label it.
pub struct Body {
    pub bytes: Cow<'static, [u8]>,
    pub content_type: &'static str,
    /// `bytes` is gzipped: answer with `Content-Encoding: gzip`.
    pub gzip: bool,
}

impl Body {
    /// A 200 with `Content-Type`, `Vary: Accept-Encoding` and, for gzip,
    /// `Content-Encoding`; static bytes go out without a copy.
    pub fn into_response(self) -> warp::reply::Response {
        let mut response = warp::reply::Response::new(match self.bytes {
            Cow::Borrowed(b) => b.into(),
            Cow::Owned(v) => v.into(),
        });
        *response.status_mut() = StatusCode::OK;
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        if self.gzip {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        response
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    const ASSETS: &[Asset] = &[
        asset!(gzipped "web/technician", "app.js", "text/javascript; charset=utf-8"),
        asset!("assets/swagger-ui", "index.css", "text/css; charset=utf-8"),
    ];

    fn inflate(gz: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(gz), &mut out).unwrap();
        out
    }

    #[test]
    fn a_gzipped_asset_goes_out_as_gzip_to_who_accepts_it_and_inflated_to_the_others() {
        let raw = include_bytes!("../../web/technician/app.js");
        let asset = find(ASSETS, "app.js").unwrap();
        assert_eq!(&asset.plain().unwrap()[..], &raw[..]);

        let plain = asset.encoded(false).unwrap().into_response();
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(plain.headers()[header::VARY], "accept-encoding");
        assert_eq!(
            plain.headers()[header::CONTENT_TYPE],
            "text/javascript; charset=utf-8"
        );

        let gz = asset.encoded(true).unwrap();
        assert!(gz.gzip);
        assert!(gz.bytes.len() * 2 < raw.len(), "{} bytes", gz.bytes.len());
        assert_eq!(inflate(&gz.bytes), &raw[..]);
        let gz = gz.into_response();
        assert_eq!(gz.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(gz.headers()[header::VARY], "accept-encoding");
    }

    #[test]
    fn a_plain_asset_goes_out_as_it_is_whatever_the_client_accepts() {
        let raw = include_bytes!("../../assets/swagger-ui/index.css");
        let asset = find(ASSETS, "index.css").unwrap();
        for accept in [false, true] {
            let body = asset.encoded(accept).unwrap();
            assert!(!body.gzip);
            assert!(matches!(body.bytes, Cow::Borrowed(_)));
            assert_eq!(&body.bytes[..], &raw[..]);
        }
        assert!(find(ASSETS, "nope.css").is_none());
    }

    #[test]
    fn a_broken_gzip_is_an_error_not_a_panic() {
        let broken = Asset {
            name: "broken.js",
            content_type: "text/javascript",
            bytes: b"\x1f\x8b not really",
            gzipped: true,
        };
        let e = broken.encoded(false).err().expect("an error");
        assert!(e.to_string().contains("broken.js"), "{e}");
        // Who accepts gzip gets the bytes as they are; the browser reports it.
        assert!(broken.encoded(true).is_ok());
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
