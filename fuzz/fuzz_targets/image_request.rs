//! `PUT /image` bodies: `parse_request` (JSON, id, every `data` shape, `pitch_mm`) must
//! never panic, and whatever it accepts must be a frame whose cells match its size.
#![no_main]

use carenco_edge::api::image::{parse_request, DataSource};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = parse_request(data) {
        if let DataSource::Frame { frame, .. } = request.data {
            assert_eq!(frame.cells.len(), frame.rows as usize * frame.cols as usize);
            assert!(frame.rows >= 1 && frame.cols >= 1);
        }
    }
});
