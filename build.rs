//! Build step: gzips the three large Swagger UI files (`assets/swagger-ui/`) into
//! `OUT_DIR`, so the binary embeds ~0.5 MB instead of ~1.8 MB (PERFORMANCE.md's 10 MB
//! budget for the Pi binary). `src/api/swagger.rs` serves the gzip as it is to clients
//! that accept it (every browser) and inflates it for the rest.
//!
//! The output is deterministic: flate2 writes a gzip header with mtime 0 and no name.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Files embedded gzipped; `src/api/swagger.rs` lists the same names.
const GZIPPED: &[&str] = &[
    "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js",
    "swagger-ui.css",
];

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let dir = Path::new("assets/swagger-ui");
    std::fs::create_dir_all(out.join("swagger-ui")).expect("create OUT_DIR/swagger-ui");
    for name in GZIPPED {
        let src = dir.join(name);
        println!("cargo::rerun-if-changed={}", src.display());
        let bytes = std::fs::read(&src).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&bytes).expect("gzip in memory");
        let gz = gz.finish().expect("gzip in memory");
        let dst = out.join("swagger-ui").join(format!("{name}.gz"));
        std::fs::write(&dst, gz).unwrap_or_else(|e| panic!("{}: {e}", dst.display()));
    }
}
