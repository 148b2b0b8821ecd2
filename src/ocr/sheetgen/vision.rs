//! Vision words (to come).
