//! The PP-OCR recogniser (PaddleOCR's text detector and recogniser, ONNX models run by
//! ONNX Runtime) as a helper process, `carenco-ppocr`.
//!
//! # What it owns
//! - [`wire`]: what the helper prints and the service reads, one JSON page of lines and
//!   words with boxes. Both sides use these types, so the contract cannot drift.
//! - [`PpOcr`] (`engine`): the service's `ppocr` engine, which runs the helper (one at a
//!   time, killed on timeout), maps its page to words and has Tesseract read the
//!   Korean labels PP-OCRv6 cannot (its recogniser has no Hangul).
//!
//! Why a helper: ONNX Runtime is a 35 MB shared library and the models are 6 MB; the
//! service's own binary must stay within the Pi's 10 MB budget, and a crash or a
//! runaway inference in the helper must not take the service down. Nothing is
//! downloaded at run time: the models and the library are installed beside the
//! service (README "InBody OCR").

mod engine;
pub mod wire;

pub use engine::*;
