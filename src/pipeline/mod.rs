//! The pipelines from input to result that the API, the command line (`main.rs`) and
//! the benches share, so that each exists once:
//!
//! - [`footprint`]: a mat frame to its metrics, picture and description.
//! - [`ocr`]: an InBody sheet's recognised words to the report `/ocr` answers.

pub mod footprint;
pub mod ocr;
