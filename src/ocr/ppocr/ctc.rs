//! The recogniser's output read back as text: CTC greedy decoding that keeps the
//! time step of every character, and the split of a line into words placed where
//! their characters are.
//!
//! The model gives, for each of `T` time steps (one per 8 input columns), a
//! probability for each class. Greedy decoding takes the likeliest class at each
//! step, drops repeats of the previous step's class and the blank (class 0): what is
//! left are the line's characters, each with the run of steps its class held
//! (PaddleOCR's `CTCLabelDecode`; its confidence is the mean of each character's
//! first-step probability, so is ours). A word is a run of characters between
//! spaces; it spans from half a character pitch before its first character's centre
//! to half a pitch after its last one's, the pitch measured on the line itself. So
//! a figure after a long label gets the box of its own digits, not a share of the
//! line in proportion to character counts.

use super::dict::Dict;

/// One decoded character.
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    pub text: String,
    /// The first and last time step of its run.
    pub first: usize,
    pub last: usize,
    /// Its probability at its first step.
    pub prob: f32,
}

impl Glyph {
    /// The centre of its run, in steps (step `k` covers `k..k+1`).
    pub fn centre(&self) -> f64 {
        (self.first + self.last) as f64 / 2.0 + 0.5
    }

    fn is_space(&self) -> bool {
        self.text.chars().all(char::is_whitespace)
    }
}

/// One decoded line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Decoded {
    pub glyphs: Vec<Glyph>,
}

impl Decoded {
    pub fn text(&self) -> String {
        self.glyphs.iter().map(|g| g.text.as_str()).collect()
    }

    /// The mean probability of its characters, 0 for none.
    pub fn confidence(&self) -> f32 {
        mean(self.glyphs.iter().map(|g| g.prob))
    }
}

fn mean(values: impl Iterator<Item = f32>) -> f32 {
    let (sum, n) = values.fold((0.0f64, 0usize), |(s, n), v| (s + f64::from(v), n + 1));
    if n == 0 {
        0.0
    } else {
        (sum / n as f64) as f32
    }
}

/// Greedy decoding of one line's `steps × classes` probabilities (row-major). A
/// short slice decodes the steps it holds; classes beyond the dictionary and NaN
/// scores are never characters.
pub fn greedy(probs: &[f32], steps: usize, classes: usize, dict: &Dict) -> Decoded {
    let mut glyphs: Vec<Glyph> = Vec::new();
    if classes == 0 {
        return Decoded { glyphs };
    }
    let mut prev = 0usize;
    for (t, row) in probs.chunks_exact(classes).take(steps).enumerate() {
        let (mut best, mut p) = (0usize, row[0]);
        for (c, &v) in row.iter().enumerate().skip(1) {
            if v > p || p.is_nan() {
                best = c;
                p = v;
            }
        }
        if best == prev && t > 0 {
            if best != 0 {
                if let Some(g) = glyphs.last_mut().filter(|g| g.last + 1 == t) {
                    g.last = t;
                }
            }
            continue;
        }
        prev = best;
        if let Some(text) = dict.text(best) {
            glyphs.push(Glyph {
                text: text.to_string(),
                first: t,
                last: t,
                prob: if p.is_finite() { p } else { 0.0 },
            });
        }
    }
    Decoded { glyphs }
}

/// A word of a line and where it is, in time steps.
#[derive(Debug, Clone, PartialEq)]
pub struct WordSpan {
    pub text: String,
    pub confidence: f32,
    pub start: f64,
    pub end: f64,
}

/// The line's words (split at spaces), each spanning its characters, within
/// `0..valid_steps` (the steps that cover the crop, not the batch padding).
pub fn words(line: &Decoded, valid_steps: f64) -> Vec<WordSpan> {
    let valid_steps = if valid_steps.is_finite() {
        valid_steps.max(0.0)
    } else {
        0.0
    };
    let groups: Vec<&[Glyph]> = line
        .glyphs
        .split(Glyph::is_space)
        .filter(|g| !g.is_empty())
        .collect();
    let word = |g: &[Glyph], start: f64, end: f64| WordSpan {
        text: g.iter().map(|c| c.text.as_str()).collect(),
        confidence: mean(g.iter().map(|c| c.prob)),
        start: start.clamp(0.0, valid_steps),
        end: end.clamp(0.0, valid_steps),
    };
    let mut within: Vec<f64> = groups
        .iter()
        .flat_map(|g| g.windows(2).map(|w| w[1].centre() - w[0].centre()))
        .collect();
    if within.is_empty() && groups.len() == 1 {
        // One character: nothing to measure a pitch on; the word is the line.
        return groups.iter().map(|g| word(g, 0.0, valid_steps)).collect();
    }
    if within.is_empty() {
        // Single-character words only: the pitch from all the line's characters.
        within = line
            .glyphs
            .windows(2)
            .map(|w| w[1].centre() - w[0].centre())
            .collect();
    }
    within.sort_by(f64::total_cmp);
    let pitch = within.get(within.len() / 2).copied().unwrap_or(valid_steps);
    groups
        .iter()
        .filter_map(|g| {
            let (first, last) = (g.first()?, g.last()?);
            Some(word(
                g,
                first.centre() - pitch / 2.0,
                last.centre() + pitch / 2.0,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Blank, "1", "2", ".", " ", "k".
    fn dict() -> Dict {
        Dict::parse(b"1\n2\n.\n \nk\n").unwrap()
    }

    /// Probabilities for a class sequence: the class at 0.9, the rest share 0.1.
    fn probs(seq: &[usize], classes: usize) -> Vec<f32> {
        let mut out = vec![0.1 / (classes - 1) as f32; seq.len() * classes];
        for (t, &c) in seq.iter().enumerate() {
            out[t * classes + c] = 0.9;
        }
        out
    }

    #[test]
    fn repeats_and_blanks_collapse_and_steps_are_kept() {
        // "1 1 _ 1 2 2 _ . 2" -> "11.2" ... with a blank between the two 1s.
        let seq = [1, 1, 0, 1, 2, 2, 0, 3, 2];
        let d = greedy(&probs(&seq, 6), seq.len(), 6, &dict());
        assert_eq!(d.text(), "112.2");
        let spans: Vec<(usize, usize)> = d.glyphs.iter().map(|g| (g.first, g.last)).collect();
        assert_eq!(spans, vec![(0, 1), (3, 3), (4, 5), (7, 7), (8, 8)]);
        assert!((d.confidence() - 0.9).abs() < 1e-6);
    }

    #[test]
    fn an_empty_or_blank_line_has_no_text_and_no_confidence() {
        let d = greedy(&probs(&[0, 0, 0], 6), 3, 6, &dict());
        assert_eq!(d.text(), "");
        assert_eq!(d.confidence(), 0.0);
        assert!(words(&d, 3.0).is_empty());
        assert_eq!(greedy(&[], 10, 6, &dict()).text(), "");
        assert_eq!(greedy(&[0.5; 7], 2, 0, &dict()).text(), "");
    }

    #[test]
    fn classes_beyond_the_dictionary_are_not_characters() {
        // 8 classes, the dictionary covers 6.
        let seq = [7, 1, 6];
        let d = greedy(&probs(&seq, 8), 3, 8, &dict());
        assert_eq!(d.text(), "1");
    }

    #[test]
    fn words_sit_where_their_characters_are() {
        // "kk 12.2": a label, a space, then a figure at the right end of the line.
        let seq = [
            0, 5, 0, 0, 5, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 0, 3, 2, 0,
        ];
        let d = greedy(&probs(&seq, 6), seq.len(), 6, &dict());
        assert_eq!(d.text(), "kk 12.2");
        let w = words(&d, seq.len() as f64);
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].text, "kk");
        assert_eq!(w[1].text, "12.2");
        // Pitch: centre gaps 3 (k k), 2, 2, 1 -> median 2.
        assert!((w[0].start - 0.5).abs() < 1e-9, "{w:?}");
        assert!((w[0].end - 5.5).abs() < 1e-9, "{w:?}");
        assert!((w[1].start - 17.5).abs() < 1e-9, "{w:?}");
        assert!((w[1].end - 24.5).abs() < 1e-9, "{w:?}");
        // A proportional split would have put the figure from 3/7 of the line.
        assert!(w[1].start > seq.len() as f64 * 0.6);
    }

    #[test]
    fn a_single_character_is_the_whole_line_and_spans_stay_inside_it() {
        let d = greedy(&probs(&[0, 0, 1, 0], 6), 4, 6, &dict());
        assert_eq!(
            words(&d, 4.0),
            vec![WordSpan {
                text: "1".into(),
                confidence: 0.9,
                start: 0.0,
                end: 4.0
            }]
        );
        let d = greedy(&probs(&[1, 4, 2], 6), 3, 6, &dict());
        let w = words(&d, 3.0);
        assert_eq!(w.len(), 2);
        assert!(w
            .iter()
            .all(|w| w.start >= 0.0 && w.end <= 3.0 && w.start <= w.end));
        assert!(words(&d, f64::NAN).iter().all(|w| w.end == 0.0));
    }

    #[test]
    fn nan_scores_are_not_characters() {
        let mut p = probs(&[1, 2], 6);
        p[6..12].fill(f32::NAN);
        let d = greedy(&p, 2, 6, &dict());
        assert!(d.glyphs.iter().all(|g| g.prob.is_finite()));
    }

    proptest! {
        #[test]
        fn decoding_never_panics(
            probs in proptest::collection::vec(proptest::num::f32::ANY, 0..400),
            steps in 0usize..50,
            classes in 0usize..12,
            valid in proptest::num::f64::ANY,
        ) {
            let d = greedy(&probs, steps, classes, &dict());
            prop_assert!(d.glyphs.len() <= steps);
            let c = d.confidence();
            prop_assert!(c.is_finite() || c.is_nan());
            for w in words(&d, valid) {
                prop_assert!(w.start <= w.end || w.start.is_nan() || w.end.is_nan());
                prop_assert!(!w.text.is_empty());
            }
        }

        #[test]
        fn any_dictionary_bytes_parse_or_fail_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..200), classes in 0usize..300) {
            if let Ok(d) = Dict::parse(&bytes) {
                if let Ok(d) = d.for_classes(classes) {
                    prop_assert_eq!(d.classes(), classes);
                    for c in 0..classes + 2 {
                        let _ = d.text(c);
                    }
                }
            }
        }
    }
}
