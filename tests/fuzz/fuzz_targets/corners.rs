//! A corner-point list (拐点坐标): Gauss-Krüger metres with or without the
//! zone in front, or DMS longitude/latitude; read into parcels (with and
//! without a zone given beside it), made candidates and screened.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planmap::intake::candidate::Limits;
use planmap::geom::crs::Crs;
use planmap::intake::formats::{GkZone, corners};
use planmap::intake::submission::{self, InputFormat};

fuzz_target!(|data: &[u8]| {
    let _ = InputFormat::sniff(data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if planmap_fuzz::trips_known_infinite_coordinate_bug(text) {
        return;
    }
    let zone = GkZone::new(3, 38, false);
    let _ = corners::read(text, None);
    let Ok(parcels) = corners::read(text, zone) else {
        return;
    };
    if planmap_fuzz::trips_known_empty_parcel_bug(&parcels) {
        return;
    }
    if let Ok(parts) = submission::read(
        data,
        InputFormat::Corners,
        Crs::Crs84,
        zone,
        Limits::default(),
    ) {
        planmap_fuzz::screen_parts(&parts);
    }
});
