//! Tests of [`super`] (inbody.rs), second part: readings of padded-box engines and of
//! real scans (PP-OCR on the InBody370S sample), each a class of input. The first part
//! is inbody_tests.rs, the third inbody_misread_tests.rs; they are kept apart so each
//! stays readable.

use super::*;

pub(super) fn w(text: &str, x: f32, y: f32, w: f32, h: f32) -> Word {
    Word::at(text, x, y, w, h)
}

pub(super) fn section_regions(words: &[Word]) -> BTreeMap<&'static str, BBox> {
    sections(&Page::new(words))
}

#[test]
fn a_range_under_another_columns_figure_is_not_this_rows() {
    // The 370S table: protein's own range was not read; beside its figure lies the
    // muscle-mass column's range, printed under 34.8.
    let words = vec![
        w("체성분분석", 50.0, 100.0, 100.0, 20.0),
        w("단백질", 50.0, 220.0, 60.0, 20.0),
        w("7.2", 200.0, 222.0, 30.0, 18.0),
        w("34.8", 400.0, 200.0, 40.0, 18.0),
        w("(34.7~42.3)", 380.0, 222.0, 90.0, 15.0),
    ];
    let r = parse(&words);
    assert_eq!(r.number("protein_kg"), Some(7.2));
    assert_eq!(r.fields["protein_kg"].range, None);
    // Its own range under it is still taken.
    let mut words = words;
    words.push(w("(7.2~8.8)", 190.0, 243.0, 70.0, 15.0));
    assert_eq!(parse(&words).fields["protein_kg"].range, Some([7.2, 8.8]));
}

#[test]
fn a_blob_across_two_lines_does_not_carry_a_label_onto_the_line_below() {
    // Tesseract on a table5 sheet: `골격근량` read a syllable a word, a chart bar's
    // end read as a tall `ㅋ` between them that reaches the line below (`글 ㄷㄷ`).
    let words = vec![
        w("골", 73.8, 954.0, 17.4, 9.1),
        w("격", 94.6, 954.0, 12.4, 10.8),
        w("ㅋ", 98.7, 957.3, 12.4, 23.2),
        w("근", 113.6, 954.8, 13.3, 9.1),
        w("량", 132.7, 954.0, 12.4, 11.6),
        w("(", 154.3, 956.5, 6.6, 16.6),
        w("kg", 160.9, 956.5, 13.3, 16.6),
        w(")", 174.2, 956.5, 6.6, 16.6),
        w("글", 76.3, 963.9, 66.4, 9.1),
        w("ㄷㄷ", 110.3, 963.9, 32.4, 9.1),
        w("25.7", 450.2, 961.7, 42.9, 17.4),
    ];
    let page = Page::new(&words);
    let all = BBox {
        x: 0.0,
        y: 0.0,
        w: 1000.0,
        h: 2000.0,
    };
    let hits = page.find_label(&["골격근량"], &all);
    assert!(
        hits.iter().any(|h| h.dist <= 1 && h.bbox.x == 73.8),
        "{:?}",
        hits.iter().map(|h| (h.bbox, h.dist)).collect::<Vec<_>>()
    );
    let r = parse(&words);
    assert_eq!(
        r.fields
            .get("skeletal_muscle_mass_kg")
            .and_then(|f| f.value.as_f64()),
        Some(25.7)
    );
}

#[test]
fn a_figure_whose_decimal_point_was_restored_is_doubtful() {
    let smm = |figure: &str| {
        parse(&[
            w("Skeletal", 56.7, 900.0, 70.0, 20.0),
            w("Muscle", 131.0, 900.0, 60.0, 20.0),
            w("Mass", 195.0, 900.0, 45.0, 20.0),
            w(figure, 450.0, 900.0, 42.0, 20.0),
        ])
    };
    let r = smm("25");
    assert_eq!(r.number("skeletal_muscle_mass_kg"), Some(2.5));
    assert_eq!(r.restored, vec!["skeletal_muscle_mass_kg".to_string()]);
    assert!(r.is_doubtful("skeletal_muscle_mass_kg"));
    let r = smm("25.7");
    assert_eq!(r.number("skeletal_muscle_mass_kg"), Some(25.7));
    assert!(r.restored.is_empty());
    assert!(!r.is_doubtful("skeletal_muscle_mass_kg"));
}

#[test]
fn a_row_label_is_no_heading_when_the_heading_of_its_name_is_unread_and_a_list_row_takes_no_bracketed_digit(
) {
    // 체중조절 heads the weight-control list and labels its second row; with the
    // heading unread (`체 BAA`), the row above (적정체중) is still the section's.
    let mut words = vec![
        w("체", 788.0, 219.5, 18.0, 20.2),
        w("BAA", 809.8, 219.5, 57.7, 10.5),
    ];
    for (i, (label, figure)) in [
        ("적정체중", "72.6"),
        ("체중조절", "-7.4"),
        ("지방조절", "-9.9"),
        // Garbled beyond matching: the list's pitch places its figure.
        ("그유점", "+2.5"),
    ]
    .into_iter()
    .enumerate()
    {
        let y = 267.0 + 34.0 * i as f32;
        words.push(w(label, 788.8, y, 67.0, 17.2));
        words.push(w(figure, 998.5, y + 1.5, 39.7, 16.5));
        // `(kg)` read as `( 9`, the 9 further right than any figure.
        words.push(w("(", 1046.5, y + 1.0, 9.7, 19.5));
        words.push(w("9", 1056.2, y + 1.0, 9.7, 19.5));
    }
    let r = parse(&words);
    assert_eq!(r.number("target_weight_kg"), Some(72.6));
    assert_eq!(r.number("weight_control_kg"), Some(-7.4));
    assert_eq!(r.number("muscle_control_kg"), Some(2.5));
}

#[test]
fn a_field_read_in_a_chart_takes_the_range_printed_with_its_figure_elsewhere() {
    let sheet = |table_figure: &str| {
        parse(&[
            // The muscle-fat chart: label, scale, figure, no range.
            w("Weight", 56.7, 650.0, 60.0, 18.0),
            w("55", 280.0, 640.0, 10.0, 8.0),
            w("70", 327.0, 640.0, 10.0, 8.0),
            w("85", 371.0, 640.0, 10.0, 8.0),
            w("100", 418.0, 640.0, 16.0, 8.0),
            w("80.0", 448.7, 659.2, 40.5, 16.5),
            // The body-composition table's column, its label unread.
            w(table_figure, 600.0, 300.0, 40.0, 16.0),
            w("(70.9~86.6)", 590.0, 320.0, 70.0, 12.0),
        ])
    };
    let r = sheet("80.0");
    assert_eq!(r.number("weight_kg"), Some(80.0));
    assert_eq!(r.fields["weight_kg"].range, Some([70.9, 86.6]));
    // Another figure under the range: not the weight's.
    let r = sheet("81.0");
    assert_eq!(r.fields["weight_kg"].range, None);
}

#[test]
fn segment_rows_survive_an_unread_row_label_in_either_table() {
    // A list (570-like) sheet as Tesseract read it: the lean table's 오른팔 read as
    // `228` (its English label further right), the fat table's 몸통 as `Ss` with no
    // figure beside it; each kg with its percent of standard further right.
    let mut words = Vec::new();
    let mut table = |title: (&str, &str), y0: f32, rows: [(&str, &str, f32, &str, &str); 5]| {
        words.push(w(title.0, 66.0, y0, 120.0, 20.0));
        words.push(w(title.1, 221.0, y0 + 10.0, 150.0, 11.0));
        for (r, (ko, en, en_x, kg, pct)) in rows.into_iter().enumerate() {
            let y = y0 + 50.0 + 38.0 * r as f32;
            words.push(w(ko, 83.0, y, 34.0, 18.0));
            words.push(w(en, en_x, y, 80.0, 17.0));
            if !kg.is_empty() {
                words.push(w(kg, 635.0, y, 42.0, 15.0));
            }
            words.push(w("kg", 686.0, y, 21.0, 19.0));
            words.push(w(pct, 833.0, y + 2.0, 50.0, 11.0));
        }
    };
    table(
        ("부위별 근육분석", "Segmental Lean Analysis"),
        1300.0,
        [
            ("228", "Right Arm", 142.0, "2.99", "83.6%"),
            ("왼팔", "Left Arm", 124.0, "2.86", "83.8%"),
            ("몸통", "Trunk", 123.0, "26.2", "110.3%"),
            ("오른다리", "Right Leg", 160.0, "8.89", "89.0%"),
            ("왼다리", "Left Leg", 142.0, "8.48", "91.9%"),
        ],
    );
    table(
        ("부위별 체지방분석", "Segmental Fat Analysis"),
        1568.0,
        [
            ("오른팔", "Right Arm", 142.0, "0.5", "202.8%"),
            ("왼팔", "Left Arm", 124.0, "0.6", "126.6%"),
            ("Ss", "Trunk", 123.0, "", "126.6%"),
            ("오른다리", "Right Leg", 160.0, "1.0", "110.6%"),
            ("왼다리", "Left Leg", 142.0, "1.1", "152.3%"),
        ],
    );
    let r = parse(&words);
    for (field, x) in [
        ("segmental_lean_right_arm_kg", Some(2.99)),
        ("segmental_lean_trunk_kg", Some(26.2)),
        ("segmental_lean_left_leg_kg", Some(8.48)),
        ("segmental_fat_right_arm_kg", Some(0.5)),
        ("segmental_fat_left_arm_kg", Some(0.6)),
        ("segmental_fat_trunk_kg", None),
        ("segmental_fat_right_leg_kg", Some(1.0)),
        ("segmental_fat_left_leg_kg", Some(1.1)),
    ] {
        assert_eq!(r.number(field), x, "{field}");
    }
}

#[test]
fn a_sign_read_as_a_point_leaves_the_magnitude_and_a_kg_read_as_k8_is_a_unit() {
    // Small print on a grey band: `-9.9kg` read as `.9.9k8`. A figure with a point of
    // its own cannot start with one.
    assert_eq!(parse_number(".9.9"), Some(9.9));
    assert_eq!(parse_number(".6.35"), Some(6.35));
    assert_eq!(parse_number("1.91k8"), Some(1.91));
    assert_eq!(parse_number("11.8kE"), Some(11.8));
    assert_eq!(parse_number(".5"), None, "no second point: not a lost sign");
    assert_eq!(parse_number("..5"), None);
}

#[test]
fn a_list_whose_padded_boxes_are_taller_than_its_pitch_keeps_its_rows_and_signs() {
    // The real 370S scan through PP-OCR: the weight-control rows 24 px apart in boxes
    // 30-33 px tall, two labels garbled (`증조절`, `근육`), both minus signs read as
    // points. The rows go by their order, the signs by the sheet's arithmetic.
    let words = vec![
        w("체성분분석", 50.0, 200.0, 100.0, 30.0),
        w("체중", 60.0, 260.0, 40.0, 30.0),
        w("59.1", 300.0, 262.0, 45.0, 30.0),
        w("체중조절", 725.0, 741.0, 70.0, 28.0),
        w("적정체중", 745.0, 767.0, 60.0, 29.0),
        w("52.9k8", 887.0, 761.0, 61.0, 32.0),
        w("증조절", 745.0, 790.0, 41.0, 28.0),
        w(".6.28", 884.0, 785.0, 63.0, 30.0),
        w("지방조절", 743.0, 813.0, 60.0, 29.0),
        w(".9.9k8", 886.0, 807.0, 63.0, 33.0),
        w("근육", 725.0, 837.0, 31.0, 18.0),
        w("+3.7k8", 885.0, 833.0, 63.0, 31.0),
    ];
    let r = parse(&words);
    assert_eq!(r.number("target_weight_kg"), Some(52.9));
    assert_eq!(r.number("weight_control_kg"), Some(-6.2));
    assert_eq!(r.number("fat_control_kg"), Some(-9.9));
    assert_eq!(r.number("muscle_control_kg"), Some(3.7));
}

#[test]
fn a_chart_row_takes_its_own_figure_not_the_row_aboves_nearer_one() {
    // A bar chart prints each figure at its bar's end: the row above's shorter bar
    // puts its figure nearer the label than this row's own, a little above its line.
    let words = vec![
        w("골격근", 56.0, 480.0, 60.0, 30.0),
        w("지방분석", 120.0, 480.0, 80.0, 30.0),
        w("체중", 60.0, 540.0, 40.0, 30.0),
        w("59.1", 385.0, 551.0, 33.0, 31.0),
        w("82428", 62.0, 583.0, 63.0, 27.0),
        w("19.5", 300.0, 597.0, 39.0, 28.0),
        w("체지방량", 60.0, 628.0, 72.0, 30.0),
        w("22.1", 437.0, 640.0, 36.0, 28.0),
    ];
    let r = parse(&words);
    assert_eq!(r.number("body_fat_mass_kg"), Some(22.1));
}

#[test]
fn a_range_end_is_no_column_figure_with_the_range_under_it() {
    // The 370S composition table as Vision cuts it (`(`, `36.7`, `~`, `44.8`, `)`):
    // the end `44.8` stands over the weight's `(45.0~60.8)`, yet it is no figure of
    // the unlabelled columns, which stay in their places.
    let words = vec![
        w("InBody370S", 571.0, 84.0, 105.0, 33.0),
        w("체성분분석", 53.0, 219.0, 105.0, 31.0),
        w("체수분", 60.0, 276.0, 52.0, 20.0),
        w("27.3", 211.0, 270.0, 36.0, 28.0),
        w("(27.0~33.0)", 189.0, 290.0, 90.0, 24.0),
        w("27.3", 316.0, 275.0, 41.0, 31.0),
        w("34.8", 415.0, 289.0, 36.0, 28.0),
        w("(34.7~42.3)", 392.0, 313.0, 90.0, 24.0),
        w("단백질", 60.0, 323.0, 53.0, 19.0),
        w("7.2", 218.0, 313.0, 24.0, 28.0),
        w("(7.2~8.8)", 186.0, 333.0, 92.0, 26.0),
        w("37.0", 519.0, 311.0, 33.0, 26.0),
        w("(", 491.0, 335.0, 7.0, 24.0),
        w("36.7", 499.0, 335.0, 30.0, 24.0),
        w("~", 536.0, 335.0, 8.0, 24.0),
        w("44.8", 549.0, 335.0, 28.0, 24.0),
        w(")", 577.0, 335.0, 7.0, 24.0),
        w("59.1", 617.0, 333.0, 36.0, 28.0),
        w("(45.0~60.8)", 593.0, 355.0, 89.0, 24.0),
        w("무기질", 59.0, 366.0, 53.0, 27.0),
        w("2.54", 211.0, 356.0, 36.0, 28.0),
        w("(2.49~3.05)", 188.0, 373.0, 93.0, 28.0),
        w("체지방", 60.0, 407.0, 52.0, 19.0),
        w("22.1", 211.0, 402.0, 38.0, 26.0),
        w("(10.6~16.9)", 186.0, 419.0, 93.0, 26.0),
    ];
    let r = parse(&words);
    assert_eq!(r.number("muscle_mass_kg"), Some(34.8));
    assert_eq!(r.number("fat_free_mass_kg"), Some(37.0));
    assert_eq!(r.number("weight_kg"), Some(59.1));
    assert_eq!(
        r.fields.get("fat_free_mass_kg").and_then(|f| f.range),
        Some([36.7, 44.8])
    );
}

#[test]
fn a_unit_bracket_closed_before_a_figure_does_not_make_it_a_range_end() {
    // `(kg)` read as `(` `)` just left of the figure: the figure keeps its range below.
    let words = vec![
        w("체성분분석", 50.0, 500.0, 100.0, 22.0),
        w("체지방", 69.0, 561.0, 60.0, 21.0),
        w("(", 163.0, 563.0, 15.0, 20.0),
        w(")", 177.5, 563.0, 15.0, 20.0),
        w("16.1", 192.2, 563.6, 58.8, 19.7),
        w("(15.4-18.8)", 197.5, 592.5, 86.7, 16.3),
    ];
    let r = parse(&words);
    assert_eq!(r.number("body_fat_mass_kg"), Some(16.1));
    assert_eq!(
        r.fields.get("body_fat_mass_kg").and_then(|f| f.range),
        Some([15.4, 18.8])
    );
    // An open bracket just before a figure still starts a range.
    let nums = crate::ocr::figures::numbers(&[
        w("(", 163.0, 563.0, 15.0, 20.0),
        w("15.4", 180.0, 563.0, 40.0, 20.0),
    ]);
    assert!(nums[0].ranged);
}

#[test]
fn a_heading_found_by_its_english_part_starts_at_its_misread_korean_part() {
    // `부위별체지방분석` read as `부위별체지방부서`, its subtitle `SegmentalFat Analysis`
    // read: the fat figure's left column (1.0, 1.8) is the fat section's, not the
    // lean one's.
    let words = vec![
        w("부위별근육분석", 79.0, 1141.0, 157.0, 24.0),
        w("Segmental", 249.0, 1142.0, 74.0, 26.0),
        w("Lean", 323.0, 1142.0, 33.0, 26.0),
        w("Analysis", 358.0, 1142.0, 55.0, 26.0),
        w("부위별체지방부서", 436.0, 1141.0, 180.0, 24.0),
        w("SegmentalFat", 627.0, 1135.0, 98.0, 37.0),
        w("Analysis", 728.0, 1137.0, 55.0, 36.0),
    ];
    let s = section_regions(&words);
    let fat = s.get("seg_fat").expect("the fat section");
    let lean = s.get("seg_lean").expect("the lean section");
    assert!(fat.x < 436.0 && lean.right() < 440.0, "{fat:?} {lean:?}");
}

#[test]
fn a_range_column_keeps_its_range_when_another_columns_text_shares_the_row() {
    // The five-column layout prints each range in a column of its own (`11.8~14.4`,
    // one word from PP-OCR); the score's note in the right-hand column shares the row.
    let words = vec![
        w("체성분분석", 75.0, 240.0, 100.0, 22.0),
        w("단백질", 76.0, 342.0, 50.0, 19.0),
        w("12.8", 437.0, 338.0, 45.0, 30.0),
        w("11.8~14.4", 571.0, 340.5, 81.5, 22.6),
        w("체성분종합점입", 768.0, 338.0, 85.5, 23.5),
        w("근육이매우많은경우", 884.0, 335.5, 99.0, 23.5),
    ];
    let r = parse(&words);
    assert_eq!(r.number("protein_kg"), Some(12.8));
    assert_eq!(
        r.fields.get("protein_kg").and_then(|f| f.range),
        Some([11.8, 14.4])
    );
}

#[test]
fn a_labels_unit_bracket_read_as_a_digit_is_no_figure() {
    // PP-OCR on a soft five-column sheet: `(kg)` after 무기질 read as `7 kg )` or
    // `7 ( kg )`, or with a speck between (`7 ² ( kg )`); the row's figure is the one
    // in its column.
    for unit in [
        vec![("7", 102.7, 9.0), ("kg", 111.6, 18.0), (")", 129.4, 9.0)],
        vec![
            ("7", 103.0, 6.7),
            ("²", 109.7, 6.7),
            ("(", 116.4, 6.7),
            ("kg", 123.1, 13.3),
            (")", 136.4, 6.7),
        ],
        vec![
            ("7", 125.8, 8.4),
            ("(", 134.2, 8.4),
            ("kg", 142.6, 16.8),
            (")", 159.3, 8.4),
        ],
    ] {
        let mut words = vec![
            w("체성분분석", 58.0, 200.0, 100.0, 22.0),
            w("무기질", 58.9, 347.0, 43.8, 16.0),
            w("3.30", 437.0, 345.0, 47.0, 30.0),
            w("2.76~3.37", 571.0, 347.0, 78.0, 22.0),
        ];
        words.extend(unit.iter().map(|(t, x, wd)| w(t, *x, 341.6, *wd, 26.7)));
        let r = parse(&words);
        assert_eq!(r.number("minerals_kg"), Some(3.3), "{unit:?}");
    }
    // A one-digit figure with a bracketed unit that does not close is still a figure.
    let nums = crate::ocr::figures::numbers(&[
        w("7", 100.0, 0.0, 9.0, 26.0),
        w("kg", 109.0, 0.0, 18.0, 26.0),
    ]);
    assert_eq!(nums.len(), 1);
}

#[test]
fn a_range_whose_tilde_was_read_as_a_point_is_still_a_range() {
    assert_eq!(point_range("34.8.42.5"), Some([34.8, 42.5]));
    assert_eq!(point_range("2.13.2.60"), Some([2.13, 2.6]));
    assert_eq!(point_range("(5.9.7.2)"), Some([5.9, 7.2]));
    assert_eq!(point_range("2016.05.04.09"), None, "a date");
    assert_eq!(point_range("1.2.3"), None);
    assert_eq!(point_range("5.9.7.2kg"), None);
    // Under its figure in a list, as PP-OCR reads a soft scan.
    let words = vec![
        w("체성분분석", 50.0, 400.0, 100.0, 22.0),
        w("단백질", 52.0, 475.0, 50.0, 22.0),
        w("7.4", 499.0, 475.1, 31.5, 22.9),
        w("(", 492.1, 495.4, 6.1, 22.0),
        w("5.9.7.2", 498.2, 495.4, 42.6, 22.0),
        w(")", 540.8, 495.4, 6.1, 22.0),
    ];
    let r = parse(&words);
    assert_eq!(
        r.fields.get("protein_kg").and_then(|f| f.range),
        Some([5.9, 7.2])
    );
}

#[test]
fn a_date_whose_space_before_the_time_was_lost_is_still_read() {
    // PP-OCR reads a header's date and time as one word when the gap is narrow.
    for (text, want) in [
        ("2025-09-2607:11", "2025-09-26T07:11"),
        ("2023.10.0118:23", "2023-10-01T18:23"),
        ("2016-09-187:41", "2016-09-18T07:41"),
    ] {
        assert_eq!(parse_datetime(text).as_deref(), Some(want), "{text}");
    }
    // Not a date: a day of three digits alone, or no minute.
    assert_eq!(parse_datetime("2025-09-260711"), None);
    assert_eq!(parse_datetime("2025-09-2607"), None);
    // The day and hour must still be a day and an hour.
    assert_eq!(parse_datetime("2025-09-4507:11"), None);
    assert_eq!(parse_datetime("2025-09-2631:11"), None);
}

#[test]
fn a_section_whose_heading_was_not_read_is_placed_by_its_own_rows() {
    // PP-OCR with Tesseract's Hangul on a quadrant sheet: the heading `체성분분석` read
    // as `체서보보석` (five jamo off, past any tolerance), the column headers not at
    // all; the rows 체수분, 단백질, 무기질 are read, and are printed nowhere else.
    let mut words = vec![
        w("체서보보석", 50.0, 200.0, 100.0, 20.0),
        w("체수분", 50.0, 280.0, 50.0, 20.0),
        w("27.3", 210.0, 280.0, 30.0, 17.0),
        w("(27.0~33.0)", 190.0, 300.0, 80.0, 13.0),
        w("단백질", 50.0, 320.0, 50.0, 20.0),
        w("7.2", 210.0, 320.0, 30.0, 17.0),
        w("(7.2~8.8)", 190.0, 340.0, 80.0, 13.0),
        w("무기질", 50.0, 360.0, 50.0, 20.0),
        w("2.54", 210.0, 360.0, 30.0, 17.0),
        w("34.8", 410.0, 296.0, 36.0, 17.0),
        w("(34.7~42.3)", 390.0, 318.0, 87.0, 13.0),
        w("37.0", 515.0, 316.0, 38.0, 17.0),
        w("(36.7~44.8)", 493.0, 341.0, 87.0, 13.0),
        w("59.1", 617.0, 339.0, 33.0, 17.0),
        w("(45.0~60.8)", 592.0, 360.0, 87.0, 13.0),
        w("골격근지방분석", 50.0, 500.0, 140.0, 20.0),
    ];
    let region = section_regions(&words)["body_comp"];
    assert!(
        region.y < 280.0 - 20.0 && region.bottom() < 500.0,
        "{region:?}"
    );
    let r = parse(&words);
    assert_eq!(r.number("muscle_mass_kg"), Some(34.8));
    assert_eq!(r.fields["muscle_mass_kg"].range, Some([34.7, 42.3]));
    assert_eq!(r.number("fat_free_mass_kg"), Some(37.0));
    assert_eq!(r.number("weight_kg"), Some(59.1));
    // The section's first row unread: the region still starts above where it stood.
    let no_water: Vec<Word> = words
        .iter()
        .filter(|x| x.text != "체수분")
        .cloned()
        .collect();
    let region = section_regions(&no_water)["body_comp"];
    assert!(region.y < 280.0, "{region:?}");
    // Rows that are no column of the section place nothing: 단백질 in the right-hand
    // column is another table's.
    words[4].bbox.x = 700.0;
    words.retain(|x| x.text != "무기질");
    assert!(!section_regions(&words).contains_key("body_comp"));
}

#[test]
fn a_column_header_printed_smaller_than_its_figure_takes_the_figure_under_it() {
    // A quadrant sheet's header row in small print (15 px), the figures under it in
    // large print (33 px), the figure three header lines down.
    let words = vec![
        w("체성분분석", 50.0, 250.0, 100.0, 20.0),
        w("근육량", 433.0, 314.0, 46.0, 15.5),
        w("36.0", 435.0, 389.0, 52.0, 33.5),
        w("(35.6-43.5)", 420.0, 420.0, 94.0, 27.0),
        w("골격근지방분석", 50.0, 600.0, 140.0, 20.0),
    ];
    let r = parse(&words);
    assert_eq!(r.number("muscle_mass_kg"), Some(36.0));
    // Far below in its own print, it is not the header's.
    let mut far = words.clone();
    far[2].bbox.y = 480.0;
    far[3].bbox.y = 515.0;
    assert_eq!(parse(&far).number("muscle_mass_kg"), None);
}

#[test]
fn a_range_whose_tilde_or_brackets_were_read_as_lookalikes_is_still_a_range() {
    // A blurred tilde read as `=`; brackets read as bars or as `1`.
    assert_eq!(parse_range("(33.1=40.4)"), Some([33.1, 40.4]));
    assert_eq!(parse_range("33.1 = 40.4 )"), Some([33.1, 40.4]));
    assert_eq!(parse_range("(3.39≈4.14)"), Some([3.39, 4.14]));
    assert_eq!(parse_range("|7.3~8.9|"), Some([7.3, 8.9]));
    assert_eq!(parse_range("156.6-69.11"), Some([56.6, 69.1]));
    // A range that reads forwards as it stands keeps its ones.
    assert_eq!(parse_range("12.1~21.1"), Some([12.1, 21.1]));
    assert_eq!(parse_range("(1~9)"), Some([1.0, 9.0]));
    // Backwards with or without them: no range.
    assert_eq!(parse_range("169.1-56.61"), None);
    assert_eq!(parse_range("9=1"), None);
    // On a row: the figure keeps the range split into words under it.
    let words = vec![
        w("Total", 80.0, 331.0, 29.0, 19.0),
        w("Body", 111.0, 331.0, 27.0, 19.0),
        w("Water", 148.0, 331.0, 29.0, 19.0),
        w("42.3", 416.0, 331.0, 25.0, 21.0),
        w("33.1", 416.0, 350.0, 24.0, 18.0),
        w("=", 440.0, 350.0, 6.0, 18.0),
        w("40.4", 446.0, 350.0, 24.0, 18.0),
        w(")", 470.0, 350.0, 6.0, 18.0),
    ];
    let r = parse(&words);
    assert_eq!(r.number("total_body_water_l"), Some(42.3));
    assert_eq!(r.fields["total_body_water_l"].range, Some([33.1, 40.4]));
}
