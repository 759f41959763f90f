//! Context the plan describes but does not regulate: the district, its
//! township seats and the areas explored so far (表1-1).

use anyhow::Context;
use geo::{Centroid, MultiPolygon};
use serde_json::{Value, json};

use super::{Seeds, c, feature, seat};
use crate::csv::Row;
use crate::geom::{blob, clip, rounded};
use crate::output::{Feature, Geometry, seed_properties};
use crate::rng::SplitMix64;

/// 屯留区 with its published extent, area and geological survey (表4-1).
pub(super) fn district_feature(
    seeds: &Seeds,
    district_row: &Row,
    district: &MultiPolygon,
    district_km2: f64,
) -> anyhow::Result<Feature> {
    let mut props = seed_properties(district_row);
    props.insert("extent_note".into(), json!("the outline is illustrative; it touches the published extent on all four sides and has the published area"));
    let survey = seeds
        .tunliu_geological_survey
        .rows()
        .next()
        .context("tunliu_geological_survey.csv is empty")?;
    props.insert(
        "geological_survey".into(),
        Value::Object(seed_properties(&survey)),
    );
    let area = district.clone();
    Ok(feature("屯留区", props, Some(district_km2), area))
}

/// The 11 township seats, as points at illustrative positions.
pub(super) fn townships(seeds: &Seeds) -> Vec<Feature> {
    seeds
        .tunliu_townships
        .rows()
        .map(|row| {
            let mut props = seed_properties(&row);
            props.insert(
                "position_note".into(),
                json!("the seat's position is illustrative; no coordinates are published"),
            );
            Feature {
                id: row.get("name").to_string(),
                properties: props,
                geometry: Geometry::Point(c(seat(row.get("name")))),
            }
        })
        .collect()
}

/// The 14 explored areas of 表1-1 (no areas published), cut to the district.
pub(super) fn exploration_areas(
    seeds: &Seeds,
    district: &MultiPolygon,
    blocks: &[Feature],
) -> anyhow::Result<Vec<Feature>> {
    // Where each explored area lies, by its name: 上莲 and 河神庙 under the
    // blocks that continue them, the 井田 under their mines, the 襄垣/郊区
    // sections at the north and east edges.
    let block_center = |code: &str| -> (f64, f64) {
        let f = blocks.iter().find(|b| b.id == code).expect("block");
        match &f.geometry {
            Geometry::Area(a) => a.centroid().expect("centroid").x_y(),
            _ => unreachable!(),
        }
    };
    let places: [((f64, f64), (f64, f64)); 14] = [
        ((112.775, 36.345), (2.5, 2.0)),     // 1 康庄勘查区
        (block_center("KQ003"), (5.5, 5.0)), // 2 河神庙 详查
        (block_center("KQ003"), (7.5, 6.5)), // 3 河神庙 普查 (wider)
        ((112.800, 36.255), (6.5, 7.0)),     // 4 屯留井田 (余吾)
        (block_center("KQ001"), (5.0, 3.5)), // 5 上莲
        ((112.860, 36.300), (3.0, 3.0)),     // 6 屯留详查(屯留段)
        ((112.545, 36.330), (3.5, 3.0)),     // 7 张店勘查区
        ((113.010, 36.360), (2.0, 4.0)),     // 8 长治详查区(郊区段)
        ((113.000, 36.185), (2.5, 2.0)),     // 9 王庄煤矿
        ((113.018, 36.255), (1.5, 3.0)),     // 10 长治普查(郊区段)
        ((112.850, 36.425), (3.0, 1.0)),     // 11 襄垣县苏村
        ((112.940, 36.428), (3.0, 0.9)),     // 12 襄垣县榆林
        ((112.780, 36.420), (2.0, 1.0)),     // 13 长治普查区(襄垣段)
        ((112.955, 36.240), (5.0, 5.5)),     // 14 常村井田
    ];
    let mut out = Vec::new();
    for (row, (center, radii)) in seeds.tunliu_exploration_areas.rows().zip(places) {
        let mut rng = SplitMix64::for_name(&format!("勘查区 {}", row.get("seq")));
        let area = rounded(&clip(
            &blob(&mut rng, center, radii, 0.0, 20, 0.12),
            district,
        ));
        planmap::geom::validate::check_multipolygon(&area)
            .map_err(|e| anyhow::anyhow!("勘查区 {}: {e}", row.get("seq")))?;
        out.push(feature(
            format!("EA{:02}", row.get("seq").parse::<u32>()?),
            seed_properties(&row),
            None,
            area,
        ));
    }
    Ok(out)
}
