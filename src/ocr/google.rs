//! The Google Cloud Vision engine: `POST {endpoint}/v1/images:annotate?key=...` with
//! DOCUMENT_TEXT_DETECTION and language hints ko/en; words and their boxes come from
//! `fullTextAnnotation` (pages → blocks → paragraphs → words → symbols).
//!
//! The key is sent as the `key` query parameter, as Google documents; it is never
//! logged, and the client's errors never carry the URL ([`crate::http_client::Error`]).
//! 429, 5xx, timeouts and connection errors are retried with a short backoff; 401/403
//! (bad key) are not.

use std::sync::Mutex;
use std::time::Duration;

use base64::Engine as _;
use futures::future::BoxFuture;
use serde::Deserialize;

use super::{BBox, OcrEngine, OcrError, Word};
use crate::config::{OcrConfig, Secret};
use crate::http_client;

const ENGINE: &str = "google";
/// Attempts per request (the first try and two retries).
pub const ATTEMPTS: u32 = 3;
/// Backoff before the first retry; doubles after each.
pub const RETRY_BACKOFF_MS: u64 = 200;

/// The Google Vision engine.
pub struct GoogleVision {
    endpoint: String,
    key: Secret,
    client: http_client::Client,
    last_error: Mutex<Option<String>>,
}

impl GoogleVision {
    pub fn new(config: &OcrConfig) -> GoogleVision {
        let timeout = Duration::from_millis(config.timeout_ms);
        let client = http_client::Client::new(timeout, timeout.min(Duration::from_secs(5)));
        GoogleVision {
            endpoint: config.google_endpoint.trim_end_matches('/').to_string(),
            key: config.google_api_key.clone(),
            client,
            last_error: Mutex::new(None),
        }
    }

    async fn call(&self, body: &serde_json::Value) -> Result<Vec<Word>, OcrError> {
        let url = url::Url::parse_with_params(
            &format!("{}/v1/images:annotate", self.endpoint),
            &[("key", self.key.expose())],
        )
        .map_err(|e| OcrError::Failed {
            engine: ENGINE,
            reason: format!("bad ocr.google_endpoint: {e}"),
        })?;
        let body = bytes::Bytes::from(body.to_string());
        let headers = [("content-type", "application/json")];
        let mut backoff = Duration::from_millis(RETRY_BACKOFF_MS);
        let mut last = OcrError::Failed {
            engine: ENGINE,
            reason: "no attempt made".into(),
        };
        for attempt in 1..=ATTEMPTS {
            let sent = self
                .client
                .send(http::Method::POST, url.as_str(), &headers, body.clone())
                .await;
            let retry = match sent {
                Err(http_client::Error::Timeout(ms)) => {
                    last = OcrError::Timeout { engine: ENGINE, ms };
                    true
                }
                Err(e @ http_client::Error::TooLarge) => {
                    return Err(OcrError::Failed {
                        engine: ENGINE,
                        reason: e.to_string(),
                    })
                }
                Err(e) => {
                    last = OcrError::Failed {
                        engine: ENGINE,
                        reason: e.to_string(),
                    };
                    true
                }
                Ok(resp) => {
                    let status = resp.status.as_u16();
                    let text = resp.text();
                    match status {
                        200 => return parse_response(&text),
                        401 | 403 => return Err(OcrError::Auth { status }),
                        400 if text.contains("API key") => return Err(OcrError::Auth { status }),
                        429 => {
                            last = OcrError::RateLimited;
                            true
                        }
                        500..=599 => {
                            last = OcrError::Failed {
                                engine: ENGINE,
                                reason: format!("HTTP {status}"),
                            };
                            true
                        }
                        _ => {
                            return Err(OcrError::Failed {
                                engine: ENGINE,
                                reason: format!("HTTP {status}: {}", error_message(&text)),
                            })
                        }
                    }
                }
            };
            if retry && attempt < ATTEMPTS {
                tracing::debug!(attempt, error = %last, "google vision: retrying");
                tokio::time::sleep(backoff).await;
                backoff *= 2;
            }
        }
        Err(last)
    }
}

impl OcrEngine for GoogleVision {
    fn name(&self) -> &'static str {
        ENGINE
    }

    fn recognize<'a>(&'a self, image: &'a [u8]) -> BoxFuture<'a, Result<Vec<Word>, OcrError>> {
        Box::pin(async move {
            // Refuse what is not an image before spending a request on it.
            image::guess_format(image).map_err(|e| OcrError::BadImage(e.to_string()))?;
            let body = request_body(image);
            let result = self.call(&body).await;
            if let Ok(mut last) = self.last_error.lock() {
                *last = result.as_ref().err().map(ToString::to_string);
            }
            result
        })
    }

    fn available(&self) -> BoxFuture<'_, Result<(), String>> {
        // Configured is all that can be checked without a (billed) request; the last
        // request's failure is shown so an operator sees a bad key or an outage.
        Box::pin(async move {
            match self.last_error.lock().ok().and_then(|g| g.clone()) {
                Some(e) => Err(format!("last request failed: {e}")),
                None => Ok(()),
            }
        })
    }
}

/// The documented request: one image, DOCUMENT_TEXT_DETECTION, Korean and English.
pub fn request_body(image: &[u8]) -> serde_json::Value {
    serde_json::json!({
        "requests": [{
            "image": { "content": base64::engine::general_purpose::STANDARD.encode(image) },
            "features": [{ "type": "DOCUMENT_TEXT_DETECTION" }],
            "imageContext": { "languageHints": ["ko", "en"] },
        }]
    })
}

fn error_message(text: &str) -> String {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect()
}

#[derive(Deserialize)]
struct AnnotateResponse {
    #[serde(default)]
    responses: Vec<ImageResponse>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ImageResponse {
    full_text_annotation: Option<TextAnnotation>,
    error: Option<Status>,
}

#[derive(Deserialize)]
struct Status {
    #[serde(default)]
    code: i64,
    #[serde(default)]
    message: String,
}

#[derive(Deserialize)]
struct TextAnnotation {
    #[serde(default)]
    pages: Vec<Page>,
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    blocks: Vec<Block>,
}

#[derive(Deserialize)]
struct Block {
    #[serde(default)]
    paragraphs: Vec<Paragraph>,
}

#[derive(Deserialize)]
struct Paragraph {
    #[serde(default)]
    words: Vec<GWord>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GWord {
    bounding_box: Option<BoundingPoly>,
    #[serde(default)]
    symbols: Vec<Symbol>,
    confidence: Option<f32>,
}

#[derive(Deserialize)]
struct Symbol {
    #[serde(default)]
    text: String,
}

#[derive(Deserialize)]
struct BoundingPoly {
    #[serde(default)]
    vertices: Vec<Vertex>,
}

/// A vertex; Google omits `x` or `y` when it is 0.
#[derive(Deserialize)]
struct Vertex {
    #[serde(default)]
    x: f32,
    #[serde(default)]
    y: f32,
}

/// Words with boxes from an `images:annotate` answer.
pub fn parse_response(text: &str) -> Result<Vec<Word>, OcrError> {
    let resp: AnnotateResponse = serde_json::from_str(text).map_err(|e| OcrError::Failed {
        engine: ENGINE,
        reason: format!("unexpected answer: {e}"),
    })?;
    let Some(first) = resp.responses.into_iter().next() else {
        return Ok(Vec::new());
    };
    if let Some(err) = first.error {
        // Google reports undecodable images per request (code 3, INVALID_ARGUMENT).
        if err.code == 3 {
            return Err(OcrError::BadImage(err.message));
        }
        return Err(OcrError::Failed {
            engine: ENGINE,
            reason: format!("code {}: {}", err.code, err.message),
        });
    }
    let mut words = Vec::new();
    let pages = first
        .full_text_annotation
        .map(|t| t.pages)
        .unwrap_or_default();
    for word in pages
        .into_iter()
        .flat_map(|p| p.blocks)
        .flat_map(|b| b.paragraphs)
        .flat_map(|p| p.words)
    {
        let text: String = word.symbols.iter().map(|s| s.text.as_str()).collect();
        let Some(poly) = word.bounding_box else {
            continue;
        };
        if text.trim().is_empty() || poly.vertices.is_empty() {
            continue;
        }
        let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        for v in &poly.vertices {
            x0 = x0.min(v.x);
            y0 = y0.min(v.y);
            x1 = x1.max(v.x);
            y1 = y1.max(v.y);
        }
        words.push(Word {
            text,
            bbox: BBox {
                x: x0,
                y: y0,
                w: x1 - x0,
                h: y1 - y0,
            },
            confidence: word.confidence.map(|c| c * 100.0),
        });
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_joined_from_symbols_and_missing_vertex_coordinates_are_zero() {
        let answer = r#"{"responses":[{"fullTextAnnotation":{"pages":[{"blocks":[{"paragraphs":[{"words":[
            {"boundingBox":{"vertices":[{},{"x":40},{"x":40,"y":12},{"y":12}]},"symbols":[{"text":"체"},{"text":"중"}],"confidence":0.98}
        ]}]}]}],"text":"체중"}}]}"#;
        let words = parse_response(answer).unwrap();
        assert_eq!(words.len(), 1);
        assert_eq!(words[0].text, "체중");
        assert_eq!(
            words[0].bbox,
            BBox {
                x: 0.0,
                y: 0.0,
                w: 40.0,
                h: 12.0
            }
        );
    }

    #[test]
    fn a_per_image_error_is_reported() {
        let answer = r#"{"responses":[{"error":{"code":3,"message":"Bad image data."}}]}"#;
        assert!(matches!(parse_response(answer), Err(OcrError::BadImage(_))));
        assert!(parse_response("not json").is_err());
        assert!(parse_response(r#"{"responses":[{}]}"#).unwrap().is_empty());
    }
}
