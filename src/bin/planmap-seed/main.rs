//! `planmap-seed`: turns the published facts in `seeds/` into the shipped
//! planning layers, `layers/catalog.toml` and the example candidates.
//!
//! ```text
//! cargo run --bin planmap-seed -- --seeds seeds --out layers
//! ```
//!
//! A program of its own beside the service: it uses only planmap's public
//! API (geometry validity, ellipsoid areas, GeoJSON writing, `OnOverlap`),
//! and the service knows nothing of it.
//!
//! 1. read the seed tables (CSV);
//! 2. draw each feature where the plan's words put it, inside the published
//!    district extent, fitted to its published area within 0.05 % (the data
//!    promise 0.5 %) after rounding to 7 decimals;
//! 3. check the plan's own rules: the plan's blocks stay clear of existing
//!    licences and of the three control lines;
//! 4. write one GeoJSON file per layer (sorted keys, one feature per line),
//!    the catalog and the examples.
//!
//! Attributes are published facts; all geometry is illustrative. Every
//! random choice comes from a fixed-seed SplitMix64 per named thing, so the
//! same seeds give byte-identical output.

mod csv;
mod geom;
mod output;
mod rng;
mod tunliu;
mod yangcheng;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use geo::Polygon;
use planmap::layer::OnOverlap;
use serde_json::json;

use csv::Table;
use output::{Feature, Geometry, LayerOut};

/// Generate the shipped layers, catalog and examples from the seed tables.
#[derive(Parser)]
#[command(name = "planmap-seed", version)]
struct Args {
    /// Directory holding the seed CSV files.
    #[arg(long, default_value = "seeds")]
    seeds: PathBuf,
    /// Directory to write catalog.toml, the layers and examples/ into.
    #[arg(long, default_value = "layers")]
    out: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match generate(&args.seeds, &args.out) {
        Ok(summary) => {
            for layer in summary {
                println!(
                    "{:<28} {:>6} features {:>9} bytes",
                    layer.id, layer.features, layer.bytes
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("planmap-seed: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The seed tables the layers are drawn from.
pub struct Seeds {
    pub tunliu_district: Table,
    pub tunliu_townships: Table,
    pub tunliu_exploration_areas: Table,
    pub tunliu_mining_rights: Table,
    pub tunliu_energy_bases: Table,
    pub tunliu_national_mining_areas: Table,
    pub tunliu_key_exploration_areas: Table,
    pub tunliu_prohibited_zones: Table,
    pub tunliu_exploration_blocks: Table,
    pub tunliu_mining_blocks: Table,
    pub tunliu_remediation_zones: Table,
    pub tunliu_prevention_zones: Table,
    pub tunliu_subsidence: Table,
    pub tunliu_remediation_progress: Table,
    pub tunliu_geological_survey: Table,
    pub planning_rules: Table,
    pub yangcheng_closures: Table,
    pub yangcheng_new_mining_rights: Table,
    pub yangcheng_coal_pilot_mines: Table,
}

impl Seeds {
    pub fn read(dir: &Path) -> anyhow::Result<Seeds> {
        let t = |name: &str| Table::read(dir, name);
        Ok(Seeds {
            tunliu_district: t("tunliu_district")?,
            tunliu_townships: t("tunliu_townships")?,
            tunliu_exploration_areas: t("tunliu_exploration_areas")?,
            tunliu_mining_rights: t("tunliu_mining_rights")?,
            tunliu_energy_bases: t("tunliu_energy_bases")?,
            tunliu_national_mining_areas: t("tunliu_national_mining_areas")?,
            tunliu_key_exploration_areas: t("tunliu_key_exploration_areas")?,
            tunliu_prohibited_zones: t("tunliu_prohibited_zones")?,
            tunliu_exploration_blocks: t("tunliu_exploration_blocks")?,
            tunliu_mining_blocks: t("tunliu_mining_blocks")?,
            tunliu_remediation_zones: t("tunliu_remediation_zones")?,
            tunliu_prevention_zones: t("tunliu_prevention_zones")?,
            tunliu_subsidence: t("tunliu_subsidence")?,
            tunliu_remediation_progress: t("tunliu_remediation_progress")?,
            tunliu_geological_survey: t("tunliu_geological_survey")?,
            planning_rules: t("planning_rules")?,
            yangcheng_closures: t("yangcheng_closures")?,
            yangcheng_new_mining_rights: t("yangcheng_new_mining_rights")?,
            yangcheng_coal_pilot_mines: t("yangcheng_coal_pilot_mines")?,
        })
    }
}

/// One generated layer as `planmap-seed` reports it.
#[derive(Debug, Clone)]
pub struct LayerSummary {
    pub id: String,
    pub features: usize,
    pub bytes: usize,
}

/// The example candidates: file stem, the verdict it shows, what it shows.
pub const EXAMPLES: [(&str, &str, &str); 6] = [
    (
        "clean_block",
        "pass",
        "one basic unit block (1′ × 1′) clear of every hard constraint and warning; only the info layers (energy base, district …) are listed",
    ),
    (
        "crosses_ecological_redline",
        "reject",
        "a basic unit block across the edge of the western ecological red line",
    ),
    (
        "over_prohibited_zone",
        "reject",
        "a block over the 水源地建设用地 prohibited zone (construction land)",
    ),
    (
        "overlaps_mining_right",
        "reject",
        "a block across the western edge of the 余吾煤业 mining licence",
    ),
    (
        "inside_subsidence_area",
        "warn",
        "a small block inside subsidence area SA01, outside any licence: remediation while mining (边开采、边治理)",
    ),
    (
        "touches_prohibited_zone",
        "pass",
        "a block sharing one edge exactly with the 看守所建设用地 prohibited zone: reported as adjacent, not as a conflict",
    ),
];

/// Generates every layer, the catalog and the examples from `seeds` into `out`.
pub fn generate(seeds_dir: &Path, out: &Path) -> anyhow::Result<Vec<LayerSummary>> {
    let seeds = Seeds::read(seeds_dir)?;
    let tunliu = tunliu::build(&seeds)?;
    let yangcheng = yangcheng::build(&seeds)?;

    let mut layers: Vec<LayerOut> = tunliu.layers;
    // Hard constraints first, then warnings, then context: the order a
    // reviewer reads the answer in.
    let at = layers
        .iter()
        .position(|l| l.id == "subsidence_areas")
        .unwrap_or(layers.len());
    let mut yc = yangcheng.layers.into_iter();
    let proposed = yc.next().expect("proposed rights layer");
    layers.insert(at, proposed);
    let at = layers
        .iter()
        .position(|l| l.id == "exploration_blocks")
        .unwrap_or(layers.len());
    for (k, l) in yc.enumerate() {
        layers.insert(at + k, l);
    }
    layers.push(LayerOut {
        id: "districts",
        title: "行政区",
        title_en: "Districts and counties",
        on_overlap: OnOverlap::Info,
        rule: "地理坐标：东经112°26'18\"-113°02'24”，北纬36°08'40\"-36°26'18\"，总面积1191.1平方千米（长治市屯留区矿产资源总体规划（2021—2025年） 第一章第一节 一）".into(),
        source: "长治市屯留区矿产资源总体规划（2021—2025年） 第一章第一节 一; 阳城县非煤矿产资源综合整治提升实施方案（阳政办发〔2025〕17号）".into(),
        region: "屯留区、阳城县",
        description: "屯留区: an illustrative outline touching the published extent on all four sides, with the published area. 阳城县: no extent or area is published in these documents; an illustrative outline around its real location.".into(),
        facts: vec![],
        features: vec![tunliu.district_feature, yangcheng.district_feature],
    });

    let mut summary = Vec::new();
    for layer in &layers {
        let text = output::feature_collection(layer);
        output::write(out, &format!("{}.geojson", layer.id), &text)?;
        summary.push(LayerSummary {
            id: layer.id.to_string(),
            features: layer.features.len(),
            bytes: text.len(),
        });
    }
    output::write(out, "catalog.toml", &output::catalog(&layers))?;

    let e = &tunliu.examples;
    let shapes: [&Polygon; 6] = [
        &e.clean,
        &e.redline,
        &e.prohibited,
        &e.mining_right,
        &e.subsidence,
        &e.adjacent,
    ];
    for ((stem, verdict, shows), shape) in EXAMPLES.iter().zip(shapes) {
        let candidate = LayerOut {
            features: vec![Feature {
                id: (*stem).to_string(),
                properties: serde_json::Map::new(),
                geometry: Geometry::Area(geom::rounded(&geo::MultiPolygon(vec![shape.clone()]))),
            }],
            ..layers[0].clone()
        };
        let collection: serde_json::Value =
            serde_json::from_str(&output::feature_collection(&candidate))?;
        let mut feature = collection["features"][0].clone();
        feature.as_object_mut().expect("feature").remove("id");
        feature["properties"] = json!({
            "name": stem,
            "expected_verdict": verdict,
            "shows": shows,
            "geometry_source": "illustrative",
        });
        output::write(
            &out.join("examples"),
            &format!("{stem}.geojson"),
            &format!("{}\n", serde_json::to_string_pretty(&feature)?),
        )?;
    }
    Ok(summary)
}
