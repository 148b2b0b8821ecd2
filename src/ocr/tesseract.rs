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
//!
//! A closer look follows where that first look failed: the sections of the sheet with
//! a missing or inconsistent field ([`inbody::reread_regions`]) are cut out, their
//! rules and chart bars erased, scaled up and binarised, and read again for figures
//! ([`merge_reread`]). A low-resolution scan loses decimal points, ranges and the
//! figures printed against a bar in the first look; a clean sheet never needs the
//! second one. Beside it, when a field of the right-hand column of lists is missing
//! ([`inbody::list_column`]), that column is read again as a block of lines, whose
//! labels replace the page's where they match a printed label better
//! ([`merge_lines`]). Last, a normal range still not read whole, or read without a
//! decimal point (small print), is read again on its own line at two larger sizes
//! ([`range_spots`], [`merge_ranges`]); and beside it, the place above a table range
//! that no figure was read over ([`figure_spots`]).

use std::process::Stdio;
use std::time::Duration;

use futures::future::BoxFuture;
use image::GrayImage;
use tokio::io::AsyncWriteExt;

use super::inbody::{self, is_hangul};
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
    /// One permit per core: the children running at once, over every job of this
    /// engine (a sheet's first look used to start a child per core and one more, and
    /// its closer looks as many as they had regions).
    slots: std::sync::Arc<tokio::sync::Semaphore>,
}

impl Tesseract {
    pub fn new(config: &OcrConfig) -> Tesseract {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Tesseract {
            bin: config.tesseract_bin.clone(),
            timeout: Duration::from_millis(config.timeout_ms),
            strips: cores.clamp(1, 4),
            slots: std::sync::Arc::new(tokio::sync::Semaphore::new(cores.clamp(1, 4))),
        }
    }

    /// Reads an already prepared grey page (coordinates of that page): the label pass
    /// in strips, one child per core, and the figure pass over the whole page beside
    /// it (it is several times faster than the Korean pass), merged by
    /// [`merge_figures`].
    pub async fn recognize_grey(&self, page: &GrayImage) -> Result<Vec<Word>, OcrError> {
        let words = self.first_look(page).await?;
        // A closer look where the first one failed: the sections with a missing or
        // inconsistent field, read again larger (figures only); and the right-hand
        // column of lists read again line by line when one of its fields is missing.
        // A clean sheet has neither, so it costs nothing there.
        //
        // A bold scan's sections are read at two cuts: cut dark, a chart's figures
        // stay apart from the scale above them; cut light, a table's small ranges keep
        // their thin strokes. The dark reading is merged first, the light one repairs
        // and fills what is left.
        let report = inbody::parse(&words);
        let regions = inbody::reread_regions(&words, &report);
        let column = inbody::list_column(&words, &report);
        let closer = async {
            if regions.is_empty() {
                return Ok((Vec::new(), Vec::new()));
            }
            let (scale, text_h) = reread_scale(&words, &regions);
            self.read_regions(page, &regions, scale, text_h).await
        };
        let lines = async {
            match column {
                Some(column) => self.read_column(page, &column).await,
                None => Ok(Vec::new()),
            }
        };
        // These later looks only improve a reading: one that fails (a child killed on
        // timeout on a slow Pi, say) leaves the reading as it was, it does not fail
        // the sheet.
        let (figures, lines) = tokio::join!(closer, lines);
        let words = merge_cuts(words, or_nothing("closer look", figures));
        let words = merge_lines(words, or_nothing("column of lists", lines));
        // Last, the normal ranges in small print that are still unreadable: each line
        // read again on its own, much larger. And beside them, the figures a table
        // prints over a range that none was read over, each read on its own.
        let spots = range_spots(&words);
        let over = figure_spots(&words);
        if spots.is_empty() && over.is_empty() {
            return Ok(words);
        }
        let ranges = async {
            if spots.is_empty() {
                return Ok(Vec::new());
            }
            self.read_ranges(page, &spots).await
        };
        let figures = async {
            if over.is_empty() {
                return Ok((Vec::new(), Vec::new()));
            }
            let h = median(over.iter().map(|(_, h)| *h).collect()).unwrap_or(1.0);
            let (scale, _) = reread_scale_for(h);
            let boxes: Vec<BBox> = over.iter().map(|(b, _)| *b).collect();
            self.read_regions(page, &boxes, scale, h).await
        };
        let (ranges, figures) = tokio::join!(ranges, figures);
        let words = merge_ranges(words, &spots, &or_nothing("ranges", ranges));
        Ok(merge_cuts(
            words,
            or_nothing("figures over ranges", figures),
        ))
    }

    /// Reads the range lines `spots` (see [`range_spots`]) again, once at each of
    /// [`RANGE_TEXT_PX`]'s heights: for each, the lines stacked into one image, one
    /// child, all at once. The readings in that order.
    async fn read_ranges(
        &self,
        page: &GrayImage,
        spots: &[(BBox, f32)],
    ) -> Result<Vec<Vec<Word>>, OcrError> {
        let h = median(spots.iter().map(|(_, h)| *h).collect())
            .unwrap_or(1.0)
            .max(1.0);
        let (page, boxes) = (
            page.clone(),
            spots.iter().map(|(b, _)| *b).collect::<Vec<_>>(),
        );
        let sheets = tokio::task::spawn_blocking(move || {
            let cut: Vec<(BBox, GrayImage)> = boxes
                .iter()
                .filter_map(|r| clip(&page, r).map(|c| (c, crop(&page, &c))))
                .collect();
            RANGE_TEXT_PX
                .iter()
                .map(|px| {
                    let scale = (px / h).clamp(1.0, 5.0);
                    let crops = cut
                        .iter()
                        .map(|(c, img)| (*c, scaled(img, c, scale)))
                        .collect();
                    stack(crops, scale, 1)
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| failed(&e.to_string()))?;
        let jobs = sheets.iter().map(|mosaics| async move {
            let mut out = Vec::new();
            for m in mosaics {
                let words = self.run_child(&m.image, Pass::Ranges).await?;
                out.extend(m.to_page(words));
            }
            Ok::<_, OcrError>(out)
        });
        futures::future::try_join_all(jobs).await
    }

    /// The first look: the label pass in strips, one child per core, and the figure
    /// pass over the whole page beside it (it is several times faster than the Korean
    /// pass), merged by [`merge_figures`]. The child with most of the work runs ahead
    /// of the others (see [`behind`]); the strips stay where [`strip_cuts`] puts them,
    /// since Tesseract reads a strip differently when its cut moves.
    pub async fn first_look(&self, page: &GrayImage) -> Result<Vec<Word>, OcrError> {
        let cuts = strip_cuts(page, self.strips);
        // Which child goes first: see [`behind`].
        let strokes = stroke_rows(page);
        let mut work: Vec<f32> = cuts
            .windows(2)
            .map(|p| {
                let rows = strokes
                    .get(p[0] as usize..p[1] as usize)
                    .unwrap_or_default();
                rows.iter().sum::<u32>() as f32
            })
            .collect();
        work.push(FIGURE_WORK * strokes.iter().sum::<u32>() as f32);
        let behind = behind(&work, self.strips);
        let mut jobs = Vec::new();
        for (i, pair) in cuts.windows(2).enumerate() {
            let (y0, y1) = (pair[0], pair[1]);
            let strip = image::imageops::crop_imm(page, 0, y0, page.width(), y1 - y0).to_image();
            let behind = behind[i];
            jobs.push(async move {
                let words = self.run_child_at(&strip, Pass::Labels, behind).await?;
                Ok::<_, OcrError>(words.into_iter().map(move |mut w| {
                    w.bbox.y += y0 as f32;
                    w
                }))
            });
        }
        let (labels, figures) = tokio::join!(
            futures::future::try_join_all(jobs),
            self.run_child_at(page, Pass::Figures, behind.last().copied().unwrap_or(false))
        );
        let labels: Vec<Word> = labels?.into_iter().flatten().collect();
        Ok(merge_figures(labels, figures?))
    }

    /// Reads `regions` of `page` again with the figure pass, each scaled by `scale`:
    /// the regions are stacked into one sheet per core (one child each rather than
    /// one per region: a child costs its start-up) and the words are mapped back to
    /// page coordinates. Returns the words read at [`ink_cut`]'s cut and those read on
    /// the bold regions cut lighter.
    async fn read_regions(
        &self,
        page: &GrayImage,
        regions: &[BBox],
        scale: f32,
        text_h: f32,
    ) -> Result<(Vec<Word>, Vec<Word>), OcrError> {
        // Cropping, erasing and scaling whole sections is CPU work: off the runtime.
        let (page, regions, strips) = (page.clone(), regions.to_vec(), self.strips);
        let (dark, light) =
            tokio::task::spawn_blocking(move || mosaics(&page, &regions, scale, text_h, strips))
                .await
                .map_err(|e| failed(&e.to_string()))?;
        let n_first = dark.len();
        let sheets: Vec<Mosaic> = dark.into_iter().chain(light).collect();
        let jobs = sheets.iter().map(|m| async move {
            let words = self.run_child(&m.image, Pass::Closer).await?;
            Ok::<_, OcrError>(m.to_page(words))
        });
        let mut read = futures::future::try_join_all(jobs).await?;
        let light = read.split_off(n_first);
        Ok((read.concat(), light.concat()))
    }

    /// Reads `column` of `page` as one block of lines (`kor+eng`, `--psm 6`), in page
    /// coordinates.
    async fn read_column(&self, page: &GrayImage, column: &BBox) -> Result<Vec<Word>, OcrError> {
        let Some(clip) = clip(page, column) else {
            return Ok(Vec::new());
        };
        let words = self.run_child(&crop(page, &clip), Pass::Lines).await?;
        Ok(words
            .into_iter()
            .map(|mut w| {
                w.bbox.x += clip.x;
                w.bbox.y += clip.y;
                w
            })
            .collect())
    }

    async fn run_child(&self, page: &GrayImage, pass: Pass) -> Result<Vec<Word>, OcrError> {
        self.run_child_at(page, pass, false).await
    }

    /// Runs one Tesseract child on `page`; `behind`: at a lower CPU priority (see
    /// [`behind`]).
    async fn run_child_at(
        &self,
        page: &GrayImage,
        pass: Pass,
        behind: bool,
    ) -> Result<Vec<Word>, OcrError> {
        // Waiting for a slot is not the child's time: the timeout starts with it.
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|_| failed("the engine is shutting down"))?;
        let mut cmd = tokio::process::Command::new(&self.bin);
        let psm = match pass {
            Pass::Lines | Pass::Ranges => "6",
            _ => PSM,
        };
        cmd.args(["stdin", "stdout", "--dpi", "300", "--psm", psm]);
        match pass {
            Pass::Labels | Pass::Lines => cmd.args(["-l", LANGUAGES]),
            Pass::Closer => cmd.args([
                "-l",
                "eng",
                "-c",
                &format!("tessedit_char_whitelist={FIGURE_CHARS}{LOOKALIKES}"),
            ]),
            Pass::Ranges | Pass::Figures => cmd.args([
                "-l",
                "eng",
                "-c",
                &format!("tessedit_char_whitelist={FIGURE_CHARS}"),
            ]),
        };
        if !matches!(pass, Pass::Labels | Pass::Lines) {
            // The figure passes: Tesseract's second reading of every doubtful word as
            // light-on-dark costs a tenth of their time and changed no field of the
            // real sample or of either generated set (seeds 1000 and 2000). The label
            // pass keeps it: without it, some Korean labels read worse.
            cmd.args(["-c", "tessedit_do_invert=0"]);
        }
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
        if behind {
            if let Some(pid) = child.id() {
                // SAFETY: setpriority(2) on our own child's pid: no memory is touched;
                // failing (the child already exited) only leaves its priority as it was.
                unsafe {
                    libc::setpriority(libc::PRIO_PROCESS, pid, BEHIND_NICE);
                }
            }
        }
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

/// The words of a later look, or none when it failed (logged): see
/// [`Tesseract::recognize_grey`].
fn or_nothing<T: Default>(look: &str, read: Result<T, OcrError>) -> T {
    read.unwrap_or_else(|e| {
        tracing::warn!(look, error = %e, "tesseract: a later look failed; the reading stays as it was");
        T::default()
    })
}

/// Merges a [`Tesseract::read_regions`] reading: the dark cut first, then the light
/// one repairs and fills what is left (see [`merge_reread`]).
fn merge_cuts(words: Vec<Word>, (dark, light): (Vec<Word>, Vec<Word>)) -> Vec<Word> {
    merge_reread(merge_reread(words, dark), light)
}

/// The Tesseract passes: the first look's two (see [`merge_figures`]) and the later
/// looks' (see [`Tesseract::recognize_grey`]).
#[derive(Debug, Clone, Copy)]
enum Pass {
    /// `kor+eng`, everything: labels, headings, text.
    Labels,
    /// English model restricted to [`FIGURE_CHARS`]: the figures.
    Figures,
    /// `kor+eng` on one column as a block of lines (`--psm 6`): see
    /// [`merge_lines`].
    Lines,
    /// English model, figure characters, one block of lines: the range spots.
    Ranges,
    /// English model, every character: the closer look. A whitelist makes Tesseract
    /// drop a character it reads as an outside one (`$2.9` for `52.9` becomes `2.9`);
    /// unrestricted, the look-alike is kept and [`figure_lookalikes`] maps it back.
    Closer,
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
                preprocess::decode(&bytes).map(preprocess::prepare_page)
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

/// Tesseract's work on a page region is roughly in proportion to its strokes (the
/// print it must recognise, not its height or its ink: a chart bar is ink but one
/// stroke). The figure pass does this share of the label pass's work per stroke
/// (English only, a short character list: 1.0 s against 1.8 s for a clean page).
const FIGURE_WORK: f32 = 0.55;

/// A pixel of the prepared page darker than this is ink (for cutting strips and
/// estimating their work; the closer look binarises at [`ink_cut`]'s cut).
const PAGE_INK: u8 = 140;

/// The niceness of the children run behind the longest one.
const BEHIND_NICE: i32 = 5;

/// Strokes per row: how often a row passes from paper to ink.
fn stroke_rows(page: &GrayImage) -> Vec<u32> {
    let w = page.width().max(1) as usize;
    page.as_raw()
        .chunks_exact(w)
        .map(|row| {
            row.windows(2)
                .filter(|p| p[0] >= PAGE_INK && p[1] < PAGE_INK)
                .count() as u32
        })
        .collect()
}

/// Which of the first look's children (their estimated `work`) run behind: when one
/// child has more work than an even share of the `cores`, it is the one the sheet
/// waits for, and sharing the CPU evenly with the others only delays it (a strip of
/// tables beside a strip of blank paper and charts). It then keeps its priority and
/// the others run behind it on what is left. Otherwise all run evenly.
fn behind(work: &[f32], cores: usize) -> Vec<bool> {
    let total: f32 = work.iter().sum();
    let longest = work
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, w)| (i, *w));
    match longest {
        Some((i, w)) if cores > 1 && w > total / cores.min(work.len()) as f32 => {
            (0..work.len()).map(|j| j != i).collect()
        }
        _ => vec![false; work.len()],
    }
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
            .map(|y| {
                (0..w)
                    .filter(|&x| page.get_pixel(x, y)[0] < PAGE_INK)
                    .count() as u32
            })
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

/// Letters the closer look may read for digits of a blurred print (see
/// [`figure_lookalikes`]): allowed, so the digit is kept as its look-alike instead of
/// being dropped.
pub const LOOKALIKES: &str = "$SOQDIlB";

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

/// The height figures are scaled to for the closer look, in pixels: the first look
/// reads a page at Tesseract's usual ~25 px text, where the small figures of a
/// low-resolution scan lose their decimal points and ranges; at about twice that they
/// are read whole.
pub const REREAD_TEXT_PX: f32 = 50.0;

/// The factor that brings the figures in `regions` to [`REREAD_TEXT_PX`]: from the
/// median height of the figures the first look found there, between 1 and 3; and that
/// height.
fn reread_scale(words: &[Word], regions: &[BBox]) -> (f32, f32) {
    let heights: Vec<f32> = words
        .iter()
        .filter(|w| w.text.chars().filter(|c| c.is_ascii_digit()).count() >= 2)
        .filter(|w| regions.iter().any(|r| r.overlap_area(&w.bbox) > 0.0))
        .map(|w| w.bbox.h)
        .collect();
    let Some(h) = median(heights) else {
        return (2.0, REREAD_TEXT_PX / 2.0);
    };
    reread_scale_for(h)
}

/// The factor that brings figures `h` pixels high to [`REREAD_TEXT_PX`], between 1
/// and 3, and that height (at least a pixel).
fn reread_scale_for(h: f32) -> (f32, f32) {
    let h = h.max(1.0);
    ((REREAD_TEXT_PX / h).clamp(1.0, 3.0), h)
}

/// The middle value (the upper one of an even count); `None` for none.
fn median(mut v: Vec<f32>) -> Option<f32> {
    v.sort_by(f32::total_cmp);
    v.get(v.len() / 2).copied()
}

/// Where the closer look cuts ink from paper (the page has been flattened to white
/// paper by `preprocess::flatten_light`). A print with dark cores (a bold, blurred
/// scan: at least a tenth of its ink darker than 100) is cut at 140, so the grey halo
/// around its strokes does not fuse a figure with the chart scale above it; a faint
/// print (a thin font photographed soft, hardly any pixel below 100) is cut at 200, so
/// its grey strokes are kept.
fn ink_cut(img: &GrayImage) -> u8 {
    let (mut core, mut ink) = (0u64, 0u64);
    for p in img.pixels() {
        core += u64::from(p[0] < 100);
        ink += u64::from(p[0] < 200);
    }
    if core * 10 >= ink && ink > 0 {
        140
    } else {
        200
    }
}

/// A run of ink this many text heights long is a rule or a bar, not a glyph stroke.
pub const RULE_TEXT_HEIGHTS: f32 = 2.5;

/// Regions of a page stacked into one image, and where each one went.
struct Mosaic {
    image: GrayImage,
    /// (region on the page, its top in the mosaic, its height in the mosaic)
    placed: Vec<(BBox, u32, u32)>,
    scale: f32,
}

/// White margin around and between the stacked regions, in mosaic pixels.
const MOSAIC_GAP: u32 = 40;

impl Mosaic {
    /// Words read on the mosaic, in page coordinates; words between regions are dropped.
    fn to_page(&self, words: Vec<Word>) -> Vec<Word> {
        words
            .into_iter()
            .filter_map(|mut w| {
                let cy = w.bbox.cy();
                let (region, top, _) = self
                    .placed
                    .iter()
                    .find(|(_, top, h)| cy >= *top as f32 && cy < (*top + *h) as f32)?;
                w.bbox = BBox {
                    x: region.x + (w.bbox.x - MOSAIC_GAP as f32) / self.scale,
                    y: region.y + (w.bbox.y - *top as f32) / self.scale,
                    w: w.bbox.w / self.scale,
                    h: w.bbox.h / self.scale,
                };
                Some(w)
            })
            .collect()
    }
}

/// Crops `regions` from `page` (clipped to it), erases their rules and bars (runs
/// longer than [`RULE_TEXT_HEIGHTS`] × `text_h`), scales them by `scale`, binarises
/// them at [`ink_cut`]'s cut and stacks them into at most `n` images of about equal
/// area: the dark reading. And the light one: the regions cut at 140 (a bold print)
/// cut at 200 instead, stacked likewise (empty for a faint print; see
/// [`Tesseract::recognize_grey`]). Each region is cropped and scaled once.
fn mosaics(
    page: &GrayImage,
    regions: &[BBox],
    scale: f32,
    text_h: f32,
    n: usize,
) -> (Vec<Mosaic>, Vec<Mosaic>) {
    let mut dark = Vec::new();
    let mut light = Vec::new();
    for r in regions {
        let Some(clip) = clip(page, r) else {
            continue;
        };
        let erased =
            preprocess::erase_rules(&crop(page, &clip), (RULE_TEXT_HEIGHTS * text_h) as u32);
        let big = scaled(&erased, &clip, scale);
        // Binarised here: Tesseract's own (Otsu) threshold fails on a chart printed on
        // a grey panel and leaves its figures as blobs.
        let binarised = |mut b: GrayImage, cut: u8| {
            for p in b.pixels_mut() {
                p[0] = if p[0] < cut { 0 } else { 255 };
            }
            b
        };
        let cut = ink_cut(&big);
        if cut < 200 {
            light.push((clip, binarised(big.clone(), 200)));
        }
        dark.push((clip, binarised(big, cut)));
    }
    (stack(dark, scale, n), stack(light, scale, n))
}

/// Stacks scaled regions into at most `n` mosaics of about equal area: largest first,
/// each to the mosaic with the least area so far.
fn stack(mut crops: Vec<(BBox, GrayImage)>, scale: f32, n: usize) -> Vec<Mosaic> {
    crops.sort_by_key(|c| std::cmp::Reverse(c.1.width() * c.1.height()));
    let n = n.clamp(1, crops.len().max(1));
    let mut groups: Vec<(u64, Vec<(BBox, GrayImage)>)> = (0..n).map(|_| (0, Vec::new())).collect();
    for crop in crops {
        if let Some(g) = groups.iter_mut().min_by_key(|g| g.0) {
            g.0 += crop.1.width() as u64 * crop.1.height() as u64;
            g.1.push(crop);
        }
    }
    groups
        .into_iter()
        .filter(|g| !g.1.is_empty())
        .map(|(_, group)| {
            let width = group.iter().map(|c| c.1.width()).max().unwrap_or(1) + 2 * MOSAIC_GAP;
            let height = group.iter().map(|c| c.1.height() + MOSAIC_GAP).sum::<u32>() + MOSAIC_GAP;
            let mut image = GrayImage::from_pixel(width, height, image::Luma([255]));
            let mut placed = Vec::new();
            let mut top = MOSAIC_GAP;
            for (region, crop) in group {
                image::imageops::replace(&mut image, &crop, MOSAIC_GAP as i64, top as i64);
                placed.push((region, top, crop.height()));
                top += crop.height() + MOSAIC_GAP;
            }
            Mosaic {
                image,
                placed,
                scale,
            }
        })
        .collect()
}

/// The heights small print is scaled to for the range pass, in pixels, in order of
/// preference: a range read alone at four times a low-resolution scan's size keeps
/// its decimal points; a sharper print's strokes blur into each other at that size
/// (`44.8` read `44.3`) and read right at two thirds of it. See [`merge_ranges`].
pub const RANGE_TEXT_PX: [f32; 2] = [60.0, 40.0];

/// Whether a word is (part of) a printed normal range: it holds `~`, or a parenthesis
/// and two digits (not a unit, `(kg/m2)`, or a unit misread, `(9` for `kg`).
fn is_range_part(text: &str) -> bool {
    text.contains('~')
        || (text.contains(['(', ')']) && text.chars().filter(|c| c.is_ascii_digit()).count() >= 2)
}

/// Whether `text` reads as a whole range: `(`, a figure, `~` (or a dash), a figure,
/// `)`. The figures may have lost their decimal points (`(249~3.05)`): the parser puts
/// them back in the field's print format.
fn is_whole_range(text: &str) -> bool {
    range_bounds(text).is_some()
}

/// The two figures of a whole range (see [`is_whole_range`]), trimmed.
fn range_bounds(text: &str) -> Option<(&str, &str)> {
    let t = text.trim();
    let inner = t.strip_prefix('(')?.strip_suffix(')')?;
    let (a, b) = inner.split_once(['~', '-'])?;
    let (a, b) = (a.trim(), b.trim());
    let figure = |f: &str| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit() || c == '.');
    (figure(a) && figure(b)).then_some((a, b))
}

/// Whether `text` is a whole range read as printed: both figures in one format (a
/// range prints its bounds alike: `(36.7~44.8)`, `(1~9)`), neither with a leading
/// zero before a digit. `(36.7~443)` and `(7~089)` are whole but lost a decimal point
/// somewhere: the parser could only guess which digit it followed, so they are read
/// again.
fn is_clean_range(text: &str) -> bool {
    let Some((a, b)) = range_bounds(text) else {
        return false;
    };
    let decimals = |f: &str| f.split_once('.').map(|(_, d)| d.len());
    let padded = |f: &str| f.len() > 1 && f.starts_with('0') && !f.starts_with("0.");
    decimals(a) == decimals(b) && !padded(a) && !padded(b)
}

/// The lines of range parts that do not read as a clean range ([`is_clean_range`]):
/// each line (range parts side by side) padded to where the rest of its range may be,
/// with its text height. Empty when every range on the page was read cleanly (a clean
/// sheet).
pub fn range_spots(words: &[Word]) -> Vec<(BBox, f32)> {
    let mut parts: Vec<&Word> = words.iter().filter(|w| is_range_part(&w.text)).collect();
    parts.sort_by(|a, b| a.bbox.x.total_cmp(&b.bbox.x));
    let mut lines: Vec<(BBox, String, f32)> = Vec::new();
    for w in parts {
        let h = w.bbox.h.max(1.0);
        let same = lines.iter_mut().find(|(b, _, lh)| {
            let overlap = b.bottom().min(w.bbox.bottom()) - b.y.max(w.bbox.y);
            overlap > 0.5 * h.min(*lh) && w.bbox.x - b.right() < 2.0 * h.max(*lh)
        });
        match same {
            Some((b, text, _)) => {
                *b = b.union(&w.bbox);
                text.push_str(&w.text);
            }
            None => lines.push((w.bbox, w.text.clone(), h)),
        }
    }
    lines
        .into_iter()
        .filter(|(_, t, _)| !is_clean_range(t))
        .filter(|(b, _, h)| b.w.is_finite() && b.h.is_finite() && h.is_finite())
        .map(|(b, _, h)| {
            // A range is about six text heights wide: what was not read of it lies
            // beside the parts that were.
            let pad = 2.0 * h;
            let w = b.w.max(6.0 * h);
            (
                BBox {
                    x: b.cx() - w / 2.0 - pad,
                    y: b.y - 0.3 * h,
                    w: w + 2.0 * pad,
                    h: b.h + 0.6 * h,
                },
                h,
            )
        })
        .collect()
}

/// Where a table prints a figure over its range but none was read (a figure too close
/// above its range merges with it into one line Tesseract reads as the range alone):
/// above each whole range with no figure over it, none beside it on its line, and no
/// other text in the place its figure would be (a list prints its range beside the
/// figure: above it is the line before). Each place with the text height expected
/// there (the range's, a little larger).
pub fn figure_spots(words: &[Word]) -> Vec<(BBox, f32)> {
    let is_figure = |w: &Word| {
        !is_range_part(&w.text)
            && !is_label_word(&w.text)
            && w.text.chars().any(|c| c.is_ascii_digit())
    };
    words
        .iter()
        .filter(|r| is_whole_range(&r.text))
        .filter_map(|r| {
            let h = r.bbox.h.max(1.0);
            let spot = BBox {
                x: r.bbox.x,
                y: r.bbox.y - 2.0 * h,
                w: r.bbox.w,
                h: 1.9 * h,
            };
            if ![spot.x, spot.y, spot.w, spot.h, 1.2 * h]
                .iter()
                .all(|v| v.is_finite())
            {
                return None;
            }
            let over = words.iter().any(|w| {
                is_figure(w)
                    && w.bbox.x < r.bbox.right()
                    && w.bbox.right() > r.bbox.x
                    && w.bbox.bottom() <= r.bbox.y + 0.5 * h
                    && w.bbox.bottom() >= r.bbox.y - 2.5 * h
            });
            let beside = words.iter().any(|w| {
                is_figure(w)
                    && (w.bbox.cy() - r.bbox.cy()).abs() < 0.7 * h
                    && w.bbox.right() <= r.bbox.x + 0.5 * h
                    && r.bbox.x - w.bbox.right() < 8.0 * h
            });
            let taken = words.iter().any(|w| {
                (is_label_word(&w.text) || is_range_part(&w.text))
                    && w.bbox.overlap_area(&spot) > 0.2 * w.bbox.w * w.bbox.h
            });
            (!over && !beside && !taken).then_some((spot, 1.2 * h))
        })
        .collect()
}

/// Merges the range pass: where the words read in a spot make a whole range `(a ~ b)`,
/// it replaces the range parts the page had there; elsewhere the page stays as it was.
/// (Spots are only where the page had no clean range: this fills, it never overrules.)
/// Of several `readings` of a spot (one per [`RANGE_TEXT_PX`] height), a clean range
/// beats a merely whole one, then the one with more decimal points wins (blur loses a
/// point far more often than it makes one up), then the earlier reading.
pub fn merge_ranges(
    mut words: Vec<Word>,
    spots: &[(BBox, f32)],
    readings: &[Vec<Word>],
) -> Vec<Word> {
    let inside = |b: &BBox, w: &Word| {
        w.bbox.cx() >= b.x
            && w.bbox.cx() <= b.right()
            && w.bbox.cy() >= b.y
            && w.bbox.cy() <= b.bottom()
    };
    for (spot, _) in spots {
        let mut best: Option<(String, Vec<&Word>, (bool, usize))> = None;
        for ranges in readings {
            let mut read: Vec<&Word> = ranges.iter().filter(|w| inside(spot, w)).collect();
            read.sort_by(|a, b| a.bbox.x.total_cmp(&b.bbox.x));
            let text: String = read.iter().map(|w| w.text.as_str()).collect();
            let Some(range) = inbody::range_text(&text).filter(|r| is_whole_range(r)) else {
                continue;
            };
            // The words the range was read from, not a figure read beside it.
            let start = range.as_ptr() as usize - text.as_ptr() as usize;
            let end = start + range.len();
            let mut at = 0;
            read.retain(|w| {
                let (from, to) = (at, at + w.text.len());
                at = to;
                from < end && to > start
            });
            let rank = (is_clean_range(range), range.matches('.').count());
            if best.as_ref().is_none_or(|b| rank > b.2) {
                best = Some((range.to_string(), read, rank));
            }
        }
        let Some((range, read, _)) = best else {
            continue;
        };
        let bbox = read
            .iter()
            .map(|w| w.bbox)
            .reduce(|a, b| a.union(&b))
            .unwrap_or(*spot);
        // The pieces go; a figure glued to its range (`098(7S~085)`) keeps its figure.
        for w in words.iter_mut() {
            if inside(spot, w) && is_range_part(&w.text) {
                let head = w.text.split('(').next().unwrap_or("");
                if head.chars().any(|c| c.is_ascii_digit()) && head.len() < w.text.len() {
                    let share = head.chars().count() as f32 / w.text.chars().count() as f32;
                    w.bbox.w *= share;
                    w.text = head.to_string();
                } else {
                    w.text.clear();
                }
            }
        }
        words.retain(|w| !w.text.is_empty());
        words.push(Word {
            text: range,
            bbox,
            confidence: None,
        });
    }
    words
}

/// The pixels of `clip` (a box [`clip`] returned for `page`).
fn crop(page: &GrayImage, clip: &BBox) -> GrayImage {
    image::imageops::crop_imm(
        page,
        clip.x as u32,
        clip.y as u32,
        clip.w as u32,
        clip.h as u32,
    )
    .to_image()
}

/// `img` (the crop of `clip`) scaled by `scale`, at least a pixel each way.
fn scaled(img: &GrayImage, clip: &BBox, scale: f32) -> GrayImage {
    let w = ((clip.w * scale).round() as u32).max(1);
    let h = ((clip.h * scale).round() as u32).max(1);
    preprocess::resize(img, w, h)
}

/// `region` clipped to `page` and widened to whole pixels; `None` when it is not finite
/// or less than two pixels wide or high.
fn clip(page: &GrayImage, r: &BBox) -> Option<BBox> {
    if ![r.x, r.y, r.w, r.h].iter().all(|v| v.is_finite()) {
        return None;
    }
    let (pw, ph) = (page.width() as f32, page.height() as f32);
    let x0 = r.x.clamp(0.0, pw).floor();
    let y0 = r.y.clamp(0.0, ph).floor();
    let x1 = r.right().clamp(0.0, pw).ceil();
    let y1 = r.bottom().clamp(0.0, ph).ceil();
    if x1 - x0 < 2.0 || y1 - y0 < 2.0 {
        return None;
    }
    Some(BBox {
        x: x0,
        y: y0,
        w: x1 - x0,
        h: y1 - y0,
    })
}

/// Merges a column read line by line (`--psm 6`, see [`inbody::list_column`]) into the
/// page's words.
///
/// Labels: each run of Hangul words on one line that reads as a printed label (the
/// best-matching run of its words) replaces the page's label words under it when it is
/// nearer to that label than they are together (`적 정 체중` over the page's `NHS`);
/// a label the page read as well or better stays. Figures: merged as the closer look's
/// are ([`merge_reread`]): they repair and fill gaps, they do not overrule.
pub fn merge_lines(mut words: Vec<Word>, lines: Vec<Word>) -> Vec<Word> {
    let (mut hangul, figures): (Vec<Word>, Vec<Word>) = lines
        .into_iter()
        .partition(|w| w.text.chars().any(is_hangul));
    // Runs of Hangul words on one line, left to right.
    hangul.sort_by(|a, b| a.bbox.x.total_cmp(&b.bbox.x));
    let mut runs: Vec<Vec<Word>> = Vec::new();
    for w in hangul {
        let joins = |run: &Vec<Word>| {
            run.last().is_some_and(|l| {
                let overlap = l.bbox.bottom().min(w.bbox.bottom()) - l.bbox.y.max(w.bbox.y);
                let h = l.bbox.h.max(w.bbox.h);
                overlap > 0.4 * l.bbox.h.min(w.bbox.h) && w.bbox.x - l.bbox.right() < 1.2 * h
            })
        };
        match runs.iter_mut().find(|r| joins(r)) {
            Some(run) => run.push(w),
            None => runs.push(vec![w]),
        }
    }
    let mut taken = Vec::new();
    for run in runs {
        // The part of the run that is nearest to a label (a label may be followed by
        // a misread subtitle on the same line).
        let mut best: Option<(usize, usize, &'static str, usize)> = None;
        for i in 0..run.len() {
            let mut text = String::new();
            for (j, w) in run.iter().enumerate().skip(i) {
                text.push_str(&w.text);
                if let Some((label, d)) = inbody::nearest_label(&text) {
                    if best.is_none_or(|b| d < b.3 || (d == b.3 && j - i > b.1 - b.0)) {
                        best = Some((i, j, label, d));
                    }
                }
            }
        }
        let Some((i, j, label, d)) = best else {
            continue;
        };
        let new = &run[i..=j];
        let under = |w: &Word| {
            let area = (w.bbox.w * w.bbox.h).max(1.0);
            !w.text.chars().any(|c| c.is_ascii_digit())
                && new
                    .iter()
                    .map(|n| n.bbox.overlap_area(&w.bbox))
                    .sum::<f32>()
                    > 0.3 * area
        };
        let mut old: Vec<&Word> = words.iter().filter(|w| under(w)).collect();
        old.sort_by(|a, b| a.bbox.x.total_cmp(&b.bbox.x));
        let old_text: String = old.iter().map(|w| w.text.as_str()).collect();
        if old.is_empty() || inbody::label_distance(&old_text, label) > d {
            words.retain(|w| !under(w));
            taken.extend(new.iter().cloned());
        }
    }
    // Added after all runs are placed: a tall syllable of one run may reach into the
    // next line, and must not count as that line's old reading.
    words.extend(taken);
    merge_reread(words, figures)
}

/// A word that names something rather than a figure: Hangul, or three or more Latin
/// letters without a digit (`BMI`, `Weight`).
fn is_label_word(text: &str) -> bool {
    text.chars().any(is_hangul)
        || (!text.chars().any(|c| c.is_ascii_digit())
            && text.chars().filter(|c| c.is_ascii_alphabetic()).count() >= 3)
}

/// Merges the closer look's figures into the first look's words: a re-read figure
/// replaces whatever non-label words it covers (the first look's misreads), and is
/// dropped where it lies on a label (a label read as digits).
pub fn merge_reread(mut words: Vec<Word>, figures: Vec<Word>) -> Vec<Word> {
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
    // The height of the re-read figures (of two digits or more): a "figure" under half
    // of it is a fragment of smaller print (a digit of a range read alone).
    let heights = figures
        .iter()
        .filter(|f| digits(&f.text).len() >= 2)
        .map(|f| f.bbox.h)
        .collect();
    let min_h = median(heights).map_or(0.0, |h| 0.5 * h);
    for mut f in figures {
        if f.bbox.h < min_h && f.text.chars().any(|c| c.is_ascii_digit()) {
            continue;
        }
        // The `~` of a range may stand apart (`27.0 ~ 33.0`).
        let tilde = !f.text.is_empty() && f.text.chars().all(|c| c == '~');
        let Some(text) = figure_lookalikes(&f.text).or_else(|| tilde.then(|| "~".to_string()))
        else {
            continue;
        };
        // Only the digits Tesseract printed as digits (not look-alikes).
        let printed = digits(&f.text);
        f.text = text;
        if tilde {
            // Only into a gap: a flat `~` would make every word it touches look tall.
            if !words.iter().any(|w| w.bbox.overlap_area(&f.bbox) > 0.0) {
                words.push(f);
            }
            continue;
        }
        let area = (f.bbox.w * f.bbox.h).max(1.0);
        // A word over two lines of figures is a misread blob, neither label nor figure.
        let blob = |w: &Word| w.bbox.h > 1.6 * f.bbox.h;
        // Labels it lies on, together: a label read syllable by syllable (`골 격 근`)
        // read as one row of digits overlaps each syllable only a little.
        let on_labels: f32 = words
            .iter()
            .filter(|w| is_label_word(&w.text) && !blob(w))
            .map(|w| w.bbox.overlap_area(&f.bbox))
            .sum();
        let on_label = on_labels > 0.3 * area;
        if on_label {
            continue;
        }
        let covers = |w: &Word| {
            let wa = (w.bbox.w * w.bbox.h).max(1.0);
            (blob(w) || !is_label_word(&w.text))
                && w.bbox.overlap_area(&f.bbox) > 0.3 * wa.min(area)
        };
        // What the first look read cleanly (a figure or a whole range) stays: the
        // closer look repairs misreads and fills gaps, it does not overrule.
        // (Unless the closer look read more of it: `27.3` for `7.3` (a digit lost next
        // to a label or a bar), `2.54` for `2.5`, `-9.9` for `9.9`. A tail of look-alikes does not count:
        // it is more often a unit read as a digit, `1170l` for `1170 kcal`.)
        let fd = digits(&f.text);
        let clean = words.iter().filter(|w| covers(w) && !blob(w)).any(|w| {
            let t = strip_unit(&w.text);
            let td = digits(t);
            // Read more of it means around it: with its decimal point where it was
            // (`-7.2` read `-729`, its unit taken for a 9, is not more of `-7.2`), and
            // with a decimal point at all for digits added at the end (`+269` is not
            // more of `+26`: both lost the point, the closer look also read the unit).
            let as_figure = figure_lookalikes(t).unwrap_or_default();
            let around =
                !t.contains('.') || f.text.contains(as_figure.trim_start_matches(['-', '+']));
            let extended = (around
                && ((fd.len() > td.len() && fd.ends_with(&td))
                    || (printed.len() > td.len()
                        && printed.contains(&td)
                        && f.text.contains('.'))))
                // A sign the first look lost (`9.9` for `-9.9`).
                || (f.text.starts_with(['-', '+']) && !t.starts_with(['-', '+']) && fd == td)
                // A decimal point it lost (`+554` for `2.54`).
                || (f.text.contains('.') && !t.contains(['.', ',']) && fd.len() == td.len());
            !extended && (inbody::parse_number(t).is_some() || inbody::parse_range(t).is_some())
        });
        if clean {
            continue;
        }
        words.retain(|w| !covers(w));
        words.push(f);
    }
    words
}

/// A word of the closer look as the figure it shows, or `None` when it is no figure:
/// a unit after it is dropped (`1.6kg`, `156.9¢m`, `100%`), quotes around it too, and
/// the letters Tesseract's English model reads for digits in a blurred print are mapped
/// back (`$9.1` → `59.1`, `S.1S` → `5.15`, `(Q7$~OS8S)` → `(075~0585)`). The word must
/// hold a digit of its own and nothing that is neither a figure character nor such a
/// look-alike.
pub fn figure_lookalikes(word: &str) -> Option<String> {
    let trimmed = word.trim_matches(|c: char| "“”\"'‘’«»,;`".contains(c));
    let mut core = trimmed;
    for unit in ["kcal", "keal", "kg", "ke", "cm", "¢m", "em", "%"] {
        if let Some(stripped) = core.strip_suffix(unit) {
            core = stripped;
            break;
        }
    }
    if !core.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    core.chars()
        .map(|c| {
            if FIGURE_CHARS.contains(c) {
                Some(c)
            } else {
                inbody::lookalike(c)
            }
        })
        .collect()
}

#[cfg(test)]
#[path = "tesseract_tests.rs"]
mod tests;
