//! One detected line cut out of the page as an upright image for the recogniser, and
//! the way back: which image pixels a run of the crop's columns covers (word boxes).
//!
//! The crop is PaddleOCR's `get_rotate_crop_image`: the quad warped (projectively) to
//! a `w`×`h` rectangle, `w` the longer of its top and bottom edges and `h` the longer
//! of its sides, sampled bicubically with the border replicated; a crop at least 1.5
//! times as high as it is wide is turned a quarter counterclockwise (vertical text
//! read as a line). A crop is never taller than [`MAX_CROP_HEIGHT`] pixels: a taller
//! one is sampled smaller, as the recogniser shrinks it to 48 pixels anyway.

use super::geom::{self, Point, SquareToQuad};

/// The tallest crop sampled, in pixels (a guard against a page-sized box; text this
/// tall is shrunk to the recogniser's 48 pixels in any case).
pub const MAX_CROP_HEIGHT: usize = 512;

/// An upright line image, RGB row-major, and how it maps back onto the page.
#[derive(Debug, Clone, PartialEq)]
pub struct LineCrop {
    pub width: usize,
    pub height: usize,
    pub rgb: Vec<u8>,
    warp: SquareToQuad,
    /// Turned a quarter counterclockwise: the crop's columns run down the quad.
    rotated: bool,
}

impl LineCrop {
    /// Cuts `quad` (clockwise from top left, page pixels) out of an RGB page.
    /// `None` when the quad is less than a pixel across or the page is empty.
    pub fn new(rgb: &[u8], width: u32, height: u32, quad: &[Point; 4]) -> Option<LineCrop> {
        let (w, h) = (width as usize, height as usize);
        if w == 0 || h == 0 || rgb.len() < w * h * 3 {
            return None;
        }
        if quad.iter().flatten().any(|v| !v.is_finite()) {
            return None;
        }
        let across = geom::dist(quad[0], quad[1]).max(geom::dist(quad[2], quad[3]));
        let down = geom::dist(quad[0], quad[3]).max(geom::dist(quad[1], quad[2]));
        // The longest side a page within the pixel limit can have is its diagonal.
        let diagonal = (w as f64).hypot(h as f64);
        let (mut cw, mut ch) = (across.min(diagonal) as usize, down.min(diagonal) as usize);
        if cw == 0 || ch == 0 {
            return None;
        }
        let rotated = ch as f64 / cw as f64 >= 1.5;
        // The crop's height as the recogniser sees it (after the turn) stays bounded.
        let upright_h = if rotated { cw } else { ch };
        if upright_h > MAX_CROP_HEIGHT {
            let k = MAX_CROP_HEIGHT as f64 / upright_h as f64;
            cw = ((cw as f64 * k) as usize).max(1);
            ch = ((ch as f64 * k) as usize).max(1);
        }
        let warp = SquareToQuad::new(quad);
        let (out_w, out_h) = if rotated { (ch, cw) } else { (cw, ch) };
        let mut out = vec![0u8; out_w * out_h * 3];
        for row in 0..out_h {
            for col in 0..out_w {
                // rot90 (counterclockwise): out[row][col] = upright[col][cw - 1 - row].
                let (x, y) = if rotated {
                    (cw - 1 - row, col)
                } else {
                    (col, row)
                };
                let p = warp.map(x as f64 / cw as f64, y as f64 / ch as f64);
                let px = sample(rgb, w, h, p);
                let o = (row * out_w + col) * 3;
                out[o..o + 3].copy_from_slice(&px);
            }
        }
        Some(LineCrop {
            width: out_w,
            height: out_h,
            rgb: out,
            warp,
            rotated,
        })
    }

    /// The page box `[x, y, w, h]` of the crop's columns `x0..x1` (crop pixels, full
    /// height): the axis-aligned box of that part of the quad.
    pub fn span_bbox(&self, x0: f64, x1: f64) -> [f32; 4] {
        let along = self.width.max(1) as f64;
        let (a, b) = ((x0 / along).clamp(0.0, 1.0), (x1 / along).clamp(0.0, 1.0));
        let corners = if self.rotated {
            // Columns run down the quad (t), rows across it (s).
            [
                self.warp.map(0.0, a),
                self.warp.map(1.0, a),
                self.warp.map(1.0, b),
                self.warp.map(0.0, b),
            ]
        } else {
            [
                self.warp.map(a, 0.0),
                self.warp.map(b, 0.0),
                self.warp.map(b, 1.0),
                self.warp.map(a, 1.0),
            ]
        };
        let (mut lx, mut ly, mut hx, mut hy) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for [x, y] in corners {
            lx = lx.min(x);
            ly = ly.min(y);
            hx = hx.max(x);
            hy = hy.max(y);
        }
        [lx as f32, ly as f32, (hx - lx) as f32, (hy - ly) as f32]
    }
}

/// The bicubic sample of an RGB page at `p` (OpenCV's `INTER_CUBIC`, a = −0.75, what
/// PaddleOCR crops with), the border replicated.
fn sample(rgb: &[u8], w: usize, h: usize, p: Point) -> [u8; 3] {
    let x = p[0].clamp(-1.0, w as f64);
    let y = p[1].clamp(-1.0, h as f64);
    let (xf, yf) = (x.floor(), y.floor());
    let (wx, wy) = (cubic_weights(x - xf), cubic_weights(y - yf));
    let clamp = |v: f64, n: usize| v.clamp(0.0, (n - 1) as f64) as usize;
    let cols = [-1.0, 0.0, 1.0, 2.0].map(|d| clamp(xf + d, w));
    let rows = [-1.0, 0.0, 1.0, 2.0].map(|d| clamp(yf + d, h));
    let mut acc = [0.0f64; 3];
    for (ry, &row) in rows.iter().enumerate() {
        let line = &rgb[row * w * 3..(row + 1) * w * 3];
        for (cx, &col) in cols.iter().enumerate() {
            let k = wy[ry] * wx[cx];
            for (c, a) in acc.iter_mut().enumerate() {
                *a += k * f64::from(line[col * 3 + c]);
            }
        }
    }
    acc.map(|v| v.round().clamp(0.0, 255.0) as u8)
}

/// The four cubic-convolution weights for a sample `f` (0..1) past the second tap.
fn cubic_weights(f: f64) -> [f64; 4] {
    const A: f64 = -0.75;
    let w0 = ((A * (f + 1.0) - 5.0 * A) * (f + 1.0) + 8.0 * A) * (f + 1.0) - 4.0 * A;
    let w1 = ((A + 2.0) * f - (A + 3.0)) * f * f + 1.0;
    let g = 1.0 - f;
    let w2 = ((A + 2.0) * g - (A + 3.0)) * g * g + 1.0;
    [w0, w1, w2, 1.0 - w0 - w1 - w2]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page whose red channel is x, green y, blue 7.
    fn gradient(w: usize, h: usize) -> Vec<u8> {
        let mut rgb = Vec::with_capacity(w * h * 3);
        for y in 0..h {
            for x in 0..w {
                rgb.extend_from_slice(&[x as u8, y as u8, 7]);
            }
        }
        rgb
    }

    #[test]
    fn an_axis_aligned_quad_crops_its_pixels() {
        let rgb = gradient(100, 60);
        let quad = [[10.0, 20.0], [50.0, 20.0], [50.0, 30.0], [10.0, 30.0]];
        let c = LineCrop::new(&rgb, 100, 60, &quad).unwrap();
        assert_eq!((c.width, c.height), (40, 10));
        assert_eq!(&c.rgb[0..3], &[10, 20, 7]);
        let last = (9 * 40 + 39) * 3;
        assert_eq!(&c.rgb[last..last + 3], &[49, 29, 7]);
        let bbox = c.span_bbox(0.0, 20.0);
        assert_eq!(bbox, [10.0, 20.0, 20.0, 10.0]);
    }

    #[test]
    fn a_rotated_quad_comes_out_upright() {
        // A line tilted by ~5.7 degrees: its crop's rows follow the line, so the
        // crop's top row has the y of the quad's top edge at each end.
        let rgb = gradient(200, 100);
        let quad = [[20.0, 20.0], [120.0, 30.0], [119.0, 40.0], [19.0, 30.0]];
        let c = LineCrop::new(&rgb, 200, 100, &quad).unwrap();
        assert_eq!((c.width, c.height), (100, 10));
        let px = |x: usize, y: usize| &c.rgb[(y * c.width + x) * 3..(y * c.width + x) * 3 + 3];
        assert_eq!(px(0, 0)[1], 20);
        assert!((i32::from(px(99, 0)[1]) - 30).abs() <= 1, "{:?}", px(99, 0));
        assert!((i32::from(px(99, 0)[0]) - 119).abs() <= 1);
        // The right half of the crop is the right half of the line on the page.
        let b = c.span_bbox(50.0, 100.0);
        assert!(
            (b[0] - 69.5).abs() < 1.0 && (b[0] + b[2] - 120.0).abs() < 1.0,
            "{b:?}"
        );
    }

    #[test]
    fn a_tall_quad_is_turned_to_read_as_a_line() {
        let rgb = gradient(100, 100);
        let quad = [[10.0, 10.0], [20.0, 10.0], [20.0, 70.0], [10.0, 70.0]];
        let c = LineCrop::new(&rgb, 100, 100, &quad).unwrap();
        assert_eq!((c.width, c.height), (60, 10));
        // Turned counterclockwise: the crop's columns run down the quad and its top
        // row is the quad's right edge.
        assert_eq!(&c.rgb[0..2], &[19, 10]);
        let b = c.span_bbox(0.0, 30.0);
        assert_eq!(b, [10.0, 10.0, 10.0, 30.0]);
    }

    #[test]
    fn degenerate_quads_and_pages_give_no_crop() {
        let rgb = gradient(10, 10);
        assert!(LineCrop::new(&rgb, 10, 10, &[[1.0, 1.0]; 4]).is_none());
        assert!(LineCrop::new(
            &rgb,
            0,
            0,
            &[[0.0, 0.0], [5.0, 0.0], [5.0, 5.0], [0.0, 5.0]]
        )
        .is_none());
        let nan = [[f64::NAN, 0.0], [5.0, 0.0], [5.0, 5.0], [0.0, 5.0]];
        assert!(LineCrop::new(&rgb, 10, 10, &nan).is_none());
    }

    #[test]
    fn a_huge_quad_is_sampled_at_a_bounded_size() {
        let rgb = gradient(50, 50);
        let quad = [[0.0, 0.0], [1e9, 0.0], [1e9, 1e9], [0.0, 1e9]];
        let c = LineCrop::new(&rgb, 50, 50, &quad).unwrap();
        assert!(c.width <= 71 && c.height <= 71);
        let tall = [[0.0, 0.0], [49.0, 0.0], [49.0, 49.0], [0.0, 49.0]];
        let big = gradient(2000, 2000);
        let q = tall.map(|p| p.map(|v| v * 40.0));
        let c = LineCrop::new(&big, 2000, 2000, &q).unwrap();
        assert_eq!(c.height, MAX_CROP_HEIGHT);
    }
}
