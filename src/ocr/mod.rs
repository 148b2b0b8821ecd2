//! OCR of InBody result sheets.
//!
//! # What it owns
//! - [`OcrEngine`]: one trait in front of every OCR engine; engines return [`Word`]s
//!   with bounding boxes and nothing else, so the parser never knows who read the page.
//! - [`google`] (Cloud Vision REST), [`ppocr`] (the PP-OCR helper process) and
//!   [`tesseract`] (the local binary) engines, and [`Engines`], which picks one per
//!   request (`auto`: Google when configured and reachable, else PP-OCR where it is
//!   installed, else Tesseract).
//! - `child`: one child process as an engine runs it (its input on stdin while its
//!   output is read, killed on timeout), for Tesseract's passes and the PP-OCR helper.
//! - [`fields`]: the field table; [`arith`]: the sheet's own arithmetic; [`report`]:
//!   the report contract.
//! - [`inbody`]: the pure parser from words to a typed report (INBODY.md).
//! - [`preprocess`]: what the page needs before Tesseract sees it (grey, upscale,
//!   flatten the light, deskew).
//! - [`accuracy`]: field-level comparison of a report with the truth.
//! - [`sheetgen`]: renders InBody-like sheets with known values (tests and the accuracy
//!   command use it; the service never calls it).
//!
//! Specified in `../shared/design/INBODY.md` and issue 6.

pub mod accuracy;
pub mod arith;
mod child;
pub mod choose;
pub mod fields;
pub mod figures;
pub mod google;
pub mod inbody;
pub mod ppocr;
pub mod preprocess;
#[cfg(test)]
mod props;
pub mod report;
pub mod sheetgen;
pub mod tesseract;

use std::sync::Arc;

use futures::future::BoxFuture;
use serde::Serialize;

use crate::config::{OcrConfig, OcrEngineChoice};

/// An axis-aligned box in image pixels (origin top left).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct BBox {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl BBox {
    pub fn right(&self) -> f32 {
        self.x + self.w
    }
    pub fn bottom(&self) -> f32 {
        self.y + self.h
    }
    pub fn cx(&self) -> f32 {
        self.x + self.w / 2.0
    }
    pub fn cy(&self) -> f32 {
        self.y + self.h / 2.0
    }
    /// The area both boxes cover (0 when they do not meet).
    pub fn overlap_area(&self, o: &BBox) -> f32 {
        let w = self.right().min(o.right()) - self.x.max(o.x);
        let h = self.bottom().min(o.bottom()) - self.y.max(o.y);
        if w <= 0.0 || h <= 0.0 {
            0.0
        } else {
            w * h
        }
    }
    /// The smallest box holding both.
    pub fn union(&self, o: &BBox) -> BBox {
        let x = self.x.min(o.x);
        let y = self.y.min(o.y);
        BBox {
            x,
            y,
            w: self.right().max(o.right()) - x,
            h: self.bottom().max(o.bottom()) - y,
        }
    }
    /// The box on a page `s` times smaller: a box on the page the engines read (the
    /// upload scaled by `preprocess::Prepared::scale`) in the upload's pixels.
    pub fn unscaled(&self, s: f32) -> BBox {
        BBox {
            x: self.x / s,
            y: self.y / s,
            w: self.w / s,
            h: self.h / s,
        }
    }
}

/// One word an engine read, with where it is on the page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Word {
    pub text: String,
    pub bbox: BBox,
    /// 0..100 when the engine reports it.
    pub confidence: Option<f32>,
}

impl Word {
    /// A word at `(x, y)`, `w` × `h` pixels, without a confidence (tests build pages
    /// of words with it).
    pub fn at(text: &str, x: f32, y: f32, w: f32, h: f32) -> Word {
        Word {
            text: text.into(),
            bbox: BBox { x, y, w, h },
            confidence: None,
        }
    }
}

/// Errors of the OCR engines.
#[derive(Debug, thiserror::Error)]
pub enum OcrError {
    #[error("the image cannot be decoded: {0}")]
    BadImage(String),
    #[error("{engine} is not available: {reason}")]
    Unavailable {
        engine: &'static str,
        reason: String,
    },
    #[error("{engine} did not answer within {ms} ms")]
    Timeout { engine: &'static str, ms: u64 },
    #[error("google vision refused the API key (HTTP {status})")]
    Auth { status: u16 },
    #[error("google vision rate limit (HTTP 429) persisted after retries")]
    RateLimited,
    #[error("{engine} failed: {reason}")]
    Failed {
        engine: &'static str,
        reason: String,
    },
}

impl OcrError {
    /// Whether another engine may still answer (everything but an undecodable image).
    pub fn engine_problem(&self) -> bool {
        !matches!(self, OcrError::BadImage(_))
    }
}

/// An OCR engine: image bytes (PNG or JPEG) in, words with boxes out.
pub trait OcrEngine: Send + Sync {
    /// `google`, `ppocr` or `tesseract`: what the report's `engine` says.
    fn name(&self) -> &'static str;
    /// Reads the page.
    fn recognize<'a>(&'a self, image: &'a [u8]) -> BoxFuture<'a, Result<Vec<Word>, OcrError>>;
    /// Cheap availability check for `/check` (no OCR is run).
    fn available(&self) -> BoxFuture<'_, Result<(), String>>;
}

/// The PP-OCR engine, when this build has it (feature `ppocr-engine`, on by default and
/// in the aarch64 Pi build; armv7, which ONNX Runtime does not build for, leaves it
/// out). Without it, `ocr.engine = "ppocr"` answers "not available".
#[cfg(feature = "ppocr-engine")]
fn ppocr_engine(
    config: &OcrConfig,
    tesseract: &Arc<tesseract::Tesseract>,
) -> Option<Arc<dyn OcrEngine>> {
    Some(Arc::new(ppocr::PpOcr::new(config, Some(tesseract.clone()))))
}

#[cfg(not(feature = "ppocr-engine"))]
fn ppocr_engine(_: &OcrConfig, _: &Arc<tesseract::Tesseract>) -> Option<Arc<dyn OcrEngine>> {
    None
}

/// The PP-OCR engine the examples run (`--engine ppocr`): the helper from
/// `PPOCR_HELPER`, the models from `PPOCR_MODELS`, the ONNX Runtime library from
/// `PPOCR_ORT_LIBRARY` (each else the service's default), a 10-minute timeout, its
/// Korean labels read by `tesseract`. `None` when this build leaves the engine out.
/// One place for `examples/ocr_accuracy.rs` and `examples/ocr_tune.rs`.
#[doc(hidden)]
pub fn ppocr_from_env(tesseract: &tesseract::Tesseract) -> Option<Arc<dyn OcrEngine>> {
    let var = |name: &str| std::env::var(name).ok();
    let d = OcrConfig::default();
    let config = OcrConfig {
        ppocr_helper: var("PPOCR_HELPER").unwrap_or(d.ppocr_helper.clone()),
        ppocr_models: var("PPOCR_MODELS").unwrap_or(d.ppocr_models.clone()),
        ppocr_ort_library: var("PPOCR_ORT_LIBRARY").unwrap_or(d.ppocr_ort_library.clone()),
        timeout_ms: 600_000,
        ..d
    };
    ppocr_engine(&config, &Arc::new(tesseract.clone()))
}

/// What an engine read, and which engine it was.
#[derive(Debug, Clone)]
pub struct Recognized {
    pub engine: &'static str,
    pub words: Vec<Word>,
}

/// The configured engines and the choice between them.
#[derive(Clone)]
pub struct Engines {
    choice: OcrEngineChoice,
    google: Option<Arc<dyn OcrEngine>>,
    ppocr: Option<Arc<dyn OcrEngine>>,
    tesseract: Arc<dyn OcrEngine>,
}

impl Engines {
    /// The engines of `config`; Google only when a key is configured.
    pub fn from_config(config: &OcrConfig) -> Engines {
        let google = if config.google_api_key.is_empty() {
            None
        } else {
            Some(Arc::new(google::GoogleVision::new(config)) as Arc<dyn OcrEngine>)
        };
        // One Tesseract for both: its children share one limit of a child per core.
        let tesseract = Arc::new(tesseract::Tesseract::new(config));
        Engines {
            choice: config.engine,
            google,
            ppocr: ppocr_engine(config, &tesseract),
            tesseract,
        }
    }

    /// The same engines with another choice (the CLI's `--engine`).
    pub fn with_choice(mut self, choice: OcrEngineChoice) -> Engines {
        self.choice = choice;
        self
    }

    /// Engines built from parts (tests).
    pub fn new(
        choice: OcrEngineChoice,
        google: Option<Arc<dyn OcrEngine>>,
        tesseract: Arc<dyn OcrEngine>,
    ) -> Engines {
        Engines {
            choice,
            google,
            ppocr: None,
            tesseract,
        }
    }

    /// The same engines with `ppocr` as the PP-OCR engine (tests).
    pub fn with_ppocr(mut self, ppocr: Arc<dyn OcrEngine>) -> Engines {
        self.ppocr = Some(ppocr);
        self
    }

    /// Reads the page with the chosen engine; `auto` tries Google, then PP-OCR (where
    /// its helper and models are installed), then Tesseract, each next one when the
    /// one before is not configured or fails for a reason other than the image itself.
    pub async fn recognize(&self, image: &[u8]) -> Result<Recognized, OcrError> {
        match self.choice {
            OcrEngineChoice::Tesseract => self.run(&self.tesseract, image).await,
            OcrEngineChoice::Ppocr => match &self.ppocr {
                Some(p) => self.run(p, image).await,
                None => Err(OcrError::Unavailable {
                    engine: "ppocr",
                    reason: "not configured (or this build leaves the ppocr engine out)".into(),
                }),
            },
            OcrEngineChoice::Google => match &self.google {
                Some(g) => self.run(g, image).await,
                None => Err(OcrError::Unavailable {
                    engine: "google",
                    reason: "no API key configured (ocr.google_api_key or GOOGLE_API_KEY)".into(),
                }),
            },
            OcrEngineChoice::Auto => {
                if let Some(g) = &self.google {
                    match self.run(g, image).await {
                        Ok(r) => return Ok(r),
                        Err(e) if e.engine_problem() => {
                            tracing::warn!(error = %e, "google vision failed; falling back to the local engines");
                        }
                        Err(e) => return Err(e),
                    }
                }
                // PP-OCR where it is installed: it reads more held-out fields than
                // Tesseract, clean and degraded, in half the time
                // (docs/ocr-evaluation.md, session 18). A helper that is missing or
                // fails leaves the page to Tesseract; a bad image is an answer.
                if let Some(p) = &self.ppocr {
                    if p.available().await.is_ok() {
                        match self.run(p, image).await {
                            Ok(r) => return Ok(r),
                            Err(e) if e.engine_problem() => {
                                tracing::warn!(error = %e, "ppocr failed; falling back to tesseract");
                            }
                            Err(e) => return Err(e),
                        }
                    }
                }
                self.run(&self.tesseract, image).await
            }
        }
    }

    async fn run(&self, engine: &Arc<dyn OcrEngine>, image: &[u8]) -> Result<Recognized, OcrError> {
        let words = engine.recognize(image).await?;
        Ok(Recognized {
            engine: engine.name(),
            words,
        })
    }

    /// `/check`'s view: which engines can answer now.
    pub async fn status(&self) -> (bool, serde_json::Value) {
        let tesseract = self.tesseract.available().await;
        let google = match &self.google {
            Some(g) => Some(g.available().await),
            None => None,
        };
        let ppocr = match &self.ppocr {
            Some(p) => p.available().await,
            None => Err("not configured".to_string()),
        };
        let google_ok = matches!(google, Some(Ok(())));
        let ok = match self.choice {
            OcrEngineChoice::Tesseract => tesseract.is_ok(),
            OcrEngineChoice::Google => google_ok,
            OcrEngineChoice::Ppocr => ppocr.is_ok(),
            OcrEngineChoice::Auto => tesseract.is_ok() || google_ok || ppocr.is_ok(),
        };
        let describe = |r: &Result<(), String>| match r {
            Ok(()) => serde_json::json!({"available": true}),
            Err(e) => serde_json::json!({"available": false, "error": e}),
        };
        let google_json = match &google {
            Some(r) => describe(r),
            None => serde_json::json!({"available": false, "error": "no API key configured"}),
        };
        (
            ok,
            serde_json::json!({
                "engine": self.choice,
                "engines": {
                    "tesseract": describe(&tesseract),
                    "ppocr": describe(&ppocr),
                    "google": google_json,
                },
            }),
        )
    }
}
