//! The engine's words cut where Google Vision cuts them (see
//! `sheetgen::vision`): Tesseract returns what it took for one word between spaces,
//! and on a table it glues a bracket, a unit or a second figure to a figure
//! (`(1.9`, `kg)`, `(1.5kg)178.0%`). The reader reads a bracket glued to a figure as
//! part of a range and drops the figure; cut apart, the figure is a figure with a
//! bracket beside it, as Vision returns it (and as the reader reads 31-32/32 fields
//! of the same sheets).

use crate::ocr::{BBox, Word};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Digit,
    Letter,
    Punct,
}

fn class(c: char) -> Class {
    if c.is_ascii_digit() {
        Class::Digit
    } else if c.is_alphanumeric() {
        Class::Letter
    } else {
        Class::Punct
    }
}

/// Whether `text` is (part of) a printed range the reader reads as one word: it holds
/// a `~`, or a dash between two digits (`(36.7-44.8)`).
fn is_range_word(text: &str) -> bool {
    let c: Vec<char> = text.chars().collect();
    text.contains(['~', '～', '〜'])
        || c.windows(3)
            .any(|w| w[1] == '-' && w[0].is_ascii_digit() && w[2].is_ascii_digit())
}

/// The pieces of one word's text, Vision-like: a bracket is a piece of its own, a
/// figure (digits with their inner points and a leading sign) is one, a unit or a
/// letter run after it is one; a run that starts with a letter keeps its digits
/// (`InBody370S`). Only words that hold a bracket are cut (see [`split_words`]).
fn pieces(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut cur_class: Option<Class> = None;
    for (i, &c) in chars.iter().enumerate() {
        let mut k = class(c);
        // A point between digits stays in the figure; a sign before a digit starts it.
        let next_digit = chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
        if c == '.' && cur_class == Some(Class::Digit) && next_digit {
            k = Class::Digit;
        }
        let bracket = matches!(c, '(' | ')' | '[' | ']');
        let joins = !bracket
            && match (cur_class, k) {
                (Some(Class::Letter), Class::Digit) => true,
                (Some(a), b) => a == b && a != Class::Punct,
                (None, _) => false,
            };
        // The sign of a figure (`(-7.4`) stays with it.
        let sign = (c == '-' || c == '+') && next_digit;
        if !joins && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(c);
        cur_class = Some(if sign {
            Class::Digit
        } else if cur_class == Some(Class::Letter) && k == Class::Digit && joins {
            Class::Letter
        } else if bracket {
            Class::Punct
        } else {
            k
        });
        if bracket {
            out.push(std::mem::take(&mut cur));
            cur_class = None;
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The words, with every word that holds a bracket and is not a range (see
/// [`is_range_word`]) cut into Vision's pieces, each with its share of the box (by
/// characters: Tesseract's TSV has no box per character).
pub fn split_words(words: Vec<Word>) -> Vec<Word> {
    let mut out = Vec::with_capacity(words.len());
    for w in words {
        // `0.90(0.80~0.90)`, `15(1-9)`: the figure, then its range as one word;
        // `Age:37`, `연령:65`: the label, then its figure.
        if let Some(k) = figure_before_range(&w.text).or_else(|| label_before_figure(&w.text)) {
            let (head, tail) = cut_at(&w, k);
            out.push(head);
            out.push(tail);
            continue;
        }
        if !w.text.contains(['(', ')', '[', ']']) || is_range_word(&w.text) {
            out.push(w);
            continue;
        }
        let parts = pieces(&w.text);
        if parts.len() < 2 {
            out.push(w);
            continue;
        }
        let n = w.text.chars().count().max(1) as f32;
        let mut at = 0usize;
        for p in parts {
            let len = p.chars().count();
            out.push(Word {
                bbox: BBox {
                    x: w.bbox.x + w.bbox.w * at as f32 / n,
                    y: w.bbox.y,
                    w: w.bbox.w * len as f32 / n,
                    h: w.bbox.h,
                },
                text: p,
                confidence: w.confidence,
            });
            at += len;
        }
    }
    out
}

/// `w` cut in two at byte `k` of its text, each part with its share of the box (by
/// characters).
fn cut_at(w: &Word, k: usize) -> (Word, Word) {
    let n = w.text.chars().count().max(1) as f32;
    let split = w.bbox.x + w.bbox.w * w.text[..k].chars().count() as f32 / n;
    let head = Word {
        text: w.text[..k].to_string(),
        bbox: BBox {
            w: split - w.bbox.x,
            ..w.bbox
        },
        confidence: w.confidence,
    };
    let tail = Word {
        text: w.text[k..].to_string(),
        bbox: BBox {
            x: split,
            w: w.bbox.right() - split,
            ..w.bbox
        },
        confidence: w.confidence,
    };
    (head, tail)
}

/// Where a label glued to its figure by a colon ends: `Age:37`, `연령：65`,
/// `Height:159.9cm` after the colon. `None` when what stands before the colon holds a
/// digit (a time, `11:17`) or no letter, or no figure follows it.
fn label_before_figure(text: &str) -> Option<usize> {
    let (k, colon) = text.char_indices().find(|(_, c)| matches!(c, ':' | '：'))?;
    let (head, rest) = (&text[..k], &text[k + colon.len_utf8()..]);
    let figure = rest.trim_end_matches(|c: char| c.is_alphabetic() || c == '%');
    (head.chars().any(char::is_alphabetic)
        && !head.chars().any(|c| c.is_ascii_digit())
        && is_figure(figure))
    .then_some(k + colon.len_utf8())
}

/// Where a figure (with its unit, if any) ends and the bracketed range glued after it
/// begins: `0.84(0.79-0.89)` and `52.7L(40.8~49.9)` at the `(`; `None` when no figure
/// stands before it (`(36.7~44.8)`, `체수분(L)`) or what follows is no range.
fn figure_before_range(text: &str) -> Option<usize> {
    let k = text.find('(')?;
    let (head, rest) = text.split_at(k);
    let figure = head.trim_end_matches(|c: char| c.is_ascii_alphabetic() || c == '%');
    (is_figure(figure) && figure.chars().any(|c| c.is_ascii_digit()) && is_range_word(rest))
        .then_some(k)
}

/// Whether `s` reads as one printed figure: an optional sign, digits, at most one
/// inner decimal point.
fn is_figure(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    !body.is_empty()
        && body.chars().all(|c| c.is_ascii_digit() || c == '.')
        && !body.starts_with('.')
        && !body.ends_with('.')
        && body.matches('.').count() <= 1
}

/// A figure glued to the range after it (`161~9`: 16 and 1~9, `0.920.79~0.89`):
/// where what stands before the tilde is no figure, or one above the range's top, the
/// cut that leaves the longest low bound that is a figure at most the top, with a
/// figure before it. `None` for a word that reads as it is.
fn glued_range(text: &str) -> Option<(String, String)> {
    let (low, high) = text.split_once(['~', '～'])?;
    let top: f64 = high.trim_end_matches(')').parse().ok()?;
    if is_figure(low) && low.parse::<f64>().is_ok_and(|v| v <= top) {
        return None;
    }
    (1..low.len())
        .filter(|&k| low.is_char_boundary(k))
        .find_map(|k| {
            let (head, bound) = low.split_at(k);
            (is_figure(head) && is_figure(bound) && bound.parse::<f64>().ok()? <= top)
                .then(|| (head.to_string(), format!("{bound}~{high}")))
        })
}

/// Words as a line recogniser gives them cut or joined as Google Vision would: a
/// figure glued to its range is cut off it ([`glued_range`]), and a lone sign is
/// joined to the figure right after it (`+ 11.0kg` -> `+11.0kg`), unless a figure
/// stands just before it (then it is a range's dash). PP-OCR reads lines and loses
/// or adds the space between them.
pub fn cut_joined(words: Vec<Word>) -> Vec<Word> {
    let mut out: Vec<Word> = Vec::with_capacity(words.len());
    for w in words {
        let Some((head, range)) = glued_range(&w.text) else {
            out.push(w);
            continue;
        };
        // `head` is the start of the word's text; the range is rewritten with `~`.
        let (head_word, mut range_word) = cut_at(&w, head.len());
        range_word.text = range;
        out.push(head_word);
        out.push(range_word);
    }
    let same_line =
        |a: &BBox, b: &BBox| a.bottom().min(b.bottom()) - a.y.max(b.y) > 0.5 * a.h.min(b.h);
    let close = |a: &BBox, b: &BBox| {
        let gap = b.x - a.right();
        same_line(a, b) && gap > -0.5 * a.h && gap < 0.8 * a.h.max(b.h)
    };
    let mut joined = vec![false; out.len()];
    for i in 0..out.len() {
        if !matches!(out[i].text.as_str(), "+" | "-") {
            continue;
        }
        let sign = out[i].bbox;
        let after = (0..out.len()).find(|&j| {
            j != i
                && !joined[j]
                && out[j].text.starts_with(|c: char| c.is_ascii_digit())
                && close(&sign, &out[j].bbox)
        });
        let before = out
            .iter()
            .any(|o| o.text.ends_with(|c: char| c.is_ascii_digit()) && close(&o.bbox, &sign));
        if let (Some(j), false) = (after, before) {
            let text = format!("{}{}", out[i].text, out[j].text);
            out[j].bbox = out[j].bbox.union(&sign);
            out[j].text = text;
            joined[i] = true;
        }
    }
    out.into_iter()
        .zip(joined)
        .filter(|(_, gone)| !gone)
        .map(|(w, _)| w)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(words: &[Word]) -> Vec<&str> {
        words.iter().map(|w| w.text.as_str()).collect()
    }

    #[test]
    fn a_bracket_glued_to_a_figure_is_cut_off() {
        let words = vec![
            Word::at("(1.9", 100.0, 10.0, 40.0, 20.0),
            Word::at("kg)", 150.0, 10.0, 30.0, 20.0),
            Word::at("(1.5kg)178.0%", 200.0, 10.0, 130.0, 20.0),
            Word::at("(-7.4kg)", 400.0, 10.0, 80.0, 20.0),
        ];
        let out = split_words(words);
        assert_eq!(
            texts(&out),
            ["(", "1.9", "kg", ")", "(", "1.5", "kg", ")", "178.0", "%", "(", "-7.4", "kg", ")"]
        );
        // Each piece has its share of the box, left to right.
        assert_eq!(out[1].bbox.x, 110.0);
        assert_eq!(out[1].bbox.w, 30.0);
        assert!(out
            .windows(2)
            .take(3)
            .all(|p| p[0].bbox.right() <= p[1].bbox.x + 0.01));
    }

    #[test]
    fn a_figure_glued_to_its_bracketed_range_is_cut_off_it() {
        // PP-OCR reads a figure and its range as one word when the gap is narrow.
        let out = split_words(vec![
            Word::at("0.84(0.79-0.89)", 0.0, 0.0, 150.0, 20.0),
            Word::at("15(1-9)", 0.0, 30.0, 70.0, 20.0),
            Word::at("52.7L(40.8~49.9)", 0.0, 60.0, 160.0, 20.0),
            Word::at("-3.2(1.0~2.0)", 0.0, 90.0, 130.0, 20.0),
        ]);
        assert_eq!(
            texts(&out),
            [
                "0.84",
                "(0.79-0.89)",
                "15",
                "(1-9)",
                "52.7L",
                "(40.8~49.9)",
                "-3.2",
                "(1.0~2.0)"
            ]
        );
        assert_eq!(out[0].bbox.w, 40.0);
        assert_eq!(out[1].bbox.x, 40.0);
        // What is no figure before a range stays as it was cut before.
        let out = split_words(vec![Word::at("체수분(36.7~44.8)", 0.0, 0.0, 150.0, 20.0)]);
        assert_eq!(texts(&out), ["체수분(36.7~44.8)"]);
        let out = split_words(vec![Word::at("15(kg)", 0.0, 0.0, 60.0, 20.0)]);
        assert_eq!(texts(&out), ["15", "(", "kg", ")"]);
    }

    #[test]
    fn a_label_glued_to_its_figure_by_a_colon_is_cut_after_the_colon() {
        let out = split_words(vec![
            Word::at("Age:37", 0.0, 0.0, 60.0, 20.0),
            Word::at("g：65", 0.0, 30.0, 40.0, 20.0),
            Word::at("Height:159.9cm", 0.0, 60.0, 140.0, 20.0),
        ]);
        assert_eq!(
            texts(&out),
            ["Age:", "37", "g：", "65", "Height:", "159.9cm"]
        );
        assert_eq!(out[1].bbox.x, 40.0);
        // A time, a label without a figure, a figure without a label stay whole.
        for text in ["11:17", "ID:", "성별:여성", ":37", "Age:3.7.2"] {
            let out = split_words(vec![Word::at(text, 0.0, 0.0, 60.0, 20.0)]);
            assert_eq!(texts(&out), [text]);
        }
    }

    #[test]
    fn ranges_and_words_without_brackets_stay_whole() {
        let words = vec![
            Word::at("(36.7~44.8)", 0.0, 0.0, 100.0, 20.0),
            Word::at("(36.7-44.8)", 0.0, 30.0, 100.0, 20.0),
            Word::at("(36.7~", 0.0, 60.0, 50.0, 20.0),
            Word::at("51.7kg", 0.0, 90.0, 50.0, 20.0),
            Word::at("InBody370S", 0.0, 120.0, 90.0, 20.0),
            Word::at("2016.05.04", 0.0, 150.0, 90.0, 20.0),
        ];
        let out = split_words(words.clone());
        assert_eq!(texts(&out), texts(&words));
    }

    #[test]
    fn a_unit_in_brackets_and_a_label_keep_their_letters_together() {
        let out = split_words(vec![
            Word::at("체수분(L)", 0.0, 0.0, 60.0, 20.0),
            Word::at("(kg/m2)", 0.0, 30.0, 70.0, 20.0),
            Word::at("InBody380]", 0.0, 60.0, 100.0, 20.0),
        ]);
        assert_eq!(
            texts(&out),
            [
                "체수분",
                "(",
                "L",
                ")",
                "(",
                "kg",
                "/",
                "m2",
                ")",
                "InBody380",
                "]"
            ]
        );
    }

    #[test]
    fn a_figure_glued_to_its_range_is_cut_off_it() {
        let out = cut_joined(vec![
            Word::at("161~9", 0.0, 0.0, 50.0, 20.0),
            Word::at("0.920.79~0.89", 0.0, 30.0, 130.0, 20.0),
            Word::at("59.255.1~67.3", 0.0, 60.0, 130.0, 20.0),
        ]);
        assert_eq!(
            texts(&out),
            ["16", "1~9", "0.92", "0.79~0.89", "59.2", "55.1~67.3"]
        );
        assert_eq!(out[1].bbox.x, 20.0);
        assert_eq!(out[1].bbox.right(), 50.0);
        // Ranges that read as they are stay whole.
        let whole = vec![
            Word::at("1~9", 0.0, 0.0, 30.0, 20.0),
            Word::at("(55.1~67.3)", 0.0, 30.0, 100.0, 20.0),
            Word::at("37.2~45.5", 0.0, 60.0, 90.0, 20.0),
        ];
        assert_eq!(texts(&cut_joined(whole.clone())), texts(&whole));
    }

    #[test]
    fn a_lone_sign_joins_the_figure_after_it_but_a_ranges_dash_does_not() {
        let out = cut_joined(vec![
            Word::at("+", 100.0, 0.0, 10.0, 20.0),
            Word::at("11.0kg", 115.0, 0.0, 60.0, 20.0),
            Word::at("37.2", 0.0, 50.0, 40.0, 20.0),
            Word::at("-", 45.0, 50.0, 10.0, 20.0),
            Word::at("45.5", 60.0, 50.0, 40.0, 20.0),
        ]);
        assert_eq!(texts(&out), ["+11.0kg", "37.2", "-", "45.5"]);
        assert_eq!(out[0].bbox.x, 100.0);
    }

    #[test]
    fn the_reader_reads_a_level_and_a_ratio_whose_range_a_line_glued_to_them() {
        // PP-OCR's line `Visceral Fat Level 161~9` and `Waist-Hip Ratio 0.920.79~0.89`.
        let words = cut_joined(vec![
            Word::at("Visceral", 56.7, 1827.5, 71.0, 20.5),
            Word::at("Fat", 132.2, 1827.5, 29.1, 20.5),
            Word::at("Level", 165.7, 1827.5, 47.9, 20.5),
            Word::at("161~9", 565.9, 1827.5, 60.0, 24.0),
            Word::at("Waist-Hip", 56.7, 1727.5, 90.0, 20.5),
            Word::at("Ratio", 150.0, 1727.5, 50.0, 20.5),
            Word::at("0.920.79~0.89", 565.9, 1727.5, 140.0, 24.0),
        ]);
        let r = crate::ocr::inbody::parse(&words);
        let get = |k: &str| r.fields.get(k).map(|f| (f.value.as_f64(), f.range));
        assert_eq!(
            get("visceral_fat_level"),
            Some((Some(16.0), Some([1.0, 9.0])))
        );
        assert_eq!(
            get("waist_hip_ratio"),
            Some((Some(0.92), Some([0.79, 0.89])))
        );
    }
}
