//! The words of a sheet as Google Vision's DOCUMENT_TEXT_DETECTION returns them, and
//! an `images:annotate` answer made of them, so the `google` engine path is measured
//! on the same sheets as Tesseract.
//!
//! Vision does not split words at spaces only. As its users report
//! (googleapis/google-cloud-ruby#1909: document text detection splits words at
//! `[,-.()]`; GoogleCloudPlatform/cloud-vision#145: a date `01/01/2018` comes back as
//! `01`, `/`, `01`, `/`, `2018`), punctuation is a word of its own. The tokeniser
//! here follows that: within a space-separated token, every punctuation mark
//! (`( ) [ ] ~ - + / : , % *` and a trailing `.`) is a word, a run of digits keeps its
//! inner decimal points (`27.3`, `2016.05.04`), a unit glued to a figure is a word
//! of its own (`51.7kg` → `51.7` `kg`; `100점` → `100` `점`), and a run that starts
//! with a letter keeps its digits (`InBody370S`). Boxes are the glyphs' advances.

use serde_json::{json, Value};

use super::canvas::{Glyph, Run};
use super::Sheet;
use crate::ocr::{BBox, Word};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Digit,
    Latin,
    Hangul,
    Punct,
    Space,
}

fn class(c: char) -> Class {
    if c.is_whitespace() {
        Class::Space
    } else if c.is_ascii_digit() {
        Class::Digit
    } else if ('\u{AC00}'..='\u{D7A3}').contains(&c) || ('\u{3130}'..='\u{318F}').contains(&c) {
        Class::Hangul
    } else if c.is_alphanumeric() || matches!(c, '²' | 'Ω' | '·') {
        Class::Latin
    } else {
        Class::Punct
    }
}

/// The Vision words of one run of glyphs.
fn tokens(run: &Run) -> Vec<Word> {
    let g = &run.glyphs;
    let mut out = Vec::new();
    let mut cur: Vec<Glyph> = Vec::new();
    let mut cur_class = Class::Space;
    let flush = |cur: &mut Vec<Glyph>, out: &mut Vec<Word>| {
        if let (Some(first), Some(last)) = (cur.first(), cur.last()) {
            out.push(Word {
                text: cur.iter().map(|g| g.c).collect(),
                bbox: BBox {
                    x: first.x0,
                    y: run.y,
                    w: last.x1 - first.x0,
                    h: run.px * 0.9,
                },
                confidence: Some(98.0),
            });
        }
        cur.clear();
    };
    for (i, glyph) in g.iter().enumerate() {
        let c = glyph.c;
        let mut k = class(c);
        // A point between digits stays in the number.
        if c == '.'
            && cur_class == Class::Digit
            && g.get(i + 1).is_some_and(|n| n.c.is_ascii_digit())
        {
            k = Class::Digit;
        }
        let joins = match (cur_class, k) {
            (_, Class::Space) | (_, Class::Punct) | (Class::Punct, _) | (Class::Space, _) => false,
            (Class::Latin, Class::Digit) => true,
            (a, b) => a == b,
        };
        if !joins {
            flush(&mut cur, &mut out);
        }
        if k == Class::Space {
            cur_class = Class::Space;
            continue;
        }
        cur.push(*glyph);
        // A word that began with a letter stays a letter word through its digits.
        if !(cur_class == Class::Latin && k == Class::Digit && joins) {
            cur_class = k;
        }
    }
    flush(&mut cur, &mut out);
    out
}

/// Every text run of the sheet as Vision's words, one list per run (a line).
pub fn lines(sheet: &Sheet) -> Vec<Vec<Word>> {
    let mut lines: Vec<Vec<Word>> = sheet
        .runs
        .iter()
        .map(tokens)
        .filter(|l| !l.is_empty())
        .collect();
    // Vision answers in reading order: top to bottom, then left to right.
    lines.sort_by(|a, b| {
        let (a, b) = (&a[0].bbox, &b[0].bbox);
        (a.y.round() as i64, a.x.round() as i64).cmp(&(b.y.round() as i64, b.x.round() as i64))
    });
    lines
}

/// The sheet's words as Vision returns them.
pub fn words(sheet: &Sheet) -> Vec<Word> {
    lines(sheet).into_iter().flatten().collect()
}

/// An `images:annotate` answer as Google documents it: `textAnnotations` (the full
/// text, then one entry per word) and `fullTextAnnotation` (pages → blocks →
/// paragraphs → words → symbols, one block per line), vertices without a
/// coordinate that is 0, `detectedBreak` after words and lines.
pub fn annotate_answer(lines: &[Vec<Word>], width: u32, height: u32) -> Value {
    let vertex = |x: f32, y: f32| {
        let mut v = serde_json::Map::new();
        if x.round() != 0.0 {
            v.insert("x".into(), json!(x.round() as i64));
        }
        if y.round() != 0.0 {
            v.insert("y".into(), json!(y.round() as i64));
        }
        Value::Object(v)
    };
    let poly = |b: &BBox| json!({"vertices": [vertex(b.x, b.y), vertex(b.right(), b.y), vertex(b.right(), b.bottom()), vertex(b.x, b.bottom())]});
    let mut text = String::new();
    let mut entities = Vec::new();
    let mut blocks = Vec::new();
    for line in lines {
        let Some(first) = line.first() else { continue };
        let bbox = line.iter().fold(first.bbox, |b, w| b.union(&w.bbox));
        let mut words = Vec::new();
        for (wi, w) in line.iter().enumerate() {
            let n = w.text.chars().count().max(1) as f32;
            let last_word = wi + 1 == line.len();
            // The next word touches this one (`51.7` `kg`): no break between them.
            let touching = line
                .get(wi + 1)
                .is_some_and(|next| next.bbox.x - w.bbox.right() < 1.0);
            let symbols: Vec<Value> = w
                .text
                .chars()
                .enumerate()
                .map(|(ci, c)| {
                    let sb = BBox {
                        x: w.bbox.x + w.bbox.w * ci as f32 / n,
                        y: w.bbox.y,
                        w: w.bbox.w / n,
                        h: w.bbox.h,
                    };
                    let mut s = json!({"boundingBox": poly(&sb), "text": c.to_string(), "confidence": 0.98});
                    if ci + 1 == w.text.chars().count() {
                        let brk = if last_word {
                            Some("LINE_BREAK")
                        } else if touching {
                            None
                        } else {
                            Some("SPACE")
                        };
                        if let Some(t) = brk {
                            s["property"] = json!({"detectedBreak": {"type": t}});
                        }
                    }
                    s
                })
                .collect();
            words.push(
                json!({"boundingBox": poly(&w.bbox), "symbols": symbols, "confidence": 0.98}),
            );
            entities.push(json!({"description": w.text, "boundingPoly": poly(&w.bbox)}));
            text.push_str(&w.text);
            text.push(if last_word {
                '\n'
            } else if touching {
                '\u{0}'
            } else {
                ' '
            });
        }
        blocks.push(json!({
            "boundingBox": poly(&bbox),
            "paragraphs": [{"boundingBox": poly(&bbox), "words": words, "confidence": 0.98}],
            "blockType": "TEXT",
            "confidence": 0.98,
        }));
    }
    let text = text.replace('\u{0}', "");
    let mut annotations = vec![json!({"locale": "ko", "description": text})];
    annotations.extend(entities);
    json!({"responses": [{
        "textAnnotations": annotations,
        "fullTextAnnotation": {
            "pages": [{"width": width, "height": height, "blocks": blocks, "confidence": 0.98}],
            "text": text,
        }
    }]})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ocr::sheetgen::{specs, Generator, Split};

    fn run_of(text: &str) -> Run {
        Run {
            y: 10.0,
            px: 20.0,
            glyphs: text
                .chars()
                .enumerate()
                .map(|(i, c)| Glyph {
                    c,
                    x0: i as f32 * 10.0,
                    x1: i as f32 * 10.0 + 10.0,
                })
                .collect(),
        }
    }

    fn texts(text: &str) -> Vec<String> {
        tokens(&run_of(text)).into_iter().map(|w| w.text).collect()
    }

    #[test]
    fn punctuation_units_and_scripts_are_words_of_their_own() {
        assert_eq!(texts("(27.0~33.0)"), ["(", "27.0", "~", "33.0", ")"]);
        assert_eq!(texts("- 6.2 kg"), ["-", "6.2", "kg"]);
        assert_eq!(texts("-7.4kg"), ["-", "7.4", "kg"]);
        assert_eq!(texts("79/100점"), ["79", "/", "100", "점"]);
        assert_eq!(
            texts("(1.5kg) 178.0%"),
            ["(", "1.5", "kg", ")", "178.0", "%"]
        );
        assert_eq!(
            texts("2016.05.04. 09:46"),
            ["2016.05.04", ".", "09", ":", "46"]
        );
        assert_eq!(texts("[InBody370S]"), ["[", "InBody370S", "]"]);
        assert_eq!(texts("체중 Weight"), ["체중", "Weight"]);
        // A box covers its own glyphs only.
        let w = tokens(&run_of("51.7kg"));
        assert_eq!((w[0].bbox.x, w[0].bbox.w, w[1].bbox.x), (0.0, 40.0, 40.0));
    }

    #[test]
    fn the_answer_parses_back_to_the_same_words_and_boxes() {
        let g = Generator::new().expect("fonts-nanum");
        let spec = specs(Split::Tuning, 1)[0];
        let sheet = g.render(&spec).expect("renders");
        let lines = lines(&sheet);
        let answer = annotate_answer(&lines, sheet.image.width(), sheet.image.height());
        let back = crate::ocr::google::parse_response(&answer.to_string()).expect("parses");
        let want: Vec<Word> = lines.into_iter().flatten().collect();
        assert!(want.len() > 200, "{} words", want.len());
        assert_eq!(back.len(), want.len());
        for (b, w) in back.iter().zip(&want) {
            assert_eq!(b.text, w.text);
            assert!(
                (b.bbox.x - w.bbox.x).abs() <= 1.0
                    && (b.bbox.right() - w.bbox.right()).abs() <= 1.0
            );
        }
    }
}
