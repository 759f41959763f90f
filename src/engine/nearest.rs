//! The nearest feature of a layer to a candidate, by geodesic distance
//! ("the nearest existing right is 420 m away").
//!
//! Cost follows what is near, not the layer: the layer's index is walked
//! best first by the least distance in metres a box allows, and the walk
//! stops at the first box farther than the nearest feature measured, so
//! only features about as near as the nearest one are measured.

use geo::{BoundingRect, Coord, MultiPolygon, Rect};
use serde::Serialize;

use crate::deadline::Deadline;
use crate::geom::geodesy::distance::{LocalPlane, PlaneOutline, geodesic_distance_m, nearest_pair};
use crate::layer::FeatureId;
use crate::layer::catalog::Layer;

/// The nearest feature of one layer.
#[derive(Debug, Clone, Serialize)]
pub struct NearestFeature {
    pub layer: String,
    pub feature_id: FeatureId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Geodesic distance on CGCS2000 between the nearest points, metres.
    pub distance_m: f64,
}

/// Metres per degree of latitude, at least (GRS80 meridian radius at the
/// equator, a(1−e²)): a distance of r metres spans at most r / this.
const MIN_M_PER_DEG_LAT: f64 = 110_574.0;
/// Metres per degree of longitude at the equator, at least (a·π/180).
const MIN_M_PER_DEG_LON_EQUATOR: f64 = 111_319.0;
/// Beyond this reach the box is the whole world: the box arithmetic below
/// (a geodesic along a parallel) holds to well under 1 % up to here.
const WHOLE_WORLD_REACH_M: f64 = 2_000_000.0;

/// The box holding every point within `reach_m` metres of `bbox`.
pub(crate) fn reach_box(bbox: Rect, reach_m: f64) -> Rect {
    if reach_m >= WHOLE_WORLD_REACH_M {
        return Rect::new(
            Coord {
                x: -180.0,
                y: -90.0,
            },
            Coord { x: 180.0, y: 90.0 },
        );
    }
    let dlat = reach_m / MIN_M_PER_DEG_LAT;
    let south = (bbox.min().y - dlat).max(-90.0);
    let north = (bbox.max().y + dlat).min(90.0);
    let far = south.abs().max(north.abs());
    let dlon = if far >= 89.0 {
        360.0
    } else {
        // A parallel's degree is shortest on the latitude nearest the pole;
        // 1 % more for the geodesic that cuts across it.
        1.01 * reach_m / (MIN_M_PER_DEG_LON_EQUATOR * far.to_radians().cos())
    };
    Rect::new(
        Coord {
            x: (bbox.min().x - dlon).max(-180.0),
            y: south,
        },
        Coord {
            x: (bbox.max().x + dlon).min(180.0),
            y: north,
        },
    )
}

/// The candidate, ready to be measured against features.
pub struct Measured {
    plane: LocalPlane,
    outline: PlaneOutline,
    bbox: Rect,
}

impl Measured {
    pub fn new(area: &MultiPolygon) -> Option<Measured> {
        let bbox = area.bounding_rect()?;
        let plane = LocalPlane::new(bbox.center());
        let outline = PlaneOutline::new(
            &plane,
            area.0.iter().flat_map(|p| {
                std::iter::once(p.exterior())
                    .chain(p.interiors())
                    .map(|r| r.0.as_slice())
            }),
            true,
        )
        .with_vertex_index();
        Some(Measured {
            plane,
            outline,
            bbox,
        })
    }

    /// The gap (degrees of longitude, of latitude) between the candidate's
    /// box and `other`, and the latitude of either farthest from the equator.
    fn gap_to(&self, other: Rect) -> (f64, f64, f64) {
        let gap = |lo1: f64, hi1: f64, lo2: f64, hi2: f64| (lo2 - hi1).max(lo1 - hi2).max(0.0);
        let (a, b) = (self.bbox, other);
        let far = [a.min().y, a.max().y, b.min().y, b.max().y]
            .iter()
            .fold(0.0_f64, |m, y| m.max(y.abs()));
        (
            gap(a.min().x, a.max().x, b.min().x, b.max().x),
            gap(a.min().y, a.max().y, b.min().y, b.max().y),
            far,
        )
    }

    /// A distance (m) no shape in `other` can be nearer to the candidate
    /// than: the gap between the two boxes, a degree of latitude taken at
    /// its shortest and a degree of longitude at the parallel 5° poleward
    /// of both boxes, less a tenth (a geodesic bows poleward of the
    /// parallels it crosses).
    fn box_lower_bound_m(&self, other: Rect) -> f64 {
        let (dx, dy, far) = self.gap_to(other);
        let cos = (far + 5.0).min(90.0).to_radians().cos();
        (dy * MIN_M_PER_DEG_LAT).max(0.9 * dx * MIN_M_PER_DEG_LON_EQUATOR * cos)
    }

    /// A distance (m) no shape in `other` can be nearer to the candidate
    /// than, where what matters is only whether it is nearer than
    /// `within_m`: tighter than [`Self::box_lower_bound_m`], whose allowance
    /// for a geodesic bowing poleward (5°, a tenth) is made for any length.
    /// A geodesic of length s between latitudes at most Φ from the equator
    /// stays within Φ + δ, δ < (s/b)²/8 · tan Φ (b the polar radius; taken
    /// here four times over, and at least as if Φ were 45°), and along it
    /// ds ≥ N cos φ |dλ| ≥ a cos(Φ + δ) |dλ| and ds ≥ M |dφ| ≥ a(1 − e²) |dφ|.
    /// Past 1,000 km, the general bound.
    fn lower_bound_within_m(&self, other: Rect, within_m: f64) -> f64 {
        if within_m > 1_000_000.0 {
            return self.box_lower_bound_m(other);
        }
        let (dx, dy, far) = self.gap_to(other);
        let ratio = within_m / 6_356_752.0;
        let bow = (0.5 * ratio * ratio * far.to_radians().tan().max(1.0)).to_degrees();
        let cos = (far + bow).min(90.0).to_radians().cos();
        (dy * MIN_M_PER_DEG_LAT).max(dx * MIN_M_PER_DEG_LON_EQUATOR * cos)
    }

    /// The plane the candidate is measured in.
    pub(crate) fn plane(&self) -> &LocalPlane {
        &self.plane
    }

    /// The candidate's bounding box (lon/lat).
    pub(crate) fn bbox(&self) -> Rect {
        self.bbox
    }

    /// The geodesic distance from the candidate to feature `i` of `layer`,
    /// for a feature that does not overlap it.
    pub(crate) fn distance_to(&self, layer: &Layer, i: usize) -> Option<f64> {
        let view = layer.data.features.view(i);
        let joined = !view.is_points();
        let outline = PlaneOutline::new(&self.plane, view.parts().flatten(), joined);
        if outline.is_empty() {
            return None;
        }
        let (pa, pb, planar) = nearest_pair(&self.outline, &outline)?;
        if planar == 0.0 {
            return Some(0.0);
        }
        Some(geodesic_distance_m(
            self.plane.from_plane(pa),
            self.plane.from_plane(pb),
        ))
    }

    /// The feature of `layer` nearest to the candidate, and how far it is;
    /// `None` for an empty layer or past the deadline.
    pub fn nearest(&self, layer: &Layer) -> Option<NearestFeature> {
        let deadline = Deadline::current();
        let table = &layer.data.features;
        let mut best: Option<(usize, f64)> = None;
        // Features in order of the least distance their boxes allow: once
        // a box is farther than the best distance so far, so is every
        // feature after it, and none is measured (of a million parcels, the
        // few dozen nearest are).
        for (bound, i) in layer.data.nearest_first(|b| self.box_lower_bound_m(b)) {
            if deadline.expired() {
                return None;
            }
            if best.is_some_and(|(_, e)| bound > e) {
                break;
            }
            // The walk's bound allows for any distance; the best so far
            // allows a tighter one, which spares measuring most of the
            // features the walk still passes.
            if best.is_some_and(|(_, e)| self.lower_bound_within_m(table.bbox(i), e) > e) {
                continue;
            }
            if let Some(d) = self.distance_to(layer, i) {
                let nearer = match best {
                    None => true,
                    Some((j, e)) => d < e || (d == e && table.id_text(i) < table.id_text(j)),
                };
                if nearer {
                    best = Some((i, d));
                }
            }
        }
        let (i, distance_m) = best?;
        Some(NearestFeature {
            layer: layer.entry.id.clone(),
            feature_id: table.id(i),
            name: table.name(i).map(str::to_string),
            distance_m,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn the_bound_within_a_distance_is_below_every_geodesic_that_short() {
        use geographiclib_rs::InverseGeodesic;
        let geod = geographiclib_rs::Geodesic::wgs84();
        for lat in [0.0, 36.2, 60.0, 80.0] {
            let (w, s) = (112.8, lat);
            let candidate = polygon![(x: w, y: s), (x: w + 0.1, y: s), (x: w + 0.1, y: s + 0.1), (x: w, y: s + 0.1), (x: w, y: s)];
            let m = Measured::new(&MultiPolygon(vec![candidate])).unwrap();
            // Boxes east and north-east of it, near and far.
            for (dx, dy) in [(0.05, 0.0), (0.3, 0.0), (0.3, 0.2), (2.0, 1.0), (0.0, 0.5)] {
                let other = Rect::new(
                    Coord {
                        x: w + 0.1 + dx,
                        y: s + dy,
                    },
                    Coord {
                        x: w + 0.2 + dx,
                        y: s + 0.1 + dy,
                    },
                );
                // The least distance between the facing edges, sampled.
                let mut least = f64::INFINITY;
                for k in 0..=200 {
                    for j in 0..=200 {
                        let (y1, y2) = (
                            s + 0.1 * k as f64 / 200.0,
                            other.min().y + 0.1 * j as f64 / 200.0,
                        );
                        let (x1, x2) = (w + 0.1, other.min().x);
                        let d: f64 = geod.inverse(y1, x1, y2, x2);
                        least = least.min(d);
                    }
                }
                for within in [least, 2.0 * least, 10.0 * least] {
                    let bound = m.lower_bound_within_m(other, within);
                    assert!(
                        bound <= least,
                        "{lat} {dx} {dy}: bound {bound} over {least}"
                    );
                    assert!(
                        bound >= m.box_lower_bound_m(other) * 0.999,
                        "no tighter than the general bound"
                    );
                }
            }
        }
    }

    #[test]
    fn the_reach_box_holds_every_point_that_far_away() {
        let bbox = Rect::new(Coord { x: 112.8, y: 36.2 }, Coord { x: 112.9, y: 36.3 });
        let reach = 20_000.0;
        let probe = reach_box(bbox, reach);
        // Due north, south, east and west of the box's corners, 20 km on.
        let geod = geographiclib_rs::Geodesic::wgs84();
        use geographiclib_rs::DirectGeodesic;
        for (lat, lon) in [(36.3, 112.9), (36.2, 112.8), (36.3, 112.8), (36.2, 112.9)] {
            for azi in [0.0, 90.0, 180.0, 270.0, 45.0, 135.0] {
                let (la, lo): (f64, f64) = geod.direct(lat, lon, azi, reach);
                assert!(
                    probe.min().x <= lo
                        && lo <= probe.max().x
                        && probe.min().y <= la
                        && la <= probe.max().y,
                    "{la},{lo} outside {probe:?}"
                );
            }
        }
    }
}
