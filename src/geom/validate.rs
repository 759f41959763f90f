//! Validity of polygonal geometry (OGC simple-features rules), with the place
//! of the first problem found, so a user can fix the right vertex.

use geo::kernels::{Kernel, Orientation, RobustKernel};
use geo::line_intersection::{LineIntersection, line_intersection};
use geo::{Coord, LineString, MultiPolygon};
use serde_json::{Map, Value, json};

use crate::fault::{Fault, members};

use crate::geom::segments::{EdgeIndex, EdgeRef, Position};

/// The first thing that makes a polygonal geometry invalid.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InvalidGeometry {
    #[error("{} has a self-intersection at ({}, {}): the edge from vertex {} crosses the edge from vertex {}{}", ring_name(.at), .point.x, .point.y, .at.vertex, .other.vertex, other_ring_words(.at, .other))]
    SelfIntersection {
        at: EdgeRef,
        other: EdgeRef,
        point: Coord,
    },
    #[error("{} (hole) lies outside the exterior ring of polygon {}", ring_name(.at), .at.part)]
    HoleOutsideExterior { at: EdgeRef },
    #[error("{} (hole) lies inside another hole of polygon {}", ring_name(.at), .at.part)]
    NestedHole { at: EdgeRef },
    #[error("polygons {part} and {other} of the MultiPolygon overlap")]
    PartsOverlap { part: usize, other: usize },
    #[error("polygons {part} and {other} of the MultiPolygon touch along an edge (at {}, {}); merge them into one polygon", .point.x, .point.y)]
    PartsShareEdge {
        part: usize,
        other: usize,
        point: Coord,
    },
}

fn ring_name(at: &EdgeRef) -> String {
    format!("polygon {} ring {}", at.part, at.ring)
}

fn other_ring_words(at: &EdgeRef, other: &EdgeRef) -> String {
    if at.part == other.part && at.ring == other.ring {
        String::new()
    } else {
        format!(" of {}", ring_name(other))
    }
}

impl Fault for InvalidGeometry {
    fn slug(&self) -> &'static str {
        match self {
            Self::SelfIntersection { .. } => "self-intersection",
            Self::HoleOutsideExterior { .. } | Self::NestedHole { .. } => "invalid-holes",
            Self::PartsOverlap { .. } => "overlapping-parts",
            Self::PartsShareEdge { .. } => "parts-share-edge",
        }
    }

    /// The polygon and ring at fault (for two parts, the later one, ring 0),
    /// the vertex where an edge is, and the point where the fault was found,
    /// in the coordinates the geometry was checked in.
    fn location(&self) -> Map<String, Value> {
        match self {
            Self::SelfIntersection { at, point, .. } => members([
                ("polygon", json!(at.part)),
                ("ring", json!(at.ring)),
                ("vertex", json!(at.vertex)),
                ("coordinates", json!([point.x, point.y])),
            ]),
            Self::HoleOutsideExterior { at } | Self::NestedHole { at } => {
                members([("polygon", json!(at.part)), ("ring", json!(at.ring))])
            }
            Self::PartsOverlap { other, .. } => {
                members([("polygon", json!(other)), ("ring", json!(0))])
            }
            Self::PartsShareEdge { other, point, .. } => members([
                ("polygon", json!(other)),
                ("ring", json!(0)),
                ("coordinates", json!([point.x, point.y])),
            ]),
        }
    }
}

/// Checks a multipolygon whose rings are already closed, have at least four
/// positions and finite coordinates, and no consecutive repeated points
/// (`shape::closed_ring` drops them; one left in is reported as a
/// self-intersection at that vertex).
pub fn check_multipolygon(area: &MultiPolygon) -> Result<(), InvalidGeometry> {
    // Every feature of a layer passes here at load, and nearly all are small
    // and valid: proving that cheaply avoids the index, the sort by EdgeRef and
    // the intersection points. Anything the screen cannot prove goes the full
    // way, which alone decides which problem is reported first.
    if edges_plainly_apart(area) {
        check_ring_nesting(area)
    } else {
        check_multipolygon_full(area)
    }
}

fn check_multipolygon_full(area: &MultiPolygon) -> Result<(), InvalidGeometry> {
    let index = EdgeIndex::new(area);
    check_edges(area, &index)?;
    check_ring_nesting(area)?;
    Ok(())
}

/// The sweep's buffers live on the stack, sized for parcels; larger polygons
/// that are not plainly star-shaped go the full way, where the R-tree pays.
const SCREEN_MAX_EDGES: usize = 64;

/// Whether `check_edges` would surely find nothing, decided with exact
/// orientation tests only. False means "not proven", never "invalid".
fn edges_plainly_apart(area: &MultiPolygon) -> bool {
    match area.0.as_slice() {
        [polygon] if polygon.interiors().is_empty() && star_shaped(polygon.exterior()) => true,
        _ => edges_apart_by_sweep(area),
    }
}

/// Whether the ring winds exactly once around the mean of its vertices, every
/// edge turning strictly the same way around it. Then no two points of the ring
/// are seen from there in the same direction, so the ring is simple: edges that
/// do not follow each other are apart (`line_intersection` finds nothing) and
/// edges that do meet only at their shared vertex (which `consecutive_share`
/// accepts). The orientations are exact, so any centre would do; the mean
/// is inside most parcels' kernels, which then pass in one loop, unsorted.
fn star_shaped(ring: &LineString) -> bool {
    let coords = &ring.0;
    let n = coords.len().saturating_sub(1);
    if n < 3 || coords[0] != coords[n] {
        return false;
    }
    let (sum_x, sum_y) = coords[..n]
        .iter()
        .fold((0., 0.), |(x, y), c| (x + c.x, y + c.y));
    let centre = Coord {
        x: sum_x / n as f64,
        y: sum_y / n as f64,
    };
    let turn = RobustKernel::orient2d(centre, coords[0], coords[1]);
    if turn == Orientation::Collinear {
        return false;
    }
    // Each time round the centre the ring crosses the ray towards +x once, on
    // an edge climbing from y <= centre.y to y > centre.y (descending, for a
    // clockwise ring); with the centre on its inner side, no edge can climb
    // like that to the left of the centre.
    let mut passes = 0;
    for line in ring.lines() {
        if RobustKernel::orient2d(centre, line.start, line.end) != turn {
            return false;
        }
        let (from, to) = if turn == Orientation::CounterClockwise {
            (line.start, line.end)
        } else {
            (line.end, line.start)
        };
        passes += usize::from(from.y <= centre.y && centre.y < to.y);
    }
    passes == 1
}

#[derive(Clone, Copy, Default)]
struct SweptEdge {
    start: Coord,
    end: Coord,
    min_y: f64,
    max_y: f64,
    /// Numbered across all parts, so one number says "same part and ring".
    ring: u32,
    vertex: u32,
    /// The vertex that closes the ring, whose edge is followed by vertex 0's.
    last_vertex: u32,
}

/// Compares the edges whose boxes meet, found by a sweep along x, pair by
/// pair. A pair passes only where `check_edges` cannot object to it: one edge
/// lies strictly on one side of the other (`line_intersection` finds nothing),
/// or the two follow each other in a ring and meet only at their shared vertex
/// (`consecutive_share` accepts it).
fn edges_apart_by_sweep(area: &MultiPolygon) -> bool {
    let mut edges = [SweptEdge::default(); SCREEN_MAX_EDGES];
    // Sorting these small keys, not the edges, keeps the sort cheap.
    let mut by_x = [(0f64, 0f64, 0u8); SCREEN_MAX_EDGES];
    let mut count = 0;
    let rings = area
        .0
        .iter()
        .flat_map(|polygon| std::iter::once(polygon.exterior()).chain(polygon.interiors()));
    for (ring, line_string) in rings.enumerate() {
        let ring_edges = line_string.0.len().saturating_sub(1);
        if count + ring_edges > SCREEN_MAX_EDGES {
            return false;
        }
        for (vertex, line) in line_string.lines().enumerate() {
            // EdgeIndex::new drops these too, so the vertex numbers of their
            // neighbours no longer follow each other, as in check_edges.
            if line.start == line.end {
                continue;
            }
            edges[count] = SweptEdge {
                start: line.start,
                end: line.end,
                min_y: line.start.y.min(line.end.y),
                max_y: line.start.y.max(line.end.y),
                ring: ring as u32,
                vertex: vertex as u32,
                last_vertex: ring_edges as u32 - 1,
            };
            by_x[count] = (
                line.start.x.min(line.end.x),
                line.start.x.max(line.end.x),
                count as u8,
            );
            count += 1;
        }
    }
    let by_x = &mut by_x[..count];
    by_x.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    for (i, &(_, a_max_x, a)) in by_x.iter().enumerate() {
        let a = &edges[usize::from(a)];
        for &(b_min_x, _, b) in &by_x[i + 1..] {
            if b_min_x > a_max_x {
                break;
            }
            let b = &edges[usize::from(b)];
            if b.max_y < a.min_y || b.min_y > a.max_y {
                continue;
            }
            if !pair_apart(a, b) {
                return false;
            }
        }
    }
    true
}

fn pair_apart(a: &SweptEdge, b: &SweptEdge) -> bool {
    if a.ring == b.ring {
        let follows = |p: &SweptEdge, q: &SweptEdge| {
            let next = if p.vertex == p.last_vertex {
                0
            } else {
                p.vertex + 1
            };
            q.vertex == next
        };
        if follows(a, b) && a.end == b.start {
            return meet_only_at_shared_vertex(a.start, a.end, b.end);
        }
        if follows(b, a) && b.end == a.start {
            return meet_only_at_shared_vertex(b.start, b.end, a.end);
        }
    }
    let one_side = |e: &SweptEdge, p: Coord, q: Coord| {
        let side = RobustKernel::orient2d(e.start, e.end, p);
        side != Orientation::Collinear && side == RobustKernel::orient2d(e.start, e.end, q)
    };
    one_side(a, b.start, b.end) || one_side(b, a.start, a.end)
}

/// Whether the edges (p, q) and (q, r) meet only at q. When collinear, they
/// do if each far end lies outside the other edge's box: then
/// `line_intersection` reports q alone, as a point, not an overlap.
fn meet_only_at_shared_vertex(p: Coord, q: Coord, r: Coord) -> bool {
    let in_box = |c: Coord, a: Coord, b: Coord| {
        c.x >= a.x.min(b.x) && c.x <= a.x.max(b.x) && c.y >= a.y.min(b.y) && c.y <= a.y.max(b.y)
    };
    RobustKernel::orient2d(p, q, r) != Orientation::Collinear
        || !(in_box(r, p, q) || in_box(p, q, r))
}

fn ring_len(area: &MultiPolygon, at: &EdgeRef) -> usize {
    let polygon = &area.0[at.part];
    let ring = if at.ring == 0 {
        polygon.exterior()
    } else {
        &polygon.interiors()[at.ring - 1]
    };
    ring.0.len().saturating_sub(1)
}

fn check_edges(area: &MultiPolygon, index: &EdgeIndex) -> Result<(), InvalidGeometry> {
    let mut edges: Vec<_> = index.all_edges().collect();
    edges.sort_by_key(|e| e.at);
    for edge in edges {
        let (min, max) = (
            Coord {
                x: edge.line.start.x.min(edge.line.end.x),
                y: edge.line.start.y.min(edge.line.end.y),
            },
            Coord {
                x: edge.line.start.x.max(edge.line.end.x),
                y: edge.line.start.y.max(edge.line.end.y),
            },
        );
        for other in index.edges_in(min, max) {
            if other.at <= edge.at {
                continue;
            }
            let Some(hit) = line_intersection(edge.line, other.line) else {
                continue;
            };
            let bad = match hit {
                LineIntersection::Collinear { .. } => true,
                LineIntersection::SinglePoint {
                    intersection,
                    is_proper,
                } => {
                    if edge.at.part != other.at.part {
                        // Parts of a MultiPolygon may touch at points, never cross.
                        is_proper
                    } else if edge.at.ring != other.at.ring {
                        // Rings of one polygon may touch at a point, never cross.
                        is_proper
                    } else {
                        !consecutive_share(
                            edge.at,
                            other.at,
                            ring_len(area, &edge.at),
                            intersection,
                            edge,
                            other,
                        )
                    }
                }
            };
            if bad {
                let point = match hit {
                    LineIntersection::SinglePoint { intersection, .. } => intersection,
                    LineIntersection::Collinear { intersection } => intersection.start,
                };
                if edge.at.part != other.at.part
                    && matches!(hit, LineIntersection::Collinear { .. })
                {
                    return Err(InvalidGeometry::PartsShareEdge {
                        part: edge.at.part.min(other.at.part),
                        other: edge.at.part.max(other.at.part),
                        point,
                    });
                }
                if edge.at.part != other.at.part {
                    return Err(InvalidGeometry::PartsOverlap {
                        part: edge.at.part,
                        other: other.at.part,
                    });
                }
                return Err(InvalidGeometry::SelfIntersection {
                    at: edge.at,
                    other: other.at,
                    point,
                });
            }
        }
    }
    Ok(())
}

/// Two edges of one ring that follow each other meet only at their shared vertex.
fn consecutive_share(
    a: EdgeRef,
    b: EdgeRef,
    ring_edges: usize,
    point: Coord,
    ea: &crate::geom::segments::Edge,
    eb: &crate::geom::segments::Edge,
) -> bool {
    let next = |i: usize| (i + 1) % ring_edges.max(1);
    let follows = next(a.vertex) == b.vertex || next(b.vertex) == a.vertex;
    let shared = (ea.line.end == eb.line.start || eb.line.end == ea.line.start)
        && (point == ea.line.end || point == ea.line.start);
    follows && shared
}

fn check_ring_nesting(area: &MultiPolygon) -> Result<(), InvalidGeometry> {
    use geo::Polygon;
    for (part, polygon) in area.0.iter().enumerate() {
        // Most polygons have no hole: spare them the copies and the index.
        if polygon.interiors().is_empty() {
            continue;
        }
        let exterior = MultiPolygon(vec![Polygon::new(polygon.exterior().clone(), vec![])]);
        let exterior_index = EdgeIndex::new(&exterior);
        // A lone hole has no other hole to lie in.
        let holes: Vec<EdgeIndex> = if polygon.interiors().len() > 1 {
            polygon
                .interiors()
                .iter()
                .map(|h| EdgeIndex::new(&MultiPolygon(vec![Polygon::new(h.clone(), vec![])])))
                .collect()
        } else {
            Vec::new()
        };
        for (h, hole) in polygon.interiors().iter().enumerate() {
            let at = EdgeRef {
                part,
                ring: h + 1,
                vertex: 0,
            };
            // Rings do not cross (checked before), so any vertex off the other ring tells.
            let inside_exterior = hole
                .0
                .iter()
                .map(|c| exterior_index.position_of(*c))
                .find(|p| *p != Position::OnBoundary)
                .unwrap_or(Position::Inside);
            if inside_exterior == Position::Outside {
                return Err(InvalidGeometry::HoleOutsideExterior { at });
            }
            for (other, other_index) in holes.iter().enumerate() {
                if other == h {
                    continue;
                }
                let inside_other = hole
                    .0
                    .iter()
                    .map(|c| other_index.position_of(*c))
                    .find(|p| *p != Position::OnBoundary);
                if inside_other == Some(Position::Inside) {
                    return Err(InvalidGeometry::NestedHole { at });
                }
            }
        }
    }
    if area.0.len() < 2 {
        return Ok(());
    }
    // A part wholly inside another (and not in one of its holes) overlaps it.
    // Rings do not cross (checked before), so one vertex off the boundary tells.
    let parts: Vec<(geo::Rect, EdgeIndex)> = area
        .0
        .iter()
        .filter_map(|p| {
            let bbox = geo::BoundingRect::bounding_rect(p.exterior())?;
            Some((bbox, EdgeIndex::new(&MultiPolygon(vec![p.clone()]))))
        })
        .collect();
    for (i, a) in area.0.iter().enumerate() {
        for (j, (b_box, b_index)) in parts.iter().enumerate() {
            let a_start = a.exterior().0[0];
            if i == j || !geo::Intersects::intersects(b_box, &a_start) {
                continue;
            }
            let inside = a
                .exterior()
                .0
                .iter()
                .map(|c| b_index.position_of(*c))
                .find(|p| *p != Position::OnBoundary);
            if inside == Some(Position::Inside) {
                return Err(InvalidGeometry::PartsOverlap {
                    part: i.min(j),
                    other: i.max(j),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{LineString, MultiPolygon, Polygon, polygon};

    #[test]
    fn a_bow_tie_is_a_self_intersection_at_its_crossing() {
        let bow_tie = polygon![(x: 0., y: 0.), (x: 2., y: 2.), (x: 2., y: 0.), (x: 0., y: 2.)];
        let err = check_multipolygon(&MultiPolygon(vec![bow_tie])).unwrap_err();
        match err {
            InvalidGeometry::SelfIntersection { point, .. } => {
                assert_eq!(point, Coord { x: 1., y: 1. })
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_square_with_a_hole_inside_is_valid_and_a_hole_outside_is_not() {
        let good = polygon!(
            exterior: [(x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 10.), (x: 0., y: 10.)],
            interiors: [[(x: 2., y: 2.), (x: 3., y: 2.), (x: 3., y: 3.), (x: 2., y: 3.)]],
        );
        assert_eq!(check_multipolygon(&MultiPolygon(vec![good])), Ok(()));
        let bad = polygon!(
            exterior: [(x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 10.), (x: 0., y: 10.)],
            interiors: [[(x: 12., y: 2.), (x: 13., y: 2.), (x: 13., y: 3.), (x: 12., y: 3.)]],
        );
        assert!(matches!(
            check_multipolygon(&MultiPolygon(vec![bad])),
            Err(InvalidGeometry::HoleOutsideExterior { .. })
        ));
    }

    #[test]
    fn overlapping_parts_of_a_multipolygon_are_refused_and_touching_ones_are_not() {
        let a = polygon![(x: 0., y: 0.), (x: 2., y: 0.), (x: 2., y: 2.), (x: 0., y: 2.)];
        let b = polygon![(x: 1., y: 1.), (x: 3., y: 1.), (x: 3., y: 3.), (x: 1., y: 3.)];
        let c = polygon![(x: 2., y: 2.), (x: 4., y: 2.), (x: 4., y: 4.)];
        assert!(check_multipolygon(&MultiPolygon(vec![a.clone(), b])).is_err());
        assert_eq!(check_multipolygon(&MultiPolygon(vec![a, c])), Ok(()));
    }

    #[test]
    fn a_repeated_vertex_still_counts_as_a_self_intersection() {
        // Layers drop repeated positions before this check (shape::closed_ring);
        // one that slips through keeps its old answer: EdgeIndex::new drops the
        // zero-length edge, so its neighbours no longer count as consecutive
        // and check_edges reports their shared vertex.
        let repeated = polygon![(x: 0., y: 0.), (x: 2., y: 0.), (x: 2., y: 0.), (x: 2., y: 2.), (x: 0., y: 2.)];
        let area = MultiPolygon(vec![repeated]);
        assert_eq!(check_multipolygon(&area), check_multipolygon_full(&area));
        assert!(check_multipolygon(&area).is_err());
    }

    #[test]
    fn a_pentagram_winds_twice_round_its_centre_so_is_not_taken_for_a_star() {
        let pentagram = polygon![(x: 0., y: 10.), (x: 6., y: -8.), (x: -9., y: 3.), (x: 9., y: 3.), (x: -6., y: -8.)];
        assert!(!star_shaped(pentagram.exterior()));
        let area = MultiPolygon(vec![pentagram]);
        assert!(!edges_plainly_apart(&area));
        assert!(matches!(
            check_multipolygon(&area),
            Err(InvalidGeometry::SelfIntersection { .. })
        ));
    }

    #[test]
    fn vertices_in_line_along_a_side_keep_a_parcel_on_the_quick_path() {
        let square = polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 2., y: 0.), (x: 2., y: 2.), (x: 0., y: 2.), (x: 0., y: 1.)];
        let with_hole = polygon!(
            exterior: [(x: 0., y: 0.), (x: 1., y: 0.), (x: 2., y: 0.), (x: 2., y: 2.), (x: 0., y: 2.)],
            interiors: [[(x: 0.5, y: 0.5), (x: 0.5, y: 1.), (x: 0.5, y: 1.5), (x: 1.5, y: 1.5)]],
        );
        for area in [MultiPolygon(vec![square]), MultiPolygon(vec![with_hole])] {
            assert!(edges_plainly_apart(&area));
            assert_eq!(check_multipolygon(&area), Ok(()));
            assert_eq!(check_multipolygon_full(&area), Ok(()));
        }
    }

    /// Knuth's MMIX LCG: deterministic, so a failing case replays.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 33
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn unit(&mut self) -> f64 {
            self.next() as f64 / (1u64 << 31) as f64
        }
        fn chance(&mut self, p: f64) -> bool {
            self.unit() < p
        }
    }

    /// Where and how coarsely a case's coordinates lie: a coarse grid makes
    /// exact collinearity and shared points common, large offsets test the
    /// predicates where plain floating point would misjudge.
    struct Frame {
        origin: Coord,
        scale: f64,
        grid: Option<f64>,
    }

    impl Frame {
        fn random(rng: &mut Lcg) -> Self {
            let origin = match rng.below(3) {
                0 => Coord { x: 0., y: 0. },
                1 => Coord {
                    x: 500_000.,
                    y: 4_000_000.,
                },
                _ => Coord { x: 112.8, y: 36.2 },
            };
            let scale = [1., 100., 1e-4][rng.below(3)];
            let grid = match rng.below(3) {
                0 => None,
                1 => Some(scale / 8.),
                _ => Some(scale / 64.),
            };
            Self {
                origin,
                scale,
                grid,
            }
        }

        fn at(&self, x: f64, y: f64) -> Coord {
            let snap = |v: f64| match self.grid {
                Some(g) => (v * self.scale / g).round() * g,
                None => v * self.scale,
            };
            Coord {
                x: self.origin.x + snap(x),
                y: self.origin.y + snap(y),
            }
        }
    }

    /// A ring star-shaped around (cx, cy) in frame units, open (not closed).
    fn star(rng: &mut Lcg, frame: &Frame, cx: f64, cy: f64, radius: f64, n: usize) -> Vec<Coord> {
        let mut ring: Vec<Coord> = (0..n)
            .map(|i| {
                let angle = (i as f64 + 0.8 * rng.unit()) / n as f64 * std::f64::consts::TAU;
                let r = radius * (0.4 + 0.6 * rng.unit());
                frame.at(cx + r * angle.cos(), cy + r * angle.sin())
            })
            .collect();
        if rng.chance(0.5) {
            ring.reverse();
        }
        ring
    }

    /// Spoils an open ring in one of the ways real data is spoilt, or not at all.
    fn mutate(rng: &mut Lcg, frame: &Frame, ring: &mut Vec<Coord>) {
        let n = ring.len();
        let i = rng.below(n);
        let j = rng.below(n);
        let after = |k: usize| (k + 1) % n;
        let mid = |a: Coord, b: Coord| Coord {
            x: (a.x + b.x) / 2.,
            y: (a.y + b.y) / 2.,
        };
        match rng.below(11) {
            0 => ring.swap(i, j),
            1 => {
                let out = frame.at(4. * rng.unit() - 2., 4. * rng.unit() - 2.);
                let p = ring[i];
                ring.splice(i + 1..i + 1, [out, p]);
            }
            2 => {
                let (p, q) = (ring[i], ring[after(i)]);
                let beyond = Coord {
                    x: 2. * q.x - p.x,
                    y: 2. * q.y - p.y,
                };
                ring.splice(i + 1..i + 1, [q, beyond]);
            }
            3 => {
                let p = ring[i];
                ring.insert(i, p);
            }
            4 => ring[i] = ring[j],
            5 => {
                let m = mid(ring[i], ring[after(i)]);
                ring.insert(i + 1, m);
            }
            6 => {
                let m = mid(ring[i], ring[after(i)]);
                let nudge = frame.scale * 1e-13 * if rng.chance(0.5) { 1. } else { -1. };
                ring.insert(
                    i + 1,
                    Coord {
                        x: m.x + nudge,
                        y: m.y - nudge,
                    },
                );
            }
            7 => ring[i] = mid(ring[j], ring[after(j)]),
            // Around the centre twice, like a pentagram.
            8 if n % 2 == 1 => *ring = (0..n).map(|k| ring[2 * k % n]).collect(),
            _ => {}
        }
    }

    fn random_polygon(rng: &mut Lcg, frame: &Frame, cx: f64, cy: f64, radius: f64) -> Polygon {
        let n = 4 + rng.below(37);
        let mut exterior = star(rng, frame, cx, cy, radius, n);
        if rng.chance(0.35) {
            mutate(rng, frame, &mut exterior);
        }
        let holes = match rng.below(6) {
            0 => 1,
            1 => 2 + rng.below(2),
            _ => 0,
        };
        let mut interiors: Vec<LineString> = Vec::new();
        let mut last = (cx, cy, radius);
        for _ in 0..holes {
            // Mostly well inside, sometimes crossing, touching or outside, or
            // inside the hole before.
            let (hx, hy, size) = if !interiors.is_empty() && rng.chance(0.5) {
                (last.0, last.1, last.2 * 0.3)
            } else {
                let off = radius * (rng.unit() - 0.5) * [0.3, 1., 3.][rng.below(3)];
                (
                    cx + off,
                    cy - off / 2.,
                    radius * [0.2, 0.35, 0.9][rng.below(3)],
                )
            };
            last = (hx, hy, size);
            let n = 3 + rng.below(6);
            let mut hole = star(rng, frame, hx, hy, size, n);
            if rng.chance(0.2) {
                hole[0] = exterior[rng.below(exterior.len())];
            }
            if rng.chance(0.3) {
                mutate(rng, frame, &mut hole);
            }
            interiors.push(LineString::from(hole));
        }
        Polygon::new(LineString::from(exterior), interiors)
    }

    fn random_area(rng: &mut Lcg) -> MultiPolygon {
        let frame = Frame::random(rng);
        let mut parts = vec![random_polygon(rng, &frame, 0., 0., 1.)];
        for _ in 0..[0, 0, 1, 2][rng.below(4)] {
            // Apart, touching, overlapping or inside the first part.
            let distance = [2.5, 2., 1.2, 0.][rng.below(4)];
            let angle = rng.unit() * std::f64::consts::TAU;
            let radius = if distance == 0. { 0.3 } else { 1. };
            let mut part = random_polygon(
                rng,
                &frame,
                distance * angle.cos(),
                distance * angle.sin(),
                radius,
            );
            if rng.chance(0.3) {
                let first = &parts[0].exterior().0;
                let shared = first[rng.below(first.len() - 1)];
                part.exterior_mut(|ring| ring.0[0] = shared);
                part.exterior_mut(|ring| {
                    let last = ring.0.len() - 1;
                    ring.0[last] = shared
                });
            }
            parts.push(part);
        }
        MultiPolygon(parts)
    }

    #[test]
    fn the_quick_screen_agrees_with_the_full_check_on_random_rings() {
        let mut rng = Lcg(20240611);
        let (mut valid, mut invalid, mut valid_unproven) = (0, 0, 0);
        let (mut star_proven, mut sweep_proven) = (0, 0);
        let mut kinds = [0usize; 4];
        for case in 0..30_000 {
            let area = random_area(&mut rng);
            let full = check_multipolygon_full(&area);
            assert_eq!(check_multipolygon(&area), full, "case {case}: {area:?}");
            let star = area.0.len() == 1
                && area.0[0].interiors().is_empty()
                && star_shaped(area.0[0].exterior());
            let sweep = edges_apart_by_sweep(&area);
            if star || sweep {
                let index = EdgeIndex::new(&area);
                assert_eq!(check_edges(&area, &index), Ok(()), "case {case}: {area:?}");
            }
            star_proven += usize::from(star);
            sweep_proven += usize::from(sweep);
            match full {
                Ok(()) => {
                    valid += 1;
                    valid_unproven += usize::from(!(star || sweep));
                }
                Err(e) => {
                    invalid += 1;
                    kinds[match e {
                        InvalidGeometry::SelfIntersection { .. } => 0,
                        InvalidGeometry::HoleOutsideExterior { .. } => 1,
                        InvalidGeometry::NestedHole { .. } => 2,
                        InvalidGeometry::PartsOverlap { .. }
                        | InvalidGeometry::PartsShareEdge { .. } => 3,
                    }] += 1;
                }
            }
        }
        // Neither side of any branch may go untried.
        assert!(
            valid > 5_000 && invalid > 5_000,
            "{valid} valid, {invalid} invalid"
        );
        assert!(kinds.iter().all(|&k| k > 50), "errors by kind: {kinds:?}");
        assert!(star_proven > 3_000, "{star_proven} proven star-shaped");
        assert!(sweep_proven > 5_000, "{sweep_proven} proven by the sweep");
        assert!(valid_unproven > 100, "{valid_unproven} valid but unproven");
    }

    #[test]
    fn a_spike_back_along_the_same_edge_is_invalid() {
        let spike = polygon![(x: 0., y: 0.), (x: 2., y: 0.), (x: 4., y: 0.), (x: 2., y: 0.), (x: 2., y: 2.)];
        assert!(check_multipolygon(&MultiPolygon(vec![spike])).is_err());
    }
}
