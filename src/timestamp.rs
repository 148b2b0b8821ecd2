//! The one timestamp format of this service: RFC 3339 UTC with milliseconds, as every
//! `*_at` column, document and calibration carries it. A leaf, so that pure modules
//! (`footprint`) can stamp what they make without importing the store.

/// Now, as RFC 3339 UTC with milliseconds (the format of every `*_at` column).
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    let now = now
        .replace_nanosecond(now.millisecond() as u32 * 1_000_000)
        .unwrap_or(now);
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| now.unix_timestamp().to_string())
}
