//! A GeoJSON layer file, as the catalog and `POST /admin/layers/{id}` load
//! it: parsed, every feature checked (id, geometry, rings, range, validity),
//! measured, indexed; then its queryables are worked out and a feature is
//! looked up by id.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planmap::layer::load::load_layer;

fuzz_target!(|data: &[u8]| {
    let path = planmap_fuzz::scratch().join("layer.geojson");
    std::fs::write(&path, data).expect("the scratch file is written");
    if let Ok(layer) = load_layer(&path) {
        let _ = layer.queryables();
        let _ = layer.find("1");
        if let Some(b) = layer.bbox {
            let _ = layer.hits(b.min(), b.max()).count();
        }
    }
});
