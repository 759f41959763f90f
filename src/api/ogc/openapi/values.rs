//! The closed sets of values planmap accepts, as the document declares
//! them: CRS identifiers, Gauss-Krüger zones, dates, revisions, layer ids.
//! Each set is built from the same tables the server uses, so a value the
//! document offers is one the server takes.

use serde_json::{Value, json};

use super::build::one_of;
use crate::geom::crs::Crs;
use crate::query::select::offered_crs;

/// CRS84 in the spellings the server reads (it reads any letter case).
const CRS84_SPELLINGS: &[&str] = &[
    "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    "CRS84",
    "OGC:CRS84",
    "urn:ogc:def:crs:OGC:1.3:CRS84",
];

/// The spellings of `crs` the document offers: the OGC URI first, then
/// `EPSG:NNNN`.
fn spellings(crs: Crs) -> Vec<String> {
    match crs {
        Crs::Crs84 => CRS84_SPELLINGS.iter().map(|s| s.to_string()).collect(),
        Crs::Epsg(code) => vec![crs.uri(), format!("EPSG:{code}")],
    }
}

fn spelled(crss: &[Crs]) -> Vec<String> {
    crss.iter().flat_map(|c| spellings(*c)).collect()
}

/// The CGCS2000 Gauss-Krüger zones: 6° zones 13–23 and 3° zones 25–45,
/// with and without the zone number in front of the easting.
const GAUSS_KRUGER: std::ops::RangeInclusive<u32> = 4491..=4554;

/// The output CRSs every collection offers (a collection's `crs` list adds
/// the Gauss-Krüger zones its extent touches).
pub fn collection_crs() -> Value {
    let mut schema = one_of(&spelled(&offered_crs(None)));
    schema["default"] = json!(CRS84_SPELLINGS[0]);
    schema
}

/// A string that is one of `values`, as a pattern of alternatives rather
/// than an `enum`: the set is closed, but a fuzzer that tries every member
/// of a long enum spends its time starting PROJ once per CRS.
pub fn alternatives<S: AsRef<str>>(values: &[S]) -> Value {
    let escaped: Vec<String> = values
        .iter()
        .map(|v| {
            v.as_ref()
                .chars()
                .flat_map(|c| {
                    let special = "\\.+*?()|[]{}^$".contains(c);
                    special.then_some('\\').into_iter().chain([c])
                })
                .collect()
        })
        .collect();
    json!({"type": "string", "pattern": format!("^(?:{})$", escaped.join("|"))})
}

/// The CRSs a candidate may be given in, as `crs` of `/check` and
/// `/blocks/snap` declares them.
pub fn candidate_crs() -> Value {
    let mut crss = offered_crs(None);
    crss.extend(GAUSS_KRUGER.map(Crs::Epsg));
    let mut schema = alternatives(&spelled(&crss));
    schema["default"] = json!(CRS84_SPELLINGS[0]);
    schema
}

/// What `crs` of a collection says beside its schema.
pub const COLLECTION_CRS_NOTE: &str = "Listed here are the CRSs every collection offers (in the OGC URI or `EPSG:NNNN` spelling); each collection's `crs` list also offers the CGCS2000 3° Gauss-Krüger zones its extent touches (EPSG:4513–4554), and those are accepted on that collection. A CRS the collection does not offer is refused with 400. Coordinates are in the CRS's authority axis order (EPSG:4490 latitude, longitude; EPSG:4526 northing, easting).";

/// What `crs` of a candidate says beside its schema.
pub const CANDIDATE_CRS_NOTE: &str = "The CRS of the body's coordinates, in their authority axis order (CRS84 longitude, latitude; EPSG:4490 and EPSG:4326 latitude, longitude; the CGCS2000 Gauss-Krüger zones EPSG:4491–4554 northing, easting). The pattern admits CRS84, EPSG:4490, 4326, 3857 and the Gauss-Krüger zones, each as its OGC URI or `EPSG:NNNN` (CRS84 also as `CRS84`, `OGC:CRS84` or its URN); any other 2D geographic or projected EPSG CRS that PROJ knows is accepted too, as `EPSG:NNNN`, its OGC URI or URN; anything else is refused with 400 (`unsupported-crs`).";

/// A Gauss-Krüger zone: a zone number (3° zones 25–45, 6° zones 13–23,
/// eastings with the zone number in front) or the EPSG code of a zone.
fn zones() -> Vec<String> {
    let mut values: Vec<String> = (13..=23).chain(25..=45).map(|n| n.to_string()).collect();
    values.extend(GAUSS_KRUGER.map(|code| format!("EPSG:{code}")));
    values
}

pub fn zone() -> Value {
    alternatives(&zones())
}

/// `corners`: a zone for X/Y in metres, or `dms` for latitude/longitude.
pub fn corner_style() -> Value {
    let mut values = vec!["dms".to_string()];
    values.extend(zones());
    alternatives(&values)
}

/// A calendar date, `YYYY-MM-DD`.
pub fn date() -> Value {
    json!({"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"})
}

/// A layer revision: the first 12 hex digits of the layer file's SHA-256.
pub fn revision() -> Value {
    json!({"type": "string", "pattern": "^[0-9a-f]{12}$"})
}

/// A boolean flag as the query string takes it.
pub fn flag(default: bool) -> Value {
    json!({"type": "string", "enum": ["true", "false", "1", "0", "yes", "no"], "default": default.to_string()})
}

/// The kinds of candidate the plan's rules know.
pub const KINDS: &[&str] = &["exploration_block", "mining_block", "mining_right"];

/// `kind`, in English or as the plan writes it.
pub fn kind() -> Value {
    let mut values: Vec<&str> = KINDS.to_vec();
    values.extend(["勘查规划区块", "开采规划区块", "采矿权"]);
    one_of(&values)
}

/// The roles a token may have.
pub fn role() -> Value {
    let roles: Vec<&str> = crate::records::access::Role::ALL
        .iter()
        .map(|r| r.as_str())
        .collect();
    one_of(&roles)
}

/// A positive integer id, as the store gives them.
pub fn id() -> Value {
    json!({"type": "integer", "minimum": 1, "maximum": i64::MAX})
}
