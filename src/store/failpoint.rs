//! Crash points for the crash tests: the process SIGKILLs itself at a named step of a
//! write, so a test can stop the real binary exactly there (`tests/image.rs`,
//! `sigkill_at_every_step_of_a_group_commit_...`).
//!
//! Armed by the environment variable [`ENV`] = `point` or `point:n` (the `n`-th time
//! the point is reached, 1 by default). [`PAUSE_ENV`] = `point:ms` makes [`pause`]
//! answer a delay at that point: the writer waits so before it gathers a group, so
//! that the crash test's requests pile up into groups of several. Compiled into debug builds only (the test
//! builds): in a release build (`cargo build --release`, the Pi's `pi` profile)
//! [`hit`] is an empty function and the variable is never read, so no environment
//! can make a kiosk kill itself. Deliberately not `CARENCO_`-prefixed: that prefix
//! is the configuration's.

/// The environment variable that arms one point.
pub const ENV: &str = "EDGE_TEST_FAILPOINT";
/// The environment variable that sets one [`pause`].
pub const PAUSE_ENV: &str = "EDGE_TEST_PAUSE";

/// The process SIGKILLs itself if `point` is the armed one and this is its `n`-th hit.
#[cfg(debug_assertions)]
pub fn hit(point: &str) {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::OnceLock;
    static ARMED: OnceLock<Option<(String, u64)>> = OnceLock::new();
    static HITS: AtomicU64 = AtomicU64::new(0);
    let armed = ARMED.get_or_init(|| parse(&std::env::var(ENV).ok()?));
    let Some((name, nth)) = armed else {
        return;
    };
    if name == point && HITS.fetch_add(1, Ordering::SeqCst) + 1 == *nth {
        tracing::warn!(point, "test failpoint reached: SIGKILL");
        // SAFETY: kill(2) of this process with a constant signal; no memory is involved.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
    }
}

/// Release builds: nothing, and nothing reads the environment.
#[cfg(not(debug_assertions))]
#[inline(always)]
pub fn hit(_point: &str) {}

/// How long to wait at `point`, if [`PAUSE_ENV`] names it.
#[cfg(debug_assertions)]
pub fn pause(point: &str) -> Option<std::time::Duration> {
    use std::sync::OnceLock;
    static PAUSE: OnceLock<Option<(String, u64)>> = OnceLock::new();
    let (name, ms) = PAUSE
        .get_or_init(|| parse(&std::env::var(PAUSE_ENV).ok()?))
        .as_ref()?;
    (name == point).then(|| std::time::Duration::from_millis(*ms))
}

/// Release builds: never, and nothing reads the environment.
#[cfg(not(debug_assertions))]
#[inline(always)]
pub fn pause(_point: &str) -> Option<std::time::Duration> {
    None
}

/// `point` or `point:n` (n ≥ 1).
#[cfg(any(debug_assertions, test))]
fn parse(value: &str) -> Option<(String, u64)> {
    let (name, nth) = match value.rsplit_once(':') {
        Some((name, n)) => (name, n.parse().ok().filter(|n| *n >= 1)?),
        None => (value, 1),
    };
    (!name.is_empty()).then(|| (name.to_string(), nth))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_is_armed_by_name_and_optional_hit_count() {
        assert_eq!(
            parse("writer.committed"),
            Some(("writer.committed".into(), 1))
        );
        assert_eq!(
            parse("writer.committed:7"),
            Some(("writer.committed".into(), 7))
        );
        assert_eq!(parse("writer.committed:0"), None);
        assert_eq!(parse("writer.committed:x"), None);
        assert_eq!(parse(""), None);
    }
}
