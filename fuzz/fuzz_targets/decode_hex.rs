//! `PUT /image` hex strings: `decode_hex` must never panic on any text.
#![no_main]

use carenco_edge::scanner::codec::legacy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = legacy::decode_hex(text);
    }
    let _ = legacy::decode_exact(data);
});
