//! What the fuzz targets share: the fixture layers, a scratch directory, and
//! the guards that keep the known CQL2 bugs (being fixed elsewhere) from
//! drowning every run.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use planmap::layer::catalog::Catalog;

/// The repository's `tests/fixtures`.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// The OGC fixture catalog: mining rights with properties (text, numbers,
/// nulls, dates), ground fissures (lines) and boreholes (points).
pub fn ogc_catalog() -> Arc<Catalog> {
    static CATALOG: OnceLock<Arc<Catalog>> = OnceLock::new();
    CATALOG
        .get_or_init(|| {
            Arc::new(
                Catalog::load(&fixtures().join("ogc_layers"))
                    .expect("the OGC fixture catalog loads"),
            )
        })
        .clone()
}

/// A scratch directory of this process (in /dev/shm where there is one, so
/// writing an input to a file each run costs no disk I/O).
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = if Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("planmap-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch directory");
        dir
    })
}

/// Whether the guards below are lifted. The bugs they skip were fixed
/// (issue 11: nesting limit, linear LIKE, blocks along the boundary, finite
/// coordinates, parcels without points, short positions), so they are off
/// unless `PLANMAP_FUZZ_GUARDS=1`, which only serves to fuzz an older build.
fn known_bugs_allowed() -> bool {
    static ALLOWED: OnceLock<bool> = OnceLock::new();
    *ALLOWED.get_or_init(|| std::env::var_os("PLANMAP_FUZZ_GUARDS").is_none_or(|v| v != "1"))
}

/// Longest CQL2 filter the targets pass on while the guards are on: deep
/// nesting (~1500 parentheses, ~10000 NOTs) overflows the stack, a known bug.
pub const CQL2_MAX_LEN: usize = 512;
/// Most `%` a CQL2 filter may carry while the guards are on: LIKE with many
/// `%` is exponential, a known bug.
pub const CQL2_MAX_PERCENT: usize = 4;

/// Whether a CQL2 filter is one the known bugs would trip on; such inputs are
/// skipped unless `PLANMAP_FUZZ_KNOWN_BUGS=1`.
pub fn trips_known_cql2_bug(filter: &str) -> bool {
    !known_bugs_allowed()
        && (filter.len() > CQL2_MAX_LEN || filter.matches('%').count() > CQL2_MAX_PERCENT)
}

/// Parses `src` as a CQL2 filter in `lang`, then prepares it against every
/// OGC fixture layer (in CRS84, CGCS2000 and a Gauss-Krüger zone as the
/// filter CRS) and selects the features it matches, as the items resource does.
pub fn filter_everywhere(src: &str, lang: planmap::query::cql2::Lang) {
    use planmap::geom::crs::Crs;
    use planmap::query::select::{ItemQuery, select};
    let parsed = match lang {
        planmap::query::cql2::Lang::Text => planmap::query::cql2::parse_text(src),
        planmap::query::cql2::Lang::Json => planmap::query::cql2::parse_json(src),
    };
    if parsed.is_err() {
        return;
    }
    let crs = [Crs::Crs84, Crs::Epsg(4490), Crs::Epsg(4526)][src.len() % 3];
    for layer in &ogc_catalog().layers {
        let Ok(filter) = planmap::query::cql2::Filter::parse(src, lang, crs, layer.data.queryables())
        else {
            continue;
        };
        let _ = filter.envelope();
        let query = ItemQuery {
            bbox: None,
            datetime: None,
            filter: Some(filter),
            limit: 10,
            offset: 0,
        };
        let _ = select(&layer.data, &query);
    }
}

/// Whether a coordinate text carries a number that reads as infinite
/// (`3E989`, a 310-digit integer, `inf`): `formats::check_projected` counts
/// its digits with an overflowing `+ 1` (reported; src/formats/mod.rs:102).
/// Such inputs are skipped unless `PLANMAP_FUZZ_KNOWN_BUGS=1`.
pub fn trips_known_infinite_coordinate_bug(text: &str) -> bool {
    !known_bugs_allowed()
        && text
            .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-')))
            .map(|t| t.trim_start_matches(['X', 'Y', 'x', 'y', 'L', 'B']))
            .any(|t| t.parse::<f64>().is_ok_and(f64::is_infinite))
}

/// Whether parcels read from a coordinate file include one without points:
/// `candidate_from_area` then subtracts 1 from an empty ring's length
/// (reported; src/candidate.rs:99). Such inputs are only parsed, not made
/// candidates, unless `PLANMAP_FUZZ_KNOWN_BUGS=1`.
pub fn trips_known_empty_parcel_bug(parcels: &planmap::intake::formats::Parcels) -> bool {
    !known_bugs_allowed()
        && parcels
            .parcels
            .iter()
            .any(|p| p.rings.is_empty() || p.rings.iter().any(|r| r.0.is_empty()))
}

/// Whether a CQL2 JSON filter has a GeoJSON position of fewer than two
/// numbers: the geojson crate's conversion to geo types indexes [0] and [1]
/// unchecked and panics (reported; src/cql2/json.rs:190). Such inputs are
/// skipped unless `PLANMAP_FUZZ_KNOWN_BUGS=1`.
pub fn trips_known_short_position_bug(src: &str) -> bool {
    use serde_json::Value;
    /// A position (an array of no arrays) of fewer than two numbers, within
    /// a `coordinates` value.
    fn short_position(v: &Value) -> bool {
        match v {
            Value::Array(a) if a.iter().all(|x| !x.is_array()) => a.len() < 2,
            Value::Array(a) => a.iter().any(short_position),
            _ => false,
        }
    }
    fn has_short(v: &Value) -> bool {
        match v {
            Value::Array(a) => a.iter().any(has_short),
            Value::Object(o) => o
                .iter()
                .any(|(k, v)| (k == "coordinates" && short_position(v)) || has_short(v)),
            _ => false,
        }
    }
    !known_bugs_allowed() && serde_json::from_str::<Value>(src).is_ok_and(|v| has_short(&v))
}

/// Whether a candidate spans more than [`MAX_SCREENED_SPAN_DEG`] of
/// longitude or latitude: counting its 1′ basic blocks visits every block of
/// its bounding box (a 152-byte triangle over 111° × 19° took over 10 s;
/// reported; src/blocks.rs `blocks_of`). Such candidates are checked without
/// the rest of the screening unless `PLANMAP_FUZZ_KNOWN_BUGS=1`.
pub fn trips_known_block_count_bug(parts: &[planmap::intake::submission::Part]) -> bool {
    use geo::BoundingRect;
    !known_bugs_allowed()
        && parts.iter().any(|p| {
            p.candidate.area.bounding_rect().is_some_and(|b| {
                b.width() > MAX_SCREENED_SPAN_DEG || b.height() > MAX_SCREENED_SPAN_DEG
            })
        })
}

/// The widest candidate screened in full while the guards are on (degrees).
pub const MAX_SCREENED_SPAN_DEG: f64 = 3.0;

/// Screens `parts` against the OGC fixture layers as `POST /check` does
/// (with the clean part); a candidate too wide for the known block-count bug
/// goes through the overlap engine alone.
pub fn screen_parts(parts: &[planmap::intake::submission::Part]) {
    let catalog = ogc_catalog();
    if trips_known_block_count_bug(parts) {
        for p in parts {
            let _ = planmap::engine::check::check(&p.candidate, &catalog.layers);
        }
        return;
    }
    let options = planmap::engine::screening::Options {
        net: true,
        ..Default::default()
    };
    let _ = planmap::engine::screening::screen(parts, &catalog.layers, &options);
}

/// Makes a stack overflow leave a reproducer. Without a sanitizer,
/// libFuzzer's SIGSEGV handler runs on the overflowed stack and the process
/// just dies, with no input saved. This runs before libFuzzer's `main`: it
/// gives the main thread an alternate signal stack and installs a SIGSEGV
/// handler with `SA_ONSTACK`, which libFuzzer keeps and calls first; that
/// handler says what happened and aborts, and libFuzzer's SIGABRT handler
/// (running on the alternate stack) saves the input as a crash.
mod segv {
    const ALT_STACK_BYTES: usize = 1 << 20;

    extern "C" fn on_segv(_: libc::c_int, _: *mut libc::siginfo_t, _: *mut libc::c_void) {
        const MESSAGE: &[u8] =
            b"\nSIGSEGV: most likely a stack overflow (deep recursion); aborting so libFuzzer saves the input\n";
        // SAFETY: write(2) and abort(3) are async-signal-safe.
        unsafe {
            libc::write(2, MESSAGE.as_ptr().cast(), MESSAGE.len());
            libc::abort();
        }
    }

    extern "C" fn install() {
        // SAFETY: called once at load time, before any other thread exists;
        // the alternate stack is leaked, so it lives as long as the process.
        unsafe {
            let stack = Box::leak(vec![0u8; ALT_STACK_BYTES].into_boxed_slice());
            let alt = libc::stack_t {
                ss_sp: stack.as_mut_ptr().cast(),
                ss_flags: 0,
                ss_size: ALT_STACK_BYTES,
            };
            libc::sigaltstack(&alt, std::ptr::null_mut());
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_segv as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(libc::SIGSEGV, &action, std::ptr::null_mut());
        }
    }

    #[used]
    #[unsafe(link_section = ".init_array")]
    static INSTALL: extern "C" fn() = install;
}
