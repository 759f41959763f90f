//! Cutting geometry down to an axis-aligned box: a ring by Sutherland–Hodgman
//! (the check cuts features to a candidate's reach, blocks to a cell, tiles
//! their polygons to the buffered tile), a line into the pieces inside.

use geo::{Coord, LineString, MultiPolygon, Polygon, Rect};

/// A ring cut down to a box (Sutherland–Hodgman). The result may run along
/// the box edge and back, but its winding, and so its signed area, is exactly
/// that of the ring within the box.
pub fn clip_ring(ring: &LineString, rect: Rect) -> LineString {
    let (min, max) = (rect.min(), rect.max());
    let mut points: Vec<Coord> = Vec::new();
    let mut spare: Vec<Coord> = Vec::new();
    let open = &ring.0[..ring.0.len().saturating_sub(1)];
    // One pass per side, each written out so that it inlines: this runs for
    // every boundary feature of every check.
    clip_side(
        open,
        &mut points,
        |p| p.x >= min.x,
        |a, b| at_x(a, b, min.x),
    );
    clip_side(
        &points,
        &mut spare,
        |p| p.x <= max.x,
        |a, b| at_x(a, b, max.x),
    );
    clip_side(
        &spare,
        &mut points,
        |p| p.y >= min.y,
        |a, b| at_y(a, b, min.y),
    );
    clip_side(
        &points,
        &mut spare,
        |p| p.y <= max.y,
        |a, b| at_y(a, b, max.y),
    );
    let mut points = spare;
    points.dedup();
    if let Some(&first) = points.first() {
        points.push(first);
    }
    LineString(points)
}

fn clip_side(
    input: &[Coord],
    output: &mut Vec<Coord>,
    inside: impl Fn(Coord) -> bool,
    cross: impl Fn(Coord, Coord) -> Coord,
) {
    output.clear();
    let Some(&last) = input.last() else {
        return;
    };
    let mut prev = last;
    let mut prev_inside = inside(prev);
    for &p in input {
        let p_inside = inside(p);
        match (p_inside, prev_inside) {
            (true, true) => output.push(p),
            (true, false) => {
                output.push(cross(prev, p));
                output.push(p);
            }
            (false, true) => output.push(cross(prev, p)),
            (false, false) => {}
        }
        prev = p;
        prev_inside = p_inside;
    }
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

/// The pieces of a line inside a box (Liang–Barsky on each segment):
/// consecutive segments that stay in join into one piece, a segment that
/// leaves and comes back starts a new one.
pub fn clip_line(line: &[Coord], rect: Rect) -> Vec<Vec<Coord>> {
    let mut pieces: Vec<Vec<Coord>> = Vec::new();
    let mut current: Vec<Coord> = Vec::new();
    for pair in line.windows(2) {
        let Some((a, b)) = clip_segment(pair[0], pair[1], rect) else {
            if current.len() >= 2 {
                pieces.push(std::mem::take(&mut current));
            }
            current.clear();
            continue;
        };
        if current.last() != Some(&a) {
            if current.len() >= 2 {
                pieces.push(std::mem::take(&mut current));
            }
            current.clear();
            current.push(a);
        }
        current.push(b);
    }
    if current.len() >= 2 {
        pieces.push(current);
    }
    pieces
}

/// The part of segment a–b inside the box, if any.
fn clip_segment(a: Coord, b: Coord, rect: Rect) -> Option<(Coord, Coord)> {
    let (min, max) = (rect.min(), rect.max());
    let d = Coord {
        x: b.x - a.x,
        y: b.y - a.y,
    };
    let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
    // Each side as (−direction, distance to it): the segment enters where the
    // first is negative, leaves where it is positive.
    for (p, q) in [
        (-d.x, a.x - min.x),
        (d.x, max.x - a.x),
        (-d.y, a.y - min.y),
        (d.y, max.y - a.y),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
            continue;
        }
        let t = q / p;
        if p < 0.0 {
            t0 = t0.max(t);
        } else {
            t1 = t1.min(t);
        }
        if t0 > t1 {
            return None;
        }
    }
    let at = |t: f64| {
        if t == 0.0 {
            a
        } else if t == 1.0 {
            b
        } else {
            Coord {
                x: a.x + t * d.x,
                y: a.y + t * d.y,
            }
        }
    };
    Some((at(t0), at(t1)))
}

/// An area cut down to `rect`, each polygon keeping its holes (cut too), so
/// that both the boolean operations (even-odd) and the exact overlay
/// (which orients rings) read it as the same area.
pub fn cut_to(area: &MultiPolygon, rect: Rect) -> MultiPolygon {
    MultiPolygon(
        area.0
            .iter()
            .filter_map(|polygon| {
                let exterior = clip_ring(polygon.exterior(), rect);
                (exterior.0.len() >= 4).then(|| {
                    let holes = polygon
                        .interiors()
                        .iter()
                        .map(|hole| clip_ring(hole, rect))
                        .filter(|hole| hole.0.len() >= 4)
                        .collect();
                    Polygon::new(exterior, holes)
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit_box() -> Rect {
        Rect::new(Coord { x: 0.0, y: 0.0 }, Coord { x: 1.0, y: 1.0 })
    }

    #[test]
    fn a_line_that_leaves_the_box_and_comes_back_is_cut_into_two_pieces() {
        let line = [
            Coord { x: 0.5, y: 0.5 },
            Coord { x: 1.5, y: 0.5 },
            Coord { x: 1.5, y: 0.8 },
            Coord { x: 0.5, y: 0.8 },
        ];
        let pieces = clip_line(&line, unit_box());
        assert_eq!(
            pieces,
            vec![
                vec![Coord { x: 0.5, y: 0.5 }, Coord { x: 1.0, y: 0.5 }],
                vec![Coord { x: 1.0, y: 0.8 }, Coord { x: 0.5, y: 0.8 }],
            ]
        );
    }

    #[test]
    fn a_line_wholly_inside_is_one_piece_as_it_was_and_one_outside_is_none() {
        let inside = [
            Coord { x: 0.1, y: 0.1 },
            Coord { x: 0.2, y: 0.9 },
            Coord { x: 0.9, y: 0.9 },
        ];
        assert_eq!(clip_line(&inside, unit_box()), vec![inside.to_vec()]);
        let outside = [Coord { x: 2.0, y: 0.1 }, Coord { x: 3.0, y: 0.9 }];
        assert!(clip_line(&outside, unit_box()).is_empty());
    }

    #[test]
    fn a_ring_round_the_box_is_cut_to_the_box() {
        let ring = LineString::from(vec![
            (-1.0, -1.0),
            (2.0, -1.0),
            (2.0, 2.0),
            (-1.0, 2.0),
            (-1.0, -1.0),
        ]);
        let cut = clip_ring(&ring, unit_box());
        let area = geo::Area::signed_area(&geo::Polygon::new(cut, vec![]));
        assert!((area - 1.0).abs() < 1e-12);
    }
}
