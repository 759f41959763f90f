//! Drawing illustrative shapes: irregular blobs, orthogonal blocks, road
//! corridors; fitting them to a published area; rounding to 7 decimals.

use std::f64::consts::TAU;

use anyhow::bail;
use geo::{BooleanOps, Contains, Coord, LineString, MultiPolygon, Polygon};

use super::rng::SplitMix64;
use planmap::geom::geodesy::multipolygon_area_m2;
use planmap::geom::validate::check_multipolygon;

/// Largest relative difference between a drawn and a published area that the
/// fit accepts: a tenth of the 0.5 % the data promise, so rounding to
/// 7 decimals can never push a feature out of tolerance.
pub const FIT_TOLERANCE: f64 = 5e-4;

/// Kilometres per degree of longitude and latitude near a latitude (a local
/// plate carrée: enough to draw believable shapes, never used for areas).
fn km_per_deg(lat: f64) -> (f64, f64) {
    (111.32 * lat.to_radians().cos(), 110.95)
}

/// A point `dx_km` east and `dy_km` north of `(lon, lat)`.
pub fn offset(center: (f64, f64), dx_km: f64, dy_km: f64) -> Coord {
    let (kx, ky) = km_per_deg(center.1);
    Coord {
        x: center.0 + dx_km / kx,
        y: center.1 + dy_km / ky,
    }
}

/// A closed ring through the points.
pub fn ring(mut points: Vec<Coord>) -> LineString {
    if points.first() != points.last() {
        points.push(points[0]);
    }
    LineString(points)
}

/// An irregular, star-shaped outline: an ellipse of semi-axes `rx_km`,
/// `ry_km` turned by `turn_deg`, its radius varied by a few smooth harmonics.
/// Star-shaped about the centre, so it never crosses itself.
pub fn blob(
    rng: &mut SplitMix64,
    center: (f64, f64),
    (rx_km, ry_km): (f64, f64),
    turn_deg: f64,
    vertices: usize,
    roughness: f64,
) -> Polygon {
    let harmonics: Vec<(f64, f64, f64)> = (2..6)
        .map(|k| {
            let amp = roughness * rng.range(0.4, 1.0) / (k as f64 - 1.0);
            (k as f64, amp, rng.range(0.0, TAU))
        })
        .collect();
    let turn = turn_deg.to_radians();
    let points = (0..vertices)
        .map(|i| {
            let t = (i as f64 + rng.range(-0.3, 0.3)) * TAU / vertices as f64;
            let wobble: f64 = harmonics
                .iter()
                .map(|(k, a, p)| a * (k * t + p).sin())
                .sum();
            let r = (1.0 + wobble).max(0.3);
            let (x, y) = (rx_km * r * t.cos(), ry_km * r * t.sin());
            offset(
                center,
                x * turn.cos() - y * turn.sin(),
                x * turn.sin() + y * turn.cos(),
            )
        })
        .collect();
    Polygon::new(ring(points), vec![])
}

/// A polygon from (east, north) offsets in km from `center`.
pub fn from_km(center: (f64, f64), offsets: &[(f64, f64)]) -> Polygon {
    Polygon::new(
        ring(offsets.iter().map(|&(x, y)| offset(center, x, y)).collect()),
        vec![],
    )
}

/// An axis-aligned rectangle in degrees.
pub fn rect(west: f64, south: f64, east: f64, north: f64) -> Polygon {
    Polygon::new(
        ring(vec![
            Coord { x: west, y: south },
            Coord { x: east, y: south },
            Coord { x: east, y: north },
            Coord { x: west, y: north },
        ]),
        vec![],
    )
}

/// A corridor of half-width `half_km` along a polyline (a road's land):
/// left offsets out, right offsets back, mitred at the bends.
pub fn corridor(path: &[Coord], half_km: f64) -> Polygon {
    let (kx, ky) = km_per_deg(path[0].y);
    let normal = |a: Coord, b: Coord| {
        let (dx, dy) = ((b.x - a.x) * kx, (b.y - a.y) * ky);
        let len = dx.hypot(dy);
        (-dy / len, dx / len)
    };
    let side = |sign: f64| -> Vec<Coord> {
        (0..path.len())
            .map(|i| {
                let n_in = if i > 0 {
                    Some(normal(path[i - 1], path[i]))
                } else {
                    None
                };
                let n_out = if i + 1 < path.len() {
                    Some(normal(path[i], path[i + 1]))
                } else {
                    None
                };
                let (nx, ny) = match (n_in, n_out) {
                    (Some(a), Some(b)) => {
                        let (mx, my) = (a.0 + b.0, a.1 + b.1);
                        let dot = (mx * a.0 + my * a.1) / (mx.hypot(my));
                        (mx / mx.hypot(my) / dot, my / mx.hypot(my) / dot)
                    }
                    (Some(a), None) | (None, Some(a)) => a,
                    (None, None) => (0.0, 0.0),
                };
                Coord {
                    x: path[i].x + sign * half_km * nx / kx,
                    y: path[i].y + sign * half_km * ny / ky,
                }
            })
            .collect()
    };
    let mut points = side(1.0);
    points.extend(side(-1.0).into_iter().rev());
    Polygon::new(ring(points), vec![])
}

/// `polygon` scaled by `s` about `center`.
pub fn scaled(polygon: &Polygon, center: Coord, s: f64) -> Polygon {
    let map = |ls: &LineString| {
        LineString(
            ls.0.iter()
                .map(|c| Coord {
                    x: center.x + (c.x - center.x) * s,
                    y: center.y + (c.y - center.y) * s,
                })
                .collect(),
        )
    };
    Polygon::new(
        map(polygon.exterior()),
        polygon.interiors().iter().map(map).collect(),
    )
}

/// A coordinate rounded to 7 decimals (about 1 cm), as the layer files hold it.
pub fn round7(c: Coord) -> Coord {
    Coord {
        x: (c.x * 1e7).round() / 1e7,
        y: (c.y * 1e7).round() / 1e7,
    }
}

fn rounded_ring(ls: &LineString) -> LineString {
    let mut points: Vec<Coord> = ls.0.iter().map(|&c| round7(c)).collect();
    points.dedup();
    LineString(points)
}

/// Every coordinate rounded to 7 decimals, repeated vertices dropped, and
/// rings that collapse dropped.
pub fn rounded(area: &MultiPolygon) -> MultiPolygon {
    MultiPolygon(
        area.0
            .iter()
            .filter_map(|p| {
                let exterior = rounded_ring(p.exterior());
                (exterior.0.len() >= 4).then(|| {
                    let holes = p
                        .interiors()
                        .iter()
                        .map(rounded_ring)
                        .filter(|h| h.0.len() >= 4)
                        .collect();
                    Polygon::new(exterior, holes)
                })
            })
            .collect(),
    )
}

/// Ellipsoid area in km².
pub fn area_km2(area: &MultiPolygon) -> f64 {
    multipolygon_area_m2(area) / 1e6
}

/// Finds the scale `s` in `[lo, hi]` for which `shape(s)`, rounded, has
/// `target_km2` ellipsoid area within [`FIT_TOLERANCE`], by bisection: the
/// area must grow with `s`. The result is checked valid.
pub fn fit_area(
    what: &str,
    target_km2: f64,
    range: (f64, f64),
    shape: impl Fn(f64) -> MultiPolygon,
) -> anyhow::Result<MultiPolygon> {
    fit_scale(what, target_km2, range, shape).map(|(area, _)| area)
}

/// [`fit_area`], also giving the scale found.
pub fn fit_scale(
    what: &str,
    target_km2: f64,
    (mut lo, mut hi): (f64, f64),
    shape: impl Fn(f64) -> MultiPolygon,
) -> anyhow::Result<(MultiPolygon, f64)> {
    let measure = |s: f64| {
        let area = rounded(&shape(s));
        let km2 = area_km2(&area);
        (area, km2)
    };
    let (_, at_hi) = measure(hi);
    if at_hi < target_km2 {
        bail!("{what}: cannot reach {target_km2} km² (at most {at_hi:.4} km²)");
    }
    for _ in 0..80 {
        let mid = 0.5 * (lo + hi);
        let (area, km2) = measure(mid);
        if (km2 / target_km2 - 1.0).abs() <= FIT_TOLERANCE {
            if let Err(e) = check_multipolygon(&area) {
                bail!("{what}: invalid after rounding: {e}");
            }
            return Ok((area, mid));
        }
        if km2 < target_km2 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    bail!("{what}: no scale gives {target_km2} km²")
}

/// A free-standing polygon scaled about its first-guess centre to `target_km2`.
pub fn fit_polygon(
    what: &str,
    polygon: &Polygon,
    center: Coord,
    target_km2: f64,
) -> anyhow::Result<MultiPolygon> {
    fit_area(what, target_km2, (0.05, 5.0), |s| {
        MultiPolygon(vec![scaled(polygon, center, s)])
    })
}

/// `polygon` cut to `within` (e.g. the district).
pub fn clip(polygon: &Polygon, within: &MultiPolygon) -> MultiPolygon {
    within.intersection(&MultiPolygon(vec![polygon.clone()]))
}

/// Whether `inner` lies inside `outer` (boundaries may touch).
pub fn inside(outer: &MultiPolygon, inner: &MultiPolygon) -> bool {
    // Rounding to 7 decimals may put a clipped edge a centimetre outside.
    outer.contains(inner) || area_km2(&inner.difference(outer)) < 1e-5
}

/// Whether two areas share more than a trace of area.
pub fn overlap(a: &MultiPolygon, b: &MultiPolygon) -> bool {
    area_km2(&a.intersection(b)) > 1e-8
}

/// A rounded, validated copy of a polygon whose area is not published.
pub fn as_is(what: &str, polygon: &Polygon) -> anyhow::Result<MultiPolygon> {
    let area = rounded(&MultiPolygon(vec![polygon.clone()]));
    if let Err(e) = check_multipolygon(&area) {
        bail!("{what}: invalid after rounding: {e}");
    }
    Ok(area)
}
