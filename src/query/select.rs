//! Selecting a layer's features for OGC API – Features: by box, by time, by
//! CQL2 filter, a page at a time; and writing a feature's geometry in any
//! supported CRS, in that CRS's authority axis order.
//!
//! A selection:
//! 1. probes the layer's R-tree with the `bbox` and with the box of any
//!    `S_INTERSECTS` literal that must hold (the same index `/check` uses);
//! 2. keeps the features whose exact geometry meets the `bbox` and that pass
//!    the time interval and the filter;
//! 3. returns them in layer-file order, counted in full, one page sliced out.

use geo::{Contains, Coord, Intersects, MapCoordsInPlace, Rect};
use serde_json::{Map, Value};

use crate::geom::crs::{self, Crs, CrsError};
use crate::geom::shape::Shape;
use crate::layer::table::FeatureTable;
use crate::layer::{Feature, LayerData};
use crate::query::cql2::Filter;
use crate::time::{Interval, parse_date, parse_instant, parse_timestamp};

/// Items returned when `limit` is not given.
pub const LIMIT_DEFAULT: usize = 10;
/// The largest `limit`; larger values are clamped to it.
pub const LIMIT_MAX: usize = 10_000;

/// Properties that give a feature's time, in the order they are looked for:
/// a licence's validity (`valid_from`/`valid_to`), STAC-style
/// `start_datetime`/`end_datetime`, or one `datetime`.
pub const TIME_PROPERTIES: [(&str, &str); 3] = [
    ("valid_from", "valid_to"),
    ("start_datetime", "end_datetime"),
    ("datetime", "datetime"),
];

/// A feature's time, from the first pair of [`TIME_PROPERTIES`] it carries;
/// `None` when it carries none.
pub fn feature_time(properties: &Map<String, Value>) -> Option<Interval> {
    let get = |name: &str| properties.get(name).and_then(Value::as_str);
    TIME_PROPERTIES.iter().find_map(|(from, to)| {
        let (a, b) = (get(from), get(to));
        if a.is_none() && b.is_none() {
            return None;
        }
        let end = b.and_then(|t| {
            parse_date(t)
                .map(|ms| ms + 86_400_000 - 1)
                .or_else(|| parse_timestamp(t))
        });
        Some(Interval {
            start: a.and_then(parse_instant),
            end,
        })
    })
}

/// The earliest start and latest end of a layer's feature times, as given
/// in the layer file; `None` when no feature carries time.
pub fn temporal_extent(features: &FeatureTable) -> Option<[Option<String>; 2]> {
    let mut first: Option<(i64, String)> = None;
    let mut last: Option<(i64, String)> = None;
    let mut any = false;
    for i in 0..features.len() {
        let properties = features.properties(i);
        let Some(t) = feature_time(&properties) else {
            continue;
        };
        any = true;
        for (pair, ms, take_min) in [(0usize, t.start, true), (1, t.end, false)] {
            let Some(ms) = ms else { continue };
            let text = TIME_PROPERTIES
                .iter()
                .find_map(|p| {
                    let name = if pair == 0 { p.0 } else { p.1 };
                    properties.get(name).and_then(Value::as_str)
                })
                .unwrap_or_default()
                .to_string();
            let slot = if take_min { &mut first } else { &mut last };
            let better = slot
                .as_ref()
                .is_none_or(|(cur, _)| if take_min { ms < *cur } else { ms > *cur });
            if better {
                *slot = Some((ms, text));
            }
        }
    }
    any.then(|| [first.map(|f| f.1), last.map(|l| l.1)])
}

/// What a client asked of a collection's items (geometry already in CRS84).
#[derive(Debug, Default)]
pub struct ItemQuery {
    pub bbox: Option<Rect>,
    pub datetime: Option<Interval>,
    pub filter: Option<Filter>,
    pub limit: usize,
    pub offset: usize,
}

/// One page of a selection.
#[derive(Debug)]
pub struct Page {
    /// How many features match in all.
    pub matched: usize,
    pub features: Vec<Feature>,
}

fn shape_intersects(shape: &Shape, rect: &Rect) -> bool {
    match shape {
        Shape::Area(a) => rect.intersects(a),
        Shape::Lines(l) => rect.intersects(l),
        Shape::Points(p) => rect.intersects(p),
    }
}

/// Selects the features of `layer` that `q` asks for and slices out one page.
/// A scan that runs past the request's deadline stops with an error.
pub fn select(layer: &LayerData, q: &ItemQuery) -> Result<Page, crate::deadline::DeadlineExceeded> {
    let mut matched = 0;
    let mut features = Vec::new();
    let page_only = q.bbox.is_none() && q.datetime.is_none() && q.filter.is_none();
    if page_only {
        // Nothing to test: only the page is read out of the table.
        let table = &layer.features;
        let features = (0..table.len())
            .skip(q.offset)
            .take(q.limit)
            .map(|i| table.get(i))
            .collect();
        return Ok(Page {
            matched: table.len(),
            features,
        });
    }
    for_each_match(layer, q, |i, feature| {
        if matched >= q.offset && features.len() < q.limit {
            features.push(feature.unwrap_or_else(|| layer.features.get(i)));
        }
        matched += 1;
    })?;
    Ok(Page { matched, features })
}

/// Calls `visit` with every feature `q` selects (its index, and the feature
/// where a time or filter test had to build it), in table order; `limit`
/// and `offset` are not applied. Only the features the R-tree finds in the
/// box (or the filter's envelope) are tested. A feature is built (its
/// properties parsed, its geometry copied) only where a test reads it:
/// a statistic of a million parcels reads their measures, not their shapes.
pub fn for_each_match(
    layer: &LayerData,
    q: &ItemQuery,
    mut visit: impl FnMut(usize, Option<Feature>),
) -> Result<(), crate::deadline::DeadlineExceeded> {
    let deadline = crate::deadline::Deadline::current();
    let probe = match (q.bbox, q.filter.as_ref().and_then(Filter::envelope)) {
        (Some(a), Some(b)) if !a.intersects(&b) => return Ok(()),
        (Some(a), Some(b)) => Some(Rect::new(
            Coord {
                x: a.min().x.max(b.min().x),
                y: a.min().y.max(b.min().y),
            },
            Coord {
                x: a.max().x.min(b.max().x),
                y: a.max().y.min(b.max().y),
            },
        )),
        (a, b) => a.or(b),
    };
    let mut candidates: Vec<usize> = match probe {
        Some(r) => layer.hits(r.min(), r.max()).collect(),
        None => (0..layer.features.len()).collect(),
    };
    candidates.sort_unstable();
    let table = &layer.features;
    for (n, i) in candidates.into_iter().enumerate() {
        if n % 1024 == 1023 {
            deadline.check()?;
        }
        if let Some(b) = q.bbox {
            let within = b.contains(&table.bbox(i));
            if !within && !shape_intersects(&table.shape(i), &b) {
                continue;
            }
        }
        if q.datetime.is_none() && q.filter.is_none() {
            visit(i, None);
            continue;
        }
        let feature = table.get(i);
        let timely = q
            .datetime
            .is_none_or(|want| feature_time(&feature.properties).is_some_and(|t| t.meets(&want)));
        if timely && q.filter.as_ref().is_none_or(|flt| flt.matches(&feature)) {
            visit(i, Some(feature));
        }
    }
    Ok(())
}

/// A box given in `crs` (axis 1 and 2 in its authority order) as a CRS84 box
/// that covers it.
pub fn bbox_to_crs84(corners: [f64; 4], crs: Crs) -> Result<Rect, CrsError> {
    let rect = Rect::new(
        Coord {
            x: corners[0],
            y: corners[1],
        },
        Coord {
            x: corners[2],
            y: corners[3],
        },
    );
    if crs == Crs::Crs84 {
        return Ok(rect);
    }
    let mut outline: Vec<Coord> = crate::query::cql2::densified(rect).exterior().0.clone();
    crs::to_crs84(crs, &mut outline)?;
    let finite: Vec<Coord> = outline
        .into_iter()
        .filter(|c| c.x.is_finite() && c.y.is_finite())
        .collect();
    let (mut min, mut max) = (
        Coord {
            x: f64::MAX,
            y: f64::MAX,
        },
        Coord {
            x: f64::MIN,
            y: f64::MIN,
        },
    );
    for c in &finite {
        min = Coord {
            x: min.x.min(c.x),
            y: min.y.min(c.y),
        };
        max = Coord {
            x: max.x.max(c.x),
            y: max.y.max(c.y),
        };
    }
    if finite.is_empty() {
        return Err(CrsError::Unsupported {
            code: match crs {
                Crs::Epsg(c) => c,
                Crs::Crs84 => 0,
            },
            reason: "the box lies outside what the CRS can convert".into(),
        });
    }
    Ok(Rect::new(min, max))
}

/// A feature's geometry as GeoJSON in `crs`, in its authority axis order.
pub fn geometry_in(f: &Feature, crs: Crs) -> Result<Value, CrsError> {
    let mut shape = f.shape.clone();
    if crs != Crs::Crs84 {
        crs::from_crs84(crs, &mut [Coord::zero()])?;
        let convert = |c: Coord| {
            let mut one = [c];
            let _ = crs::from_crs84(crs, &mut one);
            one[0]
        };
        match &mut shape {
            Shape::Area(a) => a.map_coords_in_place(convert),
            Shape::Lines(l) => l.map_coords_in_place(convert),
            Shape::Points(p) => p.map_coords_in_place(convert),
        }
    }
    Ok(crate::geom::geojson::geometry_value(&shape))
}

/// The CRSs a collection offers: CRS84 first, then CGCS2000 geographic,
/// WGS 84, Web Mercator, and the CGCS2000 3° Gauss-Krüger zones (with and
/// without zone prefix) that the layer's extent touches.
pub fn offered_crs(extent: Option<Rect>) -> Vec<Crs> {
    let mut out = vec![
        Crs::Crs84,
        Crs::Epsg(4490),
        Crs::Epsg(4326),
        Crs::Epsg(3857),
    ];
    if let Some(e) = extent {
        // 3° zone n is centred on 3n°E and spans 3n-1.5 .. 3n+1.5.
        let zone = |lon: f64| ((lon + 1.5) / 3.0).floor() as i64;
        let zones = (zone(e.min().x).max(25)..=zone(e.max().x).min(45)).collect::<Vec<_>>();
        for &n in &zones {
            out.push(Crs::Epsg((4513 + n - 25) as u32));
        }
        for &n in &zones {
            out.push(Crs::Epsg((4534 + n - 25) as u32));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tunliu_touches_gauss_kruger_zones_37_and_38() {
        let e = Rect::new(
            Coord {
                x: 112.44,
                y: 36.14,
            },
            Coord {
                x: 113.04,
                y: 36.44,
            },
        );
        let codes: Vec<String> = offered_crs(Some(e)).iter().map(|c| c.to_string()).collect();
        assert_eq!(
            codes,
            [
                "CRS84",
                "EPSG:4490",
                "EPSG:4326",
                "EPSG:3857",
                "EPSG:4525",
                "EPSG:4526",
                "EPSG:4546",
                "EPSG:4547"
            ]
        );
    }

    #[test]
    fn datetime_intervals_parse_with_open_ends() {
        let i = Interval::parse("2020-01-01/..").unwrap();
        assert_eq!(i.start, parse_date("2020-01-01"));
        assert_eq!(i.end, None);
        assert!(Interval::parse("../..").is_err());
        assert!(Interval::parse("2021-01-01/2020-01-01").is_err());
        assert!(Interval::parse("yesterday").is_err());
        assert!(Interval::parse("2020-01-01T00:00:00Z").is_ok());
    }
}
