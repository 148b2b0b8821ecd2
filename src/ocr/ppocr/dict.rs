//! The recogniser's character dictionary (`rec_dict.txt`): which text each of the
//! model's output classes stands for.
//!
//! The file is PaddleOCR's: UTF-8, one entry per line (`\n` or `\r\n`), the line
//! as it is (a line may hold a space; an empty line is an entry too, so the indices
//! of the others do not shift). Class 0 is the CTC blank; classes 1..=n are the
//! lines; PaddleOCR's models trained with `use_space_char` have one more class, a
//! space, after them. [`Dict::for_classes`] checks the model's class count against
//! the file, so a dictionary from another model is an error at start-up, not
//! garbage text.

use thiserror::Error;

/// Why a dictionary cannot be used.
#[derive(Debug, Error, PartialEq)]
pub enum DictError {
    #[error("the dictionary is not UTF-8 (byte {offset})")]
    NotUtf8 { offset: usize },
    #[error("the dictionary is empty")]
    Empty,
    #[error(
        "the recogniser has {classes} classes but the dictionary has {entries} entries \
         (expected {entries}+1 with the blank, or {entries}+2 with a space): a \
         dictionary of another model?"
    )]
    ClassCount { classes: usize, entries: usize },
}

/// The text of each recogniser class; class 0 (the blank) has none.
#[derive(Debug, Clone, PartialEq)]
pub struct Dict {
    /// Index `i` is class `i + 1`.
    entries: Vec<String>,
}

impl Dict {
    /// Parses a dictionary file's bytes. The space class is not added here: see
    /// [`Dict::for_classes`].
    pub fn parse(bytes: &[u8]) -> Result<Dict, DictError> {
        let text = std::str::from_utf8(bytes).map_err(|e| DictError::NotUtf8 {
            offset: e.valid_up_to(),
        })?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if text.is_empty() {
            return Err(DictError::Empty);
        }
        // "a\nb\n" is two entries (Python's readlines), "a\nb" too.
        let body = text.strip_suffix('\n').unwrap_or(text);
        let entries = body
            .split('\n')
            .map(|line| line.strip_suffix('\r').unwrap_or(line).to_string())
            .collect();
        Ok(Dict { entries })
    }

    /// The dictionary fitted to a model with `classes` output classes: blank +
    /// entries, or blank + entries + a space.
    pub fn for_classes(mut self, classes: usize) -> Result<Dict, DictError> {
        let entries = self.entries.len();
        if classes == entries + 2 {
            self.entries.push(" ".to_string());
        } else if classes != entries + 1 {
            return Err(DictError::ClassCount { classes, entries });
        }
        Ok(self)
    }

    /// The number of model classes this dictionary covers (with the blank).
    pub fn classes(&self) -> usize {
        self.entries.len() + 1
    }

    /// The text of `class`; `None` for the blank and for a class beyond the
    /// dictionary.
    pub fn text(&self, class: usize) -> Option<&str> {
        class
            .checked_sub(1)
            .and_then(|i| self.entries.get(i))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_lines_after_the_blank() {
        let d = Dict::parse("a\nb\r\n \n\nc".as_bytes()).unwrap();
        assert_eq!(d.classes(), 6);
        assert_eq!(d.text(0), None);
        assert_eq!(d.text(1), Some("a"));
        assert_eq!(d.text(2), Some("b"));
        assert_eq!(d.text(3), Some(" "));
        assert_eq!(d.text(4), Some(""));
        assert_eq!(d.text(5), Some("c"));
        assert_eq!(d.text(6), None);
        assert_eq!(d.text(usize::MAX), None);
    }

    #[test]
    fn a_final_newline_and_a_bom_add_nothing() {
        let d = Dict::parse("\u{feff}0\n1\n".as_bytes()).unwrap();
        assert_eq!(d.classes(), 3);
        assert_eq!(d.text(1), Some("0"));
    }

    #[test]
    fn the_space_class_is_added_when_the_model_has_it() {
        let d = Dict::parse(b"x\ny\n").unwrap();
        assert_eq!(d.clone().for_classes(3).unwrap().classes(), 3);
        let spaced = d.clone().for_classes(4).unwrap();
        assert_eq!(spaced.text(3), Some(" "));
        assert_eq!(
            d.for_classes(6906),
            Err(DictError::ClassCount {
                classes: 6906,
                entries: 2
            })
        );
    }

    #[test]
    fn bad_files_are_errors() {
        assert_eq!(Dict::parse(b""), Err(DictError::Empty));
        assert_eq!(
            Dict::parse(b"ok\n\xff\xfe"),
            Err(DictError::NotUtf8 { offset: 3 })
        );
    }

    #[test]
    fn the_v6_tiny_dictionary_layout_fits_its_model() {
        // 6904 entries + blank + space = the model's 6906 classes.
        let text: String = (0..6904).map(|i| format!("{i}\n")).collect();
        let d = Dict::parse(text.as_bytes())
            .unwrap()
            .for_classes(6906)
            .unwrap();
        assert_eq!(d.text(6905), Some(" "));
    }
}
