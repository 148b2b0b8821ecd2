//! The closer looks' geometry: which places of the page are read again (the ranges
//! not read whole, [`range_spots`]; the figures a table prints over a range,
//! [`figure_spots`]), how they are cut out, scaled, binarised and stacked into
//! mosaics, and how the range readings are merged back ([`merge_ranges`]).

use image::GrayImage;

use super::merge::is_label_word;
use crate::ocr::inbody;
use crate::ocr::preprocess;
use crate::ocr::{BBox, Word};

/// The height figures are scaled to for the closer look, in pixels: the first look
/// reads a page at Tesseract's usual ~25 px text, where the small figures of a
/// low-resolution scan lose their decimal points and ranges; at about twice that they
/// are read whole.
pub const REREAD_TEXT_PX: f32 = 50.0;

/// The factor that brings the figures in `regions` to [`REREAD_TEXT_PX`]: from the
/// median height of the figures the first look found there, between 1 and 3; and that
/// height.
pub(super) fn reread_scale(words: &[Word], regions: &[BBox]) -> (f32, f32) {
    let heights: Vec<f32> = words
        .iter()
        .filter(|w| w.text.chars().filter(|c| c.is_ascii_digit()).count() >= 2)
        .filter(|w| regions.iter().any(|r| r.overlap_area(&w.bbox) > 0.0))
        .map(|w| w.bbox.h)
        .collect();
    let Some(h) = median(heights) else {
        return (2.0, REREAD_TEXT_PX / 2.0);
    };
    reread_scale_for(h)
}

/// The factor that brings figures `h` pixels high to [`REREAD_TEXT_PX`], between 1
/// and 3, and that height (at least a pixel).
pub(super) fn reread_scale_for(h: f32) -> (f32, f32) {
    let h = h.max(1.0);
    ((REREAD_TEXT_PX / h).clamp(1.0, 3.0), h)
}

/// The middle value (the upper one of an even count); `None` for none.
pub(super) fn median(mut v: Vec<f32>) -> Option<f32> {
    v.sort_by(f32::total_cmp);
    v.get(v.len() / 2).copied()
}

/// Where the closer look cuts ink from paper (the page has been flattened to white
/// paper by `preprocess::flatten_light`). A print with dark cores (a bold, blurred
/// scan: at least a tenth of its ink darker than 100) is cut at 140, so the grey halo
/// around its strokes does not fuse a figure with the chart scale above it; a faint
/// print (a thin font photographed soft, hardly any pixel below 100) is cut at 200, so
/// its grey strokes are kept.
pub(super) fn ink_cut(img: &GrayImage) -> u8 {
    let (mut core, mut ink) = (0u64, 0u64);
    for p in img.pixels() {
        core += u64::from(p[0] < 100);
        ink += u64::from(p[0] < 200);
    }
    if core * 10 >= ink && ink > 0 {
        140
    } else {
        200
    }
}

/// A run of ink this many text heights long is a rule or a bar, not a glyph stroke.
pub const RULE_TEXT_HEIGHTS: f32 = 2.5;

/// Regions of a page stacked into one image, and where each one went.
pub(super) struct Mosaic {
    pub(super) image: GrayImage,
    /// (region on the page, its top in the mosaic, its height in the mosaic)
    pub(super) placed: Vec<(BBox, u32, u32)>,
    pub(super) scale: f32,
}

/// White margin around and between the stacked regions, in mosaic pixels.
pub(super) const MOSAIC_GAP: u32 = 40;

impl Mosaic {
    /// Words read on the mosaic, in page coordinates; words between regions are dropped.
    pub(super) fn to_page(&self, words: Vec<Word>) -> Vec<Word> {
        words
            .into_iter()
            .filter_map(|mut w| {
                let cy = w.bbox.cy();
                let (region, top, _) = self
                    .placed
                    .iter()
                    .find(|(_, top, h)| cy >= *top as f32 && cy < (*top + *h) as f32)?;
                w.bbox = BBox {
                    x: region.x + (w.bbox.x - MOSAIC_GAP as f32) / self.scale,
                    y: region.y + (w.bbox.y - *top as f32) / self.scale,
                    w: w.bbox.w / self.scale,
                    h: w.bbox.h / self.scale,
                };
                Some(w)
            })
            .collect()
    }
}

/// Crops `regions` from `page` (clipped to it), erases their rules and bars (runs
/// longer than [`RULE_TEXT_HEIGHTS`] × `text_h`), scales them by `scale`, binarises
/// them at [`ink_cut`]'s cut and stacks them into at most `n` images of about equal
/// area: the dark reading. And the light one: the regions cut at 140 (a bold print)
/// cut at 200 instead, stacked likewise (empty for a faint print; see
/// [`super::Tesseract::recognize_grey`]). Each region is cropped and scaled once.
pub(super) fn mosaics(
    page: &GrayImage,
    regions: &[BBox],
    scale: f32,
    text_h: f32,
    n: usize,
) -> (Vec<Mosaic>, Vec<Mosaic>) {
    let mut dark = Vec::new();
    let mut light = Vec::new();
    for r in regions {
        let Some(clip) = clip(page, r) else {
            continue;
        };
        let erased =
            preprocess::erase_rules(&crop(page, &clip), (RULE_TEXT_HEIGHTS * text_h) as u32);
        let big = scaled(&erased, &clip, scale);
        // Binarised here: Tesseract's own (Otsu) threshold fails on a chart printed on
        // a grey panel and leaves its figures as blobs.
        let binarised = |mut b: GrayImage, cut: u8| {
            for p in b.pixels_mut() {
                p[0] = if p[0] < cut { 0 } else { 255 };
            }
            b
        };
        let cut = ink_cut(&big);
        if cut < 200 {
            light.push((clip, binarised(big.clone(), 200)));
        }
        dark.push((clip, binarised(big, cut)));
    }
    (stack(dark, scale, n), stack(light, scale, n))
}

/// Stacks scaled regions into at most `n` mosaics of about equal area: largest first,
/// each to the mosaic with the least area so far.
pub(super) fn stack(mut crops: Vec<(BBox, GrayImage)>, scale: f32, n: usize) -> Vec<Mosaic> {
    crops.sort_by_key(|c| std::cmp::Reverse(c.1.width() * c.1.height()));
    let n = n.clamp(1, crops.len().max(1));
    let mut groups: Vec<(u64, Vec<(BBox, GrayImage)>)> = (0..n).map(|_| (0, Vec::new())).collect();
    for crop in crops {
        if let Some(g) = groups.iter_mut().min_by_key(|g| g.0) {
            g.0 += crop.1.width() as u64 * crop.1.height() as u64;
            g.1.push(crop);
        }
    }
    groups
        .into_iter()
        .filter(|g| !g.1.is_empty())
        .map(|(_, group)| {
            let width = group.iter().map(|c| c.1.width()).max().unwrap_or(1) + 2 * MOSAIC_GAP;
            let height = group.iter().map(|c| c.1.height() + MOSAIC_GAP).sum::<u32>() + MOSAIC_GAP;
            let mut image = GrayImage::from_pixel(width, height, image::Luma([255]));
            let mut placed = Vec::new();
            let mut top = MOSAIC_GAP;
            for (region, crop) in group {
                image::imageops::replace(&mut image, &crop, MOSAIC_GAP as i64, top as i64);
                placed.push((region, top, crop.height()));
                top += crop.height() + MOSAIC_GAP;
            }
            Mosaic {
                image,
                placed,
                scale,
            }
        })
        .collect()
}

/// The heights small print is scaled to for the range pass, in pixels, in order of
/// preference: a range read alone at four times a low-resolution scan's size keeps
/// its decimal points; a sharper print's strokes blur into each other at that size
/// (`44.8` read `44.3`) and read right at two thirds of it. See [`merge_ranges`].
pub const RANGE_TEXT_PX: [f32; 2] = [60.0, 40.0];

/// Whether a word is (part of) a printed normal range: it holds `~`, or a parenthesis
/// and two digits (not a unit, `(kg/m2)`, or a unit misread, `(9` for `kg`).
pub(super) fn is_range_part(text: &str) -> bool {
    text.contains('~')
        || (text.contains(['(', ')']) && text.chars().filter(|c| c.is_ascii_digit()).count() >= 2)
}

/// Whether `text` reads as a whole range: `(`, a figure, `~` (or a dash), a figure,
/// `)`. The figures may have lost their decimal points (`(249~3.05)`): the parser puts
/// them back in the field's print format.
pub(super) fn is_whole_range(text: &str) -> bool {
    range_bounds(text).is_some()
}

/// The two figures of a whole range (see [`is_whole_range`]), trimmed.
pub(super) fn range_bounds(text: &str) -> Option<(&str, &str)> {
    let t = text.trim();
    let inner = t.strip_prefix('(')?.strip_suffix(')')?;
    let (a, b) = inner.split_once(['~', '-'])?;
    let (a, b) = (a.trim(), b.trim());
    let figure = |f: &str| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit() || c == '.');
    (figure(a) && figure(b)).then_some((a, b))
}

/// Whether `text` is a whole range read as printed: both figures in one format (a
/// range prints its bounds alike: `(36.7~44.8)`, `(1~9)`), neither with a leading
/// zero before a digit. `(36.7~443)` and `(7~089)` are whole but lost a decimal point
/// somewhere: the parser could only guess which digit it followed, so they are read
/// again.
pub(super) fn is_clean_range(text: &str) -> bool {
    let Some((a, b)) = range_bounds(text) else {
        return false;
    };
    let decimals = |f: &str| f.split_once('.').map(|(_, d)| d.len());
    let padded = |f: &str| f.len() > 1 && f.starts_with('0') && !f.starts_with("0.");
    decimals(a) == decimals(b) && !padded(a) && !padded(b)
}

/// The lines of range parts that do not read as a clean range (`is_clean_range`):
/// each line (range parts side by side) padded to where the rest of its range may be,
/// with its text height. Empty when every range on the page was read cleanly (a clean
/// sheet).
pub fn range_spots(words: &[Word]) -> Vec<(BBox, f32)> {
    let mut parts: Vec<&Word> = words.iter().filter(|w| is_range_part(&w.text)).collect();
    parts.sort_by(|a, b| a.bbox.x.total_cmp(&b.bbox.x));
    let mut lines: Vec<(BBox, String, f32)> = Vec::new();
    for w in parts {
        let h = w.bbox.h.max(1.0);
        let same = lines.iter_mut().find(|(b, _, lh)| {
            let overlap = b.bottom().min(w.bbox.bottom()) - b.y.max(w.bbox.y);
            overlap > 0.5 * h.min(*lh) && w.bbox.x - b.right() < 2.0 * h.max(*lh)
        });
        match same {
            Some((b, text, _)) => {
                *b = b.union(&w.bbox);
                text.push_str(&w.text);
            }
            None => lines.push((w.bbox, w.text.clone(), h)),
        }
    }
    lines
        .into_iter()
        .filter(|(_, t, _)| !is_clean_range(t))
        .filter(|(b, _, h)| b.w.is_finite() && b.h.is_finite() && h.is_finite())
        .map(|(b, _, h)| {
            // A range is about six text heights wide: what was not read of it lies
            // beside the parts that were.
            let pad = 2.0 * h;
            let w = b.w.max(6.0 * h);
            (
                BBox {
                    x: b.cx() - w / 2.0 - pad,
                    y: b.y - 0.3 * h,
                    w: w + 2.0 * pad,
                    h: b.h + 0.6 * h,
                },
                h,
            )
        })
        .collect()
}

/// Where a table prints a figure over its range but none was read (a figure too close
/// above its range merges with it into one line Tesseract reads as the range alone):
/// above each whole range with no figure over it, none beside it on its line, and no
/// other text in the place its figure would be (a list prints its range beside the
/// figure: above it is the line before). Each place with the text height expected
/// there (the range's, a little larger).
pub fn figure_spots(words: &[Word]) -> Vec<(BBox, f32)> {
    let is_figure = |w: &Word| {
        !is_range_part(&w.text)
            && !is_label_word(&w.text)
            && w.text.chars().any(|c| c.is_ascii_digit())
    };
    words
        .iter()
        .filter(|r| is_whole_range(&r.text))
        .filter_map(|r| {
            let h = r.bbox.h.max(1.0);
            let spot = BBox {
                x: r.bbox.x,
                y: r.bbox.y - 2.0 * h,
                w: r.bbox.w,
                h: 1.9 * h,
            };
            if ![spot.x, spot.y, spot.w, spot.h, 1.2 * h]
                .iter()
                .all(|v| v.is_finite())
            {
                return None;
            }
            let over = words.iter().any(|w| {
                is_figure(w)
                    && w.bbox.x < r.bbox.right()
                    && w.bbox.right() > r.bbox.x
                    && w.bbox.bottom() <= r.bbox.y + 0.5 * h
                    && w.bbox.bottom() >= r.bbox.y - 2.5 * h
            });
            let beside = words.iter().any(|w| {
                is_figure(w)
                    && (w.bbox.cy() - r.bbox.cy()).abs() < 0.7 * h
                    && w.bbox.right() <= r.bbox.x + 0.5 * h
                    && r.bbox.x - w.bbox.right() < 8.0 * h
            });
            let taken = words.iter().any(|w| {
                (is_label_word(&w.text) || is_range_part(&w.text))
                    && w.bbox.overlap_area(&spot) > 0.2 * w.bbox.w * w.bbox.h
            });
            (!over && !beside && !taken).then_some((spot, 1.2 * h))
        })
        .collect()
}

/// Merges the range pass: where the words read in a spot make a whole range `(a ~ b)`,
/// it replaces the range parts the page had there; elsewhere the page stays as it was.
/// (Spots are only where the page had no clean range: this fills, it never overrules.)
/// Of several `readings` of a spot (one per [`RANGE_TEXT_PX`] height), a clean range
/// beats a merely whole one, then the one with more decimal points wins (blur loses a
/// point far more often than it makes one up), then the earlier reading.
pub fn merge_ranges(
    mut words: Vec<Word>,
    spots: &[(BBox, f32)],
    readings: &[Vec<Word>],
) -> Vec<Word> {
    let inside = |b: &BBox, w: &Word| {
        w.bbox.cx() >= b.x
            && w.bbox.cx() <= b.right()
            && w.bbox.cy() >= b.y
            && w.bbox.cy() <= b.bottom()
    };
    for (spot, _) in spots {
        let mut best: Option<(String, Vec<&Word>, (bool, usize))> = None;
        for ranges in readings {
            let mut read: Vec<&Word> = ranges.iter().filter(|w| inside(spot, w)).collect();
            read.sort_by(|a, b| a.bbox.x.total_cmp(&b.bbox.x));
            let text: String = read.iter().map(|w| w.text.as_str()).collect();
            let Some(range) = inbody::range_text(&text).filter(|r| is_whole_range(r)) else {
                continue;
            };
            // The words the range was read from, not a figure read beside it.
            let start = range.as_ptr() as usize - text.as_ptr() as usize;
            let end = start + range.len();
            let mut at = 0;
            read.retain(|w| {
                let (from, to) = (at, at + w.text.len());
                at = to;
                from < end && to > start
            });
            let rank = (is_clean_range(range), range.matches('.').count());
            if best.as_ref().is_none_or(|b| rank > b.2) {
                best = Some((range.to_string(), read, rank));
            }
        }
        let Some((range, read, _)) = best else {
            continue;
        };
        let bbox = read
            .iter()
            .map(|w| w.bbox)
            .reduce(|a, b| a.union(&b))
            .unwrap_or(*spot);
        // The pieces go; a figure glued to its range (`098(7S~085)`) keeps its figure.
        for w in words.iter_mut() {
            if inside(spot, w) && is_range_part(&w.text) {
                let head = w.text.split('(').next().unwrap_or("");
                if head.chars().any(|c| c.is_ascii_digit()) && head.len() < w.text.len() {
                    let share = head.chars().count() as f32 / w.text.chars().count() as f32;
                    w.bbox.w *= share;
                    w.text = head.to_string();
                } else {
                    w.text.clear();
                }
            }
        }
        words.retain(|w| !w.text.is_empty());
        words.push(Word {
            text: range,
            bbox,
            confidence: None,
        });
    }
    words
}

/// The pixels of `clip` (a box [`clip`] returned for `page`).
pub(super) fn crop(page: &GrayImage, clip: &BBox) -> GrayImage {
    image::imageops::crop_imm(
        page,
        clip.x as u32,
        clip.y as u32,
        clip.w as u32,
        clip.h as u32,
    )
    .to_image()
}

/// `img` (the crop of `clip`) scaled by `scale`, at least a pixel each way.
pub(super) fn scaled(img: &GrayImage, clip: &BBox, scale: f32) -> GrayImage {
    let w = ((clip.w * scale).round() as u32).max(1);
    let h = ((clip.h * scale).round() as u32).max(1);
    preprocess::resize(img, w, h)
}

/// `region` clipped to `page` and widened to whole pixels; `None` when it is not finite
/// or less than two pixels wide or high.
pub(super) fn clip(page: &GrayImage, r: &BBox) -> Option<BBox> {
    if ![r.x, r.y, r.w, r.h].iter().all(|v| v.is_finite()) {
        return None;
    }
    let (pw, ph) = (page.width() as f32, page.height() as f32);
    let x0 = r.x.clamp(0.0, pw).floor();
    let y0 = r.y.clamp(0.0, ph).floor();
    let x1 = r.right().clamp(0.0, pw).ceil();
    let y1 = r.bottom().clamp(0.0, ph).ceil();
    if x1 - x0 < 2.0 || y1 - y0 < 2.0 {
        return None;
    }
    Some(BBox {
        x: x0,
        y: y0,
        w: x1 - x0,
        h: y1 - y0,
    })
}
