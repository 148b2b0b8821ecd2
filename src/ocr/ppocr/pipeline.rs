//! One page through the detector and the recogniser, with the models behind a trait
//! ([`Models`]) so the whole flow is tested without ONNX Runtime: decode → detector
//! input → probability map → line quads → upright crops → batches → class
//! probabilities → text with each word's box → [`wire::Page`].
//!
//! The real models are `session::OrtModels` (feature `ppocr`). Lines the recogniser
//! reads nothing in, or reads with a mean confidence under
//! [`Options::drop_score`] (PaddleOCR's 0.5), are left out, as PaddleOCR does.

use std::time::Instant;

use thiserror::Error;

use super::crop::{self, LineCrop};
use super::ctc::{self, Decoded};
use super::det::{self, DetParams};
use super::dict::Dict;
use super::input::{self, ImageError, RgbPage};
use super::rec::{self, RecParams};
use super::wire::{Line, Page, Timing, Word};

/// A model that failed (ONNX Runtime's message).
#[derive(Debug, Error, PartialEq)]
#[error("{0}")]
pub struct ModelError(pub String);

/// The detector's output: a probability per pixel of its input.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbMap {
    pub width: usize,
    pub height: usize,
    pub data: Vec<f32>,
}

/// The recogniser's output for a batch: `[batch, steps, classes]` probabilities.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassProbs {
    pub steps: usize,
    pub classes: usize,
    pub data: Vec<f32>,
}

/// The two models.
pub trait Models {
    /// Runs the detector on `[1, 3, height, width]`.
    fn detect(&mut self, input: &[f32], width: usize, height: usize)
        -> Result<ProbMap, ModelError>;
    /// Runs the recogniser on `[batch, 3, 48, width]`.
    fn recognize(
        &mut self,
        input: &[f32],
        batch: usize,
        width: usize,
    ) -> Result<ClassProbs, ModelError>;
}

/// Why a page was not read.
#[derive(Debug, Error, PartialEq)]
pub enum PipelineError {
    /// The bytes are not a page the helper reads (exit 2).
    #[error(transparent)]
    Image(#[from] ImageError),
    #[error("model: {0}")]
    Model(#[from] ModelError),
    #[error("the {model} gave {got} values where {expected} were expected")]
    Shape {
        model: &'static str,
        got: usize,
        expected: usize,
    },
    #[error("the recogniser has {classes} classes, the dictionary covers {dict}")]
    Classes { classes: usize, dict: usize },
}

/// The pipeline's knobs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    pub det: DetParams,
    pub rec: RecParams,
    /// Lines read with a lower mean confidence are left out.
    pub drop_score: f32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            det: DetParams::default(),
            rec: RecParams::default(),
            drop_score: 0.5,
        }
    }
}

fn ms(t: Instant) -> u64 {
    u64::try_from(t.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Reads a page from PNG/JPEG bytes.
pub fn read_bytes<M: Models>(
    models: &mut M,
    dict: &Dict,
    bytes: &[u8],
    opts: &Options,
) -> Result<Page, PipelineError> {
    let t0 = Instant::now();
    let page = input::decode(bytes)?;
    let decode = ms(t0);
    let mut out = read_page(models, dict, &page, opts)?;
    out.timing_ms.decode = decode;
    Ok(out)
}

/// Reads a decoded page.
pub fn read_page<M: Models>(
    models: &mut M,
    dict: &Dict,
    page: &RgbPage,
    opts: &Options,
) -> Result<Page, PipelineError> {
    let t0 = Instant::now();
    let boxes = detect(models, page, &opts.det)?;
    let detect_ms = ms(t0);
    let t1 = Instant::now();
    // A chart's bar running into a box is no part of its line (see `crop::trim_bars`).
    let mut boxes = boxes;
    for b in &mut boxes {
        if let Some(q) = crop::trim_bars(&page.rgb, page.width, page.height, &b.quad) {
            b.quad = q;
        }
    }
    let crops: Vec<Option<LineCrop>> = boxes
        .iter()
        .map(|b| LineCrop::new(&page.rgb, page.width, page.height, &b.quad))
        .collect();
    let kept: Vec<usize> = (0..crops.len()).filter(|&i| crops[i].is_some()).collect();
    let usable: Vec<LineCrop> = kept.iter().filter_map(|&i| crops[i].clone()).collect();
    let mut lines: Vec<Option<Line>> = vec![None; boxes.len()];
    for batch in rec::batches(&usable, &opts.rec) {
        let n = batch.items.len();
        let out = models.recognize(&batch.data, n, batch.width)?;
        if out.classes != dict.classes() {
            return Err(PipelineError::Classes {
                classes: out.classes,
                dict: dict.classes(),
            });
        }
        let per_item = out.steps * out.classes;
        if out.data.len() != n * per_item {
            return Err(PipelineError::Shape {
                model: "recogniser",
                got: out.data.len(),
                expected: n * per_item,
            });
        }
        for (k, (&item, &valid)) in batch.items.iter().zip(&batch.valid).enumerate() {
            let decoded = ctc::greedy(
                &out.data[k * per_item..(k + 1) * per_item],
                out.steps,
                out.classes,
                dict,
            );
            let crop = &usable[item];
            let index = kept[item];
            lines[index] = line(
                &decoded,
                crop,
                &boxes[index].quad,
                out.steps,
                batch.width,
                valid,
                opts.drop_score,
            );
        }
    }
    Ok(Page {
        width: page.width,
        height: page.height,
        lines: lines.into_iter().flatten().collect(),
        timing_ms: Timing {
            decode: 0,
            detect: detect_ms,
            recognize: ms(t1),
        },
    })
}

/// The page's line boxes.
fn detect<M: Models>(
    models: &mut M,
    page: &RgbPage,
    params: &DetParams,
) -> Result<Vec<det::DetBox>, PipelineError> {
    let (w, h) = det::det_size(page.width, page.height, params.limit_side);
    let input = det::det_input(&page.rgb, page.width, page.height, w, h);
    let map = models.detect(&input, w as usize, h as usize)?;
    if map.data.len() != map.width * map.height || map.width == 0 || map.height == 0 {
        return Err(PipelineError::Shape {
            model: "detector",
            got: map.data.len(),
            expected: map.width * map.height,
        });
    }
    Ok(det::boxes_from_map(
        &map.data,
        map.width,
        map.height,
        page.width,
        page.height,
        params,
    ))
}

/// One recognised line in wire form, `None` when it reads nothing or too unsure.
fn line(
    decoded: &Decoded,
    crop: &LineCrop,
    quad: &[[f64; 2]; 4],
    steps: usize,
    batch_width: usize,
    valid: usize,
    drop_score: f32,
) -> Option<Line> {
    let text = decoded.text();
    let confidence = decoded.confidence();
    if text.trim().is_empty() || confidence < drop_score {
        return None;
    }
    // Steps -> batch pixels -> crop pixels.
    let step_px = batch_width as f64 / steps.max(1) as f64;
    let to_crop = crop.width as f64 / valid.max(1) as f64;
    let valid_steps = valid as f64 / step_px;
    let words = ctc::words(decoded, valid_steps)
        .into_iter()
        .map(|w| Word {
            text: w.text,
            confidence: w.confidence,
            bbox: crop.span_bbox(w.start * step_px * to_crop, w.end * step_px * to_crop),
        })
        .collect();
    Some(Line {
        text,
        confidence,
        quad: quad.map(|p| [p[0] as f32, p[1] as f32]),
        words,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A detector that marks one rectangle of its input as text, and a recogniser
    /// that reads "ab 12" in every crop, the figure in the last quarter of the steps.
    struct Fake {
        text_rect: (usize, usize, usize, usize),
        rec_calls: usize,
        classes: usize,
    }

    impl Models for Fake {
        fn detect(&mut self, _: &[f32], w: usize, h: usize) -> Result<ProbMap, ModelError> {
            let mut data = vec![0.0; w * h];
            let (x0, y0, x1, y1) = self.text_rect;
            for y in y0..y1.min(h) {
                for x in x0..x1.min(w) {
                    data[y * w + x] = 0.95;
                }
            }
            Ok(ProbMap {
                width: w,
                height: h,
                data,
            })
        }

        fn recognize(&mut self, _: &[f32], n: usize, w: usize) -> Result<ClassProbs, ModelError> {
            self.rec_calls += 1;
            let steps = w / 8;
            let c = self.classes;
            let mut data = vec![0.0; n * steps * c];
            for k in 0..n {
                for t in 0..steps {
                    // a b _ space ... 1 2 in the last quarter.
                    let class = match t {
                        1 => 1,
                        3 => 2,
                        5 => 5,
                        t if t == steps - 6 => 3,
                        t if t == steps - 3 => 4,
                        _ => 0,
                    };
                    data[(k * steps + t) * c + class] = 1.0;
                }
            }
            Ok(ClassProbs {
                steps,
                classes: c,
                data,
            })
        }
    }

    fn dict() -> Dict {
        // a b 1 2 + the space class.
        Dict::parse(b"a\nb\n1\n2\n")
            .unwrap()
            .for_classes(6)
            .unwrap()
    }

    fn page(w: u32, h: u32) -> RgbPage {
        RgbPage {
            width: w,
            height: h,
            rgb: vec![255; (w * h * 3) as usize],
        }
    }

    #[test]
    fn a_page_reads_into_lines_and_words_with_their_own_boxes() {
        let mut m = Fake {
            text_rect: (40, 100, 600, 130),
            rec_calls: 0,
            classes: 6,
        };
        let p = read_page(&mut m, &dict(), &page(640, 480), &Options::default()).unwrap();
        assert_eq!((p.width, p.height), (640, 480));
        assert_eq!(p.lines.len(), 1);
        let line = &p.lines[0];
        assert_eq!(line.text, "ab 12");
        assert_eq!(line.words.len(), 2);
        let [x, y, w, h] = line.words[1].bbox;
        let [lx, _] = line.quad[0];
        let [rx, _] = line.quad[1];
        // The figure sits at the right end of the line, not at 3/5 of it.
        assert!(
            x > lx + 0.8 * (rx - lx),
            "{:?} in {:?}",
            line.words[1],
            line.quad
        );
        assert!(x + w <= rx + 1.0 && h > 20.0 && y < 110.0);
        assert_eq!(m.rec_calls, 1);
    }

    #[test]
    fn a_blank_page_has_no_line_and_no_recogniser_call() {
        let mut m = Fake {
            text_rect: (0, 0, 0, 0),
            rec_calls: 0,
            classes: 6,
        };
        let p = read_page(&mut m, &dict(), &page(100, 80), &Options::default()).unwrap();
        assert!(p.lines.is_empty());
        assert_eq!(m.rec_calls, 0);
    }

    #[test]
    fn a_recogniser_with_another_dictionary_is_an_error() {
        let mut m = Fake {
            text_rect: (40, 100, 600, 130),
            rec_calls: 0,
            classes: 9,
        };
        let err = read_page(&mut m, &dict(), &page(640, 480), &Options::default());
        assert_eq!(
            err,
            Err(PipelineError::Classes {
                classes: 9,
                dict: 6
            })
        );
    }

    #[test]
    fn undecodable_bytes_are_an_image_error() {
        let mut m = Fake {
            text_rect: (0, 0, 1, 1),
            rec_calls: 0,
            classes: 6,
        };
        let err = read_bytes(&mut m, &dict(), b"GIF89a nope", &Options::default());
        assert!(matches!(err, Err(PipelineError::Image(_))));
    }
}
