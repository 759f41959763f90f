//! A FlatGeobuf layer file (`.fgb`): magic bytes, header (columns, geometry
//! type, CRS), the spatial index skipped, size-prefixed features decoded and
//! checked like GeoJSON features; then queryables and a lookup by id.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planmap::layer::load::load_layer;

fuzz_target!(|data: &[u8]| {
    let path = planmap_fuzz::scratch().join("layer.fgb");
    std::fs::write(&path, data).expect("the scratch file is written");
    if let Ok(layer) = load_layer(&path) {
        let _ = layer.queryables();
        let _ = layer.find("1");
        if let Some(b) = layer.bbox {
            let _ = layer.hits(b.min(), b.max()).count();
        }
    }
});
