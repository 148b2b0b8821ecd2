//! Arbitrary bytes, in arbitrary chunks, through the cfp1 decoder: it must never
//! panic, and decoding in chunks must equal decoding in one piece.
#![no_main]

use carenco_edge::scanner::WireFormat;
use carenco_edge_fuzz::decoding_in_chunks_equals_decoding_whole;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| decoding_in_chunks_equals_decoding_whole(WireFormat::Cfp1, data));
