//! `catalog.toml`: parsed (unknown fields refused), ids checked, and every
//! layer it names loaded from a directory holding copies of the fixture
//! layers (GeoJSON and FlatGeobuf); then layers are selected by id.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use planmap::layer::catalog::Catalog;

/// A directory with the fixture layer files, for the fuzzed catalog to name.
fn layers_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = planmap_fuzz::scratch().join("catalog");
        std::fs::create_dir_all(&dir).expect("the catalog directory");
        let fixtures = planmap_fuzz::fixtures();
        for sub in ["layers", "ogc_layers", "fgb", "lines_points"] {
            for entry in std::fs::read_dir(fixtures.join(sub)).expect("a fixture directory") {
                let path = entry.expect("a fixture file").path();
                let is_layer = path
                    .extension()
                    .is_some_and(|e| e == "geojson" || e == "fgb");
                if is_layer {
                    std::fs::copy(&path, dir.join(path.file_name().unwrap()))
                        .expect("a fixture layer is copied");
                }
            }
        }
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let dir = layers_dir();
    std::fs::write(dir.join("catalog.toml"), data).expect("catalog.toml is written");
    if let Ok(catalog) = Catalog::load(dir) {
        let ids: Vec<String> = catalog.layers.iter().map(|l| l.entry.id.clone()).collect();
        let _ = catalog.select(Some(&ids));
        let _ = catalog.select(Some(&["nope".to_string()]));
        let _ = catalog.select(None);
    }
});
