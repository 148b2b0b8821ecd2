//! Tracing set-up: coloured lines on a terminal, plain lines under systemd (journald
//! adds its own timestamps), or one JSON object per line; and the one-line rendering
//! of an error chain ([`chain`]).
//!
//! Under systemd (`JOURNAL_STREAM` names our standard error), every line starts with
//! the syslog priority in the `<N>` form that journald reads off a stream
//! (`sd-daemon(3)`): `<3>` error, `<4>` warning, `<6>` info, `<7>` debug and trace; so
//! `journalctl -p warning` shows warnings and errors only. This costs a few bytes of
//! code where the `tracing-journald` crate (the native protocol) would cost a socket
//! writer and its dependencies in a binary with a 10 MB budget. A line never holds a
//! newline (journald would cut it into entries of the wrong priority): newlines inside
//! a message are written as spaces.

use std::io::{IsTerminal, Write};

use tracing::{Level, Metadata};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, Registry};

use crate::config::{LogConfig, LogFormat};

/// Installs the global subscriber. `RUST_LOG`, when set, wins over `config.filter`.
/// Calling it twice is harmless (the second call does nothing).
pub fn init(config: &LogConfig) {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|f| parse_filter(&f))
        .or_else(|| parse_filter(&config.filter))
        .unwrap_or_else(|| Targets::new().with_default(Level::INFO));
    let journal = stderr_is_journal();
    let layer = tracing_subscriber::fmt::layer().with_writer(StderrLines { journal });
    let layer: Box<dyn Layer<Registry> + Send + Sync> = match config.format {
        LogFormat::Json => layer.json().flatten_event(true).boxed(),
        LogFormat::Plain => layer.with_ansi(false).boxed(),
        LogFormat::Auto if journal => layer.with_ansi(false).without_time().boxed(),
        LogFormat::Auto => layer.with_ansi(std::io::stderr().is_terminal()).boxed(),
    };
    // A subscriber already installed (tests, a second init) is fine.
    let _ = tracing_subscriber::registry()
        .with(layer.with_filter(filter))
        .try_init();
}

/// A log filter in `RUST_LOG`'s common form: `level` and `target=level` directives,
/// comma-separated (`info,carenco_edge::sync=debug`). `Targets` rather than
/// `EnvFilter`: the same directives without span and field filters, and without the
/// regex engine EnvFilter links in (about half a megabyte of the Pi's 10 MB budget).
pub fn parse_filter(text: &str) -> Option<Targets> {
    text.parse().ok()
}

/// Whether standard error is the journal stream systemd connected
/// (`JOURNAL_STREAM=<device>:<inode>` of our fd 2, as `systemd.exec(5)` describes): a
/// child that inherited the variable but writes elsewhere gets no prefixes.
// `dev_t`/`ino_t` widths differ between targets.
#[allow(clippy::unnecessary_cast)]
pub fn stderr_is_journal() -> bool {
    let Some(value) = std::env::var_os("JOURNAL_STREAM") else {
        return false;
    };
    let Some((dev, ino)) = parse_journal_stream(&value.to_string_lossy()) else {
        return false;
    };
    // SAFETY: fstat on fd 2 into a zeroed struct we own.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(2, &mut st) } != 0 {
        return false;
    }
    st.st_dev as u64 == dev && st.st_ino as u64 == ino
}

/// `<device>:<inode>` (decimal) of `JOURNAL_STREAM`.
pub fn parse_journal_stream(value: &str) -> Option<(u64, u64)> {
    let (dev, ino) = value.trim().split_once(':')?;
    Some((dev.parse().ok()?, ino.parse().ok()?))
}

/// The syslog priority journald reads from a `<N>` line prefix.
pub fn priority(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 3,
        Level::WARN => 4,
        Level::INFO => 6,
        Level::DEBUG | Level::TRACE => 7,
    }
}

/// One journal line: `<N>` and `text` with every newline inside written as a space.
pub fn journal_line(priority: u8, text: &str) -> String {
    let body = text.trim_end_matches(['\n', '\r']);
    let mut line = format!("<{priority}>");
    for c in body.chars() {
        line.push(if c == '\n' || c == '\r' { ' ' } else { c });
    }
    line.push('\n');
    line
}

/// A fatal error for standard error (`main.rs`): `carenco-edge: {text}`, one line,
/// with priority `<3>` when standard error is the journal.
pub fn fatal_line(text: &str) -> String {
    let text = format!("carenco-edge: {text}");
    if stderr_is_journal() {
        journal_line(3, &text)
    } else {
        format!("{}\n", text.trim_end())
    }
}

/// An error and its sources as one line, `outer: inner: root`, each level's text once:
/// a source whose text the level above already printed is skipped (SDK errors tend to
/// repeat their cause). Never a `Debug` dump.
pub fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        let text = e.to_string();
        if !text.is_empty() && !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = e.source();
    }
    out.replace(['\n', '\r'], " ")
}

/// Standard error, one event per write, with the journal prefix when `journal`.
#[derive(Clone, Copy)]
struct StderrLines {
    journal: bool,
}

impl<'a> MakeWriter<'a> for StderrLines {
    type Writer = EventWriter;

    fn make_writer(&'a self) -> EventWriter {
        EventWriter {
            priority: self.journal.then_some(6),
            buf: Vec::new(),
        }
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> EventWriter {
        EventWriter {
            priority: self.journal.then(|| priority(meta.level())),
            buf: Vec::new(),
        }
    }
}

/// Collects one formatted event and writes it to standard error in one piece when
/// dropped (tracing-subscriber makes one writer per event).
struct EventWriter {
    priority: Option<u8>,
    buf: Vec<u8>,
}

impl Write for EventWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for EventWriter {
    fn drop(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let text = String::from_utf8_lossy(&self.buf);
        let line = match self.priority {
            Some(p) => journal_line(p, &text),
            None => text.into_owned(),
        };
        // Logging must never fail the service; a closed stderr loses the line.
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rust_log_directives_parse_into_per_target_levels() {
        use tracing_subscriber::filter::LevelFilter;
        let f = parse_filter("warn,carenco_edge::sync=debug").unwrap();
        assert!(f.would_enable("carenco_edge::sync::worker", &Level::DEBUG));
        assert!(!f.would_enable("carenco_edge::api", &Level::INFO));
        assert!(f.would_enable("hyper", &Level::WARN));
        assert_eq!(
            parse_filter("info").unwrap().default_level(),
            Some(LevelFilter::INFO)
        );
        assert!(parse_filter("carenco_edge=loud").is_none());
    }

    #[test]
    fn levels_map_to_syslog_priorities() {
        assert_eq!(priority(&Level::ERROR), 3);
        assert_eq!(priority(&Level::WARN), 4);
        assert_eq!(priority(&Level::INFO), 6);
        assert_eq!(priority(&Level::DEBUG), 7);
        assert_eq!(priority(&Level::TRACE), 7);
    }

    #[test]
    fn journal_stream_is_device_colon_inode() {
        assert_eq!(parse_journal_stream("8:12345"), Some((8, 12345)));
        assert_eq!(parse_journal_stream("8:12345\n"), Some((8, 12345)));
        assert_eq!(parse_journal_stream("8"), None);
        assert_eq!(parse_journal_stream("a:1"), None);
        assert_eq!(parse_journal_stream(""), None);
    }

    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>);
    impl std::fmt::Display for Layer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }
    impl std::error::Error for Layer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|e| e as _)
        }
    }

    #[test]
    fn an_error_chain_is_one_line_with_each_cause_once() {
        let e = Layer(
            "dispatch failure",
            Some(Box::new(Layer(
                "io error: connection refused",
                Some(Box::new(Layer(
                    "connection refused",
                    Some(Box::new(Layer("os error\n111", None))),
                ))),
            ))),
        );
        assert_eq!(
            chain(&e),
            "dispatch failure: io error: connection refused: os error 111"
        );
    }

    proptest! {
        /// Whatever the message, a journal line is one line that starts with its
        /// priority and keeps every other character.
        #[test]
        fn a_journal_line_is_one_line(text in "\\PC*[\\n\\r]?\\PC*\\n?", p in 0u8..8) {
            let line = journal_line(p, &text);
            let prefix = format!("<{p}>");
            prop_assert!(line.starts_with(&prefix));
            prop_assert!(line.ends_with('\n'));
            prop_assert_eq!(line.matches('\n').count(), 1);
            prop_assert!(!line.contains('\r'));
        }

        #[test]
        fn journal_stream_parsing_never_panics(s in "\\PC*") {
            let _ = parse_journal_stream(&s);
        }
    }
}
