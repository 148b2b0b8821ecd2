//! Tests of [`super`] (inbody.rs), third part: labels, headings and values misread
//! past matching (session 18's classes: headings found by their Hangul runs, values
//! that name their field, rows by their place). The first two parts are
//! inbody_tests.rs and inbody_scan_tests.rs.

use super::scan_tests::{section_regions, w};
use super::*;

#[test]
fn a_heading_whose_korean_part_is_past_matching_still_starts_its_run() {
    // PP-OCR on a quadrant sheet: `체중조절 Weight Control` read as `체소슬조점`, a
    // stray `주` inside its box, and `eight Control`. The control rows under the
    // Korean part are the section's: they are read, and the heading's own English
    // part is no row.
    let words = vec![
        w("체소슬조점", 788.7, 390.3, 86.7, 23.7),
        w("주", 813.3, 391.1, 18.0, 9.0),
        w("eight", 884.8, 382.4, 54.5, 36.5),
        w("Control", 941.9, 385.3, 46.4, 34.5),
        w("적정체중", 788.7, 441.8, 73.6, 31.9),
        w("49.4kg", 989.5, 436.4, 70.3, 35.6),
        w("체중조절", 788.7, 490.1, 72.0, 19.6),
        w("-4.9kg", 989.3, 478.4, 76.8, 41.0),
        w("지방조절", 788.7, 524.5, 72.0, 43.4),
        w("-8.6kg", 988.5, 522.6, 77.7, 43.4),
        w("근육조절", 788.7, 567.8, 72.0, 45.0),
        w("+3.7kg", 987.8, 569.3, 78.3, 41.1),
        // A left-hand column, so the section is a right-hand one.
        w("체성분분석", 50.0, 380.0, 100.0, 22.0),
    ];
    let s = section_regions(&words);
    let control = s.get("weight_control").expect("the control section");
    assert!(control.x < 788.7, "{control:?}");
    let r = parse(&words);
    assert_eq!(r.number("target_weight_kg"), Some(49.4));
    assert_eq!(r.number("weight_control_kg"), Some(-4.9));
    assert_eq!(r.number("fat_control_kg"), Some(-8.6));
    assert_eq!(r.number("muscle_control_kg"), Some(3.7));
    // Hangul a column away is no part of the heading.
    let mut apart = words.clone();
    apart[0].bbox.x = 600.0;
    apart[1].bbox.x = 620.0;
    let s = section_regions(&apart);
    assert!(s.get("weight_control").is_none_or(|c| c.x > 788.7 - 60.0));
}

#[test]
fn a_heading_read_a_syllable_a_word_starts_at_its_korean_part_and_ends_at_the_column_beside() {
    // Tesseract on a quadrant sheet: `부위별체지방분석` read a syllable a word, a
    // stray `ㄱ` matched with its English part; the impedance table's column, headed
    // higher up in the right half, runs on beside the fat figure.
    let mut words: Vec<Word> = ["부", "위", "별", "체", "지", "방", "분"]
        .iter()
        .enumerate()
        .map(|(i, t)| w(t, 584.0 + 29.0 * i as f32, 1349.0, 21.0, 27.0))
        .collect();
    words.extend([
        w("근", 190.0, 1349.0, 27.0, 15.0),
        w("Segmental", 317.0, 1360.0, 80.0, 15.0),
        w("Lean", 404.0, 1361.0, 34.0, 12.0),
        w("Analysis", 445.0, 1360.0, 60.0, 15.0),
        w("ㄱ", 790.0, 1366.0, 18.0, 11.0),
        w("Segmental", 826.0, 1360.0, 79.0, 15.0),
        w("Fat", 912.0, 1360.0, 22.0, 13.0),
        w("Analysis", 940.0, 1360.0, 60.0, 15.0),
        w("임피던스", 1024.0, 1201.0, 80.0, 20.0),
        w("Impedance", 1110.0, 1201.0, 90.0, 20.0),
        w("체성분분석", 50.0, 280.0, 100.0, 22.0),
        w("연구항목", 1028.0, 647.0, 80.0, 20.0),
    ]);
    let s = section_regions(&words);
    let fat = s.get("seg_fat").expect("the fat section");
    assert!(fat.x < 605.0, "{fat:?}");
    assert!(fat.right() < 1030.0, "{fat:?}");
}

#[test]
fn an_unread_heading_is_placed_by_bilingual_rows_whose_subtitle_is_as_tall() {
    // `체성분분석` read as `체성브브서`; PP-OCR gives `Protein` under `단백질` as tall a
    // box: one label, not two places. The section is placed by its rows and the
    // column header above them is in it.
    let words = vec![
        w("체성브브서", 54.0, 247.9, 108.0, 23.7),
        w("근육량", 422.2, 306.8, 44.2, 15.5),
        w("체수분", 60.5, 344.5, 58.1, 32.7),
        w("33.4", 425.9, 381.3, 43.6, 29.5),
        w("단백질", 61.4, 414.8, 52.4, 18.8),
        w("Protein", 59.1, 433.6, 32.1, 18.0),
        w("무기질", 59.7, 481.9, 54.0, 18.8),
        w("Minerals", 61.4, 498.7, 39.3, 22.4),
    ];
    assert!(section_regions(&words).contains_key("body_comp"));
    assert_eq!(parse(&words).number("muscle_mass_kg"), Some(33.4));
}

#[test]
fn research_rows_whose_labels_were_misread_take_their_rows_figures() {
    // PP-OCR on photographed quadrant sheets (the left column's sections headed, so
    // `부지방률` is no percent of body fat there). `복부지방률` read as `부지방률`
    // between two rows found: the figure at its row's place.
    let left = [
        w("체성분분석", 50.0, 100.0, 100.0, 22.0),
        w("비만분석", 50.0, 600.0, 80.0, 22.0),
    ];
    let between = vec![
        w("연구항목", 531.0, 270.7, 63.9, 37.4),
        w("1206", 666.8, 313.9, 42.8, 23.0),
        w("kcal", 709.6, 313.9, 35.0, 23.0),
        w("기초대사량", 531.6, 319.1, 65.7, 14.4),
        w("1.02", 668.3, 339.8, 31.8, 23.6),
        w("(0.80-0.90)", 708.0, 339.8, 63.1, 23.6),
        w("부지방률", 546.0, 342.7, 54.1, 24.2),
        w("1", 668.0, 365.7, 7.6, 23.0),
        w("(1-9)", 683.1, 365.7, 30.2, 23.0),
        w("내장지방레벨", 531.0, 370.9, 80.1, 15.0),
    ];
    let r = parse(&[&left[..], &between].concat());
    assert_eq!(r.number("waist_hip_ratio"), Some(1.02));
    // Two labels past reading (`기 713 대사량`, `노시`): the column of the one found,
    // one figure a row, the label's stray `713` no part of it.
    let column = vec![
        w("연구항목", 590.8, 181.1, 67.5, 28.7),
        w("1355", 739.9, 219.8, 36.3, 24.4),
        w("kcal", 780.2, 219.8, 31.7, 24.4),
        w("713", 603.3, 220.5, 15.6, 24.4),
        w("기", 591.4, 226.1, 11.9, 15.6),
        w("대사량", 618.9, 226.1, 41.8, 15.6),
        w("0.82", 737.8, 255.4, 35.1, 23.1),
        w("노시", 590.2, 261.1, 70.6, 25.0),
        w("(0.79-0.89)", 731.9, 277.9, 73.1, 21.2),
        w("1", 733.2, 307.9, 13.7, 20.0),
        w("내장지방레벨", 590.8, 309.8, 84.3, 26.9),
    ];
    let column = [&left[..], &column].concat();
    let r = parse(&column);
    assert_eq!(r.number("basal_metabolic_rate_kcal"), Some(1355.0));
    assert_eq!(r.number("waist_hip_ratio"), Some(0.82));
    assert_eq!(r.number("visceral_fat_level"), Some(1.0));
    // A fourth figure in the column: the rows do not hold, nothing is taken.
    let mut extra = column.clone();
    extra.push(w("2.5", 735.0, 340.0, 30.0, 20.0));
    assert_eq!(parse(&extra).number("waist_hip_ratio"), None);
}

#[test]
fn a_label_read_a_syllable_a_word_chains_across_boxes_of_the_lines_top_and_bottom() {
    // Tesseract on a quadrant sheet: `체지방률` as `체 지 방 률`, `방`'s box the top
    // of the line and `률`'s its bottom; they share no line with each other, but both
    // share the label's.
    let words = vec![
        w("비만분석", 96.0, 1119.0, 100.0, 29.0),
        w("체", 94.0, 1253.0, 21.0, 24.0),
        w("지", 122.0, 1253.0, 26.0, 24.0),
        w("방", 156.0, 1253.0, 6.0, 15.0),
        w("률", 173.0, 1264.0, 12.0, 13.0),
        w("(%)", 195.0, 1257.0, 30.0, 18.0),
        w("23.0", 556.0, 1263.0, 52.0, 21.0),
    ];
    assert_eq!(parse(&words).number("percent_body_fat"), Some(23.0));
}

#[test]
fn a_heading_that_is_a_rows_label_takes_nothing_of_the_row_under_it() {
    // PP-OCR on a photographed five-column sheet: the heading `체중조절` read right,
    // its row's label as `헤중조절`, the target weight's as `적첨애증`. The figure a
    // line under the heading is the target weight's row's, not the weight control's.
    let words = vec![
        w("체성분분석", 41.0, 150.0, 62.0, 22.0),
        w("체중조절", 511.6, 149.3, 50.1, 23.2),
        w("54.9", 648.5, 174.9, 30.8, 22.3),
        w("kg", 681.8, 176.5, 19.0, 21.9),
        w("적첨애증", 512.1, 179.0, 41.5, 19.9),
        w("-15.7", 648.9, 195.9, 35.3, 22.0),
        w("kg", 687.2, 197.6, 17.9, 21.3),
        w("헤중조절", 512.1, 200.5, 41.5, 19.4),
    ];
    let r = parse(&words);
    assert_eq!(r.number("weight_control_kg"), Some(-15.7));
    // A bar chart's figure a little under its Korean label, beside its English
    // subtitle, is still the label's.
    let bar = vec![
        w("신장", 42.0, 100.0, 30.0, 20.0),
        w("170.0cm", 90.0, 100.0, 60.0, 20.0),
        w("골격근지방분석", 41.0, 560.0, 93.0, 20.0),
        w("체중", 42.0, 600.0, 30.0, 20.0),
        w("Weight", 42.0, 622.0, 40.0, 12.0),
        w("70.6", 280.0, 612.0, 30.0, 20.0),
    ];
    assert_eq!(parse(&bar).number("weight_kg"), Some(70.6));
}

#[test]
fn a_long_heading_is_found_as_far_off_as_a_label_where_nothing_nearer_was_read() {
    // PP-OCR's Hangul (Tesseract's) on a quadrant sheet: `부위별체지방분석` read as
    // `부위별체지반부서`, three jamo off; its lean neighbour past reading.
    let words = vec![
        w("골격근지방분석", 54.0, 669.0, 164.0, 23.0),
        w("부위별그유부선", 72.0, 1020.9, 146.2, 22.5),
        w("부위별체지반부서", 416.0, 1017.9, 167.1, 36.0),
    ];
    let s = section_regions(&words);
    let fat = s.get("seg_fat").expect("the fat section");
    assert!(fat.x > 340.0 && fat.x <= 416.0, "{fat:?}");
    assert!(s.get("seg_lean").is_some_and(|l| l.right() <= 416.0));
    // A heading read one jamo off elsewhere is the heading: the far one is not.
    let mut near = words.clone();
    near.push(w("부위별체지방분서", 416.0, 1400.0, 167.1, 36.0));
    let s = section_regions(&near);
    assert!(s.get("seg_fat").is_some_and(|f| f.y > 1300.0));
}

#[test]
fn a_tall_blob_in_a_heading_does_not_move_its_section() {
    // Tesseract: `부위별근육분석` read a syllable a word, two of them 66 px blobs over
    // a 28 px line; the section starts at the line, not the blobs' top.
    let words = vec![
        w("부", 91.0, 1366.0, 30.0, 28.0),
        w("위", 124.0, 1347.0, 25.0, 66.0),
        w("별", 148.0, 1347.0, 26.0, 66.0),
        w("근", 175.0, 1366.0, 26.0, 28.0),
        w("육", 203.0, 1366.0, 26.0, 28.0),
        w("분", 231.0, 1366.0, 26.0, 28.0),
        w("석", 259.0, 1366.0, 26.0, 28.0),
    ];
    let s = section_regions(&words);
    let lean = s.get("seg_lean").expect("the lean section");
    assert!(lean.y > 1340.0, "{lean:?}");
}

#[test]
fn a_body_figures_unit_bounds_it_above_a_history_table_whose_heading_was_not_read() {
    // PP-OCR on a quadrant sheet: the history table's heading unread, its figures
    // (92.7, 90.6, ...) are in the fat section's region; the figure's own print `kg`.
    let mut words = vec![
        w("InBody370S", 580.0, 57.0, 92.0, 28.0),
        w("부위별체지방분석", 416.0, 1017.9, 167.1, 36.0),
        w("2.8kg", 428.7, 1083.5, 59.3, 36.2),
        w("2.7kg", 629.4, 1084.2, 58.6, 34.8),
        w("20.3kg", 532.6, 1170.5, 65.2, 33.9),
        w("5.3kg", 431.7, 1259.2, 54.5, 30.0),
        w("5.2kg", 630.3, 1259.2, 54.5, 30.0),
    ];
    for (i, t) in ["86.5", "92.7", "90.6", "95.1", "90.4"].iter().enumerate() {
        words.push(w(t, 405.0 + 70.0 * i as f32, 1395.0, 32.0, 26.0));
    }
    let r = parse(&words);
    assert_eq!(r.number("segmental_fat_trunk_kg"), Some(20.3));
    assert_eq!(r.number("segmental_fat_left_leg_kg"), Some(5.3));
    assert_eq!(r.number("segmental_fat_right_leg_kg"), Some(5.2));
}

#[test]
fn sex_whose_label_was_misread_is_read_from_a_value_that_names_itself() {
    let header = |words: Vec<Word>| {
        let mut words = words;
        // The rest of the page, so the header is its top third.
        words.push(w("체성분분석", 50.0, 900.0, 100.0, 22.0));
        parse(&words).fields.get("sex").map(|f| f.value.clone())
    };
    let text = |s: &str| Some(Value::Text(s.into()));
    // `성별` read as `석벽`, as `별` on the line above, glued to its value.
    assert_eq!(
        header(vec![
            w("석벽", 500.0, 90.0, 30.0, 13.0),
            w("남성", 550.0, 90.0, 30.0, 16.0)
        ]),
        text("male")
    );
    assert_eq!(
        header(vec![w("성별여성", 495.0, 85.0, 68.0, 17.0)]),
        text("female")
    );
    assert_eq!(
        header(vec![w("Gender:Female", 397.0, 84.0, 96.0, 18.0)]),
        text("female")
    );
    // One letter is too little, two values that disagree say nothing, and a value
    // far down the page is no header's.
    assert_eq!(header(vec![w("남", 550.0, 90.0, 15.0, 16.0)]), None);
    assert_eq!(
        header(vec![
            w("남성", 550.0, 90.0, 30.0, 16.0),
            w("여성", 650.0, 90.0, 30.0, 16.0)
        ]),
        None
    );
    assert_eq!(header(vec![w("여성", 550.0, 800.0, 30.0, 16.0)]), None);
}

#[test]
fn a_height_whose_label_led_nowhere_is_the_headers_one_figure_in_cm() {
    let height = |words: Vec<Word>| {
        let mut words = words;
        words.push(w("체성분분석", 50.0, 900.0, 100.0, 22.0));
        parse(&words).number("height_cm")
    };
    // `신장` read as `시강` (two jamo off) over a glued `180.3cm`; lost altogether
    // beside `167.9cm`; a colon read as a `1` (`신장: 172.0 cm`).
    assert_eq!(
        height(vec![
            w("시강", 156.0, 98.0, 30.0, 22.0),
            w("180.3cm", 155.0, 122.0, 60.0, 24.0)
        ]),
        Some(180.3)
    );
    assert_eq!(
        height(vec![w("167.9cm", 177.0, 126.0, 60.0, 26.0)]),
        Some(167.9)
    );
    assert_eq!(
        height(vec![
            w("신장", 193.0, 86.0, 24.0, 14.0),
            w("1172.0", 218.0, 82.0, 44.0, 21.0),
            w("cm", 275.0, 82.0, 20.0, 21.0),
        ]),
        Some(172.0)
    );
    assert_eq!(
        height(vec![
            w("1:173.2", 261.0, 79.0, 50.0, 24.0),
            w("cm", 321.0, 81.0, 20.0, 24.0)
        ]),
        Some(173.2)
    );
    // Two cm figures that differ, one below the header, or one no height can be:
    // no height.
    assert_eq!(
        height(vec![
            w("167.9cm", 177.0, 126.0, 60.0, 26.0),
            w("172.0cm", 400.0, 126.0, 60.0, 26.0)
        ]),
        None
    );
    assert_eq!(height(vec![w("167.9cm", 177.0, 700.0, 60.0, 26.0)]), None);
    assert_eq!(height(vec![w("17.9cm", 177.0, 126.0, 60.0, 26.0)]), None);
}

/// A seven-row body-composition list (water to weight, each figure with its range
/// under it) whose labels in `misread` are read past matching.
fn body_list(order: [&str; 7], misread: &[&str]) -> Vec<Word> {
    let figures = [
        ("total_body_water_l", "체수분", "37.9", "(31.4~38.4)"),
        ("protein_kg", "단백질", "10.5", "(8.4~10.3)"),
        ("minerals_kg", "무기질", "3.20", "(3.19~3.90)"),
        ("body_fat_mass_kg", "체지방", "8.5", "(8.7~10.7)"),
        ("muscle_mass_kg", "근육량", "48.6", "(41.9~51.2)"),
        ("fat_free_mass_kg", "제지방량", "51.6", "(49.2~60.2)"),
        ("weight_kg", "체중", "60.1", "(54.7~66.8)"),
    ];
    // A model without the 370S's unlabelled columns, as such lists are printed.
    let mut words = vec![
        w("InBody380", 645.0, 70.0, 90.0, 26.0),
        w("체성분분석", 62.0, 660.0, 96.0, 20.0),
    ];
    for (i, key) in order.iter().enumerate() {
        let (_, label, figure, range) = figures.iter().find(|f| f.0 == *key).unwrap();
        let y = 720.0 + 60.0 * i as f32;
        let label = if misread.contains(key) {
            "도고째"
        } else {
            label
        };
        words.push(w(label, 62.0, y, 48.0, 24.0));
        words.push(w("(kg)", 116.0, y, 40.0, 28.0));
        words.push(w(figure, 418.0, y, 40.0, 27.0));
        words.push(w(range, 408.0, y + 25.0, 94.0, 22.0));
    }
    words
}

#[test]
fn a_seven_row_body_list_gives_an_unread_row_its_figure_in_either_printed_order() {
    const CANONICAL: [&str; 7] = [
        "total_body_water_l",
        "protein_kg",
        "minerals_kg",
        "body_fat_mass_kg",
        "muscle_mass_kg",
        "fat_free_mass_kg",
        "weight_kg",
    ];
    let mut swapped = CANONICAL;
    swapped.swap(4, 5);
    for order in [CANONICAL, swapped] {
        let r = parse(&body_list(order, &["muscle_mass_kg", "total_body_water_l"]));
        assert_eq!(r.number("muscle_mass_kg"), Some(48.6), "{order:?}");
        assert_eq!(r.number("total_body_water_l"), Some(37.9), "{order:?}");
        assert_eq!(r.number("fat_free_mass_kg"), Some(51.6), "{order:?}");
    }
    // Both middle labels unread: the order cannot tell them apart, so neither takes a
    // figure by its place (the fat-free mass may still come from the arithmetic).
    let r = parse(&body_list(
        CANONICAL,
        &["muscle_mass_kg", "fat_free_mass_kg"],
    ));
    assert_ne!(r.number("muscle_mass_kg"), Some(51.6));
    assert_eq!(r.number("protein_kg"), Some(10.5));
}

#[test]
fn a_list_with_one_row_read_takes_its_other_rows_at_its_figures_pitch_only_whole() {
    // PP-OCR on a five-column sheet: the control heading and three of its four row
    // labels read past matching (`체그른조적`, `체소름조적`, `지방소을 조점`,
    // `그융조른 꼬적`); only `적정체중` found its figure.
    let mut words = vec![
        w("InBody380", 645.0, 70.0, 90.0, 26.0),
        w("체그른조적", 771.0, 679.0, 91.0, 23.0),
        w("적정체중", 771.0, 731.0, 78.0, 34.0),
        w("63.6", 973.0, 724.0, 50.0, 37.0),
        w("kg", 1034.0, 726.0, 26.0, 36.0),
        w("체소름조적", 770.0, 773.0, 77.0, 20.0),
        w("-21.5", 971.0, 764.0, 62.0, 36.0),
        w("kg", 1042.0, 767.0, 24.0, 35.0),
        w("지방소을", 771.0, 812.0, 76.0, 20.0),
        w("-23.0", 971.0, 801.0, 61.0, 39.0),
        w("kg", 1037.0, 804.0, 30.0, 37.0),
        w("그융조른", 770.0, 845.0, 78.0, 27.0),
        w("+1.5", 974.0, 840.0, 55.0, 41.0),
        w("kg", 1034.0, 842.0, 27.0, 40.0),
    ];
    let r = parse(&words);
    assert_eq!(r.number("target_weight_kg"), Some(63.6));
    assert_eq!(r.number("weight_control_kg"), Some(-21.5));
    assert_eq!(r.number("fat_control_kg"), Some(-23.0));
    assert_eq!(r.number("muscle_control_kg"), Some(1.5));
    // A row whose figure is not at its place: the list is not this one, and none of
    // its rows is taken.
    words.retain(|w| w.text != "-23.0");
    let r = parse(&words);
    assert_eq!(r.number("weight_control_kg"), None);
    assert_eq!(r.number("muscle_control_kg"), None);
}

#[test]
fn the_score_names_itself_where_its_heading_was_read_as_a_header_values_tail() {
    // PP-OCR on a list sheet: `InBody Score` heads the column beside the header, one
    // word after `Female`, so it reads as the tail of `Female InBody Score`; the
    // figure out of 100 under it is the score all the same.
    let mut words = vec![
        w("Gender", 623.0, 112.0, 75.0, 32.0),
        w("Female", 711.0, 114.0, 83.0, 33.0),
        w("InBody", 829.0, 111.0, 90.0, 39.0),
        w("Score", 921.0, 113.0, 69.0, 38.0),
        w("92/100", 931.0, 168.0, 100.0, 54.0),
        w("points", 1032.0, 172.0, 54.0, 52.0),
    ];
    assert_eq!(parse(&words).number("inbody_score"), Some(92.0));
    // Its figure large and `/100점` small beside it, the 점 read as a digit.
    words[4] = w("92", 931.0, 168.0, 50.0, 54.0);
    words[5] = w("/1004", 990.0, 180.0, 60.0, 30.0);
    assert_eq!(parse(&words).number("inbody_score"), Some(92.0));
    // Two figures out of 100 that differ name nothing.
    words.push(w("81/100", 300.0, 900.0, 100.0, 54.0));
    assert_eq!(parse(&words).number("inbody_score"), None);
}

/// A five-column lean table under its heading, its segment heads read past matching.
fn unheaded_lean(figures: [&str; 5]) -> Vec<Word> {
    let mut words = vec![
        w("InBody380", 645.0, 20.0, 90.0, 26.0),
        w("부위별근육분석", 41.0, 727.0, 89.0, 14.0),
        w("오튼롤", 119.0, 760.0, 28.0, 10.0),
        w("[고", 198.0, 760.0, 18.0, 10.0),
        w("8s", 277.0, 756.0, 17.0, 17.0),
        w("요튼다리", 354.0, 755.0, 36.0, 20.0),
        w("흰다러", 432.0, 757.0, 29.0, 18.0),
        w("근류잘", 44.0, 781.0, 30.0, 18.0),
    ];
    for (i, f) in figures.iter().enumerate() {
        words.push(w(f, 119.0 + 78.5 * i as f32, 776.0, 30.0, 23.0));
        words.push(w("kg", 152.0 + 78.5 * i as f32, 777.0, 16.0, 22.0));
    }
    words
}

#[test]
fn a_five_column_row_whose_heads_were_misread_is_read_in_the_tables_order_when_it_is_a_body() {
    let r = parse(&unheaded_lean(["3.12", "2.90", "26.5", "9.00", "8.56"]));
    assert_eq!(r.number("segmental_lean_right_arm_kg"), Some(3.12));
    assert_eq!(r.number("segmental_lean_left_arm_kg"), Some(2.9));
    assert_eq!(r.number("segmental_lean_trunk_kg"), Some(26.5));
    assert_eq!(r.number("segmental_lean_right_leg_kg"), Some(9.0));
    assert_eq!(r.number("segmental_lean_left_leg_kg"), Some(8.56));
    // Five figures that are no body's (the largest not in the middle) are another row.
    let r = parse(&unheaded_lean(["26.5", "2.90", "3.12", "9.00", "8.56"]));
    assert_eq!(r.number("segmental_lean_trunk_kg"), None);
    // A head read over another column than its own: not this table's order.
    let mut words = unheaded_lean(["3.12", "2.90", "26.5", "9.00", "8.56"]);
    words[3] = w("몸통", 198.0, 760.0, 18.0, 10.0);
    assert_eq!(parse(&words).number("segmental_lean_trunk_kg"), None);
}

#[test]
fn a_heading_another_heading_matches_better_is_that_ones() {
    // PP-OCR on a quadrant sheet: both segmental headings' Korean parts misread past
    // matching, and the lean one's `Analysis` lost: `Segmental Fat Analysis` is one
    // word off `Segmental Lean Analysis`, but it is the fat heading, not the lean one.
    let words = vec![
        w("부위별그유부선", 70.0, 1134.0, 164.0, 25.0),
        w("Segmental", 237.0, 1127.0, 83.0, 37.0),
        w("Lean", 323.0, 1127.0, 34.0, 37.0),
        w("부위별체지반부서", 414.0, 1134.0, 189.0, 25.0),
        w("Segmental", 614.0, 1127.0, 77.0, 37.0),
        w("Fat", 695.0, 1127.0, 22.0, 37.0),
        w("Analysis", 719.0, 1127.0, 57.0, 37.0),
        w("체성분분석", 62.0, 222.0, 100.0, 22.0),
    ];
    let s = section_regions(&words);
    let fat = s.get("seg_fat").expect("the fat section");
    assert!(fat.x > 300.0, "{fat:?}");
    assert!(s.get("seg_lean").is_none_or(|l| l.x < 100.0), "{s:?}");
}

#[test]
fn the_header_cell_of_a_missing_sex_is_named_for_a_closer_look_and_only_then() {
    let mut words = vec![
        w("InBody370", 448.0, 55.0, 101.0, 26.0),
        w("연령", 298.0, 116.0, 32.0, 18.0),
        w("성별", 388.0, 116.0, 32.0, 18.0),
        w("Gender", 387.0, 132.0, 33.0, 17.0),
        w("76", 301.0, 147.0, 18.0, 28.0),
        w("성", 407.0, 154.0, 14.0, 11.0),
        w("체성분분석", 52.0, 222.0, 104.0, 21.0),
        w("체중", 52.0, 1500.0, 40.0, 21.0),
    ];
    let spots = header_spots(&words, &parse_by_labels(&words));
    // One cell for the label in both languages, holding the value's line.
    let [(cell, h)] = spots[..] else {
        panic!("{spots:?}");
    };
    assert!(
        cell.x < 388.0 && cell.right() > 420.0 && cell.bottom() > 165.0,
        "{cell:?}"
    );
    assert!(h >= 17.0);
    words[5].text = "여성".into();
    assert!(header_spots(&words, &parse_by_labels(&words)).is_empty());
}

#[test]
fn an_english_subtitle_under_a_misread_korean_label_names_that_labels_line() {
    // PP-OCR on a quadrant sheet: `체수분` read as `체소부`, its `Total Body Water`
    // under it read whole; the figure is on the Korean label's line, the range on the
    // subtitle's. A column head `체수분` over the table, a stray `287` beside it (a
    // figure whose point was lost), is as good a label, but its figure is not as good.
    let words = vec![
        w("InBody370", 448.0, 55.0, 101.0, 26.0),
        w("체서부부서", 52.0, 215.0, 109.0, 23.0),
        w("체수분", 300.0, 272.0, 42.0, 15.0),
        w("287", 414.0, 265.0, 42.0, 29.0),
        w("체소부", 58.0, 310.0, 53.0, 19.0),
        w("(L)", 148.0, 310.0, 21.0, 21.0),
        w("46.3", 192.0, 306.0, 47.0, 28.0),
        w("Total", 59.0, 330.0, 21.0, 15.0),
        w("Body", 83.0, 330.0, 21.0, 15.0),
        w("Water", 109.0, 330.0, 24.0, 15.0),
        w("(43.3~52.9)", 180.0, 333.0, 95.0, 24.0),
        w("단백질", 59.0, 374.0, 53.0, 19.0),
        w("12.5", 192.0, 370.0, 46.0, 28.0),
    ];
    let r = parse(&words);
    assert_eq!(r.number("total_body_water_l"), Some(46.3));
    assert_eq!(r.number("protein_kg"), Some(12.5));
    // As tall as the Korean label over it (PP-OCR's English boxes, Tesseract's
    // Hangul ones): `Fat Control` under `지방소를` takes -7.1, not the next row's +4.3.
    let control = vec![
        w("적정체중", 799.0, 298.0, 75.0, 35.0),
        w("58.4", 980.0, 297.0, 45.0, 30.0),
        w("지방소를", 799.0, 391.0, 73.0, 21.0),
        w("-7.1", 978.0, 383.0, 47.0, 33.0),
        w("kg", 1033.0, 385.0, 22.0, 32.0),
        w("Fat", 797.0, 407.0, 16.0, 19.0),
        w("Control", 817.0, 408.0, 33.0, 20.0),
        w("+4.3", 986.0, 428.0, 53.0, 32.0),
        w("kg", 1043.0, 430.0, 28.0, 32.0),
        w("근욕", 798.0, 436.0, 37.0, 30.0),
    ];
    assert_eq!(parse(&control).number("fat_control_kg"), Some(-7.1));
    // Korean under Korean is another row: a Korean-only list's next label does not
    // reach up to the row above.
    let korean = vec![
        w("체수분", 58.0, 310.0, 53.0, 19.0),
        w("46.3", 192.0, 306.0, 47.0, 28.0),
        w("단백질", 59.0, 332.0, 53.0, 19.0),
    ];
    assert_eq!(parse(&korean).number("protein_kg"), None);
}

#[test]
fn a_five_column_row_with_four_heads_read_gives_the_fifth_its_place_when_the_four_agree() {
    // PP-OCR on a five-column sheet: `오른팔` read as `른팔` over its column, the
    // other four heads read.
    let mut words = unheaded_lean(["2.55", "2.47", "21.1", "7.48", "7.29"]);
    for (i, head) in ["른팔", "왼팔", "몸통", "오른다리", "왼다리"]
        .iter()
        .enumerate()
    {
        words[2 + i].text = (*head).into();
    }
    let r = parse(&words);
    assert_eq!(r.number("segmental_lean_right_arm_kg"), Some(2.55));
    assert_eq!(r.number("segmental_lean_trunk_kg"), Some(21.1));
    assert_eq!(r.number("segmental_lean_left_leg_kg"), Some(7.29));
}

#[test]
fn a_word_nearer_another_label_is_not_this_ones() {
    // PP-OCR on a photographed quadrant sheet: `신장` read as `성`, so the height's
    // nearest label is the control heading's `Weight`, one letter off `Height`. It
    // is the weight's: the height is the header's figure in cm.
    let words = vec![
        w("성", 162.0, 88.0, 29.0, 25.0),
        w("연령", 281.0, 89.0, 29.0, 24.0),
        w("187.3", 161.0, 115.0, 49.0, 25.0),
        w("cm", 214.0, 116.0, 29.0, 25.0),
        w("28", 282.0, 117.0, 20.0, 24.0),
        w("체성분분석", 52.0, 200.0, 100.0, 22.0),
        w("체중조절", 635.0, 564.0, 72.0, 19.0),
        w("Weight", 723.0, 563.0, 33.0, 23.0),
        w("Control", 761.0, 563.0, 36.0, 23.0),
        w("80.6kg", 776.0, 599.0, 62.0, 30.0),
        w("체중", 60.0, 1200.0, 40.0, 22.0),
    ];
    let r = parse(&words);
    assert_eq!(r.number("height_cm"), Some(187.3));
    assert_eq!(r.number("age"), Some(28.0));
}

#[test]
fn a_body_list_whose_heading_was_not_read_is_the_column_of_ranged_figures_through_a_row_found() {
    let mut words = body_list(
        [
            "total_body_water_l",
            "protein_kg",
            "minerals_kg",
            "body_fat_mass_kg",
            "muscle_mass_kg",
            "fat_free_mass_kg",
            "weight_kg",
        ],
        &["total_body_water_l", "minerals_kg", "muscle_mass_kg"],
    );
    words[1].text = "체석부부석".into();
    // A ranged figure far below in that column (another table) is not the list's.
    words.push(w("0.93", 418.0, 1400.0, 40.0, 27.0));
    words.push(w("(0.75~0.85)", 408.0, 1425.0, 94.0, 22.0));
    let r = parse(&words);
    assert_eq!(r.number("total_body_water_l"), Some(37.9));
    assert_eq!(r.number("minerals_kg"), Some(3.2));
    assert_eq!(r.number("muscle_mass_kg"), Some(48.6));
}

#[test]
fn a_label_that_is_its_sections_heading_takes_no_figure_from_the_row_under_it() {
    // PP-OCR on a five-column sheet: the heading `체중조절 Weight control` read with
    // its Korean part past matching, the target weight's label as `적정세`: the
    // heading's `Weight control` is the weight control's label, but where it heads
    // the section it takes nothing of the first row under it.
    let words = vec![
        w("InBody380", 645.0, 20.0, 90.0, 26.0),
        w("체중조점", 782.0, 694.0, 84.0, 23.0),
        w("Weight", 866.0, 688.0, 58.0, 33.0),
        w("control", 932.0, 690.0, 43.0, 32.0),
        w("적정세", 782.0, 744.0, 71.0, 30.0),
        w("60.8", 984.0, 736.0, 44.0, 33.0),
        w("kg", 1037.0, 738.0, 22.0, 31.0),
        w("겠소린", 782.0, 786.0, 70.0, 30.0),
        w("-25.8", 983.0, 779.0, 51.0, 31.0),
        w("kg", 1042.0, 781.0, 26.0, 30.0),
        // A left-hand column, so the section is a right-hand one.
        w("체성분분석", 50.0, 690.0, 100.0, 22.0),
    ];
    assert_ne!(parse(&words).number("weight_control_kg"), Some(60.8));
}

#[test]
fn a_figure_after_a_kg_figure_in_one_band_is_the_next_columns() {
    // PP-OCR on a five-column sheet: `왼팔` read as `팡`, so the trunk's band runs over
    // the left arm's column, where `3.43 kg` ends a phrase gap short of `30.6kg`.
    let words = vec![
        w("InBody380", 645.0, 20.0, 90.0, 26.0),
        w("부위별근육분석", 41.0, 1082.0, 112.0, 29.0),
        w("오른팔", 178.0, 1148.0, 48.0, 14.0),
        w("팡", 308.0, 1148.0, 15.0, 8.0),
        w("몸통", 405.0, 1149.0, 31.0, 9.0),
        w("오른다리", 518.0, 1144.0, 64.0, 24.0),
        w("왼다리", 632.0, 1148.0, 46.0, 17.0),
        w("3.61", 179.0, 1177.0, 48.0, 38.0),
        w("kg", 232.0, 1178.0, 28.0, 37.0),
        w("3.43", 292.0, 1178.0, 48.0, 37.0),
        w("kg", 346.0, 1180.0, 30.0, 36.0),
        w("30.6kg", 406.0, 1176.0, 79.0, 40.0),
        w("10.38", 520.0, 1177.0, 62.0, 37.0),
        w("kg", 589.0, 1179.0, 25.0, 35.0),
        w("9.96", 632.0, 1177.0, 49.0, 37.0),
    ];
    let r = parse(&words);
    assert_eq!(r.number("segmental_lean_trunk_kg"), Some(30.6));
    assert_eq!(r.number("segmental_lean_left_arm_kg"), Some(3.43));
    assert_eq!(r.number("segmental_lean_right_leg_kg"), Some(10.38));
}
