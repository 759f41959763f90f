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

use std::collections::HashSet;
use std::sync::Arc;

use geo::{
    BooleanOps, BoundingRect, Coord, Intersects, LineString, MultiLineString, MultiPoint,
    MultiPolygon, Polygon, Rect,
};
use rayon::prelude::*;

use crate::engine::buffer::{Buffered, WithinBuffer};
use crate::engine::report::{
    Adjacent, BufferFigures, CandidateSummary, CheckReport, Conflict, ConflictProperties,
    DepthFigures, DepthRange, LayerRevision, OverlapGeometry, SeparatedInDepth, Validity,
    ValidityStatus, Verdict,
};
use crate::geom::clip::{clip_ring, cut_to};
use crate::geom::geodesy::{self, AreaFigures, M2_PER_MU};
use crate::geom::segments::{EdgeIndex, Position};
use crate::geom::shape::Shape;
use crate::geom::shared_area;
use crate::intake::candidate::Candidate;
use crate::layer::OnOverlap;
use crate::layer::catalog::Layer;

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

/// The candidate's rings cut to overlapping tiles of its box, level by level
/// (a quadtree), each cut made the first time a feature needs it.
///
/// Why: a feature on the candidate's boundary is clipped against the
/// candidate cut down to the feature's box, and cutting a 1,000-vertex
/// candidate for each of a thousand such features cost more than the
/// clipping itself. A tile holds a small share of the vertices, so a
/// feature's box is cut from the finest tile that holds it, and each tile
/// is cut from its parent's cut (the same ring, cut again).
struct Tiles {
    origin: Coord,
    size: Coord,
    /// Level ℓ has 2^ℓ × 2^ℓ tiles; level 0 is the whole box (no cut).
    levels: u32,
    /// Cuts of levels 1.., level by level, row by row.
    cuts: Vec<std::sync::OnceLock<Vec<LineString>>>,
}

impl Tiles {
    fn new(bbox: Rect, vertices: usize) -> Tiles {
        // Down to about √n/2 tiles a side, where a tile holds a few dozen vertices.
        let finest = ((vertices as f64).sqrt() / 2.0).clamp(1.0, 64.0);
        let levels = if bbox.width() > 0.0 && bbox.height() > 0.0 {
            finest.log2().ceil() as u32
        } else {
            0
        };
        let count = (1..=levels).map(|l| 1usize << (2 * l)).sum();
        Tiles {
            origin: bbox.min(),
            size: Coord {
                x: bbox.width(),
                y: bbox.height(),
            },
            levels,
            cuts: (0..count).map(|_| std::sync::OnceLock::new()).collect(),
        }
    }

    /// Tile (i, j) of `level` and half a tile around it: any box up to half
    /// a tile across lies wholly in the reach of the tile holding its centre,
    /// and a tile's reach lies within its parent's.
    fn reach(&self, level: u32, i: usize, j: usize) -> Rect {
        let n = (1usize << level) as f64;
        let (w, h) = (self.size.x / n, self.size.y / n);
        Rect::new(
            Coord {
                x: self.origin.x + (i as f64 - 0.5) * w,
                y: self.origin.y + (j as f64 - 0.5) * h,
            },
            Coord {
                x: self.origin.x + (i as f64 + 1.5) * w,
                y: self.origin.y + (j as f64 + 1.5) * h,
            },
        )
    }

    /// The tile of `level` holding `point`, if it is in the box.
    fn tile_of(&self, level: u32, point: Coord) -> Option<(usize, usize)> {
        let n = (1usize << level) as f64;
        let i = ((point.x - self.origin.x) / self.size.x * n).floor();
        let j = ((point.y - self.origin.y) / self.size.y * n).floor();
        ((0.0..n).contains(&i) && (0.0..n).contains(&j)).then_some((i as usize, j as usize))
    }

    fn cut(&self, candidate: &Candidate, level: u32, i: usize, j: usize) -> &[LineString] {
        let first = (1..level).map(|l| 1usize << (2 * l)).sum::<usize>();
        let slot = &self.cuts[first + j * (1usize << level) + i];
        slot.get_or_init(|| {
            let reach = self.reach(level, i, j);
            let cut = |rings: &mut dyn Iterator<Item = &LineString>| {
                rings
                    .map(|ring| clip_ring(ring, reach))
                    .filter(|r| r.0.len() >= 4)
                    .collect()
            };
            if level == 1 {
                cut(&mut rings(candidate))
            } else {
                cut(&mut self.cut(candidate, level - 1, i / 2, j / 2).iter())
            }
        })
    }

    /// The candidate's rings cut to the finest tile whose reach holds all
    /// of `rect`; `None` when only the whole candidate does.
    fn around(&self, candidate: &Candidate, rect: Rect) -> Option<&[LineString]> {
        let centre = rect.center();
        let holds = |reach: Rect| {
            reach.min().x < rect.min().x
                && reach.min().y < rect.min().y
                && rect.max().x < reach.max().x
                && rect.max().y < reach.max().y
        };
        (1..=self.levels).rev().find_map(|level| {
            let (i, j) = self.tile_of(level, centre)?;
            holds(self.reach(level, i, j)).then(|| self.cut(candidate, level, i, j))
        })
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

    /// The whole candidate cut down to `rect`, each polygon with its holes.
    fn cut_whole(&self, rect: Rect) -> MultiPolygon {
        cut_to(&self.candidate.area, rect)
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

pub(crate) fn expanded(rect: Rect) -> Rect {
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

/// The box where a candidate with box `candidate` and a feature with box
/// `feature` can meet, with the margin of [`expanded`] on every side, so
/// that the seams cutting leaves along its edges lie off both.
fn meeting_box(candidate: Rect, feature: Rect) -> Rect {
    let (c, f) = (expanded(candidate), expanded(feature));
    Rect::new(
        Coord {
            x: c.min().x.max(f.min().x),
            y: c.min().y.max(f.min().y),
        },
        Coord {
            x: c.max().x.min(f.max().x),
            y: c.max().y.min(f.max().y),
        },
    )
}

/// A bound on how far the boolean operations' snapping may have moved an
/// overlap's area (m²): i_overlay snaps to 2³⁰ steps across the half-width
/// of its operands' box, and each edge may move by a step.
fn snapping_error_m2(overlap: &MultiPolygon, area_m2: f64, reach: Rect) -> f64 {
    let half = (reach.width().max(reach.height()) / 2.0).max(f64::MIN_POSITIVE);
    let step = 2f64.powi(half.log2().floor() as i32 - 29);
    let (mut perimeter, mut planar) = (0.0, 0.0);
    for polygon in &overlap.0 {
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
            perimeter += ring.lines().map(|l| l.dx().hypot(l.dy())).sum::<f64>();
        }
        planar += geo::Area::unsigned_area(polygon);
    }
    if planar > 0.0 {
        step * perimeter * area_m2 / planar
    } else {
        f64::INFINITY
    }
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
            // Both operands cut to where they can meet: the boolean
            // operation's grid is then laid over that box, not over the
            // whole feature (a red line 100 km across).
            let reach = meeting_box(candidate.bbox, bbox);
            let near = cut_to(&area, reach);
            let snapped = local.intersection(&near);
            let snapped_m2 = geodesy::multipolygon_area_m2(&snapped);
            // An overlap of some area meets the feature; with none, whether
            // the two touch is asked once.
            if snapped_m2 == 0.0 && !local.intersects(&near) {
                return Meeting::Apart;
            }
            // Exact when snapping could cost more than 1e-6 relative or
            // 1e-5 m² (a tenth of the README's promise, what benches/ checks
            // against GEOS and PostGIS), or move the area across the 0.01 m²
            // line between a conflict and a touch; and when snapping left
            // nothing where the two meet. A sliver, or an overlap near the
            // line, is then measured from the two boundaries.
            let grid_may_matter = snapped_m2 == 0.0 || {
                let error = snapping_error_m2(&snapped, snapped_m2, reach);
                error > 0.5 * (1e-6 * snapped_m2).max(1e-5)
                    || (snapped_m2 - MIN_OVERLAP_M2).abs() < error
            };
            let exact =
                grid_may_matter.then(|| shared_area::shared(&candidate.cut_whole(reach), &near));
            let area_m2 = exact.as_ref().map_or(snapped_m2, |e| e.area_m2);
            if area_m2 > MIN_OVERLAP_M2 {
                Meeting::Overlapping(Overlap {
                    // The exact outline is joined only when it is drawn.
                    geometry: candidate.render(|| {
                        OverlapGeometry::Part(Shape::Area(match &exact {
                            Some(e) => e.outline(),
                            None => snapped,
                        }))
                    }),
                    area_m2,
                    length_m: None,
                    share_of_feature: share(area_m2, measure),
                })
            } else {
                Meeting::Touching
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
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Include each overlap's geometry (GeoJSON, CRS84); `false` gives null.
    pub geometry: bool,
    /// Protection buffers the check asks for, by layer id (m). A check can
    /// widen a layer's own `buffer_m`, never narrow it: the catalog's
    /// distance is the bureau's rule.
    pub buffers: Vec<(String, f64)>,
    /// The date (YYYY-MM-DD) features' `valid_from`/`valid_to` are judged
    /// on; `None` judges none (records made before validity was read).
    pub on_date: Option<String>,
    /// The candidate's elevation range: on depth-aware layers, features
    /// apart from it in depth are separated, not conflicts.
    pub depth: Option<DepthRange>,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            geometry: true,
            buffers: Vec::new(),
            on_date: None,
            depth: None,
        }
    }
}

/// Feature `i`'s elevation range, if it gives one that reads (two finite
/// numbers, top above bottom); otherwise its depth is unknown and any
/// overlap in plan stays a conflict.
fn depth_of(layer: &Layer, i: usize) -> Option<DepthRange> {
    let table = &layer.data.features;
    let top_m = table.property(i, "elevation_top_m")?.as_f64()?;
    let bottom_m = table.property(i, "elevation_bottom_m")?.as_f64()?;
    (top_m.is_finite() && bottom_m.is_finite() && top_m > bottom_m)
        .then_some(DepthRange { top_m, bottom_m })
}

/// The validity of feature `i` on `on`, if it carries `valid_from` or
/// `valid_to`.
fn validity_of(layer: &Layer, i: usize, on: &str) -> Option<Validity> {
    let table = &layer.data.features;
    let read = |key: &str| -> Option<Result<String, String>> {
        let v = table.property(i, key)?;
        let v = &v;
        Some(match v.as_str().and_then(crate::time::checked_date) {
            Some(date) => Ok(date),
            None => Err(match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            }),
        })
    };
    let (from, to) = (read("valid_from"), read("valid_to"));
    if from.is_none() && to.is_none() {
        return None;
    }
    let text = |r: &Option<Result<String, String>>| {
        r.as_ref().map(|r| r.clone().unwrap_or_else(|bad| bad))
    };
    let status = match (&from, &to) {
        (Some(Err(_)), _) | (_, Some(Err(_))) => ValidityStatus::Unreadable,
        (_, Some(Ok(to))) if on > to.as_str() => ValidityStatus::Expired,
        (Some(Ok(from)), _) if on < from.as_str() => ValidityStatus::NotYetValid,
        _ => ValidityStatus::InForce,
    };
    Some(Validity {
        valid_from: text(&from),
        valid_to: text(&to),
        on: on.to_string(),
        status,
    })
}

impl CheckOptions {
    /// The protection buffer (m) a check draws around `layer`'s features.
    pub fn buffer_for(&self, layer: &Layer) -> Option<f64> {
        let asked = self
            .buffers
            .iter()
            .filter(|(id, _)| *id == layer.entry.id)
            .map(|(_, m)| *m);
        layer
            .entry
            .buffer_m
            .into_iter()
            .chain(asked)
            .reduce(f64::max)
    }
}

/// What of one feature lies inside an area: its index in the layer's table,
/// the area (m²) of a polygon inside, or the length (m) of a line inside; a
/// point inside has neither.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Inside {
    pub feature: usize,
    pub area_m2: f64,
    pub length_m: Option<f64>,
}

/// The features of `layer` that overlap `area` and how much of each lies
/// in it, measured as a check measures overlaps (no geometry is built).
pub fn inside(area: &Candidate, layer: &Arc<Layer>) -> Vec<Inside> {
    let mut prepared = PreparedCandidate::new(area);
    prepared.with_geometry = false;
    let deadline = crate::deadline::Deadline::current();
    let hits: Vec<usize> = layer
        .data
        .hits(prepared.bbox.min(), prepared.bbox.max())
        .collect();
    let mut found: Vec<Inside> = hits
        .par_iter()
        .filter_map(|&i| {
            if deadline.expired() {
                return None;
            }
            match meet(&prepared, layer, i) {
                Meeting::Overlapping(o) => Some(Inside {
                    feature: i,
                    area_m2: o.area_m2,
                    length_m: o.length_m,
                }),
                _ => None,
            }
        })
        .collect();
    found.sort_by_key(|f| f.feature);
    found
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
    let mut separated_in_depth = Vec::new();
    // Made once, for the first layer with a buffer.
    let buffered: std::sync::OnceLock<Option<Buffered>> = std::sync::OnceLock::new();
    // Past the deadline every feature is skipped: the caller that set the
    // deadline ([`crate::engine::screening::screen`]) discards the report.
    let deadline = crate::deadline::Deadline::current();
    for layer in layers {
        let table = &layer.data.features;
        let hits: Vec<usize> = layer
            .data
            .hits(prepared.bbox.min(), prepared.bbox.max())
            .collect();
        let mut meetings: Vec<(usize, Meeting)> = hits
            .par_iter()
            .map(|&i| {
                if deadline.expired() {
                    return (i, Meeting::Apart);
                }
                (i, meet(&prepared, layer, i))
            })
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
        let first = conflicts.len();
        let mut features_of: Vec<usize> = Vec::new();
        // Features within the layer's protection buffer: those met above
        // (0 m away) and those apart but near.
        let mut near: std::collections::HashMap<usize, WithinBuffer> = Default::default();
        let mut near_order = Vec::new();
        let buffer_m = options.buffer_for(layer);
        if let Some(buffer_m) = buffer_m
            && let Some(buffered) = buffered
                .get_or_init(|| Buffered::new(&candidate.area))
                .as_ref()
        {
            let met: HashSet<usize> = meetings.iter().map(|(i, _)| *i).collect();
            for w in buffered.within(layer, buffer_m, &met) {
                near_order.push(w.feature);
                near.insert(w.feature, w);
            }
        }
        let figures = |w: &WithinBuffer| BufferFigures {
            buffer_m: buffer_m.unwrap_or(0.0),
            distance_m: w.distance_m,
            area_m2: w.area_m2,
            area_mu: w.area_m2 / M2_PER_MU,
            share_of_candidate: share(w.area_m2, prepared.area_m2),
        };
        // A feature outside its validity conflicts as the layer's
        // `on_expired` says (by default as `on_overlap` does).
        let judged = |feature: usize| -> (Option<Validity>, OnOverlap) {
            let validity = options
                .on_date
                .as_deref()
                .and_then(|on| validity_of(layer, feature, on));
            let lapsed = validity.as_ref().is_some_and(|v| {
                matches!(
                    v.status,
                    ValidityStatus::Expired | ValidityStatus::NotYetValid
                )
            });
            let on_overlap = match layer.entry.on_expired {
                Some(level) if lapsed => level,
                _ => layer.entry.on_overlap,
            };
            (validity, on_overlap)
        };
        let within_buffer = |w: WithinBuffer| {
            let (feature_id, name) = (
                table.id(w.feature),
                table.name(w.feature).map(str::to_string),
            );
            let figures = figures(&w);
            let (validity, on_overlap) = judged(w.feature);
            let reach = w.reach;
            Conflict::new(
                prepared.render(|| OverlapGeometry::Part(Shape::Area(reach))),
                ConflictProperties {
                    layer: layer.entry.id.clone(),
                    feature_id,
                    name,
                    on_overlap,
                    rule: layer
                        .entry
                        .buffer_rule
                        .clone()
                        .unwrap_or_else(|| layer.entry.rule.clone()),
                    overlap_area_m2: 0.0,
                    overlap_area_mu: 0.0,
                    overlap_length_m: None,
                    share_of_candidate: 0.0,
                    share_of_feature: 0.0,
                    buffer: Some(figures),
                    depth: None,
                    validity,
                    parcel: None,
                    corner_points: None,
                },
            )
        };
        for (feature, meeting) in meetings {
            let (feature_id, name) = (table.id(feature), table.name(feature).map(str::to_string));
            match meeting {
                Meeting::Apart => {}
                // A feature touched is inside its own buffer: a conflict there.
                Meeting::Touching if near.contains_key(&feature) => {
                    let w = near.remove(&feature).expect("looked up");
                    features_of.push(feature);
                    conflicts.push(within_buffer(w));
                }
                Meeting::Touching => adjacent.push(Adjacent {
                    layer: layer.entry.id.clone(),
                    feature_id,
                    name,
                }),
                Meeting::Overlapping(o) => {
                    let (validity, on_overlap) = judged(feature);
                    features_of.push(feature);
                    conflicts.push(Conflict::new(
                        o.geometry,
                        ConflictProperties {
                            layer: layer.entry.id.clone(),
                            feature_id,
                            name,
                            on_overlap,
                            rule: layer.entry.rule.clone(),
                            overlap_area_m2: o.area_m2,
                            overlap_area_mu: o.area_m2 / M2_PER_MU,
                            overlap_length_m: o.length_m,
                            share_of_candidate: share(o.area_m2, prepared.area_m2),
                            share_of_feature: o.share_of_feature,
                            buffer: near.remove(&feature).as_ref().map(figures),
                            depth: None,
                            validity,
                            parcel: None,
                            corner_points: None,
                        },
                    ))
                }
            }
        }
        for feature in near_order {
            if let Some(w) = near.remove(&feature) {
                features_of.push(feature);
                conflicts.push(within_buffer(w));
            }
        }
        // 立体分层: on a depth-aware layer, a feature whose range the
        // candidate's does not reach is separated in depth, not a conflict.
        if layer.entry.depth_aware
            && let Some(candidate_depth) = options.depth
        {
            let mine: Vec<Conflict> = conflicts.drain(first..).collect();
            for (mut c, feature) in mine.into_iter().zip(features_of) {
                let Some(feature_depth) = depth_of(layer, feature) else {
                    conflicts.push(c);
                    continue;
                };
                match candidate_depth.shared(feature_depth) {
                    Some(shared) => {
                        c.properties.depth = Some(DepthFigures {
                            candidate: candidate_depth,
                            feature: feature_depth,
                            shared,
                        });
                        conflicts.push(c);
                    }
                    None => separated_in_depth.push(SeparatedInDepth {
                        layer: c.properties.layer,
                        feature_id: c.properties.feature_id,
                        name: c.properties.name,
                        overlap_area_m2: c.properties.overlap_area_m2,
                        overlap_length_m: c.properties.overlap_length_m,
                        candidate_depth,
                        feature_depth,
                        parcel: None,
                    }),
                }
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
        separated_in_depth,
        layers: layers.iter().map(|l| LayerRevision::of(l)).collect(),
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
    use crate::geom::crs::Crs;
    use crate::intake::candidate::{Limits, read_candidate};

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
        assert!(prepared.tiles.levels > 1);
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
