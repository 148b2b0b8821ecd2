//! Segmental figures (lean and fat, five segments): tables under a header row of the
//! segments' labels (five columns, or a grid of both tables with labelled rows) or with
//! the segments' labels down a column (labelled rows, a grid the other way round),
//! read by the page model's structure; or the body figure's quadrants.
//!
//! # What it owns
//! [`SEGMENTS`] (the segment labels), [`segment_tables`] (header rows of segments),
//! [`segment_rows`] (segments down a column), [`unheaded_rows`] (a five-column row
//! whose header was not read) and [`segmental`].

use std::collections::BTreeMap;

use super::super::fields::Field as FieldId;
use super::super::figures::{repair, Num, KG_READINGS};
use super::super::BBox;
use super::layout::{columns, tokens, HeaderRow, Layout, Token};
use super::page::{inside, primary};
use super::{decimals, Ctx, Field, Value};

/// Segment labels for sheets that print segmental figures as labelled rows.
pub(super) const SEGMENTS: &[(&str, &[&str])] = &[
    ("left_arm", &["왼팔", "Left Arm"]),
    ("right_arm", &["오른팔", "Right Arm"]),
    ("trunk", &["몸통", "Trunk"]),
    ("left_leg", &["왼다리", "Left Leg"]),
    ("right_leg", &["오른다리", "Right Leg"]),
];

/// Which of the two segmental tables a row of figures belongs to, from the words that
/// name it (its row label, or the title over its table): fat names fat (지방, Fat),
/// lean names muscle (근육, Lean, Muscle). `None` when neither or both.
pub(super) fn kind_of(text: &str) -> Option<Kind> {
    let t = text.to_lowercase();
    let fat = t.contains("지방") || t.contains("fat");
    let lean = t.contains("근육") || t.contains("lean") || t.contains("muscle");
    match (lean, fat) {
        (true, false) => Some(Kind::Lean),
        (false, true) => Some(Kind::Fat),
        _ => None,
    }
}

/// The two segmental tables.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Kind {
    Lean,
    Fat,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Kind::Lean => "segmental_lean",
            Kind::Fat => "segmental_fat",
        }
    }
}

/// A cell's kg figure: a bracketed kg beside a percent of standard (`(1.5kg) 178.0%`),
/// else its first figure that is no percent.
fn cell_kg(text: &str) -> Option<(f64, usize)> {
    let toks = tokens(text);
    toks.iter()
        .find_map(|t| match t {
            Token::BracketKg { value, decimals } => Some((*value, *decimals)),
            _ => None,
        })
        .or_else(|| {
            toks.iter().find_map(|t| match t {
                Token::Figure {
                    value,
                    decimals,
                    unit,
                } if *unit != Some("%") => Some((*value, *decimals)),
                _ => None,
            })
        })
}

/// Segmental tables by their structure: every header row of three or more segment
/// labels (오른팔 왼팔 몸통 오른다리 왼다리, Right Arm ...), and under it the rows of
/// figures, each figure in its header's band. A row is the lean or the fat table's by
/// the words that name it: its row label (a grid of both tables under one header), else
/// the title just above the header, else the section the header is printed in, else
/// the order of the tables on the page (lean first). Returns how many fields of each
/// it read.
pub(super) fn segment_tables(ctx: &Ctx<'_>, fields: &mut BTreeMap<String, Field>) -> [usize; 2] {
    let mut hits: Vec<(usize, BBox)> = Vec::new();
    for (k, (_, aliases)) in SEGMENTS.iter().enumerate() {
        for hit in primary(ctx.page.find_label(aliases, &ctx.all)) {
            hits.push((k, hit.bbox));
        }
    }
    let mut headers = HeaderRow::find(&hits, 3);
    // A bilingual header's second line (Right Arm under 오른팔) is the same header.
    let firsts: Vec<f32> = headers.iter().map(|h| h.bottom()).collect();
    let mut i = 0;
    headers.retain(|h| {
        let sub = firsts[..i]
            .iter()
            .any(|b| h.top() >= *b - 1.0 && h.top() - b < 1.2 * h.h);
        i += 1;
        !sub
    });
    let layout = Layout::new(ctx.page.words);
    let mut read = [0, 0];
    let mut taken: Vec<Kind> = Vec::new();
    for (n, header) in headers.iter().enumerate() {
        // The table ends at the next header row, and at most a dozen lines down.
        let until = headers
            .get(n + 1)
            .map_or(f32::MAX, |h| h.top())
            .min(header.bottom() + 12.0 * header.h);
        // The title above: the line just over the header row.
        let title = layout
            .lines
            .iter()
            .filter(|l| {
                l.bbox.bottom() <= header.top() + 1.0
                    && header.top() - l.bbox.bottom() < 4.0 * header.h
            })
            .max_by(|a, b| a.bbox.y.total_cmp(&b.bbox.y))
            .map(|l| {
                l.words
                    .iter()
                    .map(|i| ctx.page.words[*i].text.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            });
        let centre = header.heads[header.heads.len() / 2].1;
        let section = [("seg_lean", Kind::Lean), ("seg_fat", Kind::Fat)]
            .into_iter()
            .filter(|(s, _)| ctx.sections.get(s).is_some_and(|r| inside(r, &centre)))
            .map(|(_, k)| k)
            .collect::<Vec<_>>();
        let table_kind = title.as_deref().and_then(kind_of).or(match section[..] {
            [k] => Some(k),
            _ => None,
        });
        // One segment whose header was not read: its column is the one figure of the
        // row no header stands over.
        let unheaded: Vec<usize> = (0..SEGMENTS.len())
            .filter(|k| !header.heads.iter().any(|(o, _)| o == k))
            .collect();
        for row in header.cells(ctx.page.words, &layout, until) {
            let mut figures: Vec<(usize, f64, usize)> = row
                .cells
                .iter()
                .filter_map(|(i, t)| cell_kg(t).map(|(v, d)| (header.heads[*i].0, v, d)))
                .collect();
            if figures.len() < 3 {
                continue;
            }
            let orphans: Vec<(f64, usize)> =
                row.orphans.iter().filter_map(|t| cell_kg(t)).collect();
            if let ([k], [(v, d)]) = (&unheaded[..], &orphans[..]) {
                figures.push((*k, *v, *d));
            }
            let label = row.label;
            let kind = kind_of(&label).or(table_kind).or_else(|| {
                [Kind::Lean, Kind::Fat]
                    .into_iter()
                    .find(|k| !taken.contains(k))
            });
            let Some(kind) = kind.filter(|k| !taken.contains(k)) else {
                continue;
            };
            taken.push(kind);
            for (k, v, d) in figures {
                let seg = SEGMENTS[k].0;
                let name = format!("{}_{seg}_kg", kind.prefix());
                let Some(f) = FieldId::from_name(&name) else {
                    continue;
                };
                let value = repair(v, d, f.decimals());
                if f.plausible(value) {
                    fields.insert(
                        name,
                        Field {
                            value: Value::Number(value),
                            range: None,
                        },
                    );
                    read[usize::from(kind == Kind::Fat)] += 1;
                }
            }
        }
    }
    read
}

/// Segmental grids printed the other way round: the segments' labels down a column
/// (three or more, one per line, left-aligned), each row's figures to its right. A
/// row's kg figures (percents and evaluations are not) are the lean or the fat table's
/// by the column header nearest above them that names one (근육량, Lean Mass; 체지방량,
/// Fat Mass); with no such header, the first is lean and the second fat when a row
/// prints both, and a single one is the table's named by its title or section. Fills
/// only fields not already read; returns how many it read.
pub(super) fn segment_rows(ctx: &Ctx<'_>, fields: &mut BTreeMap<String, Field>) -> usize {
    let mut hits: Vec<(usize, BBox)> = Vec::new();
    for (k, (_, aliases)) in SEGMENTS.iter().enumerate() {
        for hit in primary(ctx.page.find_label(aliases, &ctx.all)) {
            hits.push((k, hit.bbox));
        }
    }
    let boxes: Vec<BBox> = hits.iter().map(|(_, b)| *b).collect();
    // Stacks of labels: one column, no segment twice, no wide gap between rows.
    let mut stacks: Vec<Vec<(usize, BBox)>> = Vec::new();
    for (_, _, members) in columns(&boxes) {
        let mut cur: Vec<(usize, BBox)> = Vec::new();
        for i in members {
            let (k, b) = hits[i];
            let breaks = cur.last().is_some_and(|(_, l)| {
                let gap = b.cy() - l.cy();
                // A row whose label was not read leaves a gap of two of the stack's
                // own pitches; another table's first row is further.
                let most = match pitch(&cur) {
                    Some(p) => (2.4 * p).max(3.0 * l.h.max(b.h)),
                    None => 3.0 * l.h.max(b.h),
                };
                gap > most || gap < 0.8 * l.h.min(b.h)
            }) || cur.iter().any(|(o, _)| *o == k);
            if breaks {
                stacks.push(std::mem::take(&mut cur));
            }
            cur.push((k, b));
        }
        stacks.push(cur);
    }
    // A segment label printed out of the stack's column (its Korean label unread, its
    // English one beside it) joins it where it stands on the stack's row grid.
    for stack in stacks.iter_mut() {
        let Some(p) = pitch(stack) else {
            continue;
        };
        let (first, x) = (stack[0].1.cy(), stack[0].1.x);
        let h = stack[0].1.h.max(1.0);
        let taken: Vec<i32> = stack
            .iter()
            .map(|(_, b)| ((b.cy() - first) / p).round() as i32)
            .collect();
        let last = taken.iter().copied().max().unwrap_or(0);
        for (k, b) in &hits {
            let row = (b.cy() - first) / p;
            let j = row.round() as i32;
            if (row - j as f32).abs() < 0.3
                && (-1..=last + 1).contains(&j)
                && !taken.contains(&j)
                && !stack.iter().any(|(o, _)| o == k)
                && b.x < x + 6.0 * h
                && (stack.len() + 1) <= SEGMENTS.len()
            {
                stack.push((*k, *b));
            }
        }
        stack.sort_by(|a, b| a.1.cy().total_cmp(&b.1.cy()));
    }
    stacks.retain(|s| s.len() >= 3);
    if stacks.is_empty() {
        return 0;
    }
    let layout = Layout::new(ctx.page.words);
    let mut read = 0;
    for stack in stacks {
        let top = stack.iter().map(|(_, b)| b.y).fold(f32::MAX, f32::min);
        let h = stack.iter().map(|(_, b)| b.h).fold(1.0, f32::max);
        // Column headers: the lines just above the stack that name a table.
        let heads: Vec<(f32, Kind)> = layout
            .lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.bbox.bottom() <= top + 1.0 && top - l.bbox.bottom() < 3.0 * h)
            .flat_map(|(li, _)| layout.phrases_in(li))
            .filter_map(|(t, b)| kind_of(&t).map(|k| (b.cx(), k)))
            .collect();
        let centre = stack[stack.len() / 2].1;
        let section: Vec<Kind> = [("seg_lean", Kind::Lean), ("seg_fat", Kind::Fat)]
            .into_iter()
            .filter(|(s, _)| ctx.sections.get(s).is_some_and(|r| inside(r, &centre)))
            .map(|(_, k)| k)
            .collect();
        for (k, label) in &stack {
            let Some(li) = layout.line_of(label) else {
                continue;
            };
            let cells: Vec<(f64, usize, BBox)> = layout
                .phrases_in(li)
                .into_iter()
                .filter(|(_, b)| b.x >= label.right() - 1.0)
                .filter_map(|(t, b)| cell_kg(&t).map(|(v, d)| (v, d, b)))
                .collect();
            let mut kinds: Vec<(Kind, f64, usize)> = Vec::new();
            for (n, (v, d, b)) in cells.iter().enumerate() {
                let kind = if heads.is_empty() {
                    match (cells.len(), n, &section[..]) {
                        (1, _, [k]) => Some(*k),
                        (c, 0, _) if c >= 2 => Some(Kind::Lean),
                        (c, 1, _) if c >= 2 => Some(Kind::Fat),
                        _ => None,
                    }
                } else {
                    heads
                        .iter()
                        .min_by(|a, b2| (a.0 - b.cx()).abs().total_cmp(&(b2.0 - b.cx()).abs()))
                        .map(|(_, k)| *k)
                };
                if let Some(kind) = kind.filter(|k| !kinds.iter().any(|(o, _, _)| o == k)) {
                    kinds.push((kind, *v, *d));
                }
            }
            for (kind, v, d) in kinds {
                let name = format!("{}_{}_kg", kind.prefix(), SEGMENTS[*k].0);
                let Some(f) = FieldId::from_name(&name) else {
                    continue;
                };
                let value = repair(v, d, f.decimals());
                if f.plausible(value) && !fields.contains_key(&name) {
                    fields.insert(
                        name,
                        Field {
                            value: Value::Number(value),
                            range: None,
                        },
                    );
                    read += 1;
                }
            }
        }
    }
    read
}

/// The row pitch of a stack of labels: its smallest gap (`None` under two rows).
fn pitch(stack: &[(usize, BBox)]) -> Option<f32> {
    stack
        .windows(2)
        .map(|p| p[1].1.cy() - p[0].1.cy())
        .filter(|g| *g > 0.0)
        .min_by(f32::total_cmp)
}

/// Segmental figures around a body figure (a model whose layout row says so), when
/// neither a header row nor a column of segment labels gave them: arms top left and
/// right, trunk in the middle, legs bottom. (Labelled rows, `왼팔 1.9`, are a column of
/// segment labels: [`segment_rows`].)
/// The order every five-column segmental table prints its columns in.
const TABLE_ORDER: [&str; 5] = ["right_arm", "left_arm", "trunk", "right_leg", "left_leg"];

/// A five-column table whose header row was read past matching (`오튼롤 [고 8s
/// 요튼다리 흰다러` on a photo): under the section's heading, the one line of exactly
/// five kg figures (no percents), evenly spaced, is the table's row in its printed
/// order (right arm, left arm, trunk, right leg, left leg) when the figures are a body's:
/// the trunk's the largest, each leg's more than either arm's. The segment heads that
/// were read must stand over their own columns, and the segments already read (a
/// header of four heads, the fifth read past matching) be their columns' figures.
/// Fills only fields not already read.
pub(super) fn unheaded_rows(ctx: &Ctx<'_>, fields: &mut BTreeMap<String, Field>) {
    for (section, kind) in [("seg_lean", Kind::Lean), ("seg_fat", Kind::Fat)] {
        let Some(region) = ctx.sections.get(section) else {
            continue;
        };
        let name = |seg: &str| format!("{}_{seg}_kg", kind.prefix());
        if SEGMENTS.iter().all(|(s, _)| fields.contains_key(&name(s))) {
            continue;
        }
        let percent = |n: &Num| {
            ctx.page.words.iter().any(|w| {
                w.bbox.overlap_area(&n.bbox) > 0.5 * n.bbox.w * n.bbox.h && w.text.contains('%')
            })
        };
        let cands: Vec<&Num> = ctx
            .nums
            .iter()
            .filter(|n| inside(region, &n.bbox) && n.decimal && n.value > 0.0 && !percent(n))
            .filter(|n| n.bbox.y < region.y + 12.0 * n.bbox.h)
            .collect();
        let mut lines: Vec<Vec<&Num>> = cands
            .iter()
            .map(|a| {
                let mut line: Vec<&Num> = cands
                    .iter()
                    .copied()
                    .filter(|b| (b.bbox.cy() - a.bbox.cy()).abs() < 0.5 * a.bbox.h.max(b.bbox.h))
                    .collect();
                line.sort_by(|p, q| p.bbox.cx().total_cmp(&q.bbox.cx()));
                line
            })
            .filter(|l| l.len() == 5)
            .collect();
        lines.sort_by(|a, b| a[0].bbox.y.total_cmp(&b[0].bbox.y));
        lines.dedup_by(|a, b| a.iter().zip(b.iter()).all(|(p, q)| p.bbox == q.bbox));
        let heads: Vec<(usize, BBox)> = TABLE_ORDER
            .iter()
            .enumerate()
            .filter_map(|(k, seg)| {
                let aliases = SEGMENTS.iter().find(|(s, _)| s == seg)?.1;
                primary(ctx.page.find_label(aliases, region))
                    .first()
                    .map(|h| (k, h.bbox))
            })
            .collect();
        let row = lines.into_iter().find_map(|line| {
            let gaps: Vec<f32> = line
                .windows(2)
                .map(|p| p[1].bbox.cx() - p[0].bbox.cx())
                .collect();
            let mean = gaps.iter().sum::<f32>() / gaps.len() as f32;
            let h = line.iter().map(|n| n.bbox.h).fold(1.0, f32::max);
            let even = mean > 2.0 * h && gaps.iter().all(|g| (g - mean).abs() < 0.25 * mean);
            let values: Vec<f64> = TABLE_ORDER
                .iter()
                .zip(&line)
                .map(|(seg, n)| repair(n.value, n.read_decimals, decimals(&name(seg))))
                .collect();
            let arms = values[0].max(values[1]);
            let body = values[2]
                > values
                    .iter()
                    .copied()
                    .filter(|v| *v != values[2])
                    .fold(0.0, f64::max)
                && values[3].min(values[4]) > arms;
            // A head read stands over its column (within half a column).
            let headed = heads
                .iter()
                .all(|(k, b)| (b.cx() - line[*k].bbox.cx()).abs() < 0.5 * mean);
            // The segments already read (under heads that were) are this row's.
            let agrees = TABLE_ORDER.iter().zip(&values).all(|(seg, v)| {
                fields
                    .get(&name(seg))
                    .and_then(|f| f.value.as_f64())
                    .is_none_or(|x| (x - v).abs() < 1e-6)
            });
            (even && body && headed && agrees).then_some(values)
        });
        let Some(values) = row else {
            continue;
        };
        for (seg, value) in TABLE_ORDER.iter().zip(values) {
            let key = name(seg);
            let plausible = FieldId::from_name(&key).is_some_and(|f| f.plausible(value));
            if plausible && !fields.contains_key(&key) {
                fields.insert(
                    key,
                    Field {
                        value: Value::Number(value),
                        range: None,
                    },
                );
            }
        }
    }
}

pub(super) fn segmental(
    ctx: &Ctx<'_>,
    fields: &mut BTreeMap<String, Field>,
    section: &str,
    prefix: &str,
) {
    let Some(region) = ctx.sections.get(section) else {
        return;
    };
    // A table read by its structure (see [`segment_tables`], [`segment_rows`]) is the
    // whole answer.
    let from_table = SEGMENTS
        .iter()
        .filter(|(s, _)| fields.contains_key(&format!("{prefix}_{s}_kg")))
        .count();
    if from_table >= 3 {
        return;
    }
    // Only a model that prints a body figure (its layout row) leaves the figures
    // unlabelled around it.
    if !ctx.model.body_figure
        || SEGMENTS
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
    // Where the figures print their unit (`2.8kg`), a figure without one outside
    // theirs is not one of them (the history table under an unread heading).
    let kg = |n: &Num| {
        ctx.page.words.iter().any(|w| {
            let t = w.text.trim().to_lowercase();
            let unit = |t: &str| KG_READINGS.iter().any(|u| t.ends_with(u));
            (w.bbox == n.bbox && unit(&t))
                || (unit(&t)
                    && t.len() == 2
                    && w.bbox.x > n.bbox.right() - 1.0
                    && w.bbox.x - n.bbox.right() < 1.5 * n.bbox.h
                    && (w.bbox.cy() - n.bbox.cy()).abs() < 0.5 * n.bbox.h)
        })
    };
    let with_unit: Vec<BBox> = nums.iter().filter(|n| kg(n)).map(|n| n.bbox).collect();
    let nums: Vec<&Num> = match with_unit.split_first() {
        Some((first, rest)) if rest.len() >= 2 => {
            let b = rest.iter().fold(*first, |b, o| b.union(o));
            let h = first.h;
            nums.into_iter()
                .filter(|n| {
                    n.bbox.cy() > b.y - 2.5 * h
                        && n.bbox.cy() < b.bottom() + 2.5 * h
                        && n.bbox.cx() > b.x - 2.0 * h
                        && n.bbox.cx() < b.right() + 2.0 * h
                })
                .collect()
        }
        _ => nums,
    };
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
        // A percent of standard beside the kg (`202.8%`) is no segment's figure.
        if FieldId::from_name(&name).is_some_and(|f| !f.plausible(value)) {
            return;
        }
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

#[cfg(test)]
#[path = "segments_tests.rs"]
mod tests;
