//! What one model prints its own way, as rows of a small table keyed by the model the
//! sheet names (`header::detect_model`), not as code.
//!
//! The reader ties figures to labels by structure alone (lines, columns, header rows,
//! list rows). A few things a model prints cannot be found that way, because their
//! labels are not legible to OCR or not printed at all; its row here says so. A sheet
//! whose model is not in the table, or not read, gets every reading of every row
//! (the union), as before the table existed.
//!
//! # What it owns
//! [`ModelLayout`], [`LAYOUTS`] and [`layout_for`].

use super::super::fields::Field;

/// What one model prints its own way.
#[derive(Debug)]
pub(super) struct ModelLayout {
    /// The model names `detect_model` returns for it (`InBody370S`).
    pub(super) models: &'static [&'static str],
    /// Figures printed as columns right of the body-composition table's rows, whose
    /// headers are white on a dark bar (OCR rarely reads them): right to left. Empty
    /// when the sheet labels its columns legibly (or prints none).
    pub(super) unlabelled_columns: &'static [Field],
    /// The segmental figures are printed around a body figure (arms top left and
    /// right, trunk in the middle, legs below), with no label beside each figure.
    pub(super) body_figure: bool,
}

/// The body-composition columns of the 370S family, right to left.
const COLUMNS_370: &[Field] = &[Field::Weight, Field::FatFreeMass, Field::MuscleMass];

/// One row per model (or family of models printing alike).
pub(super) const LAYOUTS: &[ModelLayout] = &[
    ModelLayout {
        models: &["InBody370S", "InBody370"],
        unlabelled_columns: COLUMNS_370,
        body_figure: true,
    },
    ModelLayout {
        models: &["InBody570"],
        unlabelled_columns: &[],
        body_figure: true,
    },
    ModelLayout {
        models: &["InBody270", "InBody380"],
        unlabelled_columns: &[],
        body_figure: false,
    },
];

/// A sheet of a model the table does not know: every reading any row names.
const ANY: ModelLayout = ModelLayout {
    models: &[],
    unlabelled_columns: COLUMNS_370,
    body_figure: true,
};

/// The layout row for the model a sheet names.
pub(super) fn layout_for(model: Option<&str>) -> &'static ModelLayout {
    model
        .and_then(|m| LAYOUTS.iter().find(|l| l.models.contains(&m)))
        .unwrap_or(&ANY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_or_unread_model_gets_every_reading() {
        for l in [layout_for(None), layout_for(Some("InBody9999"))] {
            assert!(l.body_figure);
            for row in LAYOUTS {
                assert!(row
                    .unlabelled_columns
                    .iter()
                    .all(|f| l.unlabelled_columns.contains(f)));
            }
        }
    }

    #[test]
    fn every_model_has_one_row() {
        let mut names: Vec<&str> = LAYOUTS
            .iter()
            .flat_map(|l| l.models.iter().copied())
            .collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n);
        assert!(!layout_for(Some("InBody270")).body_figure);
        assert_eq!(
            layout_for(Some("InBody370S")).unlabelled_columns,
            COLUMNS_370
        );
    }

    /// Every model the tuning sheets print (legacy generator and the family
    /// generator's tuning split) is read from the sheet and has its row.
    #[test]
    fn every_tuning_sheets_model_is_read_and_has_its_row() {
        use crate::ocr::sheetgen::families::{specs, Split};
        use crate::ocr::sheetgen::{vision, Generator, Layout};
        let Ok(g) = Generator::new() else {
            return; // no fonts here: nothing to render
        };
        let mut sheets: Vec<Vec<crate::ocr::Word>> = [Layout::InBody370S, Layout::InBody570]
            .into_iter()
            .map(|l| g.sheet(l, 1000).words)
            .collect();
        for spec in specs(Split::Tuning, 1) {
            if let Ok(s) = g.render(&spec) {
                sheets.push(vision::words(&s));
            }
        }
        for words in sheets {
            let model = super::super::header::detect_model(&words);
            let row = layout_for(model.as_deref());
            assert!(!row.models.is_empty(), "{model:?} has no row of its own");
        }
    }
}
