//! 屯留区: the district outline and every layer the plan describes, drawn
//! where the plan's words put them.
//!
//! Places the plan names but does not map (township seats, the city, roads)
//! are illustrative positions chosen once here; everything else is placed
//! relative to them, fitted to its published area, and checked against the
//! plan's own rules before it is written. [`build`] draws each kind of thing
//! in turn, one function each:
//!
//! | module | draws |
//! | --- | --- |
//! | [`blocks`] | the plan's exploration and mining blocks (表4-4, 表4-5) |
//! | [`rights`] | the existing mining licences (表1-2) |
//! | [`prohibited`] | the prohibited zones (第三章第三节 三) |
//! | [`control_lines`] | urban boundary, ecological red line, basic farmland |
//! | [`zones`] | energy bases, national planned mining areas, the key exploration area |
//! | [`environment`] | the prevention and remediation zones |
//! | [`subsidence`] | the subsidence areas and ground fissures |
//! | [`context`] | the district, township seats, explored areas |

mod blocks;
mod context;
mod control_lines;
mod environment;
mod prohibited;
mod rights;
mod subsidence;
mod zones;

use anyhow::{Context, ensure};
use geo::{BooleanOps, BoundingRect, Coord, MultiPolygon, Polygon, Rect};
use serde_json::{Value, json};

use super::Seeds;
use super::csv::Row;
use super::geom::{self, area_km2, fit_area, inside, rect};
use super::output::{Fact, Feature, Geometry, LayerOut, seed_properties};
use super::rng::SplitMix64;
use planmap::layer::OnOverlap;

const PLAN: &str = "长治市屯留区矿产资源总体规划（2021—2025年）";
const REGION: &str = "屯留区";

/// Illustrative seats of the 11 townships (lon, lat): the plan names them but
/// publishes no positions. Roughly where they lie: the city (麟绛镇) in the
/// east-centre on the 绛河, the mountains and 张店镇 in the west.
pub const TOWNSHIP_SEATS: [(&str, (f64, f64)); 11] = [
    ("麟绛镇", (112.885, 36.312)),
    ("上村镇", (112.990, 36.238)),
    ("渔泽镇", (112.960, 36.400)),
    ("余吾镇", (112.800, 36.330)),
    ("吾元镇", (112.860, 36.415)),
    ("张店镇", (112.550, 36.335)),
    ("丰宜镇", (112.730, 36.205)),
    ("路村乡", (112.950, 36.300)),
    ("李高乡", (112.900, 36.185)),
    ("河神庙乡", (112.680, 36.300)),
    ("西贾乡", (112.640, 36.380)),
];

fn seat(name: &str) -> (f64, f64) {
    TOWNSHIP_SEATS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, p)| *p)
        .expect("a known township")
}

/// G309 (自西向东横穿县境中部), through 张店镇, 余吾镇 and the city.
const G309: [(f64, f64); 7] = [
    (112.430, 36.329),
    (112.550, 36.3345),
    (112.680, 36.3185),
    (112.800, 36.3245),
    (112.885, 36.3175),
    (112.960, 36.3105),
    (113.050, 36.3130),
];
/// S228, north–south through the city.
const S228: [(f64, f64); 4] = [
    (112.872, 36.140),
    (112.880, 36.250),
    (112.885, 36.312),
    (112.872, 36.445),
];
/// 屯留—长治快速连接线 (east to 长治), 北康线 (north), 屯东线 (south-east).
const LINK_ROADS: [&[(f64, f64)]; 3] = [
    &[(112.885, 36.312), (112.960, 36.288), (113.050, 36.282)],
    &[(112.885, 36.312), (112.905, 36.370), (112.900, 36.445)],
    &[(112.885, 36.312), (112.930, 36.260), (112.985, 36.205)],
];

/// The example candidates' places (lon/lat rectangles), kept clear of
/// farmland so that each shows exactly what it is meant to show.
pub struct ExamplePlaces {
    /// One basic unit block (1′ × 1′): 112°38′–39′E, 36°20′–21′N.
    pub clean: Polygon,
    pub redline: Polygon,
    pub prohibited: Polygon,
    pub mining_right: Polygon,
    pub subsidence: Polygon,
    pub adjacent: Polygon,
}

/// The 屯留 layers, and what the examples need to know.
pub struct Tunliu {
    pub layers: Vec<LayerOut>,
    pub district_feature: Feature,
    pub examples: ExamplePlaces,
}

fn c(p: (f64, f64)) -> Coord {
    Coord { x: p.0, y: p.1 }
}

fn mp(p: Polygon) -> MultiPolygon {
    MultiPolygon(vec![p])
}

fn path(points: &[(f64, f64)]) -> Vec<Coord> {
    points.iter().map(|&p| c(p)).collect()
}

/// Properties every polygon carries: the published area (or that none is
/// published) and the drawn area.
fn area_properties(
    props: &mut serde_json::Map<String, Value>,
    published_km2: Option<f64>,
    drawn: &MultiPolygon,
) {
    props.insert("published_area_km2".into(), json!(published_km2));
    props.insert(
        "illustrative_area_km2".into(),
        json!((area_km2(drawn) * 1e4).round() / 1e4),
    );
    if published_km2.is_none() {
        props.insert(
            "area_note".into(),
            json!("no area is published for this feature; the drawn size is illustrative"),
        );
    }
}

fn feature(
    id: impl Into<String>,
    mut props: serde_json::Map<String, Value>,
    published: Option<f64>,
    area: MultiPolygon,
) -> Feature {
    area_properties(&mut props, published, &area);
    Feature {
        id: id.into(),
        properties: props,
        geometry: Geometry::Area(area),
    }
}

/// Properties of a feature that has no seed record of its own.
fn unpublished(name: &str, source: &str) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("name".into(), json!(name));
    m.insert("source".into(), json!(source));
    m.insert("geometry_source".into(), json!("illustrative"));
    m
}

fn named(row: &Row, name_column: &str) -> serde_json::Map<String, Value> {
    let mut props = seed_properties(row);
    if name_column != "name" {
        props.insert("name".into(), json!(row.get(name_column)));
    }
    props
}

/// The district outline in fractions of the published extent (u east, v north).
/// Points on 0 or 1 touch the extent and stay there; the rest are pulled
/// towards the middle by the fit.
const OUTLINE: [(f64, f64); 26] = [
    (0.00, 0.55),
    (0.03, 0.70),
    (0.09, 0.87),
    (0.17, 0.92),
    (0.26, 0.88),
    (0.35, 0.92),
    (0.45, 0.95),
    (0.55, 1.00),
    (0.64, 0.97),
    (0.73, 0.98),
    (0.82, 1.00),
    (0.93, 0.995),
    (0.995, 0.97),
    (1.00, 0.80),
    (0.995, 0.60),
    (1.00, 0.40),
    (0.97, 0.20),
    (0.90, 0.07),
    (0.80, 0.00),
    (0.70, 0.05),
    (0.60, 0.11),
    (0.50, 0.15),
    (0.40, 0.21),
    (0.30, 0.24),
    (0.20, 0.28),
    (0.10, 0.36),
];

struct Extent {
    west: f64,
    east: f64,
    south: f64,
    north: f64,
}

fn district_outline(extent: &Extent, area_km2_published: f64) -> anyhow::Result<MultiPolygon> {
    let mut rng = SplitMix64::for_name("屯留区 outline");
    // Each edge is split in four with a fixed random sideways wobble.
    let wobble: Vec<[f64; 3]> = OUTLINE
        .iter()
        .map(|_| {
            [
                rng.range(-1.0, 1.0),
                rng.range(-1.0, 1.0),
                rng.range(-1.0, 1.0),
            ]
        })
        .collect();
    let pinned = |(u, v): (f64, f64)| u == 0.0 || u == 1.0 || v == 0.0 || v == 1.0;
    let shape = |s: f64| {
        let pull = |(u, v): (f64, f64)| {
            if pinned((u, v)) {
                (u, v)
            } else {
                (0.5 + (u - 0.5) * s, 0.5 + (v - 0.5) * s)
            }
        };
        let mut points = Vec::new();
        for i in 0..OUTLINE.len() {
            let a = pull(OUTLINE[i]);
            let b = pull(OUTLINE[(i + 1) % OUTLINE.len()]);
            let (nx, ny) = (-(b.1 - a.1), b.0 - a.0);
            points.push(a);
            for (k, w) in wobble[i].iter().enumerate() {
                let t = (k as f64 + 1.0) / 4.0;
                // The east side (towards 潞州区) runs straighter across the plain.
                let east = if a.0 > 0.95 && b.0 > 0.95 { 0.3 } else { 1.0 };
                let amp = 0.06 * east * w * (1.0 - (2.0 * t - 1.0).abs());
                let (u, v) = (
                    a.0 + t * (b.0 - a.0) + amp * nx,
                    a.1 + t * (b.1 - a.1) + amp * ny,
                );
                points.push((u.clamp(0.002, 0.998), v.clamp(0.002, 0.998)));
            }
        }
        let coords = points
            .into_iter()
            .map(|(u, v)| Coord {
                x: extent.west + u * (extent.east - extent.west),
                y: extent.south + v * (extent.north - extent.south),
            })
            .collect();
        mp(Polygon::new(geom::ring(coords), vec![]))
    };
    fit_area("屯留区 outline", area_km2_published, (0.5, 1.1), shape)
}

fn extent_of(row: &Row) -> anyhow::Result<Extent> {
    let n = |col: &str| {
        row.number(col)?
            .with_context(|| format!("tunliu_district: {col} is empty"))
    };
    Ok(Extent {
        west: n("lon_min_deg")?,
        east: n("lon_max_deg")?,
        south: n("lat_min_deg")?,
        north: n("lat_max_deg")?,
    })
}

/// A rule as a verdict cites it: the plan's words, then document and clause.
pub fn rules(seeds: &Seeds, ids: &[&str]) -> anyhow::Result<String> {
    ids.iter()
        .map(|id| {
            let row = seeds
                .planning_rules
                .rows()
                .find(|r| r.get("rule_id") == *id)
                .with_context(|| format!("planning_rules.csv has no rule {id}"))?;
            Ok(format!(
                "{}（{} {}）",
                row.get("label"),
                row.get("document"),
                row.get("clause")
            ))
        })
        .collect::<anyhow::Result<Vec<_>>>()
        .map(|v| v.join("；"))
}

fn bbox(area: &MultiPolygon) -> Rect {
    area.bounding_rect().expect("a non-empty area")
}

/// The area of a polygon feature.
fn area_of(f: &Feature) -> MultiPolygon {
    match &f.geometry {
        Geometry::Area(a) => a.clone(),
        _ => unreachable!("polygon layer"),
    }
}

/// Fails unless `a` lies inside the district outline.
fn in_district(district: &MultiPolygon, what: &str, a: &MultiPolygon) -> anyhow::Result<()> {
    ensure!(
        inside(district, a),
        "{what} is not inside the 屯留区 outline (outside: {:?})",
        a.difference(district).bounding_rect()
    );
    Ok(())
}

/// The example candidates' places.
fn example_places() -> ExamplePlaces {
    let m = 1.0 / 60.0;
    ExamplePlaces {
        clean: rect(
            112.0 + 38.0 * m,
            36.0 + 20.0 * m,
            112.0 + 39.0 * m,
            36.0 + 21.0 * m,
        ),
        redline: rect(
            112.0 + 31.0 * m,
            36.0 + 18.0 * m,
            112.0 + 32.0 * m,
            36.0 + 19.0 * m,
        ),
        prohibited: rect(112.6560, 36.3380, 112.6720, 36.3500),
        mining_right: rect(112.7200, 36.2150, 112.7450, 36.2300),
        subsidence: rect(112.8830, 36.2540, 112.8870, 36.2570),
        adjacent: rect(112.7020, 36.3360, 112.7090, 36.3410),
    }
}

pub fn build(seeds: &Seeds) -> anyhow::Result<Tunliu> {
    let district_row = seeds
        .tunliu_district
        .rows()
        .next()
        .context("tunliu_district.csv is empty")?;
    let extent = extent_of(&district_row)?;
    let district_km2 = district_row
        .number("area_km2")?
        .context("no district area")?;
    let district = district_outline(&extent, district_km2)?;

    let exploration_blocks = blocks::exploration_blocks(seeds, &district)?;
    let mining_blocks = blocks::mining_blocks(seeds, &district)?;
    let plan_blocks: Vec<&Feature> = exploration_blocks.iter().chain(&mining_blocks).collect();
    let rights = rights::mining_rights(seeds, &district, &plan_blocks)?;
    let urban = control_lines::urban_boundary(&district)?;
    let prohibited = prohibited::prohibited_zones(seeds, &district)?;
    let redline = control_lines::ecological_redline(&district)?;

    let halves = zones::Halves::new(&extent, &district);
    let energy = zones::energy_bases(seeds, &district, &halves)?;
    let national = zones::national_mining_areas(seeds, &extent, &district, &halves)?;
    let key_exploration = zones::key_exploration_areas(seeds, &district)?;
    let prevention = environment::prevention_zones(seeds, &district)?;
    let remediation = environment::remediation_zones(seeds)?;

    let examples = example_places();

    // Subsidence areas keep clear of the plan's blocks, the city and the
    // examples that must not show one.
    let sub = subsidence::Subsidence::from_seeds(seeds)?;
    let keep_clear: Vec<MultiPolygon> = plan_blocks
        .iter()
        .map(|f| area_of(f))
        .chain([area_of(&urban)])
        .chain([
            mp(examples.mining_right.clone()),
            mp(examples.adjacent.clone()),
            mp(examples.clean.clone()),
        ])
        .collect();
    let (subsidence, placed) = subsidence::subsidence_areas(
        &sub,
        &district,
        &area_of(&remediation[0]),
        &keep_clear,
        &examples,
    )?;
    let fissures = subsidence::ground_fissures(&sub, placed);

    // Farmland keeps clear of the blocks, the other hard constraints and
    // every example.
    let mut farmland_clear: Vec<MultiPolygon> = plan_blocks
        .iter()
        .copied()
        .chain(&prohibited)
        .chain(&redline)
        .map(area_of)
        .collect();
    farmland_clear.push(area_of(&urban));
    for e in [
        &examples.clean,
        &examples.redline,
        &examples.prohibited,
        &examples.mining_right,
        &examples.subsidence,
        &examples.adjacent,
    ] {
        farmland_clear.push(mp(e.clone()));
    }
    let farmland = control_lines::basic_farmland(&district, &farmland_clear)?;

    let hard: Vec<MultiPolygon> = rights
        .iter()
        .chain(&prohibited)
        .chain(&redline)
        .chain(&farmland)
        .chain([&urban])
        .map(area_of)
        .collect();
    blocks::check_clear_of(&plan_blocks, &hard)?;

    let district_feature =
        context::district_feature(seeds, &district_row, &district, district_km2)?;
    let townships = context::townships(seeds);
    let exploration_areas = context::exploration_areas(seeds, &district, &exploration_blocks)?;

    let layers = catalog_entries(
        seeds,
        Drawn {
            redline,
            farmland,
            urban,
            prohibited,
            rights,
            subsidence,
            fissures,
            remediation,
            prevention,
            exploration_blocks,
            mining_blocks,
            exploration_areas,
            key_exploration,
            national,
            energy,
            townships,
        },
    )?;
    Ok(Tunliu {
        layers,
        district_feature,
        examples,
    })
}

/// The features of every 屯留 layer, as drawn.
struct Drawn {
    redline: Vec<Feature>,
    farmland: Vec<Feature>,
    urban: Feature,
    prohibited: Vec<Feature>,
    rights: Vec<Feature>,
    subsidence: Vec<Feature>,
    fissures: Vec<Feature>,
    remediation: Vec<Feature>,
    prevention: Vec<Feature>,
    exploration_blocks: Vec<Feature>,
    mining_blocks: Vec<Feature>,
    exploration_areas: Vec<Feature>,
    key_exploration: Vec<Feature>,
    national: Vec<Feature>,
    energy: Vec<Feature>,
    townships: Vec<Feature>,
}

/// The catalog entries of the 屯留 layers, in check order: hard constraints,
/// then warnings, then context.
fn catalog_entries(seeds: &Seeds, d: Drawn) -> anyhow::Result<Vec<LayerOut>> {
    let src = |what: &str| format!("{PLAN} {what}");
    let three_lines = rules(
        seeds,
        &["tunliu_exploration_block_avoid_heritage_and_three_lines"],
    )?;
    let layers = vec![
        LayerOut {
            id: "ecological_redline",
            title: "生态保护红线",
            title_en: "Ecological protection red line",
            on_overlap: OnOverlap::Reject,
            rule: three_lines.clone(),
            source: src("第四章第二节 1（7）（三条控制线）"),
            region: REGION,
            description: "Three illustrative red-line areas in the western and northern mountains (the plan names 盘秀山、摩河岭 … in the west, 老爷山、白云山 in the north). The red line's boundary is not in the plan; replace with the official 生态保护红线.".into(),
            facts: vec![],
            features: d.redline,
        },
        LayerOut {
            id: "basic_farmland",
            title: "永久基本农田",
            title_en: "Permanent basic farmland",
            on_overlap: OnOverlap::Reject,
            rule: three_lines.clone(),
            source: src("第四章第二节 1（7）（三条控制线）"),
            region: REGION,
            description: "Illustrative parcels (图斑) of a few hectares each, denser on the eastern plain than in the western mountains, kept off the plan's own blocks. No parcel is published; replace with the official 永久基本农田 parcels.".into(),
            facts: vec![],
            features: d.farmland,
        },
        LayerOut {
            id: "urban_boundary",
            title: "城镇开发边界",
            title_en: "Urban development boundary",
            on_overlap: OnOverlap::Reject,
            rule: three_lines.clone(),
            source: src("第四章第二节 1（7）（三条控制线）"),
            region: REGION,
            description: "An illustrative boundary around the central city (麟绛镇). Replace with the official 城镇开发边界.".into(),
            facts: vec![],
            features: vec![d.urban],
        },
        LayerOut {
            id: "prohibited_zones",
            title: "禁止开采区（建设用地）",
            title_en: "Prohibited mining zones (construction land)",
            on_overlap: OnOverlap::Reject,
            rule: rules(seeds, &["tunliu_prohibited_zone_new_rights_need_consent", "tunliu_prohibited_zone_existing_rights_withdraw", "tunliu_mining_zoning_not_overlap_prohibited_or_water_source"])?,
            source: src("第三章第三节 三"),
            region: REGION,
            description: "The plan's 12 prohibited zones, by name. No area or boundary is published: areas for town and park land, corridors for the roads (G309, 省道228, the link roads), a strip for the airfield, all illustrative.".into(),
            facts: vec![],
            features: d.prohibited,
        },
        LayerOut {
            id: "mining_rights",
            title: "采矿权",
            title_en: "Existing mining licences",
            on_overlap: OnOverlap::Reject,
            rule: rules(seeds, &["tunliu_exploration_block_no_overlap_with_rights"])?,
            source: src("表1-2"),
            region: REGION,
            description: "The 5 licences of 表1-2 with their published attributes and areas; outlines illustrative, placed in the coal townships the plan names (李高乡、渔泽镇、路村乡、余吾镇、上村镇).".into(),
            facts: vec![],
            features: d.rights,
        },
        LayerOut {
            id: "subsidence_areas",
            title: "采煤沉陷区",
            title_en: "Coal-mining subsidence areas",
            on_overlap: OnOverlap::Warn,
            rule: rules(seeds, &["tunliu_remediation_zone_mine_and_remediate"])?,
            source: src("第一章第二节 四；第五章第二节 二；表1-3"),
            region: REGION,
            description: "41 illustrative subsidence areas around 路村乡、上村镇、李高乡、麟绛镇 totalling the published 30 km²; those marked remediated total the published 16.5 km² (16.2 producing mines + 0.3 abandoned mines). Per-area figures are not published; the published figures (第一章第二节 四, 第五章第二节 二, 第一章第三节 三) and 表1-3 are the layer's facts.".into(),
            facts: vec![
                Fact::table("published_figures", &seeds.tunliu_subsidence),
                Fact::table("remediation_progress", &seeds.tunliu_remediation_progress),
            ],
            features: d.subsidence,
        },
        LayerOut {
            id: "ground_fissures",
            title: "地裂缝",
            title_en: "Ground fissures",
            on_overlap: OnOverlap::Warn,
            rule: rules(seeds, &["tunliu_remediation_zone_mine_and_remediate"])?,
            source: src("第一章第二节 四；第五章第二节 二"),
            region: REGION,
            description: "72 illustrative fissure lines at the rims of the subsidence areas (the published count); lengths are not published. A fissure conflicts when part of it lies inside the candidate (overlap_length_m).".into(),
            facts: vec![],
            features: d.fissures,
        },
        LayerOut {
            id: "remediation_zones",
            title: "矿山地质环境重点治理区",
            title_en: "Key mine-environment remediation zone",
            on_overlap: OnOverlap::Warn,
            rule: rules(seeds, &["tunliu_remediation_zone_mine_and_remediate"])?,
            source: src("表5-1；第五章第二节 二"),
            region: "襄垣县、屯留区、潞州区",
            description: "The key remediation zone of 表5-1, drawn with its published area (559.69 km², the whole zone across 襄垣县、屯留区 and 潞州区, so it extends beyond 屯留区 to the east). Outline illustrative.".into(),
            facts: vec![],
            features: d.remediation,
        },
        LayerOut {
            id: "prevention_zones",
            title: "矿山地质环境预防区",
            title_en: "Mine-environment prevention zone",
            on_overlap: OnOverlap::Warn,
            rule: rules(seeds, &["tunliu_prevention_zone_limit_damage"])?,
            source: src("第六章 二"),
            region: REGION,
            description: "潞安煤炭规划矿区Ⅲ3, about 135.5 km² in 屯留区's centre-east; outline illustrative.".into(),
            facts: vec![],
            features: d.prevention,
        },
        LayerOut {
            id: "exploration_blocks",
            title: "勘查规划区块",
            title_en: "Planned exploration blocks",
            on_overlap: OnOverlap::Info,
            rule: rules(seeds, &["tunliu_exploration_block_single_deposit_not_split", "tunliu_exploration_block_min_one_basic_block"])?,
            source: src("表4-4；第四章第二节"),
            region: REGION,
            description: "KQ001–KQ004 with their published areas; outlines illustrative, drawn along lines of longitude and latitude, clear of existing licences and of the three control lines as 第四章第二节 1 requires (a test checks it).".into(),
            facts: vec![],
            features: d.exploration_blocks,
        },
        LayerOut {
            id: "mining_blocks",
            title: "开采规划区块",
            title_en: "Planned mining blocks",
            on_overlap: OnOverlap::Info,
            rule: format!("科学划定开采规划区块，为依法合理配置矿业权提供依据（{PLAN} 第四章第三节 二）"),
            source: src("表4-5；第四章第三节"),
            region: REGION,
            description: "CQ001–CQ003 with their published areas; outlines illustrative. CQ003 and KQ004 have the same published area (13.91 km²) but nothing says they are the same block, so they are drawn apart.".into(),
            facts: vec![],
            features: d.mining_blocks,
        },
        LayerOut {
            id: "exploration_areas",
            title: "勘查区",
            title_en: "Explored areas (表1-1)",
            on_overlap: OnOverlap::Info,
            rule: format!("全区共有勘查区14个，煤炭地质勘查控制程度较高（{PLAN} 第一章第二节 二）"),
            source: src("表1-1"),
            region: REGION,
            description: "The 14 explored areas of 表1-1 with their published attributes. No areas or outlines are published; all drawn illustratively. Not exploration licences, so they only inform.".into(),
            facts: vec![],
            features: d.exploration_areas,
        },
        LayerOut {
            id: "key_exploration_areas",
            title: "重点勘查区",
            title_en: "Key exploration area",
            on_overlap: OnOverlap::Info,
            rule: format!("煤层气重点发展区域：在沁源区块煤层气重点勘查区内，落实省、市勘查和开采规划（{PLAN} 第三章第二节）"),
            source: src("表3-3；第三章第三节 一 3"),
            region: REGION,
            description: "沁源区块煤层气重点勘查区, 255.18 km² in 屯留区's north-west; outline illustrative.".into(),
            facts: vec![],
            features: d.key_exploration,
        },
        LayerOut {
            id: "national_mining_areas",
            title: "国家规划矿区",
            title_en: "National planned mining areas",
            on_overlap: OnOverlap::Info,
            rule: format!("国家规划矿区作为重点监管区域，实行统一规划、优化布局、提高门槛、优化资源配置（{PLAN} 第三章第三节 一 2）"),
            source: src("表3-2；第三章第三节 一 2"),
            region: REGION,
            description: "The 4 national planned mining areas, the part inside 屯留区: 霍东 at the west edge (张店镇), 潞安 over the centre and east, 晋城 at the south edge (李高乡), 沁水—屯留 (no area published) in the south-east. Outlines illustrative.".into(),
            facts: vec![],
            features: d.national,
        },
        LayerOut {
            id: "energy_bases",
            title: "能源资源基地",
            title_en: "Energy resource bases",
            on_overlap: OnOverlap::Info,
            rule: format!("积极落实省规划划定的建设晋中煤炭基地、晋东煤炭基地（{PLAN} 第三章第三节 一 1）"),
            source: src("表3-1；第三章第三节 一 1"),
            region: REGION,
            description: "晋中 (west) and 晋东 (east) split the district along an illustrative wavy line; their published areas leave 2.32 km² of the district in neither, drawn as a thin strip between them. 沁水盆地煤层气基地 (no area published): north-east and south-west parts.".into(),
            facts: vec![],
            features: d.energy,
        },
        LayerOut {
            id: "townships",
            title: "乡镇驻地",
            title_en: "Township seats",
            on_overlap: OnOverlap::Info,
            rule: format!("煤炭企业采区主要分布在李高乡、渔泽镇、路村乡、余吾镇、上村镇（{PLAN} 第一章第一节 六）"),
            source: src("第一章第一节 一、四、六；第一章第二节 一、四"),
            region: REGION,
            description: "The 11 townships as points at illustrative seats (no positions are published), with the plan's coal-mining and subsidence flags.".into(),
            facts: vec![],
            features: d.townships,
        },
    ];
    Ok(layers)
}
