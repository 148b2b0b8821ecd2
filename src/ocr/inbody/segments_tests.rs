//! Tests of the segmental readings on small word lists of varied shapes.

use super::super::{parse, Value, Word};

/// Words on one line from `x`, each as wide as its text, one space apart.
fn line(out: &mut Vec<Word>, texts: &[&str], x: f32, y: f32, h: f32) {
    let mut x = x;
    for t in texts {
        let width = 0.55 * h * t.chars().count() as f32;
        out.push(Word::at(t, x, y, width, h));
        x += width + 0.3 * h;
    }
}

fn get(words: &[Word], name: &str) -> Option<f64> {
    parse(words).fields.get(name).and_then(|f| match f.value {
        Value::Number(v) => Some(v),
        _ => None,
    })
}

const SEGS: [(&str, &str, &str); 5] = [
    ("오른팔", "Right Arm", "right_arm"),
    ("왼팔", "Left Arm", "left_arm"),
    ("몸통", "Trunk", "trunk"),
    ("오른다리", "Right Leg", "right_leg"),
    ("왼다리", "Left Leg", "left_leg"),
];

const LEAN: [&str; 5] = ["3.23", "3.08", "27.2", "9.21", "8.96"];
const FAT: [&str; 5] = ["1.5", "1.4", "11.8", "2.9", "2.8"];

/// A grid with the segments down its first column: `heads` over the other columns,
/// then each segment's row (`cells(i)` gives its row's cells).
fn grid(heads: &[&str], english: bool, cells: impl Fn(usize) -> Vec<String>) -> Vec<Word> {
    let h = 20.0;
    let mut words = Vec::new();
    for (c, t) in heads.iter().enumerate() {
        let parts: Vec<&str> = t.split(' ').collect();
        line(&mut words, &parts, 240.0 + 150.0 * c as f32, 100.0, h);
    }
    for (r, seg) in SEGS.iter().enumerate() {
        let y = 140.0 + 36.0 * r as f32;
        let label = if english { seg.1 } else { seg.0 };
        let parts: Vec<&str> = label.split(' ').collect();
        line(&mut words, &parts, 40.0, y, h);
        for (c, t) in cells(r).iter().enumerate() {
            let parts: Vec<&str> = t.split(' ').collect();
            line(&mut words, &parts, 240.0 + 150.0 * c as f32, y, h);
        }
    }
    words
}

fn assert_all(words: &[Word], lean: bool, fat: bool) {
    for (i, seg) in SEGS.iter().enumerate() {
        if lean {
            let want: f64 = LEAN[i].parse().unwrap();
            assert_eq!(
                get(words, &format!("segmental_lean_{}_kg", seg.2)),
                Some(want),
                "lean {}",
                seg.2
            );
        }
        if fat {
            let want: f64 = FAT[i].parse().unwrap();
            assert_eq!(
                get(words, &format!("segmental_fat_{}_kg", seg.2)),
                Some(want),
                "fat {}",
                seg.2
            );
        }
    }
}

#[test]
fn a_grid_with_segments_as_rows_korean_headers_name_the_columns() {
    let words = grid(&["근육량", "평가", "체지방량", "%"], false, |r| {
        vec![
            format!("{}kg", LEAN[r]),
            "표준".into(),
            format!("{}kg", FAT[r]),
            "132.0%".into(),
        ]
    });
    assert_all(&words, true, true);
}

#[test]
fn a_grid_with_segments_as_rows_english_fat_first() {
    // The columns in the other order: the headers say which is which.
    let words = grid(&["Fat Mass", "Lean Mass", "Evaluation"], true, |r| {
        vec![FAT[r].into(), LEAN[r].into(), "Normal".into()]
    });
    assert_all(&words, true, true);
}

#[test]
fn a_grid_with_no_headers_reads_lean_then_fat() {
    let words = grid(&[], false, |r| {
        vec![format!("{} kg", LEAN[r]), format!("({}kg) 178.0%", FAT[r])]
    });
    assert_all(&words, true, true);
}

#[test]
fn a_table_with_a_header_row_and_row_labels_reads_both_tables() {
    let h = 18.0;
    let mut words = Vec::new();
    for (c, seg) in SEGS.iter().enumerate() {
        let parts: Vec<&str> = seg.1.split(' ').collect();
        line(&mut words, &parts, 200.0 + 130.0 * c as f32, 100.0, h);
    }
    line(&mut words, &["Lean"], 20.0, 140.0, h);
    line(&mut words, &["Fat"], 20.0, 180.0, h);
    for c in 0..5 {
        line(&mut words, &[LEAN[c]], 205.0 + 130.0 * c as f32, 140.0, h);
        line(
            &mut words,
            &[&format!("({}kg)", FAT[c]), "178.0%"],
            195.0 + 130.0 * c as f32,
            180.0,
            h,
        );
    }
    assert_all(&words, true, true);
}

#[test]
fn a_table_whose_one_header_was_not_read_still_gives_that_column() {
    let h = 18.0;
    let mut words = Vec::new();
    for (c, seg) in SEGS.iter().enumerate() {
        if c != 3 {
            line(&mut words, &[seg.0], 200.0 + 170.0 * c as f32, 100.0, h);
        }
    }
    line(&mut words, &["근육량"], 20.0, 140.0, h);
    line(&mut words, &["체지방량"], 20.0, 180.0, h);
    for c in 0..5 {
        line(&mut words, &[LEAN[c]], 205.0 + 170.0 * c as f32, 140.0, h);
        line(
            &mut words,
            &[&format!("({}kg)", FAT[c]), "178.0%"],
            195.0 + 170.0 * c as f32,
            180.0,
            h,
        );
    }
    assert_all(&words, true, true);
}
