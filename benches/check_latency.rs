//! Check latency on a generated layer of 100,000 farmland-like parcels.
//!
//! Deterministic data (a fixed grid with jitter from a fixed-seed splitmix64;
//! no OS randomness), so numbers are comparable across runs. Run with
//! `cargo bench --bench check_latency`. The peer comparisons (PostGIS, GEOS)
//! live in their own benchmark; this one tells how latency grows with the
//! number of hits and not with the layer.

use std::sync::Arc;
use std::time::Instant;

use geo::{BoundingRect, Coord, LineString, MultiPolygon, Polygon};
use planmap::geom::crs::Crs;
use planmap::geom::geodesy;
use planmap::geom::shape::Shape;
use planmap::intake::candidate::{Candidate, Limits, read_candidate};
use planmap::layer::catalog::{Layer, LayerEntry};
use planmap::layer::{Feature, FeatureId, LayerData, OnOverlap};

struct SplitMix(u64);
impl SplitMix {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The district's extent (屯留区), degrees.
const WEST: f64 = 112.4383;
const EAST: f64 = 113.04;
const SOUTH: f64 = 36.1444;
const NORTH: f64 = 36.4383;

fn parcel(cx: f64, cy: f64, r: f64, rng: &mut SplitMix) -> Polygon {
    // A star-shaped 20-vertex ring: simple by construction.
    let ring: Vec<Coord> = (0..20)
        .map(|i| {
            let a = i as f64 / 20.0 * std::f64::consts::TAU;
            let rr = r * (0.7 + 0.3 * rng.next());
            Coord {
                x: cx + rr * a.cos() / (cy.to_radians().cos()),
                y: cy + rr * a.sin(),
            }
        })
        .collect();
    Polygon::new(LineString::from(ring), vec![])
}

fn farmland(n: usize) -> Arc<Layer> {
    let mut rng = SplitMix(20_211_025);
    let side = (n as f64).sqrt().ceil() as usize;
    let (dx, dy) = ((EAST - WEST) / side as f64, (NORTH - SOUTH) / side as f64);
    let features = (0..n)
        .map(|i| {
            let (col, row) = (i % side, i / side);
            let cx = WEST + (col as f64 + 0.5) * dx;
            let cy = SOUTH + (row as f64 + 0.5) * dy;
            let area = MultiPolygon(vec![parcel(cx, cy, dy * 0.45, &mut rng)]);
            Feature {
                id: FeatureId::Number(i.into()),
                name: None,
                properties: Default::default(),
                bbox: area.bounding_rect().unwrap(),
                measure: geodesy::multipolygon_area_m2(&area),
                shape: Shape::Area(area),
            }
        })
        .collect();
    let data = LayerData::from_features(features, "bench".into()).unwrap();
    Arc::new(Layer {
        entry: LayerEntry {
            id: "basic_farmland".into(),
            title: "永久基本农田".into(),
            file: "generated".into(),
            on_overlap: OnOverlap::Reject,
            rule: "bench".into(),
            title_en: None,
            source: None,
            region: None,
            description: None,
            roles: vec!["control_line".into()],
            facts: Default::default(),
            buffer_m: None,
            buffer_rule: None,
            on_expired: None,
            depth_aware: false,
        },
        data,
    })
}

/// A concave candidate of `vertices` vertices covering about `share` of the extent.
fn candidate(vertices: usize, share: f64) -> Candidate {
    let (cx, cy) = ((WEST + EAST) / 2.0, (SOUTH + NORTH) / 2.0);
    let r = ((EAST - WEST) * (NORTH - SOUTH) * share / std::f64::consts::PI).sqrt();
    let ring: Vec<[f64; 2]> = (0..=vertices)
        .map(|i| {
            let a = (i % vertices) as f64 / vertices as f64 * std::f64::consts::TAU;
            let rr = r * (1.0 + 0.15 * (5.0 * a).sin());
            [cx + rr * a.cos(), cy + rr * a.sin()]
        })
        .collect();
    let body = serde_json::json!({"type": "Polygon", "coordinates": [ring]});
    read_candidate(&body, Crs::Crs84, Limits::default()).unwrap()
}

fn main() {
    println!(
        "planmap check latency (engine, in-process, rayon over {} threads)",
        rayon::current_num_threads()
    );
    println!(
        "{:>9} {:>9} {:>7} {:>8} {:>11} {:>11} {:>17}",
        "features", "vertices", "share", "hits", "median ms", "p99 ms", "no geometry (ms)"
    );
    for n in [10_000usize, 100_000] {
        let t = Instant::now();
        let layer = farmland(n);
        eprintln!("generated and indexed {n} parcels in {:.2?}", t.elapsed());
        for (vertices, share) in [(100, 0.001), (1_000, 0.001), (1_000, 0.01), (10_000, 0.01)] {
            let c = candidate(vertices, share);
            let layers = [layer.clone()];
            let report = planmap::engine::check::check(&c, &layers);
            let hits = report.conflicts.features.len();
            let mut times: Vec<f64> = (0..30)
                .map(|_| {
                    let t = Instant::now();
                    std::hint::black_box(planmap::engine::check::check(&c, &layers));
                    t.elapsed().as_secs_f64() * 1e3
                })
                .collect();
            times.sort_by(f64::total_cmp);
            let bare = planmap::engine::check::CheckOptions {
                geometry: false,
                ..Default::default()
            };
            let mut without: Vec<f64> = (0..30)
                .map(|_| {
                    let t = Instant::now();
                    std::hint::black_box(planmap::engine::check::check_with(
                        &c,
                        &layers,
                        bare.clone(),
                    ));
                    t.elapsed().as_secs_f64() * 1e3
                })
                .collect();
            without.sort_by(f64::total_cmp);
            println!(
                "{n:>9} {vertices:>9} {:>6.1}% {hits:>8} {:>11.2} {:>11.2} {:>17.2}",
                share * 100.0,
                times[times.len() / 2],
                times[(times.len() * 99 / 100).min(times.len() - 1)],
                without[without.len() / 2]
            );
        }
    }
}
