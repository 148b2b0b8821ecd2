//! Segmental figures (lean and fat, five segments): a five-column table headed by the
//! segments' labels, labelled rows, or the body figure's quadrants.
//!
//! # What it owns
//! [`SEGMENTS`] (the segment labels) and [`segmental`].

use std::collections::BTreeMap;

use super::super::figures::{could_be, repair, Num};
use super::super::BBox;
use super::page::{inside, Hit};
use super::{decimals, Ctx, Field, Look, Value};

/// Segment labels for sheets that print segmental figures as labelled rows.
pub(super) const SEGMENTS: &[(&str, &[&str])] = &[
    ("left_arm", &["왼팔", "Left Arm"]),
    ("right_arm", &["오른팔", "Right Arm"]),
    ("trunk", &["몸통", "Trunk"]),
    ("left_leg", &["왼다리", "Left Leg"]),
    ("right_leg", &["오른다리", "Right Leg"]),
];

/// A table with a column per segment, headed by the segments' labels on one row
/// (오른팔 왼팔 몸통 오른다리 왼다리): each field takes the first figure under its
/// header that can be its (a percent of standard printed under the kg is not). How
/// many fields it read; none when no three segment labels share a row.
pub(super) fn segment_columns(
    ctx: &Ctx<'_>,
    fields: &mut BTreeMap<String, Field>,
    region: &BBox,
    prefix: &str,
) -> usize {
    let heads: Vec<(&str, Hit)> = SEGMENTS
        .iter()
        .filter_map(|(seg, aliases)| {
            let hit = ctx.page.find_label(aliases, region).into_iter().next()?;
            Some((*seg, hit))
        })
        .collect();
    let same_row = |a: &Hit, b: &Hit| (a.bbox.cy() - b.bbox.cy()).abs() < 0.5 * a.h.max(b.h);
    let row: Vec<&(&str, Hit)> = heads
        .iter()
        .filter(|(_, h)| heads.iter().filter(|(_, o)| same_row(h, o)).count() >= 3)
        .collect();
    if row.len() < 3 {
        return 0;
    }
    let mut read = 0;
    for (seg, h) in row {
        let name = format!("{prefix}_{seg}_kg");
        let under = ctx
            .nums
            .iter()
            .filter(|m| {
                m.bbox.y >= h.bbox.bottom() - 1.0
                    && m.bbox.y - h.bbox.bottom() < 4.0 * h.h
                    && m.bbox.cx() >= h.bbox.x - 0.5 * h.h
                    && m.bbox.x <= h.bbox.right() + 0.5 * h.h
                    && inside(region, &m.bbox)
                    && could_be(&name, m)
            })
            .min_by(|a, b| a.bbox.y.total_cmp(&b.bbox.y));
        if let Some(m) = under {
            let field = ctx.field(&name, m);
            fields.insert(name, field);
            read += 1;
        }
    }
    read
}

/// Segmental figures: labelled rows (왼팔 1.9 ...) when the sheet prints them, else the
/// body figure's layout: arms top left/right, trunk in the middle, legs bottom.
pub(super) fn segmental(
    ctx: &Ctx<'_>,
    fields: &mut BTreeMap<String, Field>,
    section: &str,
    prefix: &str,
) {
    let Some(region) = ctx.sections.get(section) else {
        return;
    };
    if segment_columns(ctx, fields, region, prefix) >= 3 {
        return;
    }
    for (seg, aliases) in SEGMENTS {
        for hit in ctx.page.find_label(aliases, region) {
            let name = format!("{prefix}_{seg}_kg");
            if let Some(num) = ctx.value_for(&name, &hit, Look::Right, region) {
                let field = ctx.field(&name, num);
                fields.insert(name, field);
                break;
            }
        }
    }
    if SEGMENTS
        .iter()
        .all(|(s, _)| fields.contains_key(&format!("{prefix}_{s}_kg")))
    {
        return;
    }
    let nums: Vec<&Num> = ctx
        .nums
        .iter()
        .filter(|n| inside(region, &n.bbox) && n.decimal && n.value > 0.0)
        .filter(|n| n.bbox.y > region.y + n.bbox.h * 1.5)
        // The figure is about ten lines tall; a chart further down is another section.
        .filter(|n| n.bbox.y < region.y + n.bbox.h * 16.0)
        .collect();
    if nums.len() < 2 {
        return;
    }
    let (x0, x1) = nums.iter().fold((f32::MAX, f32::MIN), |(a, b), n| {
        (a.min(n.bbox.cx()), b.max(n.bbox.cx()))
    });
    let mid_x = (x0 + x1) / 2.0;
    let span = (x1 - x0).max(1.0);
    let trunk = nums
        .iter()
        .filter(|n| (n.bbox.cx() - mid_x).abs() < span * 0.2)
        .min_by(|a, b| {
            (a.bbox.cx() - mid_x)
                .abs()
                .total_cmp(&(b.bbox.cx() - mid_x).abs())
        });
    let (y0, y1) = nums.iter().fold((f32::MAX, f32::MIN), |(a, b), n| {
        (a.min(n.bbox.cy()), b.max(n.bbox.cy()))
    });
    let mid_y = trunk.map_or((y0 + y1) / 2.0, |t| t.bbox.cy());
    let mut put = |seg: &str, n: &Num| {
        let name = format!("{prefix}_{seg}_kg");
        let value = repair(n.value, n.read_decimals, decimals(&name));
        fields.entry(name).or_insert(Field {
            value: Value::Number(value),
            range: None,
        });
    };
    if let Some(t) = trunk {
        put("trunk", t);
    }
    for n in &nums {
        if trunk.is_some_and(|t| t.bbox == n.bbox) {
            continue;
        }
        let left = n.bbox.cx() < mid_x;
        let top = n.bbox.cy() < mid_y;
        let seg = match (left, top) {
            (true, true) => "left_arm",
            (false, true) => "right_arm",
            (true, false) => "left_leg",
            (false, false) => "right_leg",
        };
        put(seg, n);
    }
}
