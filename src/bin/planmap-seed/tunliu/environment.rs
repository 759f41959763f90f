//! Mine-environment zones: the prevention zone (第六章 二) and the key
//! remediation zone (表5-1).

use anyhow::Context;
use geo::MultiPolygon;
use serde_json::json;

use super::{Seeds, c, feature};
use crate::geom::{self, blob, clip, fit_area, fit_polygon};
use crate::output::{Feature, seed_properties};
use crate::rng::SplitMix64;

/// 潞安煤炭规划矿区Ⅲ3, in the centre-east.
pub(super) fn prevention_zones(
    seeds: &Seeds,
    district: &MultiPolygon,
) -> anyhow::Result<Vec<Feature>> {
    let mut prevention = Vec::new();
    for row in seeds.tunliu_prevention_zones.rows() {
        let km2 = row.number("area_km2")?.context("prevention zone")?;
        let mut rng = SplitMix64::for_name(row.get("name"));
        let center = (112.955, 36.258);
        let base = blob(&mut rng, center, (6.0, 7.5), 0.0, 30, 0.12);
        let area = fit_area(row.get("name"), km2, (0.2, 3.0), |s| {
            clip(&geom::scaled(&base, c(center), s), district)
        })?;
        prevention.push(feature("YF1", seed_properties(&row), Some(km2), area));
    }
    Ok(prevention)
}

/// The key remediation zone spans 襄垣县、屯留区和潞州区: its published area
/// is the whole zone, so it runs out of 屯留区 to the north-east and east.
pub(super) fn remediation_zones(seeds: &Seeds) -> anyhow::Result<Vec<Feature>> {
    let mut remediation = Vec::new();
    for row in seeds.tunliu_remediation_zones.rows() {
        let km2 = row.number("area_km2")?.context("remediation zone")?;
        let mut rng = SplitMix64::for_name(row.get("name"));
        let center = (113.000, 36.272);
        let base = blob(&mut rng, center, (13.0, 14.0), 0.0, 36, 0.10);
        let area = fit_polygon(row.get("name"), &base, c(center), km2)?;
        let mut props = seed_properties(&row);
        props.insert(
            "extent_note".into(),
            json!("the zone covers parts of 襄垣县、屯留区和潞州区; its published area and damage figures are for the whole zone, so it is drawn beyond 屯留区"),
        );
        remediation.push(feature(
            format!("ZL{}", row.get("seq")),
            props,
            Some(km2),
            area,
        ));
    }
    Ok(remediation)
}
