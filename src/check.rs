//! The overlap engine: which features of which layers a candidate overlaps,
//! where, and by how much.
//!
//! For each layer:
//! 1. probe the layer's R-tree with the candidate's bounding box;
//! 2. a feature whose box the candidate's boundary never enters lies wholly
//!    inside or wholly outside the candidate: one point-in-polygon test over
//!    the candidate's edge index decides, with no clipping;
//! 3. only features whose box the boundary enters are clipped, against the
//!    candidate first cut down to that box.
//!
//! The cost grows with the number of hits, not with the size of the layer.

use std::sync::Arc;

use geo::{
    BooleanOps, BoundingRect, Coord, Intersects, LineString, MultiLineString, MultiPoint,
    MultiPolygon, Polygon, Rect,
};
use rayon::prelude::*;

use crate::candidate::Candidate;
use crate::catalog::Layer;
use crate::geodesy::{self, AreaFigures, M2_PER_MU};
use crate::layer::OnOverlap;
use crate::report::{
    Adjacent, CandidateSummary, CheckReport, Conflict, ConflictProperties, LayerRevision,
    OverlapGeometry, Verdict,
};
use crate::segments::{EdgeIndex, Position};
use crate::shape::Shape;

/// An overlap smaller than this (m²) is rounding noise along a shared edge:
/// the feature is reported as adjacent, not as a conflict.
pub const MIN_OVERLAP_M2: f64 = 0.01;
/// The same for lines, in metres.
pub const MIN_OVERLAP_M: f64 = 0.001;

/// A candidate prepared for many feature tests.
pub struct PreparedCandidate<'a> {
    candidate: &'a Candidate,
    edges: EdgeIndex,
    bbox: Rect,
    area_m2: f64,
    with_geometry: bool,
    tiles: Tiles,
}

/// The candidate's rings cut to overlapping tiles of its box, each cut
/// made the first time a feature needs it.
///
/// Why: a feature on the candidate's boundary is clipped against the
/// candidate cut down to the feature's box, and cutting a 1,000-vertex
/// candidate for each of a thousand such features cost more than the
/// clipping itself. A tile holds a small share of the vertices, so a
/// feature's box is cut from its tile instead (the same ring, cut twice).
struct Tiles {
    origin: Coord,
    /// Width and height of a tile; each tile's cut reaches half a tile
    /// beyond it on every side, so any box up to half a tile across lies
    /// wholly in the cut of the tile holding its centre.
    size: Coord,
    per_side: usize,
    cuts: Vec<std::sync::OnceLock<Vec<LineString>>>,
}

impl Tiles {
    fn new(bbox: Rect, vertices: usize) -> Tiles {
        // About √n/2 tiles a side: a tile then holds a few dozen vertices.
        let per_side = (((vertices as f64).sqrt() / 2.0) as usize).clamp(1, 64);
        Tiles {
            origin: bbox.min(),
            size: Coord {
                x: bbox.width() / per_side as f64,
                y: bbox.height() / per_side as f64,
            },
            per_side,
            cuts: (0..per_side * per_side)
                .map(|_| std::sync::OnceLock::new())
                .collect(),
        }
    }

    /// The reach of tile (i, j): the tile and half a tile around it.
    fn reach(&self, i: usize, j: usize) -> Rect {
        Rect::new(
            Coord {
                x: self.origin.x + (i as f64 - 0.5) * self.size.x,
                y: self.origin.y + (j as f64 - 0.5) * self.size.y,
            },
            Coord {
                x: self.origin.x + (i as f64 + 1.5) * self.size.x,
                y: self.origin.y + (j as f64 + 1.5) * self.size.y,
            },
        )
    }

    /// The candidate's rings cut to the reach of the tile holding `rect`'s
    /// centre, if that reach holds all of `rect`.
    fn around(&self, candidate: &Candidate, rect: Rect) -> Option<&[LineString]> {
        if self.per_side == 1 || !(self.size.x > 0.0 && self.size.y > 0.0) {
            return None;
        }
        let centre = rect.center();
        let cell = |v: f64, o: f64, s: f64| ((v - o) / s).floor();
        let (i, j) = (
            cell(centre.x, self.origin.x, self.size.x),
            cell(centre.y, self.origin.y, self.size.y),
        );
        let last = (self.per_side - 1) as f64;
        if !(0.0..=last).contains(&i) || !(0.0..=last).contains(&j) {
            return None;
        }
        let (i, j) = (i as usize, j as usize);
        let reach = self.reach(i, j);
        let inside = reach.min().x < rect.min().x
            && reach.min().y < rect.min().y
            && rect.max().x < reach.max().x
            && rect.max().y < reach.max().y;
        if !inside {
            return None;
        }
        let cut = self.cuts[j * self.per_side + i].get_or_init(|| {
            rings(candidate)
                .map(|ring| clip_ring(ring, reach))
                .filter(|r| r.0.len() >= 4)
                .collect()
        });
        Some(cut)
    }
}

fn rings(candidate: &Candidate) -> impl Iterator<Item = &LineString> {
    candidate
        .area
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
}

impl<'a> PreparedCandidate<'a> {
    pub fn new(candidate: &'a Candidate) -> Self {
        let bbox = candidate
            .area
            .bounding_rect()
            .unwrap_or(Rect::new(Coord::zero(), Coord::zero()));
        PreparedCandidate {
            candidate,
            edges: EdgeIndex::new(&candidate.area),
            bbox,
            area_m2: geodesy::multipolygon_area_m2(&candidate.area),
            with_geometry: true,
            tiles: Tiles::new(bbox, candidate.vertices),
        }
    }

    /// An overlap's GeoJSON, or null when the caller left geometry out:
    /// building it is a large part of the cost of a check with many hits.
    fn render(&self, geometry: impl FnOnce() -> OverlapGeometry) -> OverlapGeometry {
        if self.with_geometry {
            geometry()
        } else {
            OverlapGeometry::Omitted
        }
    }

    /// The candidate cut down to `rect` (Sutherland–Hodgman, ring by ring).
    /// Rings are kept as separate polygons: the boolean operations fill by
    /// even-odd crossings, so holes still subtract and the zero-width seams
    /// clipping leaves along the box edge cancel out.
    fn clipped_to(&self, rect: Rect) -> MultiPolygon {
        let cut = |rings: &mut dyn Iterator<Item = &LineString>| {
            rings
                .map(|ring| clip_ring(ring, rect))
                .filter(|clipped| clipped.0.len() >= 4)
                .map(|clipped| Polygon::new(clipped, vec![]))
                .collect()
        };
        MultiPolygon(match self.tiles.around(self.candidate, rect) {
            Some(tile) => cut(&mut tile.iter()),
            None => cut(&mut rings(self.candidate)),
        })
    }
}

/// A ring cut down to a box (Sutherland–Hodgman). The result may run along
/// the box edge and back, but its winding, and so its signed area, is exactly
/// that of the ring within the box.
pub(crate) fn clip_ring(ring: &LineString, rect: Rect) -> LineString {
    let (min, max) = (rect.min(), rect.max());
    let mut points: Vec<Coord> = ring.0[..ring.0.len().saturating_sub(1)].to_vec();
    // (inside test, intersection with the edge) for each side of the box
    type Side = (
        fn(Coord, Coord, Coord) -> bool,
        fn(Coord, Coord, Coord, Coord) -> Coord,
    );
    let sides: [Side; 4] = [
        (|p, min, _| p.x >= min.x, |a, b, min, _| at_x(a, b, min.x)),
        (|p, _, max| p.x <= max.x, |a, b, _, max| at_x(a, b, max.x)),
        (|p, min, _| p.y >= min.y, |a, b, min, _| at_y(a, b, min.y)),
        (|p, _, max| p.y <= max.y, |a, b, _, max| at_y(a, b, max.y)),
    ];
    for (inside, cross) in sides {
        if points.is_empty() {
            break;
        }
        let input = std::mem::take(&mut points);
        let mut prev = *input.last().unwrap_or(&Coord::zero());
        for &p in &input {
            match (inside(p, min, max), inside(prev, min, max)) {
                (true, true) => points.push(p),
                (true, false) => {
                    points.push(cross(prev, p, min, max));
                    points.push(p);
                }
                (false, true) => points.push(cross(prev, p, min, max)),
                (false, false) => {}
            }
            prev = p;
        }
    }
    points.dedup();
    if let Some(&first) = points.first() {
        points.push(first);
    }
    LineString(points)
}

fn at_x(a: Coord, b: Coord, x: f64) -> Coord {
    let t = (x - a.x) / (b.x - a.x);
    Coord {
        x,
        y: a.y + t * (b.y - a.y),
    }
}

fn at_y(a: Coord, b: Coord, y: f64) -> Coord {
    let t = (y - a.y) / (b.y - a.y);
    Coord {
        x: a.x + t * (b.x - a.x),
        y,
    }
}

/// How one feature meets the candidate.
enum Meeting {
    Apart,
    Touching,
    Overlapping(Overlap),
}

struct Overlap {
    geometry: OverlapGeometry,
    area_m2: f64,
    length_m: Option<f64>,
    share_of_feature: f64,
}

fn expanded(rect: Rect) -> Rect {
    // A margin keeps the seams of the clipped candidate off the feature.
    let m = 1e-7 + 1e-9 * (rect.width() + rect.height());
    Rect::new(
        Coord {
            x: rect.min().x - m,
            y: rect.min().y - m,
        },
        Coord {
            x: rect.max().x + m,
            y: rect.max().y + m,
        },
    )
}

fn meet(candidate: &PreparedCandidate, layer: &Arc<Layer>, index: usize) -> Meeting {
    let table = &layer.data.features;
    let measure = table.measure(index);
    if table.is_points(index) {
        return meet_points(candidate, table.view(index).coords());
    }
    let bbox = table.bbox(index);
    if !candidate.edges.boundary_may_meet(bbox.min(), bbox.max()) {
        // Wholly inside or wholly outside: one vertex tells, and a feature
        // inside is reported by reference, never copied.
        return match candidate.edges.position_of(table.first_coord(index)) {
            Position::Inside => Meeting::Overlapping(Overlap {
                geometry: candidate.render(|| OverlapGeometry::Feature(layer.clone(), index)),
                area_m2: if table.is_area(index) { measure } else { 0.0 },
                length_m: (!table.is_area(index)).then_some(measure),
                share_of_feature: 1.0,
            }),
            _ => Meeting::Apart,
        };
    }
    let local = candidate.clipped_to(expanded(bbox));
    match table.shape(index) {
        Shape::Area(area) => {
            let overlap = local.intersection(&area);
            let area_m2 = geodesy::multipolygon_area_m2(&overlap);
            if area_m2 > MIN_OVERLAP_M2 {
                Meeting::Overlapping(Overlap {
                    geometry: candidate.render(|| OverlapGeometry::Part(Shape::Area(overlap))),
                    area_m2,
                    length_m: None,
                    share_of_feature: share(area_m2, measure),
                })
            } else if local.intersects(&area) {
                Meeting::Touching
            } else {
                Meeting::Apart
            }
        }
        Shape::Lines(lines) => {
            let inside: MultiLineString = local.clip(&lines, false);
            let length_m: f64 = inside.0.iter().map(geodesy::line_length_m).sum();
            if length_m > MIN_OVERLAP_M {
                Meeting::Overlapping(Overlap {
                    geometry: candidate.render(|| OverlapGeometry::Part(Shape::Lines(inside))),
                    area_m2: 0.0,
                    length_m: Some(length_m),
                    share_of_feature: share(length_m, measure),
                })
            } else if local.intersects(&lines) {
                Meeting::Touching
            } else {
                Meeting::Apart
            }
        }
        Shape::Points(_) => unreachable!("points are met above"),
    }
}

fn meet_points(candidate: &PreparedCandidate, points: &[Coord]) -> Meeting {
    let positions: Vec<Position> = points
        .iter()
        .map(|p| candidate.edges.position_of(*p))
        .collect();
    let inside: Vec<_> = points
        .iter()
        .zip(&positions)
        .filter(|(_, pos)| **pos == Position::Inside)
        .map(|(p, _)| geo::Point(*p))
        .collect();
    if !inside.is_empty() {
        Meeting::Overlapping(Overlap {
            share_of_feature: inside.len() as f64 / points.len() as f64,
            geometry: candidate.render(|| OverlapGeometry::Part(Shape::Points(MultiPoint(inside)))),
            area_m2: 0.0,
            length_m: None,
        })
    } else if positions.contains(&Position::OnBoundary) {
        Meeting::Touching
    } else {
        Meeting::Apart
    }
}

fn share(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        (part / whole).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// What a check computes beyond which features overlap and by how much.
#[derive(Debug, Clone, Copy)]
pub struct CheckOptions {
    /// Include each overlap's geometry (GeoJSON, CRS84); `false` gives null.
    pub geometry: bool,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions { geometry: true }
    }
}

/// Checks a candidate against the given layers (in catalog order).
pub fn check(candidate: &Candidate, layers: &[Arc<Layer>]) -> CheckReport {
    check_with(candidate, layers, CheckOptions::default())
}

/// [`check`], with options.
pub fn check_with(
    candidate: &Candidate,
    layers: &[Arc<Layer>],
    options: CheckOptions,
) -> CheckReport {
    let mut prepared = PreparedCandidate::new(candidate);
    prepared.with_geometry = options.geometry;
    let mut conflicts = Vec::new();
    let mut adjacent = Vec::new();
    for layer in layers {
        let table = &layer.data.features;
        let hits: Vec<usize> = layer
            .data
            .hits(prepared.bbox.min(), prepared.bbox.max())
            .collect();
        let mut meetings: Vec<(usize, Meeting)> = hits
            .par_iter()
            .map(|&i| (i, meet(&prepared, layer, i)))
            .filter(|(_, m)| !matches!(m, Meeting::Apart))
            .collect();
        meetings.sort_by(|(fa, ma), (fb, mb)| {
            let key = |m: &Meeting| match m {
                Meeting::Overlapping(o) => o.area_m2 + o.length_m.unwrap_or(0.0),
                _ => 0.0,
            };
            key(mb)
                .total_cmp(&key(ma))
                .then_with(|| table.id_text(*fa).cmp(table.id_text(*fb)))
        });
        for (feature, meeting) in meetings {
            let (feature_id, name) = (table.id(feature), table.name(feature).map(str::to_string));
            match meeting {
                Meeting::Apart => {}
                Meeting::Touching => adjacent.push(Adjacent {
                    layer: layer.entry.id.clone(),
                    feature_id,
                    name,
                }),
                Meeting::Overlapping(o) => conflicts.push(Conflict::new(
                    o.geometry,
                    ConflictProperties {
                        layer: layer.entry.id.clone(),
                        feature_id,
                        name,
                        on_overlap: layer.entry.on_overlap,
                        rule: layer.entry.rule.clone(),
                        overlap_area_m2: o.area_m2,
                        overlap_area_mu: o.area_m2 / M2_PER_MU,
                        overlap_length_m: o.length_m,
                        share_of_candidate: share(o.area_m2, prepared.area_m2),
                        share_of_feature: o.share_of_feature,
                        parcel: None,
                        corner_points: None,
                    },
                )),
            }
        }
    }
    let verdict = Verdict::from_conflicts(conflicts.iter().map(|c| c.properties.on_overlap));
    let figures = AreaFigures::from_m2(prepared.area_m2);
    CheckReport {
        verdict,
        candidate: CandidateSummary {
            area: figures,
            vertices: candidate.vertices,
            corner_points: None,
        },
        conflicts: conflicts.into(),
        adjacent,
        layers: layers
            .iter()
            .map(|l| LayerRevision {
                id: l.entry.id.clone(),
                revision: l.data.revision.clone(),
                features: l.data.features.len(),
            })
            .collect(),
        warnings: candidate.warnings.clone(),
    }
}

impl Verdict {
    /// reject if any conflict's layer rejects, else warn if any warns, else pass.
    pub fn from_conflicts(on_overlap: impl Iterator<Item = OnOverlap>) -> Verdict {
        match on_overlap.min() {
            Some(OnOverlap::Reject) => Verdict::Reject,
            Some(OnOverlap::Warn) => Verdict::Warn,
            _ => Verdict::Pass,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::candidate::{Limits, read_candidate};
    use crate::crs::Crs;

    /// A star of `n` vertices about (112.9, 36.3), 5 km across, with a hole.
    fn star(n: usize) -> Candidate {
        let ring = |r0: f64, n: usize, reverse: bool| {
            let mut ring: Vec<[f64; 2]> = (0..n)
                .map(|k| {
                    let t = k as f64 / n as f64 * std::f64::consts::TAU;
                    let r = r0 * (1.0 + 0.3 * (7.0 * t).sin() + 0.05 * (53.0 * t).cos());
                    [112.9 + r * t.cos(), 36.3 + r * t.sin()]
                })
                .collect();
            if reverse {
                ring.reverse();
            }
            ring.push(ring[0]);
            ring
        };
        let body = serde_json::json!({"type": "Polygon", "coordinates": [ring(0.025, n, false), ring(0.004, 40, true)]});
        read_candidate(&body, Crs::Crs84, Limits::default()).unwrap()
    }

    #[test]
    fn a_box_cut_from_a_tile_is_the_box_cut_from_the_whole_candidate() {
        let candidate = star(2_000);
        let prepared = PreparedCandidate::new(&candidate);
        assert!(prepared.tiles.per_side > 1);
        let (mut from_tiles, mut compared) = (0, 0);
        for i in 0..60 {
            for j in 0..60 {
                let min = Coord {
                    x: 112.865 + i as f64 * 0.0012,
                    y: 36.265 + j as f64 * 0.0012,
                };
                let rect = Rect::new(
                    min,
                    min + Coord {
                        x: 0.002,
                        y: 0.0015,
                    },
                );
                let whole: MultiPolygon = MultiPolygon(
                    rings(&candidate)
                        .map(|r| clip_ring(r, rect))
                        .filter(|r| r.0.len() >= 4)
                        .map(|r| Polygon::new(r, vec![]))
                        .collect(),
                );
                if prepared.tiles.around(&candidate, rect).is_some() {
                    from_tiles += 1;
                }
                let cut = prepared.clipped_to(rect);
                // Rings are separate parts that add by winding (a hole's cut
                // runs clockwise and subtracts). Planar areas in degrees: the
                // seams both cuts leave along the box edge then cancel exactly.
                let signed =
                    |m: &MultiPolygon| -> f64 { m.0.iter().map(geo::Area::signed_area).sum() };
                let (a, b) = (signed(&whole), signed(&cut));
                assert!(
                    (a - b).abs() <= 1e-12 * rect.width() * rect.height(),
                    "box {i},{j}: {a} vs {b}"
                );
                compared += 1;
            }
        }
        assert!(
            from_tiles > compared / 2,
            "{from_tiles} of {compared} from tiles"
        );
    }
}
