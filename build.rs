//! Build step: gzips the large embedded web files into `OUT_DIR`, so the binary carries
//! the gzip instead of the file (PERFORMANCE.md's 10 MB budget for the Pi binary): the
//! three large Swagger UI files (`assets/swagger-ui/`, ~1.8 MB to ~0.5 MB) and the
//! technician page (`web/technician/`, ~56 KB to ~17 KB). `src/api/embedded.rs` serves
//! the gzip as it is to clients that accept it (every browser) and inflates it for the
//! rest.
//!
//! The output is deterministic: flate2 writes a gzip header with mtime 0 and no name.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Files embedded gzipped, by source directory; each lands in `OUT_DIR/{dir}/{name}.gz`,
/// where `embedded::asset!(gzipped ...)` includes it (a name missing here fails the
/// build there).
const GZIPPED: &[(&str, &[&str])] = &[
    (
        "assets/swagger-ui",
        &["swagger-ui-bundle.js", "swagger-ui.css"],
    ),
    ("web/technician", &["index.html", "app.js", "style.css"]),
];

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for (dir, names) in GZIPPED {
        let out_dir = out.join(dir);
        std::fs::create_dir_all(&out_dir).unwrap_or_else(|e| panic!("{}: {e}", out_dir.display()));
        for name in *names {
            let src = Path::new(dir).join(name);
            println!("cargo::rerun-if-changed={}", src.display());
            let bytes = std::fs::read(&src).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            gz.write_all(&bytes).expect("gzip in memory");
            let gz = gz.finish().expect("gzip in memory");
            let dst = out_dir.join(format!("{name}.gz"));
            std::fs::write(&dst, gz).unwrap_or_else(|e| panic!("{}: {e}", dst.display()));
        }
    }
}
