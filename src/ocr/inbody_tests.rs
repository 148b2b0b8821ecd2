//! Tests of [`super`] (inbody.rs): kept apart so the module stays readable.

use super::*;
use crate::ocr::fields::Field as FieldId;
use crate::ocr::report::Warning;

fn w(text: &str, x: f32, y: f32, w: f32, h: f32) -> Word {
    Word::at(text, x, y, w, h)
}

fn section_regions(words: &[Word]) -> BTreeMap<&'static str, BBox> {
    sections(&Page::new(words))
}

#[test]
fn a_bare_range_read_with_a_dash_is_read_but_not_a_date_or_a_sign() {
    let level = |range: &str| {
        let words = vec![
            w("Visceral", 56.7, 1827.5, 71.0, 20.5),
            w("Fat", 132.2, 1827.5, 29.1, 20.5),
            w("Level", 165.7, 1827.5, 47.9, 20.5),
            w("10", 565.9, 1827.5, 27.1, 24.0),
            w(range, 607.0, 1830.5, 28.0, 16.0),
        ];
        parse(&words)
            .fields
            .get("visceral_fat_level")
            .and_then(|f| f.range)
    };
    assert_eq!(level("1-9"), Some([1.0, 9.0]));
    assert_eq!(level("2024-12-25"), None);
    assert_eq!(level("-9"), None);
}

#[test]
fn an_integer_range_beside_a_level_is_read_with_it() {
    let words = vec![
        w("Visceral", 56.7, 1827.5, 71.0, 20.5),
        w("Fat", 132.2, 1827.5, 29.1, 20.5),
        w("Level", 165.7, 1827.5, 47.9, 20.5),
        w("10", 565.9, 1827.5, 27.1, 24.0),
        w("1", 607.0, 1830.5, 9.0, 16.0),
        w("~", 616.0, 1830.5, 10.3, 16.0),
        w("9", 626.3, 1830.5, 9.0, 16.0),
    ];
    let r = parse(&words);
    let f = r.fields.get("visceral_fat_level");
    assert_eq!(f.map(|f| f.value.clone()), Some(Value::Number(10.0)));
    assert_eq!(f.and_then(|f| f.range), Some([1.0, 9.0]));
}

#[test]
fn a_range_the_field_cannot_take_is_no_range() {
    // The real 370S scan's waist-hip ratio range `0.75 ~ 0.85` as Tesseract read it.
    let ratio = |range: &[(&str, f32, f32)]| {
        let mut words = vec![
            w("Waist-Hip", 56.7, 1727.5, 90.0, 20.5),
            w("Ratio", 150.0, 1727.5, 50.0, 20.5),
            w("0.98", 565.9, 1727.5, 50.0, 24.0),
        ];
        words.extend(range.iter().map(|(t, x, wd)| w(t, *x, 1730.5, *wd, 16.0)));
        parse(&words).fields.get("waist_hip_ratio").cloned()
    };
    let f = ratio(&[
        ("(7", 640.0, 14.0),
        ("~", 656.0, 10.0),
        ("85)", 668.0, 20.0),
    ]);
    assert_eq!(f.as_ref().and_then(|f| f.value.as_f64()), Some(0.98));
    assert_eq!(f.and_then(|f| f.range), None);
    let f = ratio(&[
        ("(0.75", 640.0, 30.0),
        ("~", 672.0, 10.0),
        ("0.85)", 684.0, 30.0),
    ]);
    assert_eq!(f.and_then(|f| f.range), Some([0.75, 0.85]));
}

#[test]
fn the_seed_example_and_the_real_sample_are_chubby() {
    assert_eq!(body_type(24.0, 37.3, true).ko, "통통");
    assert_eq!(body_type(24.0, 37.3, true).en, "chubby");
}

#[test]
fn muscular_is_reachable_and_sex_matters() {
    assert_eq!(body_type(23.0, 8.0, false).ko, "근육형");
    assert_eq!(body_type(23.0, 15.0, true).ko, "근육형");
    assert_eq!(body_type(23.0, 19.0, false).ko, "적정");
    assert_eq!(body_type(23.0, 19.0, true).ko, "적정");
    assert_eq!(body_type(23.0, 22.0, false).ko, "통통");
    assert_eq!(body_type(23.0, 22.0, true).ko, "적정");
}

#[test]
fn a_value_on_a_cut_off_belongs_to_the_lower_band() {
    assert_eq!(body_type(25.0, 28.0, true).ko, "적정");
    assert_eq!(body_type(18.5, 18.0, true).ko, "마름");
    assert_eq!(body_type(21.75, 20.0, false).ko, "날씬");
}

#[test]
fn misread_figures_are_read_and_ranges_are_not_figures() {
    assert_eq!(parse_number("S.1S"), Some(5.15));
    assert_eq!(parse_number("$9.1"), Some(59.1));
    assert_eq!(parse_number("1,99"), Some(1.99));
    assert_eq!(parse_number("156.9cm"), Some(156.9));
    assert_eq!(parse_number("66/100점"), Some(66.0));
    assert_eq!(parse_number("-6.2"), Some(-6.2));
    assert_eq!(parse_number("1.6kg"), Some(1.6));
    assert_eq!(parse_number("(27.0~33.0)"), None);
    assert_eq!(parse_number("kg"), None);
    assert_eq!(parse_number("여성"), None);
    assert_eq!(parse_range("(27.0 ~ 33.0)"), Some([27.0, 33.0]));
    assert_eq!(parse_range("( 1~9 )"), Some([1.0, 9.0]));
    assert_eq!(parse_range("(9~1)"), None);
}

#[test]
fn a_lost_decimal_point_or_a_unit_read_as_digits_is_put_back_in_print_format() {
    assert_eq!(repair(474.0, 0, decimals("total_body_water_l")), 47.4);
    assert_eq!(repair(27.21, 2, decimals("segmental_lean_trunk_kg")), 27.2);
    assert_eq!(
        repair(1.91, 2, decimals("segmental_lean_left_arm_kg")),
        1.91
    );
    assert_eq!(repair(-62.0, 0, decimals("weight_control_kg")), -6.2);
    assert_eq!(repair(66.0, 0, decimals("inbody_score")), 66.0);
    assert_eq!(
        repair(5.0, 0, decimals("weight_kg")),
        5.0,
        "too small to be a lost point"
    );
    assert_eq!(parse_range_as("(112~137)", Some(1)), Some([11.2, 13.7]));
    assert_eq!(parse_range("(01 ~9)"), Some([1.0, 9.0]));
}

#[test]
fn dates_are_read_in_the_sheet_format() {
    assert_eq!(
        parse_datetime("2016.05.04. 09 :46").as_deref(),
        Some("2016-05-04T09:46")
    );
    assert_eq!(parse_datetime("2016.05.04").as_deref(), None);
}

#[test]
fn labels_tolerate_a_misread_jamo_but_not_another_word() {
    let t = jamo("적정체중");
    assert_eq!(levenshtein(&jamo("척정체중"), &t), 1);
    // 체지방를 is nearer to 체지방률 than to 체지방량.
    assert!(
        levenshtein(&jamo("체지방를"), &jamo("체지방률"))
            < levenshtein(&jamo("체지방를"), &jamo("체지방량"))
    );
}

#[test]
fn a_figure_right_of_its_label_is_taken_and_chart_scales_are_skipped() {
    let words = vec![
        w("골격근", 0.0, 0.0, 60.0, 20.0),
        w("지방분석", 62.0, 0.0, 80.0, 20.0),
        w("체중", 0.0, 100.0, 40.0, 20.0),
        w("55", 100.0, 95.0, 15.0, 10.0),
        w("70", 140.0, 95.0, 15.0, 10.0),
        w("85", 180.0, 95.0, 15.0, 10.0),
        w("100", 220.0, 95.0, 20.0, 10.0),
        w("59.1", 300.0, 112.0, 40.0, 18.0),
        w("체중조절", 500.0, 60.0, 80.0, 20.0),
        w("척정체중", 500.0, 100.0, 80.0, 20.0),
        w("52.9", 650.0, 100.0, 40.0, 20.0),
        w("체중조절", 500.0, 130.0, 80.0, 20.0),
        w("-", 640.0, 130.0, 8.0, 20.0),
        w("6.2", 650.0, 130.0, 30.0, 20.0),
    ];
    let r = parse(&words);
    assert_eq!(r.number("weight_kg"), Some(59.1));
    assert_eq!(r.number("target_weight_kg"), Some(52.9));
    assert_eq!(r.number("weight_control_kg"), Some(-6.2));
}

#[test]
fn a_range_whose_tilde_was_read_as_a_dash_is_still_a_range() {
    assert_eq!(parse_range("(1-9)"), Some([1.0, 9.0]));
    assert_eq!(parse_range("(0.75 — 0.85)"), Some([0.75, 0.85]));
    assert_eq!(parse_range("(1 9)"), None, "two figures need a separator");
}

#[test]
fn a_minus_read_as_a_hangul_stroke_or_a_dot_still_makes_the_figure_negative() {
    for sign in ["ㅡ", "一", "ㆍ", "—"] {
        let words = vec![
            w("체중조절", 500.0, 60.0, 80.0, 20.0),
            w("Fat", 500.0, 130.0, 30.0, 20.0),
            w("Control", 535.0, 130.0, 60.0, 20.0),
            w(sign, 640.0, 138.0, 8.0, 3.0),
            w("6.8", 652.0, 130.0, 30.0, 20.0),
        ];
        assert_eq!(parse(&words).number("fat_control_kg"), Some(-6.8), "{sign}");
    }
}

#[test]
fn a_weight_control_row_whose_label_is_garbled_is_found_by_its_place_in_the_list() {
    // 근육조절 read as the tops of its syllables: no label matches, but the list's
    // order and pitch say where its figure is.
    let words = vec![
        w("체중조절", 500.0, 60.0, 80.0, 20.0),
        w("적정체중", 500.0, 100.0, 80.0, 20.0),
        w("52.9", 650.0, 100.0, 40.0, 20.0),
        w("체중조절", 500.0, 140.0, 80.0, 20.0),
        w("-6.2", 650.0, 140.0, 40.0, 20.0),
        w("지방조절", 500.0, 180.0, 80.0, 20.0),
        w("-9.9", 650.0, 180.0, 40.0, 20.0),
        w("그", 500.0, 220.0, 18.0, 10.0),
        w("유", 520.0, 220.0, 18.0, 10.0),
        w("+3.7", 650.0, 220.0, 40.0, 20.0),
    ];
    let r = parse(&words);
    assert_eq!(r.number("muscle_control_kg"), Some(3.7));
    // Where the list has no figure, nothing is guessed.
    let r = parse(&words[..6]);
    assert_eq!(r.number("fat_control_kg"), None);
    assert_eq!(r.number("muscle_control_kg"), None);
}

#[test]
fn two_weight_control_rows_a_line_apart_place_the_two_garbled_ones() {
    // The real sample: 체중조절 read as 체증 (the weight's label) and 근육조절 cut
    // to 근육; 적정체중 and 지방조절, two rows apart, fix the pitch.
    let mut words = vec![
        w("적정체중", 500.0, 100.0, 80.0, 20.0),
        w("52.9", 650.0, 100.0, 40.0, 20.0),
        w("체증", 500.0, 125.0, 40.0, 20.0),
        w("-6.2", 650.0, 125.0, 40.0, 20.0),
        w("지방조절", 500.0, 150.0, 80.0, 20.0),
        w("-9.9", 650.0, 150.0, 40.0, 20.0),
        w("근육.", 500.0, 175.0, 40.0, 20.0),
        w("+3.7", 650.0, 175.0, 40.0, 20.0),
    ];
    let r = parse(&words);
    assert_eq!(r.number("weight_control_kg"), Some(-6.2));
    assert_eq!(r.number("muscle_control_kg"), Some(3.7));
    // Two rows far apart are not one list: no guess.
    for word in &mut words[4..] {
        word.bbox.y += 300.0;
    }
    let r = parse(&words);
    assert_eq!(r.number("muscle_control_kg"), None);
}

#[test]
fn a_chart_tick_or_a_fragment_is_not_taken_for_a_weight() {
    let words = vec![
        w("체성분분석", 0.0, 0.0, 100.0, 20.0),
        w("체중", 0.0, 100.0, 40.0, 20.0),
        w("0", 100.0, 100.0, 10.0, 20.0),
        w("59.1", 300.0, 105.0, 40.0, 20.0),
    ];
    assert_eq!(parse(&words).number("weight_kg"), Some(59.1));
}

#[test]
fn a_section_beside_another_ends_where_the_left_one_does() {
    // 부위별체지방분석 stands right of 부위별근육분석; 신체변화 below spans only the
    // left part, yet the fat figures end above it: the history's 19.7 is no leg.
    let words = vec![
        w("부위별근육분석", 50.0, 900.0, 120.0, 20.0),
        w("부위별체지방분석", 380.0, 900.0, 140.0, 20.0),
        w("신체변화", 50.0, 1290.0, 80.0, 20.0),
        w("19.7", 420.0, 1380.0, 40.0, 20.0),
    ];
    let page = Page::new(&words);
    let s = sections(&page);
    let fat = s.get("seg_fat").expect("the fat section");
    assert!(fat.bottom() < 1290.0, "{fat:?}");
}

#[test]
fn the_test_date_is_read_after_a_long_label_and_a_wide_gap() {
    let words = vec![
        w("Test", 61.0, 190.0, 40.0, 16.0),
        w("Date", 107.0, 190.0, 44.0, 16.0),
        w("/", 157.0, 189.0, 8.0, 18.0),
        w("Time", 171.0, 189.0, 45.0, 17.0),
        w("2017.10.21.", 281.0, 190.0, 110.0, 18.0),
        w("15:26", 419.0, 190.0, 50.0, 18.0),
    ];
    let r = parse(&words);
    assert_eq!(
        r.fields.get("tested_at").map(|f| f.value.clone()),
        Some(Value::Text("2017-10-21T15:26".into()))
    );
}

#[test]
fn a_heading_of_the_right_column_set_a_little_higher_bounds_the_left_section() {
    // InBody570: `Weight Control` starts the right column above `Body Composition
    // Analysis`; its `Weight Control` row must not be taken for the weight.
    let words = vec![
        w("Weight", 820.0, 234.0, 80.0, 22.0),
        w("Control", 904.0, 234.0, 90.0, 22.0),
        w("Body", 62.0, 284.0, 60.0, 26.0),
        w("Composition", 128.0, 285.0, 150.0, 25.0),
        w("Analysis", 288.0, 284.0, 100.0, 26.0),
        w("Weight", 822.0, 317.0, 60.0, 18.0),
        w("Control", 891.0, 317.0, 60.0, 18.0),
        w("-10.0", 1021.0, 317.0, 50.0, 18.0),
        w("Weight", 81.0, 578.0, 70.0, 21.0),
        w("(kg)", 159.0, 578.0, 40.0, 21.0),
        w("81.7", 521.0, 580.0, 45.0, 18.0),
    ];
    let r = parse(&words);
    assert_eq!(r.number("weight_kg"), Some(81.7));
    assert_eq!(r.number("weight_control_kg"), Some(-10.0));
}

#[test]
fn a_range_is_read_left_to_right_even_when_its_tilde_sits_a_little_lower() {
    let words = vec![
        w("Minerals", 55.0, 284.0, 55.0, 13.0),
        w("3.10", 353.6, 284.7, 32.5, 13.6),
        w("(2.80", 463.1, 285.8, 68.3, 10.8),
        w("~", 494.6, 283.6, 4.9, 18.4),
        w("3.42)", 505.4, 285.8, 26.0, 10.8),
    ];
    let r = parse(&words);
    assert_eq!(r.fields["minerals_kg"].range, Some([2.8, 3.42]));
}

#[test]
fn a_mark_before_a_figure_that_prints_no_sign_is_not_a_minus() {
    let words = vec![
        w("비만분석", 0.0, 0.0, 80.0, 20.0),
        w("체지방률", 0.0, 100.0, 80.0, 20.0),
        w("ㆍ", 288.0, 108.0, 6.0, 3.0),
        w("20.2", 300.0, 100.0, 40.0, 20.0),
    ];
    assert_eq!(parse(&words).number("percent_body_fat"), Some(20.2));
}

#[test]
fn nothing_readable_is_not_a_sheet() {
    let r = parse(&[w("hello", 0.0, 0.0, 50.0, 10.0)]);
    assert!(!r.is_inbody_sheet());
    assert_eq!(r.missing.len(), FIELDS.len());
    assert!(parse(&[]).missing.len() == FIELDS.len());
}

proptest::proptest! {
    #[test]
    fn the_parser_never_panics_on_any_words(
        words in proptest::collection::vec(
            ("\\PC{0,12}", -1e4f32..1e4, -1e4f32..1e4, 0f32..500.0, 0f32..200.0),
            0..60,
        )
    ) {
        let words: Vec<Word> = words.into_iter().map(|(t, x, y, ww, h)| w(&t, x, y, ww, h)).collect();
        let r = parse(&words);
        proptest::prop_assert_eq!(r.missing.len() + r.fields.len(), FIELDS.len());
        for region in reread_regions(&words, &r) {
            proptest::prop_assert!(region.w >= 1.0 && region.h >= 1.0, "{region:?}");
        }
        if let Some(column) = list_column(&words, &r) {
            proptest::prop_assert!(column.w >= 1.0 && column.h >= 1.0, "{column:?}");
        }
    }

    #[test]
    fn numbers_and_ranges_never_panic(s in "\\PC{0,20}") {
        let _ = nearest_label(&s);
        let _ = parse_number(&s);
        let _ = parse_range(&s);
        let _ = parse_datetime(&s);
    }
}

#[test]
fn a_long_heading_followed_by_a_misread_subtitle_is_found() {
    // `인바디점수` and its subtitle `InBody Score` in small print read as Hangul.
    let words = vec![
        w("인바디점수", 700.0, 100.0, 100.0, 20.0),
        w("니사", 805.0, 104.0, 30.0, 14.0),
        w("66/100점", 760.0, 140.0, 90.0, 40.0),
        w("체성분분석", 50.0, 100.0, 100.0, 20.0),
        w("단백질", 50.0, 150.0, 60.0, 20.0),
        w("10.2", 200.0, 150.0, 40.0, 20.0),
    ];
    let r = parse(&words);
    assert_eq!(r.number("inbody_score"), Some(66.0));
    assert!(section_regions(&words).contains_key("score"));
    // A short label keeps needing a complete match: `체중` is not `체중조절`.
    let words = vec![
        w("체중조절", 50.0, 100.0, 80.0, 20.0),
        w("-6.2", 200.0, 100.0, 40.0, 20.0),
    ];
    assert_eq!(parse(&words).number("weight_kg"), None);
}

#[test]
fn a_right_hand_column_section_starts_at_its_heading() {
    // Left column: body composition, then muscle-fat; right column: score, then
    // weight control, whose heading lies beside the left column's sections.
    let words = vec![
        w("체성분분석", 50.0, 100.0, 100.0, 20.0),
        w("인바디점수", 700.0, 100.0, 100.0, 20.0),
        w("체중조절", 700.0, 300.0, 80.0, 20.0),
        w("골격근지방분석", 50.0, 400.0, 140.0, 20.0),
        w("연구항목", 700.0, 600.0, 80.0, 20.0),
        w("x", 1000.0, 900.0, 10.0, 10.0),
    ];
    let s = section_regions(&words);
    for right in ["score", "weight_control", "research"] {
        assert!(
            s[right].x > 600.0,
            "{right} starts at its heading: {:?}",
            s[right]
        );
    }
    for left in ["body_comp", "muscle_fat"] {
        assert!(
            s[left].right() < 700.0,
            "{left} ends before the right column: {:?}",
            s[left]
        );
    }
    // The segmental figures side by side stay one beside the other.
    let words = vec![
        w("부위별근육분석", 50.0, 100.0, 140.0, 20.0),
        w("부위별체지방분석", 400.0, 100.0, 160.0, 20.0),
        w("x", 1000.0, 900.0, 10.0, 10.0),
    ];
    let s = section_regions(&words);
    assert!(
        s["seg_lean"].right() < 400.0 && s["seg_fat"].x < 400.0,
        "{s:?}"
    );
    // A chart above the segmental figures ends at the fat heading even when the
    // lean one beside it was not read.
    let words = vec![
        w("비만분석", 50.0, 100.0, 80.0, 20.0),
        w("부위별체지방분석", 400.0, 400.0, 160.0, 20.0),
        w("x", 1000.0, 900.0, 10.0, 10.0),
    ];
    let s = section_regions(&words);
    assert!(s["obesity"].bottom() <= 400.0, "{s:?}");
}

#[test]
fn rows_whose_labels_were_not_read_take_their_figures_in_order() {
    // A muscle-fat chart: labels unreadable, chart scales in small print, one
    // figure per row at the end of its bar.
    let mut words = vec![
        w("Muscle-Fat", 50.0, 100.0, 120.0, 20.0),
        w("Analysis", 180.0, 100.0, 90.0, 20.0),
        w("xq", 50.0, 150.0, 40.0, 20.0),
        w("Mane", 50.0, 200.0, 40.0, 20.0),
        w("WIV", 50.0, 250.0, 40.0, 20.0),
        w("70.1", 400.0, 158.0, 40.0, 20.0),
        w("30.2", 300.0, 208.0, 40.0, 20.0),
        w("15.3", 250.0, 258.0, 40.0, 20.0),
    ];
    for (i, y) in [145.0, 195.0, 245.0].iter().enumerate() {
        for k in 0..8 {
            let tick = format!("{}", 40 + 20 * k + i);
            words.push(w(&tick, 150.0 + 60.0 * k as f32, *y, 20.0, 10.0));
        }
    }
    let r = parse(&words);
    assert_eq!(r.number("weight_kg"), Some(70.1));
    assert_eq!(r.number("skeletal_muscle_mass_kg"), Some(30.2));
    assert_eq!(r.number("body_fat_mass_kg"), Some(15.3));
    // One row's figure missing: the order cannot be trusted, nothing is taken.
    words.retain(|x| x.text != "30.2");
    let r = parse(&words);
    assert_eq!(r.number("weight_kg"), None);
    assert_eq!(r.number("body_fat_mass_kg"), None);
}

#[test]
fn body_composition_columns_start_left_of_a_weight_column_that_was_not_read() {
    // The real sample: the table's column figures with their ranges, the weight's
    // range misread, the weight itself read in the muscle-fat chart below.
    let mut words = vec![
        w("체성분분석", 50.0, 200.0, 100.0, 20.0),
        w("단백질", 50.0, 320.0, 50.0, 20.0),
        w("7.2", 210.0, 320.0, 30.0, 17.0),
        w("(7.2~8.8)", 190.0, 340.0, 80.0, 13.0),
        w("34.8", 410.0, 296.0, 36.0, 17.0),
        w("(34.7~42.3)", 390.0, 318.0, 87.0, 13.0),
        w("37.0", 515.0, 316.0, 38.0, 17.0),
        w("(36.7~44.8)", 493.0, 341.0, 87.0, 13.0),
        w("59.1", 617.0, 339.0, 33.0, 17.0),
        w("골격근지방분석", 50.0, 500.0, 140.0, 20.0),
        w("체중", 50.0, 545.0, 32.0, 18.0),
        w("59.1", 385.0, 545.0, 35.0, 17.0),
    ];
    let r = parse(&words);
    assert_eq!(r.number("weight_kg"), Some(59.1));
    assert_eq!(r.number("fat_free_mass_kg"), Some(37.0));
    assert_eq!(r.fields["fat_free_mass_kg"].range, Some([36.7, 44.8]));
    assert_eq!(r.number("muscle_mass_kg"), Some(34.8));
    // With the weight column's range read, the columns start at the weight.
    words.push(w("(45.0~60.8)", 592.0, 360.0, 87.0, 13.0));
    let r = parse(&words);
    assert_eq!(r.fields["weight_kg"].range, Some([45.0, 60.8]));
    assert_eq!(r.number("fat_free_mass_kg"), Some(37.0));
    assert_eq!(r.number("muscle_mass_kg"), Some(34.8));
}

#[test]
fn a_body_composition_row_whose_label_was_not_read_is_found_by_the_row_pitch() {
    // The real sample: 체수분 on its grey band is never read; protein and minerals
    // are, and fix the rows' pitch; the fat mass is found in the chart below.
    let words = vec![
        w("체성분분석", 50.0, 200.0, 100.0, 20.0),
        w("27.3", 210.0, 277.0, 38.0, 18.0),
        w("(27.0~33.0)", 189.0, 297.0, 87.0, 13.0),
        w("27.3", 316.0, 283.0, 38.0, 17.0),
        w("단백질", 60.0, 323.0, 53.0, 20.0),
        w("7.2", 217.0, 320.0, 25.0, 17.0),
        w("무기질", 59.0, 366.0, 53.0, 20.0),
        w("2.54", 210.0, 362.0, 38.0, 18.0),
        w("골격근지방분석", 50.0, 480.0, 140.0, 20.0),
        w("체지방량", 60.0, 600.0, 63.0, 17.0),
        w("22.1", 385.0, 600.0, 35.0, 17.0),
    ];
    let r = parse(&words);
    assert_eq!(r.number("total_body_water_l"), Some(27.3));
    assert_eq!(r.fields["total_body_water_l"].range, Some([27.0, 33.0]));
    assert_eq!(r.number("body_fat_mass_kg"), Some(22.1));
    // Rows that are not evenly spaced are no list: nothing is taken.
    let mut uneven = words.clone();
    uneven[7].bbox.y = 400.0;
    uneven[6].bbox.y = 404.0;
    assert_eq!(parse(&uneven).number("total_body_water_l"), None);
}

#[test]
fn a_figure_taken_by_two_labels_stays_with_the_nearer_one() {
    // 570 layout, degraded: `+7.0 kg` read `TOK`, so the weight-control row's
    // nearest figure is the fat-control row's, a line lower.
    let words = vec![
        w("Weight", 557.0, 159.0, 52.0, 15.0),
        w("Control", 614.0, 158.0, 53.0, 14.0),
        w("Target", 557.0, 189.0, 39.0, 13.0),
        w("Weight", 600.0, 189.0, 44.0, 14.0),
        w("60.4", 694.0, 189.0, 27.0, 11.0),
        w("Weight", 555.0, 213.0, 47.0, 20.0),
        w("Control", 607.0, 213.0, 46.0, 20.0),
        w("TOK", 694.0, 215.0, 50.0, 13.0),
        w("Fat", 558.0, 241.0, 18.0, 11.0),
        w("Control", 580.0, 241.0, 44.0, 11.0),
        w("-3.4", 694.0, 241.0, 27.0, 11.0),
    ];
    let r = parse(&words);
    assert_eq!(r.number("fat_control_kg"), Some(-3.4));
    assert_eq!(r.number("weight_control_kg"), None, "missing, not wrong");
}

/// A report with every field found and no warning.
fn complete_report() -> Report {
    let mut report = parse(&[]);
    report.warnings.clear();
    for f in FIELDS {
        report.fields.insert(
            f.to_string(),
            Field {
                value: Value::Number(1.0),
                range: None,
            },
        );
    }
    report
}

#[test]
fn only_sections_with_missing_or_doubtful_fields_are_read_again() {
    let words = vec![
        w("체성분분석", 50.0, 100.0, 100.0, 20.0),
        w("비만분석", 50.0, 400.0, 80.0, 20.0),
        w("x", 1000.0, 900.0, 10.0, 10.0),
    ];
    let mut report = complete_report();
    assert!(
        reread_regions(&words, &report).is_empty(),
        "nothing missing"
    );
    report.fields.remove("bmi");
    let regions = reread_regions(&words, &report);
    assert_eq!(regions.len(), 1);
    assert!(regions[0].y > 300.0, "the obesity section: {regions:?}");
    report.fields.insert(
        "bmi".into(),
        Field {
            value: Value::Number(1.0),
            range: None,
        },
    );
    report.warnings.push(Warning {
        message: "weight_kg - body_fat_mass_kg = 3, but fat_free_mass_kg = 1".into(),
        fields: vec![FieldId::Weight, FieldId::BodyFatMass, FieldId::FatFreeMass],
    });
    let regions = reread_regions(&words, &report);
    assert_eq!(
        regions.len(),
        1,
        "body composition (weight, fat, fat-free): {regions:?}"
    );
    assert!(regions[0].y < 300.0);
    report.fields.remove("tested_at");
    let regions = reread_regions(&words, &report);
    assert!(
        regions.iter().any(|r| r.y == 0.0 && r.h <= 100.0),
        "the header band"
    );
    assert!(
        reread_regions(&[], &report).is_empty(),
        "no heading, no regions"
    );
}

#[test]
fn a_control_figure_whose_sign_was_lost_takes_the_sign_the_sheet_adds_up_to() {
    let list = |wc: &str, fc: &str| {
        vec![
            w("체중", 50.0, 100.0, 40.0, 20.0),
            w("59.1", 150.0, 100.0, 40.0, 20.0),
            w("체중조절", 500.0, 60.0, 80.0, 20.0),
            w("적정체중", 500.0, 100.0, 80.0, 20.0),
            w("52.9", 650.0, 100.0, 40.0, 20.0),
            w("체중조절", 500.0, 140.0, 80.0, 20.0),
            w(wc, 650.0, 140.0, 40.0, 20.0),
            w("지방조절", 500.0, 180.0, 80.0, 20.0),
            w(fc, 650.0, 180.0, 40.0, 20.0),
            w("근육조절", 500.0, 220.0, 80.0, 20.0),
            w("+3.7", 650.0, 220.0, 40.0, 20.0),
        ]
    };
    // 52.9 - 59.1 = -6.2; then -6.2 - 3.7 = -9.9.
    let r = parse(&list("6.2", "9.9"));
    assert_eq!(r.number("weight_control_kg"), Some(-6.2));
    assert_eq!(r.number("fat_control_kg"), Some(-9.9));
    assert_eq!(r.number("muscle_control_kg"), Some(3.7));
    assert!(
        ![
            FieldId::WeightControl,
            FieldId::FatControl,
            FieldId::MuscleControl
        ]
        .into_iter()
        .any(|f| r.warned(f)),
        "{:?}",
        r.warnings
    );
    // A sign that was read is never changed, even when the sheet disagrees: that is
    // a warning.
    let r = parse(&list("+6.2", "-9.9"));
    assert_eq!(r.number("weight_control_kg"), Some(6.2));
    assert!(r.warned(FieldId::WeightControl), "{:?}", r.warnings);
    // Also when the decimal point was lost with it (`+62`).
    let r = parse(&list("+62", "-9.9"));
    assert_eq!(r.number("weight_control_kg"), Some(6.2));
    // A magnitude that fits neither sign is left as read.
    let r = parse(&list("7.0", "-9.9"));
    assert_eq!(r.number("weight_control_kg"), Some(7.0));
    // Without the figures to add up, nothing is decided.
    let r = parse(&list("6.2", "9.9")[2..]);
    assert_eq!(r.number("weight_control_kg"), Some(6.2));
    assert_eq!(r.number("fat_control_kg"), Some(9.9));
}

#[test]
fn the_right_hand_column_is_read_again_only_for_a_field_it_may_print() {
    let words = vec![
        w("체성분분석", 50.0, 100.0, 100.0, 20.0),
        w("비만분석", 50.0, 400.0, 80.0, 20.0),
        w("인바디점수", 700.0, 90.0, 100.0, 20.0),
        w("연구항목", 700.0, 500.0, 80.0, 20.0),
        w("x", 1000.0, 900.0, 10.0, 10.0),
    ];
    let mut report = complete_report();
    assert_eq!(list_column(&words, &report), None, "nothing missing");
    report.fields.remove("bmi");
    assert_eq!(list_column(&words, &report), None, "bmi: the left column");
    report.fields.remove("waist_hip_ratio");
    let column = list_column(&words, &report).expect("research is on the right");
    assert!(column.x > 600.0 && column.x < 700.0, "{column:?}");
    assert!(column.y < 100.0 && column.bottom() >= 910.0, "{column:?}");
    // A section whose heading was not read at all may be in either column.
    report.fields.insert(
        "waist_hip_ratio".into(),
        Field {
            value: Value::Number(1.0),
            range: None,
        },
    );
    report.fields.remove("fat_control_kg");
    assert!(
        list_column(&words, &report).is_some(),
        "weight control unfound"
    );
    // A one-column sheet has no right-hand column.
    assert_eq!(list_column(&words[..2], &report), None);
}

#[test]
fn a_reading_is_compared_with_the_label_it_is_nearest_to() {
    assert_eq!(nearest_label("적정세중"), Some(("적정체중", 1)));
    assert_eq!(nearest_label("근육조접").map(|l| l.0), Some("근육조절"));
    assert_eq!(nearest_label("복무지방를").map(|l| l.0), Some("복부지방률"));
    assert_eq!(nearest_label("NHS"), None, "Latin is not a Korean label");
    assert_eq!(nearest_label("아태"), None);
    assert_eq!(label_distance("체중.", "체중조절"), 5);
    assert_eq!(label_distance("적 정 체중", "적정체중"), 0);
}

#[test]
fn the_test_date_below_its_label_is_read_past_a_line_beside_it() {
    // The 370S header: the date under 검사일시, and the telephone line right of it
    // starting a little lower than the label.
    let words = vec![
        w("검", 520.0, 129.0, 15.0, 18.0),
        w("사", 538.0, 126.0, 15.0, 29.0),
        w("일시", 555.0, 129.0, 30.0, 18.0),
        w("TEL:", 758.0, 143.0, 30.0, 12.0),
        w(":02-501-3939", 790.0, 142.0, 90.0, 13.0),
        w("2016.05.04.09:46", 518.0, 155.0, 130.0, 18.0),
    ];
    let r = parse(&words);
    assert_eq!(
        r.fields.get("tested_at").map(|f| &f.value),
        Some(&Value::Text("2016-05-04T09:46".into()))
    );
}

#[test]
fn a_range_beside_a_list_figure_is_its_own_whatever_is_printed_above_it() {
    // A list of rows a line apart: the row above prints a wider figure over the start
    // of this row's range, and a range of its own over the rest of it.
    let words = vec![
        w("Waist", 56.7, 1791.2, 51.4, 20.5),
        w("-", 108.1, 1791.2, 11.5, 20.5),
        w("Hip", 119.6, 1791.2, 30.7, 20.5),
        w("Ratio", 154.7, 1791.2, 46.4, 20.5),
        w("0.94", 565.9, 1791.2, 47.6, 24.0),
        w("0.80", 627.4, 1794.2, 31.6, 16.0),
        w("~", 659.0, 1794.2, 10.3, 16.0),
        w("0.90", 669.3, 1794.2, 31.6, 16.0),
        w("Visceral", 56.7, 1827.5, 71.0, 20.5),
        w("Fat", 132.2, 1827.5, 29.1, 20.5),
        w("Level", 165.7, 1827.5, 47.9, 20.5),
        w("10", 565.9, 1827.5, 27.1, 24.0),
        w("1", 607.0, 1830.5, 9.0, 16.0),
        w("~", 616.0, 1830.5, 10.3, 16.0),
        w("9", 626.3, 1830.5, 9.0, 16.0),
    ];
    let r = parse(&words);
    assert_eq!(r.fields["waist_hip_ratio"].range, Some([0.8, 0.9]));
    assert_eq!(r.number("visceral_fat_level"), Some(10.0));
    assert_eq!(r.fields["visceral_fat_level"].range, Some([1.0, 9.0]));
}

#[test]
fn a_bilingual_label_takes_the_figure_of_its_own_line_not_the_range_by_its_subtitle() {
    // 체수분 in large print with `Total Body Water` in small print under it; the figure
    // is on the Korean line, its range under it beside the subtitle.
    let words = vec![
        w("체수분", 64.0, 328.6, 50.4, 19.5),
        w("49.2", 196.0, 328.6, 43.2, 21.8),
        w("Total", 64.0, 351.3, 20.0, 8.8),
        w("Body", 85.9, 351.3, 19.7, 8.8),
        w("Water", 107.5, 351.3, 23.9, 8.8),
        w("49.3", 188.0, 355.6, 30.1, 15.2),
        w("~", 218.1, 355.6, 9.8, 15.2),
        w("60.3", 227.9, 355.6, 30.1, 15.2),
    ];
    let r = parse(&words);
    assert_eq!(r.number("total_body_water_l"), Some(49.2));
    assert_eq!(r.fields["total_body_water_l"].range, Some([49.3, 60.3]));
}

#[test]
fn a_korean_value_after_a_short_label_is_read_as_the_value() {
    // 성별 남성: the label is followed by Hangul that is its value, not more label.
    let words = vec![
        w("연령", 562.1, 111.8, 35.0, 20.3),
        w("38", 614.9, 111.8, 28.1, 23.1),
        w("성별", 686.0, 111.8, 35.0, 20.3),
        w("남성", 736.0, 111.8, 39.9, 23.1),
        w("Age", 562.1, 135.4, 15.8, 9.1),
        w("Gender", 686.0, 135.4, 29.9, 9.1),
    ];
    let r = parse(&words);
    assert_eq!(
        r.fields.get("sex").map(|f| f.value.clone()),
        Some(Value::Text("male".into()))
    );
    assert_eq!(r.number("age"), Some(38.0));
}
