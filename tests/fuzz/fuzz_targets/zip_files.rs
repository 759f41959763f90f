//! An .xlsx workbook or a zipped Shapefile: the zip archive opened within
//! its limits, read as a corner table (with and without a zone beside it)
//! and as a Shapefile (with and without a `crs`), and each parcel that reads
//! made a candidate and screened.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planmap::geom::crs::Crs;
use planmap::intake::candidate::Limits;
use planmap::intake::formats::GkZone;
use planmap::intake::submission::{self, InputFormat};

fuzz_target!(|data: &[u8]| {
    let _ = InputFormat::sniff(data);
    for zone in [None, GkZone::new(3, 38, true)] {
        if let Ok(parts) = submission::read(data, InputFormat::Xlsx, None, zone, Limits::default()) {
            planmap_fuzz::screen_parts(&parts);
        }
    }
    for crs in [None, Some(Crs::Epsg(4526))] {
        if let Ok(parts) =
            submission::read(data, InputFormat::Shapefile, crs, None, Limits::default())
        {
            planmap_fuzz::screen_parts(&parts);
        }
    }
});
