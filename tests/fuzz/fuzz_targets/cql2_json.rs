//! A CQL2 JSON filter (`filter-lang=cql2-json`): parsed, prepared against
//! each OGC fixture layer's queryables and evaluated over its features.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planmap::query::cql2::Lang;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    if planmap_fuzz::trips_known_cql2_bug(src) || planmap_fuzz::trips_known_short_position_bug(src)
    {
        return;
    }
    planmap_fuzz::filter_everywhere(src, Lang::Json);
});
