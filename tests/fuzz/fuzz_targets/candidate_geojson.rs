//! A GeoJSON candidate as `POST /check` reads it: sniffed, parsed (non-finite
//! numbers told apart), brought from its CRS to CRS84, validated, and, when it
//! is accepted, screened against the OGC fixture layers with the clean part.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planmap::intake::candidate::Limits;
use planmap::geom::crs::Crs;
use planmap::intake::submission::{self, InputFormat};

/// The CRS a body is read in, chosen by its length so the input stays JSON.
const CRS: [Crs; 4] = [
    Crs::Crs84,
    Crs::Epsg(4490),
    Crs::Epsg(4526),
    Crs::Epsg(4547),
];

fuzz_target!(|data: &[u8]| {
    let _ = InputFormat::sniff(data);
    let crs = CRS[data.len() % CRS.len()];
    if let Ok(parts) = submission::read(data, InputFormat::GeoJson, crs, None, Limits::default()) {
        planmap_fuzz::screen_parts(&parts);
    }
});
