//! An R-tree over the edges of a polygonal geometry.
//!
//! Lets the engine ask "does the boundary pass through this box?" and
//! "is this point inside?" in logarithmic time, so that a feature lying wholly
//! inside or wholly outside a large candidate is decided without clipping, and
//! lets validation find self-intersections without comparing every edge with
//! every other edge.

use geo::{Coord, Line, MultiPolygon};
use rstar::{AABB, Envelope, RTree, RTreeObject};

/// Where an edge sits in its geometry: polygon part, ring (0 = exterior,
/// 1.. = holes) and index of its first vertex in the ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct EdgeRef {
    pub part: usize,
    pub ring: usize,
    pub vertex: usize,
}

/// One edge of a ring and where it came from.
#[derive(Debug, Clone, Copy)]
pub struct Edge {
    pub line: Line,
    pub at: EdgeRef,
}

impl RTreeObject for Edge {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        AABB::from_corners(
            [self.line.start.x, self.line.start.y],
            [self.line.end.x, self.line.end.y],
        )
    }
}

/// Position of a point relative to a polygonal area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    Inside,
    OnBoundary,
    Outside,
}

/// Below this many edges a linear scan beats building and walking an R-tree
/// (a 20-vertex parcel is validated at load: bulk-loading its tree cost more
/// than all its other checks together).
const SCAN_BELOW: usize = 64;

/// The edges of a multipolygon, indexed.
pub struct EdgeIndex {
    /// Few edges: scanned. Many: in the tree.
    few: Vec<Edge>,
    tree: Option<RTree<Edge>>,
    max_x: f64,
}

impl EdgeIndex {
    pub fn new(area: &MultiPolygon) -> Self {
        let mut edges = Vec::new();
        let mut max_x = f64::NEG_INFINITY;
        for (part, polygon) in area.0.iter().enumerate() {
            let rings = std::iter::once(polygon.exterior()).chain(polygon.interiors());
            for (ring, line_string) in rings.enumerate() {
                for (vertex, line) in line_string.lines().enumerate() {
                    if line.start == line.end {
                        continue;
                    }
                    max_x = max_x.max(line.start.x).max(line.end.x);
                    edges.push(Edge {
                        line,
                        at: EdgeRef { part, ring, vertex },
                    });
                }
            }
        }
        let (few, tree) = if edges.len() < SCAN_BELOW {
            (edges, None)
        } else {
            (Vec::new(), Some(RTree::bulk_load(edges)))
        };
        Self { few, tree, max_x }
    }

    /// Edges whose bounding boxes meet the box `[min, max]`.
    pub fn edges_in(&self, min: Coord, max: Coord) -> impl Iterator<Item = &Edge> {
        let envelope = AABB::from_corners([min.x, min.y], [max.x, max.y]);
        let scanned = self
            .few
            .iter()
            .filter(move |e| e.envelope().intersects(&envelope));
        let probed = self
            .tree
            .iter()
            .flat_map(move |t| t.locate_in_envelope_intersecting(envelope));
        scanned.chain(probed)
    }

    /// Whether any edge's bounding box meets the box `[min, max]`.
    pub fn boundary_may_meet(&self, min: Coord, max: Coord) -> bool {
        self.edges_in(min, max).next().is_some()
    }

    pub fn all_edges(&self) -> impl Iterator<Item = &Edge> {
        self.few
            .iter()
            .chain(self.tree.iter().flat_map(|t| t.iter()))
    }

    /// Even-odd ray casting towards +x over the edges the ray can meet.
    pub fn position_of(&self, p: Coord) -> Position {
        use geo::kernels::{Kernel, Orientation, RobustKernel};
        let mut crossings = 0usize;
        let ray_end = Coord {
            x: self.max_x.max(p.x),
            y: p.y,
        };
        for edge in self.edges_in(p, ray_end) {
            let (a, b) = (edge.line.start, edge.line.end);
            let orientation = RobustKernel::orient2d(a, b, p);
            if orientation == Orientation::Collinear
                && p.x >= a.x.min(b.x)
                && p.x <= a.x.max(b.x)
                && p.y >= a.y.min(b.y)
                && p.y <= a.y.max(b.y)
            {
                return Position::OnBoundary;
            }
            // Half-open rule: an edge counts when it spans p.y with one end strictly above.
            if (a.y > p.y) != (b.y > p.y) {
                // The crossing is to the right of p when p lies left of the upward edge.
                let upward = b.y > a.y;
                let left_of_edge = orientation == Orientation::CounterClockwise;
                if upward == left_of_edge {
                    crossings += 1;
                }
            }
        }
        if crossings % 2 == 1 {
            Position::Inside
        } else {
            Position::Outside
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Contains, MultiPolygon, polygon};

    #[test]
    fn ray_casting_agrees_with_geo_contains_on_a_concave_polygon_with_a_hole() {
        let shape = polygon!(
            exterior: [(x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 10.), (x: 5., y: 4.), (x: 0., y: 10.)],
            interiors: [[(x: 2., y: 1.), (x: 3., y: 1.), (x: 3., y: 2.), (x: 2., y: 2.)]],
        );
        let index = EdgeIndex::new(&MultiPolygon(vec![shape.clone()]));
        for i in 0..=40 {
            for j in 0..=40 {
                let p = Coord {
                    x: i as f64 * 0.27 - 0.1,
                    y: j as f64 * 0.27 - 0.1,
                };
                let expected = if shape.contains(&p) {
                    Position::Inside
                } else if geo::Intersects::intersects(&shape, &p) {
                    Position::OnBoundary
                } else {
                    Position::Outside
                };
                assert_eq!(index.position_of(p), expected, "{p:?}");
            }
        }
    }
}
