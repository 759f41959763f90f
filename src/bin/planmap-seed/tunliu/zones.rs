//! The upper-level planning zones the district lies in: energy resource
//! bases (表3-1), national planned mining areas (表3-2) and the key
//! exploration area (表3-3).

use anyhow::{Context, bail, ensure};
use geo::{BooleanOps, Coord, MultiPolygon, Polygon};

use super::{Extent, Seeds, c, feature, mp};
use crate::geom::{self, blob, clip, fit_area, rounded};
use crate::output::{Feature, seed_properties};
use crate::rng::SplitMix64;

/// The district cut along a wavy north–south line: the part west of it, or
/// the part east of it, growing with a share `s` in [0, 1].
pub(super) struct Halves<'a> {
    extent: &'a Extent,
    district: &'a MultiPolygon,
}

impl<'a> Halves<'a> {
    pub(super) fn new(extent: &'a Extent, district: &'a MultiPolygon) -> Self {
        Halves { extent, district }
    }

    /// A wavy north–south line at longitude x, everything west of it.
    fn west_of(&self, x: f64) -> Polygon {
        let extent = self.extent;
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
    }

    fn lerp(&self, s: f64) -> f64 {
        let x_span = (self.extent.west - 0.05, self.extent.east + 0.05);
        x_span.0 + s * (x_span.1 - x_span.0)
    }

    pub(super) fn west_part(&self, s: f64) -> MultiPolygon {
        clip(&self.west_of(self.lerp(s)), self.district)
    }

    pub(super) fn east_part(&self, s: f64) -> MultiPolygon {
        self.district
            .difference(&mp(self.west_of(self.lerp(1.0 - s))))
    }
}

/// 晋中 (west) and 晋东 (east) coal bases, 沁水盆地煤层气基地 in the
/// north-east and south-west.
pub(super) fn energy_bases(
    seeds: &Seeds,
    district: &MultiPolygon,
    halves: &Halves,
) -> anyhow::Result<Vec<Feature>> {
    let mut energy = Vec::new();
    for row in seeds.tunliu_energy_bases.rows() {
        let published = row.number("area_km2")?;
        let area = match (row.get("location_in_district"), published) {
            (loc, Some(km2)) if loc.contains("西部") => {
                fit_area(row.get("name"), km2, (0.0, 1.0), |s| halves.west_part(s))?
            }
            (loc, Some(km2)) if loc.contains("东部") => {
                fit_area(row.get("name"), km2, (0.0, 1.0), |s| halves.east_part(s))?
            }
            (_, None) => {
                // 沁水盆地煤层气基地: 东北部及西南部, no area published.
                let mut rng = SplitMix64::for_name(row.get("name"));
                let ne = blob(&mut rng, (112.975, 36.395), (6.0, 4.5), 0.0, 24, 0.15);
                let sw = blob(&mut rng, (112.600, 36.245), (7.0, 4.0), 0.0, 24, 0.15);
                rounded(&clip(&ne, district).union(&clip(&sw, district)))
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
    Ok(energy)
}

/// 霍东 at the west edge, 晋城 at the south edge, 潞安 over the centre and
/// east (around 晋城), 沁水—屯留 in the south-east.
pub(super) fn national_mining_areas(
    seeds: &Seeds,
    extent: &Extent,
    district: &MultiPolygon,
    halves: &Halves,
) -> anyhow::Result<Vec<Feature>> {
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
    let disc = |center: Coord, s: f64| clip(&disc_polygon(center, s), district);
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
                fit_area(n, km2, (0.0, 1.0), |s| halves.east_part(s).difference(&cut))?
            }
            (n, None) => {
                let mut rng = SplitMix64::for_name(n);
                rounded(&clip(
                    &blob(&mut rng, (112.975, 36.205), (7.5, 5.5), 0.0, 24, 0.15),
                    district,
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
    Ok(national)
}

/// 沁源区块煤层气重点勘查区, in the north-west.
pub(super) fn key_exploration_areas(
    seeds: &Seeds,
    district: &MultiPolygon,
) -> anyhow::Result<Vec<Feature>> {
    let mut key_exploration = Vec::new();
    for row in seeds.tunliu_key_exploration_areas.rows() {
        let km2 = row.number("area_km2")?.context("key exploration area")?;
        let mut rng = SplitMix64::for_name(row.get("name"));
        let base = blob(&mut rng, (112.545, 36.395), (11.0, 6.0), -8.0, 30, 0.12);
        let area = fit_area(row.get("name"), km2, (0.2, 3.0), |s| {
            clip(&geom::scaled(&base, c((112.545, 36.395)), s), district)
        })?;
        key_exploration.push(feature(
            format!("ZK{}", row.get("seq")),
            seed_properties(&row),
            Some(km2),
            area,
        ));
    }
    Ok(key_exploration)
}
