//! Calibration files (`PUT /scanner/calibration`, another kiosk's export) are untrusted:
//! `Calibration::from_json` must never panic, and what it accepts must validate and
//! export to a file that imports again to the same calibration.
#![no_main]

use carenco_edge::footprint::calibration::Calibration;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(cal) = Calibration::from_json(&text) {
        assert!(cal.validate().is_ok());
        let again = Calibration::from_json(&cal.to_json()).expect("an export imports");
        assert_eq!(again.to_json(), cal.to_json());
    }
});
