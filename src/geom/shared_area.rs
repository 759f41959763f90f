//! The exact area two areas share, and its outline, from their boundaries —
//! with no fixed-point grid.
//!
//! Why: the boolean operations (i_overlay) snap every vertex to a grid of
//! 2³⁰ steps across the operands' extent. Along the edge of a 0.4° zone a
//! step is about 4e-10°, so a sliver 1e-9° wide (0.1 mm) came out 40 % too
//! large, and whether a block drawn on a neighbour's boundary overlaps it
//! (more than 0.01 m²) or only touches it was decided by rounding. Here
//! every point is either a vertex of one of the two areas or the crossing
//! of two of their edges computed in f64, as GEOS computes it, so the
//! shared part has the vertices GEOS gives it and its geodesic area is
//! GEOS's to the last few digits.
//!
//! How, for areas A and B (rings oriented so the interior is on the left):
//! 1. split every edge of A where an edge of B crosses or touches it, and
//!    every edge of B where an edge of A does — the crossing of a pair of
//!    edges is computed once, from the pair in a fixed order, so both sides
//!    split at the very same point;
//! 2. keep the pieces of A's boundary inside B and of B's boundary inside A
//!    (decided at each piece's middle by exact orientation tests); a piece
//!    the two boundaries share is kept once when both run the same way
//!    (both interiors on its left) and dropped when they run opposite ways
//!    (the areas only touch there);
//! 3. the kept pieces close into the boundary of A ∩ B: their area is the
//!    sum of their edges' areas ([`geodesy::edges_signed_area_m2`]), and
//!    joined end to end they are its rings.

use std::cmp::Ordering;
use std::collections::HashMap;

use geo::algorithm::orient::{Direction, Orient};
use geo::kernels::{Kernel, Orientation, RobustKernel};
use geo::{Coord, LineString, MultiPolygon, Polygon};

use crate::geom::geodesy;
use crate::geom::segments::{Edge, EdgeIndex, Position};

/// What two areas share: its ellipsoid area and its outline.
pub struct Shared {
    pub area_m2: f64,
    /// The pieces of boundary that enclose the shared part, directed with
    /// the shared part on their left.
    pieces: Vec<(Coord, Coord)>,
}

/// The part `a` and `b` share, both in lon/lat degrees. Each polygon's
/// rings may run either way; the parts of one multipolygon must not overlap.
pub fn shared(a: &MultiPolygon, b: &MultiPolygon) -> Shared {
    let a = a.orient(Direction::Default);
    let b = b.orient(Direction::Default);
    let (index_a, index_b) = (EdgeIndex::new(&a), EdgeIndex::new(&b));
    let mut pieces = Vec::new();
    for edge in index_a.all_edges() {
        for (p, q) in split(edge, &index_b) {
            match along(p, q, &index_b) {
                Some(same_way) if same_way => pieces.push((p, q)),
                Some(_) => {}
                None if index_b.position_of(middle(p, q)) == Position::Inside => {
                    pieces.push((p, q))
                }
                None => {}
            }
        }
    }
    for edge in index_b.all_edges() {
        for (p, q) in split(edge, &index_a) {
            // A shared piece was kept (or not) from A's side.
            if along(p, q, &index_a).is_none()
                && index_a.position_of(middle(p, q)) == Position::Inside
            {
                pieces.push((p, q));
            }
        }
    }
    let area_m2 = geodesy::edges_signed_area_m2(&pieces).max(0.0);
    Shared { area_m2, pieces }
}

impl Shared {
    /// The shared part as polygons: the kept pieces joined end to end into
    /// rings, counter-clockwise rings the outlines and clockwise ones the
    /// holes, each hole given to the outline that holds it.
    pub fn outline(&self) -> MultiPolygon {
        let rings = join(&self.pieces);
        let (mut outlines, mut holes): (Vec<Polygon>, Vec<LineString>) = (Vec::new(), Vec::new());
        for ring in rings {
            let signed = planar_signed_area(&ring.0);
            if signed > 0.0 {
                outlines.push(Polygon::new(ring, vec![]));
            } else if signed < 0.0 {
                holes.push(ring);
            }
        }
        // One index an outline, built once for all the holes.
        let indexes: Vec<EdgeIndex> = outlines
            .iter()
            .map(|o| EdgeIndex::new(&MultiPolygon(vec![o.clone()])))
            .collect();
        for hole in holes {
            let probe = hole.0[0];
            let holder = indexes
                .iter()
                .position(|index| index.position_of(probe) != Position::Outside);
            if let Some(i) = holder {
                outlines[i].interiors_push(hole);
            }
        }
        MultiPolygon(outlines)
    }
}

/// Joins directed pieces end to end into closed rings. Where several pieces
/// leave one point (two parts of the outline touching at a vertex), the one
/// turning most sharply left is taken, so that touching parts stay apart.
fn join(pieces: &[(Coord, Coord)]) -> Vec<LineString> {
    let key = |c: Coord| (c.x.to_bits(), c.y.to_bits());
    let mut leaving: HashMap<(u64, u64), Vec<usize>> = HashMap::new();
    for (i, (p, _)) in pieces.iter().enumerate() {
        leaving.entry(key(*p)).or_default().push(i);
    }
    let mut used = vec![false; pieces.len()];
    let mut rings = Vec::new();
    for start in 0..pieces.len() {
        if used[start] {
            continue;
        }
        used[start] = true;
        let mut ring = vec![pieces[start].0, pieces[start].1];
        let mut current = start;
        // Each step uses up a piece, so this ends.
        loop {
            let (from, at) = pieces[current];
            if key(at) == key(ring[0]) {
                break;
            }
            let next = leaving.get(&key(at)).and_then(|out| {
                out.iter().copied().filter(|&i| !used[i]).max_by(|&i, &j| {
                    left_turn(from, at, pieces[i].1)
                        .partial_cmp(&left_turn(from, at, pieces[j].1))
                        .unwrap_or(Ordering::Equal)
                })
            });
            let Some(next) = next else { break };
            used[next] = true;
            ring.push(pieces[next].1);
            current = next;
        }
        if ring.len() >= 4 && ring.first() == ring.last() {
            rings.push(LineString(ring));
        }
    }
    rings
}

/// How far left the path from → at → to turns, as an angle in (−π, π].
fn left_turn(from: Coord, at: Coord, to: Coord) -> f64 {
    let (u, v) = (at - from, to - at);
    (u.x * v.y - u.y * v.x).atan2(u.x * v.x + u.y * v.y)
}

fn planar_signed_area(ring: &[Coord]) -> f64 {
    let origin = ring[0];
    ring.windows(2)
        .map(|w| {
            let (p, q) = (w[0] - origin, w[1] - origin);
            p.x * q.y - q.x * p.y
        })
        .sum::<f64>()
        / 2.0
}

fn middle(p: Coord, q: Coord) -> Coord {
    Coord {
        x: p.x + (q.x - p.x) / 2.0,
        y: p.y + (q.y - p.y) / 2.0,
    }
}

/// Where along `edge` a point lies, by the edge's longer axis: 0 at its
/// start, 1 at its end.
fn position_along(start: Coord, end: Coord, p: Coord) -> f64 {
    if (end.x - start.x).abs() >= (end.y - start.y).abs() {
        (p.x - start.x) / (end.x - start.x)
    } else {
        (p.y - start.y) / (end.y - start.y)
    }
}

/// The pieces of `edge` between the points where edges of `other` cross or
/// touch it, in order from its start.
fn split(edge: &Edge, other: &EdgeIndex) -> Vec<(Coord, Coord)> {
    let (a, b) = (edge.line.start, edge.line.end);
    let mut cuts: Vec<(f64, Coord)> = vec![(0.0, a), (1.0, b)];
    let (min, max) = bounds(a, b);
    for o in other.edges_in(min, max) {
        for p in meeting_points(a, b, o.line.start, o.line.end) {
            cuts.push((position_along(a, b, p), p));
        }
    }
    cuts.sort_by(|x, y| x.0.total_cmp(&y.0));
    cuts.dedup_by(|x, y| x.1 == y.1);
    cuts.windows(2)
        .map(|w| (w[0].1, w[1].1))
        .filter(|(p, q)| p != q)
        .collect()
}

fn bounds(a: Coord, b: Coord) -> (Coord, Coord) {
    (
        Coord {
            x: a.x.min(b.x),
            y: a.y.min(b.y),
        },
        Coord {
            x: a.x.max(b.x),
            y: a.y.max(b.y),
        },
    )
}

/// Whether `p` lies strictly between `a` and `b`, given that it is on their line.
fn strictly_within(a: Coord, b: Coord, p: Coord) -> bool {
    p != a && p != b && {
        let t = position_along(a, b, p);
        t > 0.0 && t < 1.0
    }
}

/// The points inside edge (a, b) where edge (c, d) crosses or touches it.
fn meeting_points(a: Coord, b: Coord, c: Coord, d: Coord) -> Vec<Coord> {
    let side = |p, q, r| RobustKernel::orient2d(p, q, r);
    let (oc, od) = (side(a, b, c), side(a, b, d));
    let collinear = Orientation::Collinear;
    if oc == collinear && od == collinear {
        // On one line: (a, b) is split at the ends of (c, d) that lie in it.
        return [c, d]
            .into_iter()
            .filter(|&p| strictly_within(a, b, p))
            .collect();
    }
    let (oa, ob) = (side(c, d, a), side(c, d, b));
    if oc == od || oa == ob {
        // Both ends of one edge strictly on one side of the other.
        return vec![];
    }
    // Now each edge has its ends on opposite sides of the other's line, or
    // one end on it: a vertex on the other edge is the meeting point itself.
    if oc == collinear {
        return [c]
            .into_iter()
            .filter(|&p| strictly_within(a, b, p))
            .collect();
    }
    if od == collinear {
        return [d]
            .into_iter()
            .filter(|&p| strictly_within(a, b, p))
            .collect();
    }
    if oa == collinear || ob == collinear {
        // (a, b) ends on (c, d): nothing to split in (a, b).
        return vec![];
    }
    let p = crossing(a, b, c, d);
    if strictly_within(a, b, p) {
        vec![p]
    } else {
        vec![]
    }
}

/// The crossing of two edges that properly cross, computed from the pair in
/// a fixed order, so that each of the two edges is split at the same point.
fn crossing(a: Coord, b: Coord, c: Coord, d: Coord) -> Coord {
    let lex = |p: &Coord, q: &Coord| p.x.total_cmp(&q.x).then(p.y.total_cmp(&q.y));
    let ordered = |p: Coord, q: Coord| {
        if lex(&p, &q) == Ordering::Greater {
            (q, p)
        } else {
            (p, q)
        }
    };
    let (e, f) = (ordered(a, b), ordered(c, d));
    let ((p, q), (r, s)) = if lex(&e.0, &f.0).then(lex(&e.1, &f.1)) == Ordering::Greater {
        (f, e)
    } else {
        (e, f)
    };
    let cross = |u: Coord, v: Coord| u.x * v.y - u.y * v.x;
    let t = cross(r - p, s - r) / cross(q - p, s - r);
    let t = t.clamp(0.0, 1.0);
    let x = Coord {
        x: p.x + t * (q.x - p.x),
        y: p.y + t * (q.y - p.y),
    };
    // Rounding may step outside the two edges' common box; keep it in.
    let (lo1, hi1) = bounds(p, q);
    let (lo2, hi2) = bounds(r, s);
    Coord {
        x: x.x
            .clamp(lo1.x.max(lo2.x), hi1.x.min(hi2.x).max(lo1.x.max(lo2.x))),
        y: x.y
            .clamp(lo1.y.max(lo2.y), hi1.y.min(hi2.y).max(lo1.y.max(lo2.y))),
    }
}

/// Whether piece (p, q) runs along an edge of `other`: `Some(true)` when
/// that edge runs the same way, `Some(false)` the opposite way, `None` when
/// it runs along none.
fn along(p: Coord, q: Coord, other: &EdgeIndex) -> Option<bool> {
    let (min, max) = bounds(p, q);
    let m = middle(p, q);
    other
        .edges_in(min, max)
        .find(|o| {
            let (c, d) = (o.line.start, o.line.end);
            RobustKernel::orient2d(c, d, p) == Orientation::Collinear
                && RobustKernel::orient2d(c, d, q) == Orientation::Collinear
                && {
                    let t = position_along(c, d, m);
                    t > 0.0 && t < 1.0
                }
        })
        .map(|o| {
            let (u, v) = (q - p, o.line.end - o.line.start);
            u.x * v.x + u.y * v.y > 0.0
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{BooleanOps, polygon};

    fn square(x0: f64, y0: f64, w: f64, h: f64) -> Polygon {
        polygon![(x: x0, y: y0), (x: x0 + w, y: y0), (x: x0 + w, y: y0 + h), (x: x0, y: y0 + h)]
    }

    #[test]
    fn a_square_inside_another_shares_its_own_area() {
        let outer = MultiPolygon(vec![square(100.0, 30.0, 0.01, 0.01)]);
        let inner = MultiPolygon(vec![square(100.002, 30.002, 0.001, 0.001)]);
        let want = geodesy::multipolygon_area_m2(&inner);
        let got = shared(&outer, &inner).area_m2;
        assert!((got - want).abs() < 1e-6 * want, "{got} vs {want}");
        let got = shared(&inner, &outer).area_m2;
        assert!((got - want).abs() < 1e-6 * want, "{got} vs {want}");
    }

    #[test]
    fn squares_that_only_touch_share_nothing_and_the_same_square_shares_all() {
        let left = MultiPolygon(vec![square(100.0, 30.0, 0.01, 0.01)]);
        let right = MultiPolygon(vec![square(100.01, 30.0, 0.01, 0.02)]);
        assert_eq!(shared(&left, &right).area_m2, 0.0);
        let whole = geodesy::multipolygon_area_m2(&left);
        let same = shared(&left, &left.clone()).area_m2;
        assert!((same - whole).abs() < 1e-6 * whole, "{same} vs {whole}");
    }

    #[test]
    fn a_hole_is_left_out_of_what_is_shared_and_of_the_outline() {
        let holed = MultiPolygon(vec![polygon!(
            exterior: [(x: 100.0, y: 30.0), (x: 100.01, y: 30.0), (x: 100.01, y: 30.01), (x: 100.0, y: 30.01)],
            interiors: [[(x: 100.004, y: 30.004), (x: 100.006, y: 30.004), (x: 100.006, y: 30.006), (x: 100.004, y: 30.006)]],
        )]);
        let over = MultiPolygon(vec![square(100.003, 30.003, 0.004, 0.004)]);
        let s = shared(&holed, &over);
        let want = geodesy::multipolygon_area_m2(&over.intersection(&holed));
        assert!(
            (s.area_m2 - want).abs() < 1e-6 * want,
            "{} vs {want}",
            s.area_m2
        );
        let outline = s.outline();
        assert_eq!(outline.0.len(), 1);
        assert_eq!(outline.0[0].interiors().len(), 1);
        let again = geodesy::multipolygon_area_m2(&outline);
        assert!((again - s.area_m2).abs() < 1e-6 * want);
    }

    #[test]
    fn crossing_edges_meet_at_one_point_whichever_edge_asks() {
        let (a, b) = (Coord { x: 100.1, y: 30.3 }, Coord { x: 100.7, y: 30.2 });
        let (c, d) = (Coord { x: 100.3, y: 30.0 }, Coord { x: 100.35, y: 30.9 });
        assert_eq!(crossing(a, b, c, d), crossing(d, c, b, a));
        assert_eq!(crossing(a, b, c, d), crossing(c, d, a, b));
    }
}
