//! One child process as an engine runs it (a Tesseract pass, the PP-OCR helper):
//! started with its stdin, stdout and stderr piped and killed when dropped, fed its
//! input while its output is read, cut off at a timeout. What its exit status and
//! output mean is the caller's (`finish`); so is the limit on children at once.

use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use super::OcrError;

/// How a child ended.
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Whether all of the input went in (a child that exits early closes the pipe).
    pub written: std::io::Result<()>,
}

/// Runs `cmd` for `engine` with `input` on its stdin, and maps how it ended with
/// `finish`, within `timeout` from its start (the child is killed when it runs out).
/// `nice`: the child's CPU priority (setpriority(2)), else the service's. A child
/// that cannot be started makes the engine unavailable.
pub async fn run<T>(
    engine: &'static str,
    mut cmd: Command,
    input: &[u8],
    timeout: Duration,
    nice: Option<i32>,
    finish: impl FnOnce(Finished) -> Result<T, OcrError>,
) -> Result<T, OcrError> {
    let failed = |reason: String| OcrError::Failed { engine, reason };
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| OcrError::Unavailable {
            engine,
            reason: format!(
                "cannot run `{}`: {e}",
                Path::new(cmd.as_std().get_program()).display()
            ),
        })?;
    if let (Some(nice), Some(pid)) = (nice, child.id()) {
        // SAFETY: setpriority(2) on our own child's pid: no memory is touched; failing
        // (the child already exited) only leaves its priority as it was.
        unsafe {
            libc::setpriority(libc::PRIO_PROCESS, pid, nice);
        }
    }
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| failed("no stdin pipe".into()))?;
    let work = async move {
        // Write and read at once: a large input would fill the pipe otherwise.
        let write = async move {
            stdin.write_all(input).await?;
            stdin.shutdown().await
        };
        let (written, output) = tokio::join!(write, child.wait_with_output());
        let output = output.map_err(|e| failed(e.to_string()))?;
        finish(Finished {
            status: output.status,
            stdout: output.stdout,
            stderr: output.stderr,
            written,
        })
    };
    tokio::time::timeout(timeout, work)
        .await
        .map_err(|_| OcrError::Timeout {
            engine,
            ms: timeout.as_millis() as u64,
        })?
}
