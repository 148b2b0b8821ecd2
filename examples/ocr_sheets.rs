//! Writes generated TUNING sheets to a directory to look at: `NAME.png`, the truth as
//! `NAME.json`, and the sheet degraded as `NAME.KIND.png|jpg`. Held-out sheets are not
//! written: nobody looks at them (see `ocr::sheetgen`'s split).
//!
//! `cargo run --example ocr_sheets -- DIR [PER_FAMILY] [--degraded]`

use carenco_edge::ocr::sheetgen::{degrade, specs, Generator, Kind, Split};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = std::path::PathBuf::from(args.first().map_or("/tmp/sheets", String::as_str));
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(2);
    let degraded = args.iter().any(|a| a == "--degraded");
    std::fs::create_dir_all(&dir)?;
    let g = Generator::new()?;
    for spec in specs(Split::Tuning, n) {
        let sheet = g.render(&spec)?;
        let name = format!("{}-{}", spec.family.name(), spec.seed);
        std::fs::write(dir.join(format!("{name}.png")), sheet.png()?)?;
        std::fs::write(
            dir.join(format!("{name}.json")),
            serde_json::to_string_pretty(&sheet.truth)?,
        )?;
        if degraded {
            for kind in Kind::DEGRADED {
                let bytes = degrade::apply(&sheet.image, kind, spec.seed)?;
                let ext = if bytes.starts_with(&[0xff, 0xd8]) {
                    "jpg"
                } else {
                    "png"
                };
                std::fs::write(dir.join(format!("{name}.{}.{ext}", kind.name())), bytes)?;
            }
        }
        println!("{name}: {} fields ({:?})", sheet.truth.len(), spec.face);
    }
    Ok(())
}
