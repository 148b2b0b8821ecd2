//! OCR of InBody result sheets: engines (Google Vision, Tesseract) behind one trait,
//! and the pure InBody parser. Specified in `../shared/design/INBODY.md`.
