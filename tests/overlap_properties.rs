//! Geometric invariants of a check, on random simple polygons around
//! 36°N 112°E from metres to tens of kilometres across, each checked against
//! an expectation that does not come from planmap: areas are GeographicLib's
//! (geographiclib-rs, on the CGCS2000 ellipsoid, on the very vertices sent),
//! and which shape lies inside which follows from how the shapes are drawn.
//!
//! A candidate goes the way `POST /check` takes it: GeoJSON bytes read by
//! `submission::read`, screened by `screening::screen` against a catalog
//! loaded from a layers directory written for the case.
//!
//! The shapes are star-shaped: vertices at increasing angles around a centre
//! (each gap under half a turn), at radii between 40 % and 100 % of the
//! shape's size, so each is a simple polygon that contains the disc of radius
//! `inner()` around its centre and lies within the disc of radius `outer()`.
//!
//! Where one shape cuts the other's edges, planmap clips on the straight
//! lines between vertices in longitude/latitude and measures the pieces along
//! geodesics, so the pieces' areas need not add up to the whole's: they may
//! differ by up to the area between each cut edge's geodesic and its
//! longitude/latitude chord (`Star::bulge_m2`, an a-priori bound; 10 km
//! edges at 36°N give tens of thousands of m²). Invariants about cut shapes
//! allow for it; those about whole shapes (one inside the other) do not.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use geographiclib_rs::{Geodesic, PolygonArea, Winding};
use planmap::engine::report::Verdict;
use planmap::engine::screening::{Options, Screening, screen};
use planmap::geom::crs::Crs;
use planmap::intake::candidate::Limits;
use planmap::intake::submission::{self, InputFormat};
use planmap::layer::catalog::Catalog;
use proptest::prelude::*;

/// CGCS2000, written out here rather than taken from planmap.
const A: f64 = 6_378_137.0;
const F: f64 = 1.0 / 298.257_222_101;
const LON0: f64 = 112.0;
const LAT0: f64 = 36.0;
/// Metres per degree of latitude and of longitude near 36°N (only used to
/// draw shapes; every expectation is computed on the resulting degrees).
const M_PER_DEG_LAT: f64 = 110_950.0;
fn m_per_deg_lon() -> f64 {
    111_320.0 * LAT0.to_radians().cos()
}

/// Relative tolerance of an area against GeographicLib's.
const REL: f64 = 1e-6;
/// Absolute floor of that tolerance, in m²: for rings of a few metres
/// GeographicLib itself is only good to about 1e-4 m² (its sums run through
/// the large "area down to the equator" terms).
const ABS_M2: f64 = 1e-3;

fn tolerance(expected: f64) -> f64 {
    REL * expected.abs() + ABS_M2
}

/// Mean radius of the Earth, for the chord-to-geodesic bound only.
const R_M: f64 = 6_371_000.0;

/// A star-shaped polygon: a centre (lon, lat) and vertices as (angle, radius
/// in metres), angles increasing.
#[derive(Debug, Clone)]
struct Star {
    centre: (f64, f64),
    vertices: Vec<(f64, f64)>,
}

impl Star {
    /// The largest gap between neighbouring vertex angles, radians.
    fn widest_gap(&self) -> f64 {
        let n = self.vertices.len();
        (0..n)
            .map(|i| {
                let a = self.vertices[i].0;
                let b = self.vertices[(i + 1) % n].0
                    + if i + 1 == n {
                        std::f64::consts::TAU
                    } else {
                        0.0
                    };
                b - a
            })
            .fold(0.0, f64::max)
    }

    /// A radius (m) the shape contains the disc of: every edge spans less than
    /// half a turn between vertices at least `min r` out, so it stays at least
    /// `min r · cos(gap / 2)` from the centre.
    fn inner(&self) -> f64 {
        let min_r = self
            .vertices
            .iter()
            .map(|v| v.1)
            .fold(f64::INFINITY, f64::min);
        min_r * (self.widest_gap() / 2.0).cos()
    }

    /// A radius (m) the shape lies within.
    fn outer(&self) -> f64 {
        self.vertices.iter().map(|v| v.1).fold(0.0, f64::max)
    }

    /// The same shape moved by (east, north) metres.
    fn moved(&self, east: f64, north: f64) -> Star {
        Star {
            centre: (
                self.centre.0 + east / m_per_deg_lon(),
                self.centre.1 + north / M_PER_DEG_LAT,
            ),
            vertices: self.vertices.clone(),
        }
    }

    /// The same shape scaled about its centre.
    fn scaled(&self, k: f64) -> Star {
        Star {
            centre: self.centre,
            vertices: self.vertices.iter().map(|&(a, r)| (a, r * k)).collect(),
        }
    }

    /// The exterior ring, counter-clockwise, closed, in (lon, lat).
    fn ring(&self) -> Vec<[f64; 2]> {
        let mut ring: Vec<[f64; 2]> = self
            .vertices
            .iter()
            .map(|&(a, r)| {
                [
                    self.centre.0 + r * a.cos() / m_per_deg_lon(),
                    self.centre.1 + r * a.sin() / M_PER_DEG_LAT,
                ]
            })
            .collect();
        ring.push(ring[0]);
        ring
    }

    /// Its ellipsoid area by GeographicLib, m².
    fn area_m2(&self) -> f64 {
        let geodesic = Geodesic::new(A, F);
        let mut area = PolygonArea::new(&geodesic, Winding::CounterClockwise);
        let ring = self.ring();
        for c in &ring[..ring.len() - 1] {
            area.add_point(c[1], c[0]);
        }
        let (_, a, _) = area.compute(true);
        a.abs()
    }

    /// A bound on the area between the geodesics of the edges and their
    /// straight lines in longitude/latitude, m². An edge of length L at
    /// latitude φ bows from its chord by at most L² tan φ / (8 R); the lens
    /// between them is at most 2/3 L times that; twice that is allowed.
    fn bulge_m2(&self) -> f64 {
        let ring = self.ring();
        ring.windows(2)
            .map(|e| {
                let lat = e[0][1].abs().max(e[1][1].abs());
                let dx = (e[1][0] - e[0][0]) * m_per_deg_lon();
                let dy = (e[1][1] - e[0][1]) * M_PER_DEG_LAT;
                let l = dx.hypot(dy);
                l.powi(3) * lat.to_radians().tan() / (6.0 * R_M)
            })
            .sum()
    }

    fn geometry(&self) -> serde_json::Value {
        serde_json::json!({ "type": "Polygon", "coordinates": [self.ring()] })
    }
}

/// A star of `size` metres (its largest radius at most that) around 36°N 112°E.
fn star(size: impl Strategy<Value = f64>) -> impl Strategy<Value = Star> {
    (size, 4usize..16)
        .prop_flat_map(|(size, n)| {
            (
                Just(size),
                proptest::collection::vec((0.0f64..0.8, 0.4f64..1.0), n),
            )
        })
        .prop_map(|(size, jitter)| {
            let n = jitter.len() as f64;
            Star {
                centre: (LON0, LAT0),
                vertices: jitter
                    .iter()
                    .enumerate()
                    // Gaps are at most (1 + 0.8) / n of a turn: under half a turn for n ≥ 4.
                    .map(|(i, &(j, k))| ((i as f64 + j) / n * std::f64::consts::TAU, k * size))
                    .collect(),
            }
        })
}

/// Sizes from 5 m to 30 km, spread evenly in magnitude.
fn size() -> impl Strategy<Value = f64> {
    sizes(5.0, 30_000.0)
}

/// Sizes from `min` to `max` metres, spread evenly in magnitude.
fn sizes(min: f64, max: f64) -> impl Strategy<Value = f64> {
    (min.log10()..max.log10()).prop_map(|e| 10f64.powf(e))
}

/// A size from 2 m (so the shape's area is well above the 0.01 m² planmap
/// counts as a conflict) to `most`, spread evenly in magnitude by `u` in [0, 1].
fn size_up_to(most: f64, u: f64) -> f64 {
    let least: f64 = 2.0;
    (least.ln() + u * (most.max(least).ln() - least.ln())).exp()
}

/// A layers directory with one layer (`reject`) of one feature, and its catalog.
struct Layers {
    dir: PathBuf,
    catalog: Catalog,
}

impl Layers {
    fn of(feature: &Star) -> Layers {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "planmap-overlap-properties-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("catalog.toml"),
            r#"[[layer]]
id = "zones"
title = "随机区块"
file = "zones.geojson"
on_overlap = "reject"
rule = "test"
"#,
        )
        .unwrap();
        let layer = serde_json::json!({
            "type": "FeatureCollection",
            "features": [{
                "type": "Feature",
                "id": "F1",
                "properties": { "name": "random star" },
                "geometry": feature.geometry(),
            }],
        });
        std::fs::write(dir.join("zones.geojson"), layer.to_string()).unwrap();
        let catalog = Catalog::load(&dir).expect("the random layer loads");
        Layers { dir, catalog }
    }
}

impl Drop for Layers {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Screens `candidate` against a layer holding `feature`, as `POST /check`
/// does (GeoJSON body, CRS84, with the clean part).
fn check(candidate: &Star, feature: &Star) -> Screening {
    let layers = Layers::of(feature);
    let body = serde_json::json!({ "type": "Feature", "properties": {}, "geometry": candidate.geometry() });
    let parts = submission::read(
        body.to_string().as_bytes(),
        InputFormat::GeoJson,
        Crs::Crs84,
        None,
        Limits::default(),
    )
    .expect("a star-shaped candidate is accepted");
    let options = Options {
        net: true,
        ..Options::default()
    };
    screen(&parts, &layers.catalog.layers, &options).expect("the screening runs")
}

fn close(actual: f64, expected: f64, what: &str) -> Result<(), TestCaseError> {
    close_within(actual, expected, 0.0, what)
}

/// [`close`], allowing `more` m² beyond the tolerance (for cut edges).
fn close_within(actual: f64, expected: f64, more: f64, what: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        (actual - expected).abs() <= tolerance(expected) + more,
        "{}: planmap {} m², expected {} m² (off by {:e}, allowed {:e})",
        what,
        actual,
        expected,
        (actual - expected).abs(),
        tolerance(expected) + more
    );
    Ok(())
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 128,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_candidate_area_is_the_ellipsoid_area_geographiclib_gives(candidate in star(size())) {
        let far = candidate.moved(10.0 * candidate.outer() + 1000.0, 0.0);
        let s = check(&candidate, &far);
        close(s.report.candidate.area.area_m2, candidate.area_m2(), "candidate area")?;
    }

    #[test]
    fn an_overlap_never_exceeds_either_area_and_shares_lie_in_zero_to_one(
        candidate in star(size()),
        feature in star(size()),
        (east, north) in (-1.5f64..1.5, -1.5f64..1.5),
    ) {
        let reach = candidate.outer() + feature.outer();
        let feature = feature.moved(east * reach, north * reach);
        let (c, f) = (candidate.area_m2(), feature.area_m2());
        let cut = candidate.bulge_m2() + feature.bulge_m2();
        let s = check(&candidate, &feature);
        let conflicts = &s.report.conflicts.features;
        prop_assert!(conflicts.len() <= 1);
        let mut overlap = 0.0;
        for conflict in conflicts {
            let p = &conflict.properties;
            overlap = p.overlap_area_m2;
            prop_assert!(overlap > 0.0, "a conflict has a positive overlap");
            prop_assert!(
                overlap <= c.min(f) + tolerance(c.min(f)) + cut,
                "overlap {} m² exceeds min(candidate {} m², feature {} m²) by more than {} m²",
                overlap, c, f, tolerance(c.min(f)) + cut
            );
            prop_assert!((0.0..=1.0).contains(&p.share_of_candidate), "share_of_candidate {}", p.share_of_candidate);
            prop_assert!((0.0..=1.0).contains(&p.share_of_feature), "share_of_feature {}", p.share_of_feature);
            close_within(p.share_of_candidate * c, overlap, cut, "share of candidate × candidate area")?;
            close_within(p.share_of_feature * f, overlap, cut, "share of feature × feature area")?;
        }
        prop_assert_eq!(s.report.verdict, if conflicts.is_empty() { Verdict::Pass } else { Verdict::Reject });
        // The clean part is the candidate less its overlap with the reject layer.
        let net = s.net.as_ref().expect("the clean part was asked for");
        close_within(net.area.area_m2 + overlap, c, cut, "clean part + overlap")?;
    }

    #[test]
    fn a_candidate_inside_a_feature_overlaps_it_by_its_own_area(
        feature in star(sizes(500.0, 30_000.0)),
        template in star(Just(1.0)),
        u in 0.0f64..1.0,
        (bearing, reach) in (0.0f64..std::f64::consts::TAU, 0.0f64..1.0),
    ) {
        // The candidate fits in half the disc the feature contains.
        let room = feature.inner() / 2.0;
        let candidate = template.scaled(size_up_to(0.4 * room, u));
        let shift = reach * (room - candidate.outer());
        let candidate = candidate.moved(shift * bearing.cos(), shift * bearing.sin());
        let (c, f) = (candidate.area_m2(), feature.area_m2());
        let s = check(&candidate, &feature);
        let conflicts = &s.report.conflicts.features;
        prop_assert_eq!(conflicts.len(), 1);
        let p = &conflicts[0].properties;
        close(p.overlap_area_m2, c, "overlap of a candidate inside the feature")?;
        // Shares as areas, to the same tolerance: share of candidate 1.
        close(p.share_of_candidate * c, c, "share of candidate × candidate area")?;
        close(p.share_of_feature * f, c, "share of feature × feature area")?;
        prop_assert_eq!(s.report.verdict, Verdict::Reject);
        let net = s.net.as_ref().expect("the clean part was asked for");
        prop_assert!(net.area.area_m2 <= tolerance(c), "clean part {} m² of a candidate wholly in a reject feature", net.area.area_m2);
    }

    #[test]
    fn a_feature_inside_the_candidate_overlaps_it_by_the_features_area(
        candidate in star(sizes(500.0, 30_000.0)),
        template in star(Just(1.0)),
        u in 0.0f64..1.0,
        (bearing, reach) in (0.0f64..std::f64::consts::TAU, 0.0f64..1.0),
    ) {
        let room = candidate.inner() / 2.0;
        let feature = template.scaled(size_up_to(0.4 * room, u));
        let shift = reach * (room - feature.outer());
        let feature = feature.moved(shift * bearing.cos(), shift * bearing.sin());
        let (c, f) = (candidate.area_m2(), feature.area_m2());
        let s = check(&candidate, &feature);
        let conflicts = &s.report.conflicts.features;
        prop_assert_eq!(conflicts.len(), 1);
        let p = &conflicts[0].properties;
        close(p.overlap_area_m2, f, "overlap of a feature inside the candidate")?;
        close(p.share_of_feature * f, f, "share of feature × feature area")?;
        close(p.share_of_candidate * c, f, "share of candidate × candidate area")?;
        let net = s.net.as_ref().expect("the clean part was asked for");
        close(net.area.area_m2, c - f, "clean part around a feature inside the candidate")?;
    }

    #[test]
    fn disjoint_shapes_do_not_conflict_nor_touch(
        candidate in star(size()),
        feature in star(size()),
        bearing in 0.0f64..std::f64::consts::TAU,
        gap in 1.1f64..3.0,
    ) {
        let apart = gap * (candidate.outer() + feature.outer());
        let feature = feature.moved(apart * bearing.cos(), apart * bearing.sin());
        let s = check(&candidate, &feature);
        prop_assert!(s.report.conflicts.features.is_empty());
        prop_assert!(s.report.adjacent.is_empty());
        prop_assert_eq!(s.report.verdict, Verdict::Pass);
        let net = s.net.as_ref().expect("the clean part was asked for");
        close(net.area.area_m2, candidate.area_m2(), "clean part of a candidate clear of everything")?;
    }
}
