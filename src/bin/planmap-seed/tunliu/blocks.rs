//! The plan's own blocks: 勘查规划区块 KQ001–KQ004 (表4-4) and 开采规划区块
//! CQ001–CQ003 (表4-5), and the check that they keep clear of the hard
//! constraints (第四章第二节 1（1）、（7）).

use anyhow::{Context, bail, ensure};
use geo::{Intersects, MultiPolygon};

use super::{Seeds, area_of, bbox, c, feature, in_district};
use crate::geom::{fit_polygon, from_km, overlap};
use crate::output::{Feature, seed_properties};

/// Where a block goes: its centre and its staircase outline in km.
type BlockPlace = ((f64, f64), Vec<(f64, f64)>);

/// A staircase outline `2w` km wide and `2h` km tall, one corner stepped.
fn stair(w: f64, h: f64) -> Vec<(f64, f64)> {
    vec![
        (-w, -h),
        (w, -h),
        (w, h * 0.4),
        (w * 0.6, h * 0.4),
        (w * 0.6, h),
        (-w, h),
    ]
}

/// An orthogonal block (勘查/开采规划区块 follow lines of longitude and
/// latitude), given as a staircase of (east, north) km offsets, fitted.
fn block(
    what: &str,
    center: (f64, f64),
    offsets: &[(f64, f64)],
    km2: f64,
) -> anyhow::Result<MultiPolygon> {
    let p = from_km(center, offsets);
    fit_polygon(what, &p, c(center), km2)
}

/// The blocks of one seed table at their places, with their published areas.
fn blocks(
    table: &crate::csv::Table,
    places: &[BlockPlace],
    district: &MultiPolygon,
) -> anyhow::Result<Vec<Feature>> {
    let mut out = Vec::new();
    for (row, (center, shape)) in table.rows().zip(places.iter()) {
        let km2 = row.number("area_km2")?.context("block area")?;
        let area = block(row.get("code"), *center, shape, km2)?;
        in_district(district, row.get("code"), &area)?;
        out.push(feature(
            row.get("code"),
            seed_properties(&row),
            Some(km2),
            area,
        ));
    }
    Ok(out)
}

/// 勘查规划区块 KQ001–KQ004 (表4-4).
pub(super) fn exploration_blocks(
    seeds: &Seeds,
    district: &MultiPolygon,
) -> anyhow::Result<Vec<Feature>> {
    let places: [BlockPlace; 4] = [
        ((112.705, 36.381), stair(4.6, 2.5)), // KQ001 上莲, north, 吾元—西贾
        ((112.565, 36.282), stair(2.9, 2.6)), // KQ002 屯留西村, west
        ((112.668, 36.272), stair(5.0, 3.9)), // KQ003 河神庙井田, 河神庙乡, south of G309
        ((112.548, 36.380), stair(1.9, 1.9)), // KQ004 煤层气勘查2, north-west (CBM)
    ];
    let out = blocks(&seeds.tunliu_exploration_blocks, &places, district)?;
    ensure!(out.len() == 4, "expected KQ001–KQ004");
    Ok(out)
}

/// 开采规划区块 CQ001–CQ003 (表4-5).
pub(super) fn mining_blocks(
    seeds: &Seeds,
    district: &MultiPolygon,
) -> anyhow::Result<Vec<Feature>> {
    let places: [BlockPlace; 3] = [
        ((112.800, 36.383), stair(3.4, 3.4)), // CQ001 夏店井田, north, towards 襄垣县
        ((112.745, 36.343), stair(1.2, 0.95)), // CQ002 康庄煤矿
        ((112.595, 36.353), stair(1.9, 1.9)), // CQ003 煤层气开采区2
    ];
    blocks(&seeds.tunliu_mining_blocks, &places, district)
}

/// The plan's blocks stay clear of every hard constraint (licences,
/// prohibited zones and the three control lines).
pub(super) fn check_clear_of(blocks: &[&Feature], hard: &[MultiPolygon]) -> anyhow::Result<()> {
    for b in blocks {
        let a = area_of(b);
        let ab = bbox(&a);
        for h in hard {
            if bbox(h).intersects(&ab) && overlap(&a, h) {
                bail!(
                    "planning block {} overlaps a hard constraint (第四章第二节 1（1）、（7）)",
                    b.id
                );
            }
        }
    }
    Ok(())
}
