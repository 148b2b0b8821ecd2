//! Soft print: how much of a flattened page's ink is dark cores (a blurred or
//! out-of-focus photo has almost none), and the unsharp mask that steepens its edges
//! again so Tesseract's threshold cuts strokes where they are.

use image::GrayImage;

/// Of the pixels that are not paper (below 230), the share that is dark (below 90):
/// crisp print is a third dark cores, a blurred one almost none (its strokes are
/// spread into grey). Every third pixel is enough.
pub fn dark_share(img: &GrayImage) -> f32 {
    let (mut dark, mut any) = (0u64, 0u64);
    for &v in img.as_raw().iter().step_by(3) {
        if v < 230 {
            any += 1;
            dark += u64::from(v < 90);
        }
    }
    if any < 1000 {
        return 1.0;
    }
    dark as f32 / any as f32
}

/// `img` + `amount` × (`img` − its blur of radius ~`r`): edges steepened so that
/// Tesseract's threshold cuts strokes where they are. The blur is two box blurs (a
/// near-Gaussian) of running sums, so the cost does not grow with `r`.
pub fn unsharp(img: &GrayImage, r: u32, amount: f32) -> GrayImage {
    let (w, h) = img.dimensions();
    if w == 0 || h == 0 {
        return img.clone();
    }
    let src: Vec<f32> = img.as_raw().iter().map(|&v| f32::from(v)).collect();
    let mut soft = src.clone();
    let mut tmp = vec![0f32; src.len()];
    for _ in 0..2 {
        box_rows(&soft, &mut tmp, w as usize, r as usize);
        transpose(&tmp, &mut soft, w as usize, h as usize);
        box_rows(&soft, &mut tmp, h as usize, r as usize);
        transpose(&tmp, &mut soft, h as usize, w as usize);
    }
    let out = src
        .iter()
        .zip(&soft)
        .map(|(&v, &s)| (v + amount * (v - s)).round().clamp(0.0, 255.0) as u8)
        .collect();
    GrayImage::from_raw(w, h, out).unwrap_or_else(|| img.clone())
}

/// Each row of `src` (rows of `w`) replaced by its running mean over `2r + 1`
/// pixels, the row's ends repeated.
fn box_rows(src: &[f32], dst: &mut [f32], w: usize, r: usize) {
    let n = (2 * r + 1) as f32;
    for (row, out) in src.chunks_exact(w).zip(dst.chunks_exact_mut(w)) {
        let at = |i: isize| row[i.clamp(0, w as isize - 1) as usize];
        let mut sum: f32 = (-(r as isize)..=r as isize).map(at).sum();
        for (x, o) in out.iter_mut().enumerate() {
            *o = sum / n;
            sum += at(x as isize + r as isize + 1) - at(x as isize - r as isize);
        }
    }
}

/// `src` (`h` rows of `w`) transposed into `dst` (`w` rows of `h`).
fn transpose(src: &[f32], dst: &mut [f32], w: usize, h: usize) {
    const B: usize = 32;
    for y0 in (0..h).step_by(B) {
        for x0 in (0..w).step_by(B) {
            for y in y0..(y0 + B).min(h) {
                for x in x0..(x0 + B).min(w) {
                    dst[x * h + y] = src[y * w + x];
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    /// Rows of "glyphs": `g` × `g` dark squares with `g / 2` gaps, on paper.
    fn print(g: u32) -> GrayImage {
        GrayImage::from_fn(40 * g, 30 * g, |x, y| {
            let on = x % (g + g / 2) < g && y % (2 * g) < g;
            Luma([if on { 20 } else { 255 }])
        })
    }

    #[test]
    fn a_blurred_print_has_fewer_dark_cores_and_unsharp_restores_them() {
        let sharp = print(14);
        let blurred = image::imageops::blur(&sharp, 1.6);
        let (crisp, soft) = (dark_share(&sharp), dark_share(&blurred));
        assert!(
            crisp > 0.6 && soft < crisp / 2.0,
            "sharp {crisp}, blurred {soft}"
        );
        let restored = unsharp(&blurred, 2, 1.5);
        assert!(
            dark_share(&restored) > soft * 1.3,
            "{}",
            dark_share(&restored)
        );
        // Paper stays paper and ink stays ink away from the edges.
        assert!(restored.get_pixel(7, 7)[0] < 60);
        assert!(restored.get_pixel(17, 7)[0] > 240);
    }
}
