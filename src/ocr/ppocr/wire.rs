//! The helper's answer: one JSON object on stdout (`carenco-ppocr IMAGE`).
//!
//! ```json
//! {"width": 1240, "height": 1843,
//!  "lines": [{"text": "Body Fat Mass 26.7", "confidence": 0.97,
//!             "quad": [[x, y], [x, y], [x, y], [x, y]],
//!             "words": [{"text": "Body", "confidence": 0.99, "bbox": [x, y, w, h]}, ...]}],
//!  "timing_ms": {"decode": 12, "detect": 210, "recognize": 640}}
//! ```
//! Coordinates are pixels of the image as given (origin top left, before any resize
//! the helper does). `quad` is the detected line's corners clockwise from top left;
//! `words` splits the line at spaces, each box the axis-aligned box of its part of the
//! line. Confidences are 0..1.
//!
//! Exit status: 0 with the page; 2 when the image cannot be decoded (stderr says
//! why); 1 for anything else (models missing, ONNX Runtime not loadable).

use serde::{Deserialize, Serialize};

/// The exit status for an image the helper cannot decode.
pub const EXIT_BAD_IMAGE: i32 = 2;

/// One page the helper read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page {
    pub width: u32,
    pub height: u32,
    pub lines: Vec<Line>,
    #[serde(default)]
    pub timing_ms: Timing,
}

/// One detected text line and what the recogniser read in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub text: String,
    pub confidence: f32,
    pub quad: [[f32; 2]; 4],
    pub words: Vec<Word>,
}

/// One space-separated part of a line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Word {
    pub text: String,
    pub confidence: f32,
    /// `[x, y, w, h]`.
    pub bbox: [f32; 4],
}

/// Where the helper's time went, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    pub decode: u64,
    pub detect: u64,
    pub recognize: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_round_trips_through_json() {
        let page = Page {
            width: 10,
            height: 20,
            lines: vec![Line {
                text: "BMI 23.1".into(),
                confidence: 0.9,
                quad: [[1.0, 2.0], [9.0, 2.0], [9.0, 6.0], [1.0, 6.0]],
                words: vec![Word {
                    text: "23.1".into(),
                    confidence: 0.95,
                    bbox: [5.0, 2.0, 4.0, 4.0],
                }],
            }],
            timing_ms: Timing::default(),
        };
        let json = serde_json::to_string(&page).unwrap();
        assert_eq!(serde_json::from_str::<Page>(&json).unwrap(), page);
    }

    #[test]
    fn timing_is_optional() {
        let page: Page = serde_json::from_str(r#"{"width":1,"height":1,"lines":[]}"#).unwrap();
        assert_eq!(page.timing_ms, Timing::default());
    }
}
