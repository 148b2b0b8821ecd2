//! Writes the man pages of `carenco-edge` from its command-line definition
//! (`src/main.rs`): `carenco-edge.1` and one page per subcommand
//! (`carenco-edge-fleet-status.1`, ...).
//!
//! ```sh
//! cargo run --example manpage -- target/man    # scripts/pi-package does this
//! man -l target/man/carenco-edge.1
//! ```
//!
//! An example rather than a `carenco-edge man` subcommand or a build script: the
//! generator (clap_mangen, a dev-dependency) is never linked into the service binary,
//! and a normal build does not pay for it.

#[allow(dead_code, unused_imports)]
#[path = "../src/main.rs"]
mod cli;

fn main() -> std::io::Result<()> {
    let dir = std::env::args_os()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| "target/man".into());
    std::fs::create_dir_all(&dir)?;
    let command = <cli::Cli as clap::CommandFactory>::command();
    clap_mangen::generate_to(command, &dir)?;
    eprintln!("man pages written to {}", dir.display());
    Ok(())
}
