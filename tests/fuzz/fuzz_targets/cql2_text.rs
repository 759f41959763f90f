//! A CQL2 text filter (`filter=…&filter-lang=cql2-text`): parsed, prepared
//! against each OGC fixture layer's queryables (geometry literals from the
//! filter CRS to CRS84) and evaluated over the layer's features.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planmap::query::cql2::Lang;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    if planmap_fuzz::trips_known_cql2_bug(src) {
        return;
    }
    planmap_fuzz::filter_everywhere(src, Lang::Text);
});
