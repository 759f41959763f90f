//! The 12 prohibited zones (禁止开采区, construction land, 第三章第三节 三):
//! town and park land as areas, the roads as corridors, the airfield a strip.

use anyhow::bail;
use geo::{BooleanOps, MultiPolygon};

use super::{G309, LINK_ROADS, S228, Seeds, feature, in_district, mp, path, seat};
use crate::geom::{self, blob, clip, offset, rect, rounded};
use crate::output::{Feature, seed_properties};
use crate::rng::SplitMix64;

/// 看守所建设用地 (PZ08): the touching example shares its east edge.
fn kanshousuo() -> geo::Polygon {
    rect(112.6950, 36.3360, 112.7020, 36.3410)
}

pub(super) fn prohibited_zones(
    seeds: &Seeds,
    district: &MultiPolygon,
) -> anyhow::Result<Vec<Feature>> {
    let city = seat("麟绛镇");
    let mut zone_shapes: Vec<MultiPolygon> = Vec::new();
    for row in seeds.tunliu_prohibited_zones.rows() {
        let seq: u32 = row.get("seq").parse()?;
        let mut rng = SplitMix64::for_name(row.get("name"));
        let mut spot =
            |center: (f64, f64), r: (f64, f64), n: usize| blob(&mut rng, center, r, 0.0, n, 0.15);
        let shape = match seq {
            1 => mp(spot((112.806, 36.336), (1.2, 0.8), 14)), // 余吾工业园
            2 => mp(spot(offset(city, 0.0, 0.7).x_y(), (1.9, 1.5), 20)),
            3 => mp(geom::corridor(
                &path(&[(112.858, 36.3005), (112.885, 36.3035), (112.912, 36.2985)]),
                0.12,
            )),
            4 => mp(spot(seat("渔泽镇"), (0.9, 0.7), 14)),
            5 => mp(spot((112.925, 36.300), (1.0, 0.8), 14)), // 经济技术开发区、路村工业园
            6 => mp(spot((112.845, 36.338), (0.7, 0.5), 12)), // 康庄医药工业园区
            7 => clip(&geom::corridor(&path(&G309), 0.04), district),
            8 => mp(kanshousuo()),
            9 => mp(spot((112.665, 36.344), (0.6, 0.5), 12)), // 水源地
            10 => mp(rect(112.915, 36.352, 112.945, 36.357)), // 飞机场 (a strip)
            11 => clip(&geom::corridor(&path(&S228), 0.035), district),
            12 => {
                let roads: Vec<MultiPolygon> = LINK_ROADS
                    .iter()
                    .map(|r| mp(geom::corridor(&path(r), 0.03)))
                    .collect();
                let mut all = roads[0].clone();
                for r in &roads[1..] {
                    all = all.union(r);
                }
                all.intersection(district)
            }
            _ => bail!("unexpected prohibited zone {seq}"),
        };
        let shape = rounded(&shape);
        planmap::geom::validate::check_multipolygon(&shape)
            .map_err(|e| anyhow::anyhow!("prohibited zone {seq}: {e}"))?;
        in_district(district, row.get("name"), &shape)?;
        zone_shapes.push(shape);
    }
    Ok(seeds
        .tunliu_prohibited_zones
        .rows()
        .zip(&zone_shapes)
        .map(|(row, shape)| {
            feature(
                format!("PZ{:02}", row.get("seq").parse::<u32>().unwrap_or(0)),
                seed_properties(&row),
                None,
                shape.clone(),
            )
        })
        .collect())
}
