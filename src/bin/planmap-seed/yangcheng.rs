//! 阳城县: an illustrative county outline around its real location (no extent
//! is published in these documents), the proposed new non-coal mining rights
//! (附件3) with their published areas, the mines to close (附件2) and the coal
//! green-mining pilot mines (附件) as points, because no area is published.

use anyhow::{Context, ensure};
use geo::{Coord, MultiPolygon, Polygon};
use serde_json::json;

use super::Seeds;
use super::geom::{self, area_km2, blob, fit_polygon, inside, offset, overlap};
use super::output::{Feature, Geometry, LayerOut, seed_properties};
use super::rng::SplitMix64;
use super::tunliu::rules;
use planmap::layer::OnOverlap;

const NON_COAL: &str = "阳城县非煤矿产资源综合整治提升实施方案（阳政办发〔2025〕17号）";
const COAL: &str = "阳城县煤炭绿色开采工作方案（阳政办发〔2023〕31号）";
const REGION: &str = "阳城县";

/// Illustrative town seats (lon, lat); the documents publish no positions.
const TOWNS: [(&str, (f64, f64)); 8] = [
    ("凤城镇", (112.415, 35.487)),
    ("北留镇", (112.560, 35.520)),
    ("东冶镇", (112.300, 35.380)),
    ("河北镇", (112.385, 35.610)),
    ("演礼镇", (112.330, 35.470)),
    ("白桑镇", (112.500, 35.420)),
    ("町店镇", (112.470, 35.560)),
    ("润城镇", (112.520, 35.470)),
];

fn town_of(location: &str) -> (f64, f64) {
    TOWNS
        .iter()
        .find(|(t, _)| location.contains(t))
        .map(|(_, p)| *p)
        .unwrap_or(TOWNS[0].1)
}

pub struct Yangcheng {
    pub layers: Vec<LayerOut>,
    pub district_feature: Feature,
}

pub fn build(seeds: &Seeds) -> anyhow::Result<Yangcheng> {
    let mut rng = SplitMix64::for_name("阳城县 outline");
    let center = (112.43, 35.49);
    let outline: Polygon = blob(&mut rng, center, (21.0, 19.0), 10.0, 64, 0.14);
    let county = geom::as_is("阳城县", &outline)?;
    let b = geo::BoundingRect::bounding_rect(&county).context("county")?;
    ensure!(
        b.min().x >= 112.2 && b.max().x <= 112.7 && b.min().y >= 35.3 && b.max().y <= 35.7,
        "阳城县 outline outside E112.2–112.7, N35.3–35.7"
    );

    let mut props = serde_json::Map::new();
    props.insert("name".into(), json!("阳城县"));
    props.insert("source".into(), json!(format!("{NON_COAL}; {COAL}")));
    props.insert("geometry_source".into(), json!("illustrative"));
    props.insert("published_area_km2".into(), json!(null));
    props.insert(
        "illustrative_area_km2".into(),
        json!((area_km2(&county) * 1e4).round() / 1e4),
    );
    props.insert("extent_note".into(), json!("neither extent nor area of 阳城县 is published in these documents; the outline is an illustrative shape around its real location (about E112.2–112.7, N35.3–35.7)"));
    let district_feature = Feature {
        id: "阳城县".into(),
        properties: props,
        geometry: Geometry::Area(county.clone()),
    };

    // Proposed new mining rights: near the village's town, apart from each other.
    let mut proposed: Vec<(Feature, MultiPolygon)> = Vec::new();
    for row in seeds.yangcheng_new_mining_rights.rows() {
        let km2 = row.number("area_km2")?.context("proposed right area")?;
        let seq = row.get("seq");
        let mut rng = SplitMix64::for_name(&format!("阳城 拟新设 {seq}"));
        let town = town_of(row.get("location"));
        let mut tries = 0;
        let area = loop {
            tries += 1;
            ensure!(tries < 1000, "cannot place proposed right {seq}");
            let c = offset(town, rng.range(-4.0, 4.0), rng.range(-4.0, 4.0));
            let r = (km2 / std::f64::consts::PI).sqrt();
            let turn = rng.range(0.0, 180.0);
            let p = blob(&mut rng, c.x_y(), (r * 1.2, r * 0.8), turn, 6, 0.08);
            let area = fit_polygon(&format!("阳城 {seq}"), &p, c, km2)?;
            if inside(&county, &area)
                && proposed
                    .iter()
                    .all(|(_, other)| !overlap(other, &area) && far(other, &area))
            {
                break area;
            }
        };
        let mut props = seed_properties(&row);
        props.insert("published_area_km2".into(), json!(km2));
        props.insert(
            "illustrative_area_km2".into(),
            json!((area_km2(&area) * 1e4).round() / 1e4),
        );
        proposed.push((
            Feature {
                id: format!("YC-XS{seq:0>2}"),
                properties: props,
                geometry: Geometry::Area(area.clone()),
            },
            area,
        ));
    }

    let point_in_county = |rng: &mut SplitMix64, near: (f64, f64)| -> Coord {
        loop {
            let p = offset(near, rng.range(-5.0, 5.0), rng.range(-5.0, 5.0));
            if geo::Contains::contains(&county, &p) {
                return geom::round7(p);
            }
        }
    };
    let closures: Vec<Feature> = seeds
        .yangcheng_closures
        .rows()
        .map(|row| {
            let mut rng = SplitMix64::for_name(row.get("licence_no"));
            let near = town_of(&format!("{}{}", row.get("holder"), row.get("mine_name")));
            let mut props = seed_properties(&row);
            props.insert("name".into(), json!(row.get("mine_name")));
            props.insert("position_note".into(), json!("a point at an illustrative position: neither the mine's location nor its licence area is published"));
            Feature {
                id: row.get("licence_no").to_string(),
                properties: props,
                geometry: Geometry::Point(point_in_county(&mut rng, near)),
            }
        })
        .collect();

    // Rows 2 and 5 are the same mine (屯城煤业): the same point.
    let mut pilot_sites: Vec<(String, Coord)> = Vec::new();
    let mut pilots = Vec::new();
    for row in seeds.yangcheng_coal_pilot_mines.rows() {
        let name = row.get("mine_name").to_string();
        let site = match pilot_sites.iter().find(|(n, _)| *n == name) {
            Some((_, p)) => *p,
            None => {
                let mut rng = SplitMix64::for_name(&name);
                let p = point_in_county(&mut rng, (112.50, 35.55));
                pilot_sites.push((name.clone(), p));
                p
            }
        };
        let mut props = seed_properties(&row);
        props.insert("name".into(), json!(name));
        props.insert("position_note".into(), json!("a point at an illustrative position: the mine's location and licence area are not published"));
        pilots.push(Feature {
            id: format!("YC-MK{:0>2}", row.get("seq")),
            properties: props,
            geometry: Geometry::Point(site),
        });
    }

    let screening = rules(
        seeds,
        &["yangcheng_new_right_pre_auction_overlap_screening"],
    )?;
    let layers = vec![
        LayerOut {
            id: "yangcheng_new_mining_rights",
            title: "拟新设非煤采矿权",
            title_en: "Proposed new non-coal mining rights (阳城县)",
            on_overlap: OnOverlap::Reject,
            rule: screening.clone(),
            source: format!("{NON_COAL} 附件3"),
            region: REGION,
            description: "The 8 proposed clean-block (净矿) auctions of 附件3 with their published areas; outlines illustrative, placed near the named town. Another right overlapping one of them is an overlap with another project's site, to be excluded before auction.".into(),
            facts: vec![],
            features: proposed.into_iter().map(|(f, _)| f).collect(),
        },
        LayerOut {
            id: "yangcheng_closures",
            title: "关闭退出非煤矿山",
            title_en: "Non-coal mines to close or withdraw (阳城县)",
            on_overlap: OnOverlap::Warn,
            rule: format!("关闭、退出矿山生态修复责任仍由原矿业权人履行（{NON_COAL} 四(二)5）"),
            source: format!("{NON_COAL} 附件2"),
            region: REGION,
            description: "The 5 mines of 附件2 as points: no location or licence area is published. A candidate containing one overlaps a licence still to be closed and restored.".into(),
            facts: vec![],
            features: closures,
        },
        LayerOut {
            id: "yangcheng_coal_pilot_mines",
            title: "煤炭绿色开采试点矿井",
            title_en: "Coal green-mining pilot mines (阳城县)",
            on_overlap: OnOverlap::Warn,
            rule: screening,
            source: format!("{COAL} 附件"),
            region: REGION,
            description: "The 9 pilot projects of the coal plan's 附件 (8 producing mines) as points at illustrative positions: no location or licence area is published. A candidate containing one overlaps a producing coal mine.".into(),
            facts: vec![],
            features: pilots,
        },
    ];
    Ok(Yangcheng {
        layers,
        district_feature,
    })
}

/// At least 300 m between proposed rights.
fn far(a: &MultiPolygon, b: &MultiPolygon) -> bool {
    use geo::{Distance, Euclidean};
    Euclidean.distance(a, b) > 0.003
}
