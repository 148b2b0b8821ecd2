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

use std::collections::BTreeMap;

use super::fields::Field as F;
use super::figures::{could_be, numbers, parse_range_as, repair, Num};
pub use super::figures::{decimals, lookalike, parse_number, parse_range};
pub use super::report::{body_type, BodyType, Reading, Reading as Field, Report, Value};
use super::{BBox, Word};

/// Every field of the report, in the contract's order.
pub const FIELDS: &[&str] = &super::fields::NAMES;
// Text normalisation and label matching

/// Hangul syllables split into jamo (as three code points), everything else kept;
/// spaces and punctuation dropped, ASCII lowercased.
fn jamo(s: &str) -> Vec<u32> {
    let mut out = Vec::with_capacity(s.len() * 2);
    for c in s.chars() {
        let u = c as u32;
        if (0xAC00..=0xD7A3).contains(&u) {
            let i = u - 0xAC00;
            out.push(0x1100 + i / 588);
            out.push(0x1161 + (i % 588) / 28);
            if !i.is_multiple_of(28) {
                out.push(0x11A7 + i % 28);
            }
        } else if c.is_alphanumeric() {
            out.push(c.to_ascii_lowercase() as u32);
        }
    }
    out
}

fn levenshtein(a: &[u32], b: &[u32]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

pub(crate) fn is_hangul(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c) || ('\u{3131}'..='\u{318E}').contains(&c)
}

/// The label part of a word: what comes before a unit in parentheses (`체수분(L)`).
fn label_text(word: &str) -> &str {
    word.split(['(', '（', '[']).next().unwrap_or(word)
}

/// Edits allowed between a label and what OCR read: about one per five jamo/letters.
fn tolerance(len: usize) -> usize {
    match len {
        0..=4 => 0,
        5..=9 => 1,
        10..=14 => 2,
        _ => 3,
    }
}

/// A label found on the page.
#[derive(Debug, Clone, Copy)]
struct Hit {
    bbox: BBox,
    /// Line height (the label's word height).
    h: f32,
    dist: usize,
}

/// The words, with a cheap index of neighbours for building label chains.
struct Page<'a> {
    words: &'a [Word],
    /// For each word, the nearest word to its right on the same line, if close.
    next: Vec<Option<usize>>,
    /// The inverse of `next`.
    prev: Vec<Option<usize>>,
    width: f32,
    height: f32,
}

impl<'a> Page<'a> {
    fn new(words: &'a [Word]) -> Page<'a> {
        let mut next = vec![None; words.len()];
        for (i, a) in words.iter().enumerate() {
            let mut best: Option<(usize, f32)> = None;
            for (j, b) in words.iter().enumerate() {
                if i == j || b.bbox.x <= a.bbox.x {
                    continue;
                }
                let overlap = a.bbox.bottom().min(b.bbox.bottom()) - a.bbox.y.max(b.bbox.y);
                let hmin = a.bbox.h.min(b.bbox.h).max(1.0);
                let gap = b.bbox.x - a.bbox.right();
                if overlap < 0.4 * hmin || gap > 1.2 * a.bbox.h.max(b.bbox.h) {
                    continue;
                }
                if best.is_none_or(|(_, g)| gap < g) {
                    best = Some((j, gap));
                }
            }
            next[i] = best.map(|(j, _)| j);
        }
        let mut prev = vec![None; words.len()];
        for (i, n) in next.iter().enumerate() {
            if let Some(j) = n {
                prev[*j] = Some(i);
            }
        }
        let width = words.iter().map(|w| w.bbox.right()).fold(1.0, f32::max);
        let height = words.iter().map(|w| w.bbox.bottom()).fold(1.0, f32::max);
        Page {
            words,
            next,
            prev,
            width,
            height,
        }
    }

    /// Every place where one of `aliases` is printed, best matches first within
    /// `region`. A match must be complete: the chain may not continue with more
    /// Hangul (so `체중` does not match the start of `체중조절`).
    fn find_label(&self, aliases: &[&str], region: &BBox) -> Vec<Hit> {
        self.find_text(aliases, region, true)
    }

    /// [`Page::find_label`], and with `complete` false a match may also be followed
    /// by more Hangul: a section heading is followed by its English subtitle in small
    /// print, which OCR often reads as Hangul syllables.
    fn find_text(&self, aliases: &[&str], region: &BBox, complete: bool) -> Vec<Hit> {
        let targets: Vec<Vec<u32>> = aliases.iter().map(|a| jamo(a)).collect();
        // Only a short Korean label can be the head of another (`체중` of `체중조절`);
        // a label of four or more syllables followed by Hangul is itself followed by
        // something else (a misread subtitle, `인바디점수` before `InBody Score`).
        let short: Vec<bool> = aliases
            .iter()
            .map(|a| a.chars().filter(|c| is_hangul(*c)).count() < 4)
            .collect();
        let mut hits = Vec::new();
        for start in 0..self.words.len() {
            if !inside(region, &self.words[start].bbox) {
                continue;
            }
            // A label starts a phrase: `체중` inside `적정 체중` or `Weight` inside
            // `Target Weight` is another label's tail.
            let before =
                self.prev[start].and_then(|p| label_text(&self.words[p].text).chars().last());
            let first = self.words[start].text.chars().next();
            if let (Some(b), Some(f)) = (before, first) {
                if (is_hangul(b) && is_hangul(f))
                    || (b.is_ascii_alphabetic() && f.is_ascii_alphabetic())
                {
                    continue;
                }
            }
            let mut text = String::new();
            let mut bbox = self.words[start].bbox;
            let mut cur = Some(start);
            let mut steps = 0;
            while let Some(i) = cur {
                if steps >= 12 {
                    break;
                }
                let w = &self.words[i];
                let lt = label_text(&w.text);
                let cut = lt.len() < w.text.len();
                text.push_str(lt);
                bbox = bbox.union(&w.bbox);
                steps += 1;
                let next = if cut { None } else { self.next[i] };
                let continues_hangul = next
                    .map(|n| self.words[n].text.chars().next().is_some_and(is_hangul))
                    .unwrap_or(false);
                let j = jamo(&text);
                for (t, short) in targets.iter().zip(&short) {
                    let d = levenshtein(&j, t);
                    let cut_short = complete && *short && continues_hangul && t_is_hangul(t);
                    if d <= tolerance(t.len()) && !cut_short {
                        hits.push(Hit {
                            bbox,
                            h: self.words[start].bbox.h.max(1.0),
                            dist: d,
                        });
                    }
                }
                if j.len() > targets.iter().map(Vec::len).max().unwrap_or(0) + 3 {
                    break;
                }
                cur = next;
            }
        }
        // Reading order (top to bottom) among equally good matches.
        hits.sort_by(|a, b| {
            a.dist
                .cmp(&b.dist)
                .then(a.bbox.y.total_cmp(&b.bbox.y))
                .then(a.bbox.x.total_cmp(&b.bbox.x))
        });
        hits
    }
}

/// The hits of one label without the subtitles: a bilingual sheet prints the
/// English label in small print directly under the Korean one (or the other way
/// round), and the figure belongs to the label block, on the line of its larger print.
fn primary(hits: Vec<Hit>) -> Vec<Hit> {
    let subtitle = |s: &Hit| {
        hits.iter().any(|o| {
            let h = o.bbox.h;
            s.bbox.h < 0.75 * h
                && s.bbox.y >= o.bbox.cy()
                && s.bbox.y - o.bbox.bottom() < 0.8 * h
                && (s.bbox.x - o.bbox.x).abs() < 1.5 * h
        })
    };
    let keep: Vec<bool> = hits.iter().map(|h| !subtitle(h)).collect();
    hits.into_iter()
        .zip(keep)
        .filter_map(|(h, k)| k.then_some(h))
        .collect()
}

/// How far a figure is from its label: to the right, a line lower counts triple.
fn cost(hit: &Hit, n: &Num) -> f32 {
    (n.bbox.x - hit.bbox.right()).abs() + 3.0 * (n.bbox.cy() - hit.bbox.cy()).abs()
}

fn t_is_hangul(t: &[u32]) -> bool {
    t.last().is_some_and(|&c| (0x1100..=0x11FF).contains(&c))
}

fn inside(region: &BBox, b: &BBox) -> bool {
    b.cx() >= region.x
        && b.cx() <= region.right()
        && b.cy() >= region.y
        && b.cy() <= region.bottom()
}

// ---------------------------------------------------------------------------------
// Sections

/// Section headings, Korean and English. Sections bound the label search.
const SECTIONS: &[(&str, &[&str])] = &[
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

/// Where each found section heading is and the region it governs.
fn sections(page: &Page<'_>) -> BTreeMap<&'static str, BBox> {
    let all = BBox {
        x: 0.0,
        y: 0.0,
        w: page.width,
        h: page.height,
    };
    // The first (topmost) match of each heading: for 체중조절 the heading comes before
    // the row label of the same name. Of a heading printed in two languages on one
    // line, the leftmost part, so that headings of one column line up.
    let mut heads: Vec<(&'static str, BBox)> = Vec::new();
    for (name, aliases) in SECTIONS {
        let mut hits = page.find_text(aliases, &all, false);
        hits.retain(|h| h.dist <= 1);
        let Some(top) = hits.iter().map(|h| h.bbox.y).min_by(f32::total_cmp) else {
            continue;
        };
        if let Some(h) = hits
            .iter()
            .filter(|h| h.bbox.y - top < h.h)
            .min_by(|a, b| a.bbox.x.total_cmp(&b.bbox.x))
        {
            heads.push((name, h.bbox));
        }
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
        let right = heads
            .iter()
            .filter(|(_, o)| {
                o.x > b.right()
                    && (same_row(o, b) || (o.x > 0.5 * page.width && o.y > b.y && o.y < bottom))
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

/// Segment labels for sheets that print segmental figures as labelled rows.
const SEGMENTS: &[(&str, &[&str])] = &[
    ("left_arm", &["왼팔", "Left Arm"]),
    ("right_arm", &["오른팔", "Right Arm"]),
    ("trunk", &["몸통", "Trunk"]),
    ("left_leg", &["왼다리", "Left Leg"]),
    ("right_leg", &["오른다리", "Right Leg"]),
];

// ---------------------------------------------------------------------------------
// The parser

struct Ctx<'a> {
    page: Page<'a>,
    nums: Vec<Num>,
    sections: BTreeMap<&'static str, BBox>,
    all: BBox,
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
            Look::Right => (hit.bbox.y - 0.6 * h, hit.bbox.bottom() + 1.0 * h),
            Look::RightOrBelow => (hit.bbox.y - 0.4 * h, hit.bbox.bottom() + 0.4 * h),
        };
        let right: Vec<&Num> = self
            .nums
            .iter()
            .filter(|n| {
                n.bbox.x >= hit.bbox.right() - 1.0
                    && n.bbox.cy() >= band_top
                    && n.bbox.cy() <= band_bottom
                    && n.bbox.x <= region.right()
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
                    && n.bbox.y - hit.bbox.bottom() < 2.5 * h
                    && n.bbox.x < hit.bbox.right() + 2.0 * h
                    && n.bbox.right() > hit.bbox.x - 1.0 * h
            })
            .min_by(|a, b| {
                (a.bbox.y - hit.bbox.bottom())
                    .total_cmp(&(b.bbox.y - hit.bbox.bottom()))
                    .then(a.bbox.x.total_cmp(&b.bbox.x))
            })
    }

    /// A field's figure and range, in the field's print format.
    fn field(&self, name: &str, num: &Num) -> Field {
        let printed = decimals(name);
        // Only the control figures print a sign; a mark OCR put before any other
        // figure is not one.
        let value = if num.detached_sign && !name.ends_with("_control_kg") {
            -num.value
        } else {
            num.value
        };
        Field {
            value: Value::Number(repair(value, num.read_decimals, printed)),
            range: self.range_for(num, printed),
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
    fn range_for(&self, num: &Num, printed: Option<usize>) -> Option<[f64; 2]> {
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
        // Join the words of each row and look for `(a ~ b)`.
        let rows: Vec<(f32, String)> = rows
            .into_iter()
            .map(|(cy, mut row)| {
                row.sort_by(|a, b| a.bbox.x.total_cmp(&b.bbox.x));
                (cy, row.iter().map(|w| w.text.as_str()).collect())
            })
            .collect();
        rows.iter()
            .find_map(|(_, text)| parse_range_as(range_text(text)?, printed))
    }
}

/// The `(a ~ b)` part of a line of text: from its `(` (or, when the `(` was lost, from
/// the start of a text that still has its `~`) to its `)` or the end.
pub fn range_text(text: &str) -> Option<&str> {
    let start = text.find('(').or_else(|| text.contains('~').then_some(0))?;
    let end = text[start..]
        .find(')')
        .map_or(text.len(), |e| start + e + 1);
    Some(&text[start..end])
}

/// Parses the words of one page.
pub fn parse(words: &[Word]) -> Report {
    let page = Page::new(words);
    let all = BBox {
        x: 0.0,
        y: 0.0,
        w: page.width,
        h: page.height,
    };
    let sections = sections(&page);
    let ctx = Ctx {
        nums: numbers(words),
        page,
        sections,
        all,
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
            let hits = primary(ctx.page.find_label(&aliases, &region));
            let best_dist = hits.first().map(|h| h.dist);
            let best = hits
                .iter()
                .filter(|h| Some(h.dist) == best_dist)
                .filter_map(|h| {
                    ctx.value_for(name, h, spec.look, &region)
                        .map(|n| (cost(h, n), n))
                })
                .min_by(|a, b| a.0.total_cmp(&b.0))
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
    rows_in_order(&ctx, &mut fields, &mut used);
    segmental(&ctx, &mut fields, "seg_lean", "segmental_lean");
    segmental(&ctx, &mut fields, "seg_fat", "segmental_fat");
    header_text_fields(&ctx, &mut fields);
    control_signs(&ctx, &mut fields);

    super::choose::by_arithmetic(words, &mut fields);
    super::report::finish(detect_model(words), fields)
}

/// The fields each section prints, in the order it prints them (the header band above
/// the first section prints the subject's fields).
const SECTION_FIELDS: &[(&str, &[&str])] = &[
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
    (
        "research",
        &[
            "basal_metabolic_rate_kcal",
            "waist_hip_ratio",
            "visceral_fat_level",
        ],
    ),
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
    let found = sections(&page);
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
    let found = sections(&page);
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

/// How many jamo apart `text` is from the label `label` (spaces and punctuation
/// ignored).
pub fn label_distance(text: &str, label: &str) -> usize {
    levenshtein(&jamo(text), &jamo(label))
}

/// Lists every InBody layout prints in the order of [`SECTION_FIELDS`], one figure per
/// row, the figure in the largest print of the list (chart scales and ranges are
/// smaller).
const ROW_LISTS: &[&str] = &["muscle_fat", "obesity", "weight_control"];

/// Row labels OCR could not read (a Korean label beside a chart, small print on a grey
/// band) leave their figures unclaimed. When a list's section was found and its figures
/// stand in exactly as many rows as the list has, each missing field takes the figure
/// of its row — provided the fields that were found by label sit in their own rows
/// (else the order does not hold here and nothing is taken). The body-composition
/// table's first column (water, protein, minerals, fat: each figure with its range
/// under it) is such a list too.
fn rows_in_order(ctx: &Ctx<'_>, fields: &mut BTreeMap<String, Field>, used: &mut Vec<BBox>) {
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
        assign_rows(ctx, fields, used, rows, large);
    }
    if let Some(region) = ctx.sections.get("body_comp") {
        let with_range: Vec<&Num> = ctx
            .nums
            .iter()
            .filter(|n| n.decimal && inside(region, &n.bbox))
            .filter(|n| ctx.range_for(n, Some(1)).is_some())
            .collect();
        let left = with_range.iter().map(|n| n.bbox.x).fold(f32::MAX, f32::min);
        let first_col: Vec<&Num> = with_range
            .into_iter()
            .filter(|n| n.bbox.x - left < 2.0 * n.bbox.h)
            .collect();
        assign_rows(
            ctx,
            fields,
            used,
            &[
                "total_body_water_l",
                "protein_kg",
                "minerals_kg",
                "body_fat_mass_kg",
            ],
            first_col,
        );
    }
}

/// Gives `rows` (top to bottom) the figures of `nums` row by row, when there are
/// exactly as many rows, one figure each, and every field already found is its row's
/// figure.
fn assign_rows(
    ctx: &Ctx<'_>,
    fields: &mut BTreeMap<String, Field>,
    used: &mut Vec<BBox>,
    rows: &[&str],
    mut nums: Vec<&Num>,
) {
    if rows.iter().all(|f| fields.contains_key(*f)) || nums.len() != rows.len() {
        return;
    }
    nums.sort_by(|a, b| a.bbox.cy().total_cmp(&b.bbox.cy()));
    // One figure per row: each lower than the last by at least a line.
    if nums
        .windows(2)
        .any(|p| p[1].bbox.cy() - p[0].bbox.cy() < 0.8 * p[0].bbox.h.max(p[1].bbox.h))
    {
        return;
    }
    let agrees = rows
        .iter()
        .zip(&nums)
        .all(|(name, n)| match fields.get(*name) {
            Some(f) => f.value.as_f64() == ctx.field(name, n).value.as_f64(),
            None => could_be(name, n),
        });
    if !agrees {
        return;
    }
    for (name, n) in rows.iter().zip(nums) {
        if !fields.contains_key(*name) && !used.contains(&n.bbox) {
            fields.insert(name.to_string(), ctx.field(name, n));
            used.push(n.bbox);
        }
    }
}

/// The 370S body-composition table prints muscle mass, fat-free mass and weight as
/// columns spanning the rows, each figure with its range under it, and the column
/// headers white on a dark bar (which OCR rarely reads). When those fields are still
/// missing, the figures with a range that no row label claimed are assigned from the
/// right: weight, fat-free mass, muscle mass.
fn body_composition_columns(ctx: &Ctx<'_>, fields: &mut BTreeMap<String, Field>, used: &[BBox]) {
    let Some(region) = ctx.sections.get("body_comp") else {
        return;
    };
    let mut cols: Vec<(&Num, [f64; 2])> = ctx
        .nums
        .iter()
        .filter(|n| inside(region, &n.bbox) && !used.iter().any(|u| u == &n.bbox))
        .filter_map(|n| ctx.range_for(n, Some(1)).map(|r| (n, r)))
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
    cols.retain(|(n, _)| could_be("muscle_mass_kg", n) || could_be("weight_kg", n));
    // The weight is printed elsewhere too (the muscle-fat chart). When it is known and
    // the rightmost figure is not it, the weight column's figure was not read: the
    // columns start one further left.
    let mut names: &[&str] = &["weight_kg", "fat_free_mass_kg", "muscle_mass_kg"];
    if let (Some(w), Some((num, _))) = (fields.get("weight_kg"), cols.first()) {
        let first = repair(num.value, num.read_decimals, decimals("weight_kg"));
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
/// both layouts) and the 370S body-composition table's first column (water, protein,
/// minerals, fat, each figure with its range under it).
const PITCHED_LISTS: &[(&str, &[&str])] = &[
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
fn pitched_rows(
    ctx: &Ctx<'_>,
    fields: &mut BTreeMap<String, Field>,
    placed: &BTreeMap<&'static str, BBox>,
    used: &[BBox],
) {
    for (section, rows) in PITCHED_LISTS {
        pitched_list(ctx, fields, placed, used, section, rows);
    }
}

fn pitched_list(
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
    if missing.is_empty() || found.len() < 2 {
        return;
    }
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
    for row in missing {
        let want_y = first.1.cy() + pitch * (row as f32 - first.0 as f32);
        let best = ctx
            .nums
            .iter()
            .filter(|n| inside(&region, &n.bbox) && !used.iter().any(|u| u == &n.bbox))
            .filter(|n| (n.bbox.cy() - want_y).abs() < 0.35 * pitch)
            .filter(|n| (n.bbox.right() - col_x).abs() < 4.0 * h)
            .filter(|n| could_be(rows[row], n))
            .min_by(|a, b| {
                (a.bbox.cy() - want_y)
                    .abs()
                    .total_cmp(&(b.bbox.cy() - want_y).abs())
            });
        if let Some(num) = best {
            fields.insert(rows[row].to_string(), ctx.field(rows[row], num));
        }
    }
}

/// The weight-control figures always print a sign (`-6.2`, `+3.7`), but OCR loses a
/// minus more often than any other mark. A control figure read without one could be
/// either; the sheet's own arithmetic tells which: weight control is target weight
/// minus weight, and the sum of fat and muscle control. The sign is taken only when
/// exactly one of the two readings agrees (to within rounding); the magnitude is never
/// changed.
fn control_signs(ctx: &Ctx<'_>, fields: &mut BTreeMap<String, Field>) {
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

/// A table with a column per segment, headed by the segments' labels on one row
/// (오른팔 왼팔 몸통 오른다리 왼다리): each field takes the first figure under its
/// header that can be its (a percent of standard printed under the kg is not). How
/// many fields it read; none when no three segment labels share a row.
fn segment_columns(
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
fn segmental(ctx: &Ctx<'_>, fields: &mut BTreeMap<String, Field>, section: &str, prefix: &str) {
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

/// `sex` and `tested_at`: text, not figures.
fn header_text_fields(ctx: &Ctx<'_>, fields: &mut BTreeMap<String, Field>) {
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
    // The value is a word, and in Korean (성별 남성): a label followed by Hangul is
    // still this one.
    for hit in ctx
        .page
        .find_text(&F::Sex.labels().collect::<Vec<_>>(), &all, false)
    {
        if let Some(sex) = after(&hit).split(['|', ' ']).find_map(parse_sex) {
            fields.insert(
                "sex".into(),
                Field {
                    value: Value::Text(sex.into()),
                    range: None,
                },
            );
            break;
        }
    }
    for hit in ctx.page.find_label(
        &["검사일시", "Test Date / Time", "Test Date", "검사일"],
        &all,
    ) {
        let text = after(&hit);
        if let Some(t) = text.split('|').find_map(parse_datetime) {
            fields.insert(
                "tested_at".into(),
                Field {
                    value: Value::Text(t),
                    range: None,
                },
            );
            break;
        }
    }
}

fn parse_sex(word: &str) -> Option<&'static str> {
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
    let g = &groups[pos..];
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
fn detect_model(words: &[Word]) -> Option<String> {
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

#[cfg(test)]
#[path = "inbody_tests.rs"]
mod tests;
