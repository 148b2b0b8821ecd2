//! Figures as OCR reads them: one word's text to a number in the field's print
//! format, the `(lo ~ hi)` ranges, and the figures of a page with their signs.
//!
//! # What it owns
//! [`parse_number`], [`parse_range`], [`lookalike`] (the digit a misread character
//! stands for), [`decimals`] (from the field table) and the page's figures ([`Num`]).

use super::{BBox, Word};

/// Reads a figure from one OCR word: units stripped, common misreads mapped inside
/// words that already hold a digit (`S.1S` → 5.15, `$9.1` → 59.1, `1,99` → 1.99).
pub fn parse_number(raw: &str) -> Option<f64> {
    read_figure(raw, true).map(|(v, _)| v)
}

/// The figure and how many decimals it was printed with. `strict` refuses `07`-like
/// words (a misread unit or tick as a figure); inside a range they are a misread `( 1`.
/// The digit (or decimal point) OCR reads a blurred print's character as: `O` for 0,
/// `l` for 1, `$` for 5, `,` for `.`, ...; `None` for anything else.
pub fn lookalike(c: char) -> Option<char> {
    Some(match c {
        'O' | 'o' | 'D' | 'Q' => '0',
        'l' | 'I' | '|' | 'i' | '!' => '1',
        'S' | 's' | '$' => '5',
        'B' => '8',
        'A' => '4',
        'Z' | 'z' => '2',
        'g' => '9',
        'G' | 'b' => '6',
        'T' => '7',
        ',' => '.',
        _ => return None,
    })
}

/// `kg` as OCR reads it at the end of a figure (`2.8ke`, `5.3k9`).
pub(crate) const KG_READINGS: [&str; 5] = ["kg", "ke", "k9", "kq", "k8"];

pub(crate) fn read_figure(raw: &str, strict: bool) -> Option<(f64, usize)> {
    // A label's colon read onto its figure (`연령: 23` as `:23`) is no part of it.
    let mut s: String = raw.trim().trim_start_matches([':', '：']).to_string();
    if s.starts_with('(') || s.ends_with(')') || s.contains('~') {
        return None; // a range, not a figure
    }
    // The score prints as `66/100점`.
    if let Some((head, _)) = s.split_once('/') {
        s = head.to_string();
    }
    let lower = s.to_lowercase();
    let units = ["kcal", "keal", "kg/m2", "kg/m²"]
        .into_iter()
        .chain(KG_READINGS)
        .chain(["cm", "em", "%", "점", "l"]);
    for unit in units {
        if lower.ends_with(unit) && lower.len() > unit.len() {
            let cut = s.len() - unit.len();
            if s.is_char_boundary(cut) {
                s.truncate(cut);
                break;
            }
        }
    }
    let s = s.trim_end_matches(['.', ',', ':']);
    // A sign read as a point (`.9.9` for -9.9, small print on a grey band): a figure
    // with a point of its own cannot start with one, so the first is its lost sign and
    // the magnitude is read without one (the sheet's arithmetic settles the sign,
    // `rows::control_signs`).
    let s = match s.strip_prefix('.') {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) && rest.contains('.') => rest,
        _ => s,
    };
    if !s.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let mapped: String = s.chars().map(|c| lookalike(c).unwrap_or(c)).collect();
    let body = mapped.strip_prefix(['+', '-']).unwrap_or(&mapped);
    if strict && body.len() > 1 && body.starts_with('0') && !body.starts_with("0.") {
        return None;
    }
    if body.is_empty()
        || !body.chars().all(|c| c.is_ascii_digit() || c == '.')
        || body.starts_with('.')
        || body.matches('.').count() > 1
    {
        return None;
    }
    let decimals = body.split_once('.').map_or(0, |(_, f)| f.len());
    let v: f64 = mapped.parse().ok()?;
    v.is_finite().then_some((v, decimals))
}

/// InBody prints each figure with a fixed number of decimals. OCR of a blurred photo
/// loses the point (`474` for 47.4) or reads the unit as digits (`27.210` for
/// 27.2kg); knowing the print format undoes both. `None`: printed as an integer or
/// not a number.
pub fn decimals(field: &str) -> Option<usize> {
    super::fields::Field::from_name(field).and_then(|f| f.decimals())
}

/// A read figure put back into its print format (see [`decimals`]).
pub(crate) fn repair(value: f64, read_decimals: usize, printed: Option<usize>) -> f64 {
    let Some(d) = printed.filter(|d| *d > 0) else {
        return value;
    };
    let f = 10f64.powi(d as i32);
    if read_decimals == 0 && value.abs() >= f {
        value / f
    } else if read_decimals > d {
        (value * f + value.signum() * 1e-9).trunc() / f
    } else {
        value
    }
}

/// Whether a figure can be this field's at all: a chart tick (`0`) or a fragment of a
/// figure (`1` of `51`) next to a label is not a weight or an age. The bounds are far
/// wider than any person's values (the consistency checks judge the rest), so this only
/// chooses among figures, it never "fixes" one. Fields without bounds take anything.
pub(crate) fn could_be(name: &str, n: &Num) -> bool {
    let Some(field) = super::fields::Field::from_name(name) else {
        return true;
    };
    field.plausible(value_as(field, n))
}

/// The figure `n` is as `field`'s reading, in its print format: a detached mark is a
/// sign only for the control figures, and a score whose slash was lost (`62100`)
/// is the score where the figure as read is none.
pub(crate) fn value_as(field: super::fields::Field, n: &Num) -> f64 {
    let value = if n.detached_sign && !field.signed() {
        -n.value
    } else {
        n.value
    };
    let value = repair(value, n.read_decimals, field.decimals());
    match n.score {
        Some(s) if field == super::fields::Field::InBodyScore && !field.plausible(value) => s,
        _ => value,
    }
}

/// The score of a word that reads as `NN/100점` with its slash lost or read as a `1`,
/// and its `점` lost or read as `%` or one digit (`62100`, `751100%`, `741008`,
/// `731003`, `7511008`).
fn slashless_score(raw: &str) -> Option<f64> {
    let t = raw.trim().trim_end_matches(|c: char| !c.is_ascii_digit());
    if !(4..=8).contains(&t.len()) || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // `점` read as one digit (`8`, `3`, `0`) after the `100`.
    let t = Some(&t[..t.len() - 1])
        .filter(|r| r.ends_with("100"))
        .unwrap_or(t);
    let p = t.strip_suffix("100")?;
    // Two or three digits: `1100` is a figure of its own, not a score of 1.
    let score = |p: &str| {
        (p.len() >= 2)
            .then(|| p.parse::<u32>().ok())
            .flatten()
            .filter(|s| (10..=100).contains(s))
    };
    score(p)
        .or_else(|| p.strip_suffix('1').and_then(score))
        .map(f64::from)
}

/// A `(lo ~ hi)` range in a piece of text.
pub fn parse_range(text: &str) -> Option<[f64; 2]> {
    parse_range_as(text, None)
}

pub(crate) fn parse_range_as(text: &str, printed: Option<usize>) -> Option<[f64; 2]> {
    let t: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        // The tilde as printed in full width, or read as a lookalike: `=` and `≈`
        // (a blurred or low-resolution tilde), `∼`.
        .map(|c| match c {
            '～' | '〜' | '=' | '≈' | '∼' => '~',
            c => c,
        })
        .collect();
    // A bracket read as a bar (`|`, `l`, `I`) is a bracket.
    let inner = t
        .trim_start_matches(['(', '[', '|', 'l', 'I'])
        .trim_end_matches([')', ']', '|', 'l', 'I']);
    range_of(inner, printed).or_else(|| {
        // Both brackets read as `1` (`156.6-69.11` for `(56.6-69.1)`): the range read
        // as it stands runs backwards; without them it does not.
        let bare = inner.strip_prefix('1')?.strip_suffix('1')?;
        range_of(bare, printed)
    })
}

/// [`parse_range_as`] of a range without its brackets.
fn range_of(inner: &str, printed: Option<usize>) -> Option<[f64; 2]> {
    // `~` as printed; OCR also reads it as a dash, or drops it (`(1 9)` after the
    // words are joined with spaces).
    let (a, b) = inner.split_once('~').or_else(|| {
        inner
            .trim_start_matches(['-', '+'])
            .split_once(['-', '–', '—', '−'])
    })?;
    // An end of a fraction read with its leading zero and its decimals but no point
    // (`0.75-085`) lost the point after that zero.
    let end = |s: &str| match s.strip_prefix('0') {
        Some(rest) if printed == Some(rest.len()) && rest.bytes().all(|b| b.is_ascii_digit()) => {
            read_figure(&format!("0.{rest}"), false)
        }
        _ => read_figure(s, false),
    };
    let (lo, dl) = end(a.trim_start_matches('('))?;
    let (hi, dh) = end(b.trim_end_matches(')'))?;
    let (lo, hi) = (repair(lo, dl, printed), repair(hi, dh, printed));
    (lo <= hi).then_some([lo, hi])
}

/// A figure on the page.
#[derive(Debug, Clone)]
pub(crate) struct Num {
    pub(crate) value: f64,
    pub(crate) bbox: BBox,
    /// Printed with a decimal point.
    pub(crate) decimal: bool,
    /// Digits after the point as read.
    pub(crate) read_decimals: usize,
    /// The sign was a separate word (`- 6.2`) and was applied to `value`.
    pub(crate) detached_sign: bool,
    /// A sign (`+` or `-`) was read, in the word or apart from it.
    pub(crate) signed: bool,
    /// One end of a printed range: a `~` (or a bracket) is its neighbour on the line.
    pub(crate) ranged: bool,
    /// The score this word reads as when its `/` was lost (see [`value_as`]).
    pub(crate) score: Option<f64>,
}

/// Whether a word is printed as part of a range: a `~` touches it on its line, or an
/// opening bracket just before it, or a closing one just after it. (A bracket opened
/// after a figure is its unit's, `+2.5 (kg)`, or the range beside it.)
fn in_range(words: &[Word], i: usize) -> bool {
    let w = &words[i];
    let h = w.bbox.h.max(1.0);
    words.iter().enumerate().any(|(j, o)| {
        let t = o.text.trim();
        let tilde = t.starts_with(['~', '～', '〜']) || t.ends_with(['~', '～', '〜']);
        let before = (w.bbox.x - o.bbox.right()).abs() < 0.8 * h;
        let after = (o.bbox.x - w.bbox.right()).abs() < 0.8 * h;
        let touches = if tilde {
            before || after
        } else if t.ends_with('(') {
            // A bracket closed before the figure is the unit's (`(kg)` read as `(` `)`
            // left of it), not a range's start.
            before && !closed_between(words, o, w)
        } else if t.starts_with(')') {
            after
        } else {
            false
        };
        j != i && touches && (o.bbox.cy() - w.bbox.cy()).abs() < 0.5 * h
    })
}

/// Whether a closing bracket stands on `w`'s line between the bracket `open` and `w`.
fn closed_between(words: &[Word], open: &Word, w: &Word) -> bool {
    words.iter().any(|c| {
        c.text.contains(')')
            && c.bbox.cx() > open.bbox.right() - 1.0
            && c.bbox.cx() < w.bbox.x + 1.0
            && (c.bbox.cy() - w.bbox.cy()).abs() < 0.5 * w.bbox.h.max(1.0)
    })
}

/// Whether the one-digit word `i` is a label's unit bracket misread: `(kg)` read as
/// `7` `kg` `)` (the bracket itself as a digit) or `7` `(` `kg` `)` (read twice). A
/// sheet prints no figure glued to a bracketed unit after it; its labels do.
fn opens_a_unit(words: &[Word], i: usize) -> bool {
    let w = &words[i];
    if w.text.trim().chars().count() != 1 {
        return false;
    }
    // The word right after `a` on its line, touching it.
    let next = |a: &Word| {
        let h = a.bbox.h.max(1.0);
        words.iter().find(|o| {
            (o.bbox.x - a.bbox.right()).abs() < 0.3 * h
                && (o.bbox.cy() - a.bbox.cy()).abs() < 0.4 * h
                && o.bbox.x > a.bbox.x
        })
    };
    let unit = |o: &Word| crate::ocr::inbody::is_unit(o.text.trim());
    let closes = |o: &Word| next(o).is_some_and(|c| c.text.trim().starts_with(')'));
    // A speck read between them (`7 ² ( kg )`) is neither.
    let speck = |o: &Word| {
        let t = o.text.trim();
        t.chars().count() == 1
            && t.chars().all(|c| {
                !c.is_ascii_alphanumeric()
                    && !matches!(c, '(' | ')')
                    && !crate::ocr::inbody::is_hangul(c)
            })
    };
    let after = next(w).and_then(|o| if speck(o) { next(o) } else { Some(o) });
    match after {
        Some(o) if unit(o) => closes(o),
        Some(o) if o.text.trim() == "(" => next(o).is_some_and(|u| unit(u) && closes(u)),
        _ => false,
    }
}

/// A sign printed apart from its figure, as OCR reads it: Korean models often take a
/// minus for a Hangul vowel (ㅡ), the CJK "one" (一) or a middle dot.
pub(crate) fn is_sign(text: &str) -> bool {
    matches!(
        text.trim(),
        "-" | "+" | "—" | "–" | "‒" | "−" | "ㅡ" | "一" | "ㆍ" | "·"
    )
}

/// `words` with each figure an engine split at its decimal point (`30.1kg` read as
/// `30.` and `1kg`, the second word starting where the first ends) read as one word;
/// `None` when there is none (the words are used as they are).
pub(crate) fn join_split_points(words: &[Word]) -> Option<Vec<Word>> {
    let head = |t: &str| {
        let digits = t.trim().strip_suffix(['.', ','])?;
        let digits = digits.strip_prefix(['+', '-']).unwrap_or(digits);
        (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some(())
    };
    let tail = |t: &str| {
        t.starts_with(|c: char| c.is_ascii_digit())
            && !t.contains(['.', ',', '~', '(', ')', '/', '-', '+'])
    };
    let mut out: Option<Vec<Word>> = None;
    let mut gone = vec![false; words.len()];
    for (i, a) in words.iter().enumerate() {
        if head(&a.text).is_none() || gone[i] {
            continue;
        }
        let h = a.bbox.h.max(1.0);
        let gap = |w: &Word| w.bbox.x - a.bbox.right();
        let overlap = |w: &Word| a.bbox.bottom().min(w.bbox.bottom()) - a.bbox.y.max(w.bbox.y);
        let next = words
            .iter()
            .enumerate()
            .filter(|(j, w)| {
                *j != i
                    && !gone[*j]
                    && tail(w.text.trim())
                    && overlap(w) > 0.6 * h.min(w.bbox.h)
                    && gap(w) > -0.2 * h
                    && gap(w) < 0.4 * h
            })
            .min_by(|p, q| gap(p.1).total_cmp(&gap(q.1)));
        let Some((j, b)) = next else {
            continue;
        };
        let text = format!("{}{}", a.text.trim(), b.text.trim());
        if read_figure(&text, true).is_none() {
            continue;
        }
        let v = out.get_or_insert_with(|| words.to_vec());
        v[i] = Word {
            text,
            bbox: a.bbox.union(&b.bbox),
            confidence: a.confidence,
        };
        gone[j] = true;
    }
    out.map(|v| {
        v.into_iter()
            .zip(gone)
            .filter_map(|(w, g)| (!g).then_some(w))
            .collect()
    })
}

pub(crate) fn numbers(words: &[Word]) -> Vec<Num> {
    let mut out: Vec<Num> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let Some((mut value, read_decimals)) = read_figure(&w.text, true) else {
            continue;
        };
        if opens_a_unit(words, i) {
            continue;
        }
        let mut bbox = w.bbox;
        let mut detached_sign = false;
        let mut signed = w.text.starts_with(['+', '-']);
        // A sign printed apart (`- 6.2`): the nearest word just left of the figure.
        if !w.text.starts_with(['+', '-']) {
            if let Some(sign) = words.iter().enumerate().find(|(j, s)| {
                *j != i
                    && is_sign(&s.text)
                    && (s.bbox.cy() - w.bbox.cy()).abs() < w.bbox.h * 0.6
                    && w.bbox.x - s.bbox.right() < w.bbox.h * 1.2
                    && w.bbox.x - s.bbox.right() > -2.0
            }) {
                if sign.1.text.trim() != "+" {
                    value = -value;
                    detached_sign = true;
                }
                bbox = bbox.union(&sign.1.bbox);
                signed = true;
            }
        }
        out.push(Num {
            value,
            bbox,
            decimal: w.text.contains(['.', ',']),
            read_decimals,
            detached_sign,
            signed,
            ranged: in_range(words, i),
            score: slashless_score(&w.text),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::fields::Field;
    use super::*;

    fn num(text: &str) -> Num {
        numbers(&[Word::at(text, 0.0, 0.0, 80.0, 40.0)])
            .pop()
            .expect("a figure")
    }

    #[test]
    fn a_labels_colon_read_onto_its_figure_is_no_part_of_it() {
        for (text, x) in [(":23", 23.0), ("：34", 34.0), (":172.0", 172.0)] {
            assert_eq!(read_figure(text, true).map(|f| f.0), Some(x), "{text}");
        }
        // A colon alone, or one inside a figure (a time), is still no figure.
        assert_eq!(read_figure(":", true), None);
        assert_eq!(read_figure("09:44", true), None);
    }

    #[test]
    fn a_range_end_read_with_its_leading_zero_but_not_its_point_is_a_fraction() {
        assert_eq!(parse_range_as("0.75-085", Some(2)), Some([0.75, 0.85]));
        assert_eq!(parse_range_as("(075~0.85)", Some(2)), Some([0.75, 0.85]));
        // A lone zero is a zero, and where the field prints no decimals a leading
        // zero is a misread mark.
        assert_eq!(parse_range_as("(0~9)", None), Some([0.0, 9.0]));
        assert_eq!(parse_range_as("(01~9)", None), Some([1.0, 9.0]));
    }

    #[test]
    fn a_figure_split_at_its_point_is_one_word_and_nothing_else_is_joined() {
        let words = [
            Word::at("30.", 175.0, 1175.0, 27.0, 25.0),
            Word::at("1kg", 205.0, 1174.0, 34.0, 33.0),
            Word::at("22.", 177.0, 1300.0, 36.0, 30.0),
            // A word further off, or on another line, or a range, is not the rest.
            Word::at("7kg", 260.0, 1300.0, 39.0, 29.0),
            Word::at("12.", 400.0, 1300.0, 36.0, 30.0),
            Word::at("5", 440.0, 1340.0, 10.0, 30.0),
            Word::at("9.", 600.0, 1300.0, 20.0, 30.0),
            Word::at("1~9", 621.0, 1300.0, 30.0, 30.0),
        ];
        let joined = join_split_points(&words).expect("one joined");
        let texts: Vec<&str> = joined.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, ["30.1kg", "22.", "7kg", "12.", "5", "9.", "1~9"]);
        assert_eq!(joined[0].bbox.right(), 239.0);
        assert!(join_split_points(&words[2..]).is_none());
    }

    #[test]
    fn a_score_whose_slash_was_lost_is_the_score_and_nothing_else() {
        // `NN/100점` with the slash lost or read as 1, the 점 lost or read as % or a digit.
        for (text, score) in [
            ("62100", 62.0),
            ("731003", 73.0),
            ("651000", 65.0),
            ("751100%", 75.0),
            ("741008", 74.0),
            ("7511008", 75.0),
            ("82100", 82.0),
            ("100100", 100.0),
        ] {
            let n = num(text);
            assert_eq!(value_as(Field::InBodyScore, &n), score, "{text}");
            assert!(could_be("inbody_score", &n), "{text}");
            // No other field reads it so.
            assert!(!could_be("weight_kg", &n), "{text}");
            assert_eq!(value_as(Field::BasalMetabolicRate, &n), n.value, "{text}");
        }
        // A score read whole stays as read; a BMR of 1100 is no score of 1, and
        // figures that are no `NN/100` are none.
        assert_eq!(value_as(Field::InBodyScore, &num("66")), 66.0);
        for text in ["1100", "2100", "1234", "9999100", "5100"] {
            assert_eq!(num(text).score, None, "{text}");
        }
    }
}
