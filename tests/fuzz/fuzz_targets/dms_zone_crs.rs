//! The small value parsers of outside input: DMS angles (and writing one
//! back), Gauss-Krüger zones, CRS identifiers, `datetime` intervals, dates
//! (`as_of`), candidate kinds and input formats. Each line is tried alone.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planmap::geom::crs::Crs;
use planmap::time::{Interval, parse_date, parse_timestamp};
use planmap::intake::formats::GkZone;
use planmap::intake::formats::dms::{format_angle, parse_angle};
use planmap::engine::rules::CandidateKind;
use planmap::intake::submission::InputFormat;

fn one(text: &str) {
    if let Ok(angle) = parse_angle(text) {
        let written = format_angle(angle);
        // What planmap writes it reads back, to the thousandth of a second
        // it writes (for angles an angle can be; 1e300° is only parsed).
        let again = parse_angle(&written)
            .unwrap_or_else(|e| panic!("{written:?} (from {text:?}) does not read back: {e}"));
        assert!(
            angle.abs() > 360.0 || (again - angle).abs() <= 0.0005 / 3600.0 + 1e-12,
            "{text:?} reads as {angle}, written {written:?}, read back {again}"
        );
    }
    let _ = GkZone::parse(text);
    if let Ok(crs) = Crs::parse(text) {
        let _ = crs.uri();
    }
    let _ = Interval::parse(text);
    let _ = parse_date(text);
    let _ = parse_timestamp(text);
    let _ = planmap::records::revisions::parse_date(text);
    let _ = CandidateKind::parse(text);
    let _ = InputFormat::parse(text);
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    one(&text);
    for line in text.lines() {
        one(line);
    }
});
