//! The InBody parser: words with boxes → a typed report (`../shared/design/INBODY.md`).
//!
//! Pure: no I/O, no engine knowledge. It anchors on printed labels (Korean and
//! English), compares them at the level of Hangul jamo so OCR misreads cost little
//! (척정체중 is one jamo away from 적정체중), and takes the figure next to a label by
//! geometry — to its right on the same row, or directly below — never by fixed pixel
//! boxes, so other models and photos at other scales work. Labels are searched inside
//! the sheet's sections (found by their headings) so that `BMI` in the obesity chart
//! is not confused with `BMI` in the body-type chart.
//!
//! Figures that disagree with each other become `warnings`; nothing is "fixed".
//!
//! # What it owns
//! The field specifications ([`SPECS`]: which section a field's label is printed in,
//! and whether its figure may be under it), the figure a label takes
//! (`Ctx::value_for`) with its range, and [`parse`], which runs the steps of its
//! child modules in order:
//! - `page`: the page model (words and their neighbours on a line) and the label
//!   search;
//! - `sections`: the sections found by their headings, and the regions the engine
//!   reads again ([`reread_regions`], [`list_column`]);
//! - `rows`: figures tied to labels by list and table structure (rows in order,
//!   pitched rows, the body-composition columns) and the controls' signs;
//! - `segments`: the segmental figures (five-column table, labelled rows, body-figure
//!   quadrants);
//! - `header`: `sex`, `tested_at` and the printed model;
//! - `layout`: the page's structure from words alone (lines, tokens, columns, header
//!   rows and their cells);
//! - `models`: what one model prints its own way, a row of a table keyed by the
//!   printed model.

use std::collections::BTreeMap;

use super::fields::Field as F;
use super::figures::{could_be, numbers, parse_range_as, repair, value_as, Num};
pub use super::figures::{decimals, lookalike, parse_number, parse_range};
pub use super::report::{body_type, BodyType, Reading, Reading as Field, Report, Value};
use super::{BBox, Word};

mod header;
mod layout;
mod models;
mod page;
mod rows;
mod sections;
mod segments;

use header::{detect_model, header_text_fields, score_by_value};
pub use header::{header_spots, parse_datetime};
pub(crate) use layout::is_unit;
pub(crate) use page::is_hangul;
use page::{cost, jamo, levenshtein, primary, tolerance, Hit, Page};
use rows::{
    body_composition_columns, control_signs, pitched_rows, ranges_elsewhere, rows_in_order,
};
pub use sections::{list_column, reread_regions};
use sections::{sections, SECTIONS};
use segments::{segment_rows, segment_tables, segmental, unheaded_rows, SEGMENTS};

/// Every field of the report, in the contract's order.
pub const FIELDS: &[&str] = &super::fields::NAMES;
// ---------------------------------------------------------------------------------
// Field specifications

#[derive(Clone, Copy, PartialEq)]
enum Look {
    /// Same row to the right, else directly below.
    RightOrBelow,
    /// Same row to the right only (rows of a list whose heading has the same name).
    Right,
}

struct Spec {
    field: F,
    /// Sections to search in, in order; when none of them was found, the whole page.
    sections: &'static [&'static str],
    look: Look,
}

const SPECS: &[Spec] = &[
    Spec {
        field: F::TotalBodyWater,
        sections: &["body_comp"],
        look: Look::Right,
    },
    Spec {
        field: F::Protein,
        sections: &["body_comp"],
        look: Look::Right,
    },
    Spec {
        field: F::Minerals,
        sections: &["body_comp"],
        look: Look::Right,
    },
    Spec {
        field: F::BodyFatMass,
        sections: &["body_comp", "muscle_fat"],
        look: Look::Right,
    },
    Spec {
        field: F::MuscleMass,
        sections: &["body_comp"],
        look: Look::RightOrBelow,
    },
    Spec {
        field: F::FatFreeMass,
        sections: &["body_comp"],
        look: Look::RightOrBelow,
    },
    Spec {
        field: F::Weight,
        sections: &["body_comp", "muscle_fat"],
        look: Look::Right,
    },
    Spec {
        field: F::SkeletalMuscleMass,
        sections: &["muscle_fat", "body_comp"],
        look: Look::Right,
    },
    Spec {
        field: F::Bmi,
        sections: &["obesity"],
        look: Look::Right,
    },
    Spec {
        field: F::PercentBodyFat,
        sections: &["obesity"],
        look: Look::Right,
    },
    Spec {
        field: F::InBodyScore,
        sections: &[],
        look: Look::RightOrBelow,
    },
    Spec {
        field: F::TargetWeight,
        sections: &["weight_control"],
        look: Look::Right,
    },
    Spec {
        field: F::WeightControl,
        sections: &["weight_control"],
        look: Look::Right,
    },
    Spec {
        field: F::FatControl,
        sections: &["weight_control"],
        look: Look::Right,
    },
    Spec {
        field: F::MuscleControl,
        sections: &["weight_control"],
        look: Look::Right,
    },
    Spec {
        field: F::BasalMetabolicRate,
        sections: &["research"],
        look: Look::Right,
    },
    Spec {
        field: F::WaistHipRatio,
        sections: &["research"],
        look: Look::Right,
    },
    Spec {
        field: F::VisceralFatLevel,
        sections: &["research"],
        look: Look::Right,
    },
    Spec {
        field: F::Height,
        sections: &[],
        look: Look::RightOrBelow,
    },
    Spec {
        field: F::Age,
        sections: &[],
        look: Look::RightOrBelow,
    },
];

// ---------------------------------------------------------------------------------
// The parser

struct Ctx<'a> {
    page: Page<'a>,
    /// What the sheet's model prints its own way.
    model: &'static models::ModelLayout,
    nums: Vec<Num>,
    sections: BTreeMap<&'static str, BBox>,
    all: BBox,
    /// The fields [`Ctx::field`] gave a figure whose decimal point it restored, and
    /// that figure.
    restored: std::cell::RefCell<BTreeMap<String, f64>>,
}

impl Ctx<'_> {
    /// The regions to search for a field, in order.
    fn regions(&self, names: &[&str]) -> Vec<BBox> {
        let found: Vec<BBox> = names
            .iter()
            .filter_map(|n| self.sections.get(n).copied())
            .collect();
        if found.is_empty() {
            vec![self.all]
        } else {
            found
        }
    }

    /// The figure belonging to a label: same row to the right (nearest, skipping chart
    /// scales), else directly below.
    fn value_for(&self, name: &str, hit: &Hit, look: Look, region: &BBox) -> Option<&Num> {
        let h = hit.h;
        // A bar chart prints its figure a little below the label's line; a header
        // prints the next field's value on the next line, so only `Right` looks low.
        let (band_top, band_bottom) = match look {
            Look::Right => (hit.bbox.y - 0.3 * h, hit.bbox.bottom() + 1.0 * h),
            Look::RightOrBelow => (hit.bbox.y - 0.4 * h, hit.bbox.bottom() + 0.4 * h),
        };
        // A label that is also a section's heading (`Weight Control`), found where
        // that section starts, is the heading: it takes a figure on its own line only,
        // never the first row's under it.
        let heading = SECTIONS.iter().any(|(section, aliases)| {
            let field = super::fields::Field::from_name(name);
            field.is_some_and(|f| f.labels().any(|l| aliases.contains(&l)))
                && self.sections.get(section).is_some_and(|r| {
                    hit.bbox.y >= r.y - h
                        && hit.bbox.y - r.y < 1.5 * h
                        && hit.bbox.x >= r.x - h
                        && hit.bbox.x < r.x + 8.0 * h
                })
        });
        let band_bottom = if heading {
            band_bottom.min(hit.bbox.bottom() + 0.2 * h)
        } else {
            band_bottom
        };
        // A figure a line lower is the next row's where that row has a label of its
        // own in this label's column, in its script (a heading that is also a row's
        // label, `체중조절` over `적정체중 54.9 kg`, takes nothing of the row under
        // it; a bar chart's English subtitle under its Korean label is no row).
        let hangul = |t: &str| t.chars().any(is_hangul);
        let label_hangul = self
            .page
            .words
            .iter()
            .find(|w| w.bbox.x == hit.bbox.x && page::same_line(&w.bbox, &hit.bbox))
            .is_some_and(|w| hangul(&w.text));
        // An English subtitle printed under its Korean label (`Total Body Water`
        // under `체수분`, that label misread past matching) names the row of the label
        // over it: its figure is on that line.
        let band_top = if look == Look::Right && !label_hangul {
            self.page
                .words
                .iter()
                .filter(|w| {
                    hangul(&w.text)
                        && w.bbox.h >= 0.9 * hit.bbox.h
                        && (w.bbox.x - hit.bbox.x).abs() < 1.5 * h
                        && w.bbox.bottom() <= hit.bbox.y + 0.3 * h
                        && hit.bbox.y - w.bbox.bottom() < 0.8 * h
                })
                .map(|w| w.bbox.y - 0.3 * w.bbox.h)
                .fold(band_top, f32::min)
        } else {
            band_top
        };
        let own_row = |n: &Num| {
            !page::same_line(&n.bbox, &hit.bbox)
                && self.page.words.iter().any(|w| {
                    (w.bbox.x - hit.bbox.x).abs() < 1.5 * h
                        && hangul(&w.text) == label_hangul
                        && w.bbox.y >= hit.bbox.bottom() - 0.2 * h
                        && page::same_line(&w.bbox, &n.bbox)
                })
        };
        let right: Vec<&Num> = self
            .nums
            .iter()
            .filter(|n| {
                n.bbox.x >= hit.bbox.right() - 1.0
                    && n.bbox.cy() >= band_top
                    && n.bbox.cy() <= band_bottom
                    && n.bbox.x <= region.right()
                    && !own_row(n)
            })
            .collect();
        // Chart scales (55 70 85 100 ...) print many figures on one line; the figure
        // itself stands alone on its line.
        let alone: Vec<&Num> = right
            .iter()
            .copied()
            .filter(|n| {
                right
                    .iter()
                    .filter(|m| (m.bbox.cy() - n.bbox.cy()).abs() < 0.35 * n.bbox.h.max(m.bbox.h))
                    .count()
                    < 4
            })
            // After the scale test: a scale's ticks stay a scale even when some of
            // them could not be this field's figure.
            .filter(|n| could_be(name, n))
            .collect();
        // Nearest to the right, but a figure on the label's own line beats one a
        // little lower (the next row of a list); a bar chart's figure, lower but much
        // nearer than anything else on the line, still wins.
        let cost =
            |n: &Num| (n.bbox.x - hit.bbox.right()) + 3.0 * (n.bbox.cy() - hit.bbox.cy()).abs();
        if let Some(n) = alone.iter().min_by(|a, b| cost(a).total_cmp(&cost(b))) {
            return Some(n);
        }
        if look == Look::Right {
            return None;
        }
        self.nums
            .iter()
            .filter(|n| {
                could_be(name, n)
                    && n.bbox.y > hit.bbox.cy()
                    // In lines of the larger print: a column header is often
                    // printed smaller than the figures under it.
                    && n.bbox.y - hit.bbox.bottom() < 2.5 * h.max(n.bbox.h)
                    && n.bbox.x < hit.bbox.right() + 2.0 * h
                    && n.bbox.right() > hit.bbox.x - 1.0 * h
            })
            .min_by(|a, b| {
                (a.bbox.y - hit.bbox.bottom())
                    .total_cmp(&(b.bbox.y - hit.bbox.bottom()))
                    .then(a.bbox.x.total_cmp(&b.bbox.x))
            })
    }

    /// [`Ctx::reading`] of a figure the field is given: a restored decimal point is
    /// remembered for the report.
    fn field(&self, name: &str, num: &Num) -> Field {
        let f = self.reading(name, num);
        if let Some(x) = f
            .value
            .as_f64()
            .filter(|_| num.read_decimals == 0 && num.score.is_none())
        {
            if x.abs() != num.value.abs() {
                self.restored.borrow_mut().insert(name.to_string(), x);
            }
        }
        f
    }

    /// A field's figure and range, in the field's print format.
    fn reading(&self, name: &str, num: &Num) -> Field {
        let printed = decimals(name);
        let field = super::fields::Field::from_name(name);
        // Only the control figures print a sign; a mark OCR put before any other
        // figure is not one.
        let value = match field {
            Some(f) => value_as(f, num),
            None => repair(num.value, num.read_decimals, printed),
        };
        Field {
            value: Value::Number(value),
            range: self.range_for(field, num, printed),
        }
    }

    /// Whether `w` is printed directly under a figure of another column than `num`'s
    /// (a table prints each column's range under its figure: the range beside a row's
    /// figure may be the next column's).
    fn under_another(&self, w: &Word, num: &Num) -> bool {
        self.nums.iter().any(|m| {
            // A range's end above is no column's figure (`0.80 ~ 0.90` over `1 ~ 9`),
            // and a figure above in this figure's own column is the previous row's
            // (a list's wider `0.94` over this row's `1 ~ 9`).
            !m.ranged
                && m.bbox != num.bbox
                && (m.bbox.x > num.bbox.right() || m.bbox.right() < num.bbox.x)
                && m.bbox.bottom() <= w.bbox.y + 0.3 * m.bbox.h
                && w.bbox.y - m.bbox.bottom() < 1.2 * m.bbox.h
                && m.bbox.x < w.bbox.right()
                && m.bbox.right() > w.bbox.x
        })
    }

    /// A `(lo ~ hi)` printed right after (to the right of, or under) a figure.
    fn range_for(
        &self,
        field: Option<super::fields::Field>,
        num: &Num,
        printed: Option<usize>,
    ) -> Option<[f64; 2]> {
        // A range's own end has no range of its own: the range under it is the next
        // row's or column's (`(36.7 ~ 44.8)` over the weight's `(45.0 ~ 60.8)`).
        if num.ranged {
            return None;
        }
        // A range is the field's normal values: ends the field cannot take (a ratio's
        // `0.75 ~ 0.85` read as `7 ~ 85`) are a misreading, and no range beats a
        // wrong one.
        let plausible = |r: &[f64; 2]| field.is_none_or(|f| r.iter().all(|x| f.plausible(*x)));
        let h = num.bbox.h.max(1.0);
        let mut candidates: Vec<&Word> = self
            .page
            .words
            .iter()
            .filter(|w| {
                let below = w.bbox.y >= num.bbox.cy()
                    && w.bbox.y - num.bbox.bottom() < 1.2 * h
                    && w.bbox.right() > num.bbox.x - 2.5 * h
                    && w.bbox.x < num.bbox.right() + 2.5 * h;
                let right = (w.bbox.cy() - num.bbox.cy()).abs() < 0.7 * h
                    && w.bbox.x >= num.bbox.right() - 1.0
                    && w.bbox.x - num.bbox.right() < 12.0 * h
                    && !self.under_another(w, num);
                below || right
            })
            .collect();
        // Rows first (by height on the page), then each row left to right: sorting by
        // a rounded height put a `~` a pixel lower after the figure it separates.
        candidates.sort_by(|a, b| a.bbox.cy().total_cmp(&b.bbox.cy()));
        let mut rows: Vec<(f32, Vec<&Word>)> = Vec::new();
        for w in candidates {
            match rows
                .iter_mut()
                .find(|(cy, _)| (cy - w.bbox.cy()).abs() < 0.5 * h)
            {
                Some((_, row)) => row.push(w),
                None => rows.push((w.bbox.cy(), vec![w])),
            }
        }
        // Join the words of each row and look for `(a ~ b)`: each run of words
        // without a column gap on its own (the next column's text on the row, a
        // score's note beside a range column, is no part of the range).
        let rows: Vec<(f32, String)> = rows
            .into_iter()
            .flat_map(|(cy, mut row)| {
                row.sort_by(|a, b| a.bbox.x.total_cmp(&b.bbox.x));
                let mut runs: Vec<(f32, String)> = Vec::new();
                let mut end = f32::MIN;
                for w in row {
                    match runs.last_mut() {
                        Some((_, text)) if w.bbox.x - end <= 1.2 * h => text.push_str(&w.text),
                        _ => runs.push((cy, w.text.clone())),
                    }
                    end = end.max(w.bbox.right());
                }
                runs
            })
            .collect();
        rows.iter()
            .find_map(|(_, text)| parse_range_as(range_text(text)?, printed).filter(plausible))
            .or_else(|| {
                // A bare range (`1~9`) whose `~` was read as a dash: one word
                // `1-9`, a figure each side of its only dash (not a date, no sign).
                rows.iter()
                    .filter(|(_, text)| is_bare_dash_range(text))
                    .find_map(|(_, text)| parse_range_as(text, printed).filter(plausible))
            })
            .or_else(|| {
                // And one whose `~` was read as a point: `5.9.7.2` for 5.9~7.2.
                rows.iter()
                    .find_map(|(_, text)| point_range(text))
                    .filter(plausible)
            })
    }
}

/// Whether `text` is a bare range read with a dash for its `~`: `1-9`, `0.80-0.90`,
/// digits (and a decimal point) either side of one dash, nothing else.
fn is_bare_dash_range(text: &str) -> bool {
    let figure = |f: &str| {
        f.starts_with(|c: char| c.is_ascii_digit())
            && f.ends_with(|c: char| c.is_ascii_digit())
            && f.chars().all(|c| c.is_ascii_digit() || c == '.')
            && f.matches('.').count() <= 1
    };
    text.split_once('-')
        .is_some_and(|(a, b)| figure(a) && figure(b))
}

/// A range read with a point for its `~` (bracketed or bare): four groups of digits between three
/// points (`34.8.42.5`), the ends the first two and the last two, low before high (a
/// date `2016.05.04.09` is none).
fn point_range(text: &str) -> Option<[f64; 2]> {
    let groups: Vec<&str> = text
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .split('.')
        .collect();
    if groups.len() != 4
        || groups
            .iter()
            .any(|g| g.is_empty() || g.len() > 3 || !g.chars().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let lo: f64 = format!("{}.{}", groups[0], groups[1]).parse().ok()?;
    let hi: f64 = format!("{}.{}", groups[2], groups[3]).parse().ok()?;
    (lo < hi).then_some([lo, hi])
}

/// The `(a ~ b)` part of a line of text: from its `(` (or, when the `(` was lost, from
/// the start of a text that still has its `~`) to its `)` or the end.
pub fn range_text(text: &str) -> Option<&str> {
    // Without its opening bracket, a range still has its tilde, or a lookalike of it
    // between two digits (`33.1=40.4)`).
    let c: Vec<char> = text.chars().collect();
    let tilde = text.contains(['~', '～', '∼'])
        || c.windows(3)
            .any(|w| matches!(w[1], '=' | '≈') && w[0].is_ascii_digit() && w[2].is_ascii_digit());
    let start = text.find('(').or_else(|| tilde.then_some(0))?;
    let end = text[start..]
        .find(')')
        .map_or(text.len(), |e| start + e + 1);
    Some(&text[start..end])
}

/// Parses the words of one page.
pub fn parse(words: &[Word]) -> Report {
    parse_with(words, true)
}

/// The fields found beside their labels only: what [`parse`] reads before the sheet's
/// equalities fill or correct any (see [`super::choose::by_identity`]). Deciding what
/// a closer look should read again takes this: a field an equality filled was still
/// not found where it is printed.
pub fn parse_by_labels(words: &[Word]) -> Report {
    parse_with(words, false)
}

fn parse_with(words: &[Word], identities: bool) -> Report {
    let joined = super::figures::join_split_points(words);
    let words: &[Word] = joined.as_deref().unwrap_or(words);
    let page = Page::new(words);
    let all = page.bounds();
    let sections = sections(&page);
    let model = detect_model(words);
    let ctx = Ctx {
        model: models::layout_for(model.as_deref()),
        nums: numbers(words),
        page,
        sections,
        all,
        restored: Default::default(),
    };
    let mut fields: BTreeMap<String, Field> = BTreeMap::new();
    // Figures already given to a field, so a column rule does not reuse them.
    let mut used: Vec<BBox> = Vec::new();
    // Where each field's figure was found.
    let mut placed: BTreeMap<&'static str, BBox> = BTreeMap::new();
    // How far each field's figure is from its label (see [`cost`]).
    let mut costs: BTreeMap<&'static str, f32> = BTreeMap::new();

    for spec in SPECS {
        let (name, aliases) = (spec.field.name(), spec.field.labels().collect::<Vec<_>>());
        for region in ctx.regions(spec.sections) {
            // Of all places the label is printed (a table's column header and its row
            // label, say), the one with the nearest figure; better label matches first.
            let mut hits = primary(ctx.page.find_label(&aliases, &region));
            hits.retain(|h| !another_label(&ctx.page, h, spec.field));
            let best_dist = hits.first().map(|h| h.dist);
            // Of equally good labels, one whose figure reads as printed beats one
            // whose figure lost its decimal point (a table's column head with a stray
            // `287` beside it, the row label's `46.3`), then the nearer.
            let lost_point =
                |n: &Num| spec.field.decimals().is_some_and(|d| d > 0) && n.read_decimals == 0;
            let best = hits
                .iter()
                .filter(|h| Some(h.dist) == best_dist)
                .filter_map(|h| {
                    ctx.value_for(name, h, spec.look, &region)
                        .map(|n| (cost(h, n), n))
                })
                .min_by(|a, b| {
                    lost_point(a.1)
                        .cmp(&lost_point(b.1))
                        .then(a.0.total_cmp(&b.0))
                })
                .or_else(|| {
                    hits.iter()
                        .filter_map(|h| {
                            ctx.value_for(name, h, spec.look, &region)
                                .map(|n| (cost(h, n), n))
                        })
                        .min_by(|a, b| a.0.total_cmp(&b.0))
                });
            if let Some((c, num)) = best {
                fields.insert(name.to_string(), ctx.field(name, num));
                used.push(num.bbox);
                placed.insert(name, num.bbox);
                costs.insert(name, c);
                break;
            }
        }
    }
    // One printed figure is one field's. Two labels that took the same figure (a row
    // whose own figure was unreadable took the next row's) leave it to the nearer one.
    let names: Vec<&'static str> = placed.keys().copied().collect();
    for a in &names {
        for b in &names {
            let (Some(pa), Some(pb)) = (placed.get(a), placed.get(b)) else {
                continue;
            };
            if a != b && pa == pb && costs.get(a) > costs.get(b) {
                fields.remove(*a);
                placed.remove(a);
            }
        }
    }

    body_composition_columns(&ctx, &mut fields, &used);
    pitched_rows(&ctx, &mut fields, &placed, &used);
    rows_in_order(&ctx, &mut fields, &placed, &mut used);
    segment_tables(&ctx, &mut fields);
    segment_rows(&ctx, &mut fields);
    unheaded_rows(&ctx, &mut fields);
    segmental(&ctx, &mut fields, "seg_lean", "segmental_lean");
    segmental(&ctx, &mut fields, "seg_fat", "segmental_fat");
    header_text_fields(&ctx, &mut fields);
    score_by_value(&ctx, &mut fields);
    control_signs(&ctx, &mut fields);

    super::choose::by_arithmetic(words, &mut fields);
    if identities {
        super::choose::by_identity(&ctx.nums, &mut fields, |f, n| ctx.reading(f.name(), n));
    }
    ranges_elsewhere(&ctx, &mut fields);
    let mut report = super::report::finish(model, fields);
    // Only the figures the report kept (a field may have been read again since).
    report.restored = ctx
        .restored
        .take()
        .into_iter()
        .filter(|(name, x)| report.number(name) == Some(*x))
        .map(|(name, _)| name)
        .collect();
    report
}

/// The printed Korean label or heading `text` is nearest to, and how many jamo apart
/// they are, when within the tolerance the parser matches labels with; `None` when
/// `text` is no label. Used to decide between two readings of the same place.
pub fn nearest_label(text: &str) -> Option<(&'static str, usize)> {
    let t = jamo(text);
    SECTIONS
        .iter()
        .flat_map(|(_, a)| a.iter().copied())
        .chain(SPECS.iter().flat_map(|s| s.field.labels()))
        .chain(SEGMENTS.iter().flat_map(|(_, a)| a.iter().copied()))
        .filter(|a| a.chars().any(is_hangul))
        .map(|a| (a, levenshtein(&t, &jamo(a))))
        .filter(|(a, d)| *d <= tolerance(jamo(a).len()))
        .min_by_key(|(_, d)| *d)
}

/// Whether the words `hit` found (not exactly this field's label) are more nearly
/// another field's label or a heading: `Weight` is one letter off `Height`, but it is
/// the weight's (a heading's English part, where the height's own label was misread).
fn another_label(page: &Page<'_>, hit: &Hit, field: F) -> bool {
    if hit.dist == 0 {
        return false;
    }
    let mut words: Vec<&Word> = page
        .words
        .iter()
        .filter(|w| w.bbox.overlap_area(&hit.bbox) > 0.5 * w.bbox.w * w.bbox.h)
        .collect();
    words.sort_by(|a, b| a.bbox.x.total_cmp(&b.bbox.x));
    let text: String = words.iter().map(|w| page::label_text(&w.text)).collect();
    let t = jamo(&text);
    SECTIONS
        .iter()
        .flat_map(|(_, a)| a.iter().copied())
        .chain(
            SPECS
                .iter()
                .filter(|s| s.field != field)
                .flat_map(|s| s.field.labels()),
        )
        .chain(SEGMENTS.iter().flat_map(|(_, a)| a.iter().copied()))
        .any(|a| levenshtein(&t, &jamo(a)) < hit.dist)
}

/// How many jamo apart `text` is from the label `label` (spaces and punctuation
/// ignored).
pub fn label_distance(text: &str, label: &str) -> usize {
    levenshtein(&jamo(text), &jamo(label))
}

#[cfg(test)]
#[path = "inbody_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "inbody_scan_tests.rs"]
mod scan_tests;

#[cfg(test)]
#[path = "inbody_misread_tests.rs"]
mod misread_tests;
