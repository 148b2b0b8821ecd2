//! The subject header's text fields (`sex`, `tested_at`) and the printed model name;
//! and the fields whose printed value names them where their label was not read.
//!
//! # What it owns
//! [`header_text_fields`] (with the height by its unit, where its label was not
//! read), [`score_by_value`], [`header_spots`] (where an engine should read the
//! header's text again), [`parse_datetime`], [`detect_model`].

use std::collections::BTreeMap;

use super::super::fields::Field as F;
use super::super::figures::{read_figure, repair};
use super::super::{BBox, Word};
use super::page::{Hit, Page};
use super::Report;
use super::{Ctx, Field, Value};

/// `sex` and `tested_at`: text, not figures.
pub(super) fn header_text_fields(ctx: &Ctx<'_>, fields: &mut BTreeMap<String, Field>) {
    let all = ctx.all;
    let words = ctx.page.words;
    // Words to the right on the same row, or on the row directly below, in reading order.
    let after = |hit: &Hit| -> String {
        let h = hit.h;
        let mut right: Vec<&Word> = words
            .iter()
            .filter(|w| {
                w.bbox.x >= hit.bbox.right() - 1.0
                    && (w.bbox.cy() - hit.bbox.cy()).abs() < 0.6 * h
                    // Far enough for a date and time after a long label; the join
                    // below stops at the next column.
                    && w.bbox.x - hit.bbox.right() < 24.0 * h
            })
            .collect();
        right.sort_by(|a, b| a.bbox.x.total_cmp(&b.bbox.x));
        let mut below: Vec<&Word> = words
            .iter()
            .filter(|w| {
                // Centred below the label: a word beside it that starts a little lower
                // (the telephone line right of the header) is not the next row.
                w.bbox.cy() > hit.bbox.bottom()
                    && w.bbox.y - hit.bbox.bottom() < 2.0 * h
                    && w.bbox.right() > hit.bbox.x - h
                    && w.bbox.x < hit.bbox.right() + 12.0 * h
            })
            .collect();
        // Only the first row below, left to right, stopping at a wide gap (the next
        // column's value).
        if let Some(top) = below.iter().map(|w| w.bbox.cy()).min_by(f32::total_cmp) {
            below.retain(|w| (w.bbox.cy() - top).abs() < 0.7 * h);
        }
        below.sort_by(|a, b| a.bbox.x.total_cmp(&b.bbox.x));
        let join = |ws: &[&Word]| -> String {
            let mut s = String::new();
            let mut last: Option<&BBox> = None;
            for w in ws {
                if let Some(l) = last {
                    // A wide gap ends the value, but only once a value has begun: the
                    // label may go on first (`Test Date / Time      2017.10.21.`).
                    if w.bbox.x - l.right() > 2.5 * h && s.chars().any(|c| c.is_ascii_digit()) {
                        break;
                    }
                    s.push(' ');
                }
                s.push_str(&w.text);
                last = Some(&w.bbox);
            }
            s
        };
        format!("{} | {}", join(&right), join(&below))
    };
    let put = |fields: &mut BTreeMap<String, Field>, name: &str, value: Value| {
        fields.insert(name.into(), Field { value, range: None });
    };
    // The value is a word, and in Korean (성별 남성): a label followed by Hangul is
    // still this one; where no label led to one, a value that names itself.
    let sex = ctx
        .page
        .find_text(&F::Sex.labels().collect::<Vec<_>>(), &all, false)
        .iter()
        .find_map(|hit| after(hit).split(['|', ' ']).find_map(parse_sex))
        .or_else(|| sex_by_value(ctx));
    if let Some(sex) = sex {
        put(fields, F::Sex.name(), Value::Text(sex.into()));
    }
    if !fields.contains_key(F::Height.name()) {
        if let Some(x) = height_by_unit(ctx) {
            put(fields, F::Height.name(), Value::Number(x));
        }
    }
    for hit in ctx.page.find_label(
        &["검사일시", "Test Date / Time", "Test Date", "검사일"],
        &all,
    ) {
        let text = after(&hit);
        if let Some(t) = text.split('|').find_map(parse_datetime) {
            put(fields, F::TestedAt.name(), Value::Text(t));
            break;
        }
    }
}

/// The height where its label led to no figure (`신장` read as `시강`, or lost): the one
/// figure in the header (the page's top third) printed in cm, glued (`180.3cm`) or
/// with its unit just after it. A colon or bar before it read as a `1` (`1172.0 cm`,
/// `1:173.2 cm`, for `신장: 172.0 cm`) is dropped when the figure as read is no
/// height. Two such figures that differ say nothing.
fn height_by_unit(ctx: &Ctx<'_>) -> Option<f64> {
    let words = ctx.page.words;
    let top = ctx.page.bounds().h / 3.0;
    let is_cm = |t: &str| matches!(t.trim().to_lowercase().as_str(), "cm" | "em" | "(cm)");
    let field = F::Height;
    let read = |t: &str| {
        read_figure(t, true)
            .map(|(v, d)| repair(v, d, field.decimals()))
            .filter(|v| field.plausible(*v))
    };
    let mut found: Option<f64> = None;
    for (i, w) in words.iter().enumerate().filter(|(_, w)| w.bbox.y < top) {
        let t = w.text.trim();
        let lower = t.to_lowercase();
        let figure = match lower
            .strip_suffix("cm")
            .or_else(|| lower.strip_suffix("em"))
        {
            Some(head) if !head.is_empty() => &t[..head.len()],
            _ if ctx.page.right[i]
                .first()
                .is_some_and(|&j| is_cm(&words[j].text)) =>
            {
                t
            }
            _ => continue,
        };
        let Some(x) = read(figure).or_else(|| {
            let rest = figure.strip_prefix('1')?;
            read(rest.strip_prefix([':', '：']).unwrap_or(rest))
        }) else {
            continue;
        };
        match found {
            Some(y) if (y - x).abs() > 1e-9 => return None,
            _ => found = Some(x),
        }
    }
    found
}

/// Where a closer look may read what the reading lacks of the header's text: the
/// cell of each label of `sex` found in the page's top third (the label, and about
/// three lines under it and a label's width either side), when `report` has no sex.
/// A page-wide sparse reading loses a short value beside a table's rule (`여성` read
/// as `성`); read on its own, the cell gives it. Each cell with its label's height, in
/// page coordinates of `words`.
pub fn header_spots(words: &[Word], report: &Report) -> Vec<(BBox, f32)> {
    if report.fields.contains_key(F::Sex.name()) {
        return Vec::new();
    }
    let page = Page::new(words);
    let top = BBox {
        h: page.height / 3.0,
        ..page.bounds()
    };
    let labels: Vec<&str> = F::Sex.labels().collect();
    let mut spots: Vec<(BBox, f32)> = Vec::new();
    for hit in page.find_text(&labels, &top, false) {
        let (b, h) = (hit.bbox, hit.h);
        let cell = BBox {
            x: b.x - b.w.max(2.0 * h),
            y: b.y - 0.5 * h,
            w: b.w + 2.0 * b.w.max(2.0 * h),
            h: 4.5 * h,
        };
        match spots.iter_mut().find(|(s, _)| s.overlap_area(&cell) > 0.0) {
            Some((s, text_h)) => {
                *s = s.union(&cell);
                *text_h = text_h.max(h);
            }
            None => spots.push((cell, h)),
        }
    }
    spots
}

/// `sex` where its label was not read (`성별` as `별`, `석벽`, glued to its value):
/// the value names itself. Only a whole word (`남성`, `Female`), or one that ends in
/// the Korean value (`성별남성`) or follows a colon (`Gender:Female`), in the header (the
/// page's top third), and only when every such word agrees; one letter (`남`, `M`) is
/// too little to tell from anything else on the page.
fn sex_by_value(ctx: &Ctx<'_>) -> Option<&'static str> {
    let top = ctx.page.bounds().h / 3.0;
    let mut found = ctx
        .page
        .words
        .iter()
        .filter(|w| w.bbox.y < top)
        .filter_map(|w| {
            let t = w.text.trim();
            let tail = t.rsplit([':', '：']).next().unwrap_or(t);
            let korean = ["남성", "여성"].into_iter().find(|v| t.ends_with(v));
            [tail, korean.unwrap_or("")]
                .into_iter()
                .filter(|v| {
                    v.trim_matches(|c: char| !c.is_alphanumeric())
                        .chars()
                        .count()
                        >= 2
                })
                .find_map(parse_sex)
        });
    let first = found.next()?;
    found.all(|s| s == first).then_some(first)
}

/// The InBody score where no label led to it (its heading read as the tail of a
/// header value beside it, or misread): the score prints as `NN/100점` (`92/100`,
/// `60/1004` with its `점` read as a digit), or its figure large with `/100점` small
/// beside it, and nothing else on a sheet is a figure out of 100. Taken only when
/// every such reading on the page agrees.
pub(super) fn score_by_value(ctx: &Ctx<'_>, fields: &mut BTreeMap<String, Field>) {
    let name = F::InBodyScore.name();
    if fields.contains_key(name) {
        return;
    }
    let words = ctx.page.words;
    let score = |head: &str| {
        let head = head.trim();
        ((2..=3).contains(&head.len()) && head.bytes().all(|b| b.is_ascii_digit()))
            .then(|| head.parse::<f64>().ok())
            .flatten()
            .filter(|v| F::InBodyScore.plausible(*v))
    };
    let out_of_100 = |t: &str| t.trim_start().starts_with("100");
    let mut found = words.iter().enumerate().filter_map(|(i, w)| {
        if let Some((head, tail)) = w.text.split_once('/') {
            return if out_of_100(tail) { score(head) } else { None };
        }
        // The figure, and `/100` the next word on its line.
        let next = ctx.page.right[i].first().map(|j| &words[*j])?;
        let tail = next.text.strip_prefix('/')?;
        (out_of_100(tail) && next.bbox.x - w.bbox.right() < w.bbox.h)
            .then(|| score(&w.text))
            .flatten()
    });
    let Some(first) = found.next() else {
        return;
    };
    if found.all(|v| v == first) {
        fields.insert(
            name.into(),
            Field {
                value: Value::Number(first),
                range: None,
            },
        );
    }
}

pub(super) fn parse_sex(word: &str) -> Option<&'static str> {
    let w = word.trim().trim_matches(|c: char| !c.is_alphanumeric());
    match w.to_lowercase().as_str() {
        "여성" | "여" | "여자" | "female" | "f" => Some("female"),
        "남성" | "남" | "남자" | "male" | "m" => Some("male"),
        _ => None,
    }
}

/// `2016.05.04. 09:46` (and `-`/`/` separators) → `2016-05-04T09:46`.
pub fn parse_datetime(text: &str) -> Option<String> {
    let digits: Vec<(usize, &str)> = {
        let mut out = Vec::new();
        let mut start = None;
        for (i, c) in text.char_indices() {
            match (c.is_ascii_digit(), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    out.push((s, &text[s..i]));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            out.push((s, &text[s..]));
        }
        out
    };
    let groups: Vec<&str> = digits.iter().map(|(_, d)| *d).collect();
    let pos = groups.iter().position(|g| g.len() == 4)?;
    let mut g: Vec<&str> = groups[pos..].to_vec();
    // The space between date and time lost (`2025-09-2607:11`, `2023.10.0118:23`):
    // the day's two digits run into the hour's.
    if g.len() == 4 && (3..=4).contains(&g[2].len()) && g[3].len() == 2 {
        let (d, h) = g[2].split_at(2);
        g.splice(2..3, [d, h]);
    }
    if g.len() < 5 {
        return None;
    }
    let num = |s: &str| s.parse::<u32>().ok();
    let (y, mo, d, h, mi) = (num(g[0])?, num(g[1])?, num(g[2])?, num(g[3])?, num(g[4])?);
    if !(1990..=2100).contains(&y) || !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    if h > 23 || mi > 59 || g[4].len() != 2 {
        return None;
    }
    Some(format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}"))
}

/// `InBody370S`, `InBody 570`, `[InBody270]` → the model name.
pub(super) fn detect_model(words: &[Word]) -> Option<String> {
    for (i, w) in words.iter().enumerate() {
        let t: String = w
            .text
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        let lower = t.to_ascii_lowercase();
        let Some(pos) = lower.find("inbody") else {
            continue;
        };
        let mut rest = t[pos + 6..].to_string();
        if rest.is_empty() {
            // `InBody 570`: the number is the next word on the line.
            if let Some(n) = words.get(i + 1) {
                if (n.bbox.cy() - w.bbox.cy()).abs() < w.bbox.h * 0.5
                    && n.bbox.x - w.bbox.right() < w.bbox.h
                {
                    rest = n
                        .text
                        .chars()
                        .filter(|c| c.is_ascii_alphanumeric())
                        .collect();
                }
            }
        }
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        if digits.len() == 3 {
            let suffix: String = rest[3..]
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .take(1)
                .map(|c| c.to_ascii_uppercase())
                .collect();
            return Some(format!("InBody{digits}{suffix}"));
        }
    }
    None
}
