//! What the decoder fuzz targets share: the property every mat decoder must hold on
//! arbitrary bytes. Each target in `fuzz_targets/` stays its own `[[bin]]` (cargo-fuzz
//! runs one binary per target) and is one call into this module.

use bytes::BytesMut;
use carenco_edge::scanner::codec::{FrameDecoder, MatCodec};
use carenco_edge::scanner::WireFormat;
use tokio_util::codec::Decoder;

/// Feeds `data` through the `format` decoder twice: in one piece, and in chunks whose
/// size is the first byte (so the fuzzer explores the split points too). Neither may
/// panic, and both must give the same frames: a frame split across serial reads must
/// decode exactly as it would have in one read.
pub fn decoding_in_chunks_equals_decoding_whole(format: WireFormat, data: &[u8]) {
    let Some((&chunk, bytes)) = data.split_first() else {
        return;
    };
    let whole = FrameDecoder::new(format).decode_all(bytes);
    let mut codec = MatCodec::new(format);
    let mut buf = BytesMut::new();
    let mut chunked = Vec::new();
    for piece in bytes.chunks(usize::from(chunk).max(1)) {
        buf.extend_from_slice(piece);
        while let Ok(Some(frame)) = codec.decode(&mut buf) {
            chunked.push(frame);
        }
    }
    assert_eq!(whole, chunked, "{format} frames differ when read in chunks");
}
