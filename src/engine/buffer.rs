//! Protection buffers. Mining near railways, important roads, rivers and
//! dykes, and urban and industrial facilities needs approval within a
//! distance set locally; a layer's `buffer_m` (or a check's `buffer`) is
//! that distance. A candidate within it of a feature conflicts with the
//! feature as the layer's `on_overlap` says, and the answer gives the
//! distance and the area of the candidate inside the buffer.
//!
//! Cost follows what is near: the layer's R-tree is probed with the
//! candidate's box widened by the distance, and only the features it finds
//! are measured and buffered, each cut first to that box.

use std::collections::HashSet;

use geo::{BoundingRect, Coord, MultiPolygon, Rect};
use rayon::prelude::*;

use crate::deadline::Deadline;
use crate::engine::nearest::{Measured, reach_box};
use crate::geom::clip::cut_to;
use crate::geom::geodesy::multipolygon_area_m2;
use crate::geom::geodesy::within::{
    Reached, area_from_plane, area_to_plane, buffer_in_plane, densified, densified_area,
    part_within,
};
use crate::geom::shape::Shape;
use crate::layer::catalog::Layer;

/// A candidate, ready to be measured against buffered features.
pub struct Buffered {
    measured: Measured,
    area_in_plane: MultiPolygon,
    /// Its box in the plane, a metre wider: buffers are drawn only there.
    near_in_plane: Option<Rect>,
}

/// A feature the candidate comes within a buffer of.
pub struct WithinBuffer {
    /// The feature's index in its layer's table.
    pub feature: usize,
    /// Geodesic distance between the nearest points; 0 where they meet.
    pub distance_m: f64,
    /// The part of the candidate inside the buffer (lon/lat).
    pub reach: MultiPolygon,
    /// Its ellipsoid area, m².
    pub area_m2: f64,
}

impl Buffered {
    pub fn new(area: &MultiPolygon) -> Option<Buffered> {
        let measured = Measured::new(area)?;
        let area_in_plane = area_to_plane(measured.plane(), area);
        let near_in_plane = area_in_plane.bounding_rect().map(|b| widened(b, 1.0));
        Some(Buffered {
            measured,
            area_in_plane,
            near_in_plane,
        })
    }

    /// The features of `layer` within `buffer_m` of the candidate, nearest
    /// first (then by id). Features in `meeting` (those the candidate
    /// overlaps or touches) are 0 m away. Past the deadline, features are
    /// skipped: the caller discards the answer.
    pub fn within(
        &self,
        layer: &Layer,
        buffer_m: f64,
        meeting: &HashSet<usize>,
    ) -> Vec<WithinBuffer> {
        let deadline = Deadline::current();
        let probe = reach_box(self.measured.bbox(), buffer_m);
        let hits: Vec<usize> = layer.data.hits(probe.min(), probe.max()).collect();
        let mut found: Vec<WithinBuffer> = hits
            .par_iter()
            .filter_map(|&i| {
                if deadline.expired() {
                    return None;
                }
                let distance_m = if meeting.contains(&i) {
                    0.0
                } else {
                    self.measured.distance_to(layer, i)?
                };
                if distance_m >= buffer_m {
                    return None;
                }
                let reach = self.reach(layer, i, buffer_m, probe);
                Some(WithinBuffer {
                    feature: i,
                    distance_m,
                    area_m2: multipolygon_area_m2(&reach),
                    reach,
                })
            })
            .collect();
        let table = &layer.data.features;
        found.sort_by(|a, b| {
            a.distance_m
                .total_cmp(&b.distance_m)
                .then_with(|| table.id_text(a.feature).cmp(table.id_text(b.feature)))
        });
        found
    }

    /// The part of the candidate (lon/lat) within `buffer_m` of feature `i`.
    pub fn reach_of(&self, layer: &Layer, i: usize, buffer_m: f64) -> MultiPolygon {
        self.reach(
            layer,
            i,
            buffer_m,
            reach_box(self.measured.bbox(), buffer_m),
        )
    }

    /// The part of the candidate within `buffer_m` of feature `i`, the
    /// feature first cut to `probe` (every point of it nearer than
    /// `buffer_m` to the candidate lies in `probe`). Its edges are divided
    /// along their geodesics before the cut, so that the cut keeps them.
    fn reach(&self, layer: &Layer, i: usize, buffer_m: f64, probe: Rect) -> MultiPolygon {
        let plane = self.measured.plane();
        let within = |shape: Reached| {
            // Drawn only about the candidate: the part inside it is the same.
            let buffer = buffer_in_plane(plane, shape, buffer_m, self.near_in_plane);
            let Some(bbox) = buffer.bounding_rect() else {
                return MultiPolygon(vec![]);
            };
            // The candidate cut to the buffer's box, a metre wider so that
            // the cut's seams lie off the buffer.
            let near = cut_to(&self.area_in_plane, widened(bbox, 1.0));
            area_from_plane(plane, &part_within(&near, &buffer))
        };
        match layer.data.features.shape(i) {
            Shape::Area(area) => within(Reached::Area(&cut_to(&densified_area(&area), probe))),
            Shape::Lines(lines) => {
                let runs: Vec<Vec<Coord>> = lines
                    .0
                    .iter()
                    .flat_map(|line| runs_in(&densified(&line.0), probe))
                    .collect();
                within(Reached::Lines(&runs))
            }
            Shape::Points(points) => {
                let near: Vec<Coord> = points
                    .0
                    .iter()
                    .map(|p| p.0)
                    .filter(|c| probe.intersects_coord(*c))
                    .collect();
                within(Reached::Points(&near))
            }
        }
    }
}

trait HoldsCoord {
    fn intersects_coord(&self, c: Coord) -> bool;
}

impl HoldsCoord for Rect {
    fn intersects_coord(&self, c: Coord) -> bool {
        self.min().x <= c.x && c.x <= self.max().x && self.min().y <= c.y && c.y <= self.max().y
    }
}

/// The runs of a line's consecutive edges whose boxes meet `probe`.
fn runs_in(line: &[Coord], probe: Rect) -> Vec<Vec<Coord>> {
    let mut runs: Vec<Vec<Coord>> = Vec::new();
    let mut open = false;
    for pair in line.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let meets = a.x.min(b.x) <= probe.max().x
            && a.x.max(b.x) >= probe.min().x
            && a.y.min(b.y) <= probe.max().y
            && a.y.max(b.y) >= probe.min().y;
        match (meets, open) {
            (true, true) => runs.last_mut().expect("an open run").push(b),
            (true, false) => runs.push(vec![a, b]),
            _ => {}
        }
        open = meets;
    }
    runs
}

fn widened(rect: Rect, by: f64) -> Rect {
    Rect::new(
        Coord {
            x: rect.min().x - by,
            y: rect.min().y - by,
        },
        Coord {
            x: rect.max().x + by,
            y: rect.max().y + by,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_kept_only_where_its_edges_come_near_the_box() {
        let probe = Rect::new(Coord { x: 0.0, y: 0.0 }, Coord { x: 1.0, y: 1.0 });
        let line = [
            Coord { x: -3.0, y: 0.5 },
            Coord { x: -2.0, y: 0.5 },
            Coord { x: 0.5, y: 0.5 },
            Coord { x: 3.0, y: 0.5 },
            Coord { x: 4.0, y: 0.5 },
            Coord { x: 4.0, y: 0.8 },
            Coord { x: 0.8, y: 0.8 },
        ];
        let runs = runs_in(&line, probe);
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0], line[1..4].to_vec());
        assert_eq!(runs[1], line[5..7].to_vec());
    }
}
