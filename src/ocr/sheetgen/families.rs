//! The layout families, the split between tuning and held-out sheets, and the random
//! style of one sheet (fonts, sizes, label language, range and unit forms, offsets,
//! section order). The sections themselves are drawn by [`super::sections`].
//!
//! | family | split | what it looks like |
//! |---|---|---|
//! | [`Family::Quadrant`] | tuning + held-out seeds | 370S-like: header labels above values, body-composition "stairs" table, bar charts, segmental figures as body-figure quadrants, right-hand column (score, control, research, impedance), history table |
//! | [`Family::List`] | tuning + held-out seeds | 570-like: one English (or bilingual) list, `Label value (range)` rows, segmental rows with `%` of standard, score box |
//! | [`Family::Table5`] | tuning + held-out seeds | Korean: segmental results as a five-column table (오른팔 왼팔 몸통 오른다리 왼다리) with the figure and its evaluation under each, fat as `(1.5kg)` over `178.0%`, score as one large figure |
//! | [`Family::Bars`] | held-out only | 770-like: bilingual `체중 Weight` labels, ranges under figures, segmental results as bars with `(1.5kg) 178.0%` at the bar's end |
//! | [`Family::Grid`] | held-out only | two columns, segments as rows of a ruled grid (lean kg, evaluation, fat kg, %), `a-b` ranges |

use std::collections::BTreeMap;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use super::canvas::Canvas;
use super::person::Person;
use super::sections::{Page, RangeForm, Style};
use super::{Generator, Layout, Sheet, SheetGenError};

/// Which sheets a set holds: the ones the reader is tuned on, or the ones it is
/// measured on and never debugged against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Split {
    Tuning,
    HeldOut,
}

impl Split {
    /// The seeds of the split (disjoint ranges).
    pub fn seeds(self) -> std::ops::Range<u64> {
        match self {
            Split::Tuning => 0..1_000_000,
            Split::HeldOut => 1_000_000_000..2_000_000_000,
        }
    }

    /// The split a seed belongs to (`None`: neither range).
    pub fn of_seed(seed: u64) -> Option<Split> {
        [Split::Tuning, Split::HeldOut]
            .into_iter()
            .find(|s| s.seeds().contains(&seed))
    }

    pub fn name(self) -> &'static str {
        match self {
            Split::Tuning => "tuning",
            Split::HeldOut => "held-out",
        }
    }
}

/// A layout family (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    Quadrant,
    List,
    Table5,
    Bars,
    Grid,
}

impl Family {
    pub const ALL: [Family; 5] = [
        Family::Quadrant,
        Family::List,
        Family::Table5,
        Family::Bars,
        Family::Grid,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Family::Quadrant => "quadrant",
            Family::List => "list",
            Family::Table5 => "table5",
            Family::Bars => "bars",
            Family::Grid => "grid",
        }
    }

    /// Families that only the held-out split draws (whole structural variants).
    pub fn held_out_only(self) -> bool {
        matches!(self, Family::Bars | Family::Grid)
    }

    /// The families of a split.
    pub fn of(split: Split) -> Vec<Family> {
        Family::ALL
            .into_iter()
            .filter(|f| split == Split::HeldOut || !f.held_out_only())
            .collect()
    }
}

/// A font the families draw with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Face {
    NanumGothic,
    NanumBarunGothic,
    NanumSquare,
    NanumMyeongjo,
    NanumSquareRound,
    UnDotum,
    UnBatang,
    DejaVuSans,
    DejaVuSerif,
}

impl Face {
    pub fn path(self) -> &'static str {
        match self {
            Face::NanumGothic => "/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
            Face::NanumBarunGothic => "/usr/share/fonts/truetype/nanum/NanumBarunGothic.ttf",
            Face::NanumSquare => "/usr/share/fonts/truetype/nanum/NanumSquareR.ttf",
            Face::NanumMyeongjo => "/usr/share/fonts/truetype/nanum/NanumMyeongjo.ttf",
            Face::NanumSquareRound => "/usr/share/fonts/truetype/nanum/NanumSquareRoundR.ttf",
            Face::UnDotum => "/usr/share/fonts/truetype/unfonts-core/UnDotum.ttf",
            Face::UnBatang => "/usr/share/fonts/truetype/unfonts-core/UnBatang.ttf",
            Face::DejaVuSans => "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
            Face::DejaVuSerif => "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
        }
    }

    /// Whether the face has Hangul (DejaVu has not: figures only).
    pub fn hangul(self) -> bool {
        !matches!(self, Face::DejaVuSans | Face::DejaVuSerif)
    }

    /// The label faces of a split (fonts never used in tuning are held out).
    pub fn labels(split: Split) -> &'static [Face] {
        match split {
            Split::Tuning => &[Face::NanumGothic, Face::NanumBarunGothic, Face::NanumSquare],
            Split::HeldOut => &[
                Face::NanumMyeongjo,
                Face::NanumSquareRound,
                Face::UnDotum,
                Face::UnBatang,
            ],
        }
    }

    /// The faces a split may print figures in besides its label faces.
    pub fn figures(split: Split) -> &'static [Face] {
        match split {
            Split::Tuning => &[Face::DejaVuSans],
            Split::HeldOut => &[Face::DejaVuSerif],
        }
    }

    pub fn split(self) -> Split {
        if Face::labels(Split::Tuning).contains(&self)
            || Face::figures(Split::Tuning).contains(&self)
        {
            Split::Tuning
        } else {
            Split::HeldOut
        }
    }
}

/// What one sheet is rendered from: everything else follows from the seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    pub family: Family,
    pub seed: u64,
    /// The label font (figures may use [`Spec::figure_face`]).
    pub face: Face,
    pub figure_face: Face,
}

impl Spec {
    /// The split this spec belongs to: held-out when its family, font or seed is.
    pub fn split(&self) -> Split {
        let held = self.family.held_out_only()
            || self.face.split() == Split::HeldOut
            || self.figure_face.split() == Split::HeldOut
            || Split::of_seed(self.seed) != Some(Split::Tuning);
        if held {
            Split::HeldOut
        } else {
            Split::Tuning
        }
    }

    /// `family/seed/face`, for reports.
    pub fn label(&self) -> String {
        format!("{}/{}/{:?}", self.family.name(), self.seed, self.face)
    }
}

/// `per_family` sheets of every family of `split`, with seeds from the split's range
/// and fonts from the split's faces (the same list every time).
pub fn specs(split: Split, per_family: usize) -> Vec<Spec> {
    let mut out = Vec::new();
    for (fi, family) in Family::of(split).into_iter().enumerate() {
        for i in 0..per_family as u64 {
            let seed = split.seeds().start + fi as u64 * 100_000 + i;
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed ^ 0xface);
            let labels = Face::labels(split);
            let face = labels[rng.random_range(0..labels.len())];
            let figure_face = if rng.random_bool(0.3) {
                let f = Face::figures(split);
                f[rng.random_range(0..f.len())]
            } else {
                face
            };
            out.push(Spec {
                family,
                seed,
                face,
                figure_face,
            });
        }
    }
    out
}

/// Renders a spec.
pub(super) fn render(g: &Generator, spec: &Spec) -> Result<Sheet, SheetGenError> {
    let label_font = g.face(spec.face)?;
    let figure_font = g.face(spec.figure_face)?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(spec.seed);
    let person = Person::random(&mut rng);
    let style = Style::random(spec.family, &mut rng);
    let width = 1240;
    let canvas = Canvas::new(width, 2600, rng.random_range(244..=252), &label_font);
    let mut page = Page {
        c: canvas,
        figure_font: &figure_font,
        family: spec.family,
        st: style,
        p: &person,
        truth: BTreeMap::new(),
        rng: &mut rng,
        bottom: 0.0,
    };
    match spec.family {
        Family::Quadrant => quadrant(&mut page),
        Family::List => list(&mut page),
        Family::Table5 => table5(&mut page),
        Family::Bars => bars(&mut page),
        Family::Grid => grid(&mut page),
    }
    let height = ((page.bottom + 60.0) as u32).clamp(1000, 2600);
    let truth = std::mem::take(&mut page.truth);
    let Page { c, .. } = page;
    let image = image::imageops::crop_imm(&c.img, 0, 0, width, height).to_image();
    Ok(Sheet {
        layout: Layout::Family(spec.family),
        image,
        truth,
        words: c.words,
        runs: c.runs,
        spec: Some(*spec),
    })
}

/// Runs `sections` one under the other from `y`, in the given order, with random gaps.
fn column(page: &mut Page<'_, '_>, x: f32, mut y: f32, w: f32, sections: &[Sec]) -> f32 {
    for s in sections {
        y = s.draw(page, x, y, w);
        y += page.rng.random_range(20.0..60.0);
    }
    page.bottom = page.bottom.max(y);
    y
}

/// A section a family can place.
#[derive(Debug, Clone, Copy)]
enum Sec {
    HeaderAbove,
    HeaderInline,
    BodyStairs,
    BodyList,
    MuscleFatBars,
    ObesityBars,
    MuscleFatList,
    ObesityList,
    Quadrants,
    LeanTable5,
    FatTable5,
    LeanBars,
    FatBars,
    LeanRows,
    FatRows,
    SegGrid,
    Score,
    Control,
    Research,
    History,
    Impedance,
}

impl Sec {
    fn draw(self, p: &mut Page<'_, '_>, x: f32, y: f32, w: f32) -> f32 {
        match self {
            Sec::HeaderAbove => p.header_above(x, y, w),
            Sec::HeaderInline => p.header_inline(x, y, w),
            Sec::BodyStairs => p.body_stairs(x, y, w),
            Sec::BodyList => p.body_list(x, y, w),
            Sec::MuscleFatBars => p.muscle_fat_bars(x, y, w),
            Sec::ObesityBars => p.obesity_bars(x, y, w),
            Sec::MuscleFatList => p.muscle_fat_list(x, y, w),
            Sec::ObesityList => p.obesity_list(x, y, w),
            Sec::Quadrants => p.quadrants(x, y, w),
            Sec::LeanTable5 => p.table5(x, y, w, false),
            Sec::FatTable5 => p.table5(x, y, w, true),
            Sec::LeanBars => p.seg_bars(x, y, w, false),
            Sec::FatBars => p.seg_bars(x, y, w, true),
            Sec::LeanRows => p.seg_rows(x, y, w, false),
            Sec::FatRows => p.seg_rows(x, y, w, true),
            Sec::SegGrid => p.seg_grid(x, y, w),
            Sec::Score => p.score(x, y, w),
            Sec::Control => p.control(x, y, w),
            Sec::Research => p.research(x, y, w),
            Sec::History => p.history(x, y, w),
            Sec::Impedance => p.impedance(x, y, w),
        }
    }
}

fn title_band(page: &mut Page<'_, '_>) -> f32 {
    let dy = page.rng.random_range(0.0..20.0);
    page.logo(50.0, 30.0 + dy);
    110.0 + dy
}

fn quadrant(page: &mut Page<'_, '_>) {
    let y = title_band(page);
    let dx = page.rng.random_range(0.0..30.0);
    let y = column(page, 50.0 + dx, y, 1120.0, &[Sec::HeaderAbove]);
    let mut left = vec![Sec::BodyStairs, Sec::MuscleFatBars, Sec::ObesityBars];
    left[1..].shuffle(page.rng);
    left.extend([Sec::Quadrants, Sec::History]);
    let split = page.rng.random_range(760.0..820.0);
    column(page, 50.0 + dx, y, split - 80.0, &left);
    let mut right = vec![Sec::Score, Sec::Control, Sec::Research, Sec::Impedance];
    right[..3].shuffle(page.rng);
    column(page, split, y, 1200.0 - split, &right);
}

fn list(page: &mut Page<'_, '_>) {
    let y = title_band(page);
    let dx = page.rng.random_range(0.0..40.0);
    let box_x = page.rng.random_range(780.0..840.0);
    column(page, box_x, y, 1200.0 - box_x, &[Sec::Score, Sec::Control]);
    let y = column(page, 50.0 + dx, y, box_x - 90.0, &[Sec::HeaderInline]);
    let y = y.max(page.bottom - 20.0);
    let mut secs = vec![Sec::BodyList, Sec::MuscleFatList, Sec::ObesityList];
    secs[1..].shuffle(page.rng);
    secs.extend([Sec::LeanRows, Sec::FatRows, Sec::Research, Sec::Impedance]);
    column(page, 50.0 + dx, y, 1100.0, &secs);
}

fn table5(page: &mut Page<'_, '_>) {
    let y = title_band(page);
    let dx = page.rng.random_range(0.0..30.0);
    let y = column(page, 50.0 + dx, y, 1100.0, &[Sec::HeaderInline]);
    let split = page.rng.random_range(740.0..800.0);
    let mut left = vec![Sec::BodyList, Sec::MuscleFatBars, Sec::ObesityBars];
    left.shuffle(page.rng);
    left.extend([Sec::LeanTable5, Sec::FatTable5, Sec::History]);
    column(page, 50.0 + dx, y, split - 70.0, &left);
    let mut right = vec![Sec::Score, Sec::Control, Sec::Research];
    right.shuffle(page.rng);
    column(page, split, y, 1200.0 - split, &right);
}

fn bars(page: &mut Page<'_, '_>) {
    let y = title_band(page);
    let dx = page.rng.random_range(0.0..30.0);
    let y = column(page, 50.0 + dx, y, 1100.0, &[Sec::HeaderAbove]);
    let split = page.rng.random_range(780.0..830.0);
    let mut right = vec![Sec::Score, Sec::Control, Sec::Research, Sec::Impedance];
    right.shuffle(page.rng);
    column(page, split, y, 1200.0 - split, &right);
    let left = [
        Sec::BodyList,
        Sec::MuscleFatBars,
        Sec::ObesityBars,
        Sec::LeanBars,
        Sec::FatBars,
        Sec::History,
    ];
    column(page, 50.0 + dx, y, split - 80.0, &left);
}

fn grid(page: &mut Page<'_, '_>) {
    let y = title_band(page);
    let dx = page.rng.random_range(0.0..30.0);
    let y = column(page, 50.0 + dx, y, 1100.0, &[Sec::HeaderInline]);
    let split = page.rng.random_range(620.0..680.0);
    let mut left = vec![Sec::BodyList, Sec::MuscleFatList, Sec::ObesityList];
    left.shuffle(page.rng);
    left.push(Sec::SegGrid);
    column(page, 50.0 + dx, y, split - 80.0, &left);
    let mut right = vec![
        Sec::Score,
        Sec::Control,
        Sec::Research,
        Sec::History,
        Sec::Impedance,
    ];
    right.shuffle(page.rng);
    column(page, split, y, 1200.0 - split, &right);
}

impl Style {
    /// A random style for a sheet of `family`.
    pub fn random(family: Family, rng: &mut impl Rng) -> Style {
        use super::sections::Lang;
        let lang = match family {
            Family::Quadrant => [Lang::KoSub, Lang::Ko][rng.random_range(0..2)],
            Family::List => [Lang::En, Lang::En, Lang::KoEn][rng.random_range(0..3)],
            Family::Table5 => [Lang::Ko, Lang::Ko, Lang::KoSub][rng.random_range(0..3)],
            Family::Bars => Lang::KoEn,
            Family::Grid => [Lang::En, Lang::KoEn, Lang::Ko][rng.random_range(0..3)],
        };
        let range = match family {
            Family::Grid => RangeForm::Dash,
            _ => [
                RangeForm::Tilde,
                RangeForm::TildeSpaced,
                RangeForm::Dash,
                RangeForm::Bare,
            ][rng.random_range(0..4)],
        };
        let px = rng.random_range(20.0..25.0);
        Style {
            lang,
            range,
            range_under: match family {
                Family::Bars => true,
                Family::Grid => false,
                _ => rng.random_bool(0.5),
            },
            unit_glued: rng.random_bool(0.5),
            sign_spaced: rng.random_bool(0.5),
            px,
            fig_px: px + rng.random_range(0.0..4.0),
            fat_percent: match family {
                Family::Bars | Family::Table5 => true,
                Family::List | Family::Grid => rng.random_bool(0.7),
                Family::Quadrant => false,
            },
            ink: rng.random_range(10..50),
        }
    }
}
