//! Deterministic benchmark data: farmland-like parcels tiling a grid that
//! starts at the south-west corner of 屯留区, and candidate blocks over them.
//!
//! No RNG state: every number is a hash of (seed, what, index), so parcel
//! (column, row) is the same in every layer size and the same on every run.
//! A layer of n parcels is the first `cols × rows` cells of the grid: the 100k
//! layer covers the district and its surroundings (≈ 70 × 44 km), the 1M layer
//! ≈ 219 × 140 km (a prefecture), the 5M layer ≈ 438 × 350 km (a province).
//! The candidates lie in the part all layers share, so a candidate has exactly
//! the same answer against every layer size: only the layer grows.
//!
//! All geometry is illustrative: no real parcel boundaries are published.

#![allow(dead_code, reason = "each bench binary uses part of the generator")]

use std::f64::consts::TAU;

/// South-west corner of the grid: the south-west corner of 屯留区.
pub const WEST: f64 = 112.4383;
pub const SOUTH: f64 = 36.1444;
/// Metres per degree, fixed at 36.29°N so that the grid is rectilinear in degrees.
const M_PER_DEG_X: f64 = 89_766.0;
const M_PER_DEG_Y: f64 = 110_950.0;
const SEED: u64 = 20_211_025;

/// The layer sizes: name, columns, rows.
pub const LAYERS: [(&str, usize, usize); 3] =
    [("100k", 400, 250), ("1m", 1250, 800), ("5m", 2500, 2000)];

/// A number in [0, 1) from (what, i, j): splitmix64 finalisation of a mix.
pub fn unit(what: u64, i: u64, j: u64) -> f64 {
    let mut z = SEED
        ^ what.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ i.wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
        ^ j.wrapping_mul(0x1656_67B1_9E37_79F9);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
}

/// Widths (m) of columns or rows: 50–300 m, like field strips and blocks.
fn sizes(what: u64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| 50.0 + 250.0 * unit(what, i as u64, 0))
        .collect()
}

/// The grid lines of the largest layer, in degrees.
pub struct Grid {
    pub xs: Vec<f64>,
    pub ys: Vec<f64>,
}

impl Grid {
    pub fn new() -> Grid {
        let (cols, rows) = (LAYERS[2].1, LAYERS[2].2);
        let cum = |sizes: Vec<f64>, origin: f64, per_deg: f64| {
            let mut at = origin;
            let mut out = vec![at];
            for s in sizes {
                at += s / per_deg;
                out.push(at);
            }
            out
        };
        Grid {
            xs: cum(sizes(1, cols), WEST, M_PER_DEG_X),
            ys: cum(sizes(2, rows), SOUTH, M_PER_DEG_Y),
        }
    }

    /// Grid node (i, j), jittered by up to ±10 % of the narrower neighbouring cell.
    fn node(&self, i: usize, j: usize) -> (f64, f64) {
        let span = |v: &[f64], k: usize| {
            let left = if k > 0 { v[k] - v[k - 1] } else { f64::MAX };
            let right = if k + 1 < v.len() {
                v[k + 1] - v[k]
            } else {
                f64::MAX
            };
            left.min(right)
        };
        let (i64_, j64) = (i as u64, j as u64);
        (
            self.xs[i] + 0.2 * span(&self.xs, i) * (unit(3, i64_, j64) - 0.5),
            self.ys[j] + 0.2 * span(&self.ys, j) * (unit(4, i64_, j64) - 0.5),
        )
    }

    /// The 4 interior points of the edge from node `a` to node `b`, nudged
    /// sideways by up to ±2.5 m; the same points for both parcels sharing it.
    fn edge(&self, a: (usize, usize), b: (usize, usize)) -> Vec<(f64, f64)> {
        let (lo, hi, flip) = if a <= b { (a, b, false) } else { (b, a, true) };
        let (p, q) = (self.node(lo.0, lo.1), self.node(hi.0, hi.1));
        let key = (lo.0 * 2 + usize::from(lo.1 != hi.1)) as u64;
        let (dx, dy) = (q.0 - p.0, q.1 - p.1);
        let len_m = ((dx * M_PER_DEG_X).powi(2) + (dy * M_PER_DEG_Y).powi(2)).sqrt();
        let mut points: Vec<(f64, f64)> = (1..5)
            .map(|k| {
                let t = k as f64 / 5.0 + 0.08 * (unit(5, key, (lo.1 * 8 + k) as u64) - 0.5);
                let off = 2.5 * (2.0 * unit(6, key, (lo.1 * 8 + k) as u64) - 1.0) / len_m;
                // perpendicular offset, in degrees of each axis
                (
                    p.0 + t * dx - off * dy * M_PER_DEG_Y / M_PER_DEG_X,
                    p.1 + t * dy + off * dx * M_PER_DEG_X / M_PER_DEG_Y,
                )
            })
            .collect();
        if flip {
            points.reverse();
        }
        points
    }

    /// Parcel (i, j): 20 vertices, counter-clockwise, and one parcel in 20
    /// has a hole (a homestead plot) of 8 vertices, clockwise.
    pub fn parcel(&self, i: usize, j: usize) -> Vec<Vec<(f64, f64)>> {
        let corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)];
        let mut ring = Vec::with_capacity(21);
        for k in 0..4 {
            let (a, b) = (corners[k], corners[(k + 1) % 4]);
            ring.push(self.node(a.0, a.1));
            ring.extend(self.edge(a, b));
        }
        ring.push(ring[0]);
        let mut rings = vec![ring];
        if unit(7, i as u64, j as u64) < 0.05 {
            let (cx, cy) = (
                (self.xs[i] + self.xs[i + 1]) / 2.0,
                (self.ys[j] + self.ys[j + 1]) / 2.0,
            );
            let r_m = 0.15
                * ((self.xs[i + 1] - self.xs[i]) * M_PER_DEG_X)
                    .min((self.ys[j + 1] - self.ys[j]) * M_PER_DEG_Y);
            let mut hole: Vec<(f64, f64)> = (0..8)
                .map(|k| {
                    let a = -(k as f64) / 8.0 * TAU;
                    (
                        cx + r_m * a.cos() / M_PER_DEG_X,
                        cy + r_m * a.sin() / M_PER_DEG_Y,
                    )
                })
                .collect();
            hole.push(hole[0]);
            rings.push(hole);
        }
        rings
    }

    /// A parcel's id: stable across layer sizes.
    pub fn id(i: usize, j: usize) -> i64 {
        (j * 10_000 + i) as i64
    }

    /// Area (m², plane approximation) of the first `cols × rows` cells.
    pub fn extent_m2(&self, cols: usize, rows: usize) -> f64 {
        (self.xs[cols] - self.xs[0]) * M_PER_DEG_X * (self.ys[rows] - self.ys[0]) * M_PER_DEG_Y
    }
}

/// A candidate block: name, rings (CRS84, closed), vertex count.
pub struct CandidateSpec {
    pub name: String,
    pub vertices: usize,
    pub share_of_1m: f64,
    pub hole: bool,
}

/// Candidates of 100, 1,000 and 10,000 vertices over about 0.1 % and 1 % of
/// the 1M layer's extent; all concave (five lobes), some with a hole.
pub fn candidate_specs() -> Vec<CandidateSpec> {
    let mut out = Vec::new();
    for vertices in [100, 1_000, 10_000] {
        for share in [0.001, 0.01] {
            out.push(CandidateSpec {
                name: format!(
                    "v{vertices}_{}",
                    if share < 0.005 { "0.1pct" } else { "1pct" }
                ),
                vertices,
                share_of_1m: share,
                hole: (vertices == 100 && share > 0.005) || vertices == 10_000,
            });
        }
    }
    out
}

/// The rings of a candidate, centred in the part of the grid all layers share.
pub fn candidate_rings(grid: &Grid, spec: &CandidateSpec) -> Vec<Vec<(f64, f64)>> {
    let (cols, rows) = (LAYERS[0].1, LAYERS[0].2);
    // Off the grid lines on purpose: nothing lines up with a parcel edge.
    let cx = (grid.xs[0] + grid.xs[cols]) / 2.0 + 0.000_123;
    let cy = (grid.ys[0] + grid.ys[rows]) / 2.0 + 0.000_077;
    let target = grid.extent_m2(LAYERS[1].1, LAYERS[1].2) * spec.share_of_1m;
    // area of r = R (1 + 0.15 sin 5θ) is π R² (1 + 0.15² / 2), less the hole
    let hole_share = if spec.hole { 0.3f64.powi(2) } else { 0.0 };
    let r = (target / (std::f64::consts::PI * (1.0 + 0.01125 - hole_share))).sqrt();
    let ring = |n: usize, radius: f64, clockwise: bool, phase: f64| {
        let mut ring: Vec<(f64, f64)> = (0..n)
            .map(|k| {
                let mut a = k as f64 / n as f64 * TAU + phase;
                if clockwise {
                    a = -a;
                }
                let rr = radius * (1.0 + 0.15 * (5.0 * a).sin());
                (
                    cx + rr * a.cos() / M_PER_DEG_X,
                    cy + rr * a.sin() / M_PER_DEG_Y,
                )
            })
            .collect();
        ring.push(ring[0]);
        ring
    };
    let mut rings = vec![ring(spec.vertices, r, false, 0.0)];
    if spec.hole {
        rings.push(ring((spec.vertices / 10).max(8), 0.3 * r, true, 0.1));
    }
    rings
}
