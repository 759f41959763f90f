//! Geodesic distances between shapes on CGCS2000.
//!
//! The nearest points of two shapes are found in an azimuthal equidistant
//! plane about a point near both (the geodesic distance and azimuth from
//! that point, computed with GeographicLib), and their distance is then the
//! geodesic distance between those two points. Why: the plane keeps
//! distances from its centre exact and others within (s/R)²/6 (4·10⁻⁵ at
//! 100 km), so the pair it picks is the nearest pair to far better than a
//! millimetre at planning distances, while the figure reported is geodesic.

use geo::Coord;
use geographiclib_rs::{DirectGeodesic, InverseGeodesic};
use rstar::RTree;
use rstar::primitives::Line;

use super::ellipsoid;

/// An azimuthal equidistant plane about `centre` (x east, y north, metres).
#[derive(Debug, Clone, Copy)]
pub struct LocalPlane {
    centre: Coord,
}

impl LocalPlane {
    pub fn new(centre: Coord) -> LocalPlane {
        LocalPlane { centre }
    }

    pub fn to_plane(&self, c: Coord) -> [f64; 2] {
        let (s12, azi1, _, _): (f64, f64, f64, f64) =
            ellipsoid().inverse(self.centre.y, self.centre.x, c.y, c.x);
        let a = azi1.to_radians();
        [s12 * a.sin(), s12 * a.cos()]
    }

    pub fn from_plane(&self, p: [f64; 2]) -> Coord {
        let s = p[0].hypot(p[1]);
        if s == 0.0 {
            return self.centre;
        }
        let azi = p[0].atan2(p[1]).to_degrees();
        let (lat, lon): (f64, f64) = ellipsoid().direct(self.centre.y, self.centre.x, azi, s);
        Coord { x: lon, y: lat }
    }
}

/// The geodesic distance (m) between the nearest points of two areas that
/// do not overlap (0 where they touch), measured in the plane about the
/// centre of `a`'s box as [`nearest_pair`] finds them.
pub fn distance_between_areas(a: &geo::MultiPolygon, b: &geo::MultiPolygon) -> Option<f64> {
    use geo::BoundingRect;
    let plane = LocalPlane::new(a.bounding_rect()?.center());
    let rings = |m: &'_ geo::MultiPolygon| -> Vec<Vec<Coord>> {
        m.0.iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .map(|r| r.0.clone())
            .collect()
    };
    let (ra, rb) = (rings(a), rings(b));
    let oa = PlaneOutline::new(&plane, ra.iter().map(Vec::as_slice), true).with_vertex_index();
    let ob = PlaneOutline::new(&plane, rb.iter().map(Vec::as_slice), true);
    let (pa, pb, planar) = nearest_pair(&oa, &ob)?;
    if planar == 0.0 {
        return Some(0.0);
    }
    Some(geodesic_distance_m(
        plane.from_plane(pa),
        plane.from_plane(pb),
    ))
}

/// The geodesic distance in metres between two lon/lat points.
pub fn geodesic_distance_m(a: Coord, b: Coord) -> f64 {
    let s: f64 = ellipsoid().inverse(a.y, a.x, b.y, b.x);
    s
}

/// A shape's boundary in a local plane: its vertices and the segments
/// between them, indexed for nearest-segment queries.
pub struct PlaneOutline {
    vertices: Vec<[f64; 2]>,
    segments: RTree<Line<[f64; 2]>>,
    /// The vertices indexed too (for the candidate, measured against many
    /// features): only those near a feature are then visited.
    vertex_index: Option<RTree<[f64; 2]>>,
    min: [f64; 2],
    max: [f64; 2],
}

impl PlaneOutline {
    /// `runs` are rings or lines (consecutive vertices joined) or, with
    /// `joined` false, lone points.
    pub fn new<'a>(
        plane: &LocalPlane,
        runs: impl Iterator<Item = &'a [Coord]>,
        joined: bool,
    ) -> PlaneOutline {
        let mut vertices = Vec::new();
        let mut segments = Vec::new();
        for run in runs {
            let start = vertices.len();
            vertices.extend(run.iter().map(|&c| plane.to_plane(c)));
            if joined {
                for w in vertices[start..].windows(2) {
                    if w[0] != w[1] {
                        segments.push(Line::new(w[0], w[1]));
                    }
                }
            }
        }
        let (mut min, mut max) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for v in &vertices {
            for k in 0..2 {
                min[k] = min[k].min(v[k]);
                max[k] = max[k].max(v[k]);
            }
        }
        PlaneOutline {
            vertices,
            segments: RTree::bulk_load(segments),
            vertex_index: None,
            min,
            max,
        }
    }

    /// Indexes the vertices as well, for an outline measured many times.
    pub fn with_vertex_index(mut self) -> PlaneOutline {
        self.vertex_index = Some(RTree::bulk_load(self.vertices.clone()));
        self
    }

    pub fn is_empty(&self) -> bool {
        self.vertices.is_empty()
    }
}

/// The nearest pair of points of two outlines (in the plane), the first on
/// `a`, the second on `b`: the nearest of each one's vertices to the other's
/// segments (or vertices, for points). Right for shapes that do not cross,
/// which is where a distance is asked for: shapes that meet are 0 apart.
pub fn nearest_pair(a: &PlaneOutline, b: &PlaneOutline) -> Option<([f64; 2], [f64; 2], f64)> {
    let mut best: Option<([f64; 2], [f64; 2], f64)> = None;
    fn consider(best: &mut Option<([f64; 2], [f64; 2], f64)>, pa: [f64; 2], pb: [f64; 2]) {
        let d2 = dist2(pa, pb);
        if best.is_none_or(|(_, _, d)| d2 < d) {
            *best = Some((pa, pb, d2));
        }
    }
    let nearest_on = |outline: &PlaneOutline, p: [f64; 2]| -> Option<[f64; 2]> {
        if outline.segments.size() > 0 {
            outline
                .segments
                .nearest_neighbor(p)
                .map(|line| line.nearest_point(&p))
        } else {
            outline
                .vertices
                .iter()
                .copied()
                .min_by(|u, v| dist2(*u, p).total_cmp(&dist2(*v, p)))
        }
    };
    for &v in &b.vertices {
        if let Some(pa) = nearest_on(a, v) {
            consider(&mut best, pa, v);
        }
    }
    if b.segments.size() > 0 {
        // A vertex of `a` nearer to `b` than the best pair so far lies in
        // b's box widened by that distance.
        let reach = best.map_or(f64::INFINITY, |(_, _, d2)| d2.sqrt());
        let near: Box<dyn Iterator<Item = [f64; 2]>> = match (&a.vertex_index, reach.is_finite()) {
            (Some(index), true) => Box::new(
                index
                    .locate_in_envelope(rstar::AABB::from_corners(
                        [b.min[0] - reach, b.min[1] - reach],
                        [b.max[0] + reach, b.max[1] + reach],
                    ))
                    .copied(),
            ),
            _ => Box::new(a.vertices.iter().copied()),
        };
        for v in near {
            if let Some(pb) = nearest_on(b, v) {
                consider(&mut best, v, pb);
            }
        }
    }
    best.map(|(pa, pb, d2)| (pa, pb, d2.sqrt()))
}

fn dist2(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_taken_to_the_plane_and_back_is_the_same_point() {
        let plane = LocalPlane::new(Coord { x: 112.9, y: 36.3 });
        for c in [
            Coord {
                x: 112.95,
                y: 36.21,
            },
            Coord { x: 111.0, y: 38.0 },
            Coord { x: 112.9, y: 36.3 },
        ] {
            let back = plane.from_plane(plane.to_plane(c));
            assert!(
                (back.x - c.x).abs() < 1e-10 && (back.y - c.y).abs() < 1e-10,
                "{back:?}"
            );
        }
    }

    #[test]
    fn distances_from_the_centre_of_the_plane_are_geodesic() {
        let centre = Coord { x: 112.9, y: 36.3 };
        let plane = LocalPlane::new(centre);
        let c = Coord { x: 113.4, y: 36.9 };
        let p = plane.to_plane(c);
        let planar = p[0].hypot(p[1]);
        assert!((planar - geodesic_distance_m(centre, c)).abs() < 1e-6);
    }

    #[test]
    fn the_vertex_index_finds_the_pair_a_full_scan_finds() {
        let plane = LocalPlane::new(Coord { x: 112.9, y: 36.3 });
        let star: Vec<Coord> = (0..=2_000)
            .map(|k| {
                let t = k as f64 / 2_000.0 * std::f64::consts::TAU;
                let r = 0.02 * (1.0 + 0.3 * (7.0 * t).sin());
                Coord {
                    x: 112.9 + r * t.cos(),
                    y: 36.3 + r * t.sin(),
                }
            })
            .collect();
        let whole = PlaneOutline::new(&plane, std::iter::once(star.as_slice()), true);
        let indexed =
            PlaneOutline::new(&plane, std::iter::once(star.as_slice()), true).with_vertex_index();
        for i in 0..40 {
            let (x, y) = (112.85 + 0.0027 * i as f64, 36.27 + 0.0013 * (i % 7) as f64);
            let square = [
                Coord { x, y },
                Coord { x: x + 0.001, y },
                Coord {
                    x: x + 0.001,
                    y: y + 0.001,
                },
                Coord { x, y: y + 0.001 },
                Coord { x, y },
            ];
            let feature = PlaneOutline::new(&plane, std::iter::once(square.as_slice()), true);
            let (_, _, d) = nearest_pair(&whole, &feature).unwrap();
            let (_, _, e) = nearest_pair(&indexed, &feature).unwrap();
            assert_eq!(d, e, "square {i}");
        }
    }
}
