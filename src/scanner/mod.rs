//! The pressure mat: wire formats ([`codec`]), the decoded [`Frame`], and (as they
//! land) the serial transport, the capture state machine and the simulator.
//!
//! Wire formats are specified in `../shared/protocol/FRAMES.md`.

pub mod codec;
pub mod frame;

pub use frame::{Frame, WireFormat};
