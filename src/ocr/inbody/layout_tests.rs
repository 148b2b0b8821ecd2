//! Tests of the page's structure on small word lists of varied shapes.

use super::*;

fn w(text: &str, x: f32, y: f32, width: f32, h: f32) -> Word {
    Word::at(text, x, y, width, h)
}

/// Words on one line from `x`, each as wide as its text, one space apart.
fn line(texts: &[&str], x: f32, y: f32, h: f32) -> Vec<Word> {
    let mut out = Vec::new();
    let mut x = x;
    for t in texts {
        let width = 0.55 * h * t.chars().count() as f32;
        out.push(w(t, x, y, width, h));
        x += width + 0.3 * h;
    }
    out
}

fn fig(value: f64, decimals: usize, unit: Option<&'static str>) -> Token {
    Token::Figure {
        value,
        decimals,
        unit,
    }
}

#[test]
fn words_become_lines_and_phrases_split_at_column_gaps() {
    let mut words = line(&["체수분", "Total", "Body", "Water"], 10.0, 100.0, 20.0);
    words.extend(line(&["27.3", "L"], 400.0, 102.0, 22.0));
    words.extend(line(&["단백질"], 10.0, 140.0, 20.0));
    words.extend(line(&["7.2kg"], 400.0, 141.0, 22.0));
    let layout = Layout::new(&words);
    assert_eq!(layout.lines.len(), 2);
    let texts: Vec<&str> = layout.phrases.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(
        texts,
        ["체수분 Total Body Water", "27.3 L", "단백질", "7.2kg"]
    );
    assert_eq!(layout.line_of(&words[4].bbox), Some(0));
}

#[test]
fn a_bilingual_label_with_its_english_under_it_is_two_lines() {
    let mut words = line(&["체중"], 10.0, 100.0, 24.0);
    words.extend(line(&["Weight"], 10.0, 126.0, 12.0));
    words.extend(line(&["51.7", "kg"], 300.0, 100.0, 24.0));
    let layout = Layout::new(&words);
    assert_eq!(layout.lines.len(), 2);
    assert_eq!(layout.lines[0].words.len(), 3);
}

#[test]
fn figures_keep_their_unit_glued_or_apart_and_their_sign() {
    assert_eq!(tokens("51.7kg"), [fig(51.7, 1, Some("kg"))]);
    assert_eq!(tokens("51.7 kg"), [fig(51.7, 1, Some("kg"))]);
    assert_eq!(tokens("-7.4kg"), [fig(-7.4, 1, Some("kg"))]);
    assert_eq!(tokens("27.3 L"), [fig(27.3, 1, Some("L"))]);
    assert_eq!(tokens("1688 kcal"), [fig(1688.0, 0, Some("kcal"))]);
    assert_eq!(tokens("0.98"), [fig(0.98, 2, None)]);
    assert_eq!(tokens("표준 이상"), [Token::Text, Token::Text]);
}

#[test]
fn ranges_are_read_in_every_form_they_are_printed_and_read_in() {
    let r = |a: f64, b: f64| vec![Token::Range([a, b])];
    assert_eq!(tokens("(27.0~33.0)"), r(27.0, 33.0));
    assert_eq!(tokens("( 27.0 ~ 33.0 )"), r(27.0, 33.0));
    assert_eq!(tokens("(27.0-33.0)"), r(27.0, 33.0));
    assert_eq!(tokens("27.0~33.0)"), r(27.0, 33.0));
    assert_eq!(tokens("(27.0~33.0"), r(27.0, 33.0));
    assert_eq!(tokens("27.0 ~ 33.0"), r(27.0, 33.0));
    assert_eq!(tokens("1 ~ 9"), r(1.0, 9.0));
    // A figure, then its range beside it.
    assert_eq!(
        tokens("59.1kg (45.0~60.8)"),
        [fig(59.1, 1, Some("kg")), Token::Range([45.0, 60.8])]
    );
}

#[test]
fn a_kg_in_brackets_beside_a_percent_of_standard_is_its_own_token() {
    assert_eq!(
        tokens("(1.5kg) 178.0%"),
        [
            Token::BracketKg {
                value: 1.5,
                decimals: 1
            },
            fig(178.0, 1, Some("%"))
        ]
    );
    assert_eq!(
        tokens("( 1.5 kg) 178.0 %"),
        [
            Token::BracketKg {
                value: 1.5,
                decimals: 1
            },
            fig(178.0, 1, Some("%"))
        ]
    );
}

#[test]
fn a_bracketed_kg_whose_unit_was_misread_is_still_a_kg() {
    let kg = |value: f64, decimals: usize| vec![Token::BracketKg { value, decimals }];
    assert_eq!(tokens("(1.1(9)"), kg(1.1, 1));
    assert_eq!(tokens("(8.0<0)"), kg(8.0, 1));
    // The unit read as digits: the print format trims them later.
    assert_eq!(tokens("(2.010)"), kg(2.01, 3));
    assert_ne!(tokens("(12)"), kg(12.0, 0));
}

#[test]
fn a_score_is_read_as_one_figure_whether_its_hundred_is_glued_or_apart() {
    assert_eq!(tokens("79/100점"), [Token::Score(79.0)]);
    assert_eq!(tokens("59 /100 Points"), [Token::Score(59.0), Token::Text]);
    assert_eq!(tokens("66/100"), [Token::Score(66.0)]);
}

#[test]
fn aligned_boxes_are_one_column() {
    let boxes = [
        BBox {
            x: 100.0,
            y: 0.0,
            w: 40.0,
            h: 20.0,
        },
        BBox {
            x: 300.0,
            y: 0.0,
            w: 40.0,
            h: 20.0,
        },
        BBox {
            x: 95.0,
            y: 40.0,
            w: 60.0,
            h: 20.0,
        },
        BBox {
            x: 310.0,
            y: 40.0,
            w: 30.0,
            h: 20.0,
        },
        BBox {
            x: 500.0,
            y: 80.0,
            w: 30.0,
            h: 20.0,
        },
    ];
    let cols = columns(&boxes);
    let members: Vec<Vec<usize>> = cols.iter().map(|c| c.2.clone()).collect();
    assert_eq!(members, [vec![0, 2], vec![1, 3], vec![4]]);
}

/// Words centred at `cx` on one line.
fn centred(texts: &[&str], cx: f32, y: f32, h: f32) -> Vec<Word> {
    let width: f32 = texts
        .iter()
        .map(|t| 0.55 * h * t.chars().count() as f32 + 0.3 * h)
        .sum::<f32>()
        - 0.3 * h;
    line(texts, cx - width / 2.0, y, h)
}

/// A table: headers on one row (words split at spaces), each row's cells centred
/// under them, a row's label on the left when given. The words, and each header's
/// box.
fn table(heads: &[&str], rows: &[(&str, [&str; 5])], h: f32) -> (Vec<Word>, Vec<(usize, BBox)>) {
    let cx = |i: usize| 260.0 + 120.0 * i as f32;
    let mut words = Vec::new();
    let mut hits = Vec::new();
    for (i, t) in heads.iter().enumerate() {
        let parts: Vec<&str> = t.split(' ').collect();
        let ws = centred(&parts, cx(i), 100.0, h);
        let b = ws.iter().map(|w| w.bbox).reduce(|a, b| a.union(&b));
        hits.extend(b.map(|b| (i, b)));
        words.extend(ws);
    }
    for (r, (label, cells)) in rows.iter().enumerate() {
        let y = 100.0 + 2.0 * h * (r + 1) as f32;
        if !label.is_empty() {
            words.extend(line(&[label], 20.0, y, h));
        }
        for (i, c) in cells.iter().enumerate() {
            let parts: Vec<&str> = c.split(' ').collect();
            words.extend(centred(&parts, cx(i), y, h));
        }
    }
    (words, hits)
}

fn header_of(hits: &[(usize, BBox)]) -> HeaderRow<usize> {
    let mut rows = HeaderRow::find(hits, 3);
    assert_eq!(rows.len(), 1);
    rows.remove(0)
}

#[test]
fn a_header_row_gives_each_column_its_cells_korean() {
    let (words, hits) = table(
        &["오른팔", "왼팔", "몸통", "오른다리", "왼다리"],
        &[
            ("", ["3.23kg", "3.08kg", "27.2kg", "9.21kg", "8.96kg"]),
            ("", ["표준", "표준", "이상", "표준", "표준"]),
        ],
        20.0,
    );
    let header = header_of(&hits);
    let rows = header.cells(&words, &Layout::new(&words), f32::MAX);
    assert_eq!(rows.len(), 2);
    let first: Vec<(usize, &str)> = rows[0]
        .cells
        .iter()
        .map(|(i, t)| (*i, t.as_str()))
        .collect();
    assert_eq!(
        first,
        [
            (0, "3.23kg"),
            (1, "3.08kg"),
            (2, "27.2kg"),
            (3, "9.21kg"),
            (4, "8.96kg")
        ]
    );
}

#[test]
fn a_grid_with_row_labels_names_each_row_english() {
    let (words, hits) = table(
        &["Right Arm", "Left Arm", "Trunk", "Right Leg", "Left Leg"],
        &[
            ("Lean", ["3.2", "3.1", "27.2", "9.2", "9.0"]),
            (
                "Fat",
                [
                    "(1.5kg) 178.0%",
                    "(1.4kg) 170.2%",
                    "(11.8kg) 240.0%",
                    "(2.9kg) 132.0%",
                    "(2.9kg) 131.5%",
                ],
            ),
        ],
        16.0,
    );
    let header = header_of(&hits);
    let rows = header.cells(&words, &Layout::new(&words), f32::MAX);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].label, "Lean");
    assert_eq!(rows[1].label, "Fat");
    assert_eq!(rows[1].cells.len(), 5);
    assert_eq!(
        tokens(&rows[1].cells[2].1),
        [
            Token::BracketKg {
                value: 11.8,
                decimals: 1
            },
            fig(240.0, 1, Some("%"))
        ]
    );
}

#[test]
fn the_rows_under_a_header_end_where_the_caller_says() {
    let (words, hits) = table(
        &["오른팔", "왼팔", "몸통", "오른다리", "왼다리"],
        &[
            ("", ["3.2", "3.1", "27.2", "9.2", "9.0"]),
            ("", ["1.5", "1.4", "11.8", "2.9", "2.9"]),
        ],
        20.0,
    );
    let header = header_of(&hits);
    let until = 100.0 + 3.0 * 20.0;
    assert_eq!(header.cells(&words, &Layout::new(&words), until).len(), 1);
}

#[test]
fn a_figure_off_centre_or_wider_than_its_header_is_still_in_its_band() {
    let heads = ["RA", "LA", "TR"];
    let mut words = Vec::new();
    for (i, t) in heads.iter().enumerate() {
        words.push(w(t, 200.0 + 100.0 * i as f32, 100.0, 20.0, 20.0));
    }
    // Right-aligned figures, wider than the headers.
    words.push(w("12.34", 185.0, 130.0, 45.0, 20.0));
    words.push(w("2.5", 290.0, 130.0, 30.0, 20.0));
    words.push(w("101.2", 380.0, 130.0, 45.0, 20.0));
    let hits: Vec<(usize, BBox)> = words[..3]
        .iter()
        .enumerate()
        .map(|(i, w)| (i, w.bbox))
        .collect();
    let header = header_of(&hits);
    let rows = header.cells(&words, &Layout::new(&words), f32::MAX);
    let cells: Vec<usize> = rows[0].cells.iter().map(|(i, _)| *i).collect();
    assert_eq!(cells, [0, 1, 2]);
}

#[test]
fn a_band_over_two_columns_keeps_the_figure_under_its_header() {
    // The fourth header was not read: the third band runs over its column.
    let (mut words, mut hits) = table(
        &["RA", "LA", "TR", "RL", "LL"],
        &[("", ["2.57", "2.50", "21.2", "7.35", "7.16"])],
        20.0,
    );
    hits.retain(|(k, _)| *k != 3);
    words.retain(|w| w.text != "RL");
    let header = header_of(&hits);
    let rows = header.cells(&words, &Layout::new(&words), f32::MAX);
    let cells: Vec<(usize, &str)> = rows[0]
        .cells
        .iter()
        .map(|(i, t)| (*i, t.as_str()))
        .collect();
    assert_eq!(cells, [(0, "2.57"), (1, "2.50"), (2, "21.2"), (3, "7.16")]);
    assert_eq!(rows[0].orphans, ["7.35"]);
}

#[test]
fn labels_scattered_over_lines_make_no_header_row() {
    let hits = [
        (
            0,
            BBox {
                x: 0.0,
                y: 0.0,
                w: 40.0,
                h: 20.0,
            },
        ),
        (
            1,
            BBox {
                x: 100.0,
                y: 60.0,
                w: 40.0,
                h: 20.0,
            },
        ),
        (
            2,
            BBox {
                x: 200.0,
                y: 120.0,
                w: 40.0,
                h: 20.0,
            },
        ),
    ];
    assert!(HeaderRow::find(&hits, 3).is_empty());
}
