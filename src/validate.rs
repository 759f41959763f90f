//! Validity of polygonal geometry (OGC simple-features rules), with the place
//! of the first problem found, so a user can fix the right vertex.

use geo::line_intersection::{LineIntersection, line_intersection};
use geo::{Coord, MultiPolygon};

use crate::segments::{EdgeIndex, EdgeRef, Position};

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

impl InvalidGeometry {
    /// Where the problem is, for a problem report.
    pub fn location(&self) -> (usize, usize, Option<usize>, Option<Coord>) {
        match self {
            Self::SelfIntersection { at, point, .. } => {
                (at.part, at.ring, Some(at.vertex), Some(*point))
            }
            Self::HoleOutsideExterior { at } | Self::NestedHole { at } => {
                (at.part, at.ring, None, None)
            }
            Self::PartsOverlap { other, .. } => (*other, 0, None, None),
        }
    }
}

/// Checks a multipolygon whose rings are already closed, have at least four
/// positions and finite coordinates. Consecutive repeated points are allowed.
pub fn check_multipolygon(area: &MultiPolygon) -> Result<(), InvalidGeometry> {
    let index = EdgeIndex::new(area);
    check_edges(area, &index)?;
    check_ring_nesting(area)?;
    Ok(())
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
    ea: &crate::segments::Edge,
    eb: &crate::segments::Edge,
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
        let exterior = MultiPolygon(vec![Polygon::new(polygon.exterior().clone(), vec![])]);
        let exterior_index = EdgeIndex::new(&exterior);
        let holes: Vec<EdgeIndex> = polygon
            .interiors()
            .iter()
            .map(|h| EdgeIndex::new(&MultiPolygon(vec![Polygon::new(h.clone(), vec![])])))
            .collect();
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
    use geo::{MultiPolygon, polygon};

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
    fn a_spike_back_along_the_same_edge_is_invalid() {
        let spike = polygon![(x: 0., y: 0.), (x: 2., y: 0.), (x: 4., y: 0.), (x: 2., y: 0.), (x: 2., y: 2.)];
        assert!(check_multipolygon(&MultiPolygon(vec![spike])).is_err());
    }
}
