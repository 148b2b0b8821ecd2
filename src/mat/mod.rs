//! The mat's data, shared by [`crate::scanner`] (which reads it), [`crate::footprint`]
//! (which computes on it) and [`crate::config`] (which names the wire format).
//!
//! # What it owns
//! - [`WireFormat`]: the three wire formats a mat can speak.
//! - [`Frame`]: one decoded frame of raw ADC counts, not yet calibrated.
//! - [`PressureGrid`]: forces per cell after calibration, the input of every footprint
//!   computation, and [`STANDARD_GRAVITY`].
//!
//! A leaf: it imports no other module of this crate, so the modules above can depend
//! on it without depending on each other.

pub mod frame;
pub mod grid;

pub use frame::{Frame, WireFormat};
pub use grid::{PressureGrid, STANDARD_GRAVITY};
