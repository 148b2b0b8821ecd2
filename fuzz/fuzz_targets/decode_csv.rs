//! Arbitrary bytes, in arbitrary chunks, through the csv decoder: it must never
//! panic, and decoding in chunks must equal decoding in one piece.
#![no_main]

use bytes::BytesMut;
use carenco_edge::scanner::codec::{FrameDecoder, MatCodec};
use carenco_edge::scanner::WireFormat;
use libfuzzer_sys::fuzz_target;
use tokio_util::codec::Decoder;

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, bytes)) = data.split_first() else {
        return;
    };
    let whole = FrameDecoder::new(WireFormat::Csv).decode_all(bytes);
    let mut codec = MatCodec::new(WireFormat::Csv);
    let mut buf = BytesMut::new();
    let mut chunked = Vec::new();
    for piece in bytes.chunks(usize::from(chunk).max(1)) {
        buf.extend_from_slice(piece);
        while let Ok(Some(frame)) = codec.decode(&mut buf) {
            chunked.push(frame);
        }
    }
    assert_eq!(whole, chunked);
});
