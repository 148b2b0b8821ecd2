//! The page the generator draws on: text in a TrueType font, rules, boxes and bars on
//! a grey picture. It records what it draws: every space-separated word with its box
//! (the old fake Google answers) and every glyph of every text run (for the
//! Vision-like tokenising of [`super::vision`]).

use ab_glyph::{Font, FontVec, PxScale, ScaleFont};
use image::{GrayImage, Luma};

use crate::ocr::{BBox, Word};

/// One drawn character: what it is and where its advance starts and ends.
#[derive(Debug, Clone, Copy)]
pub struct Glyph {
    pub c: char,
    pub x0: f32,
    pub x1: f32,
}

/// One call of [`Canvas::text`]: a line of glyphs at one height and size.
#[derive(Debug, Clone)]
pub struct Run {
    pub y: f32,
    pub px: f32,
    pub glyphs: Vec<Glyph>,
}

/// A grey page and what has been drawn on it.
pub struct Canvas<'a> {
    pub img: GrayImage,
    pub font: &'a FontVec,
    pub words: Vec<Word>,
    pub runs: Vec<Run>,
}

impl<'a> Canvas<'a> {
    pub fn new(w: u32, h: u32, background: u8, font: &'a FontVec) -> Canvas<'a> {
        Canvas {
            img: GrayImage::from_pixel(w, h, Luma([background])),
            font,
            words: Vec::new(),
            runs: Vec::new(),
        }
    }

    /// Draws `text` in the canvas's font with its top-left at (x, y); returns its box.
    pub fn text(&mut self, x: f32, y: f32, px: f32, text: &str, ink: u8) -> BBox {
        let font = self.font;
        self.text_in(font, x, y, px, text, ink)
    }

    /// The advance width of `text` in `font` at `px`.
    pub fn width_in(font: &FontVec, px: f32, text: &str) -> f32 {
        let f = font.as_scaled(PxScale::from(px));
        text.chars().map(|c| f.h_advance(f.glyph_id(c))).sum()
    }

    /// Draws `text` in `font`; words are recorded one per space-separated token.
    pub fn text_in(
        &mut self,
        font: &FontVec,
        x: f32,
        y: f32,
        px: f32,
        text: &str,
        ink: u8,
    ) -> BBox {
        let scaled = font.as_scaled(PxScale::from(px));
        let ascent = scaled.ascent();
        let mut caret = x;
        let mut word_start: Option<f32> = None;
        let mut word = String::new();
        let mut run = Run {
            y,
            px,
            glyphs: Vec::new(),
        };
        let flush = |words: &mut Vec<Word>, word: &mut String, start: Option<f32>, end: f32| {
            if let Some(s) = start {
                if !word.is_empty() {
                    words.push(Word {
                        text: std::mem::take(word),
                        bbox: BBox {
                            x: s,
                            y,
                            w: end - s,
                            h: px * 0.9,
                        },
                        confidence: Some(99.0),
                    });
                }
            }
        };
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            let advance = scaled.h_advance(id);
            run.glyphs.push(Glyph {
                c,
                x0: caret,
                x1: caret + advance,
            });
            if c == ' ' {
                flush(&mut self.words, &mut word, word_start.take(), caret);
                caret += advance;
                continue;
            }
            if word_start.is_none() {
                word_start = Some(caret);
            }
            word.push(c);
            let glyph = id.with_scale_and_position(px, ab_glyph::point(caret, y + ascent));
            if let Some(outline) = font.outline_glyph(glyph) {
                let b = outline.px_bounds();
                let (w, h) = self.img.dimensions();
                let img = &mut self.img;
                outline.draw(|gx, gy, cov| {
                    let px_x = b.min.x as i64 + gx as i64;
                    let px_y = b.min.y as i64 + gy as i64;
                    if px_x >= 0 && px_y >= 0 && (px_x as u32) < w && (px_y as u32) < h {
                        let p = img.get_pixel_mut(px_x as u32, px_y as u32);
                        let bg = p[0] as f32;
                        p[0] = (bg + (ink as f32 - bg) * cov.min(1.0)).round() as u8;
                    }
                });
            }
            caret += advance;
        }
        flush(&mut self.words, &mut word, word_start, caret);
        self.runs.push(run);
        BBox {
            x,
            y,
            w: caret - x,
            h: px,
        }
    }

    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, shade: u8) {
        let (iw, ih) = self.img.dimensions();
        for yy in y.max(0.0) as u32..((y + h) as u32).min(ih) {
            for xx in x.max(0.0) as u32..((x + w) as u32).min(iw) {
                self.img.put_pixel(xx, yy, Luma([shade]));
            }
        }
    }

    pub fn hline(&mut self, x: f32, y: f32, w: f32, shade: u8) {
        self.rect(x, y, w, 2.0, shade);
    }

    pub fn vline(&mut self, x: f32, y: f32, h: f32, shade: u8) {
        self.rect(x, y, 2.0, h, shade);
    }

    /// The outline of a box, one pixel wide.
    pub fn frame(&mut self, x: f32, y: f32, w: f32, h: f32, shade: u8) {
        self.rect(x, y, w, 1.0, shade);
        self.rect(x, y + h, w, 1.0, shade);
        self.rect(x, y, 1.0, h, shade);
        self.rect(x + w, y, 1.0, h + 1.0, shade);
    }
}
