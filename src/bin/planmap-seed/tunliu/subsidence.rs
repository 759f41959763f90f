//! The coal-mining subsidence areas (采煤沉陷区, 41) and the ground fissures
//! (地裂缝, 72) at their rims: sizes that add up to the published totals,
//! inside the district and the remediation zone, clear of the plan's blocks.

use anyhow::{Context, ensure};
use geo::{Coord, LineString, MultiPolygon};
use serde_json::json;

use super::{ExamplePlaces, PLAN, Seeds, feature, mp, seat, unpublished};
use crate::geom::{self, blob, fit_polygon, inside, offset, overlap};
use crate::output::{Feature, Geometry};
use crate::rng::SplitMix64;

/// The subsidence figures the layer must add up to.
pub(super) struct Subsidence {
    pub count: usize,
    pub fissures: usize,
    pub total_km2: f64,
    pub producing_remediated_km2: f64,
    pub abandoned_remediated_km2: f64,
}

impl Subsidence {
    pub(super) fn from_seeds(seeds: &Seeds) -> anyhow::Result<Self> {
        let figure = |q: &str, src_part: &str| -> anyhow::Result<f64> {
            seeds
                .tunliu_subsidence
                .rows()
                .find(|r| r.get("quantity") == q && r.get("source").contains(src_part))
                .with_context(|| format!("tunliu_subsidence.csv: no {q}"))?
                .number("value")?
                .with_context(|| format!("tunliu_subsidence.csv: {q} is empty"))
        };
        Ok(Subsidence {
            count: figure("subsidence_areas", "第一章第二节 四")? as usize,
            fissures: figure("ground_fissures", "第五章第二节 二")? as usize,
            total_km2: figure("collapse_area", "第五章第二节 二")?,
            producing_remediated_km2: figure("remediated_area_producing_mines", "第一章第二节 四")?,
            abandoned_remediated_km2: figure("remediated_area_abandoned_mines", "第一章第二节 四")?,
        })
    }
}

/// Where the subsidence areas were put, and the generator that put them:
/// the fissures are drawn at their rims with the same generator, after them.
pub(super) struct Placed {
    rng: SplitMix64,
    /// Centre and radius (km) of each area.
    circles: Vec<(Coord, f64)>,
}

/// The subsidence areas: SA01 holds the warn example, SA02 the abandoned-mine
/// area, SA03–SA21 the remediated producing-mine areas.
pub(super) fn subsidence_areas(
    sub: &Subsidence,
    district: &MultiPolygon,
    remediation: &MultiPolygon,
    keep_clear: &[MultiPolygon],
    examples: &ExamplePlaces,
) -> anyhow::Result<(Vec<Feature>, Placed)> {
    let mut rng = SplitMix64::for_name("采煤沉陷区");
    let n = sub.count;
    // Sizes: SA01 holds the warn example (outside any licence), SA02 is the
    // abandoned-mine area, the next 19 are remediated producing-mine areas.
    let weights: Vec<f64> = (0..n).map(|_| rng.range(0.4, 1.6)).collect();
    let producing: Vec<usize> = (2..21).collect();
    let open: Vec<usize> = std::iter::once(0).chain(21..n).collect();
    let open_km2 = sub.total_km2 - sub.producing_remediated_km2 - sub.abandoned_remediated_km2;
    let share = |set: &[usize], km2: f64, i: usize| {
        km2 * weights[i] / set.iter().map(|&j| weights[j]).sum::<f64>()
    };
    let target = |i: usize| match i {
        1 => sub.abandoned_remediated_km2,
        i if producing.contains(&i) => share(&producing, sub.producing_remediated_km2, i),
        i => share(&open, open_km2, i),
    };
    let clusters = [
        seat("路村乡"),
        seat("上村镇"),
        seat("李高乡"),
        (112.915, 36.328),
    ];
    let mut placed: Vec<(Coord, f64)> = Vec::new(); // centre, radius km
    let mut areas = Vec::new();
    for i in 0..n {
        let km2 = target(i);
        let r = (km2 / std::f64::consts::PI).sqrt();
        let mut tries = 0;
        let mut why = [0usize; 3];
        let area = loop {
            tries += 1;
            ensure!(
                tries < 5000,
                "cannot place subsidence area {} ({why:?})",
                i + 1
            );
            let center = match i {
                0 => Coord {
                    x: 112.885,
                    y: 36.2555,
                },
                _ => {
                    let base = clusters[i % clusters.len()];
                    offset(base, rng.range(-5.0, 5.0), rng.range(-4.5, 4.5))
                }
            };
            if placed.iter().any(|(p, pr)| {
                let d = geom_distance_km(*p, center);
                d < (pr + r) * 1.15 + 0.1
            }) {
                why[0] += 1;
                continue;
            }
            let mut shape_rng = SplitMix64::new(rng.next_u64());
            let turn = rng.range(0.0, 180.0);
            let base = blob(
                &mut shape_rng,
                center.x_y(),
                (r * 1.15, r * 0.85),
                turn,
                18,
                0.12,
            );
            let area = fit_polygon(&format!("SA{:02}", i + 1), &base, center, km2)?;
            if !inside(district, &area) || !inside(remediation, &area) {
                why[1] += 1;
                continue;
            }
            if keep_clear.iter().any(|k| overlap(k, &area)) {
                why[2] += 1;
                continue;
            }
            placed.push((center, r));
            break area;
        };
        areas.push(area);
    }
    ensure!(
        inside(&areas[0], &mp(examples.subsidence.clone())),
        "the subsidence example is not inside SA01"
    );

    // Per-area figures are not published; the totals are the layer's facts
    // (see `super::catalog_entries`), not any area's properties.
    let subsidence = areas
        .into_iter()
        .enumerate()
        .map(|(i, area)| {
            let (remediated, by) = match i {
                1 => (true, Some("abandoned_mine")),
                i if producing.contains(&i) => (true, Some("producing_mine")),
                _ => (false, None),
            };
            let mut props = unpublished(
                &format!("采煤沉陷区 {:02}（示意）", i + 1),
                &format!("{PLAN} 第一章第二节 四；第五章第二节 二；表1-3"),
            );
            props.insert("remediated".into(), json!(remediated));
            props.insert("remediated_as".into(), json!(by));
            feature(format!("SA{:02}", i + 1), props, None, area)
        })
        .collect::<Vec<_>>();
    Ok((
        subsidence,
        Placed {
            rng,
            circles: placed,
        },
    ))
}

/// The fissures: one at the rim of each subsidence area, the rest at the
/// rims of areas drawn at random.
pub(super) fn ground_fissures(sub: &Subsidence, placed: Placed) -> Vec<Feature> {
    let Placed {
        mut rng,
        circles: placed,
    } = placed;
    let n = sub.count;
    let mut fissures = Vec::new();
    for k in 0..sub.fissures {
        let i = if k < n {
            k
        } else {
            rng.next_u64() as usize % n
        };
        let (center, r) = placed[i];
        let radius = r * rng.range(0.7, 1.05);
        let length_km = rng.range(0.15, 0.7);
        let span = length_km / radius;
        let start = rng.range(0.0, std::f64::consts::TAU);
        let steps = 4 + (rng.next_u64() % 3) as usize;
        let points: Vec<Coord> = (0..=steps)
            .map(|s| {
                let t = start + span * s as f64 / steps as f64;
                let rr = radius * (1.0 + rng.range(-0.04, 0.04));
                geom::round7(offset(center.x_y(), rr * t.cos(), rr * t.sin()))
            })
            .collect();
        let mut props = unpublished(
            &format!("地裂缝 {:02}（示意）", k + 1),
            &format!("{PLAN} 第一章第二节 四；第五章第二节 二"),
        );
        props.insert("subsidence_area".into(), json!(format!("SA{:02}", i + 1)));
        props.insert(
            "length_note".into(),
            json!("no length is published; the drawn line is illustrative"),
        );
        fissures.push(Feature {
            id: format!("GF{:02}", k + 1),
            properties: props,
            geometry: Geometry::Line(LineString(points)),
        });
    }
    fissures
}

fn geom_distance_km(a: Coord, b: Coord) -> f64 {
    let kx = 111.32 * a.y.to_radians().cos();
    ((a.x - b.x) * kx).hypot((a.y - b.y) * 110.95)
}
