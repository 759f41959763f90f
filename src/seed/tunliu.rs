//! 屯留区: the district outline and every layer the plan describes, drawn
//! where the plan's words put them.
//!
//! Places the plan names but does not map (township seats, the city, roads)
//! are illustrative positions chosen once here; everything else is placed
//! relative to them, fitted to its published area, and checked against the
//! plan's own rules before it is written.

use anyhow::{Context, bail, ensure};
use geo::{
    BooleanOps, BoundingRect, Centroid, Contains, Coord, Intersects, LineString, MultiPolygon,
    Polygon, Rect,
};
use serde_json::{Value, json};

use super::Seeds;
use super::csv::Row;
use super::geom::{
    self, area_km2, blob, clip, fit_area, fit_polygon, from_km, inside, offset, overlap, rect,
    rounded,
};
use super::output::{Feature, Geometry, LayerOut, seed_properties};
use super::rng::SplitMix64;
use crate::layer::OnOverlap;

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

/// Where a block goes: its centre and its staircase outline in km.
type BlockPlace = ((f64, f64), Vec<(f64, f64)>);

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

fn bbox(area: &MultiPolygon) -> Rect {
    area.bounding_rect().expect("a non-empty area")
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
    let in_district = |what: &str, a: &MultiPolygon| -> anyhow::Result<()> {
        ensure!(
            inside(&district, a),
            "{what} is not inside the 屯留区 outline (outside: {:?})",
            a.difference(&district).bounding_rect()
        );
        Ok(())
    };

    // --- planning blocks (表4-4, 表4-5) ------------------------------------
    let stair = |w: f64, h: f64| {
        vec![
            (-w, -h),
            (w, -h),
            (w, h * 0.4),
            (w * 0.6, h * 0.4),
            (w * 0.6, h),
            (-w, h),
        ]
    };
    let kq_places: [BlockPlace; 4] = [
        ((112.705, 36.381), stair(4.6, 2.5)), // KQ001 上莲, north, 吾元—西贾
        ((112.565, 36.282), stair(2.9, 2.6)), // KQ002 屯留西村, west
        ((112.668, 36.272), stair(5.0, 3.9)), // KQ003 河神庙井田, 河神庙乡, south of G309
        ((112.548, 36.380), stair(1.9, 1.9)), // KQ004 煤层气勘查2, north-west (CBM)
    ];
    let mut exploration_blocks = Vec::new();
    for (row, (center, shape)) in seeds.tunliu_exploration_blocks.rows().zip(kq_places.iter()) {
        let km2 = row.number("area_km2")?.context("block area")?;
        let area = block(row.get("code"), *center, shape, km2)?;
        in_district(row.get("code"), &area)?;
        exploration_blocks.push(feature(
            row.get("code"),
            seed_properties(&row),
            Some(km2),
            area,
        ));
    }
    ensure!(exploration_blocks.len() == 4, "expected KQ001–KQ004");

    let cq_places: [BlockPlace; 3] = [
        ((112.800, 36.383), stair(3.4, 3.4)), // CQ001 夏店井田, north, towards 襄垣县
        ((112.745, 36.343), stair(1.2, 0.95)), // CQ002 康庄煤矿
        ((112.595, 36.353), stair(1.9, 1.9)), // CQ003 煤层气开采区2
    ];
    let mut mining_blocks = Vec::new();
    for (row, (center, shape)) in seeds.tunliu_mining_blocks.rows().zip(cq_places.iter()) {
        let km2 = row.number("area_km2")?.context("block area")?;
        let area = block(row.get("code"), *center, shape, km2)?;
        in_district(row.get("code"), &area)?;
        mining_blocks.push(feature(
            row.get("code"),
            seed_properties(&row),
            Some(km2),
            area,
        ));
    }

    // --- existing mining licences (表1-2) -------------------------------------
    // (centre, semi-axes km, turn°) by licence order in the table.
    let right_places = [
        ((112.948, 36.372), (6.8, 5.5), 0.0), // 古城井田, 渔泽镇 (north-east)
        ((112.958, 36.243), (4.9, 5.3), -10.0), // 常村, 路村乡 / 上村镇
        ((112.888, 36.183), (1.9, 1.9), 20.0), // 郭庄, 李高乡
        ((112.800, 36.258), (6.2, 6.8), 8.0), // 余吾, 余吾镇
        ((113.004, 36.302), (1.25, 1.35), 0.0), // 小南村 (停产), 路村乡
    ];
    let mut rights = Vec::new();
    for (row, (center, radii, turn)) in seeds.tunliu_mining_rights.rows().zip(right_places) {
        let km2 = row.number("area_km2")?.context("licence area")?;
        let area = licence(row.get("licence_no"), center, radii, turn, km2)?;
        in_district(row.get("mine_name"), &area)?;
        rights.push(feature(
            row.get("licence_no"),
            named(&row, "mine_name"),
            Some(km2),
            area,
        ));
    }
    let area_of = |f: &Feature| match &f.geometry {
        Geometry::Area(a) => a.clone(),
        _ => unreachable!("polygon layer"),
    };
    for (i, a) in rights.iter().enumerate() {
        for b in &rights[i + 1..] {
            ensure!(
                !overlap(&area_of(a), &area_of(b)),
                "licences {} and {} overlap",
                a.id,
                b.id
            );
        }
        for block in exploration_blocks.iter().chain(&mining_blocks) {
            ensure!(
                !overlap(&area_of(a), &area_of(block)),
                "licence {} overlaps block {} (第四章第二节 1（1）)",
                a.id,
                block.id
            );
        }
    }

    // --- urban development boundary and prohibited zones (第三章第三节 三) -----
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
    in_district("urban boundary", &urban)?;

    let kanshousuo = rect(112.6950, 36.3360, 112.7020, 36.3410);
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
            7 => clip(&geom::corridor(&path(&G309), 0.04), &district),
            8 => mp(kanshousuo.clone()),
            9 => mp(spot((112.665, 36.344), (0.6, 0.5), 12)), // 水源地
            10 => mp(rect(112.915, 36.352, 112.945, 36.357)), // 飞机场 (a strip)
            11 => clip(&geom::corridor(&path(&S228), 0.035), &district),
            12 => {
                let roads: Vec<MultiPolygon> = LINK_ROADS
                    .iter()
                    .map(|r| mp(geom::corridor(&path(r), 0.03)))
                    .collect();
                let mut all = roads[0].clone();
                for r in &roads[1..] {
                    all = all.union(r);
                }
                all.intersection(&district)
            }
            _ => bail!("unexpected prohibited zone {seq}"),
        };
        let shape = rounded(&shape);
        crate::geom::validate::check_multipolygon(&shape)
            .map_err(|e| anyhow::anyhow!("prohibited zone {seq}: {e}"))?;
        in_district(row.get("name"), &shape)?;
        zone_shapes.push(shape);
    }
    let prohibited: Vec<Feature> = seeds
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
        .collect();

    // --- ecological red line: the western mountains (盘秀山 …) and the north --
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
        let area = rounded(&area.intersection(&district));
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

    // --- upper-level zones (表3-1, 表3-2, 表3-3, 第六章, 表5-1) ---------------
    let west_of = |x: f64| -> Polygon {
        // A wavy north–south line at longitude x, the district west of it.
        let mut pts = vec![Coord {
            x: extent.west - 0.1,
            y: extent.south - 0.1,
        }];
        for k in 0..=12 {
            let y = extent.south - 0.01 + (extent.north - extent.south + 0.02) * k as f64 / 12.0;
            pts.push(Coord {
                x: x + 0.012 * (k as f64 * 1.3).sin() + 0.006 * (k as f64 * 2.9).cos(),
                y,
            });
        }
        pts.push(Coord {
            x: extent.west - 0.1,
            y: extent.north + 0.1,
        });
        Polygon::new(geom::ring(pts), vec![])
    };
    let x_span = (extent.west - 0.05, extent.east + 0.05);
    let lerp = |s: f64| x_span.0 + s * (x_span.1 - x_span.0);
    let west_part = |s: f64| clip(&west_of(lerp(s)), &district);
    let east_part = |s: f64| district.difference(&mp(west_of(lerp(1.0 - s))));

    let mut energy = Vec::new();
    for row in seeds.tunliu_energy_bases.rows() {
        let published = row.number("area_km2")?;
        let area = match (row.get("location_in_district"), published) {
            (loc, Some(km2)) if loc.contains("西部") => {
                fit_area(row.get("name"), km2, (0.0, 1.0), west_part)?
            }
            (loc, Some(km2)) if loc.contains("东部") => {
                fit_area(row.get("name"), km2, (0.0, 1.0), east_part)?
            }
            (_, None) => {
                // 沁水盆地煤层气基地: 东北部及西南部, no area published.
                let mut rng = SplitMix64::for_name(row.get("name"));
                let ne = blob(&mut rng, (112.975, 36.395), (6.0, 4.5), 0.0, 24, 0.15);
                let sw = blob(&mut rng, (112.600, 36.245), (7.0, 4.0), 0.0, 24, 0.15);
                rounded(&clip(&ne, &district).union(&clip(&sw, &district)))
            }
            (loc, _) => bail!("energy base placed {loc}?"),
        };
        energy.push(feature(
            format!("EB{}", energy.len() + 1),
            seed_properties(&row),
            published,
            area,
        ));
    }

    let mut national = Vec::new();
    let jincheng_center = Coord {
        x: extent.west + 0.80 * (extent.east - extent.west),
        y: extent.south,
    };
    let huodong_center = Coord {
        x: extent.west,
        y: extent.south + 0.55 * (extent.north - extent.south),
    };
    let disc_polygon = |center: Coord, s: f64| {
        let mut rng = SplitMix64::for_name("disc");
        blob(&mut rng, center.x_y(), (s, s * 0.9), 0.0, 24, 0.08)
    };
    let disc = |center: Coord, s: f64| clip(&disc_polygon(center, s), &district);
    let (jincheng, jincheng_scale) =
        geom::fit_scale("晋城", 4.29, (0.1, 6.0), |s| disc(jincheng_center, s))?;
    for row in seeds.tunliu_national_mining_areas.rows() {
        let published = row.number("area_km2")?;
        let name = row.get("name");
        let area = match (name, published) {
            (n, Some(km2)) if n.starts_with("霍东") => {
                fit_area(n, km2, (0.1, 8.0), |s| disc(huodong_center, s))?
            }
            (n, Some(km2)) if n.starts_with("晋城") => {
                ensure!((km2 - 4.29).abs() < 1e-9, "晋城 area changed in seeds");
                jincheng.clone()
            }
            (n, Some(km2)) if n.starts_with("潞安") => {
                let cut = mp(disc_polygon(jincheng_center, jincheng_scale * 1.02));
                fit_area(n, km2, (0.0, 1.0), |s| east_part(s).difference(&cut))?
            }
            (n, None) => {
                let mut rng = SplitMix64::for_name(n);
                rounded(&clip(
                    &blob(&mut rng, (112.975, 36.205), (7.5, 5.5), 0.0, 24, 0.15),
                    &district,
                ))
            }
            (n, _) => bail!("national planned mining area {n}?"),
        };
        national.push(feature(
            format!("GK{}", national.len() + 1),
            seed_properties(&row),
            published,
            area,
        ));
    }

    let mut key_exploration = Vec::new();
    for row in seeds.tunliu_key_exploration_areas.rows() {
        let km2 = row.number("area_km2")?.context("key exploration area")?;
        let mut rng = SplitMix64::for_name(row.get("name"));
        let base = blob(&mut rng, (112.545, 36.395), (11.0, 6.0), -8.0, 30, 0.12);
        let area = fit_area(row.get("name"), km2, (0.2, 3.0), |s| {
            clip(&geom::scaled(&base, c((112.545, 36.395)), s), &district)
        })?;
        key_exploration.push(feature(
            format!("ZK{}", row.get("seq")),
            seed_properties(&row),
            Some(km2),
            area,
        ));
    }

    let mut prevention = Vec::new();
    for row in seeds.tunliu_prevention_zones.rows() {
        let km2 = row.number("area_km2")?.context("prevention zone")?;
        let mut rng = SplitMix64::for_name(row.get("name"));
        let center = (112.955, 36.258);
        let base = blob(&mut rng, center, (6.0, 7.5), 0.0, 30, 0.12);
        let area = fit_area(row.get("name"), km2, (0.2, 3.0), |s| {
            clip(&geom::scaled(&base, c(center), s), &district)
        })?;
        prevention.push(feature("YF1", seed_properties(&row), Some(km2), area));
    }

    // The key remediation zone spans 襄垣县、屯留区和潞州区: its published area
    // is the whole zone, so it runs out of 屯留区 to the north-east and east.
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
    let remediation_area = area_of(&remediation[0]);

    // --- example places -----------------------------------------------------
    let m = 1.0 / 60.0;
    let examples = ExamplePlaces {
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
    };

    // --- subsidence areas (41) and ground fissures (72) -------------------------
    let sub = Subsidence::from_seeds(seeds)?;
    let keep_clear: Vec<MultiPolygon> = exploration_blocks
        .iter()
        .chain(&mining_blocks)
        .map(area_of)
        .chain([urban.clone()])
        .chain([
            mp(examples.mining_right.clone()),
            mp(examples.adjacent.clone()),
            mp(examples.clean.clone()),
        ])
        .collect();
    let (subsidence, fissures) = subsidence_layers(
        seeds,
        &sub,
        &district,
        &remediation_area,
        &keep_clear,
        &examples,
    )?;

    // --- permanent basic farmland ------------------------------------------
    let mut farmland_clear: Vec<MultiPolygon> = exploration_blocks
        .iter()
        .chain(&mining_blocks)
        .chain(&prohibited)
        .chain(&redline)
        .map(area_of)
        .collect();
    farmland_clear.push(urban.clone());
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
    let farmland = farmland_parcels(&district, &farmland_clear)?;

    // --- checks of the plan's own rules ----------------------------------------
    let hard: Vec<MultiPolygon> = rights
        .iter()
        .chain(&prohibited)
        .chain(&redline)
        .chain(&farmland)
        .map(area_of)
        .chain([urban.clone()])
        .collect();
    for b in exploration_blocks.iter().chain(&mining_blocks) {
        let a = area_of(b);
        let ab = bbox(&a);
        for h in &hard {
            if bbox(h).intersects(&ab) && overlap(&a, h) {
                bail!(
                    "planning block {} overlaps a hard constraint (第四章第二节 1（1）、（7）)",
                    b.id
                );
            }
        }
    }

    let district_feature = {
        let mut props = seed_properties(&district_row);
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
        feature("屯留区", props, Some(district_km2), area)
    };

    let townships: Vec<Feature> = seeds
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
        .collect();

    let exploration_areas = exploration_area_layer(seeds, &district, &exploration_blocks)?;

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
            features: redline,
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
            features: farmland,
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
            features: vec![feature("UB1", unpublished("中心城区城镇开发边界（示意）", &src("第四章第二节 1（7）names the boundary; none is published")), None, urban)],
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
            features: prohibited,
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
            features: rights,
        },
        LayerOut {
            id: "subsidence_areas",
            title: "采煤沉陷区",
            title_en: "Coal-mining subsidence areas",
            on_overlap: OnOverlap::Warn,
            rule: rules(seeds, &["tunliu_remediation_zone_mine_and_remediate"])?,
            source: src("第一章第二节 四；第五章第二节 二；表1-3"),
            region: REGION,
            description: "41 illustrative subsidence areas around 路村乡、上村镇、李高乡、麟绛镇 totalling the published 30 km²; those marked remediated total the published 16.5 km² (16.2 producing mines + 0.3 abandoned mines). Per-area figures are not published.".into(),
            features: subsidence,
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
            features: fissures,
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
            features: remediation,
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
            features: prevention,
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
            features: exploration_blocks,
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
            features: mining_blocks,
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
            features: exploration_areas,
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
            features: key_exploration,
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
            features: national,
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
            features: energy,
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
            features: townships,
        },
    ];
    let _ = remediation_area;
    Ok(Tunliu {
        layers,
        district_feature,
        examples,
    })
}

/// The subsidence figures the layer must add up to.
pub struct Subsidence {
    pub count: usize,
    pub fissures: usize,
    pub total_km2: f64,
    pub producing_remediated_km2: f64,
    pub abandoned_remediated_km2: f64,
}

impl Subsidence {
    fn from_seeds(seeds: &Seeds) -> anyhow::Result<Self> {
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

fn subsidence_layers(
    seeds: &Seeds,
    sub: &Subsidence,
    district: &MultiPolygon,
    remediation: &MultiPolygon,
    keep_clear: &[MultiPolygon],
    examples: &ExamplePlaces,
) -> anyhow::Result<(Vec<Feature>, Vec<Feature>)> {
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

    // Per-area figures are not published: the totals ride on SA01, all of them.
    let all_rows = |table: &super::Table| -> Value {
        Value::Array(
            table
                .rows()
                .map(|r| Value::Object(seed_properties(&r)))
                .collect(),
        )
    };
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
            if i == 0 {
                props.insert(
                    "published_figures".into(),
                    all_rows(&seeds.tunliu_subsidence),
                );
                props.insert(
                    "remediation_progress".into(),
                    all_rows(&seeds.tunliu_remediation_progress),
                );
            }
            feature(format!("SA{:02}", i + 1), props, None, area)
        })
        .collect::<Vec<_>>();

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
    Ok((subsidence, fissures))
}

fn geom_distance_km(a: Coord, b: Coord) -> f64 {
    let kx = 111.32 * a.y.to_radians().cos();
    ((a.x - b.x) * kx).hypot((a.y - b.y) * 110.95)
}

/// Illustrative parcels of permanent basic farmland on a jittered grid:
/// one parcel per cell at most, so parcels never overlap.
fn farmland_parcels(
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
            crate::geom::validate::check_multipolygon(&area)
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

fn exploration_area_layer(
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
        crate::geom::validate::check_multipolygon(&area)
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
