//! The local Tesseract engine: the `tesseract` binary (Debian `tesseract-ocr`,
//! `tesseract-ocr-kor`) with `-l kor+eng` and TSV output.
//!
//! Why a child process and not bindings: the Debian binary is what the kiosk has, it
//! needs no C toolchain at build time, and a crash or hang in it cannot take the
//! service down (it is killed on timeout).
//!
//! Speed: Tesseract's OpenMP threading costs more than it gains on a 2-core machine
//! (CRATES.md: 23 s vs 3.6 s per page), so every child gets `OMP_THREAD_LIMIT=1`, and
//! the page is cut at blank rows into strips that run as parallel single-threaded
//! children, one per core.

use std::process::Stdio;
use std::time::Duration;

use futures::future::BoxFuture;
use image::GrayImage;
use tokio::io::AsyncWriteExt;

use super::preprocess;
use super::{BBox, OcrEngine, OcrError, Word};
use crate::config::OcrConfig;

const ENGINE: &str = "tesseract";
/// The languages, Korean first (the order changes results; kor+eng read best here).
pub const LANGUAGES: &str = "kor+eng";
/// Page segmentation mode 11: sparse text. A result sheet is a grid of labels and
/// figures, not paragraphs; the automatic layout analysis (3) merges table cells.
pub const PSM: &str = "11";

/// The Tesseract engine.
#[derive(Debug, Clone)]
pub struct Tesseract {
    bin: String,
    timeout: Duration,
    strips: usize,
}

impl Tesseract {
    pub fn new(config: &OcrConfig) -> Tesseract {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Tesseract {
            bin: config.tesseract_bin.clone(),
            timeout: Duration::from_millis(config.timeout_ms),
            strips: cores.clamp(1, 4),
        }
    }

    /// Reads an already prepared grey page (coordinates of that page).
    pub async fn recognize_grey(&self, page: &GrayImage) -> Result<Vec<Word>, OcrError> {
        let cuts = strip_cuts(page, self.strips);
        let mut jobs = Vec::new();
        for pair in cuts.windows(2) {
            let (y0, y1) = (pair[0], pair[1]);
            let strip = image::imageops::crop_imm(page, 0, y0, page.width(), y1 - y0).to_image();
            jobs.push(async move {
                let words = self.run_child(&strip).await?;
                Ok::<_, OcrError>(words.into_iter().map(move |mut w| {
                    w.bbox.y += y0 as f32;
                    w
                }))
            });
        }
        let parts = futures::future::try_join_all(jobs).await?;
        Ok(parts.into_iter().flatten().collect())
    }

    async fn run_child(&self, page: &GrayImage) -> Result<Vec<Word>, OcrError> {
        let mut child = tokio::process::Command::new(&self.bin)
            .args([
                "stdin", "stdout", "-l", LANGUAGES, "--dpi", "300", "--psm", PSM,
            ])
            .args(["-c", "preserve_interword_spaces=1", "tsv"])
            .env("OMP_THREAD_LIMIT", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| OcrError::Unavailable {
                engine: ENGINE,
                reason: format!("cannot run `{}`: {e}", self.bin),
            })?;
        let pgm = to_pgm(page);
        let mut stdin = child.stdin.take().ok_or_else(|| failed("no stdin pipe"))?;
        let work = async move {
            // Write and read concurrently: a large page would fill the pipe otherwise.
            let write = async move {
                stdin.write_all(&pgm).await?;
                stdin.shutdown().await
            };
            let (written, output) = tokio::join!(write, child.wait_with_output());
            let output = output.map_err(|e| failed(&e.to_string()))?;
            if !output.status.success() {
                let err = String::from_utf8_lossy(&output.stderr);
                return Err(failed(&format!("{}: {}", output.status, err.trim())));
            }
            written.map_err(|e| failed(&format!("writing the page: {e}")))?;
            Ok(parse_tsv(&String::from_utf8_lossy(&output.stdout)))
        };
        tokio::time::timeout(self.timeout, work)
            .await
            .map_err(|_| OcrError::Timeout {
                engine: ENGINE,
                ms: self.timeout.as_millis() as u64,
            })?
    }
}

fn failed(reason: &str) -> OcrError {
    OcrError::Failed {
        engine: ENGINE,
        reason: reason.to_string(),
    }
}

impl OcrEngine for Tesseract {
    fn name(&self) -> &'static str {
        ENGINE
    }

    fn recognize<'a>(&'a self, image: &'a [u8]) -> BoxFuture<'a, Result<Vec<Word>, OcrError>> {
        Box::pin(async move {
            let bytes = image.to_vec();
            let prepared = tokio::task::spawn_blocking(move || {
                preprocess::decode(&bytes).map(preprocess::prepare)
            })
            .await
            .map_err(|e| failed(&e.to_string()))??;
            let mut words = self.recognize_grey(&prepared.image).await?;
            // Report boxes in the uploaded image's scale (rotation is not undone: the
            // parser only needs consistent geometry).
            let s = prepared.scale;
            for w in &mut words {
                w.bbox = BBox {
                    x: w.bbox.x / s,
                    y: w.bbox.y / s,
                    w: w.bbox.w / s,
                    h: w.bbox.h / s,
                };
            }
            Ok(words)
        })
    }

    fn available(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            let out = tokio::time::timeout(
                Duration::from_secs(5),
                tokio::process::Command::new(&self.bin)
                    .arg("--list-langs")
                    .kill_on_drop(true)
                    .output(),
            )
            .await
            .map_err(|_| "tesseract --list-langs timed out".to_string())?
            .map_err(|e| format!("cannot run `{}`: {e}", self.bin))?;
            let text = String::from_utf8_lossy(&out.stdout);
            let langs: Vec<&str> = text.lines().map(str::trim).collect();
            for lang in ["kor", "eng"] {
                if !langs.contains(&lang) {
                    return Err(format!(
                        "language data `{lang}` missing (Debian: tesseract-ocr-{lang})"
                    ));
                }
            }
            Ok(())
        })
    }
}

/// The page as binary PGM (P5): trivial to write, and Leptonica reads it from stdin.
fn to_pgm(page: &GrayImage) -> Vec<u8> {
    let header = format!("P5\n{} {}\n255\n", page.width(), page.height());
    let mut out = Vec::with_capacity(header.len() + page.as_raw().len());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(page.as_raw());
    out
}

/// Where to cut the page into `n` strips: at the blank row nearest to each even split,
/// so no line of text is cut in half. Returns `n + 1` increasing y values (fewer when
/// the page is too small to split).
pub fn strip_cuts(page: &GrayImage, n: usize) -> Vec<u32> {
    let h = page.height();
    let w = page.width();
    let mut cuts = vec![0u32];
    if n > 1 && h > 400 {
        // Ink per row, counting only dark pixels.
        let ink: Vec<u32> = (0..h)
            .map(|y| (0..w).filter(|&x| page.get_pixel(x, y)[0] < 140).count() as u32)
            .collect();
        for k in 1..n {
            let target = h as usize * k / n;
            let window = h as usize / (n * 4);
            let lo = target.saturating_sub(window);
            let hi = (target + window).min(h as usize - 1);
            // The least inky row near the even split; ties go to the nearest.
            let best = (lo..=hi)
                .min_by_key(|&y| (ink[y], (y as i64 - target as i64).unsigned_abs()))
                .unwrap_or(target) as u32;
            if best > *cuts.last().unwrap_or(&0) + 50 {
                cuts.push(best);
            }
        }
    }
    cuts.push(h);
    cuts
}

/// Words from Tesseract's TSV (level 5 rows with text).
pub fn parse_tsv(tsv: &str) -> Vec<Word> {
    tsv.lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.len() < 12 || cols[0] != "5" {
                return None;
            }
            let text = cols[11].trim();
            if text.is_empty() {
                return None;
            }
            let num = |i: usize| cols[i].trim().parse::<f32>().ok();
            Some(Word {
                text: text.to_string(),
                bbox: BBox {
                    x: num(6)?,
                    y: num(7)?,
                    w: num(8)?,
                    h: num(9)?,
                },
                confidence: num(10).filter(|c| *c >= 0.0),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_word_rows_become_words_and_everything_else_is_skipped() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   1\t1\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t10\t20\t30\t12\t91.5\t체중\n\
                   5\t1\t1\t1\t1\t2\t50\t20\t30\t12\t-1\t \n\
                   5\t1\t1\t1\t1\t3\tx\t20\t30\t12\t90\tbad\n\
                   5\t1\t1";
        let words = parse_tsv(tsv);
        assert_eq!(words.len(), 1);
        assert_eq!(words[0].text, "체중");
        assert_eq!(words[0].bbox.x, 10.0);
        assert_eq!(words[0].confidence, Some(91.5));
    }

    #[test]
    fn strips_are_cut_at_blank_rows() {
        let page = GrayImage::from_fn(100, 1000, |_, y| {
            image::Luma([if (y / 20) % 2 == 0 && y != 500 {
                0
            } else {
                255
            }])
        });
        let cuts = strip_cuts(&page, 2);
        assert_eq!(cuts.len(), 3);
        assert_eq!(page.get_pixel(0, cuts[1])[0], 255, "cut on paper, not ink");
    }
}
