//! The part of an area within a geodesic distance of a shape: how far a
//! protection buffer (a railway's, a fissure's, a closed shaft's) reaches
//! into a candidate.
//!
//! Both shapes are taken to the azimuthal equidistant plane of
//! [`LocalPlane`], the shape is buffered there with round joins and ends,
//! the buffer is intersected with the area, and the result is taken back to
//! longitude/latitude, where its area is the ellipsoid area. Why the plane:
//! within the candidate's reach it keeps distances to better than 10⁻⁶, and
//! a buffer is a planar construction.

use geo::orient::{Direction, Orient};
use geo::{BooleanOps, BoundingRect, Coord, Intersects, LineString, MultiPolygon, Polygon, Rect};
use geographiclib_rs::{DirectGeodesic, InverseGeodesic};

use super::distance::LocalPlane;
use super::ellipsoid;

/// How far (m) a buffer's rounded ends and joins may fall inside the true
/// circle: each arc is drawn with segments whose sagitta is at most this.
const ARC_SAGITTA_M: f64 = 0.002;
/// Most arc vertices one buffer draws; beyond, arcs are drawn coarser.
const ARC_VERTEX_BUDGET: f64 = 400_000.0;
/// Edges longer than this (m) are divided along their geodesic before they
/// are taken to the plane, where they are drawn straight.
const LONGEST_STRAIGHT_EDGE_M: f64 = 500.0;

/// A run of lon/lat vertices with every edge longer than
/// [`LONGEST_STRAIGHT_EDGE_M`] divided along its geodesic.
pub fn densified(run: &[Coord]) -> Vec<Coord> {
    let mut out = Vec::with_capacity(run.len());
    for pair in run.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        out.push(a);
        let (s12, azi1, _, _): (f64, f64, f64, f64) = ellipsoid().inverse(a.y, a.x, b.y, b.x);
        let pieces = (s12 / LONGEST_STRAIGHT_EDGE_M).ceil();
        if pieces > 1.0 {
            let step = s12 / pieces;
            for k in 1..pieces as usize {
                let (lat, lon): (f64, f64) = ellipsoid().direct(a.y, a.x, azi1, step * k as f64);
                out.push(Coord { x: lon, y: lat });
            }
        }
    }
    if let Some(last) = run.last() {
        out.push(*last);
    }
    out
}

/// An area with every ring [`densified`]: cut it only after this, since a
/// cut joins its new vertices straight in longitude/latitude, off the
/// geodesic of a long edge (by 8 cm on a 3 km edge at 36°N).
pub fn densified_area(area: &MultiPolygon) -> MultiPolygon {
    let ring = |r: &LineString| LineString(densified(&r.0));
    MultiPolygon(
        area.0
            .iter()
            .map(|p| Polygon::new(ring(p.exterior()), p.interiors().iter().map(ring).collect()))
            .collect(),
    )
}

fn run_to_plane(plane: &LocalPlane, run: &[Coord]) -> LineString {
    densified(run)
        .into_iter()
        .map(|c| {
            let [x, y] = plane.to_plane(c);
            Coord { x, y }
        })
        .collect()
}

/// An area of lon/lat polygons, in the plane (edges divided first).
pub fn area_to_plane(plane: &LocalPlane, area: &MultiPolygon) -> MultiPolygon {
    MultiPolygon(
        area.0
            .iter()
            .map(|p| {
                Polygon::new(
                    run_to_plane(plane, &p.exterior().0),
                    p.interiors()
                        .iter()
                        .map(|h| run_to_plane(plane, &h.0))
                        .collect(),
                )
            })
            .collect(),
    )
}

/// An area in the plane, back in longitude/latitude.
pub fn area_from_plane(plane: &LocalPlane, area: &MultiPolygon) -> MultiPolygon {
    let back = |ring: &LineString| -> LineString {
        ring.0
            .iter()
            .map(|c| plane.from_plane([c.x, c.y]))
            .collect()
    };
    MultiPolygon(
        area.0
            .iter()
            .map(|p| Polygon::new(back(p.exterior()), p.interiors().iter().map(back).collect()))
            .collect(),
    )
}

/// A shape to buffer, in longitude/latitude.
pub enum Reached<'a> {
    Area(&'a MultiPolygon),
    /// Lines: each run's consecutive vertices joined.
    Lines(&'a [Vec<Coord>]),
    Points(&'a [Coord]),
}

/// Every point of the plane within `distance_m` of `shape`: the shape,
/// a rectangle either side of each edge, and the arc around each vertex on
/// the outer side of its turn (a whole disc at a line's ends and at
/// points), joined. Why not geo's buffer: it draws arcs with segments of at
/// least 0.01π, 5 cm inside the circle at 400 m and 6 m at 50 km; these
/// arcs keep within [`ARC_SAGITTA_M`] at any distance.
///
/// With `only_in`, a box in the plane, the buffer is drawn only there: the
/// pieces that miss the box are left out and the others cut to it, so a
/// caller that intersects the buffer with a shape inside the box gets the
/// same part at a fraction of the cost (the arcs far from the candidate are
/// most of a buffer's vertices).
pub fn buffer_in_plane(
    plane: &LocalPlane,
    shape: Reached,
    distance_m: f64,
    only_in: Option<Rect>,
) -> MultiPolygon {
    let step = 2.0 * (1.0 - (ARC_SAGITTA_M / distance_m).min(1.0)).acos();
    let step = step.min(std::f64::consts::TAU / 64.0);
    // At most a whole turn for each point and line end and half a turn for
    // each other vertex: past the budget, arcs get coarser rather than the
    // buffer growing without bound (a zigzag of many vertices at 5 km).
    use std::f64::consts::PI;
    let arcs = match &shape {
        Reached::Area(area) => {
            PI * area
                .0
                .iter()
                .map(|p| {
                    p.exterior().0.len() + p.interiors().iter().map(|h| h.0.len()).sum::<usize>()
                })
                .sum::<usize>() as f64
        }
        Reached::Lines(runs) => runs.iter().map(|r| PI * r.len() as f64 + 4.0 * PI).sum(),
        Reached::Points(points) => 2.0 * PI * points.len() as f64,
    };
    let step = step.max(arcs / ARC_VERTEX_BUDGET);
    let mut pieces: Vec<Polygon> = Vec::new();
    match shape {
        Reached::Area(area) => {
            let area = area_to_plane(plane, area).orient(Direction::Default);
            for p in &area.0 {
                for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                    stroke(&mut pieces, &ring.0, true, distance_m, step);
                }
            }
            // First, so that the union reads every piece as counter-clockwise.
            pieces.splice(0..0, area.0);
        }
        Reached::Lines(runs) => {
            for run in runs.iter().filter(|r| !r.is_empty()) {
                let line = run_to_plane(plane, run);
                stroke(&mut pieces, &line.0, false, distance_m, step);
            }
        }
        Reached::Points(points) => {
            for &c in points {
                let [x, y] = plane.to_plane(c);
                pieces.push(disc(Coord { x, y }, distance_m, step));
            }
        }
    }
    if let Some(only) = only_in {
        pieces = pieces
            .into_iter()
            .filter(|p| p.bounding_rect().is_some_and(|b| b.intersects(&only)))
            .flat_map(|p| crate::geom::clip::cut_to(&MultiPolygon(vec![p]), only).0)
            .collect();
    }
    if pieces.is_empty() {
        return MultiPolygon(vec![]);
    }
    geo::unary_union(&pieces)
}

/// A disc about `centre` as a counter-clockwise polygon with a vertex every
/// `step` radians.
fn disc(centre: Coord, r: f64, step: f64) -> Polygon {
    let n = (std::f64::consts::TAU / step).ceil().max(8.0) as usize;
    let ring: Vec<Coord> = (0..=n)
        .map(|k| {
            let t = k as f64 / n as f64 * std::f64::consts::TAU;
            Coord {
                x: centre.x + r * t.cos(),
                y: centre.y + r * t.sin(),
            }
        })
        .collect();
    Polygon::new(LineString(ring), vec![])
}

/// The sector of the disc of radius `r` about `v` from angle `start`
/// through `sweep` radians (negative: clockwise), as a counter-clockwise
/// polygon with a vertex every `step` radians along its arc.
fn sector(v: Coord, start: f64, sweep: f64, r: f64, step: f64) -> Polygon {
    let count = (sweep.abs() / step).ceil().max(1.0) as usize;
    let mut ring = vec![v];
    ring.extend((0..=count).map(|i| {
        let t = start + sweep * i as f64 / count as f64;
        Coord {
            x: v.x + r * t.cos(),
            y: v.y + r * t.sin(),
        }
    }));
    ring.push(v);
    if sweep < 0.0 {
        ring.reverse();
    }
    Polygon::new(LineString(ring), vec![])
}

/// The pieces of a run's buffer: a rectangle either side of each edge and,
/// at each vertex where the run turns, the sector on the outer side (the
/// inner side is covered by the rectangles); at the ends of an open run,
/// half discs. Neighbouring pieces meet corner to corner along the
/// buffer's edge rather than overlapping there: overlapping arcs of nearly
/// the same circle (50 km about vertices metres apart) cost the union
/// seconds.
fn stroke(pieces: &mut Vec<Polygon>, run: &[Coord], closed: bool, r: f64, step: f64) {
    let mut vertices: Vec<Coord> = Vec::with_capacity(run.len());
    for &c in run {
        if vertices.last() != Some(&c) {
            vertices.push(c);
        }
    }
    if closed && vertices.len() > 1 && vertices.first() == vertices.last() {
        vertices.pop();
    }
    let n = vertices.len();
    if n == 0 {
        return;
    }
    if n == 1 {
        pieces.push(disc(vertices[0], r, step));
        return;
    }
    let edges = if closed { n } else { n - 1 };
    let unit = |k: usize| {
        let (a, b) = (vertices[k % n], vertices[(k + 1) % n]);
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let len = dx.hypot(dy);
        Coord {
            x: dx / len,
            y: dy / len,
        }
    };
    // The angle of the right normal of a direction.
    let right = |u: Coord| (-u.x).atan2(u.y);
    if !closed {
        // Caps: from the left normal round the back at the start, from
        // the right normal round the front at the end.
        let (first, last) = (unit(0), unit(n - 2));
        pieces.push(sector(
            vertices[0],
            right(first) + std::f64::consts::PI,
            std::f64::consts::PI,
            r,
            step,
        ));
        pieces.push(sector(
            vertices[n - 1],
            right(last),
            std::f64::consts::PI,
            r,
            step,
        ));
    }
    for k in 0..edges {
        let (a, b, u) = (vertices[k], vertices[(k + 1) % n], unit(k));
        // Left normal times r: the rectangle a−n, b−n, b+n, a+n runs
        // counter-clockwise.
        let nl = Coord {
            x: -u.y * r,
            y: u.x * r,
        };
        pieces.push(Polygon::new(
            LineString(vec![a - nl, b - nl, b + nl, a + nl, a - nl]),
            vec![],
        ));
    }
    let turns = if closed { 0..n } else { 1..n - 1 };
    for k in turns {
        let (u1, u2) = (unit((k + n - 1) % n), unit(k));
        let (cross, dot) = (u1.x * u2.y - u1.y * u2.x, u1.x * u2.x + u1.y * u2.y);
        let turn = cross.atan2(dot);
        if turn == 0.0 {
            continue;
        }
        // A left turn bulges on the right, and the right normals then turn
        // counter-clockwise with the edges; a right turn is the mirror.
        let start = if turn > 0.0 {
            right(u1)
        } else {
            right(u1) + std::f64::consts::PI
        };
        pieces.push(sector(vertices[k], start, turn, r, step));
    }
}

/// The part of `area_in_plane` inside `buffer` (both in the plane).
pub fn part_within(area_in_plane: &MultiPolygon, buffer: &MultiPolygon) -> MultiPolygon {
    if buffer.0.is_empty() || area_in_plane.0.is_empty() {
        return MultiPolygon(vec![]);
    }
    area_in_plane.intersection(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geom::geodesy::multipolygon_area_m2;

    #[test]
    fn a_point_buffer_is_a_circle_of_the_distance_asked() {
        let centre = Coord { x: 112.9, y: 36.3 };
        let plane = LocalPlane::new(centre);
        let r = 300.0;
        let circle = buffer_in_plane(&plane, Reached::Points(&[centre]), r, None);
        let lonlat = area_from_plane(&plane, &circle);
        // The inscribed polygon falls short of πr² by at most its sagittas'
        // share: 2·sagitta/r of the area.
        let area = multipolygon_area_m2(&lonlat);
        let disc = std::f64::consts::PI * r * r;
        assert!(
            area < disc && area > disc * (1.0 - 2.0 * ARC_SAGITTA_M / r),
            "{area} vs {disc}"
        );
    }

    #[test]
    fn a_bent_line_is_buffered_on_both_sides_and_around_its_turns() {
        // An L of two 100 m legs, buffered by 10 m: two 20 × 100 m strips
        // less the 10 × 10 m square they share on the inner side, a half
        // disc at each end, and the outer quarter disc at the turn.
        let plane = LocalPlane::new(Coord { x: 112.9, y: 36.3 });
        let run: Vec<Coord> = [[0.0, 0.0], [100.0, 0.0], [100.0, 100.0]]
            .iter()
            .map(|&[x, y]| plane.from_plane([x, y]))
            .collect();
        let buffer = buffer_in_plane(&plane, Reached::Lines(&[run]), 10.0, None);
        let area = geo::Area::unsigned_area(&buffer);
        let exact = 2.0 * 2_000.0 - 100.0 + 1.25 * std::f64::consts::PI * 100.0;
        // Arcs are inscribed: short by at most the sagitta along 78.5 m of arc.
        assert!(
            area < exact + 1e-3 && area > exact - ARC_SAGITTA_M * 80.0,
            "{area} vs {exact}"
        );
    }

    #[test]
    fn a_long_edge_is_divided_along_its_geodesic() {
        let run = [Coord { x: 112.0, y: 36.0 }, Coord { x: 112.1, y: 36.05 }];
        let d = densified(&run);
        assert!(d.len() > 2);
        for pair in d.windows(2) {
            let s: f64 = ellipsoid().inverse(pair[0].y, pair[0].x, pair[1].y, pair[1].x);
            assert!(s <= LONGEST_STRAIGHT_EDGE_M + 1e-6, "{s}");
        }
        assert_eq!(d.first(), run.first());
        assert_eq!(d.last(), run.last());
    }
}
