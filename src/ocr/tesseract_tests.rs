//! Tests of [`super`] (tesseract.rs): kept apart so the module stays readable.

use super::*;

#[test]
fn tsv_word_rows_become_words_and_everything_else_is_skipped() {
    let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
               1\t1\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t\n\
               5\t1\t1\t1\t1\t1\t10\t20\t30\t12\t91.5\t체중\n\
               5\t1\t1\t1\t1\t2\t50\t20\t30\t12\t-1\t \n\
               5\t1\t1\t1\t1\t3\tx\t20\t30\t12\t90\tbad\n\
               5\t1\t1";
    let words = parse_tsv(tsv);
    assert_eq!(words.len(), 1);
    assert_eq!(words[0].text, "체중");
    assert_eq!(words[0].bbox.x, 10.0);
    assert_eq!(words[0].confidence, Some(91.5));
}

fn word(text: &str, x: f32, y: f32, w: f32) -> Word {
    Word::at(text, x, y, w, 20.0)
}

/// A stand-in `tesseract` that records how many of its kind run at once.
fn counting_tesseract(dir: &std::path::Path) -> String {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("tesseract");
    let script = format!(
        "#!/bin/sh\ncat >/dev/null\nmkdir {d}/run.$$\nls -d {d}/run.* | wc -l >> {d}/counts\nsleep 0.3\nrmdir {d}/run.$$\n",
        d = dir.display()
    );
    std::fs::write(&bin, script).expect("write the stand-in");
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    bin.display().to_string()
}

#[tokio::test]
async fn no_more_children_run_at_once_than_the_engine_has_slots() {
    let dir = std::env::temp_dir().join(format!("tess-slots-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let engine = Tesseract::new(&OcrConfig {
        tesseract_bin: counting_tesseract(&dir),
        timeout_ms: 30_000,
        ..OcrConfig::default()
    });
    let page = GrayImage::from_fn(400, 600, |_, y| {
        image::Luma([if y % 40 < 8 { 0 } else { 255 }])
    });
    // Two sheets at once: every first look wants strips + 1 children.
    let (a, b) = tokio::join!(engine.recognize_grey(&page), engine.recognize_grey(&page));
    assert!(a.is_ok() && b.is_ok(), "{a:?} {b:?}");
    let counts = std::fs::read_to_string(dir.join("counts")).expect("the stand-in ran");
    let max = counts
        .lines()
        .filter_map(|l| l.trim().parse::<usize>().ok())
        .max();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        counts.lines().count() >= 2 * (engine.strips + 1),
        "{counts}"
    );
    assert!(
        max.is_some_and(|m| m <= engine.strips),
        "at most {} at once: {counts}",
        engine.strips
    );
}

#[test]
fn the_figure_pass_replaces_misread_figures_but_keeps_labels_and_longer_reads() {
    let labels = vec![
        word("체중", 0.0, 0.0, 40.0),
        word("$9.1", 100.0, 0.0, 40.0),
        word("51", 200.0, 0.0, 20.0),
        word("4.4kg", 300.0, 0.0, 50.0),
    ];
    let figures = vec![
        // A label read as digits: dropped.
        word("7", 5.0, 0.0, 30.0),
        word("59.1", 101.0, 0.0, 40.0),
        // Shorter than the label pass's read: the label pass's stays.
        word("1", 210.0, 0.0, 10.0),
        // A clean read with its unit turned into a digit: the label pass's stays.
        word("44.9", 300.0, 0.0, 40.0),
        // A figure the label pass missed.
        word("12", 400.0, 0.0, 20.0),
    ];
    let texts: Vec<String> = merge_figures(labels, figures)
        .into_iter()
        .map(|w| w.text)
        .collect();
    assert_eq!(texts, ["체중", "51", "4.4kg", "59.1", "12"]);
}

#[test]
fn the_child_the_sheet_waits_for_runs_ahead_and_even_work_runs_evenly() {
    // A strip of tables (1.7), a strip of charts and paper (0.5), the figure pass
    // (1.1) on two cores: the tables go first.
    assert_eq!(behind(&[1.7, 0.5, 1.1], 2), [false, true, true]);
    // Even strips: nobody waits on one child, all share.
    assert_eq!(behind(&[0.8, 0.9, 1.1], 2), [false, false, false]);
    // Four strips and the figure pass on a Pi's four cores: the figure pass goes
    // first.
    assert_eq!(
        behind(&[0.45, 0.45, 0.45, 0.45, 1.0], 4),
        [true, true, true, true, false]
    );
    // One core, or nothing to run: nobody is held back.
    assert_eq!(behind(&[1.7, 0.5], 1), [false, false]);
    assert!(behind(&[], 2).is_empty());
}

#[test]
fn strokes_count_print_not_ink() {
    // Row 0: a solid bar; row 1: four letters' strokes; row 2: paper.
    let page = GrayImage::from_fn(40, 3, |x, y| {
        image::Luma([match y {
            0 if (5..35).contains(&x) => 0,
            1 if x % 10 < 3 && x > 0 => 0,
            _ => 255,
        }])
    });
    assert_eq!(stroke_rows(&page), [1, 4, 0]);
}

#[test]
fn strips_are_cut_at_blank_rows() {
    let page = GrayImage::from_fn(100, 1000, |_, y| {
        image::Luma([if (y / 20) % 2 == 0 && y != 500 {
            0
        } else {
            255
        }])
    });
    let cuts = strip_cuts(&page, 2);
    assert_eq!(cuts.len(), 3);
    assert_eq!(page.get_pixel(0, cuts[1])[0], 255, "cut on paper, not ink");
}

#[test]
fn strips_are_cut_in_the_widest_blank_band_not_between_list_lines() {
    // A list of lines 12 rows apart around the even split (500), and a 60-row
    // blank band between sections further away (y 640..700).
    let page = GrayImage::from_fn(400, 1000, |_, y| {
        let in_list = (380..640).contains(&y) && y % 12 < 8;
        let elsewhere = !(380..700).contains(&y) && y % 30 < 20;
        image::Luma([if in_list || elsewhere { 0 } else { 255 }])
    });
    let cuts = strip_cuts(&page, 2);
    assert_eq!(cuts.len(), 3);
    assert!(
        (655..=685).contains(&cuts[1]),
        "cut in the middle of the wide band, not between list lines: {cuts:?}"
    );
}

#[test]
fn a_faint_shadow_does_not_hide_a_blank_band() {
    // Every row holds a little ink (a table border), so no row is perfectly
    // clean; the wide band still wins.
    let page = GrayImage::from_fn(400, 1000, |x, y| {
        let text = !(560..620).contains(&y) && y % 14 < 9 && x > 10;
        image::Luma([if text || x < 1 { 0 } else { 255 }])
    });
    let cuts = strip_cuts(&page, 2);
    assert!((575..=605).contains(&cuts[1]), "{cuts:?}");
}

fn boxed(text: &str, x: f32, y: f32, w: f32, h: f32) -> Word {
    Word::at(text, x, y, w, h)
}

#[test]
fn look_alikes_are_read_as_the_figures_they_are() {
    let f = |s: &str| figure_lookalikes(s);
    assert_eq!(f("$9.1").as_deref(), Some("59.1"));
    assert_eq!(f("S.1S").as_deref(), Some("5.15"));
    assert_eq!(f("(Q7$~OS8S)").as_deref(), Some("(075~0585)"));
    assert_eq!(f("1.6kg").as_deref(), Some("1.6"));
    assert_eq!(f("156.9¢m").as_deref(), Some("156.9"));
    assert_eq!(f("“50").as_deref(), Some("50"));
    assert_eq!(f("Weight"), None, "a word without a digit is no figure");
    assert_eq!(f("SOS"), None, "look-alikes alone are no figure");
    assert_eq!(f("XB2AY"), None, "letters that are no look-alike");
}

#[test]
fn the_closer_look_repairs_misreads_and_fills_gaps_but_does_not_overrule() {
    let first = vec![
        boxed("체수분", 0.0, 0.0, 60.0, 20.0),
        // Read without its first digit: the closer look's longer read replaces it.
        boxed("7.3", 110.0, 0.0, 30.0, 20.0),
        // A clean figure: a shorter closer read does not replace it.
        boxed("37.0", 200.0, 0.0, 40.0, 20.0),
        // A blob over two lines (a Hangul misread of a figure and its range).
        boxed("스오", 300.0, 0.0, 80.0, 45.0),
        // Garbage of the first look.
        boxed("ow", 400.0, 0.0, 30.0, 20.0),
        boxed("1170", 700.0, 0.0, 50.0, 20.0),
        boxed("2.5", 800.0, 0.0, 30.0, 20.0),
        boxed("9.9", 900.0, 0.0, 30.0, 20.0),
        // A lost decimal point (and a stray sign).
        boxed("+554", 1300.0, 0.0, 40.0, 20.0),
        // Clean reads the closer look spoils with the unit read as a 9.
        boxed("-7.2", 1400.0, 0.0, 40.0, 20.0),
        boxed("+26kg", 1500.0, 0.0, 50.0, 20.0),
        boxed("골", 1000.0, 0.0, 25.0, 20.0),
        boxed("격", 1030.0, 0.0, 25.0, 20.0),
        boxed("근", 1060.0, 0.0, 25.0, 20.0),
        // A unit read as one: the closer look reads it `(9)`, a figure it is not.
        boxed("(kg)", 1600.0, 0.0, 30.0, 20.0),
    ];
    let closer = vec![
        boxed("(9)", 1602.0, 0.0, 26.0, 20.0),
        boxed("27.3", 100.0, 0.0, 40.0, 20.0),
        boxed("3.0", 205.0, 0.0, 30.0, 20.0),
        boxed("7.2", 305.0, 0.0, 30.0, 20.0),
        boxed("$2.9", 400.0, 0.0, 40.0, 20.0),
        // On the label: a label read as digits.
        boxed("44", 5.0, 0.0, 50.0, 20.0),
        // A lone `~` fills a gap only.
        boxed("~", 500.0, 5.0, 10.0, 4.0),
        boxed("~", 210.0, 5.0, 10.0, 4.0),
        boxed("kg", 600.0, 0.0, 20.0, 20.0),
        // A heading read syllable by syllable, read again as one row of digits.
        boxed("845188", 1000.0, 0.0, 100.0, 20.0),
        // A unit read as a look-alike digit does not extend a clean figure...
        boxed("1170l", 700.0, 0.0, 60.0, 20.0),
        // ...printed digits do.
        boxed("2.54", 800.0, 0.0, 40.0, 20.0),
        // A sign the first look lost.
        boxed("-9.9", 895.0, 0.0, 38.0, 20.0),
        // A digit of a range's small print read alone: a fragment, not a figure.
        boxed("2", 1200.0, 0.0, 8.0, 6.0),
        boxed("2.54", 1300.0, 0.0, 40.0, 20.0),
        boxed("-729", 1400.0, 0.0, 50.0, 20.0),
        boxed("+269", 1500.0, 0.0, 50.0, 20.0),
    ];
    let mut texts: Vec<String> = merge_reread(first, closer)
        .into_iter()
        .map(|w| w.text)
        .collect();
    texts.sort();
    assert_eq!(
        texts,
        [
            "(kg)",
            "+26kg",
            "-7.2",
            "-9.9",
            "1170",
            "2.54",
            "2.54",
            "27.3",
            "37.0",
            "52.9",
            "7.2",
            "~",
            "격",
            "골",
            "근",
            "체수분"
        ]
    );
}

#[test]
fn a_column_read_line_by_line_replaces_garbled_labels_but_not_good_ones() {
    let page = vec![
        // The weight-control rows as the whole page's pass read them.
        boxed("NHS", 725.0, 771.0, 62.0, 18.0),
        boxed("$2.9", 889.0, 770.0, 56.0, 18.0),
        boxed("체중.", 725.0, 793.0, 31.0, 18.0),
        boxed("지방.", 725.0, 816.0, 31.0, 18.0),
        boxed("9.9", 897.0, 818.0, 48.0, 17.0),
        // Read right by the page, worse by the column.
        boxed("기초대사량", 725.0, 1100.0, 90.0, 18.0),
    ];
    let column = vec![
        boxed("적", 722.0, 768.0, 22.0, 27.0),
        boxed("정", 743.0, 771.0, 18.0, 18.0),
        boxed("체중", 761.0, 768.0, 29.0, 27.0),
        boxed("$2.9", 888.0, 770.0, 56.0, 18.0),
        boxed("ke", 928.0, 765.0, 18.0, 27.0),
        boxed("체", 725.0, 793.0, 19.0, 18.0),
        boxed("중", 743.0, 790.0, 15.0, 26.0),
        boxed("조절", 758.0, 793.0, 28.0, 17.0),
        boxed("지", 725.0, 816.0, 17.0, 18.0),
        boxed("방", 741.0, 808.0, 18.0, 31.0),
        boxed("조절", 759.0, 816.0, 27.0, 17.0),
        boxed("-9.9", 886.0, 817.0, 58.0, 17.0),
        // A label followed by a misread subtitle on its line.
        boxed("비", 726.0, 868.0, 16.0, 18.0),
        boxed("안", 748.0, 868.0, 13.0, 19.0),
        boxed("평가", 766.0, 868.0, 31.0, 19.0),
        boxed("아태", 817.0, 876.0, 70.0, 11.0),
        boxed("기초대사랑의", 725.0, 1100.0, 110.0, 18.0),
        // No label at all.
        boxed("임피", 725.0, 1300.0, 40.0, 18.0),
    ];
    let merged = merge_lines(page, column);
    let text_at = |y: f32| {
        let mut row: Vec<&Word> = merged
            .iter()
            .filter(|w| (w.bbox.cy() - y).abs() < 8.0)
            .collect();
        row.sort_by(|a, b| a.bbox.x.total_cmp(&b.bbox.x));
        row.iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(text_at(780.0), "적 정 체중 52.9");
    assert_eq!(text_at(802.0), "체 중 조절");
    assert_eq!(text_at(825.0), "지 방 조절 -9.9");
    assert_eq!(text_at(877.0), "비 안 평가");
    assert_eq!(text_at(1109.0), "기초대사량");
    assert_eq!(text_at(1309.0), "", "no label, nothing taken");
}

#[test]
fn only_ranges_not_read_whole_are_read_again_and_only_whole_reads_are_taken() {
    // (A figure glued to a range keeps its figure when the range is replaced.)
    let page = vec![
        // Read whole: no spot.
        boxed("(27.0~33.0)", 189.0, 291.0, 87.0, 14.0),
        // In pieces (the real sample's minerals), and a lone closing piece.
        boxed("(249", 190.0, 383.0, 35.0, 13.0),
        boxed("805)", 245.0, 383.0, 32.0, 13.0),
        boxed("53)", 241.0, 339.0, 36.0, 14.0),
        // A unit and a unit misread are no range.
        boxed("(kg/m2)", 126.0, 808.0, 74.0, 21.0),
        boxed("(9", 1052.0, 553.0, 21.0, 20.0),
        boxed("2.54", 211.0, 363.0, 36.0, 16.0),
        // A figure glued to its range, the range misread.
        boxed("098(7S~085)", 889.0, 1162.0, 148.0, 18.0),
    ];
    let spots = range_spots(&page);
    assert_eq!(spots.len(), 3, "{spots:?}");
    let minerals = spots
        .iter()
        .find(|(b, _)| b.y < 383.0 && b.bottom() > 396.0)
        .expect("the minerals line")
        .0;
    assert!(
        minerals.x < 190.0 && minerals.right() > 277.0,
        "{minerals:?}"
    );
    assert!(minerals.y > 363.0, "not the figure above: {minerals:?}");
    let reread = vec![
        boxed("8(249~3.05)", 180.0, 382.0, 110.0, 15.0),
        boxed("(0.75~0.85)", 960.0, 1164.0, 77.0, 16.0),
        // The protein line read in pieces again: not taken.
        boxed("(72~", 190.0, 339.0, 40.0, 14.0),
    ];
    let merged = merge_ranges(page, &spots, &[reread]);
    let mut texts: Vec<&str> = merged.iter().map(|w| w.text.as_str()).collect();
    texts.sort();
    assert_eq!(
        texts,
        [
            "(0.75~0.85)",
            "(249~3.05)",
            "(27.0~33.0)",
            "(9",
            "(kg/m2)",
            "098",
            "2.54",
            "53)"
        ]
    );
    let figure = merged.iter().find(|w| w.text == "098").expect("kept");
    assert!(figure.bbox.right() < 960.0, "{figure:?}");
    assert!(is_whole_range("(0.75~0.85)") && is_whole_range("(1-9)"));
    assert!(!is_whole_range("(7~089") && !is_whole_range("(~0.89)") && !is_whole_range("("));
}

#[test]
fn a_figure_is_looked_for_over_a_table_range_only_where_none_was_read() {
    let page = vec![
        // The real sample's body composition column: 2.54 over its range, and
        // 22.1 not read over (10.6~16.9).
        boxed("2.54", 211.0, 363.0, 36.0, 16.0),
        boxed("(2.49~3.05)", 189.0, 383.0, 87.0, 14.0),
        boxed("(10.6~16.9)", 189.0, 427.0, 87.0, 14.0),
        // A list: the figure beside its range.
        boxed("0.98", 889.0, 1162.0, 35.0, 15.0),
        boxed("(0.75~0.85)", 960.0, 1164.0, 77.0, 16.0),
        // A list row whose figure was not read: over its range is the line
        // before, not its figure.
        boxed("(1~9)", 975.0, 1188.0, 40.0, 13.0),
        boxed("(0.70~0.90)", 960.0, 1170.0, 77.0, 13.0),
    ];
    let spots = figure_spots(&page);
    assert_eq!(spots.len(), 1, "{spots:?}");
    let (spot, h) = spots[0];
    // Where 22.1 is printed (y 405..423), under the range above.
    assert!(spot.y <= 405.0 && spot.bottom() >= 423.0 && spot.bottom() <= 427.0);
    assert!(spot.y >= 397.0, "clear of the range above: {spot:?}");
    assert!(h > 14.0);
    let read = vec![boxed("22.1", 210.0, 406.0, 36.0, 17.0)];
    let merged = merge_reread(page, read);
    assert!(merged.iter().any(|w| w.text == "22.1"));
    assert!(figure_spots(&merged).is_empty(), "found: no more spot");
}

#[test]
fn a_range_that_lost_a_decimal_point_is_read_again_at_each_size_and_the_best_taken() {
    assert!(is_clean_range("(36.7~44.8)") && is_clean_range("(1~9)"));
    assert!(is_clean_range("(0.75~0.85)") && is_clean_range("(4.29~5.25)"));
    // Whole, but a point was lost: the bounds differ in format, or one has a
    // leading zero before a digit.
    assert!(is_whole_range("(36.7~443)") && !is_clean_range("(36.7~443)"));
    assert!(is_whole_range("(7~089)") && !is_clean_range("(7~089)"));
    assert!(!is_clean_range("(7~08"));

    let page = vec![
        boxed("37.0", 500.0, 320.0, 40.0, 17.0),
        boxed("(36.7~443)", 493.0, 341.0, 87.0, 15.0),
        boxed("12", 907.0, 1184.0, 16.0, 16.0),
        boxed("~9)", 985.0, 1189.0, 25.0, 12.0),
    ];
    let spots = range_spots(&page);
    assert_eq!(
        spots.len(),
        2,
        "the unclean range and the one in pieces: {spots:?}"
    );
    let large = vec![
        boxed("(367~443)", 493.0, 341.0, 87.0, 15.0),
        // The figure beside the range is read with it.
        boxed("12", 907.0, 1184.0, 16.0, 16.0),
        boxed("(1~9)", 975.0, 1188.0, 40.0, 13.0),
    ];
    let smaller = vec![
        boxed("(36.7~44.8)", 493.0, 341.0, 87.0, 15.0),
        boxed("(1~9)", 976.0, 1188.0, 40.0, 13.0),
    ];
    let merged = merge_ranges(page, &spots, &[large, smaller]);
    let ffm = merged
        .iter()
        .find(|w| w.text.starts_with("(36"))
        .expect("a range");
    assert_eq!(ffm.text, "(36.7~44.8)", "more decimal points win");
    let visceral = merged
        .iter()
        .find(|w| w.text.contains("~9"))
        .expect("a range");
    assert_eq!(visceral.text, "(1~9)");
    // A tie goes to the first reading; its box is the range's, not the figure's.
    assert_eq!(visceral.bbox.x, 975.0, "{visceral:?}");
    assert_eq!(merged.iter().filter(|w| w.text == "12").count(), 1);
}

#[test]
fn mosaic_words_map_back_to_the_page() {
    let page = GrayImage::from_pixel(400, 300, image::Luma([255]));
    let regions = [
        BBox {
            x: 10.0,
            y: 20.0,
            w: 100.0,
            h: 50.0,
        },
        BBox {
            x: 200.0,
            y: 150.0,
            w: 80.0,
            h: 40.0,
        },
    ];
    let sheets = mosaics(&page, &regions, 2.0, 10.0, 1).0;
    assert_eq!(sheets.len(), 1, "one sheet for one core");
    let m = &sheets[0];
    assert_eq!(m.placed.len(), 2);
    // Stacked with a gap around and between them, at twice the size.
    assert_eq!(m.image.width(), 200 + 2 * MOSAIC_GAP);
    assert_eq!(m.image.height(), 100 + 80 + 3 * MOSAIC_GAP);
    for (region, top, h) in &m.placed {
        // A word 10 px into the region at the mosaic's scale.
        let word = boxed(
            "12.5",
            MOSAIC_GAP as f32 + 20.0,
            *top as f32 + 20.0,
            40.0,
            20.0,
        );
        let back = m.to_page(vec![word]);
        assert_eq!(back.len(), 1);
        let b = back[0].bbox;
        assert_eq!(
            (b.x, b.y, b.w, b.h),
            (region.x + 10.0, region.y + 10.0, 20.0, 10.0)
        );
        assert_eq!(*h, (region.h * 2.0) as u32);
    }
    // A word in the gap between regions belongs to none.
    let gap = boxed("9", 50.0, 2.0, 10.0, 10.0);
    assert!(m.to_page(vec![gap]).is_empty());
    // Two cores: two sheets, the larger region first.
    let two = mosaics(&page, &regions, 2.0, 10.0, 2).0;
    assert_eq!(two.len(), 2);
    assert_eq!(two[0].placed[0].0, regions[0]);
}

#[test]
fn closer_regions_are_binarised_and_their_bars_erased() {
    // A grey panel (225) with a bar (ink 40, 200 px) and a glyph after it.
    let page = GrayImage::from_fn(300, 60, |x, y| {
        let bar = (20..30).contains(&y) && (10..210).contains(&x);
        let glyph = (15..35).contains(&y) && (220..232).contains(&x);
        image::Luma([if bar || glyph { 40 } else { 225 }])
    });
    let region = [BBox {
        x: 0.0,
        y: 0.0,
        w: 300.0,
        h: 60.0,
    }];
    let m = &mosaics(&page, &region, 1.0, 20.0, 1).0[0];
    let p = |x: u32, y: u32| m.image.get_pixel(x + MOSAIC_GAP, y + MOSAIC_GAP)[0];
    assert_eq!(p(100, 25), 255, "bar erased");
    assert_eq!(p(5, 5), 255, "grey panel turned white");
    assert_eq!(p(226, 25), 0, "glyph kept, black");
}

#[test]
fn a_bold_print_is_cut_darker_than_a_faint_one() {
    // Bold: a black core with a grey halo as wide; faint: grey strokes only.
    let bold = GrayImage::from_fn(100, 10, |x, _| {
        image::Luma([match x % 10 {
            0..=1 => 20,
            2..=3 => 170,
            _ => 250,
        }])
    });
    let faint = GrayImage::from_fn(100, 10, |x, _| {
        image::Luma([if x % 10 < 3 { 160 } else { 250 }])
    });
    assert_eq!(ink_cut(&bold), 140);
    assert_eq!(ink_cut(&faint), 200);
    assert_eq!(
        ink_cut(&GrayImage::from_pixel(10, 10, image::Luma([255]))),
        200
    );
    // The light reading of a bold print keeps its halo; a faint print, read at
    // 200 already, is not read twice.
    let mut page = GrayImage::from_pixel(300, 40, image::Luma([255]));
    image::imageops::replace(&mut page, &bold, 0, 0);
    image::imageops::replace(&mut page, &faint, 200, 0);
    let regions = [
        BBox {
            x: 0.0,
            y: 0.0,
            w: 100.0,
            h: 10.0,
        },
        BBox {
            x: 200.0,
            y: 0.0,
            w: 100.0,
            h: 10.0,
        },
    ];
    let ink = |m: &Mosaic| m.image.pixels().filter(|p| p[0] == 0).count();
    let (dark, light) = mosaics(&page, &regions, 1.0, 20.0, 1);
    assert_eq!(light.len(), 1);
    assert_eq!(light[0].placed.len(), 1, "only the bold region");
    assert_eq!(light[0].placed[0].0, regions[0]);
    assert_eq!(dark[0].placed.len(), 2, "both regions");
    assert_eq!(
        ink(&dark[0]),
        200 + 300,
        "the bold one's cores, the faint strokes"
    );
    assert_eq!(ink(&light[0]), 400, "cores and halo");
}

proptest::proptest! {
    #[test]
    fn look_alikes_yield_only_figure_characters(s in "\\PC{0,16}") {
        if let Some(t) = figure_lookalikes(&s) {
            proptest::prop_assert!(t.chars().all(|c| FIGURE_CHARS.contains(c)), "{t}");
            proptest::prop_assert!(t.chars().any(|c| c.is_ascii_digit()));
        }
    }

    #[test]
    fn merging_and_stacking_any_words_never_panics(
        first in proptest::collection::vec(
            ("\\PC{0,8}", -1e4f32..1e4, -1e4f32..1e4, 0f32..500.0, 0f32..200.0), 0..30),
        closer in proptest::collection::vec(
            ("[0-9$S.~()]{0,6}", -1e4f32..1e4, -1e4f32..1e4, 0f32..500.0, 0f32..200.0), 0..30),
        regions in proptest::collection::vec(
            (-1e3f32..1e4, -1e3f32..1e4, -10f32..2e3, -10f32..2e3), 0..6),
        scale in 0.5f32..3.0,
    ) {
        let to_words = |v: Vec<(String, f32, f32, f32, f32)>| -> Vec<Word> {
            v.into_iter().map(|(t, x, y, w, h)| Word::at(&t, x, y, w, h)).collect()
        };
        let n_first = first.len();
        let merged = merge_reread(to_words(first.clone()), to_words(closer.clone()));
        let _ = merge_lines(to_words(first.clone()), to_words(closer.clone()));
        let spots = range_spots(&to_words(first.clone()));
        let _ = merge_ranges(to_words(first.clone()), &spots, &[to_words(closer)]);
        for (spot, h) in figure_spots(&to_words(first)) {
            proptest::prop_assert!(spot.w.is_finite() && spot.h.is_finite() && h.is_finite());
        }
        // Every word that came in is still there or replaced by a closer one.
        proptest::prop_assert!(merged.len() <= n_first + 30);
        let page = GrayImage::from_pixel(300, 200, image::Luma([255]));
        let regions: Vec<BBox> = regions
            .into_iter()
            .map(|(x, y, w, h)| BBox { x, y, w, h })
            .chain([BBox { x: f32::NAN, y: 0.0, w: 10.0, h: 10.0 }])
            .collect();
        let (dark, light) = mosaics(&page, &regions, scale, 20.0, 2);
        for m in dark.iter().chain(&light) {
            proptest::prop_assert!(m.image.width() > 0 && m.image.height() > 0);
            proptest::prop_assert!(m.placed.iter().all(|(r, _, _)| r.x >= 0.0 && r.right() <= 300.0));
        }
    }
}

#[tokio::test]
async fn a_later_look_past_the_budget_is_not_started_and_one_that_overruns_it_is_cut() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let started = AtomicBool::new(false);
    let spent = Some(Instant::now());
    let read: Vec<Word> = later("test", spent, async {
        started.store(true, Ordering::SeqCst);
        Ok(vec![word("1.5", 0.0, 0.0, 30.0)])
    })
    .await;
    assert!(read.is_empty());
    assert!(
        !started.load(Ordering::SeqCst),
        "a look past the budget never starts"
    );

    let soon = Some(Instant::now() + Duration::from_millis(50));
    let t0 = std::time::Instant::now();
    let read: Vec<Word> = later("test", soon, async {
        tokio::time::sleep(Duration::from_secs(30)).await;
        Ok(vec![word("1.5", 0.0, 0.0, 30.0)])
    })
    .await;
    assert!(read.is_empty());
    assert!(
        t0.elapsed() < Duration::from_secs(10),
        "cut at the deadline"
    );

    let read: Vec<Word> = later("test", None, async {
        Ok(vec![word("1.5", 0.0, 0.0, 30.0)])
    })
    .await;
    assert_eq!(read.len(), 1, "no budget: the look runs to its end");
}
