//! The page's structure, from words and boxes alone: lines (rows of words), phrases
//! (runs of words on a line with no column gap), the figures a phrase prints (with a
//! glued or detached unit, a range `(a~b)` / `(a-b)` / `a~b)`, a bracketed kg beside a
//! percent, a score `79/100점`), columns (x-extents aligned across lines), header rows
//! (a line of labels over columns) with the bands under each header, and table cells
//! (a row label's line crossed with a column band).
//!
//! It knows nothing of InBody: which labels head a table, and which field a cell is,
//! is the caller's. Nothing here depends on a layout's coordinates, only on how
//! words line up with each other.
//!
//! # What it owns
//! [`Layout`] (lines and phrases), [`Token`] / [`tokens`] (what a phrase prints),
//! [`columns`], [`HeaderRow`] with [`HeaderRow::band`] and [`HeaderRow::cells`].

use super::super::figures::{parse_range_as, read_figure};
use super::super::{BBox, Word};

/// A line of the page: words whose boxes overlap vertically, left to right.
#[derive(Debug, Clone)]
pub(super) struct Line {
    /// Indices into the words, left to right.
    pub(super) words: Vec<usize>,
    pub(super) bbox: BBox,
    /// The line's typical word height (its median).
    pub(super) h: f32,
}

/// A run of words on one line with no wider gap than a space between them: a label, a
/// figure with its unit, a range.
#[derive(Debug, Clone)]
pub(super) struct Phrase {
    pub(super) line: usize,
    pub(super) words: Vec<usize>,
    pub(super) bbox: BBox,
    /// The words' texts joined with single spaces.
    pub(super) text: String,
}

/// The lines and phrases of a page.
pub(super) struct Layout {
    pub(super) lines: Vec<Line>,
    pub(super) phrases: Vec<Phrase>,
}

/// Gap between two words (in line heights) that ends a phrase: wider than a space,
/// narrower than a column gutter.
const PHRASE_GAP: f32 = 0.9;

impl Layout {
    pub(super) fn new(words: &[Word]) -> Layout {
        let mut order: Vec<usize> = (0..words.len()).collect();
        order.sort_by(|a, b| words[*a].bbox.cy().total_cmp(&words[*b].bbox.cy()));
        // Each word joins the line whose middle band holds its centre (a bilingual
        // label's small English print under it is its own line).
        let mut lines: Vec<Line> = Vec::new();
        for i in order {
            let b = words[i].bbox;
            let found = lines.iter_mut().rev().take(8).find(|l| {
                let h = l.h.min(b.h).max(1.0);
                (l.bbox.cy() - b.cy()).abs() < 0.5 * h
                    || (b.cy() > l.bbox.y + 0.25 * l.h && b.cy() < l.bbox.bottom() - 0.25 * l.h)
            });
            match found {
                Some(l) => {
                    l.words.push(i);
                    l.bbox = l.bbox.union(&b);
                    let mut hs: Vec<f32> = l.words.iter().map(|j| words[*j].bbox.h).collect();
                    hs.sort_by(f32::total_cmp);
                    l.h = hs[hs.len() / 2].max(1.0);
                }
                None => lines.push(Line {
                    words: vec![i],
                    bbox: b,
                    h: b.h.max(1.0),
                }),
            }
        }
        lines.sort_by(|a, b| a.bbox.cy().total_cmp(&b.bbox.cy()));
        let mut phrases = Vec::new();
        for (li, l) in lines.iter_mut().enumerate() {
            l.words
                .sort_by(|a, b| words[*a].bbox.x.total_cmp(&words[*b].bbox.x));
            let mut cur: Option<Phrase> = None;
            for &i in &l.words {
                let w = &words[i];
                let gap_ok = cur
                    .as_ref()
                    .is_some_and(|p| w.bbox.x - p.bbox.right() < PHRASE_GAP * l.h);
                match (&mut cur, gap_ok) {
                    (Some(p), true) => {
                        p.words.push(i);
                        p.bbox = p.bbox.union(&w.bbox);
                        p.text.push(' ');
                        p.text.push_str(&w.text);
                    }
                    _ => {
                        phrases.extend(cur.take());
                        cur = Some(Phrase {
                            line: li,
                            words: vec![i],
                            bbox: w.bbox,
                            text: w.text.clone(),
                        });
                    }
                }
            }
            phrases.extend(cur);
        }
        Layout { lines, phrases }
    }

    /// The phrases of line `li`, as `(text, box)`, left to right.
    pub(super) fn phrases_in(&self, li: usize) -> Vec<(String, BBox)> {
        self.phrases
            .iter()
            .filter(|p| p.line == li)
            .map(|p| (p.text.clone(), p.bbox))
            .collect()
    }

    /// The line holding `b`'s centre, if any.
    pub(super) fn line_of(&self, b: &BBox) -> Option<usize> {
        self.lines
            .iter()
            .position(|l| b.cy() >= l.bbox.y && b.cy() <= l.bbox.bottom())
    }
}

/// What a phrase prints, left to right.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Token {
    /// A figure with the decimals it was read with and its unit when printed (`kg`,
    /// `%`, `L`, `cm`, `kcal`, `점`), glued or as the next word.
    Figure {
        value: f64,
        decimals: usize,
        unit: Option<&'static str>,
    },
    /// A kg in brackets (`(1.5kg)`), printed beside a percent of standard.
    BracketKg { value: f64, decimals: usize },
    /// A range `(a ~ b)`, `(a-b)`, or with a bracket lost (`a~b)`, `(a~b`, `a~b`).
    Range([f64; 2]),
    /// A score out of a hundred (`79/100점`, `59 /100 Points`).
    Score(f64),
    /// Anything else (a label, a unit alone, an evaluation).
    Text,
}

const UNITS: [&str; 6] = ["kcal", "kg", "cm", "%", "점", "L"];

/// Whether `text` is one of the units a sheet prints, alone (`kg`, `L`, `점`; any case).
pub(crate) fn is_unit(text: &str) -> bool {
    UNITS.iter().any(|u| text.eq_ignore_ascii_case(u))
}

fn unit_of(text: &str) -> Option<&'static str> {
    let t = text.trim().trim_end_matches(')');
    UNITS
        .iter()
        .find(|u| t.to_lowercase().ends_with(&u.to_lowercase()))
        .copied()
}

/// The tokens of one phrase's text (words joined with spaces). A range is read over
/// the whole phrase first, since OCR splits `( 27.0 ~ 33.0 )` into five words.
pub(super) fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let parts: Vec<&str> = text.split_whitespace().collect();
    let mut i = 0;
    while i < parts.len() {
        let p = parts[i];
        // A bracketed kg: `(1.5kg)`, `(1.5 kg)`, `( 1.5 kg)`.
        if p.starts_with('(') && !p.contains(['~', '～']) {
            let mut joined = String::new();
            let end = (i..parts.len().min(i + 4)).find(|&k| {
                joined.push_str(parts[k]);
                joined.ends_with(')')
            });
            let lower = joined.to_ascii_lowercase();
            let inner = lower.trim_start_matches('(').trim_end_matches(')');
            // The unit is often misread (`(1.1(9)`, `(8.0<0)`, `(2.010)`): a figure with
            // a decimal point right after the bracket is the kg all the same.
            let head: String = inner
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            let rest = &inner[head.len()..];
            let misread_unit = head.contains('.') && !rest.contains(['-', '~', '.']);
            let fig = inner
                .strip_suffix("kg")
                .or(misread_unit.then_some(head.as_str()));
            let kg = end.zip(fig.and_then(|f| read_figure(f, true)));
            if let Some((k, (value, decimals))) = kg {
                out.push(Token::BracketKg { value, decimals });
                i = k + 1;
                continue;
            }
        }
        // A range starting here: the fewest words from here that read as one, and
        // a lone `)` after them.
        let opens = p.starts_with('(')
            || p.contains(['~', '～'])
            || parts.get(i + 1).is_some_and(|n| n.starts_with(['~', '～']));
        if opens {
            let mut joined = String::new();
            let range = (i..parts.len().min(i + 5)).find_map(|j| {
                joined.push_str(parts[j]);
                parse_range_as(&joined, None).map(|r| (j + 1, r))
            });
            if let Some((mut j, r)) = range {
                if parts.get(j) == Some(&")") {
                    j += 1;
                }
                out.push(Token::Range(r));
                i = j;
                continue;
            }
        }
        // The score: a figure over a hundred, `/100` glued or its own word.
        let over = |t: &str| t.split_once('/').is_some_and(|(_, d)| d.starts_with("100"));
        if over(p) || parts.get(i + 1).is_some_and(|n| n.starts_with("/100")) {
            let head = p.split_once('/').map_or(p, |(h, _)| h);
            if let Some((v, _)) = read_figure(head, true) {
                out.push(Token::Score(v));
                i += if over(p) { 1 } else { 2 };
                continue;
            }
        }
        if let Some((value, decimals)) = read_figure(p, true) {
            let unit = unit_of(p).filter(|_| p.chars().last().is_some_and(|c| !c.is_ascii_digit()));
            let next_unit = parts.get(i + 1).and_then(|n| {
                let n = n.trim();
                UNITS.iter().find(|u| n.eq_ignore_ascii_case(u)).copied()
            });
            out.push(Token::Figure {
                value,
                decimals,
                unit: unit.or(next_unit),
            });
            i += if unit.is_none() && next_unit.is_some() {
                2
            } else {
                1
            };
            continue;
        }
        out.push(Token::Text);
        i += 1;
    }
    out
}

/// Boxes grouped into columns: boxes whose x-extents overlap (by half the narrower)
/// are one column. Left to right; each column lists its members' indices top to
/// bottom.
pub(super) fn columns(boxes: &[BBox]) -> Vec<(f32, f32, Vec<usize>)> {
    let mut cols: Vec<(f32, f32, Vec<usize>)> = Vec::new();
    let mut order: Vec<usize> = (0..boxes.len()).collect();
    order.sort_by(|a, b| boxes[*a].cy().total_cmp(&boxes[*b].cy()));
    for i in order {
        let b = boxes[i];
        let found = cols.iter_mut().find(|(x0, x1, _)| {
            let overlap = x1.min(b.right()) - x0.max(b.x);
            overlap >= 0.5 * b.w.min(x1 - x0).max(1.0)
        });
        match found {
            Some((x0, x1, m)) => {
                *x0 = x0.min(b.x);
                *x1 = x1.max(b.right());
                m.push(i);
            }
            None => cols.push((b.x, b.right(), vec![i])),
        }
    }
    cols.sort_by(|a, b| a.0.total_cmp(&b.0));
    cols
}

/// A line of a table under a header row.
#[derive(Debug, Clone)]
pub(super) struct TableRow {
    /// The text left of the table: the row's label.
    pub(super) label: String,
    /// Each band's text that holds words, as `(header index, text)`.
    pub(super) cells: Vec<(usize, String)>,
    /// Phrases in a band beside the one under its header: the figure of a column
    /// whose header was not read.
    pub(super) orphans: Vec<String>,
}

/// A row of labels over columns (오른팔 왼팔 몸통 오른다리 왼다리): each header's key
/// and box, left to right, and the line they stand on.
#[derive(Debug, Clone)]
pub(super) struct HeaderRow<K> {
    pub(super) heads: Vec<(K, BBox)>,
    pub(super) h: f32,
}

impl<K: Copy> HeaderRow<K> {
    /// Header rows among labelled hits: every line holding at least `min` hits of
    /// distinct keys (the best hit of each key on that line). Top to bottom.
    pub(super) fn find(hits: &[(K, BBox)], min: usize) -> Vec<HeaderRow<K>>
    where
        K: PartialEq,
    {
        let mut rows: Vec<HeaderRow<K>> = Vec::new();
        let mut sorted: Vec<&(K, BBox)> = hits.iter().collect();
        sorted.sort_by(|a, b| a.1.cy().total_cmp(&b.1.cy()));
        for (k, b) in sorted {
            let h = b.h.max(1.0);
            match rows.iter_mut().find(|r| {
                r.heads
                    .iter()
                    .any(|(_, o)| (o.cy() - b.cy()).abs() < 0.5 * h.max(o.h))
            }) {
                Some(r) => {
                    if !r.heads.iter().any(|(o, _)| o == k) {
                        r.heads.push((*k, *b));
                    }
                }
                None => rows.push(HeaderRow {
                    heads: vec![(*k, *b)],
                    h,
                }),
            }
        }
        rows.retain(|r| r.heads.len() >= min);
        for r in &mut rows {
            r.heads.sort_by(|a, b| a.1.x.total_cmp(&b.1.x));
        }
        rows
    }

    /// The x-band under header `i`: from halfway to its left neighbour to halfway to
    /// its right one (a figure wider than its header, or off-centre, is still its).
    /// The outer headers reach as far out as half their spacing.
    pub(super) fn band(&self, i: usize) -> (f32, f32) {
        let cx: Vec<f32> = self.heads.iter().map(|(_, b)| b.cx()).collect();
        let n = cx.len();
        let spacing = if n > 1 {
            (cx[n - 1] - cx[0]) / (n - 1) as f32
        } else {
            self.heads[0].1.w + 2.0 * self.h
        };
        let lo = if i == 0 {
            cx[0] - spacing / 2.0
        } else {
            (cx[i - 1] + cx[i]) / 2.0
        };
        let hi = if i + 1 == n {
            cx[n - 1] + spacing / 2.0
        } else {
            (cx[i] + cx[i + 1]) / 2.0
        };
        (lo, hi)
    }

    /// The header's line bottom: where the table's rows start.
    pub(super) fn bottom(&self) -> f32 {
        self.heads
            .iter()
            .map(|(_, b)| b.bottom())
            .fold(0.0, f32::max)
    }

    pub(super) fn top(&self) -> f32 {
        self.heads.iter().map(|(_, b)| b.y).fold(f32::MAX, f32::min)
    }

    /// The table's left edge: left of it on a row is the row's label.
    pub(super) fn left(&self) -> f32 {
        self.band(0).0
    }

    /// The rows under this header, down to `until` (the next header row or the
    /// end of the table): for each line, the text left of the table (the row's label)
    /// and the text of each band that holds words, as `(header index, text)`. Words go
    /// to bands one by one, so two columns' figures closer than a phrase gap stay apart.
    pub(super) fn cells(&self, words: &[Word], layout: &Layout, until: f32) -> Vec<TableRow> {
        let mut out = Vec::new();
        for line in &layout.lines {
            if line.bbox.cy() <= self.bottom() || line.bbox.cy() >= until {
                continue;
            }
            let mut label = String::new();
            // Each band's phrases: (header index, text, box).
            let mut parts: Vec<(usize, String, BBox)> = Vec::new();
            for &wi in &line.words {
                let w = &words[wi];
                if w.bbox.right() <= self.left() + 0.5 * self.h {
                    if !label.is_empty() {
                        label.push(' ');
                    }
                    label.push_str(&w.text);
                    continue;
                }
                let band = (0..self.heads.len()).find(|&i| {
                    let (lo, hi) = self.band(i);
                    w.bbox.cx() >= lo && w.bbox.cx() < hi
                });
                let Some(i) = band else { continue };
                // A figure after a figure already in kg is the next column's (`3.43 kg
                // 30.6kg` where a head was lost), not the same cell's; a percent after
                // it is the cell's own (`(1.5kg) 178.0%`).
                let next_figure = |t: &str| {
                    let lower = t.trim_end_matches(')').to_lowercase();
                    lower.ends_with("kg")
                        && !w.text.contains('%')
                        && w.text
                            .trim_start_matches('(')
                            .starts_with(|c: char| c.is_ascii_digit())
                };
                match parts.last_mut() {
                    Some((j, t, b))
                        if *j == i
                            && w.bbox.x - b.right() < PHRASE_GAP * line.h
                            && !next_figure(t) =>
                    {
                        t.push(' ');
                        t.push_str(&w.text);
                        *b = b.union(&w.bbox);
                    }
                    _ => parts.push((i, w.text.clone(), w.bbox)),
                }
            }
            // A band holding two phrases (its neighbour's header was not read, so the
            // band runs over that column too) keeps the one nearest its header.
            let mut cells: Vec<(usize, String)> = Vec::new();
            let mut orphans: Vec<String> = Vec::new();
            for i in 0..self.heads.len() {
                let cx = self.heads[i].1.cx();
                let nearest = parts
                    .iter()
                    .filter(|(j, _, _)| *j == i)
                    .min_by(|a, b| (a.2.cx() - cx).abs().total_cmp(&(b.2.cx() - cx).abs()));
                if let Some((_, t, nb)) = nearest {
                    cells.push((i, t.clone()));
                    orphans.extend(
                        parts
                            .iter()
                            .filter(|(j, _, b)| *j == i && b != nb)
                            .map(|(_, t, _)| t.clone()),
                    );
                }
            }
            if !cells.is_empty() {
                out.push(TableRow {
                    label,
                    cells,
                    orphans,
                });
            }
        }
        out
    }
}

#[cfg(test)]
#[path = "layout_tests.rs"]
mod tests;
