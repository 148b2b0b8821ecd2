//! What goes into the recogniser: line crops scaled to 48 pixels high, their width
//! by their aspect, normalised, grouped into batches of similar width.
//!
//! Each crop becomes `[3, 48, W]`: bilinear resize to `48 × ceil(48·w/h)` (at most
//! the batch width), `(x/255 − 0.5)/0.5` per channel in BGR order, planar, and
//! zero (mid grey) to the right up to the batch width — PaddleOCR's
//! `resize_norm_img`. Crops are sorted by aspect ratio so each batch pads little;
//! the batch width is the widest member's, at least [`RecParams::min_width`] (48,
//! where PaddleOCR pads to 320) and at most [`RecParams::max_width`] (a wider crop is squeezed into it: the models'
//! own limit, 3200, from their `inference.yml`).

use super::crop::LineCrop;
use super::det::bgr_planes;

/// The recogniser's input height.
pub const REC_HEIGHT: usize = 48;

/// How crops are batched.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecParams {
    /// Crops per batch, at most.
    pub batch: usize,
    /// The narrowest batch (pixels). PaddleOCR pads every line to 320 (its
    /// `rec_image_shape`); most of a sheet's lines are short figures and labels, and
    /// at their own width the recogniser costs half the CPU seconds (5.0 -> 2.5 s a
    /// clean sheet) for the same figures (539/540 tuning figures against 538 at 320).
    pub min_width: usize,
    /// The widest batch (pixels).
    pub max_width: usize,
}

impl Default for RecParams {
    fn default() -> Self {
        RecParams {
            batch: 6,
            min_width: REC_HEIGHT,
            max_width: 3200,
        }
    }
}

/// One batch for the recogniser.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// Which crops (indices into the caller's list), in batch order.
    pub items: Vec<usize>,
    /// The width every item is padded to.
    pub width: usize,
    /// How wide each item's picture is before the padding (`items` order).
    pub valid: Vec<usize>,
    /// `[items.len(), 3, 48, width]`, row-major.
    pub data: Vec<f32>,
}

/// The width a `w`×`h` crop takes at height 48: `ceil(48·w/h)`, at least 1.
pub fn scaled_width(w: usize, h: usize) -> usize {
    if h == 0 {
        return 1;
    }
    (REC_HEIGHT * w).div_ceil(h).max(1)
}

/// The crops in batches (see the module doc). Crops without pixels are left out.
pub fn batches(crops: &[LineCrop], params: &RecParams) -> Vec<Batch> {
    let max_width = params.max_width.max(REC_HEIGHT);
    let mut order: Vec<usize> = (0..crops.len())
        .filter(|&i| crops[i].width > 0 && crops[i].height > 0)
        .collect();
    // By aspect ratio, w/h, compared without division.
    order.sort_by(|&a, &b| {
        let (ca, cb) = (&crops[a], &crops[b]);
        (ca.width * cb.height).cmp(&(cb.width * ca.height))
    });
    order
        .chunks(params.batch.max(1))
        .map(|items| {
            let widest = items
                .iter()
                .map(|&i| scaled_width(crops[i].width, crops[i].height))
                .max()
                .unwrap_or(1);
            let width = widest.clamp(params.min_width.clamp(1, max_width), max_width);
            let plane = REC_HEIGHT * width;
            let mut data = vec![0.0f32; items.len() * 3 * plane];
            let mut valid = Vec::with_capacity(items.len());
            for (k, &i) in items.iter().enumerate() {
                let c = &crops[i];
                let w = scaled_width(c.width, c.height).min(width);
                fill(c, w, width, &mut data[k * 3 * plane..(k + 1) * 3 * plane]);
                valid.push(w);
            }
            Batch {
                items: items.to_vec(),
                width,
                valid,
                data,
            }
        })
        .collect()
}

/// Writes one crop resized to `w`×48 into `out` (`[3, 48, width]`, already zero),
/// each byte as `x/127.5 - 1`.
fn fill(c: &LineCrop, w: usize, width: usize, out: &mut [f32]) {
    let size = (c.width, c.height);
    bgr_planes(
        &c.rgb,
        size,
        (w, REC_HEIGHT),
        width,
        |_, v| v / 127.5 - 1.0,
        out,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crop(w: usize, h: usize, value: u8) -> LineCrop {
        let rgb = vec![value; w * h * 3];
        let quad = [
            [0.0, 0.0],
            [w as f64, 0.0],
            [w as f64, h as f64],
            [0.0, h as f64],
        ];
        LineCrop::new(&rgb, w as u32, h as u32, &quad).unwrap()
    }

    #[test]
    fn widths_follow_the_aspect() {
        assert_eq!(scaled_width(100, 24), 200);
        assert_eq!(scaled_width(101, 24), 202);
        assert_eq!(scaled_width(1, 1000), 1);
        assert_eq!(scaled_width(5, 0), 1);
    }

    #[test]
    fn similar_widths_share_a_batch_and_padding_is_grey() {
        let crops = vec![crop(400, 20, 255), crop(40, 20, 0), crop(60, 20, 0)];
        let p = RecParams {
            batch: 2,
            min_width: 64,
            max_width: 3200,
        };
        let b = batches(&crops, &p);
        assert_eq!(b.len(), 2);
        // The two short crops (ratios 2 and 3) together, at the wider one's width.
        assert_eq!(b[0].items, vec![1, 2]);
        assert_eq!(b[0].width, 144);
        assert_eq!(b[0].valid, vec![96, 144]);
        assert_eq!(b[1].items, vec![0]);
        assert_eq!(b[1].width, 960);
        // Black is -1, white 1, padding 0.
        assert_eq!(b[0].data[0], -1.0);
        assert_eq!(b[0].data[143], 0.0);
        assert_eq!(b[1].data[0], 1.0);
        assert_eq!(b[0].data.len(), 2 * 3 * 48 * 144);
    }

    #[test]
    fn the_batch_width_is_bounded() {
        let crops = vec![crop(20, 20, 9), crop(2000, 10, 9)];
        let p = RecParams::default();
        let b = batches(&crops, &p);
        assert_eq!(b[0].width, 3200);
        assert_eq!(b[0].valid, vec![48, 3200]);
        assert_eq!(batches(&crops[..1], &p)[0].width, 48);
        let odd = RecParams {
            batch: 0,
            min_width: 0,
            max_width: 0,
        };
        let b = batches(&crops, &odd);
        assert_eq!(b.len(), 2);
        assert!(b.iter().all(|b| b.width == REC_HEIGHT));
    }
}
