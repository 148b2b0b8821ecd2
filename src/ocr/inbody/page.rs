//! The page model the reader works on: the words with their neighbours on a line,
//! and the search for printed labels among them (compared at the level of Hangul
//! jamo, so OCR misreads cost little: 척정체중 is one jamo away from 적정체중).
//!
//! # What it owns
//! [`Page`] (words, each with its right and left neighbour on its line), [`Hit`] (a
//! label found), [`Page::find_label`] / [`Page::find_text`], [`primary`] (a bilingual
//! label block is one label, on the line of its larger print), and the text helpers
//! ([`jamo`], [`levenshtein`], [`tolerance`]).

use super::super::figures::Num;
use super::super::{BBox, Word};

/// Hangul syllables split into jamo (as three code points), everything else kept;
/// spaces and punctuation dropped, ASCII lowercased.
pub(super) fn jamo(s: &str) -> Vec<u32> {
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

pub(super) fn levenshtein(a: &[u32], b: &[u32]) -> usize {
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
pub(super) fn label_text(word: &str) -> &str {
    word.split(['(', '（', '[']).next().unwrap_or(word)
}

/// Edits allowed between a label and what OCR read: about one per five jamo/letters.
pub(super) fn tolerance(len: usize) -> usize {
    match len {
        0..=4 => 0,
        5..=9 => 1,
        10..=14 => 2,
        _ => 3,
    }
}

/// A label found on the page.
#[derive(Debug, Clone, Copy)]
pub(super) struct Hit {
    pub(super) bbox: BBox,
    /// Line height (the label's word height).
    pub(super) h: f32,
    pub(super) dist: usize,
}

/// The words, with a cheap index of neighbours for building label chains.
pub(super) struct Page<'a> {
    pub(super) words: &'a [Word],
    /// For each word, the close words to its right that share its line, nearest
    /// first (a few): a label's chain takes the first on the chain's own line.
    pub(super) right: Vec<Vec<usize>>,
    /// For each word, the word whose nearest close word to the right it is.
    pub(super) prev: Vec<Option<usize>>,
    pub(super) width: f32,
    pub(super) height: f32,
}

impl<'a> Page<'a> {
    pub(super) fn new(words: &'a [Word]) -> Page<'a> {
        let mut next = vec![None; words.len()];
        let mut right = vec![Vec::new(); words.len()];
        for (i, a) in words.iter().enumerate() {
            let mut near: Vec<(usize, f32)> = Vec::new();
            for (j, b) in words.iter().enumerate() {
                if i == j || b.bbox.x <= a.bbox.x {
                    continue;
                }
                let gap = b.bbox.x - a.bbox.right();
                if !same_line(&a.bbox, &b.bbox) || gap > 1.2 * a.bbox.h.max(b.bbox.h) {
                    continue;
                }
                near.push((j, gap));
            }
            near.sort_by(|x, y| x.1.total_cmp(&y.1));
            near.truncate(4);
            next[i] = near.first().map(|(j, _)| *j);
            right[i] = near.into_iter().map(|(j, _)| j).collect();
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
            right,
            prev,
            width,
            height,
        }
    }

    /// The whole page: every word lies within it.
    pub(super) fn bounds(&self) -> BBox {
        BBox {
            x: 0.0,
            y: 0.0,
            w: self.width,
            h: self.height,
        }
    }

    /// The nearest word right of word `i` on `line` (a chain's line), closer than a
    /// word gap: where `i` itself shares no line with it (a syllable whose box is the
    /// top of the line, the next one's the bottom).
    fn next_on_line(&self, i: usize, line: &BBox) -> Option<usize> {
        let a = &self.words[i].bbox;
        self.words
            .iter()
            .enumerate()
            .filter(|(j, b)| {
                *j != i
                    && b.bbox.x > a.x
                    && b.bbox.x - a.right() <= 1.2 * line.h.max(b.bbox.h)
                    && same_line(line, &b.bbox)
            })
            .min_by(|(_, p), (_, q)| p.bbox.x.total_cmp(&q.bbox.x))
            .map(|(j, _)| j)
    }

    /// Every place where one of `aliases` is printed, best matches first within
    /// `region`. A match must be complete: the chain may not continue with more
    /// Hangul (so `체중` does not match the start of `체중조절`).
    pub(super) fn find_label(&self, aliases: &[&str], region: &BBox) -> Vec<Hit> {
        self.find_text(aliases, region, true)
    }

    /// [`Page::find_label`], and with `complete` false a match may also be followed
    /// by more Hangul: a section heading is followed by its English subtitle in small
    /// print, which OCR often reads as Hangul syllables.
    pub(super) fn find_text(&self, aliases: &[&str], region: &BBox, complete: bool) -> Vec<Hit> {
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
            // The chain's line: the box of its last word of the label's height. A
            // misread blob taller than the print (a chart's bar read as `ㅋ`, across
            // two lines) is no guide to where the line goes on.
            let mut line = self.words[start].bbox;
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
                // Nor is a fragment much smaller than it (`방` of `체 지 방 률` read a
                // syllable a word, its box the top of the line only).
                let start_h = self.words[start].bbox.h.max(1.0);
                if w.bbox.h <= 1.6 * start_h && w.bbox.h >= 0.75 * start_h {
                    line = w.bbox;
                }
                let next = if cut {
                    None
                } else {
                    self.right[i]
                        .iter()
                        .copied()
                        .find(|n| same_line(&line, &self.words[*n].bbox))
                        .or_else(|| self.next_on_line(i, &line))
                };
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

/// Whether two boxes share a line: they overlap vertically by 0.4 of the lower one.
pub(super) fn same_line(a: &BBox, b: &BBox) -> bool {
    let overlap = a.bottom().min(b.bottom()) - a.y.max(b.y);
    overlap >= 0.4 * a.h.min(b.h).max(1.0)
}

/// The hits of one label without the subtitles: a bilingual sheet prints the
/// English label in small print directly under the Korean one (or the other way
/// round), and the figure belongs to the label block, on the line of its larger print.
pub(super) fn primary(hits: Vec<Hit>) -> Vec<Hit> {
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
pub(super) fn cost(hit: &Hit, n: &Num) -> f32 {
    (n.bbox.x - hit.bbox.right()).abs() + 3.0 * (n.bbox.cy() - hit.bbox.cy()).abs()
}

pub(super) fn t_is_hangul(t: &[u32]) -> bool {
    t.last().is_some_and(|&c| (0x1100..=0x11FF).contains(&c))
}

pub(super) fn inside(region: &BBox, b: &BBox) -> bool {
    b.cx() >= region.x
        && b.cx() <= region.right()
        && b.cy() >= region.y
        && b.cy() <= region.bottom()
}
