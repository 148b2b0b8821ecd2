//! Release hygiene (issue #20): the man pages render from the real command-line
//! definition and document the fleet command; the licence notices the Debian package
//! ships name the copyleft and embedded parts; the toolchain file and `rust-version`
//! agree.

#[allow(dead_code, unused_imports)]
#[path = "../src/main.rs"]
mod cli;

use std::path::Path;

#[test]
fn the_man_pages_render_from_the_cli_and_document_fleet_status() {
    let dir = tempfile::tempdir().unwrap();
    let command = <cli::Cli as clap::CommandFactory>::command();
    clap_mangen::generate_to(command, dir.path()).unwrap();
    let main = std::fs::read_to_string(dir.path().join("carenco-edge.1")).unwrap();
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH SUBCOMMANDS", "fleet"] {
        assert!(main.contains(section), "{section} missing:\n{main}");
    }
    let fleet = std::fs::read_to_string(dir.path().join("carenco-edge-fleet-status.1")).unwrap();
    for option in ["\\-\\-bucket", "\\-\\-prefix", "\\-\\-json", "stale"] {
        assert!(fleet.contains(option), "{option} missing:\n{fleet}");
    }
}

#[test]
fn the_third_party_notices_cover_serialport_swagger_ui_and_the_font() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("notices.txt");
    let status = std::process::Command::new(root.join("scripts/third-party-notices"))
        .arg(&out)
        .arg("x86_64-unknown-linux-gnu")
        .status()
        .expect("python3 runs scripts/third-party-notices");
    assert!(status.success());
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("serialport 4.") && text.contains("MPL-2.0"));
    assert!(
        text.contains("Mozilla Public License"),
        "serialport's notice"
    );
    assert!(
        text.contains("/usr/share/common-licenses/MPL-2.0"),
        "where the text is"
    );
    assert!(text.contains("Swagger UI") && text.contains("Apache License"));
    assert!(text.contains("DejaVu") && text.contains("Bitstream"));
    assert!(
        text.contains("gpiocdev"),
        "the gpio feature's crates are listed"
    );
    assert!(!text.contains("rppal"));
}

#[test]
fn the_toolchain_file_pins_a_rust_that_rust_version_allows() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let toolchain = std::fs::read_to_string(root.join("rust-toolchain.toml")).unwrap();
    let channel = toolchain
        .lines()
        .find_map(|l| l.trim().strip_prefix("channel = "))
        .map(|c| c.trim_matches('"').to_string())
        .expect("channel");
    let parse = |v: &str| -> Vec<u32> { v.split('.').map(|p| p.parse().unwrap()).collect() };
    let minimum = parse(env!("CARGO_PKG_RUST_VERSION"));
    assert!(parse(&channel) >= minimum, "{channel} < {minimum:?}");
    assert!(minimum >= vec![1, 94, 1], "the aws crates need 1.94.1");
    for target in ["aarch64-unknown-linux-gnu", "armv7-unknown-linux-gnueabihf"] {
        assert!(toolchain.contains(target), "{target}");
    }
}
