//! Arbitrary text through the OCR readers: Tesseract's TSV, Google's `images:annotate`
//! answer, the InBody parser over the words they yield, the closer look's region
//! choice and merge, the column pass's choice and label merge, and the range pass's.
//! None may panic, and the report always accounts for every field (found or missing).
#![no_main]

use carenco_edge::ocr::{google, inbody, tesseract};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut words = tesseract::parse_tsv(&text);
    if let Ok(more) = google::parse_response(&text) {
        words.extend(more);
    }
    // Also as whitespace-separated "x y w h text" lines (what a page's words look like).
    for line in text.lines() {
        let p: Vec<&str> = line.splitn(5, ' ').collect();
        if let [x, y, w, h, t] = p[..] {
            let num = |s: &str| s.parse::<f32>().unwrap_or(0.0);
            words.push(carenco_edge::ocr::Word {
                text: t.to_string(),
                bbox: carenco_edge::ocr::BBox {
                    x: num(x),
                    y: num(y),
                    w: num(w),
                    h: num(h),
                },
                confidence: None,
            });
        }
    }
    let report = inbody::parse(&words);
    assert_eq!(
        report.fields.len() + report.missing.len(),
        inbody::FIELDS.len()
    );
    // The closer look: where it would read again, and its words merged back.
    for region in inbody::reread_regions(&words, &report) {
        assert!(region.w >= 1.0 && region.h >= 1.0);
    }
    if let Some(column) = inbody::list_column(&words, &report) {
        assert!(column.w >= 1.0 && column.h >= 1.0);
    }
    let _ = inbody::nearest_label(&text);
    let _ = tesseract::figure_lookalikes(&text);
    let _ = tesseract::merge_lines(words.clone(), words.clone());
    let spots = tesseract::range_spots(&words);
    for (spot, h) in tesseract::figure_spots(&words) {
        assert!(spot.w.is_finite() && spot.h.is_finite() && h.is_finite());
    }
    let _ = tesseract::merge_ranges(words.clone(), &spots, &[words.clone(), words.clone()]);
    let _ = tesseract::merge_reread(words.clone(), words);
    let _ = inbody::parse_number(&text);
    let _ = inbody::parse_range(&text);
    let _ = inbody::parse_datetime(&text);
});
