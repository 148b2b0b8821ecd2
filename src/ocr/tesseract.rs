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
//! children, one per core. Beside them, a second, much faster pass (English model,
//! figure characters only) reads the figures, and [`merge_figures`] combines the two.

use std::process::Stdio;
use std::time::Duration;

use futures::future::BoxFuture;
use image::GrayImage;
use tokio::io::AsyncWriteExt;

use super::inbody::is_hangul;
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

    /// Reads an already prepared grey page (coordinates of that page): the label pass
    /// in strips, one child per core, and the figure pass over the whole page beside
    /// it (it is several times faster than the Korean pass), merged by
    /// [`merge_figures`].
    pub async fn recognize_grey(&self, page: &GrayImage) -> Result<Vec<Word>, OcrError> {
        let cuts = strip_cuts(page, self.strips);
        let mut jobs = Vec::new();
        for pair in cuts.windows(2) {
            let (y0, y1) = (pair[0], pair[1]);
            let strip = image::imageops::crop_imm(page, 0, y0, page.width(), y1 - y0).to_image();
            jobs.push(async move {
                let words = self.run_child(&strip, Pass::Labels).await?;
                Ok::<_, OcrError>(words.into_iter().map(move |mut w| {
                    w.bbox.y += y0 as f32;
                    w
                }))
            });
        }
        let (labels, figures) = tokio::join!(
            futures::future::try_join_all(jobs),
            self.run_child(page, Pass::Figures)
        );
        let labels: Vec<Word> = labels?.into_iter().flatten().collect();
        Ok(merge_figures(labels, figures?))
    }

    async fn run_child(&self, page: &GrayImage, pass: Pass) -> Result<Vec<Word>, OcrError> {
        let mut cmd = tokio::process::Command::new(&self.bin);
        cmd.args(["stdin", "stdout", "--dpi", "300", "--psm", PSM]);
        match pass {
            Pass::Labels => cmd.args(["-l", LANGUAGES]),
            Pass::Figures => cmd.args([
                "-l",
                "eng",
                "-c",
                &format!("tessedit_char_whitelist={FIGURE_CHARS}"),
            ]),
        };
        let mut child = cmd
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

/// The two Tesseract passes over a page (see [`merge_figures`]).
#[derive(Debug, Clone, Copy)]
enum Pass {
    /// `kor+eng`, everything: labels, headings, text.
    Labels,
    /// English model restricted to [`FIGURE_CHARS`]: the figures.
    Figures,
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

/// Where to cut the page into `n` strips: in the middle of the widest blank band
/// within `h / (2n)` of each even split, so a cut falls between sections rather than
/// between two lines of a list (a list cut in half loses its fields: Tesseract reads
/// a few lines at the edge of a strip badly). Returns `n + 1` increasing y values
/// (fewer when the page is too small to split).
pub fn strip_cuts(page: &GrayImage, n: usize) -> Vec<u32> {
    let h = page.height();
    let w = page.width();
    let mut cuts = vec![0u32];
    if n > 1 && h > 400 {
        // Ink per row, counting only dark pixels; computed once for all cuts.
        let ink: Vec<u32> = (0..h)
            .map(|y| (0..w).filter(|&x| page.get_pixel(x, y)[0] < 140).count() as u32)
            .collect();
        for k in 1..n {
            let target = h as usize * k / n;
            let window = h as usize / (n * 2);
            let lo = target.saturating_sub(window);
            let hi = (target + window).min(h as usize - 1);
            let cut = widest_blank_band(&ink[lo..=hi], w, target - lo).map_or(target, |y| lo + y);
            let cut = cut as u32;
            if cut > *cuts.last().unwrap_or(&0) + 50 {
                cuts.push(cut);
            }
        }
    }
    cuts.push(h);
    cuts
}

/// The middle of the widest run of blank rows in `ink` (ink per row of a window, rows
/// `width` pixels wide), ties going to the run nearest `target`. A row is blank when
/// it holds hardly more ink than the cleanest row of the window: table borders, a
/// shadow or speckle may leave no row of a scan perfectly clean.
fn widest_blank_band(ink: &[u32], width: u32, target: usize) -> Option<usize> {
    let clean = *ink.iter().min()?;
    let blank = clean + (width / 200).max(1);
    let mut best: Option<(usize, usize)> = None; // (start, length)
    let mut run_start = None;
    for (y, &row) in ink.iter().chain(std::iter::once(&u32::MAX)).enumerate() {
        match (row <= blank, run_start) {
            (true, None) => run_start = Some(y),
            (false, Some(start)) => {
                run_start = None;
                let len = y - start;
                let mid = start + len / 2;
                let better = match best {
                    None => true,
                    Some((s, l)) => {
                        len > l || (len == l && mid.abs_diff(target) < (s + l / 2).abs_diff(target))
                    }
                };
                if better {
                    best = Some((start, len));
                }
            }
            _ => {}
        }
    }
    best.map(|(start, len)| start + len / 2)
}

/// Characters of the figure pass: digits and what figures, ranges, signs and the
/// date are printed with.
pub const FIGURE_CHARS: &str = "0123456789.()~-+:/";

/// A word without the unit printed after a figure (`1.6kg`, `156.9em`).
fn strip_unit(s: &str) -> &str {
    let lower = s.to_ascii_lowercase();
    for unit in ["kcal", "keal", "kg", "ke", "cm", "em", "%"] {
        if lower.ends_with(unit) && s.is_char_boundary(s.len() - unit.len()) {
            return &s[..s.len() - unit.len()];
        }
    }
    s
}

/// Merges the figure pass (English model, digits only) into the label pass (`kor+eng`).
///
/// Why two passes: with Korean loaded, Tesseract reads small printed figures as
/// Hangul or Latin look-alikes (`$9.1`, `S.1S`, `2016.05.01` for `.04`) and drops
/// some altogether; restricted to figure characters it reads them far better, but it
/// turns every label into digit noise. So labels come from the first pass and figures
/// from the second: a figure fills a gap or replaces a misread figure it covers, unless
/// what it covers holds Hangul (then the "figure" is a label read as digits) or is
/// already a clean figure.
pub fn merge_figures(mut words: Vec<Word>, figures: Vec<Word>) -> Vec<Word> {
    for f in figures {
        if !f.text.chars().any(|c| c.is_ascii_digit()) {
            continue;
        }
        let area = (f.bbox.w * f.bbox.h).max(1.0);
        let on_label = words
            .iter()
            .any(|w| w.text.chars().any(is_hangul) && w.bbox.overlap_area(&f.bbox) > 0.3 * area);
        if on_label {
            continue;
        }
        let covers = |w: &Word| {
            let wa = (w.bbox.w * w.bbox.h).max(1.0);
            w.bbox.overlap_area(&f.bbox) > 0.3 * wa.min(area)
        };
        let covered: Vec<&str> = words
            .iter()
            .filter(|w| covers(w))
            .map(|w| strip_unit(&w.text))
            .collect();
        // The figure pass sometimes drops a digit the label pass kept (`1` for `51`):
        // a figure shorter than what it would replace (units aside) loses.
        let covered_len: usize = covered.iter().map(|t| t.chars().count()).sum();
        // A figure the label pass already read cleanly stays: the figure pass turns a
        // unit into digits (`4.4kg` → `44.9`).
        let clean = covered.iter().any(|t| {
            t.chars().any(|c| c.is_ascii_digit())
                && t.chars().all(|c| c.is_ascii_digit() || ".+-".contains(c))
        });
        if clean || f.text.chars().count() < covered_len {
            continue;
        }
        words.retain(|w| !covers(w));
        words.push(f);
    }
    words
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

    fn word(text: &str, x: f32, y: f32, w: f32) -> Word {
        Word {
            text: text.into(),
            bbox: BBox { x, y, w, h: 20.0 },
            confidence: None,
        }
    }

    #[test]
    fn the_figure_pass_replaces_misread_figures_but_keeps_labels_and_longer_reads() {
        let labels = vec![
            word("체중", 0.0, 0.0, 40.0),
            word("$9.1", 100.0, 0.0, 40.0),
            word("51", 200.0, 0.0, 20.0),
            word("4.4kg", 300.0, 0.0, 50.0),
        ];
        let figures = vec![
            // A label read as digits: dropped.
            word("7", 5.0, 0.0, 30.0),
            word("59.1", 101.0, 0.0, 40.0),
            // Shorter than the label pass's read: the label pass's stays.
            word("1", 210.0, 0.0, 10.0),
            // A clean read with its unit turned into a digit: the label pass's stays.
            word("44.9", 300.0, 0.0, 40.0),
            // A figure the label pass missed.
            word("12", 400.0, 0.0, 20.0),
        ];
        let texts: Vec<String> = merge_figures(labels, figures)
            .into_iter()
            .map(|w| w.text)
            .collect();
        assert_eq!(texts, ["체중", "51", "4.4kg", "59.1", "12"]);
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

    #[test]
    fn strips_are_cut_in_the_widest_blank_band_not_between_list_lines() {
        // A list of lines 12 rows apart around the even split (500), and a 60-row
        // blank band between sections further away (y 640..700).
        let page = GrayImage::from_fn(400, 1000, |_, y| {
            let in_list = (380..640).contains(&y) && y % 12 < 8;
            let elsewhere = !(380..700).contains(&y) && y % 30 < 20;
            image::Luma([if in_list || elsewhere { 0 } else { 255 }])
        });
        let cuts = strip_cuts(&page, 2);
        assert_eq!(cuts.len(), 3);
        assert!(
            (655..=685).contains(&cuts[1]),
            "cut in the middle of the wide band, not between list lines: {cuts:?}"
        );
    }

    #[test]
    fn a_faint_shadow_does_not_hide_a_blank_band() {
        // Every row holds a little ink (a table border), so no row is perfectly
        // clean; the wide band still wins.
        let page = GrayImage::from_fn(400, 1000, |x, y| {
            let text = !(560..620).contains(&y) && y % 14 < 9 && x > 10;
            image::Luma([if text || x < 1 { 0 } else { 255 }])
        });
        let cuts = strip_cuts(&page, 2);
        assert!((575..=605).contains(&cuts[1]), "{cuts:?}");
    }
}
