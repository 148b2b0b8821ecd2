//! tests/ocr.rs, the closer looks' part: what an engine reads again, read by the real
//! `tesseract`.

use super::*;

#[cfg(feature = "ppocr-engine")]
#[tokio::test]
async fn a_header_cell_read_on_its_own_gives_the_value_a_page_wide_reading_can_lose() {
    // A tuning sheet whose `여성`, printed between two rules of the header table, the
    // page-wide sparse Hangul reading gave as `성` (the PP-OCR engine's Korean pass):
    // the cell header_spots names for the missing sex, read on its own, gives it whole.
    let g = generator();
    let spec = specs(Split::Tuning, 21)
        .into_iter()
        .find(|s| s.label().starts_with("quadrant/20/"))
        .expect("the tuning spec");
    let sheet = g.render(&spec).expect("renders");
    let sex = sheet.truth["sex"].value.clone();
    // The reading without its value: every word but the sex's own.
    let words: Vec<Word> = sheet
        .words
        .iter()
        .filter(|w| !matches!(w.text.as_str(), "여성" | "남성" | "Female" | "Male"))
        .cloned()
        .collect();
    let report = inbody::parse_by_labels(&words);
    assert!(!report.fields.contains_key("sex"));
    let spots = inbody::header_spots(&words, &report);
    assert!(!spots.is_empty(), "the sex label's cell");
    let read = tesseract()
        .read_hangul_spots(&sheet.image, &spots)
        .await
        .expect("tesseract reads the cells");
    let merged = carenco_edge::ocr::ppocr::merge_spots(words, read);
    assert_eq!(
        inbody::parse(&merged).fields.get("sex").map(|f| &f.value),
        Some(&sex),
        "{spots:?}"
    );
}
