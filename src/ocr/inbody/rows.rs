//! Figures tied to labels by the list and table structure when a label itself was
//! not read: rows of a list in order, evenly pitched rows, the columns of the
//! body-composition table, and the controls' signs from the sheet's arithmetic.
//!
//! # What it owns
//! [`rows_in_order`], [`pitched_rows`], [`body_composition_columns`],
//! [`control_signs`], [`ranges_elsewhere`].

use std::collections::BTreeMap;

use super::super::fields::Field as F;
use super::super::figures::{could_be, repair, Num};
use super::super::BBox;
use super::page::inside;
use super::sections::{RESEARCH, SECTION_FIELDS};
use super::{decimals, Ctx, Field, Value};

/// Lists every InBody layout prints in the order of [`SECTION_FIELDS`], one figure per
/// row, the figure in the largest print of the list (chart scales and ranges are
/// smaller).
pub(super) const ROW_LISTS: &[&str] = &["muscle_fat", "obesity", "weight_control"];

/// Row labels OCR could not read (a Korean label beside a chart, small print on a grey
/// band) leave their figures unclaimed. When a list's section was found and its figures
/// stand in exactly as many rows as the list has, each missing field takes the figure
/// of its row — provided the fields that were found by label sit in their own rows
/// (else the order does not hold here and nothing is taken). The body-composition
/// table's first column (water, protein, minerals, fat: each figure with its range
/// under it) is such a list too.
pub(super) fn rows_in_order(
    ctx: &Ctx<'_>,
    fields: &mut BTreeMap<String, Field>,
    placed: &BTreeMap<&'static str, BBox>,
    used: &mut Vec<BBox>,
) {
    for (section, rows) in SECTION_FIELDS
        .iter()
        .filter(|(name, _)| ROW_LISTS.contains(name))
    {
        let Some(region) = ctx.sections.get(section) else {
            continue;
        };
        let cands: Vec<&Num> = ctx
            .nums
            .iter()
            .filter(|n| n.read_decimals > 0 && inside(region, &n.bbox))
            .collect();
        let top = cands.iter().map(|n| n.bbox.h).fold(0.0, f32::max);
        let large: Vec<&Num> = cands
            .into_iter()
            .filter(|n| n.bbox.h >= 0.8 * top)
            .collect();
        assign_rows(ctx, fields, used, &[rows], large);
    }
    // The research list prints a figure of its own format on each row (kcal, a ratio,
    // a level), so no print size tells its figures: they are the column of a figure a
    // label found there.
    if let Some(region) = ctx.sections.get("research") {
        let in_region: Vec<&Num> = ctx
            .nums
            .iter()
            .filter(|n| !n.ranged && inside(region, &n.bbox))
            .collect();
        let anchor = in_region.iter().find(|n| used.contains(&n.bbox));
        if let Some(a) = anchor.copied() {
            let column: Vec<&Num> = in_region
                .into_iter()
                .filter(|n| (n.bbox.x - a.bbox.x).abs() < 3.0 * a.bbox.h)
                .collect();
            assign_rows(ctx, fields, used, &[RESEARCH], column);
        }
    }
    let ranged = |n: &&Num| n.decimal && ctx.range_for(None, n, Some(1)).is_some();
    if let Some(region) = ctx.sections.get("body_comp") {
        let with_range: Vec<&Num> = ctx
            .nums
            .iter()
            .filter(|n| inside(region, &n.bbox))
            .filter(ranged)
            .collect();
        let left = with_range.iter().map(|n| n.bbox.x).fold(f32::MAX, f32::min);
        let first_col: Vec<&Num> = with_range
            .into_iter()
            .filter(|n| n.bbox.x - left < 2.0 * n.bbox.h)
            .collect();
        assign_rows(ctx, fields, used, BODY_COMP_COLUMNS, first_col);
    } else if let Some(anchor) = ["protein_kg", "body_fat_mass_kg", "weight_kg"]
        .iter()
        .find_map(|f| placed.get(f))
    {
        // The heading unread and too few rows read to place it (`체성분분석` as
        // `체석부부석`, water and minerals as `체`, `무기`): the table is the unbroken
        // column of ranged figures through a row found by its label.
        let mut column: Vec<&Num> = ctx
            .nums
            .iter()
            .filter(|n| (n.bbox.x - anchor.x).abs() < 2.0 * anchor.h)
            .filter(ranged)
            .collect();
        column.sort_by(|a, b| a.bbox.cy().total_cmp(&b.bbox.cy()));
        let Some(at) = column.iter().position(|n| n.bbox == *anchor) else {
            return;
        };
        let apart = |a: &Num, b: &Num| b.bbox.cy() - a.bbox.cy() > 4.0 * a.bbox.h.max(b.bbox.h);
        let start = (1..=at)
            .rev()
            .find(|&i| apart(column[i - 1], column[i]))
            .unwrap_or(0);
        let end = (at + 1..column.len())
            .find(|&i| apart(column[i - 1], column[i]))
            .unwrap_or(column.len());
        assign_rows(
            ctx,
            fields,
            used,
            BODY_COMP_COLUMNS,
            column[start..end].to_vec(),
        );
    }
}

/// The orders the body-composition table's first column prints: water, protein,
/// minerals and fat (the 370S, whose muscle mass, fat-free mass and weight stand in
/// columns of their own), or all seven fields one under the other, muscle mass and
/// fat-free mass either way round.
const BODY_COMP_COLUMNS: &[&[&str]] = &[
    &[
        "total_body_water_l",
        "protein_kg",
        "minerals_kg",
        "body_fat_mass_kg",
    ],
    &[
        "total_body_water_l",
        "protein_kg",
        "minerals_kg",
        "body_fat_mass_kg",
        "muscle_mass_kg",
        "fat_free_mass_kg",
        "weight_kg",
    ],
    &[
        "total_body_water_l",
        "protein_kg",
        "minerals_kg",
        "body_fat_mass_kg",
        "fat_free_mass_kg",
        "muscle_mass_kg",
        "weight_kg",
    ],
];

/// Gives the rows of a list (top to bottom) the figures of `nums` row by row, when
/// there are exactly as many rows, one figure each, and every field already found is
/// its row's figure. A list printed in more than one order (`orders`) fills a row only
/// where every order that agrees with the fields found names the same field.
pub(super) fn assign_rows(
    ctx: &Ctx<'_>,
    fields: &mut BTreeMap<String, Field>,
    used: &mut Vec<BBox>,
    orders: &[&[&str]],
    mut nums: Vec<&Num>,
) {
    nums.sort_by(|a, b| a.bbox.cy().total_cmp(&b.bbox.cy()));
    // One figure per row: each lower than the last by more than a line's spread of
    // centres (PP-OCR's padded boxes are taller than the rows are apart: 30 px boxes
    // 24 px apart on the real 370S scan).
    if nums
        .windows(2)
        .any(|p| p[1].bbox.cy() - p[0].bbox.cy() < 0.6 * p[0].bbox.h.max(p[1].bbox.h))
    {
        return;
    }
    let agreeing: Vec<&[&str]> = orders
        .iter()
        .copied()
        .filter(|rows| rows.len() == nums.len() && rows.iter().any(|f| !fields.contains_key(*f)))
        .filter(|rows| {
            rows.iter()
                .zip(&nums)
                .all(|(name, n)| match fields.get(*name) {
                    Some(f) => f.value.as_f64() == ctx.reading(name, n).value.as_f64(),
                    None => could_be(name, n),
                })
        })
        .collect();
    let Some(first) = agreeing.first() else {
        return;
    };
    for (i, n) in nums.into_iter().enumerate() {
        let name = first[i];
        if agreeing.iter().all(|rows| rows[i] == name)
            && !fields.contains_key(name)
            && !used.contains(&n.bbox)
        {
            fields.insert(name.to_string(), ctx.field(name, n));
            used.push(n.bbox);
        }
    }
}

/// A model whose body-composition table prints columns spanning the rows with headers
/// OCR rarely reads (white on a dark bar: the 370S's muscle mass, fat-free mass and
/// weight; see `models::ModelLayout::unlabelled_columns`), each figure with its range
/// under it: when those fields are still missing, the figures with a range that no row
/// label claimed are assigned from the right in the order its layout row gives.
pub(super) fn body_composition_columns(
    ctx: &Ctx<'_>,
    fields: &mut BTreeMap<String, Field>,
    used: &[BBox],
) {
    let Some(region) = ctx.sections.get("body_comp") else {
        return;
    };
    let names: Vec<&str> = ctx
        .model
        .unlabelled_columns
        .iter()
        .map(|f| f.name())
        .collect();
    let Some(first_name) = names.first().copied() else {
        return;
    };
    let mut cols: Vec<(&Num, [f64; 2])> = ctx
        .nums
        .iter()
        .filter(|n| inside(region, &n.bbox) && !used.iter().any(|u| u == &n.bbox))
        .filter_map(|n| ctx.range_for(None, n, Some(1)).map(|r| (n, r)))
        .collect();
    // Only figures right of the row values' column.
    let row_x = ["total_body_water_l", "protein_kg", "minerals_kg"]
        .iter()
        .filter_map(|f| fields.get(*f))
        .count();
    if row_x == 0 {
        return;
    }
    cols.sort_by(|a, b| b.0.bbox.x.total_cmp(&a.0.bbox.x));
    // Figures no column field could have (a header bar read as `20099`) are no column.
    cols.retain(|(n, _)| names.iter().any(|f| could_be(f, n)));
    // The rightmost column's figure may be printed elsewhere too (the weight in the
    // muscle-fat chart). When it is known and the rightmost figure is not it, that
    // column's figure was not read: the columns start one further left.
    let mut names: &[&str] = &names;
    if let (Some(w), Some((num, _))) = (fields.get(first_name), cols.first()) {
        let first = repair(num.value, num.read_decimals, decimals(first_name));
        if w.value.as_f64() != Some(first) {
            names = &names[1..];
        }
    }
    for (name, (num, range)) in names.iter().zip(cols) {
        let value = repair(num.value, num.read_decimals, decimals(name));
        match fields.get_mut(*name) {
            None => {
                fields.insert(
                    name.to_string(),
                    Field {
                        value: Value::Number(value),
                        range: Some(range),
                    },
                );
            }
            Some(f) if f.range.is_none() && f.value.as_f64() == Some(value) => {
                f.range = Some(range);
            }
            Some(_) => {}
        }
    }
}

/// Lists whose rows are evenly spaced, one figure per row in one column: the
/// weight-control list (target weight, weight control, fat control, muscle control;
/// both layouts), the 370S body-composition table's first column (water, protein,
/// minerals, fat, each figure with its range under it) and the research list (BMR,
/// waist-hip ratio, visceral fat level).
pub(super) const PITCHED_LISTS: &[(&str, &[&str])] = &[
    ("research", RESEARCH),
    (
        "weight_control",
        &[
            "target_weight_kg",
            "weight_control_kg",
            "fat_control_kg",
            "muscle_control_kg",
        ],
    ),
    (
        "body_comp",
        &[
            "total_body_water_l",
            "protein_kg",
            "minerals_kg",
            "body_fat_mass_kg",
        ],
    ),
];

/// A row label OCR garbled beyond matching (근육조절 split into the tops and bottoms of
/// its syllables, 체수분 on a grey band) leaves its figure unclaimed: when the rows
/// found by label fix the column and the row pitch (three evenly spaced rows, or two
/// rows a list's line apart), the figure at each missing row's place is taken (see
/// [`PITCHED_LISTS`]).
pub(super) fn pitched_rows(
    ctx: &Ctx<'_>,
    fields: &mut BTreeMap<String, Field>,
    placed: &BTreeMap<&'static str, BBox>,
    used: &[BBox],
) {
    for (section, rows) in PITCHED_LISTS {
        pitched_list(ctx, fields, placed, used, section, rows);
    }
}

pub(super) fn pitched_list(
    ctx: &Ctx<'_>,
    fields: &mut BTreeMap<String, Field>,
    placed: &BTreeMap<&'static str, BBox>,
    used: &[BBox],
    section: &str,
    rows: &[&'static str],
) {
    let region = ctx.sections.get(section).copied().unwrap_or(ctx.all);
    // Rows found by label in this list (the fat mass may have been found in a chart).
    let found: Vec<(usize, BBox)> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, f)| placed.get(f).map(|b| (i, *b)))
        .filter(|(_, b)| inside(&region, b))
        .collect();
    let missing: Vec<usize> = (0..rows.len())
        .filter(|i| !fields.contains_key(rows[*i]))
        .collect();
    if missing.is_empty() || found.is_empty() {
        return;
    }
    // One row found: the pitch is the step to the nearest figure of its column and
    // print next to it (a neighbouring row's), and the list is taken only whole.
    let alone = found.len() == 1;
    let found = if alone {
        match neighbour_row(ctx, &region, used, rows.len(), found[0]) {
            Some(n) => vec![found[0], n],
            None => return,
        }
    } else {
        found
    };
    // Rows must be in order and evenly spaced, or this is not the list.
    let (first, last) = (found[0], found[found.len() - 1]);
    let pitch = (last.1.cy() - first.1.cy()) / (last.0 - first.0) as f32;
    let h = found.iter().map(|(_, b)| b.h).fold(1.0, f32::max);
    // Two rows fix a pitch too, but nothing checks it: only a list's tight one.
    let max_pitch = if found.len() == 2 { 3.0 * h } else { f32::MAX };
    if pitch < h
        || pitch > max_pitch
        || found.iter().any(|(i, b)| {
            (first.1.cy() + pitch * (i - first.0) as f32 - b.cy()).abs() > 0.3 * pitch
        })
    {
        return;
    }
    let col_x = found.iter().map(|(_, b)| b.right()).fold(0.0, f32::max);
    let mut taken = Vec::new();
    for row in missing {
        let want_y = first.1.cy() + pitch * (row as f32 - first.0 as f32);
        let best = ctx
            .nums
            .iter()
            .filter(|n| inside(&region, &n.bbox) && !used.iter().any(|u| u == &n.bbox))
            // A row's figure is never inside brackets: `( 9` is a unit `(kg)` misread.
            .filter(|n| !n.ranged)
            .filter(|n| (n.bbox.cy() - want_y).abs() < 0.35 * pitch)
            .filter(|n| (n.bbox.right() - col_x).abs() < 4.0 * h)
            .filter(|n| could_be(rows[row], n))
            .min_by(|a, b| {
                (a.bbox.cy() - want_y)
                    .abs()
                    .total_cmp(&(b.bbox.cy() - want_y).abs())
            });
        match best {
            Some(num) => taken.push((rows[row], num)),
            None if alone => return,
            None => {}
        }
    }
    for (name, num) in taken {
        fields.insert(name.to_string(), ctx.field(name, num));
    }
}

/// The row next to a list's one found row `(i, figure)`: the nearest figure below
/// it (above, for the last row) in its column (right edges within a line height),
/// printed as large, within three lines, with no figure of that column between.
fn neighbour_row(
    ctx: &Ctx<'_>,
    region: &BBox,
    used: &[BBox],
    len: usize,
    (i, a): (usize, BBox),
) -> Option<(usize, BBox)> {
    let down = i + 1 < len;
    let step = |n: &Num| {
        if down {
            n.bbox.cy() - a.cy()
        } else {
            a.cy() - n.bbox.cy()
        }
    };
    ctx.nums
        .iter()
        .filter(|n| inside(region, &n.bbox) && !n.ranged && n.bbox != a)
        .filter(|n| (n.bbox.right() - a.right()).abs() < a.h && n.bbox.h > 0.7 * a.h)
        .filter(|n| n.bbox.h < 1.4 * a.h && step(n) > 0.5 * a.h && step(n) < 3.0 * a.h)
        .min_by(|p, q| step(p).total_cmp(&step(q)))
        .filter(|n| !used.contains(&n.bbox))
        .map(|n| (if down { i + 1 } else { i - 1 }, n.bbox))
}

/// The weight-control figures always print a sign (`-6.2`, `+3.7`), but OCR loses a
/// minus more often than any other mark. A control figure read without one could be
/// either; the sheet's own arithmetic tells which: weight control is target weight
/// minus weight, and the sum of fat and muscle control. The sign is taken only when
/// exactly one of the two readings agrees (to within rounding); the magnitude is never
/// changed.
pub(super) fn control_signs(ctx: &Ctx<'_>, fields: &mut BTreeMap<String, Field>) {
    const CONTROLS: [&str; 3] = ["weight_control_kg", "fat_control_kg", "muscle_control_kg"];
    fn value(fields: &BTreeMap<String, Field>, k: &str) -> Option<f64> {
        fields.get(k)?.value.as_f64()
    }
    // A field whose figure was read with no sign: positive (a minus read is applied),
    // and no signed figure of its magnitude (in its print format) on the page.
    let unsigned = |k: &str, v: f64| {
        v > 0.0
            && !ctx.nums.iter().any(|n| {
                n.signed && (repair(n.value.abs(), n.read_decimals, decimals(k)) - v).abs() < 1e-6
            })
    };
    let mut unsure: Vec<&str> = CONTROLS
        .iter()
        .copied()
        .filter(|k| value(fields, k).is_some_and(|v| unsigned(k, v)))
        .collect();
    // One at a time: a sign settled may settle another.
    while !unsure.is_empty() {
        let sure = |o: &str| value(fields, o).filter(|_| !unsure.contains(&o));
        let expected = |k: &str| -> Option<f64> {
            match k {
                "weight_control_kg" => sure("target_weight_kg")
                    .zip(sure("weight_kg"))
                    .map(|(t, w)| t - w)
                    .or_else(|| {
                        sure("fat_control_kg")
                            .zip(sure("muscle_control_kg"))
                            .map(|(f, m)| f + m)
                    }),
                "fat_control_kg" => sure("weight_control_kg")
                    .zip(sure("muscle_control_kg"))
                    .map(|(w, m)| w - m),
                _ => sure("weight_control_kg")
                    .zip(sure("fat_control_kg"))
                    .map(|(w, f)| w - f),
            }
        };
        let settled = unsure.iter().enumerate().find_map(|(i, k)| {
            let v = value(fields, k)?.abs();
            let e = expected(k)?;
            let agrees = |c: f64| (c - e).abs() < 0.15;
            match (agrees(v), agrees(-v)) {
                (true, false) => Some((i, v)),
                (false, true) => Some((i, -v)),
                _ => None,
            }
        });
        let Some((i, v)) = settled else {
            break;
        };
        let k = unsure.remove(i);
        if let Some(f) = fields.get_mut(k) {
            f.value = Value::Number(v);
        }
    }
}

/// The fields a sheet prints with their normal range, `(lo ~ hi)`, beside or under
/// the figure (the body-composition table, the research rows).
const RANGED: [F; 9] = [
    F::Weight,
    F::TotalBodyWater,
    F::Protein,
    F::Minerals,
    F::BodyFatMass,
    F::FatFreeMass,
    F::MuscleMass,
    F::WaistHipRatio,
    F::VisceralFatLevel,
];

/// A ranged field read without its range — from a chart, or where its table figure
/// was not read — takes the range of the one place its figure is printed with one,
/// when no other ranged field reads the same figure (whose range it could be).
pub(super) fn ranges_elsewhere(ctx: &Ctx<'_>, fields: &mut BTreeMap<String, Field>) {
    let value = |fields: &BTreeMap<String, Field>, f: F| fields.get(f.name())?.value.as_f64();
    for f in RANGED {
        let Some(x) = value(fields, f) else {
            continue;
        };
        if fields.get(f.name()).is_some_and(|r| r.range.is_some())
            || RANGED
                .iter()
                .any(|o| *o != f && value(fields, *o) == Some(x))
        {
            continue;
        }
        let mut ranges: Vec<[f64; 2]> = ctx
            .nums
            .iter()
            .filter(|n| !n.ranged && ctx.reading(f.name(), n).value.as_f64() == Some(x))
            .filter_map(|n| ctx.range_for(Some(f), n, f.decimals()))
            .collect();
        ranges.dedup();
        if let ([range], Some(r)) = (&ranges[..], fields.get_mut(f.name())) {
            r.range = Some(*range);
        }
    }
}
