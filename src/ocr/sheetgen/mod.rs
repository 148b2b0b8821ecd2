//! A generator of InBody-like result sheets with known values, for the tests and the
//! accuracy command (the service never calls it).
//!
//! # What it owns
//! - [`Generator::sheet`] with a [`Layout`]: the first generator's two layouts
//!   ([`legacy`]: the real sample's InBody370S layout, an InBody570-like English list),
//!   unchanged so the floors of `tests/ocr.rs` keep measuring the same sheets.
//! - [`Generator::render`] with a [`Spec`]: the layout FAMILIES of issue 16
//!   ([`families`]), each drawn with random placement, fonts, sizes, label languages,
//!   range and unit forms, and distractor tables (history, impedance) full of figures
//!   that are no field. Figures come from [`person`], consistent with the sheet's own
//!   arithmetic and printed at each field's printed decimals.
//! - [`degrade`]: named degradations ([`Kind`]) and the first generator's mix.
//! - [`vision`]: the words of a sheet tokenised as Google Vision returns them, and an
//!   `images:annotate` answer built from them.
//!
//! # The split (issue 16: evaluation you cannot fit)
//! The reader is tuned on [`Split::Tuning`] only; [`Split::HeldOut`] is what the
//! accuracy command reports and what the floors sit on. Nobody debugs against it.
//!
//! | | families | fonts | seeds |
//! |---|---|---|---|
//! | [`Split::Tuning`] | [`Family::Quadrant`], [`Family::List`], [`Family::Table5`] | NanumGothic, NanumBarunGothic, NanumSquare (+ DejaVu Sans for figures) | `0..1_000_000` |
//! | [`Split::HeldOut`] | all five: the three above **and** [`Family::Bars`], [`Family::Grid`] (whole structural variants never tuned on) | NanumMyeongjo, NanumSquareRound, UnDotum/UnBatang (`fonts-unfonts-core`), DejaVu Serif for figures: never used in tuning | `1_000_000_000..` |
//!
//! A held-out sheet therefore differs from every tuning sheet in its seed (its
//! figures and placement) and its font, and for two families of five in its whole
//! structure. [`specs`] lists a split's sheets; [`Spec::split`] says which split a
//! spec belongs to, so a test can assert it tunes on tuning specs only.
//!
//! # API (stable: added to, never renamed)
//! ```text
//! Generator::new() -> Result<Generator, SheetGenError>
//! Generator::sheet(&self, Layout, seed) -> Sheet                      // old layouts
//! Generator::render(&self, &Spec) -> Result<Sheet, SheetGenError>     // families
//! specs(Split, per_family: usize) -> Vec<Spec>    // Spec { family, seed, face }
//! Family::ALL, Family::name(), Family::held_out_only()
//! Sheet { layout, image, truth: BTreeMap<String, inbody::Field>, words, runs, spec }
//! vision::words(&Sheet) -> Vec<Word>           // tokenised as Google Vision does
//! vision::lines(&Sheet) -> Vec<Vec<Word>>       // the same, one list per printed line
//! vision::annotate_answer(&lines, w, h) -> serde_json::Value   // an images:annotate answer
//! Kind::ALL, Kind::name(), degrade::apply(&GrayImage, Kind, seed) -> Result<Vec<u8>, _>
//! person::arithmetic_errors(&truth) -> Vec<String>   // the sheet's own identities
//! ```
//! Truth is keyed by the JSON names of `inbody::FIELDS`; every family prints all 32.
//! `examples/ocr_sheets` writes tuning sheets to look at; `examples/ocr_accuracy`
//! measures the reader (held-out by default); `docs/ocr-evaluation.md` has the
//! figures.

pub mod canvas;
pub mod degrade;
pub mod families;
mod legacy;
pub mod person;
pub mod sections;
pub mod vision;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use ab_glyph::FontVec;
use image::GrayImage;

pub use degrade::{degrade, Degradation, Kind};
pub use families::{specs, Face, Family, Spec, Split};

use super::inbody::Field;
use super::Word;

/// Where Debian's `fonts-nanum` puts the font the first generator uses.
pub const FONT_PATH: &str = "/usr/share/fonts/truetype/nanum/NanumGothic.ttf";

/// Errors of the generator.
#[derive(Debug, thiserror::Error)]
pub enum SheetGenError {
    #[error("cannot read the font {path} (Debian: apt-get install fonts-nanum fonts-unfonts-core): {source}")]
    Font {
        path: String,
        source: std::io::Error,
    },
    #[error("the font {0} is not a usable TrueType font")]
    BadFont(String),
    #[error("encoding the picture: {0}")]
    Encode(String),
}

/// Which layout a sheet has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// The real sample's layout, Korean.
    InBody370S,
    /// A one-column list in English, as the InBody570 prints it.
    InBody570,
    /// A sheet of one of the families of [`Generator::render`].
    Family(Family),
}

/// A generated sheet.
pub struct Sheet {
    pub layout: Layout,
    pub image: GrayImage,
    /// Every field printed on the sheet, as printed.
    pub truth: BTreeMap<String, Field>,
    /// The words drawn (split at spaces) and their boxes.
    pub words: Vec<Word>,
    /// Every text run drawn, glyph by glyph ([`vision::words`] tokenises them).
    pub runs: Vec<canvas::Run>,
    /// What it was rendered from (`None` for the first generator's layouts).
    pub spec: Option<Spec>,
}

impl Sheet {
    /// The picture as PNG bytes.
    pub fn png(&self) -> Result<Vec<u8>, SheetGenError> {
        encode_png(&self.image)
    }
}

/// PNG bytes of a grey picture.
pub fn encode_png(img: &GrayImage) -> Result<Vec<u8>, SheetGenError> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| SheetGenError::Encode(e.to_string()))?;
    Ok(out.into_inner())
}

/// Loads a TrueType font.
pub fn load_font(path: &Path) -> Result<FontVec, SheetGenError> {
    let bytes = std::fs::read(path).map_err(|source| SheetGenError::Font {
        path: path.display().to_string(),
        source,
    })?;
    FontVec::try_from_vec(bytes).map_err(|_| SheetGenError::BadFont(path.display().to_string()))
}

/// The generator: the first generator's font, and the families' fonts loaded on first
/// use.
pub struct Generator {
    font: FontVec,
    faces: Mutex<BTreeMap<Face, Arc<FontVec>>>,
}

impl Generator {
    /// Loads the Korean font from [`FONT_PATH`].
    pub fn new() -> Result<Generator, SheetGenError> {
        Self::with_font(Path::new(FONT_PATH))
    }

    pub fn with_font(path: &Path) -> Result<Generator, SheetGenError> {
        Ok(Generator {
            font: load_font(path)?,
            faces: Mutex::new(BTreeMap::new()),
        })
    }

    /// A clean sheet of the first generator's `layout` with random figures from `seed`.
    pub fn sheet(&self, layout: Layout, seed: u64) -> Sheet {
        legacy::sheet(self, layout, seed)
    }

    /// The font of `face`, loaded once.
    pub fn face(&self, face: Face) -> Result<Arc<FontVec>, SheetGenError> {
        let mut faces = self.faces.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(f) = faces.get(&face) {
            return Ok(f.clone());
        }
        let f = Arc::new(load_font(Path::new(face.path()))?);
        faces.insert(face, f.clone());
        Ok(f)
    }

    /// A clean sheet of a family, as `spec` says.
    pub fn render(&self, spec: &Spec) -> Result<Sheet, SheetGenError> {
        families::render(self, spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ocr::inbody::FIELDS;

    #[test]
    fn every_family_prints_all_fields_consistent_with_the_sheets_arithmetic() {
        let g = Generator::new().expect("fonts-nanum is installed (scripts/test-all)");
        for split in [Split::Tuning, Split::HeldOut] {
            for spec in specs(split, 2) {
                let sheet = g.render(&spec).expect("fonts of the split are installed");
                let names: Vec<&str> = sheet.truth.keys().map(String::as_str).collect();
                let mut want: Vec<&str> = FIELDS.to_vec();
                want.sort();
                assert_eq!(names, want, "{}", spec.label());
                let errors = person::arithmetic_errors(&sheet.truth);
                assert!(errors.is_empty(), "{}: {errors:#?}", spec.label());
                // Every figure of the truth is drawn: some word holds its digits.
                for (name, f) in &sheet.truth {
                    if let Some(v) = f.value.as_f64() {
                        let printed = person::print(name, v.abs());
                        assert!(
                            sheet.words.iter().any(|w| w.text.contains(&printed)),
                            "{}: {name} = {printed} is drawn",
                            spec.label()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_split_keeps_families_fonts_and_seeds_apart() {
        let tuning = specs(Split::Tuning, 5);
        let held = specs(Split::HeldOut, 5);
        assert!(tuning.iter().all(|s| s.split() == Split::Tuning));
        assert!(held.iter().all(|s| s.split() == Split::HeldOut));
        assert!(tuning.iter().all(|s| !s.family.held_out_only()));
        assert!(held.iter().any(|s| s.family.held_out_only()));
        for h in &held {
            assert!(tuning.iter().all(|t| t.seed != h.seed && t.face != h.face));
        }
        assert_eq!(held.len(), 5 * Family::ALL.len());
    }

    #[test]
    fn the_same_spec_draws_the_same_sheet() {
        let g = Generator::new().expect("fonts-nanum");
        let spec = specs(Split::Tuning, 1)[1];
        let (a, b) = (g.render(&spec).expect("a"), g.render(&spec).expect("b"));
        assert_eq!(a.image, b.image);
        assert_eq!(a.truth, b.truth);
    }
}
