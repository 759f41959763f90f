//! Ellipsoid areas and geodesic lengths on the CGCS2000 ellipsoid.
//!
//! Mining-right areas are ellipsoid areas (TD/T 1055-2019 附录D). Polygons are
//! integrated along geodesic edges on CGCS2000 (GRS80 shape), which is what an
//! independent geodesic computation such as pyproj's `Geod` gives.

pub mod distance;
mod small_ring;
pub mod within;

use std::sync::OnceLock;

use geo::{Coord, LineString, MultiPolygon, Polygon};
use geographiclib_rs::{Geodesic, InverseGeodesic, PolygonArea, Winding};

/// CGCS2000 semi-major axis in metres.
pub const CGCS2000_A: f64 = 6_378_137.0;
/// CGCS2000 inverse flattening.
pub const CGCS2000_RF: f64 = 298.257_222_101;

/// Square metres in one 亩 (mu): 10000/15.
pub const M2_PER_MU: f64 = 10_000.0 / 15.0;

fn ellipsoid() -> &'static Geodesic {
    static ELLIPSOID: OnceLock<Geodesic> = OnceLock::new();
    ELLIPSOID.get_or_init(|| Geodesic::new(CGCS2000_A, 1.0 / CGCS2000_RF))
}

/// Area in square metres enclosed by a ring of lon/lat coordinates, unsigned.
pub fn ring_area_m2(ring: &LineString) -> f64 {
    ring_signed_area_m2(ring).abs()
}

/// Area enclosed by a ring, positive when it runs counter-clockwise.
pub fn ring_signed_area_m2(ring: &LineString) -> f64 {
    coords_signed_area_m2(&ring.0)
}

/// Area enclosed by a ring given as coordinates (closed or not), positive
/// when it runs counter-clockwise.
pub fn coords_signed_area_m2(ring: &[Coord]) -> f64 {
    let coords = without_closing(ring);
    if coords.len() < 3 {
        return 0.0;
    }
    if let Some(area) = small_ring::signed_area_m2(coords) {
        return area;
    }
    let mut area = PolygonArea::new(ellipsoid(), Winding::CounterClockwise);
    for c in coords {
        area.add_point(c.y, c.x);
    }
    let (_, signed, _) = area.compute(true);
    signed
}

/// Area (m², positive counter-clockwise) enclosed by directed edges that
/// together close — the rings of a region, or the pieces of two boundaries
/// an overlay keeps — summed edge by edge, so they need not be joined into
/// rings first. Edges that do not close give a meaningless number.
pub fn edges_signed_area_m2(edges: &[(Coord, Coord)]) -> f64 {
    if let Some(area) = small_ring::edges_signed_area_m2(edges.iter().copied()) {
        return area;
    }
    // GeographicLib's area under each geodesic, down to the equator; the
    // sum over a boundary that closes (and circles no pole) is its area,
    // counted clockwise.
    -edges
        .iter()
        .filter(|(p, q)| p != q)
        .map(|(p, q)| {
            let (.., s12, _): (f64, f64, f64, f64, f64, f64, f64, f64) =
                ellipsoid().inverse(p.y, p.x, q.y, q.x);
            s12
        })
        .sum::<f64>()
}

/// Ellipsoid area of a polygon: the exterior less its holes.
pub fn polygon_area_m2(polygon: &Polygon) -> f64 {
    let holes: f64 = polygon.interiors().iter().map(ring_area_m2).sum();
    (ring_area_m2(polygon.exterior()) - holes).max(0.0)
}

/// Ellipsoid area of a multipolygon whose parts do not overlap.
pub fn multipolygon_area_m2(multi: &MultiPolygon) -> f64 {
    multi.0.iter().map(polygon_area_m2).sum()
}

/// Geodesic length in metres of a line of lon/lat coordinates.
pub fn line_length_m(line: &LineString) -> f64 {
    line.0
        .windows(2)
        .map(|pair| {
            let s12: f64 = ellipsoid().inverse(pair[0].y, pair[0].x, pair[1].y, pair[1].x);
            s12
        })
        .sum()
}

fn without_closing(ring: &[Coord]) -> &[Coord] {
    match ring {
        [rest @ .., last] if rest.first() == Some(last) => rest,
        all => all,
    }
}

/// An area in the units a review reports: m², 亩, hectares and km².
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct AreaFigures {
    pub area_m2: f64,
    pub area_mu: f64,
    pub area_ha: f64,
    pub area_km2: f64,
}

impl AreaFigures {
    pub fn from_m2(m2: f64) -> Self {
        Self {
            area_m2: m2,
            area_mu: m2 / M2_PER_MU,
            area_ha: m2 / 10_000.0,
            area_km2: m2 / 1_000_000.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn a_one_minute_block_at_tunliu_is_about_four_thousand_mu() {
        // DOMAIN.md: a 1′×1′ block at ≈36.25°N is ≈2.77 km² (≈4,155 亩).
        let m = 1.0 / 60.0;
        let block = polygon![(x: 112.5, y: 36.25), (x: 112.5 + m, y: 36.25), (x: 112.5 + m, y: 36.25 + m), (x: 112.5, y: 36.25 + m)];
        let a = polygon_area_m2(&block);
        assert!((a / 1e6 - 2.77).abs() < 0.01, "{a}");
        assert!((a / M2_PER_MU - 4155.0).abs() < 10.0);
    }

    #[test]
    fn ring_orientation_does_not_change_the_area() {
        let ccw = polygon![(x: 112.0, y: 36.0), (x: 112.1, y: 36.0), (x: 112.1, y: 36.1)];
        let cw = polygon![(x: 112.0, y: 36.0), (x: 112.1, y: 36.1), (x: 112.1, y: 36.0)];
        assert_eq!(polygon_area_m2(&ccw), polygon_area_m2(&cw));
    }
}
