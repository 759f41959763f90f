//! Basic unit blocks (基本单位区块): cells of 1′ of longitude by 1′ of
//! latitude on which exploration licences are registered and counted
//! (《矿产资源勘查区块登记管理办法》 第三条).

use geo::{BoundingRect, Coord, LineString, MultiPolygon, Polygon, Rect};
use serde::Serialize;

use crate::deadline::Deadline;
use crate::geom::geodesy;

/// Below this share of a block (≈28 m² of ≈2.77 km²), an overlap is rounding
/// noise, not a touch; within it of the whole block, the block is whole.
/// Corner points are published to the centimetre, so a block-aligned licence
/// in Gauss-Krüger coordinates misses the 1′ grid by up to ~0.5 cm along
/// 1.5 km edges (a few m²): that must neither add a block nor split one.
const MIN_SHARE: f64 = 1e-5;

/// One basic unit block a candidate touches.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Block {
    /// Stable code from the south-west corner: `E112°26′N36°08′` → `E11226N3608`.
    pub code: String,
    /// South-west corner, degrees (longitude, latitude).
    pub south_west: [f64; 2],
    /// The candidate covers the whole block.
    pub whole: bool,
    pub block_area_m2: f64,
    /// Area of the candidate inside the block.
    pub overlap_area_m2: f64,
}

/// The blocks a candidate touches and its size counted in blocks.
#[derive(Debug, Clone, Serialize)]
pub struct BlockCount {
    pub whole: usize,
    pub partial: usize,
    pub touched: usize,
    /// Σ overlap / block area: the candidate's area in blocks.
    pub area_in_blocks: f64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blocks: Vec<Block>,
}

/// The candidate's rings, each with the sign its area counts with.
struct Rings(Vec<(LineString, f64)>);

impl Rings {
    fn of(area: &MultiPolygon) -> Self {
        use geo::Area;
        let mut rings = Vec::new();
        for polygon in &area.0 {
            for (i, ring) in std::iter::once(polygon.exterior())
                .chain(polygon.interiors())
                .enumerate()
            {
                if ring.0.len() < 4 {
                    continue;
                }
                // Clipping keeps a ring's direction: undo it, and let holes subtract.
                let direction = Polygon::new(ring.clone(), vec![]).signed_area().signum();
                let role = if i == 0 { 1.0 } else { -1.0 };
                rings.push((ring.clone(), direction * role));
            }
        }
        Rings(rings)
    }

    /// The rings cut down to `rect` (linear in their vertices, no boolean
    /// operation); a ring that misses the box is dropped.
    fn clipped_to(&self, rect: Rect) -> Rings {
        Rings(
            self.0
                .iter()
                .filter(|(ring, _)| {
                    ring.bounding_rect().is_some_and(|b| {
                        b.max().x >= rect.min().x
                            && b.min().x <= rect.max().x
                            && b.max().y >= rect.min().y
                            && b.min().y <= rect.max().y
                    })
                })
                .map(|(ring, sign)| (crate::geom::clip::clip_ring(ring, rect), *sign))
                .filter(|(clipped, _)| clipped.0.len() >= 4)
                .collect(),
        )
    }

    /// Area in square degrees: only to tell an empty or wholly covered part
    /// of the grid from one the boundary crosses.
    fn planar_area(&self) -> f64 {
        use geo::Area;
        self.0
            .iter()
            .map(|(ring, sign)| sign * Polygon::new(ring.clone(), vec![]).signed_area())
            .sum()
    }

    /// Ellipsoid area of the rings (already cut to one block).
    fn area_m2(&self) -> f64 {
        let total: f64 = self
            .0
            .iter()
            .map(|(ring, sign)| sign * geodesy::ring_signed_area_m2(ring))
            .sum();
        total.max(0.0)
    }
}

/// A block's code from its south-west corner in whole minutes.
pub fn code(lon_minutes: i64, lat_minutes: i64) -> String {
    let ew = if lon_minutes < 0 { 'W' } else { 'E' };
    let ns = if lat_minutes < 0 { 'S' } else { 'N' };
    let (lon, lat) = (lon_minutes.abs(), lat_minutes.abs());
    format!(
        "{ew}{:03}{:02}{ns}{:02}{:02}",
        lon / 60,
        lon % 60,
        lat / 60,
        lat % 60
    )
}

fn block_rect(lon_minutes: i64, lat_minutes: i64) -> Rect {
    Rect::new(
        Coord {
            x: lon_minutes as f64 / 60.0,
            y: lat_minutes as f64 / 60.0,
        },
        Coord {
            x: (lon_minutes + 1) as f64 / 60.0,
            y: (lat_minutes + 1) as f64 / 60.0,
        },
    )
}

/// A piece of the candidate's block grid: the blocks of one row that it
/// covers wholly, or one block its boundary crosses.
enum Piece {
    /// Columns `lon_minutes` of row `lat_minutes`, each of `block_area_m2`.
    Whole {
        lat_minutes: i64,
        lon_minutes: std::ops::Range<i64>,
        block_area_m2: f64,
    },
    Partial(Block),
}

/// Part of the grid in whole minutes, ends exclusive.
#[derive(Clone, Copy)]
struct Cells {
    lon: (i64, i64),
    lat: (i64, i64),
}

impl Cells {
    fn rect(self) -> Rect {
        Rect::new(
            Coord {
                x: self.lon.0 as f64 / 60.0,
                y: self.lat.0 as f64 / 60.0,
            },
            Coord {
                x: self.lon.1 as f64 / 60.0,
                y: self.lat.1 as f64 / 60.0,
            },
        )
    }

    fn count(self) -> i64 {
        (self.lon.1 - self.lon.0) * (self.lat.1 - self.lat.0)
    }
}

/// Square degrees of one block: below this share of it, planar area is
/// noise; the geodesic rules of [`MIN_SHARE`] decide single blocks.
const PLANAR_BLOCK: f64 = 1.0 / 3600.0;
const PLANAR_NOISE: f64 = 1e-7 * PLANAR_BLOCK;

/// Visits the grid the way its boundary runs, not cell by cell: a part of
/// the grid the candidate misses is dropped, one it covers wholly is whole
/// blocks row by row, and only a part the boundary crosses is halved (along
/// its longer side) and each half cut from its parent's cut. The work so
/// follows the boundary and the rows the candidate spans, whatever its box.
fn visit(area: &MultiPolygon, emit: &mut impl FnMut(Piece)) {
    let Some(bbox) = area.bounding_rect() else {
        return;
    };
    let minutes = |v: f64| (v * 60.0).floor() as i64;
    let cells = Cells {
        lon: (minutes(bbox.min().x), minutes(bbox.max().x) + 1),
        lat: (minutes(bbox.min().y), minutes(bbox.max().y) + 1),
    };
    let rings = Rings::of(area).clipped_to(cells.rect());
    // Past the request's deadline the walk stops; the screening that asked
    // discards what it got.
    descend(cells, &rings, &crate::deadline::Deadline::current(), emit);
}

fn descend(cells: Cells, rings: &Rings, deadline: &Deadline, emit: &mut impl FnMut(Piece)) {
    if deadline.expired() {
        return;
    }
    let planar = rings.planar_area();
    if planar <= PLANAR_NOISE {
        return;
    }
    let whole_grid = cells.count() as f64 * PLANAR_BLOCK;
    if whole_grid - planar <= PLANAR_NOISE && cells.count() > 1 {
        for lat in cells.lat.0..cells.lat.1 {
            emit(Piece::Whole {
                lat_minutes: lat,
                lon_minutes: cells.lon.0..cells.lon.1,
                block_area_m2: geodesy::polygon_area_m2(&block_rect(cells.lon.0, lat).to_polygon()),
            });
        }
        return;
    }
    if cells.count() == 1 {
        let (lon, lat) = (cells.lon.0, cells.lat.0);
        let rect = block_rect(lon, lat);
        let block_area_m2 = geodesy::polygon_area_m2(&rect.to_polygon());
        let overlap_area_m2 = rings.area_m2();
        if overlap_area_m2 <= MIN_SHARE * block_area_m2 {
            return;
        }
        let whole = (block_area_m2 - overlap_area_m2).abs() <= MIN_SHARE * block_area_m2;
        emit(Piece::Partial(Block {
            code: code(lon, lat),
            south_west: [rect.min().x, rect.min().y],
            whole,
            block_area_m2,
            overlap_area_m2,
        }));
        return;
    }
    let (a, b) = if cells.lon.1 - cells.lon.0 >= cells.lat.1 - cells.lat.0 {
        let mid = (cells.lon.0 + cells.lon.1) / 2;
        (
            Cells {
                lon: (cells.lon.0, mid),
                ..cells
            },
            Cells {
                lon: (mid, cells.lon.1),
                ..cells
            },
        )
    } else {
        let mid = (cells.lat.0 + cells.lat.1) / 2;
        (
            Cells {
                lat: (cells.lat.0, mid),
                ..cells
            },
            Cells {
                lat: (mid, cells.lat.1),
                ..cells
            },
        )
    };
    for half in [a, b] {
        descend(half, &rings.clipped_to(half.rect()), deadline, emit);
    }
}

/// Every block the candidate (CRS84) overlaps with positive area, row by
/// row from the south, west to east.
pub fn blocks_of(area: &MultiPolygon) -> Vec<Block> {
    let mut out = Vec::new();
    visit(area, &mut |piece| match piece {
        Piece::Partial(block) => out.push(block),
        Piece::Whole {
            lat_minutes,
            lon_minutes,
            block_area_m2,
        } => out.extend(lon_minutes.map(|lon| Block {
            code: code(lon, lat_minutes),
            south_west: [lon as f64 / 60.0, lat_minutes as f64 / 60.0],
            whole: true,
            block_area_m2,
            overlap_area_m2: block_area_m2,
        })),
    });
    out.sort_by(|a, b| {
        (a.south_west[1], a.south_west[0])
            .partial_cmp(&(b.south_west[1], b.south_west[0]))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    out
}

/// Counts the blocks; `list` keeps the block list in the answer. Without the
/// list, whole blocks are counted a row at a time and never listed.
pub fn count(area: &MultiPolygon, list: bool) -> BlockCount {
    if list {
        let blocks = blocks_of(area);
        let whole = blocks.iter().filter(|b| b.whole).count();
        return BlockCount {
            whole,
            partial: blocks.len() - whole,
            touched: blocks.len(),
            area_in_blocks: blocks
                .iter()
                .map(|b| b.overlap_area_m2 / b.block_area_m2)
                .sum(),
            blocks,
        };
    }
    let (mut whole, mut partial, mut area_in_blocks) = (0, 0, 0.0);
    visit(area, &mut |piece| match piece {
        Piece::Whole { lon_minutes, .. } => {
            whole += lon_minutes.clone().count();
            area_in_blocks += lon_minutes.count() as f64;
        }
        Piece::Partial(b) => {
            if b.whole {
                whole += 1;
            } else {
                partial += 1;
            }
            area_in_blocks += b.overlap_area_m2 / b.block_area_m2;
        }
    });
    BlockCount {
        whole,
        partial,
        touched: whole + partial,
        area_in_blocks,
        blocks: Vec::new(),
    }
}

/// How a free-hand candidate becomes block-aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SnapMode {
    /// Every block the candidate touches.
    Cover,
    /// Only the blocks wholly inside the candidate.
    Inside,
}

/// The kinds of mineral whose exploration licences have a cap on blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MineralClass {
    MineralWater,
    MetalOrNonMetal,
    CoalOrGeothermal,
    OilAndGas,
}

impl MineralClass {
    /// Reads a mineral name (Chinese or English) into its class.
    pub fn of(mineral: &str) -> Option<MineralClass> {
        let m = mineral.trim().to_lowercase();
        let any = |words: &[&str]| words.iter().any(|w| m.contains(w));
        if any(&["矿泉水", "mineral_water", "mineral water"]) {
            Some(MineralClass::MineralWater)
        } else if any(&["石油", "天然气", "煤层气", "页岩气", "oil", "gas"]) {
            Some(MineralClass::OilAndGas)
        } else if any(&["煤", "地热", "coal", "geothermal"]) {
            Some(MineralClass::CoalOrGeothermal)
        } else if any(&[
            "metal",
            "金属",
            "铁",
            "铜",
            "铝",
            "金",
            "银",
            "铅",
            "锌",
            "石灰岩",
            "白云岩",
            "砂",
            "石",
            "粘土",
            "黏土",
            "硫",
            "磷",
        ]) {
            Some(MineralClass::MetalOrNonMetal)
        } else {
            None
        }
    }

    /// Most blocks one exploration licence may hold.
    pub fn max_blocks(self) -> usize {
        match self {
            MineralClass::MineralWater => 10,
            MineralClass::MetalOrNonMetal => 40,
            MineralClass::CoalOrGeothermal => 200,
            MineralClass::OilAndGas => 2500,
        }
    }
}

/// The block-aligned polygon and its blocks.
#[derive(Debug, Clone)]
pub struct Snapped {
    pub area: MultiPolygon,
    pub blocks: Vec<Block>,
}

/// Snaps a candidate (CRS84) to whole blocks.
pub fn snap(area: &MultiPolygon, mode: SnapMode) -> Snapped {
    let blocks: Vec<Block> = blocks_of(area)
        .into_iter()
        .filter(|b| mode == SnapMode::Cover || b.whole)
        .collect();
    // One rectangle per run of neighbouring blocks in a row: the union then
    // takes rows, not every block of a large candidate.
    let mut runs: Vec<(i64, i64, i64)> = Vec::new();
    for b in &blocks {
        let lon = (b.south_west[0] * 60.0).round() as i64;
        let lat = (b.south_west[1] * 60.0).round() as i64;
        match runs.last_mut() {
            Some((row, _, end)) if *row == lat && *end == lon => *end = lon + 1,
            _ => runs.push((lat, lon, lon + 1)),
        }
    }
    let cells: Vec<Polygon> = runs
        .iter()
        .map(|&(lat, lon0, lon1)| {
            Cells {
                lon: (lon0, lon1),
                lat: (lat, lat + 1),
            }
            .rect()
            .to_polygon()
        })
        .collect();
    let area = if cells.is_empty() {
        MultiPolygon(vec![])
    } else {
        with_grid_corners(geo::unary_union(&cells))
    };
    Snapped { area, blocks }
}

/// Puts back the 1′ grid corners the union drops along straight runs of the
/// outline: edges are geodesics, so a long edge would bulge away from the
/// blocks' own minute-long edges and enclose a different area.
fn with_grid_corners(area: MultiPolygon) -> MultiPolygon {
    let minute = 1.0 / 60.0;
    let densify = |ring: &geo::LineString| {
        let mut out: Vec<Coord> = Vec::with_capacity(ring.0.len());
        for pair in ring.0.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            out.push(a);
            let steps = ((b.x - a.x).abs().max((b.y - a.y).abs()) / minute).round() as usize;
            let straight = (a.x - b.x).abs() < 1e-9 || (a.y - b.y).abs() < 1e-9;
            if straight && steps > 1 {
                for k in 1..steps {
                    let t = k as f64 / steps as f64;
                    out.push(Coord {
                        x: a.x + t * (b.x - a.x),
                        y: a.y + t * (b.y - a.y),
                    });
                }
            }
        }
        out.extend(ring.0.last().copied());
        geo::LineString(out)
    };
    MultiPolygon(
        area.0
            .iter()
            .map(|p| {
                Polygon::new(
                    densify(p.exterior()),
                    p.interiors().iter().map(densify).collect(),
                )
            })
            .collect(),
    )
}

/// The answer of `POST /blocks/snap`.
#[derive(Debug, Clone, Serialize)]
pub struct SnapReport {
    pub mode: SnapMode,
    pub candidate: crate::geom::geodesy::AreaFigures,
    pub block_count: usize,
    pub blocks: Vec<Block>,
    /// The block-aligned polygon (CRS84) and its ellipsoid area.
    pub snapped: SnappedArea,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mineral: Option<String>,
    /// The cap on blocks for the mineral, and whether the snapped block keeps to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cap: Option<Cap>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SnappedArea {
    #[serde(flatten)]
    pub area: crate::geom::geodesy::AreaFigures,
    pub geometry: serde_json::Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cap {
    pub class: MineralClass,
    pub max_blocks: usize,
    pub within: bool,
}

/// Snaps a candidate and checks the cap for its mineral.
pub fn snap_report(
    area: &MultiPolygon,
    mode: SnapMode,
    mineral: Option<&str>,
) -> Result<SnapReport, crate::deadline::DeadlineExceeded> {
    let snapped = snap(area, mode);
    Deadline::current().check()?;
    let cap = mineral.and_then(MineralClass::of).map(|class| Cap {
        class,
        max_blocks: class.max_blocks(),
        within: snapped.blocks.len() <= class.max_blocks(),
    });
    Ok(SnapReport {
        mode,
        candidate: crate::geom::geodesy::AreaFigures::from_m2(geodesy::multipolygon_area_m2(area)),
        block_count: snapped.blocks.len(),
        snapped: SnappedArea {
            area: crate::geom::geodesy::AreaFigures::from_m2(geodesy::multipolygon_area_m2(
                &snapped.area,
            )),
            geometry: crate::geom::geojson::area_geometry(&snapped.area),
        },
        blocks: snapped.blocks,
        mineral: mineral.map(str::to_string),
        cap,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn a_block_code_names_its_south_west_corner_in_degrees_and_minutes() {
        assert_eq!(code(112 * 60 + 26, 36 * 60 + 8), "E11226N3608");
    }

    #[test]
    fn a_candidate_of_exactly_one_block_is_one_whole_block() {
        let (x, y) = (112.5, 36.25);
        let m = 1.0 / 60.0;
        let one = MultiPolygon(vec![
            polygon![(x: x, y: y), (x: x + m, y: y), (x: x + m, y: y + m), (x: x, y: y + m)],
        ]);
        let c = count(&one, true);
        assert_eq!((c.whole, c.partial), (1, 0));
        assert!((c.area_in_blocks - 1.0).abs() < 1e-9);
        assert_eq!(c.blocks[0].code, "E11230N3615");
    }

    #[test]
    fn a_snapped_outline_keeps_every_grid_corner_so_its_area_is_the_blocks_area() {
        // Three blocks in a row: the union alone would keep only the 4 outer corners.
        let (x, y, m) = (112.5, 36.25, 1.0 / 60.0);
        let row = MultiPolygon(vec![
            polygon![(x: x + 0.1 * m, y: y + 0.1 * m), (x: x + 2.9 * m, y: y + 0.1 * m), (x: x + 2.9 * m, y: y + 0.9 * m), (x: x + 0.1 * m, y: y + 0.9 * m)],
        ]);
        let snapped = snap(&row, SnapMode::Cover);
        assert_eq!(snapped.blocks.len(), 3);
        assert_eq!(snapped.area.0[0].exterior().0.len(), 9);
        let blocks: f64 = snapped.blocks.iter().map(|b| b.block_area_m2).sum();
        let outline = geodesy::multipolygon_area_m2(&snapped.area);
        assert!(
            (outline - blocks).abs() < 1e-6 * blocks,
            "{outline} {blocks}"
        );
    }

    #[test]
    fn minerals_map_to_the_caps_of_the_registration_rules() {
        assert_eq!(MineralClass::of("煤").unwrap().max_blocks(), 200);
        assert_eq!(MineralClass::of("煤层气").unwrap().max_blocks(), 2500);
        assert_eq!(MineralClass::of("矿泉水").unwrap().max_blocks(), 10);
        assert_eq!(MineralClass::of("铁矿").unwrap().max_blocks(), 40);
        assert_eq!(MineralClass::of("地热").unwrap().max_blocks(), 200);
    }
}
