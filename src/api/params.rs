//! Query parameters, read one way on every endpoint.
//!
//! An endpoint names the parameters it takes; [`Params::parse`] refuses any
//! other name and a name given twice. The typed readers then give each kind
//! of value one behaviour and one error message wherever it is taken: a bad
//! value is a 400 `invalid-parameter` problem naming the parameter (a CRS
//! identifier planmap cannot read is `unsupported-crs`, as for a body's CRS).
//! The value parsing that is not about HTTP lives in the tier the value
//! belongs to (zones and corner styles in `intake::formats`, CRS identifiers
//! in `geom::crs`, dates and intervals in `time`); the command line calls
//! those same functions.

use crate::engine::report::DepthRange;
use crate::engine::screening::NearestLayers;
use axum::http::{HeaderMap, header};

use super::ApiError;
use crate::engine::rules::CandidateKind;
use crate::geom::crs::Crs;
use crate::intake::formats::GkZone;
use crate::intake::formats::txt::CornerStyle;
use crate::intake::submission::InputFormat;
use crate::time::Interval;

/// The largest `offset` any list takes: far beyond any real list, and far
/// below the i64 the store counts in (offsets past it would wrap and read as 0).
pub const MAX_OFFSET: usize = 1_000_000_000;

/// The query string of a request, checked against the names its endpoint takes.
#[derive(Debug)]
pub struct Params {
    /// Each parameter as given, in order, under the endpoint's own name for it.
    pairs: Vec<(&'static str, String)>,
}

fn invalid(name: &'static str, detail: impl Into<String>) -> ApiError {
    ApiError::InvalidParameter {
        name,
        detail: detail.into(),
    }
}

impl Params {
    /// Reads the query string, refusing names not in `allowed` and names
    /// given twice.
    pub fn parse(
        query: Option<&str>,
        allowed: &'static [&'static str],
    ) -> Result<Params, ApiError> {
        let mut pairs: Vec<(&'static str, String)> = Vec::new();
        for (name, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            let Some(known) = allowed.iter().find(|a| **a == name) else {
                return Err(ApiError::UnknownParameter(
                    name.into_owned(),
                    if allowed.is_empty() {
                        "none".to_string()
                    } else {
                        allowed.join(", ")
                    },
                ));
            };
            if pairs.iter().any(|(n, _)| n == known) {
                return Err(invalid(known, "given more than once"));
            }
            pairs.push((known, value.into_owned()));
        }
        Ok(Params { pairs })
    }

    /// Refuses any parameter: for endpoints that take none.
    pub fn none(query: Option<&str>) -> Result<(), ApiError> {
        Params::parse(query, &[]).map(drop)
    }

    /// The parameters as given, in order: for links to other pages.
    pub fn given(&self) -> &[(&'static str, String)] {
        &self.pairs
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Reads `name` with `parse`, whose error becomes the problem's detail.
    fn read<T>(
        &self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ApiError> {
        self.get(name)
            .map(|v| parse(v).map_err(|detail| invalid(name, detail)))
            .transpose()
    }

    /// A value read by `parse`, whose error becomes the problem's detail.
    pub fn read_with<T>(
        &self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ApiError> {
        self.read(name, parse)
    }

    /// Free text, as given (a mineral, a revision).
    pub fn text(&self, name: &'static str) -> Option<String> {
        self.get(name).map(str::to_string)
    }

    /// `limit`: `default` when absent; an integer above `max` reads as `max`
    /// (as OGC API – Features servers do); 0, a negative number or anything
    /// that is not an integer is refused.
    pub fn limit(&self, default: usize, max: usize) -> Result<usize, ApiError> {
        Ok(self
            .read("limit", |v| read_limit(v, max))?
            .unwrap_or(default))
    }

    /// `offset`: 0 when absent, else a whole number up to [`MAX_OFFSET`].
    pub fn offset(&self) -> Result<usize, ApiError> {
        Ok(self.read("offset", read_offset)?.unwrap_or(0))
    }

    /// `bbox`: 4 numbers (or 6, with heights, which are dropped), the lower
    /// corner first, in the axis order of `crs`.
    pub fn bbox(&self, crs: Crs) -> Result<Option<[f64; 4]>, ApiError> {
        self.read("bbox", |v| read_bbox(v, crs))
    }

    /// A CRS identifier, as [`Crs::parse`] reads it; one it cannot read is
    /// an `unsupported-crs` problem naming the parameter.
    pub fn crs(&self, name: &'static str) -> Result<Option<Crs>, ApiError> {
        self.get(name)
            .map(Crs::parse)
            .transpose()
            .map_err(|source| ApiError::CrsParameter { name, source })
    }

    /// A CGCS2000 Gauss-Krüger zone, as [`GkZone::read`] reads it.
    pub fn zone(&self, name: &'static str) -> Result<Option<GkZone>, ApiError> {
        self.read(name, |v| GkZone::read(v).map_err(|e| e.to_string()))
    }

    /// A corner style: `dms` or a zone, as [`CornerStyle::parse`] reads it.
    pub fn corners(&self, name: &'static str) -> Result<Option<CornerStyle>, ApiError> {
        self.read(name, |v| CornerStyle::parse(v).map_err(|e| e.to_string()))
    }

    /// A boolean: `true`, `1` or `yes`; `false`, `0` or `no`.
    pub fn flag(&self, name: &'static str) -> Result<Option<bool>, ApiError> {
        self.read(name, read_flag)
    }

    /// A date, `YYYY-MM-DD`, written back in that form.
    pub fn date(&self, name: &'static str) -> Result<Option<String>, ApiError> {
        self.read(name, |v| {
            crate::time::checked_date(v).ok_or_else(|| format!("'{v}' is not a date (YYYY-MM-DD)"))
        })
    }

    /// `datetime`: an instant or an interval, as [`Interval::parse`] reads it.
    pub fn datetime(&self) -> Result<Option<Interval>, ApiError> {
        self.read("datetime", |v| {
            Interval::parse(v).map_err(|e| e.to_string())
        })
    }

    /// The format of a candidate body, as [`InputFormat::read`] reads it.
    pub fn input_format(&self, name: &'static str) -> Result<Option<InputFormat>, ApiError> {
        self.read(name, |v| InputFormat::read(v).map_err(|e| e.to_string()))
    }

    /// The representation asked for: `f` wins, else the `Accept` header.
    pub fn output_format(&self, headers: &HeaderMap) -> Result<Format, ApiError> {
        Format::negotiate(self.get("f"), headers)
    }

    /// A candidate kind.
    pub fn kind(&self, name: &'static str) -> Result<Option<CandidateKind>, ApiError> {
        self.read(name, |v| CandidateKind::read(v).map_err(|e| e.to_string()))
    }

    /// A comma-separated list of ids, at least one.
    pub fn ids(&self, name: &'static str) -> Result<Option<Vec<String>>, ApiError> {
        self.read(name, |v| {
            let ids = crate::layer::catalog::id_list(v);
            if ids.is_empty() {
                return Err("name at least one id, comma-separated".into());
            }
            Ok(ids)
        })
    }

    /// An elevation range: `TOP,BOTTOM` in metres.
    pub fn depth(&self, name: &'static str) -> Result<Option<DepthRange>, ApiError> {
        self.read(name, crate::engine::screening::read_depth)
    }

    /// Protection buffers: `LAYER:METRES`, comma-separated.
    pub fn buffers(&self, name: &'static str) -> Result<Vec<(String, f64)>, ApiError> {
        self.read(name, crate::engine::screening::read_buffers)
            .map(Option::unwrap_or_default)
    }

    /// `true` for every layer, `false` for none, or layer ids, comma-separated.
    pub fn layers_or_flag(&self, name: &'static str) -> Result<Option<NearestLayers>, ApiError> {
        self.read(name, NearestLayers::read).map(Option::flatten)
    }

    /// One of a fixed set of words, each standing for a value.
    pub fn one_of<T: Copy>(
        &self,
        name: &'static str,
        choices: &[(&str, T)],
    ) -> Result<Option<T>, ApiError> {
        self.read(name, |v| {
            choices
                .iter()
                .find(|(word, _)| *word == v)
                .map(|(_, value)| *value)
                .ok_or_else(|| {
                    let words: Vec<&str> = choices.iter().map(|(w, _)| *w).collect();
                    format!("'{v}' is not taken here; use {}", words.join(", "))
                })
        })
    }
}

fn read_limit(v: &str, max: usize) -> Result<usize, String> {
    match v.parse::<u64>() {
        Ok(0) => Err(format!("'{v}' is not an integer of at least 1")),
        Ok(n) => Ok(usize::try_from(n).unwrap_or(usize::MAX).min(max)),
        // Digits too many for a u64 are still an integer above the maximum.
        Err(_) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => Ok(max),
        Err(_) => Err(format!("'{v}' is not an integer of at least 1")),
    }
}

fn read_offset(v: &str) -> Result<usize, String> {
    v.parse::<usize>()
        .ok()
        .filter(|n| *n <= MAX_OFFSET)
        .ok_or_else(|| format!("'{v}' is not a whole number from 0 to {MAX_OFFSET}"))
}

fn read_flag(v: &str) -> Result<bool, String> {
    match v {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(format!("'{v}' is not a flag; use true or false")),
    }
}

fn read_bbox(v: &str, crs: Crs) -> Result<[f64; 4], String> {
    let numbers: Vec<f64> = v
        .split(',')
        .map(|n| n.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("'{v}' is not a comma-separated list of numbers"))?;
    let corners = match numbers.as_slice() {
        [a, b, c, d] => [*a, *b, *c, *d],
        [a, b, _, d, e, _] => [*a, *b, *d, *e],
        _ => return Err(format!("takes 4 or 6 numbers, not {}", numbers.len())),
    };
    if corners.iter().any(|n| !n.is_finite()) {
        return Err("every number must be finite".into());
    }
    if corners[0] > corners[2] || corners[1] > corners[3] {
        return Err(
            "each value of the lower corner must be at most the upper one's (west ≤ east, south ≤ north in CRS84)"
                .into(),
        );
    }
    if crs == Crs::Crs84 && (corners[1] < -90.0 || corners[3] > 90.0) {
        return Err("latitudes in CRS84 lie between -90 and 90".into());
    }
    Ok(corners)
}

/// How many entries a page of a list holds unless asked, and at most.
#[derive(Debug, Clone, Copy)]
pub struct PageSize {
    pub default: usize,
    pub max: usize,
}

/// `/candidates`.
pub const CANDIDATE_PAGE: PageSize = PageSize {
    default: 50,
    max: 1000,
};

/// `/admin/audit`.
pub const AUDIT_PAGE: PageSize = PageSize {
    default: 100,
    max: 10_000,
};

/// The representation a client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Html,
}

impl Format {
    /// `f=json|geojson|html` wins; else `Accept` asking for HTML and not JSON
    /// (as browsers do); else JSON.
    pub(in crate::api) fn negotiate(
        f: Option<&str>,
        headers: &HeaderMap,
    ) -> Result<Format, ApiError> {
        match f {
            Some("json" | "geojson" | "application/json" | "application/geo+json") => {
                return Ok(Format::Json);
            }
            Some("html" | "text/html") => return Ok(Format::Html),
            Some(other) => {
                return Err(ApiError::InvalidParameter {
                    name: "f",
                    detail: format!("'{other}' is not a format here; use json or html"),
                });
            }
            None => {}
        }
        let accept = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        Ok(
            if accept.contains("text/html") && !accept.contains("json") {
                Format::Html
            } else {
                Format::Json
            },
        )
    }

    pub(in crate::api) fn suffix(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Html => "html",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: &[&str] = &[
        "limit", "offset", "bbox", "crs", "zone", "corners", "net", "as_of", "datetime", "format",
        "f", "kind", "layers", "mode",
    ];

    fn params(query: &str) -> Params {
        Params::parse(Some(query), ALL).unwrap()
    }

    /// The parameter a refusal names, and that it is a 400.
    fn refused<T: std::fmt::Debug>(r: Result<T, ApiError>) -> &'static str {
        let e = r.expect_err("should be refused");
        assert_eq!(e.status(), 400, "{e}");
        match e {
            ApiError::InvalidParameter { name, detail } => {
                assert!(!detail.is_empty());
                name
            }
            other => panic!("not invalid-parameter: {other:?}"),
        }
    }

    #[test]
    fn a_name_the_endpoint_does_not_take_is_refused_naming_it() {
        let e = Params::parse(Some("limit=1&colour=red"), &["limit"]).unwrap_err();
        assert!(
            matches!(&e, ApiError::UnknownParameter(n, list) if n == "colour" && list == "limit")
        );
        let e = Params::parse(Some("a=1"), &[]).unwrap_err();
        assert!(matches!(&e, ApiError::UnknownParameter(_, list) if list == "none"));
        assert!(Params::none(None).is_ok());
        assert!(Params::none(Some("")).is_ok());
    }

    #[test]
    fn a_name_given_twice_is_refused_naming_it() {
        assert_eq!(
            refused(Params::parse(Some("crs=CRS84&crs=EPSG:4490"), ALL)),
            "crs"
        );
    }

    #[test]
    fn parameters_are_kept_in_the_order_given_and_decoded() {
        let p = params("bbox=1%2C2%2C3%2C4&f=json");
        assert_eq!(
            p.given(),
            &[("bbox", "1,2,3,4".to_string()), ("f", "json".to_string())]
        );
    }

    #[test]
    fn a_limit_defaults_and_one_above_the_maximum_is_clamped_to_it() {
        assert_eq!(params("").limit(50, 1000).unwrap(), 50);
        assert_eq!(params("limit=1").limit(50, 1000).unwrap(), 1);
        assert_eq!(params("limit=1000").limit(50, 1000).unwrap(), 1000);
        assert_eq!(params("limit=1001").limit(50, 1000).unwrap(), 1000);
        assert_eq!(
            params("limit=100000000000000000000000")
                .limit(10, 10_000)
                .unwrap(),
            10_000
        );
    }

    #[test]
    fn a_limit_of_zero_negative_or_not_an_integer_is_a_400_naming_limit() {
        for bad in ["0", "-1", "ten", "1.5", "", "1e3"] {
            assert_eq!(
                refused(params(&format!("limit={bad}")).limit(10, 100)),
                "limit",
                "{bad}"
            );
        }
    }

    #[test]
    fn an_offset_is_a_whole_number_up_to_a_billion() {
        assert_eq!(params("").offset().unwrap(), 0);
        assert_eq!(params("offset=20").offset().unwrap(), 20);
        assert_eq!(params("offset=1000000000").offset().unwrap(), MAX_OFFSET);
        for bad in ["-1", "x", "1000000001", "18446744073709551616", "2.0"] {
            assert_eq!(
                refused(params(&format!("offset={bad}")).offset()),
                "offset",
                "{bad}"
            );
        }
    }

    #[test]
    fn a_bbox_takes_four_or_six_finite_numbers_lower_corner_first() {
        assert_eq!(params("").bbox(Crs::Crs84).unwrap(), None);
        assert_eq!(
            params("bbox=112,36,113,37").bbox(Crs::Crs84).unwrap(),
            Some([112.0, 36.0, 113.0, 37.0])
        );
        assert_eq!(
            params("bbox=112,36,0,113,37,100").bbox(Crs::Crs84).unwrap(),
            Some([112.0, 36.0, 113.0, 37.0])
        );
        // Northing first in a zone: no latitude bound applies.
        assert!(
            params("bbox=4004200,38399200,4004700,38399700")
                .bbox(Crs::Epsg(4526))
                .is_ok()
        );
        for bad in [
            "1,2,3",
            "1,2,3,4,5",
            "a,b,c,d",
            "NaN,36,113,37",
            "112,36,inf,37",
            "113,36,112,37",
            "112,37,113,36",
            "112,-91,113,37",
            "112,36,113,91",
        ] {
            assert_eq!(
                refused(params(&format!("bbox={bad}")).bbox(Crs::Crs84)),
                "bbox",
                "{bad}"
            );
        }
    }

    #[test]
    fn a_crs_is_read_in_any_spelling_and_one_that_is_none_is_unsupported() {
        assert_eq!(
            params("crs=EPSG:4490").crs("crs").unwrap(),
            Some(Crs::Epsg(4490))
        );
        assert_eq!(
            params("crs=http://www.opengis.net/def/crs/OGC/1.3/CRS84")
                .crs("crs")
                .unwrap(),
            Some(Crs::Crs84)
        );
        assert_eq!(params("").crs("crs").unwrap(), None);
        let e = params("crs=WGS84-ish").crs("crs").unwrap_err();
        assert_eq!(e.status(), 400);
        assert_eq!(crate::fault::Fault::slug(&e), "unsupported-crs");
        assert_eq!(crate::fault::Fault::location(&e)["parameter"], "crs");
    }

    #[test]
    fn a_zone_is_a_zone_number_or_a_gauss_kruger_epsg_code() {
        let z = params("zone=38").zone("zone").unwrap().unwrap();
        assert_eq!(z.epsg(), 4526);
        assert_eq!(
            params("zone=EPSG:4547")
                .zone("zone")
                .unwrap()
                .unwrap()
                .epsg(),
            4547
        );
        for bad in ["99", "EPSG:4326", "x", ""] {
            assert_eq!(
                refused(params(&format!("zone={bad}")).zone("zone")),
                "zone",
                "{bad}"
            );
        }
    }

    #[test]
    fn corners_are_dms_or_a_zone() {
        assert_eq!(
            params("corners=DMS").corners("corners").unwrap(),
            Some(CornerStyle::Dms)
        );
        assert!(matches!(
            params("corners=38").corners("corners").unwrap(),
            Some(CornerStyle::Projected(z)) if z.epsg() == 4526
        ));
        assert_eq!(
            refused(params("corners=EPSG:4326").corners("corners")),
            "corners"
        );
    }

    #[test]
    fn a_flag_is_true_or_false_in_three_spellings_each() {
        for (v, want) in [
            ("true", true),
            ("1", true),
            ("yes", true),
            ("false", false),
            ("0", false),
            ("no", false),
        ] {
            assert_eq!(params(&format!("net={v}")).flag("net").unwrap(), Some(want));
        }
        for bad in ["perhaps", "TRUE", ""] {
            assert_eq!(
                refused(params(&format!("net={bad}")).flag("net")),
                "net",
                "{bad}"
            );
        }
    }

    #[test]
    fn a_date_is_yyyy_mm_dd_and_a_datetime_an_instant_or_interval() {
        assert_eq!(
            params("as_of=2021-01-01").date("as_of").unwrap().as_deref(),
            Some("2021-01-01")
        );
        for bad in ["yesterday", "2021-02-30", "2021-1-1x", ""] {
            assert_eq!(
                refused(params(&format!("as_of={bad}")).date("as_of")),
                "as_of",
                "{bad}"
            );
        }
        assert!(
            params("datetime=2020-01-01/..")
                .datetime()
                .unwrap()
                .is_some()
        );
        assert!(
            params("datetime=2020-01-01T00:00:00Z")
                .datetime()
                .unwrap()
                .is_some()
        );
        for bad in ["yesterday", "../..", "2021-01-02/2021-01-01"] {
            assert_eq!(
                refused(params(&format!("datetime={bad}")).datetime()),
                "datetime",
                "{bad}"
            );
        }
    }

    #[test]
    fn formats_in_and_out_are_read_by_name() {
        assert_eq!(
            params("format=txt").input_format("format").unwrap(),
            Some(InputFormat::Txt)
        );
        assert_eq!(
            refused(params("format=kml").input_format("format")),
            "format"
        );
        let headers = HeaderMap::new();
        assert_eq!(
            params("f=html").output_format(&headers).unwrap(),
            Format::Html
        );
        assert_eq!(params("").output_format(&headers).unwrap(), Format::Json);
        assert_eq!(refused(params("f=xml").output_format(&headers)), "f");
    }

    #[test]
    fn a_kind_a_list_of_ids_and_a_choice_are_read_or_refused_naming_them() {
        assert_eq!(
            params("kind=mining_right").kind("kind").unwrap(),
            Some(CandidateKind::MiningRight)
        );
        assert_eq!(refused(params("kind=quarry").kind("kind")), "kind");
        assert_eq!(
            params("layers=a,%20b,").ids("layers").unwrap(),
            Some(vec!["a".to_string(), "b".to_string()])
        );
        assert_eq!(refused(params("layers=,").ids("layers")), "layers");
        let modes = [("cover", 1), ("inside", 2)];
        assert_eq!(
            params("mode=inside").one_of("mode", &modes).unwrap(),
            Some(2)
        );
        assert_eq!(params("").one_of("mode", &modes).unwrap(), None);
        assert_eq!(refused(params("mode=round").one_of("mode", &modes)), "mode");
    }
}
