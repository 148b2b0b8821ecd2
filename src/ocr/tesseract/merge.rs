//! How the passes' words are merged: the figure pass into the label pass
//! ([`merge_figures`]), a closer look's figures ([`merge_reread`]) and a column read
//! line by line ([`merge_lines`]) into the page.

use super::closer::median;
use crate::ocr::inbody::{self, is_hangul};
use crate::ocr::Word;

/// Characters of the figure pass: digits and what figures, ranges, signs and the
/// date are printed with.
pub const FIGURE_CHARS: &str = "0123456789.()~-+:/";

/// Letters the closer look may read for digits of a blurred print (see
/// [`figure_lookalikes`]): allowed, so the digit is kept as its look-alike instead of
/// being dropped.
pub const LOOKALIKES: &str = "$SOQDIlB";

/// A word without the unit printed after a figure (`1.6kg`, `156.9em`).
pub(super) fn strip_unit(s: &str) -> &str {
    let lower = s.to_ascii_lowercase();
    for unit in ["kcal", "keal", "kg", "ke", "cm", "em", "%"] {
        if lower.ends_with(unit) && s.is_char_boundary(s.len() - unit.len()) {
            return &s[..s.len() - unit.len()];
        }
    }
    s
}

/// Merges the figure pass (English model, digits only) into the label pass (`kor+eng`).
///
/// Why two passes: with Korean loaded, Tesseract reads small printed figures as
/// Hangul or Latin look-alikes (`$9.1`, `S.1S`, `2016.05.01` for `.04`) and drops
/// some altogether; restricted to figure characters it reads them far better, but it
/// turns every label into digit noise. So labels come from the first pass and figures
/// from the second: a figure fills a gap or replaces a misread figure it covers, unless
/// what it covers holds Hangul (then the "figure" is a label read as digits) or is
/// already a clean figure.
pub fn merge_figures(mut words: Vec<Word>, figures: Vec<Word>) -> Vec<Word> {
    for f in figures {
        if !f.text.chars().any(|c| c.is_ascii_digit()) {
            continue;
        }
        let area = (f.bbox.w * f.bbox.h).max(1.0);
        let on_label = words
            .iter()
            .any(|w| w.text.chars().any(is_hangul) && w.bbox.overlap_area(&f.bbox) > 0.3 * area);
        if on_label {
            continue;
        }
        let covers = |w: &Word| {
            let wa = (w.bbox.w * w.bbox.h).max(1.0);
            w.bbox.overlap_area(&f.bbox) > 0.3 * wa.min(area)
        };
        let covered: Vec<&str> = words
            .iter()
            .filter(|w| covers(w))
            .map(|w| strip_unit(&w.text))
            .collect();
        // The figure pass sometimes drops a digit the label pass kept (`1` for `51`):
        // a figure shorter than what it would replace (units aside) loses.
        let covered_len: usize = covered.iter().map(|t| t.chars().count()).sum();
        // A figure the label pass already read cleanly stays: the figure pass turns a
        // unit into digits (`4.4kg` → `44.9`).
        let clean = covered.iter().any(|t| {
            t.chars().any(|c| c.is_ascii_digit())
                && t.chars().all(|c| c.is_ascii_digit() || ".+-".contains(c))
        });
        if clean || f.text.chars().count() < covered_len {
            continue;
        }
        words.retain(|w| !covers(w));
        words.push(f);
    }
    words
}

/// Merges a column read line by line (`--psm 6`, see [`inbody::list_column`]) into the
/// page's words.
///
/// Labels: each run of Hangul words on one line that reads as a printed label (the
/// best-matching run of its words) replaces the page's label words under it when it is
/// nearer to that label than they are together (`적 정 체중` over the page's `NHS`);
/// a label the page read as well or better stays. Figures: merged as the closer look's
/// are ([`merge_reread`]): they repair and fill gaps, they do not overrule.
pub fn merge_lines(mut words: Vec<Word>, lines: Vec<Word>) -> Vec<Word> {
    let (mut hangul, figures): (Vec<Word>, Vec<Word>) = lines
        .into_iter()
        .partition(|w| w.text.chars().any(is_hangul));
    // Runs of Hangul words on one line, left to right.
    hangul.sort_by(|a, b| a.bbox.x.total_cmp(&b.bbox.x));
    let mut runs: Vec<Vec<Word>> = Vec::new();
    for w in hangul {
        let joins = |run: &Vec<Word>| {
            run.last().is_some_and(|l| {
                let overlap = l.bbox.bottom().min(w.bbox.bottom()) - l.bbox.y.max(w.bbox.y);
                let h = l.bbox.h.max(w.bbox.h);
                overlap > 0.4 * l.bbox.h.min(w.bbox.h) && w.bbox.x - l.bbox.right() < 1.2 * h
            })
        };
        match runs.iter_mut().find(|r| joins(r)) {
            Some(run) => run.push(w),
            None => runs.push(vec![w]),
        }
    }
    let mut taken = Vec::new();
    for run in runs {
        // The part of the run that is nearest to a label (a label may be followed by
        // a misread subtitle on the same line).
        let mut best: Option<(usize, usize, &'static str, usize)> = None;
        for i in 0..run.len() {
            let mut text = String::new();
            for (j, w) in run.iter().enumerate().skip(i) {
                text.push_str(&w.text);
                if let Some((label, d)) = inbody::nearest_label(&text) {
                    if best.is_none_or(|b| d < b.3 || (d == b.3 && j - i > b.1 - b.0)) {
                        best = Some((i, j, label, d));
                    }
                }
            }
        }
        let Some((i, j, label, d)) = best else {
            continue;
        };
        let new = &run[i..=j];
        let under = |w: &Word| {
            let area = (w.bbox.w * w.bbox.h).max(1.0);
            !w.text.chars().any(|c| c.is_ascii_digit())
                && new
                    .iter()
                    .map(|n| n.bbox.overlap_area(&w.bbox))
                    .sum::<f32>()
                    > 0.3 * area
        };
        let mut old: Vec<&Word> = words.iter().filter(|w| under(w)).collect();
        old.sort_by(|a, b| a.bbox.x.total_cmp(&b.bbox.x));
        let old_text: String = old.iter().map(|w| w.text.as_str()).collect();
        if old.is_empty() || inbody::label_distance(&old_text, label) > d {
            words.retain(|w| !under(w));
            taken.extend(new.iter().cloned());
        }
    }
    // Added after all runs are placed: a tall syllable of one run may reach into the
    // next line, and must not count as that line's old reading.
    words.extend(taken);
    merge_reread(words, figures)
}

/// A word that names something rather than a figure: Hangul, or three or more Latin
/// letters without a digit (`BMI`, `Weight`).
pub(super) fn is_label_word(text: &str) -> bool {
    text.chars().any(is_hangul)
        || (!text.chars().any(|c| c.is_ascii_digit())
            && text.chars().filter(|c| c.is_ascii_alphabetic()).count() >= 3)
}

/// Whether a word is a unit alone, bracketed or not (`(kg)`, `kg`, `(%)`, `L`,
/// `(kcal)`, `kg/m2`): one of the units the reader knows ([`inbody::is_unit`]) or
/// BMI's.
pub(super) fn is_unit_word(text: &str) -> bool {
    let t = text.trim_matches(|c: char| "()[]".contains(c));
    inbody::is_unit(t) || t.eq_ignore_ascii_case("kg/m2") || t.eq_ignore_ascii_case("kg/m²")
}

/// Merges the closer look's figures into the first look's words: a re-read figure
/// replaces whatever non-label words it covers (the first look's misreads), and is
/// dropped where it lies on a label (a label read as digits).
pub fn merge_reread(mut words: Vec<Word>, figures: Vec<Word>) -> Vec<Word> {
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
    // The height of the re-read figures (of two digits or more): a "figure" under half
    // of it is a fragment of smaller print (a digit of a range read alone).
    let heights = figures
        .iter()
        .filter(|f| digits(&f.text).len() >= 2)
        .map(|f| f.bbox.h)
        .collect();
    let min_h = median(heights).map_or(0.0, |h| 0.5 * h);
    for mut f in figures {
        if f.bbox.h < min_h && f.text.chars().any(|c| c.is_ascii_digit()) {
            continue;
        }
        // The `~` of a range may stand apart (`27.0 ~ 33.0`).
        let tilde = !f.text.is_empty() && f.text.chars().all(|c| c == '~');
        let Some(text) = figure_lookalikes(&f.text).or_else(|| tilde.then(|| "~".to_string()))
        else {
            continue;
        };
        // Only the digits Tesseract printed as digits (not look-alikes).
        let printed = digits(&f.text);
        f.text = text;
        if tilde {
            // Only into a gap: a flat `~` would make every word it touches look tall.
            if !words.iter().any(|w| w.bbox.overlap_area(&f.bbox) > 0.0) {
                words.push(f);
            }
            continue;
        }
        let area = (f.bbox.w * f.bbox.h).max(1.0);
        // A word over two lines of figures is a misread blob, neither label nor figure.
        let blob = |w: &Word| w.bbox.h > 1.6 * f.bbox.h;
        // Labels it lies on, together: a label read syllable by syllable (`골 격 근`)
        // read as one row of digits overlaps each syllable only a little.
        let on_labels: f32 = words
            .iter()
            .filter(|w| is_label_word(&w.text) && !blob(w))
            .map(|w| w.bbox.overlap_area(&f.bbox))
            .sum();
        let on_label = on_labels > 0.3 * area;
        // A unit the first look read as one (`(kg)`, `%`) stays, and a "figure" of one
        // digit over most of it is the unit read as digits (`(kg)` read `(9)`: a
        // figure beside its label, taken for the field).
        let on_unit = digits(&f.text).len() <= 1
            && words.iter().any(|w| {
                is_unit_word(&w.text)
                    && w.bbox.overlap_area(&f.bbox) > 0.5 * (w.bbox.w * w.bbox.h).min(area)
            });
        if on_label || on_unit {
            continue;
        }
        let covers = |w: &Word| {
            let wa = (w.bbox.w * w.bbox.h).max(1.0);
            (blob(w) || !(is_label_word(&w.text) || is_unit_word(&w.text)))
                && w.bbox.overlap_area(&f.bbox) > 0.3 * wa.min(area)
        };
        // What the first look read cleanly (a figure or a whole range) stays: the
        // closer look repairs misreads and fills gaps, it does not overrule.
        // (Unless the closer look read more of it: `27.3` for `7.3` (a digit lost next
        // to a label or a bar), `2.54` for `2.5`, `-9.9` for `9.9`. A tail of look-alikes does not count:
        // it is more often a unit read as a digit, `1170l` for `1170 kcal`.)
        let fd = digits(&f.text);
        let clean = words.iter().filter(|w| covers(w) && !blob(w)).any(|w| {
            let t = strip_unit(&w.text);
            let td = digits(t);
            // Read more of it means around it: with its decimal point where it was
            // (`-7.2` read `-729`, its unit taken for a 9, is not more of `-7.2`), and
            // with a decimal point at all for digits added at the end (`+269` is not
            // more of `+26`: both lost the point, the closer look also read the unit).
            let as_figure = figure_lookalikes(t).unwrap_or_default();
            let around =
                !t.contains('.') || f.text.contains(as_figure.trim_start_matches(['-', '+']));
            let extended = (around
                && ((fd.len() > td.len() && fd.ends_with(&td))
                    || (printed.len() > td.len()
                        && printed.contains(&td)
                        && f.text.contains('.'))))
                // A sign the first look lost (`9.9` for `-9.9`).
                || (f.text.starts_with(['-', '+']) && !t.starts_with(['-', '+']) && fd == td)
                // A decimal point it lost (`+554` for `2.54`).
                || (f.text.contains('.') && !t.contains(['.', ',']) && fd.len() == td.len());
            !extended && (inbody::parse_number(t).is_some() || inbody::parse_range(t).is_some())
        });
        if clean {
            continue;
        }
        words.retain(|w| !covers(w));
        words.push(f);
    }
    words
}

/// A word of the closer look as the figure it shows, or `None` when it is no figure:
/// a unit after it is dropped (`1.6kg`, `156.9¢m`, `100%`), quotes around it too, and
/// the letters Tesseract's English model reads for digits in a blurred print are mapped
/// back (`$9.1` → `59.1`, `S.1S` → `5.15`, `(Q7$~OS8S)` → `(075~0585)`). The word must
/// hold a digit of its own and nothing that is neither a figure character nor such a
/// look-alike.
pub fn figure_lookalikes(word: &str) -> Option<String> {
    let trimmed = word.trim_matches(|c: char| "“”\"'‘’«»,;`".contains(c));
    let mut core = trimmed;
    for unit in ["kcal", "keal", "kg", "ke", "cm", "¢m", "em", "%"] {
        if let Some(stripped) = core.strip_suffix(unit) {
            core = stripped;
            break;
        }
    }
    if !core.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    core.chars()
        .map(|c| {
            if FIGURE_CHARS.contains(c) {
                Some(c)
            } else {
                inbody::lookalike(c)
            }
        })
        .collect()
}
