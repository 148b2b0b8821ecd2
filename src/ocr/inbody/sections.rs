//! The sheet's sections, found by their headings: the regions the label search is
//! bounded by, and the regions an engine should read again.
//!
//! # What it owns
//! [`SECTIONS`] (the headings, Korean and English), [`sections`] (each found heading's
//! region), [`SECTION_FIELDS`] (what each section prints, in order), and the engine's
//! closer looks: [`reread_regions`] and [`list_column`].

use std::collections::BTreeMap;

use super::super::fields::Field as F;
use super::super::{BBox, Word};
use super::page::{is_hangul, jamo, levenshtein, same_line, tolerance, Hit, Page};
use super::Report;
use super::{parse_number, Look, SPECS};

/// Section headings, Korean and English. Sections bound the label search.
pub(super) const SECTIONS: &[(&str, &[&str])] = &[
    ("body_comp", &["체성분분석", "Body Composition Analysis"]),
    ("muscle_fat", &["골격근지방분석", "Muscle-Fat Analysis"]),
    ("obesity", &["비만분석", "Obesity Analysis"]),
    ("seg_lean", &["부위별근육분석", "Segmental Lean Analysis"]),
    ("seg_fat", &["부위별체지방분석", "Segmental Fat Analysis"]),
    ("history", &["신체변화", "Body Composition History"]),
    ("score", &["인바디점수", "InBody Score"]),
    ("body_type", &["체형", "Body Type"]),
    ("weight_control", &["체중조절", "Weight Control"]),
    ("obesity_eval", &["비만평가", "Obesity Evaluation"]),
    ("balance", &["신체균형평가", "Body Balance Evaluation"]),
    ("research", &["연구항목", "Research Parameters"]),
    ("qr", &["QR코드", "QR Code"]),
    ("impedance", &["임피던스", "Impedance"]),
];

/// Whether a field's label that looks for its figure to its right is one of `aliases`.
fn is_row_label(aliases: &[&str]) -> bool {
    SPECS
        .iter()
        .filter(|s| s.look == Look::Right)
        .any(|s| s.field.labels().any(|l| aliases.contains(&l)))
}

/// Whether a figure follows `label` on its line (within twelve line heights).
fn figure_on_line(page: &Page<'_>, label: &BBox) -> bool {
    let h = label.h.max(1.0);
    page.words.iter().any(|w| {
        same_line(label, &w.bbox)
            && w.bbox.x >= label.right() - 1.0
            && w.bbox.x - label.right() < 12.0 * h
            && parse_number(&w.text).is_some()
    })
}

/// A heading found by its English part (`Segmental Fat Analysis`) whose Korean part
/// just left of it on its line was read a little further off than a heading may be
/// on its own (`부위별체지방부서`, two jamo lost): confirmed by its subtitle, those
/// Hangul words are its Korean part, and the heading starts where they do.
fn korean_part(page: &Page<'_>, head: BBox, aliases: &[&str]) -> BBox {
    let words = page.words;
    let Some(korean) = aliases.iter().find(|a| a.chars().any(is_hangul)) else {
        return head;
    };
    // The heading's words; its English part starts at the first Latin word (a Hangul
    // fragment before it, `ㄱ`, was matched as part of it: it is the Korean part's).
    let mut parts: Vec<&Word> = words
        .iter()
        .filter(|w| {
            w.bbox.x >= head.x && w.bbox.right() <= head.right() + 1.0 && same_line(&w.bbox, &head)
        })
        .collect();
    parts.sort_by(|a, c| a.bbox.x.total_cmp(&c.bbox.x));
    let Some(first) = parts
        .iter()
        .find(|w| w.text.starts_with(|c: char| c.is_ascii_alphabetic()))
        .copied()
    else {
        return head;
    };
    let before: Vec<&&Word> = parts
        .iter()
        .take_while(|w| w.bbox.x < first.bbox.x)
        .collect();
    if before.iter().any(|w| !w.text.chars().any(is_hangul)) {
        return head;
    }
    let (mut b, mut text) = (
        head,
        before.iter().map(|w| w.text.as_str()).collect::<String>(),
    );
    let target = jamo(korean);
    let mut taken: Vec<BBox> = before.iter().map(|w| w.bbox).collect();
    for _ in 0..8 {
        // The nearest Hangul word left of what is taken, printed in one run with it
        // (no column's gap; a fragment under a word's box counts as that word's).
        let Some(w) = words
            .iter()
            .filter(|w| {
                let h = w.bbox.h.max(first.bbox.h);
                w.bbox.x < b.x
                    && w.bbox.right() <= head.x + 0.5 * h
                    && b.x - w.bbox.right() <= 2.0 * h
                    && w.text.chars().any(is_hangul)
                    && same_line(&w.bbox, &head)
                    && !taken.contains(&w.bbox)
            })
            .max_by(|a, c| a.bbox.x.total_cmp(&c.bbox.x))
        else {
            break;
        };
        taken.push(w.bbox);
        text.insert_str(0, &w.text);
        b = b.union(&w.bbox);
        if levenshtein(&jamo(&text), &target) <= tolerance(target.len()) {
            return b;
        }
    }
    // Read further off still (`체중조절` as `체소슬조점`): Hangul of about the Korean
    // part's length, printed in one run with the English part, is that part all the
    // same.
    let (n, len) = (jamo(&text).len(), target.len());
    if b != head && 2 * n >= len && n <= 2 * len {
        return b;
    }
    head
}

/// A heading's box on its line: as wide as its words, as high as its words but a
/// blob read as a tall syllable (`위` 66 px high over a 28 px line), which would move
/// the section's top and shorten how far down it reaches.
fn line_of(page: &Page<'_>, head: BBox) -> BBox {
    let inside: Vec<&BBox> = page
        .words
        .iter()
        .map(|w| &w.bbox)
        .filter(|b| b.overlap_area(&head) >= 0.5 * b.w * b.h)
        .collect();
    let mut heights: Vec<f32> = inside.iter().map(|b| b.h).collect();
    heights.sort_by(f32::total_cmp);
    let Some(&median) = heights.get(heights.len() / 2) else {
        return head;
    };
    let blob = |b: &BBox| b.h > 1.8 * median;
    if inside.len() < 3 || !inside.iter().any(|b| blob(b)) {
        return head;
    }
    let rest = inside.iter().filter(|b| !blob(b));
    let (top, bottom) = rest.fold((f32::MAX, f32::MIN), |(t, u), b| {
        (t.min(b.y), u.max(b.bottom()))
    });
    BBox {
        x: head.x,
        y: top,
        w: head.w,
        h: bottom - top,
    }
}

/// Sections whose rows are labels printed nowhere else on a sheet, top to bottom: the
/// anchors of a section whose heading was not read.
const ANCHORS: &[(&str, &[F])] = &[
    ("body_comp", &[F::TotalBodyWater, F::Protein, F::Minerals]),
    (
        "weight_control",
        &[
            F::TargetWeight,
            F::WeightControl,
            F::FatControl,
            F::MuscleControl,
        ],
    ),
    (
        "research",
        &[F::BasalMetabolicRate, F::WaistHipRatio, F::VisceralFatLevel],
    ),
];

/// Headings OCR did not read (`체성분분석` read as `체서보보석`, five jamo off), placed
/// by their section's own rows: where at least two of its [`ANCHORS`] are found as
/// one column, in the section's order (left edges within three line heights, each row
/// within four lines of the one before), the heading stands two lines above the
/// section's first row, at the left edge of the first found.
fn unread_headings(page: &Page<'_>, found: &[(&'static str, BBox)]) -> Vec<(&'static str, BBox)> {
    let all = page.bounds();
    let mut out = Vec::new();
    for (name, anchors) in ANCHORS {
        if found.iter().any(|(n, _)| n == name) {
            continue;
        }
        // Each anchor found once, with its place in the section's rows.
        let mut rows: Vec<(usize, BBox)> = anchors
            .iter()
            .enumerate()
            .filter_map(|(k, f)| {
                let labels: Vec<&str> = f.labels().collect();
                let hits = page.find_label(&labels, &all);
                let best = hits.first()?.dist;
                // A label found twice equally well (a row and a chart's legend) places
                // nothing; one found with and without its unit (`단백질`, `단백질(kg)`),
                // or in both languages one over the other (`단백질` over `Protein`),
                // is one label.
                let mut best_hits = hits.iter().filter(|h| h.dist == best);
                let first = best_hits.next()?;
                let stacked = |a: &BBox, b: &BBox| {
                    let (top, under) = if a.y <= b.y { (a, b) } else { (b, a) };
                    let h = top.h.max(1.0);
                    (top.x - under.x).abs() < 1.5 * h && under.y - top.bottom() < 0.8 * h
                };
                let elsewhere = best_hits.any(|h| {
                    h.bbox.overlap_area(&first.bbox) <= 0.0 && !stacked(&h.bbox, &first.bbox)
                });
                (!elsewhere).then_some((k, first.bbox))
            })
            .collect();
        rows.sort_by(|a, b| a.1.y.total_cmp(&b.1.y));
        // The first two rows found must be the section's, in its order, one column.
        let (Some(&(k0, first)), Some(&(k1, second))) = (rows.first(), rows.get(1)) else {
            continue;
        };
        let h = first.h.max(1.0);
        let column = k1 > k0
            && (second.x - first.x).abs() < 3.0 * h
            && second.y - first.y < 4.0 * h * (k1 - k0) as f32;
        if column {
            // Above the section's first row, also when the rows read start lower.
            let pitch = (second.y - first.y) / (k1 - k0) as f32;
            out.push((
                *name,
                BBox {
                    x: first.x,
                    y: first.y - k0 as f32 * pitch - 2.0 * h,
                    w: first.w,
                    h,
                },
            ));
        }
    }
    out
}

/// Where each found section heading is and the region it governs; a heading OCR
/// did not read is placed by its section's rows ([`unread_headings`]).
pub(super) fn sections(page: &Page<'_>) -> BTreeMap<&'static str, BBox> {
    regions(page, true)
}

/// [`sections`]; with `placed_by_rows` false, only the sections whose heading was
/// read (the closer looks: a region placed by its rows is where the first reading
/// found them already, and reading it again cost more fields than it found).
fn regions(page: &Page<'_>, placed_by_rows: bool) -> BTreeMap<&'static str, BBox> {
    let all = page.bounds();
    // The first (topmost) match of each heading: for 체중조절 the heading comes before
    // the row label of the same name. Of a heading printed in two languages on one
    // line, the leftmost part, so that headings of one column line up.
    let mut heads: Vec<(&'static str, BBox)> = Vec::new();
    let found: Vec<Vec<Hit>> = SECTIONS
        .iter()
        .map(|(_, aliases)| page.find_text(aliases, &all, false))
        .collect();
    for (k, (name, aliases)) in SECTIONS.iter().enumerate() {
        // One printed heading is one section's: words another heading matches better
        // (`Segmental Fat Analysis`, one word off `Segmental Lean Analysis`) are not
        // this one.
        let mut hits = found[k].clone();
        hits.retain(|h| {
            !found.iter().enumerate().any(|(j, others)| {
                j != k
                    && others.iter().any(|o| {
                        o.dist < h.dist
                            && o.bbox.overlap_area(&h.bbox)
                                > 0.5 * (o.bbox.w * o.bbox.h).min(h.bbox.w * h.bbox.h)
                    })
            })
        });
        // One jamo off at most; a long Korean heading (six syllables or more:
        // `부위별체지방분석` read as `부위별체지반부서`) as far off as a label may be.
        let most = aliases
            .iter()
            .filter(|a| a.chars().filter(|c| is_hangul(*c)).count() >= 6)
            .map(|a| tolerance(jamo(a).len()))
            .max()
            .unwrap_or(1)
            .max(1);
        // The far ones only where nothing nearer was read, and only the nearest.
        let best = hits.iter().map(|h| h.dist).min().unwrap_or(0);
        hits.retain(|h| h.dist <= 1 || (best > 1 && h.dist == best && h.dist <= most));
        // A heading that is also a row's label (체중조절, Weight Control) is that row
        // where a figure follows it on its line: with the heading itself unread, the
        // row is not where the section starts (the rows above it are the section's).
        if is_row_label(aliases) {
            hits.retain(|h| !figure_on_line(page, &h.bbox));
        }
        let Some(top) = hits.iter().map(|h| h.bbox.y).min_by(f32::total_cmp) else {
            continue;
        };
        if let Some(h) = hits
            .iter()
            .filter(|h| h.bbox.y - top < h.h)
            .min_by(|a, b| a.bbox.x.total_cmp(&b.bbox.x))
        {
            heads.push((name, line_of(page, korean_part(page, h.bbox, aliases))));
        }
    }
    if placed_by_rows {
        heads.extend(unread_headings(page, &heads));
    }
    // Side by side: about the same row, or (for the right-hand column, whose first
    // heading may start a little higher) a heading beside and just above this one.
    let same_row = |o: &BBox, b: &BBox| {
        let h = o.h.max(b.h);
        (o.cy() - b.cy()).abs() < h * 2.0 || (o.y < b.y && b.y - o.y < h * 4.0)
    };
    let mut out = BTreeMap::new();
    for (name, b) in &heads {
        // Left and right edges: the neighbouring headings on about the same row
        // (the segmental lean and fat figures sit side by side).
        let mut x0 = heads
            .iter()
            .filter(|(_, o)| o.right() < b.x && same_row(o, b))
            .map(|(_, o)| o.right() + b.h)
            .fold(
                // The fat figure is right of the lean one even when that heading was
                // not read.
                if *name == "seg_fat" {
                    (b.x - 2.0 * b.h).max(0.0)
                } else {
                    0.0
                },
                f32::max,
            );
        // Bottom edge: the nearest heading below in the same column (a heading of the
        // other column does not end this section).
        // A section beside another on its left (segmental fat beside segmental lean)
        // also ends where that one does: at the next heading of the left one's column,
        // which may be printed across both (신체변화 under the two body figures).
        // Only the segmental figures are printed this way; a right-hand column (weight
        // control beside a section of the left column) runs on past the left one's end.
        let left_cols: Vec<f32> = heads
            .iter()
            .filter(|(_, o)| *name == "seg_fat" && o.right() < b.x && same_row(o, b))
            .map(|(_, o)| o.x)
            .collect();
        let bottom = heads
            .iter()
            .filter(|(_, o)| {
                o.y > b.bottom()
                    && ((o.x - b.x).abs() < 4.0 * b.h
                        || (o.x < b.right() + b.h && o.right() > b.x - b.h)
                        || left_cols.iter().any(|x| (o.x - x).abs() < 4.0 * b.h))
            })
            .map(|(_, o)| o.y - 2.0)
            .fold(page.height, f32::min);
        // A right-hand column's section (a heading in the right half of the page,
        // with headings of another column left of it) starts at its own heading: the
        // left column's figures are not its own. (The segmental figures side by side
        // both lie in the left half.)
        if b.x > 0.5 * page.width && heads.iter().any(|(_, o)| o.right() < b.x - b.h) {
            x0 = x0.max(b.x - 1.5 * b.h);
        }
        // Right edge: the neighbouring headings on about the same row, or a heading of
        // the column to the right that starts before this section ends (a left-hand
        // section's figures never run into the right-hand column's lists).
        // A right-hand column's heading above this one whose section runs on beside
        // it (no heading of its own column between them: the impedance table beside
        // the segmental figures) ends it too.
        let beside = |o: &BBox| {
            o.x > 0.5 * page.width
                && o.y < b.y
                && !heads
                    .iter()
                    .any(|(_, m)| (m.x - o.x).abs() < 4.0 * o.h && m.y > o.bottom() && m.y < b.y)
        };
        let right = heads
            .iter()
            .filter(|(_, o)| {
                o.x > b.right()
                    && (same_row(o, b)
                        || (o.x > 0.5 * page.width && o.y > b.y && o.y < bottom)
                        || beside(o))
            })
            .map(|(_, o)| o.x - b.h)
            .fold(page.width, f32::min);
        // And any heading below that starts within this section's width ends it too
        // (the segmental fat heading under the obesity chart, when the segmental lean
        // one beside it was not read).
        let bottom = heads
            .iter()
            .filter(|(_, o)| o.y > b.bottom() + b.h && o.x > x0 && o.x < right)
            .map(|(_, o)| o.y - 2.0)
            .fold(bottom, f32::min);
        out.insert(
            *name,
            BBox {
                x: x0,
                y: b.y - b.h * 0.5,
                w: right - x0,
                h: bottom - (b.y - b.h * 0.5),
            },
        );
    }
    // A segmental heading OCR could not read: the other one's neighbour to the left.
    if let (None, Some(fat)) = (out.get("seg_lean"), out.get("seg_fat").copied()) {
        let head = heads.iter().find(|(n, _)| *n == "seg_fat").map(|(_, b)| *b);
        if let Some(head) = head {
            out.insert(
                "seg_lean",
                BBox {
                    x: 0.0,
                    y: fat.y,
                    w: head.x - head.h,
                    h: fat.h,
                },
            );
        }
    }
    out
}

/// The fields each section prints, in the order it prints them (the header band above
/// the first section prints the subject's fields).
/// The research list's rows, in order (a list of its own in [`SECTION_FIELDS`] and the
/// row rules of `rows`).
pub(super) const RESEARCH: &[&str] = &[
    "basal_metabolic_rate_kcal",
    "waist_hip_ratio",
    "visceral_fat_level",
];

pub(super) const SECTION_FIELDS: &[(&str, &[&str])] = &[
    (
        "body_comp",
        &[
            "total_body_water_l",
            "protein_kg",
            "minerals_kg",
            "body_fat_mass_kg",
            "muscle_mass_kg",
            "fat_free_mass_kg",
            "weight_kg",
        ],
    ),
    (
        "muscle_fat",
        &["weight_kg", "skeletal_muscle_mass_kg", "body_fat_mass_kg"],
    ),
    ("obesity", &["bmi", "percent_body_fat"]),
    (
        "seg_lean",
        &[
            "segmental_lean_left_arm_kg",
            "segmental_lean_right_arm_kg",
            "segmental_lean_trunk_kg",
            "segmental_lean_left_leg_kg",
            "segmental_lean_right_leg_kg",
        ],
    ),
    (
        "seg_fat",
        &[
            "segmental_fat_left_arm_kg",
            "segmental_fat_right_arm_kg",
            "segmental_fat_trunk_kg",
            "segmental_fat_left_leg_kg",
            "segmental_fat_right_leg_kg",
        ],
    ),
    ("score", &["inbody_score"]),
    (
        "weight_control",
        &[
            "target_weight_kg",
            "weight_control_kg",
            "fat_control_kg",
            "muscle_control_kg",
        ],
    ),
    ("research", RESEARCH),
    ("", &["height_cm", "age", "tested_at"]),
];

/// Where a closer look could recover what the first reading of a page missed: the
/// region of every found section one of whose fields is missing or named in a
/// consistency warning, and the band above the first section (the subject header)
/// when one of its fields is. Page coordinates of `words`; empty when no section
/// heading was read (then there is nothing to place a closer look by).
///
/// The engine reads these regions again at a larger scale (see
/// `tesseract::Tesseract::recognize_grey`): the work is in proportion to what went
/// wrong, so a clean sheet costs nothing more.
pub fn reread_regions(words: &[Word], report: &Report) -> Vec<BBox> {
    let page = Page::new(words);
    let found = regions(&page, false);
    let Some(first_heading) = found.values().map(|b| b.y).min_by(f32::total_cmp) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (section, fields) in SECTION_FIELDS {
        // The header band is read again only for a field it lacks: its height is read
        // reliably, and reading the band again because `bmi ≠ weight / height²`
        // (a misread bmi or weight, almost always) cost the real sample 4 fields.
        let header = section.is_empty();
        if !fields.iter().any(|f| {
            if header {
                !report.fields.contains_key(*f)
            } else {
                report.is_doubtful(f)
            }
        }) {
            continue;
        }
        let region = if header {
            BBox {
                x: 0.0,
                y: 0.0,
                w: page.width,
                h: first_heading.max(0.0),
            }
        } else if let Some(b) = found.get(section) {
            *b
        } else {
            continue;
        };
        if region.w >= 1.0 && region.h >= 1.0 {
            out.push(region);
        }
    }
    out
}

/// The right-hand column of a two-column sheet — the lists of score, weight control and
/// research figures on the 370S — when a field that may be printed in it is missing or
/// doubtful: one of its sections names such a field, or a section that names one was
/// not found at all (its heading unread, it could be anywhere). `None` for a sheet
/// without a right-hand column or with nothing to recover there.
///
/// The engine reads this column again line by line (see
/// `tesseract::Tesseract::recognize_grey`): a column of one-line rows is read far
/// better as a block than as the scattered words of a whole page, while the tables
/// and charts of the left-hand column are not.
pub fn list_column(words: &[Word], report: &Report) -> Option<BBox> {
    let page = Page::new(words);
    let found = regions(&page, false);
    // Right-hand sections start at their heading (see `sections`): right of the middle.
    let right: Vec<&BBox> = found.values().filter(|b| b.x > 0.45 * page.width).collect();
    let x0 = right.iter().map(|b| b.x).min_by(f32::total_cmp)?;
    let y0 = right.iter().map(|b| b.y).min_by(f32::total_cmp)?;
    let column = BBox {
        x: x0,
        y: y0,
        w: page.width - x0,
        h: page.height - y0,
    };
    let wanted = SECTION_FIELDS.iter().any(|(section, fields)| {
        !section.is_empty()
            && fields.iter().any(|f| report.is_doubtful(f))
            && found.get(section).is_none_or(|b| b.x >= x0)
    });
    (wanted && column.w >= 1.0 && column.h >= 1.0).then_some(column)
}
