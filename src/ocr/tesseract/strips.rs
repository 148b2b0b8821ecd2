//! The first look's strips: where the page is cut into one strip per core, and which
//! child runs behind the others (see [`super::Tesseract::first_look`]).

use image::GrayImage;

/// Tesseract's work on a page region is roughly in proportion to its strokes (the
/// print it must recognise, not its height or its ink: a chart bar is ink but one
/// stroke). The figure pass does this share of the label pass's work per stroke
/// (English only, a short character list: 1.0 s against 1.8 s for a clean page).
pub(super) const FIGURE_WORK: f32 = 0.55;

/// A pixel of the prepared page darker than this is ink (for cutting strips and
/// estimating their work; the closer look binarises at [`ink_cut`]'s cut).
pub(super) const PAGE_INK: u8 = 140;

/// The niceness of the children run behind the longest one.
pub(super) const BEHIND_NICE: i32 = 5;

/// Strokes per row: how often a row passes from paper to ink.
pub(super) fn stroke_rows(page: &GrayImage) -> Vec<u32> {
    let w = page.width().max(1) as usize;
    page.as_raw()
        .chunks_exact(w)
        .map(|row| {
            row.windows(2)
                .filter(|p| p[0] >= PAGE_INK && p[1] < PAGE_INK)
                .count() as u32
        })
        .collect()
}

/// Which of the first look's children (their estimated `work`) run behind: when one
/// child has more work than an even share of the `cores`, it is the one the sheet
/// waits for, and sharing the CPU evenly with the others only delays it (a strip of
/// tables beside a strip of blank paper and charts). It then keeps its priority and
/// the others run behind it on what is left. Otherwise all run evenly.
pub(super) fn behind(work: &[f32], cores: usize) -> Vec<bool> {
    let total: f32 = work.iter().sum();
    let longest = work
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, w)| (i, *w));
    match longest {
        Some((i, w)) if cores > 1 && w > total / cores.min(work.len()) as f32 => {
            (0..work.len()).map(|j| j != i).collect()
        }
        _ => vec![false; work.len()],
    }
}

/// Where to cut the page into `n` strips: in the middle of the widest blank band
/// within `h / (2n)` of each even split, so a cut falls between sections rather than
/// between two lines of a list (a list cut in half loses its fields: Tesseract reads
/// a few lines at the edge of a strip badly). Returns `n + 1` increasing y values
/// (fewer when the page is too small to split).
pub fn strip_cuts(page: &GrayImage, n: usize) -> Vec<u32> {
    let h = page.height();
    let w = page.width();
    let mut cuts = vec![0u32];
    if n > 1 && h > 400 {
        // Ink per row, counting only dark pixels; computed once for all cuts.
        let ink: Vec<u32> = (0..h)
            .map(|y| {
                (0..w)
                    .filter(|&x| page.get_pixel(x, y)[0] < PAGE_INK)
                    .count() as u32
            })
            .collect();
        for k in 1..n {
            let target = h as usize * k / n;
            let window = h as usize / (n * 2);
            let lo = target.saturating_sub(window);
            let hi = (target + window).min(h as usize - 1);
            let cut = widest_blank_band(&ink[lo..=hi], w, target - lo).map_or(target, |y| lo + y);
            let cut = cut as u32;
            if cut > *cuts.last().unwrap_or(&0) + 50 {
                cuts.push(cut);
            }
        }
    }
    cuts.push(h);
    cuts
}

/// The middle of the widest run of blank rows in `ink` (ink per row of a window, rows
/// `width` pixels wide), ties going to the run nearest `target`. A row is blank when
/// it holds hardly more ink than the cleanest row of the window: table borders, a
/// shadow or speckle may leave no row of a scan perfectly clean.
pub(super) fn widest_blank_band(ink: &[u32], width: u32, target: usize) -> Option<usize> {
    let clean = *ink.iter().min()?;
    let blank = clean + (width / 200).max(1);
    let mut best: Option<(usize, usize)> = None; // (start, length)
    let mut run_start = None;
    for (y, &row) in ink.iter().chain(std::iter::once(&u32::MAX)).enumerate() {
        match (row <= blank, run_start) {
            (true, None) => run_start = Some(y),
            (false, Some(start)) => {
                run_start = None;
                let len = y - start;
                let mid = start + len / 2;
                let better = match best {
                    None => true,
                    Some((s, l)) => {
                        len > l || (len == l && mid.abs_diff(target) < (s + l / 2).abs_diff(target))
                    }
                };
                if better {
                    best = Some((start, len));
                }
            }
            _ => {}
        }
    }
    best.map(|(start, len)| start + len / 2)
}
