//! A 界址点坐标 TXT exchange file: read into parcels (with and without a zone
//! given beside it), and when it reads, each parcel made a candidate (PROJ
//! from Gauss-Krüger to CRS84, validation) and screened.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planmap::intake::candidate::Limits;
use planmap::geom::crs::Crs;
use planmap::intake::formats::{GkZone, txt};
use planmap::intake::submission::{self, InputFormat};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        let _ = submission::read(data, InputFormat::Txt, Crs::Crs84, None, Limits::default());
        return;
    };
    if planmap_fuzz::trips_known_infinite_coordinate_bug(text) {
        return;
    }
    let zone = GkZone::new(3, 38, true);
    let _ = txt::read(text, None);
    let Ok(parcels) = txt::read(text, zone) else {
        return;
    };
    if planmap_fuzz::trips_known_empty_parcel_bug(&parcels) {
        return;
    }
    if let Ok(parts) = submission::read(data, InputFormat::Txt, Crs::Crs84, zone, Limits::default())
    {
        planmap_fuzz::screen_parts(&parts);
    }
});
