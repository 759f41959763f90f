//! The existing mining licences (表1-2), apart from each other and from the
//! plan's blocks (第四章第二节 1（1）).

use anyhow::{Context, ensure};
use geo::MultiPolygon;

use super::{Seeds, area_of, c, feature, in_district, named};
use crate::geom::{blob, fit_polygon, overlap};
use crate::output::Feature;
use crate::rng::SplitMix64;

/// A licence area: a polygon of a few straight edges.
fn licence(
    name: &str,
    center: (f64, f64),
    radii: (f64, f64),
    turn: f64,
    km2: f64,
) -> anyhow::Result<MultiPolygon> {
    let mut rng = SplitMix64::for_name(name);
    let p = blob(&mut rng, center, radii, turn, 9, 0.12);
    fit_polygon(name, &p, c(center), km2)
}

/// The 5 licences, checked clear of each other and of `blocks`.
pub(super) fn mining_rights(
    seeds: &Seeds,
    district: &MultiPolygon,
    blocks: &[&Feature],
) -> anyhow::Result<Vec<Feature>> {
    // (centre, semi-axes km, turn°) by licence order in the table.
    let right_places = [
        ((112.948, 36.372), (6.8, 5.5), 0.0), // 古城井田, 渔泽镇 (north-east)
        ((112.958, 36.243), (4.9, 5.3), -10.0), // 常村, 路村乡 / 上村镇
        ((112.888, 36.183), (1.9, 1.9), 20.0), // 郭庄, 李高乡
        ((112.800, 36.258), (6.2, 6.8), 8.0), // 余吾, 余吾镇
        ((113.004, 36.302), (1.25, 1.35), 0.0), // 小南村 (停产), 路村乡
    ];
    // 开采深度 as elevations (top, bottom), m: ILLUSTRATIVE. 表1-2 gives no
    // depth; the plan says only that the coal lies 600–700 m deep, in
    // places 1,000 m, deepening from east to west (第一章).
    let depths = [
        (600.0, -200.0),
        (650.0, 50.0),
        (700.0, 250.0),
        (600.0, -150.0),
        (800.0, 400.0),
    ];
    let mut rights = Vec::new();
    for ((row, (center, radii, turn)), (top, bottom)) in seeds
        .tunliu_mining_rights
        .rows()
        .zip(right_places)
        .zip(depths)
    {
        let km2 = row.number("area_km2")?.context("licence area")?;
        let area = licence(row.get("licence_no"), center, radii, turn, km2)?;
        in_district(district, row.get("mine_name"), &area)?;
        let mut right = feature(
            row.get("licence_no"),
            named(&row, "mine_name"),
            Some(km2),
            area,
        );
        right
            .properties
            .insert("elevation_top_m".into(), serde_json::json!(top));
        right
            .properties
            .insert("elevation_bottom_m".into(), serde_json::json!(bottom));
        right
            .properties
            .insert("depth_source".into(), serde_json::json!("illustrative"));
        rights.push(right);
    }
    for (i, a) in rights.iter().enumerate() {
        for b in &rights[i + 1..] {
            ensure!(
                !overlap(&area_of(a), &area_of(b)),
                "licences {} and {} overlap",
                a.id,
                b.id
            );
        }
        for block in blocks {
            ensure!(
                !overlap(&area_of(a), &area_of(block)),
                "licence {} overlaps block {} (第四章第二节 1（1）)",
                a.id,
                block.id
            );
        }
    }
    Ok(rights)
}
