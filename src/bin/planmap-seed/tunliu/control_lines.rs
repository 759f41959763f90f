//! The three control lines (三条控制线, 第四章第二节 1（7）): the urban
//! development boundary, the ecological red line and permanent basic farmland.

use geo::{BooleanOps, Contains, Intersects, MultiPolygon, Rect};

use super::{PLAN, bbox, feature, in_district, mp, seat, unpublished};
use crate::geom::{self, blob, offset, rounded};
use crate::output::Feature;
use crate::rng::SplitMix64;

/// 城镇开发边界: an illustrative boundary around the central city (麟绛镇).
pub(super) fn urban_boundary(district: &MultiPolygon) -> anyhow::Result<Feature> {
    let city = seat("麟绛镇");
    let mut rng = SplitMix64::for_name("中心城区");
    let urban_polygon = blob(
        &mut rng,
        offset(city, 0.0, 0.6).x_y(),
        (3.2, 2.6),
        10.0,
        28,
        0.18,
    );
    let urban = geom::as_is("urban boundary", &urban_polygon)?;
    in_district(district, "urban boundary", &urban)?;
    let source = format!("{PLAN} 第四章第二节 1（7）names the boundary; none is published");
    Ok(feature(
        "UB1",
        unpublished("中心城区城镇开发边界（示意）", &source),
        None,
        urban,
    ))
}

/// 生态保护红线: the western mountains (盘秀山 …) and the north.
pub(super) fn ecological_redline(district: &MultiPolygon) -> anyhow::Result<Vec<Feature>> {
    let mut redline = Vec::new();
    for (i, (name, center, radii, turn)) in [
        (
            "生态保护红线（西部山区，示意）",
            (112.487, 36.322),
            (3.6, 4.6),
            15.0,
        ),
        (
            "生态保护红线（北部山区，示意）",
            (112.622, 36.404),
            (2.3, 1.2),
            -5.0,
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let mut rng = SplitMix64::for_name(name);
        let area = geom::as_is(name, &blob(&mut rng, center, radii, turn, 36, 0.2))?;
        let area = rounded(&area.intersection(district));
        let source = format!(
            "{PLAN} 第四章第二节 1（7）names the red line; no boundary or area is published"
        );
        redline.push(feature(
            format!("RL{:02}", i + 1),
            unpublished(name, &source),
            None,
            area,
        ));
    }
    Ok(redline)
}

/// Illustrative parcels of permanent basic farmland on a jittered grid:
/// one parcel per cell at most, so parcels never overlap.
pub(super) fn basic_farmland(
    district: &MultiPolygon,
    clear: &[MultiPolygon],
) -> anyhow::Result<Vec<Feature>> {
    let mut rng = SplitMix64::for_name("永久基本农田");
    let b = bbox(district);
    let (dx, dy) = (0.0068, 0.0052);
    let clear_boxes: Vec<Rect> = clear.iter().map(bbox).collect();
    let district_poly = &district.0[0];
    let mut features = Vec::new();
    let cols = ((b.max().x - b.min().x) / dx).ceil() as usize;
    let rows = ((b.max().y - b.min().y) / dy).ceil() as usize;
    for row in 0..rows {
        for col in 0..cols {
            let x = b.min().x + (col as f64 + 0.5) * dx;
            let y = b.min().y + (row as f64 + 0.5) * dy;
            let density = if x > 112.80 {
                0.85
            } else if x > 112.66 {
                0.6
            } else {
                0.25
            };
            let draw = rng.unit();
            let mut shape_rng = SplitMix64::new(rng.next_u64());
            if draw >= density {
                continue;
            }
            let center = (
                x + shape_rng.range(-0.0012, 0.0012),
                y + shape_rng.range(-0.0009, 0.0009),
            );
            let radii = (shape_rng.range(0.12, 0.24), shape_rng.range(0.10, 0.20));
            let turn = shape_rng.range(0.0, 180.0);
            let p = blob(&mut shape_rng, center, radii, turn, 10, 0.12);
            let area = rounded(&mp(p));
            let pb = bbox(&area);
            if !area.0[0]
                .exterior()
                .0
                .iter()
                .all(|&v| district_poly.contains(&v))
                || !district.contains(&area)
            {
                continue;
            }
            let near = |r: &Rect| {
                r.min().x - 0.003 < pb.max().x
                    && pb.min().x < r.max().x + 0.003
                    && r.min().y - 0.003 < pb.max().y
                    && pb.min().y < r.max().y + 0.003
            };
            if clear.iter().zip(&clear_boxes).any(|(k, kb)| {
                near(kb) && (k.intersects(&area) || geo_distance_lt(k, &area, 0.002))
            }) {
                continue;
            }
            planmap::geom::validate::check_multipolygon(&area)
                .map_err(|e| anyhow::anyhow!("farmland parcel: {e}"))?;
            let n = features.len() + 1;
            let name = format!("永久基本农田图斑 {n:04}（示意）");
            let src =
                format!("{PLAN} 第四章第二节 1（7） names 永久基本农田; no parcel is published");
            features.push(feature(
                format!("JBNT{n:04}"),
                unpublished(&name, &src),
                None,
                area,
            ));
        }
    }
    Ok(features)
}

fn geo_distance_lt(a: &MultiPolygon, b: &MultiPolygon, deg: f64) -> bool {
    use geo::Distance;
    use geo::Euclidean;
    Euclidean.distance(a, b) < deg
}
