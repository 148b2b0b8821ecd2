//! The `ppocr` engine: runs the helper (`carenco-ppocr --models DIR --threads N -`,
//! the image on stdin) as a child process, one at a time, killed on timeout, and maps
//! its [`wire::Page`] to [`Word`]s.
//!
//! Korean: PP-OCRv6's recogniser has no Hangul, so a Korean label comes back as CJK
//! ideographs or garbage (`刘个是`), and its detector misses some small Hangul (a
//! table's header cells on a grey band). So while the helper reads the page, one
//! Tesseract child reads its Hangul ([`Tesseract::read_hangul`], the whole page,
//! sparse text): its words with Hangul take the place of PP-OCR's garbled words and of
//! any PP-OCR word under them, and everything else stays PP-OCR's (its figures are
//! what it reads best). Tesseract splits a Hangul label into syllables
//! (`제 지 방 량`): [`join_syllables`] puts them back together. When Tesseract cannot
//! run, the page is returned without its Korean labels. Not used: `rapidocrlite`'s
//! `rec_cjk.onnx` (its 9967-entry vocabulary has no Hangul either, and its weights are
//! OpenRAIL-M, not Apache-2.0).
//!
//! Measured (session 13, 18 tuning sheets: `TUNE_FAMILIES=3`, each clean and with
//! `Degradation::random`; fields read exactly, of 288 each):
//!
//! | step | clean | degraded |
//! |---|---|---|
//! | session 12: the Korean lines PP-OCR found re-read by `kor --psm 6` | 206 | |
//! | the detector's input at 1600 px instead of 960 ([`DET_SIDE`]) | 220 | |
//! | the whole page's Hangul instead (`kor`, sparse) | 243 | 227 |
//! | the Hangul script model | 243 | 235 |
//! | syllables joined | 247 | 240 |
//! | a chart's bar cut off a figure's box (`crop::trim_bars`) | 251 | 240 |
//! | Tesseract's own engine, for comparison | 265 | 226 |
//! | session 15: the sheet's equalities, labels, ranges, segment stacks | 264 | 241 |
//! | session 16: the real scan's misreads as classes (padded boxes, lost signs) | 276 | 250 |
//! | Tesseract, session 16, for comparison | 274 | 233 |
//! | session 17: unread headings by their rows, glued words cut, lookalikes | 288 | 264 |
//! | Tesseract, session 17, for comparison | 276 | 237 |
//!
//! Session 18 widened the tuning split to ten per family (960 fields each): 922 → 950
//! clean, 856 → 899 degraded; Tesseract's engine 860 → 871, 763 → 772.
//!
//! Session 19 widened it to forty (3840 fields each): the parse of the words 3777 →
//! 3809 clean, 3555 → 3604 degraded; the engine with the header's closer look
//! (`PpOcr::closer_korean`) and the skew from strips, 3790 and 3661.
//!
//! Held out (docs/ocr-evaluation.md, session 19): clean 158/160, degraded 761/800,
//! the real InBody370S sample 32/32, 1.38 s a sheet (median); Tesseract 152/160,
//! 625/800, 31/32, 2.60 s.
//!
//! The helper is given the page Tesseract gets (`preprocess::prepare_page`: a photo's
//! page cut out and straightened, deskewed), not the upload. `auto` reads with this
//! engine where its helper and models are installed (it reads more held-out fields than
//! Tesseract), and with Tesseract where they are not or the helper fails; the armv7
//! Pi build leaves the engine out (ONNX Runtime has no 32-bit ARM build).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use image::GrayImage;

use super::wire;
use crate::config::OcrConfig;
use crate::ocr::tesseract::{cut_joined, split_words, Tesseract};
use crate::ocr::{child, inbody, preprocess, BBox, OcrEngine, OcrError, Word};

const ENGINE: &str = "ppocr";
/// The helper's name, looked for beside the running executable by default.
pub const HELPER_NAME: &str = "carenco-ppocr";
/// The detector's input: the page's longer side at most this many pixels (the
/// helper's `--det-side`). PaddleOCR's 960 shrinks a sheet's smallest print (a
/// label's English subtitle, a table's header cells) below what the detector finds.
pub const DET_SIDE: u32 = 1600;
/// What the models directory holds.
pub const MODEL_FILES: [&str; 3] = ["det.onnx", "rec.onnx", "rec_dict.txt"];

/// The PP-OCR engine.
#[derive(Clone)]
pub struct PpOcr {
    helper: PathBuf,
    models: PathBuf,
    ort_library: Option<PathBuf>,
    threads: usize,
    timeout: Duration,
    /// One helper at a time: it already uses every core (`--threads`).
    slot: Arc<tokio::sync::Semaphore>,
    /// Reads the Korean labels; `None`: they stay as PP-OCR read them.
    korean: Option<Arc<Tesseract>>,
}

impl std::fmt::Debug for PpOcr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PpOcr")
            .field("helper", &self.helper)
            .field("models", &self.models)
            .field("ort_library", &self.ort_library)
            .field("threads", &self.threads)
            .finish()
    }
}

/// The helper `config` names: `ocr.ppocr_helper`, or [`HELPER_NAME`] beside the
/// running executable when it is empty.
pub fn helper_path(config: &OcrConfig) -> PathBuf {
    if !config.ppocr_helper.is_empty() {
        return PathBuf::from(&config.ppocr_helper);
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(HELPER_NAME)))
        .unwrap_or_else(|| PathBuf::from(HELPER_NAME))
}

impl PpOcr {
    /// The engine of `config`; `korean` reads the Korean labels (see the module doc).
    pub fn new(config: &OcrConfig, korean: Option<Arc<Tesseract>>) -> PpOcr {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        PpOcr {
            helper: helper_path(config),
            models: PathBuf::from(&config.ppocr_models),
            ort_library: (!config.ppocr_ort_library.is_empty())
                .then(|| PathBuf::from(&config.ppocr_ort_library)),
            threads: cores.clamp(1, 4),
            timeout: Duration::from_millis(config.timeout_ms),
            slot: Arc::new(tokio::sync::Semaphore::new(1)),
            korean,
        }
    }

    /// Why the engine cannot run, from the files alone (no inference): the helper
    /// missing or not executable, a model file or the ONNX Runtime library missing.
    pub fn check_files(&self) -> Result<(), String> {
        let helper = resolve(&self.helper).ok_or_else(|| {
            format!(
                "the helper `{}` is not installed (ocr.ppocr_helper)",
                self.helper.display()
            )
        })?;
        if !is_executable(&helper) {
            return Err(format!(
                "the helper `{}` is not executable",
                helper.display()
            ));
        }
        for file in MODEL_FILES {
            let path = self.models.join(file);
            if !path.is_file() {
                return Err(format!(
                    "model file `{}` missing (ocr.ppocr_models)",
                    path.display()
                ));
            }
        }
        if let Some(lib) = &self.ort_library {
            if !lib.is_file() {
                return Err(format!(
                    "ONNX Runtime library `{}` missing (ocr.ppocr_ort_library)",
                    lib.display()
                ));
            }
        }
        Ok(())
    }

    /// Runs the helper on `image`: its page, or why not.
    async fn run_helper(&self, image: &[u8]) -> Result<wire::Page, OcrError> {
        self.check_files().map_err(|reason| OcrError::Unavailable {
            engine: ENGINE,
            reason,
        })?;
        // Waiting for the slot is not the helper's time: the timeout starts with it.
        let _slot = self
            .slot
            .acquire()
            .await
            .map_err(|_| failed("the engine is shutting down"))?;
        let mut cmd = tokio::process::Command::new(&self.helper);
        cmd.arg("--models")
            .arg(&self.models)
            .args(["--threads", &self.threads.to_string()])
            .args(["--det-side", &DET_SIDE.to_string(), "-"]);
        if let Some(lib) = &self.ort_library {
            cmd.env("ORT_DYLIB_PATH", lib);
        }
        // ONNX Runtime 1.29+ records usage and tries to upload it unless told not to
        // (the unit sets it too; this holds wherever the service runs).
        cmd.env("ORT_DISABLE_TELEMETRY", "1");
        child::run(ENGINE, cmd, image, self.timeout, None, |out| {
            page_of(
                out.status.code(),
                &out.stdout,
                &out.stderr,
                out.written.err(),
            )
        })
        .await
    }

    /// The Hangul words of `grey` (see the module doc); `None` when Tesseract is not
    /// configured or fails (logged).
    async fn read_korean(&self, grey: &GrayImage) -> Option<Vec<Word>> {
        let tesseract = self.korean.as_ref()?;
        match tesseract.read_hangul(grey).await {
            Ok(words) => Some(words),
            Err(e) => {
                tracing::warn!(error = %e, "ppocr: the Korean labels could not be read by tesseract");
                None
            }
        }
    }
}

impl PpOcr {
    /// A closer look at what the page-wide Hangul reading lost: the header cells
    /// [`inbody::header_spots`] names, read on their own, their Hangul words in place
    /// of those they cover ([`merge_spots`]). A sheet that lacks nothing costs nothing;
    /// a look that fails leaves the words as they were.
    async fn closer_korean(&self, page: &GrayImage, words: Vec<Word>) -> Vec<Word> {
        let Some(tesseract) = self.korean.as_ref() else {
            return words;
        };
        let spots = inbody::header_spots(&words, &inbody::parse_by_labels(&words));
        if spots.is_empty() {
            return words;
        }
        match tesseract.read_hangul_spots(page, &spots).await {
            Ok(read) => merge_spots(words, read),
            Err(e) => {
                tracing::warn!(error = %e, "ppocr: a closer look at the header failed");
                words
            }
        }
    }
}

/// `words` with the Hangul words a closer look `read` (syllables joined): each takes
/// the place of the Hangul words it overlaps when it holds at least as many
/// characters as they do together (`여성` for `성`), and is dropped otherwise.
pub fn merge_spots(mut words: Vec<Word>, read: Vec<Word>) -> Vec<Word> {
    let hangul: Vec<Word> =
        join_syllables(read.into_iter().filter(|w| has_hangul(&w.text)).collect());
    for new in hangul {
        let over = |w: &Word| {
            let a = w.bbox.overlap_area(&new.bbox);
            a > 0.3 * (w.bbox.w * w.bbox.h).min(new.bbox.w * new.bbox.h)
        };
        let covered: usize = words
            .iter()
            .filter(|w| over(w))
            .map(|w| w.text.chars().count())
            .sum();
        if new.text.chars().count() >= covered
            && words
                .iter()
                .filter(|w| over(w))
                .all(|w| has_hangul(&w.text))
        {
            words.retain(|w| !over(w));
            words.push(new);
        }
    }
    words
}

/// `path` itself when it names a file, else the program of that name on `PATH`.
fn resolve(path: &Path) -> Option<PathBuf> {
    if path.components().count() > 1 || path.is_absolute() {
        return path.is_file().then(|| path.to_path_buf());
    }
    std::env::var_os("PATH").and_then(|dirs| {
        std::env::split_paths(&dirs)
            .map(|d| d.join(path))
            .find(|p| p.is_file())
    })
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

/// `page` as a PNG, compressed fast (the helper decodes it at once; its size does
/// not matter on a pipe).
fn encode_png(page: &GrayImage) -> Result<Vec<u8>, OcrError> {
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    use image::ImageEncoder;
    let mut out = Vec::new();
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::NoFilter)
        .write_image(
            page.as_raw(),
            page.width(),
            page.height(),
            image::ExtendedColorType::L8,
        )
        .map_err(|e| failed(&format!("encoding the page: {e}")))?;
    Ok(out)
}

fn failed(reason: &str) -> OcrError {
    OcrError::Failed {
        engine: ENGINE,
        reason: reason.to_string(),
    }
}

/// The helper's answer as a page: exit 0 and its JSON, exit 2
/// ([`wire::EXIT_BAD_IMAGE`]) an image it cannot decode, anything else a failure
/// (stderr says why). `write_error`: writing the image failed (the helper exited
/// before reading it all).
fn page_of(
    code: Option<i32>,
    stdout: &[u8],
    stderr: &[u8],
    write_error: Option<std::io::Error>,
) -> Result<wire::Page, OcrError> {
    let why = String::from_utf8_lossy(stderr).trim().to_string();
    match code {
        Some(0) => {}
        Some(wire::EXIT_BAD_IMAGE) => return Err(OcrError::BadImage(why)),
        Some(c) => return Err(failed(&format!("exit status {c}: {why}"))),
        None => return Err(failed(&format!("killed by a signal: {why}"))),
    }
    if let Some(e) = write_error {
        return Err(failed(&format!("writing the image: {e}")));
    }
    serde_json::from_slice(stdout).map_err(|e| failed(&format!("unreadable page: {e}")))
}

/// The page's words: every line's, confidence 0..1 as 0..100, boxes as given.
pub fn words_of(page: &wire::Page) -> Vec<Word> {
    page.lines
        .iter()
        .flat_map(|line| &line.words)
        .filter(|w| !w.text.trim().is_empty())
        .map(|w| Word {
            text: w.text.clone(),
            bbox: BBox {
                x: w.bbox[0],
                y: w.bbox[1],
                w: w.bbox[2].max(0.0),
                h: w.bbox[3].max(0.0),
            },
            confidence: w
                .confidence
                .is_finite()
                .then(|| (w.confidence * 100.0).clamp(0.0, 100.0)),
        })
        .collect()
}

/// Whether `c` is a character PP-OCRv6 writes for a Hangul syllable it cannot read:
/// a CJK ideograph, kana or fullwidth CJK punctuation (a sheet prints none).
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FFF | 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF)
}

/// Whether `text` holds a character of [`is_cjk`], or a brace or a bar: PP-OCRv6 reads
/// a small Hangul syllable as those too (`c}2|` for `오른다리`), and a sheet prints none.
pub fn is_garbled(text: &str) -> bool {
    text.chars()
        .any(|c| is_cjk(c) || matches!(c, '{' | '}' | '|'))
}

/// Whether `text` holds a Hangul syllable or letter.
fn has_hangul(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c as u32, 0xAC00..=0xD7A3 | 0x1100..=0x11FF | 0x3130..=0x318F))
}

/// PP-OCR's `words` with Tesseract's `korean` words that hold Hangul in their
/// place: PP-OCR's garbled words give way (all but a tail after their last CJK
/// character, `盟：38` -> `38`: a figure glued to a label), and so does any PP-OCR word
/// under a Hangul word's box (`2` read in `근육량`); Tesseract's words without Hangul
/// are not taken (PP-OCR reads figures and English better).
pub fn merge_korean(words: Vec<Word>, korean: Vec<Word>) -> Vec<Word> {
    let inside = |b: &BBox, w: &BBox| {
        let (cx, cy) = (w.cx(), w.cy());
        cx >= b.x && cx <= b.right() && cy >= b.y && cy <= b.bottom()
    };
    let hangul: Vec<Word> = korean.into_iter().filter(|w| has_hangul(&w.text)).collect();
    let covered = |b: &BBox| hangul.iter().any(|h| inside(&h.bbox, b));
    let mut out = Vec::with_capacity(words.len() + hangul.len());
    for w in words {
        let w = if is_garbled(&w.text) {
            match garbled_tail(&w) {
                Some(tail) => tail,
                None => continue,
            }
        } else {
            w
        };
        if !covered(&w.bbox) {
            out.push(clear_of(w, &hangul));
        }
    }
    out.extend(join_syllables(hangul));
    out
}

/// A word of Hangul syllables only.
fn all_syllables(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c))
}

/// Tesseract's Hangul words with the syllables it split apart (`제 지 방 량`) joined:
/// a word of syllables continues the one before it on its line when the gap between
/// them is under [`SYLLABLE_GAP`] of their height. Words apart by a column gutter stay
/// apart. Measured on the 18 tuning sheets (module doc): a gap of 0.3 heights read 477
/// fields, 0.5 485, 0.8 487, none 478.
pub fn join_syllables(mut words: Vec<Word>) -> Vec<Word> {
    words.sort_by(|a, b| a.bbox.x.total_cmp(&b.bbox.x));
    // Where each word's print ends. Tesseract sometimes gives a line's first syllable
    // the box of the whole line (`복` over `복부지방률`, the rest with boxes of their
    // own): a box much wider than its syllables ends, for the join, a square
    // syllable each from its left.
    let end_of = |w: &Word| {
        let n = w.text.chars().count().max(1) as f32;
        if all_syllables(&w.text) && w.bbox.w > 1.5 * n * w.bbox.h {
            w.bbox.x + n * w.bbox.h
        } else {
            w.bbox.right()
        }
    };
    let mut out: Vec<Word> = Vec::with_capacity(words.len());
    let mut ends: Vec<f32> = Vec::with_capacity(words.len());
    for w in words {
        if all_syllables(&w.text) {
            let before = out.iter().zip(&ends).rposition(|(p, &end)| {
                let (a, b) = (&p.bbox, &w.bbox);
                let overlap = a.bottom().min(b.bottom()) - a.y.max(b.y);
                let gap = b.x - end;
                all_syllables(&p.text)
                    && overlap > 0.6 * a.h.min(b.h)
                    && gap > -0.3 * b.h
                    && gap < SYLLABLE_GAP * a.h.max(b.h)
            });
            if let Some(i) = before {
                ends[i] = end_of(&w);
                let p = &mut out[i];
                p.text.push_str(&w.text);
                p.bbox = p.bbox.union(&w.bbox);
                continue;
            }
        }
        ends.push(end_of(&w));
        out.push(w);
    }
    out
}

/// See [`join_syllables`].
const SYLLABLE_GAP: f32 = 0.8;

/// `w` with its box cut back where it overlaps a Hangul word of its line: PP-OCR's
/// words are parts of its line's box, and a Korean label read as one or two CJK
/// characters (two syllables in the width of four figures) leaves the figure after
/// it starting under the label.
fn clear_of(mut w: Word, hangul: &[Word]) -> Word {
    for h in hangul {
        let (a, b) = (&w.bbox, &h.bbox);
        let same_line = a.bottom().min(b.bottom()) - a.y.max(b.y) > 0.4 * a.h.min(b.h);
        if !same_line || a.right() <= b.x || b.right() <= a.x {
            continue;
        }
        let (left, right) = if a.cx() > b.cx() {
            (b.right(), a.right())
        } else {
            (a.x, b.x)
        };
        if right - left > 0.3 * a.w {
            w.bbox.x = left;
            w.bbox.w = right - left;
        }
    }
    w
}

/// The longest part of a garbled word between its garbled characters that holds a
/// letter or a digit (`盟：38` -> `38`, `刘今是(L)` -> `(L)`, `65/100否` -> `65/100`: a
/// figure or a unit glued to a label), with its share of the box: a CJK character
/// counts twice the width of another (it is square, a figure is narrow).
fn garbled_tail(w: &Word) -> Option<Word> {
    let chars: Vec<char> = w.text.chars().collect();
    let bad = |c: &char| is_garbled(c.encode_utf8(&mut [0; 4]));
    let lead = |c: &char| !c.is_alphanumeric() && !matches!(c, '(' | '[' | '+' | '-');
    let mut best: Option<(usize, usize)> = None;
    let mut start = 0;
    for end in 0..=chars.len() {
        if end < chars.len() && !bad(&chars[end]) {
            continue;
        }
        let from = start + chars[start..end].iter().take_while(|c| lead(c)).count();
        let part = &chars[from..end];
        if part.iter().any(char::is_ascii_alphanumeric)
            && best.is_none_or(|(a, b)| part.len() > b - a)
        {
            best = Some((from, end));
        }
        start = end + 1;
    }
    let (from, end) = best?;
    let width = |cs: &[char]| {
        cs.iter()
            .map(|c| if c.len_utf8() > 1 { 2.0 } else { 1.0 })
            .sum::<f32>()
    };
    let all = width(&chars).max(1.0);
    let x0 = w.bbox.x + w.bbox.w * width(&chars[..from]) / all;
    let x1 = w.bbox.x + w.bbox.w * width(&chars[..end]) / all;
    Some(Word {
        text: chars[from..end].iter().collect(),
        bbox: BBox {
            x: x0,
            w: x1 - x0,
            ..w.bbox
        },
        confidence: w.confidence,
    })
}

impl OcrEngine for PpOcr {
    fn name(&self) -> &'static str {
        ENGINE
    }

    fn recognize<'a>(&'a self, image: &'a [u8]) -> BoxFuture<'a, Result<Vec<Word>, OcrError>> {
        Box::pin(async move {
            // The page as Tesseract gets it (flattened, a photo's page cut out and
            // straightened, deskewed): the reader needs straight rows and columns.
            let bytes = image.to_vec();
            let (prepared, png) = tokio::task::spawn_blocking(move || {
                let prepared = preprocess::prepare_page(preprocess::decode(&bytes)?);
                let png = encode_png(&prepared.image)?;
                Ok::<_, OcrError>((prepared, png))
            })
            .await
            .map_err(|e| failed(&e.to_string()))??;
            // The helper and Tesseract's Hangul at once: the helper's threads and one
            // Tesseract child share the cores.
            let (page, korean) =
                tokio::join!(self.run_helper(&png), self.read_korean(&prepared.image));
            let words = words_of(&page?);
            let words = match korean {
                Some(korean) => {
                    let words = merge_korean(words, korean);
                    self.closer_korean(&prepared.image, words).await
                }
                None => words,
            };
            // Cut as Vision cuts (see `tesseract::tokens`): a bracket glued to a figure
            // (`(kg)9.2`, `(1.9kg)`) reads as part of a range otherwise, and a line's
            // lost space glues a figure to its range (`161~9`).
            let mut words = cut_joined(split_words(words));
            // In the uploaded image's scale, as Tesseract's.
            let s = prepared.scale;
            for w in &mut words {
                w.bbox = w.bbox.unscaled(s);
            }
            Ok(words)
        })
    }

    fn available(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move { self.check_files() })
    }
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;
