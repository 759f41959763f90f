//! Whole-plan QA, as the annual adjustment needs it: a set of blocks checked
//! in one pass — each block against every constraint layer (as `/check`
//! screens it), the blocks against each other (overlaps, slivers, narrow
//! gaps), each against the plan's size rules (at least one basic unit
//! block, at most its mineral's cap), and any block that does not read.
//!
//! Pairs are found through an R-tree of the blocks' boxes widened by the
//! tolerance, so the cost follows the neighbours, not the square of the
//! number of blocks.

use std::collections::BTreeMap;
use std::sync::Arc;

use geo::{BooleanOps, BoundingRect, Intersects, MultiPolygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use serde::Serialize;

use crate::deadline::Deadline;
use crate::engine::check::MIN_OVERLAP_M2;
use crate::engine::nearest::reach_box;
use crate::engine::report::{LayerRevision, Verdict};
use crate::engine::rules::{self, CandidateKind};
use crate::engine::screening::{self, Options, ScreenError};
use crate::geom::geodesy::distance::distance_between_areas;
use crate::geom::geodesy::{self, AreaFigures};
use crate::geom::shape::Shape;
use crate::intake::candidate::{Limits, candidate_from_area};
use crate::intake::plan::{self, PlanBlock};
use crate::intake::submission::{self, InputFormat, Part};
use crate::layer::catalog::Layer;
use crate::layer::{FeatureId, OnOverlap};

/// The widest tolerance for slivers and gaps a QA takes (m).
pub const MAX_TOLERANCE_M: f64 = 1_000.0;
/// The tolerance when none is asked for (m).
pub const DEFAULT_TOLERANCE_M: f64 = 5.0;

/// A tolerance as `/qa?tolerance_m=` and `planmap qa --tolerance-m` read it.
pub fn read_tolerance(v: &str) -> Result<f64, String> {
    match v.parse::<f64>() {
        Ok(m) if m.is_finite() && m > 0.0 && m <= MAX_TOLERANCE_M => Ok(m),
        _ => Err(format!(
            "'{v}' is not a width in metres above 0 and at most {MAX_TOLERANCE_M}"
        )),
    }
}

/// How a plan is QA'd.
#[derive(Debug, Clone)]
pub struct QaOptions {
    /// Overlaps thinner than this between blocks are slivers; gaps
    /// narrower than this, gaps (m).
    pub tolerance_m: f64,
    /// The kind of every block that does not say its own.
    pub kind: Option<CandidateKind>,
    pub mineral: Option<String>,
    /// The date licences' validity is judged on.
    pub on_date: Option<String>,
}

/// What is wrong with a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// It does not read (invalid geometry, a line …): nothing else is asked.
    InvalidGeometry,
    /// It overlaps a feature of a layer that rejects or warns.
    Conflict,
    /// It overlaps another block of the set.
    OverlapsBlock,
    /// It overlaps another block in a strip thinner than the tolerance.
    Sliver,
    /// A gap narrower than the tolerance lies between it and another block.
    Gap,
    /// It is smaller than one basic unit block (第四章第二节 1（5）).
    BelowBasicBlock,
    /// It holds more basic unit blocks than its mineral's cap.
    OverCap,
    /// It has a kind or mineral that is not known.
    UnknownKind,
}

impl ProblemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidGeometry => "invalid_geometry",
            Self::Conflict => "conflict",
            Self::OverlapsBlock => "overlaps_block",
            Self::Sliver => "sliver",
            Self::Gap => "gap",
            Self::BelowBasicBlock => "below_basic_block",
            Self::OverCap => "over_cap",
            Self::UnknownKind => "unknown_kind",
        }
    }
}

/// One problem of one block.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub kind: ProblemKind,
    pub detail: String,
    /// For a conflict: the layer and feature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feature_id: Option<FeatureId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_overlap: Option<OnOverlap>,
    /// For an overlap, sliver or gap: the other block.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_block: Option<String>,
    /// The overlap's ellipsoid area (m²).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area_m2: Option<f64>,
    /// A sliver's mean width (2 × area / perimeter) or a gap's narrowest
    /// width (the geodesic distance between the blocks), m.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width_m: Option<f64>,
    /// The plan's rule, for a failed rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

impl Problem {
    fn new(kind: ProblemKind, detail: String) -> Problem {
        Problem {
            kind,
            detail,
            layer: None,
            feature_id: None,
            on_overlap: None,
            other_block: None,
            area_m2: None,
            width_m: None,
            rule: None,
        }
    }
}

/// One block's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct BlockQa {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<CandidateKind>,
    /// Its area, when it reads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area: Option<AreaFigures>,
    /// Its check's verdict, when it reads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    /// Its area in basic unit blocks (1′×1′).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basic_blocks: Option<f64>,
    pub problems: Vec<Problem>,
}

/// Two blocks that overlap, or lie a narrow gap apart.
#[derive(Debug, Clone, Serialize)]
pub struct BlockPair {
    pub kind: ProblemKind,
    pub blocks: [String; 2],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area_m2: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width_m: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QaSummary {
    pub blocks: usize,
    /// Blocks with no problem.
    pub clean: usize,
    pub with_problems: usize,
    /// Problems by kind.
    pub problems: BTreeMap<&'static str, usize>,
    /// Blocks by their check's verdict.
    pub verdicts: BTreeMap<&'static str, usize>,
    /// The blocks' total ellipsoid area (those that read), m².
    pub area_m2: f64,
    pub tolerance_m: f64,
}

/// The whole QA.
#[derive(Debug, Clone, Serialize)]
pub struct QaReport {
    pub summary: QaSummary,
    pub blocks: Vec<BlockQa>,
    pub pairs: Vec<BlockPair>,
    /// The layers the blocks were checked against, with their revisions.
    pub layers: Vec<LayerRevision>,
}

/// The features of a catalog layer as a set of blocks.
pub fn blocks_of_layer(layer: &Layer) -> Vec<PlanBlock> {
    let table = &layer.data.features;
    // A layer of the plan's own blocks says in its roles which kind they
    // are; a feature's own `kind` property comes first.
    let layer_kind = [CandidateKind::ExplorationBlock, CandidateKind::MiningBlock]
        .into_iter()
        .map(CandidateKind::as_str)
        .find(|k| layer.entry.roles.iter().any(|r| r == k));
    (0..table.len())
        .map(|i| {
            let properties = table.properties(i);
            let text = |k: &str| properties.get(k).and_then(|v| v.as_str()).map(String::from);
            PlanBlock {
                id: table.id(i).to_string(),
                name: table.name(i).map(str::to_string),
                kind: text("kind").or_else(|| layer_kind.map(String::from)),
                mineral: text("mineral"),
                read: match table.shape(i) {
                    Shape::Area(area) => {
                        candidate_from_area(area, crate::geom::crs::Crs::Crs84, Limits::default())
                            .map_err(|e| e.to_string())
                    }
                    _ => Err("not a polygon: a block is an area".to_string()),
                },
            }
        })
        .collect()
}

/// Why a body could not be read as a set of blocks.
#[derive(Debug, thiserror::Error)]
pub enum QaInputError {
    #[error(transparent)]
    Submission(#[from] crate::intake::submission::SubmissionError),
    #[error(transparent)]
    Json(#[from] crate::intake::submission::JsonError),
    #[error(transparent)]
    UnknownLayers(#[from] crate::layer::catalog::UnknownLayers),
    #[error(transparent)]
    Plan(#[from] crate::intake::plan::PlanError),
}

/// The blocks of the body: `{"layer": ID}` (that catalog layer's features),
/// a GeoJSON FeatureCollection, or a coordinate file's parcels.
pub fn read_blocks(
    bytes: &[u8],
    format: InputFormat,
    crs: Option<crate::geom::crs::Crs>,
    zone: Option<crate::intake::formats::GkZone>,
    limits: Limits,
    catalog: &crate::layer::catalog::Catalog,
) -> Result<(Vec<PlanBlock>, Option<String>), QaInputError> {
    let not_a_set = QaInputError::Plan;
    if format != InputFormat::GeoJson {
        let parts = submission::read(bytes, format, crs, zone, limits)?;
        return Ok((plan::from_parts(parts).map_err(not_a_set)?, None));
    }
    let json = submission::parse_json(bytes)?;
    if let Some(id) = json.get("layer") {
        let Some(id) = id
            .as_str()
            .filter(|_| json.as_object().is_some_and(|o| o.len() == 1))
        else {
            return Err(not_a_set(plan::PlanError::NotASet));
        };
        let layer = catalog.select(Some(&[id.to_string()]))?.remove(0);
        let blocks = blocks_of_layer(&layer);
        if blocks.len() > plan::MAX_BLOCKS {
            return Err(not_a_set(plan::PlanError::TooMany {
                count: blocks.len(),
                max: plan::MAX_BLOCKS,
            }));
        }
        return Ok((blocks, Some(id.to_string())));
    }
    let crs = crs.unwrap_or(crate::geom::crs::Crs::Crs84);
    Ok((
        plan::from_feature_collection(&json, crs, limits).map_err(not_a_set)?,
        None,
    ))
}

fn csv_field(s: &str) -> String {
    // Spreadsheets run a cell that starts with = + - @ as a formula.
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn number(v: Option<f64>, digits: usize) -> String {
    v.map(|x| format!("{x:.digits$}")).unwrap_or_default()
}

/// One row a problem (a block with none has one row, `ok`).
pub fn to_csv(report: &QaReport) -> String {
    let mut out = String::from(
        "block_id,block_name,verdict,area_m2,problem,detail,layer,feature_id,other_block,problem_area_m2,width_m\n",
    );
    for b in &report.blocks {
        let head = [
            csv_field(&b.id),
            csv_field(b.name.as_deref().unwrap_or("")),
            b.verdict.map(|v| v.as_str()).unwrap_or("").to_string(),
            number(b.area.map(|a| a.area_m2), 2),
        ]
        .join(",");
        if b.problems.is_empty() {
            out += &format!("{head},ok,,,,,,\n");
        }
        for p in &b.problems {
            out += &format!(
                "{head},{},{},{},{},{},{},{}\n",
                p.kind.as_str(),
                csv_field(&p.detail),
                csv_field(p.layer.as_deref().unwrap_or("")),
                csv_field(
                    &p.feature_id
                        .as_ref()
                        .map(|f| f.to_string())
                        .unwrap_or_default()
                ),
                csv_field(p.other_block.as_deref().unwrap_or("")),
                number(p.area_m2, 3),
                number(p.width_m, 3),
            );
        }
    }
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A printable page: the summary, then each block and its problems.
pub fn to_html(report: &QaReport) -> String {
    let s = &report.summary;
    let mut html = String::from(
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>规划区块质量检查 Plan QA</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .5em;vertical-align:top}.n{text-align:right}.ok{color:#070}.bad{color:#a00}@media print{body{margin:0}}</style></head><body>\n<h1>规划区块质量检查 Whole-plan QA</h1>\n",
    );
    html += &format!(
        "<p>{} 个区块 blocks: {} 无问题 clean, {} 有问题 with problems; 总面积 {:.2} m²; 容差 tolerance {} m.</p>\n",
        s.blocks, s.clean, s.with_problems, s.area_m2, s.tolerance_m
    );
    if !s.problems.is_empty() {
        html += "<p>问题 Problems: ";
        html += &s
            .problems
            .iter()
            .map(|(k, n)| format!("{} {n}", escape(k)))
            .collect::<Vec<_>>()
            .join(", ");
        html += "</p>\n";
    }
    html += "<table><tr><th>区块 Block</th><th>名称 Name</th><th>面积 m²</th><th>结论 Verdict</th><th>问题 Problems</th></tr>\n";
    for b in &report.blocks {
        let problems = if b.problems.is_empty() {
            "<span class=\"ok\">无 none</span>".to_string()
        } else {
            b.problems
                .iter()
                .map(|p| {
                    format!(
                        "<span class=\"bad\">{}</span>: {}",
                        escape(p.kind.as_str()),
                        escape(&p.detail)
                    )
                })
                .collect::<Vec<_>>()
                .join("<br>")
        };
        html += &format!(
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>\n",
            escape(&b.id),
            escape(b.name.as_deref().unwrap_or("")),
            number(b.area.map(|a| a.area_m2), 2),
            b.verdict.map(|v| v.as_str()).unwrap_or(""),
            problems
        );
    }
    html += "</table>\n<h2>图层 Layers</h2>\n<ul>\n";
    for l in &report.layers {
        html += &format!(
            "<li>{} (revision {}, {} features)</li>\n",
            escape(&l.id),
            escape(&l.revision),
            l.features
        );
    }
    html += "</ul>\n</body></html>\n";
    html
}

type BoxEntry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// QA's a set of blocks against `layers`.
pub fn review_plan(
    blocks: &[PlanBlock],
    layers: &[Arc<Layer>],
    options: &QaOptions,
) -> Result<QaReport, ScreenError> {
    if layers.is_empty() {
        return Err(ScreenError::NoLayers);
    }
    let deadline = Deadline::current();
    let mut out: Vec<BlockQa> = Vec::with_capacity(blocks.len());
    for block in blocks {
        deadline.check()?;
        let mut qa = BlockQa {
            id: block.id.clone(),
            name: block.name.clone(),
            kind: None,
            area: None,
            verdict: None,
            basic_blocks: None,
            problems: Vec::new(),
        };
        let candidate = match &block.read {
            Ok(c) => c,
            Err(why) => {
                qa.problems
                    .push(Problem::new(ProblemKind::InvalidGeometry, why.clone()));
                out.push(qa);
                continue;
            }
        };
        let kind = match block.kind.as_deref() {
            Some(k) => match CandidateKind::read(k) {
                Ok(k) => Some(k),
                Err(e) => {
                    qa.problems
                        .push(Problem::new(ProblemKind::UnknownKind, e.to_string()));
                    options.kind
                }
            },
            None => options.kind,
        };
        qa.kind = kind;
        let screening = screening::screen(
            &[Part {
                parcel: None,
                candidate: candidate.clone(),
            }],
            layers,
            &Options {
                kind,
                mineral: block.mineral.clone().or_else(|| options.mineral.clone()),
                without_geometry: true,
                on_date: options.on_date.clone(),
                ..Options::default()
            },
        )?;
        qa.area = Some(screening.report.candidate.area);
        qa.verdict = Some(screening.report.verdict);
        qa.basic_blocks = Some(screening.basic_blocks.area_in_blocks);
        for c in &screening.report.conflicts.features {
            let p = &c.properties;
            if p.on_overlap == OnOverlap::Info {
                continue;
            }
            qa.problems.push(Problem {
                layer: Some(p.layer.clone()),
                feature_id: Some(p.feature_id.clone()),
                on_overlap: Some(p.on_overlap),
                area_m2: Some(p.overlap_area_m2),
                rule: Some(p.rule.clone()),
                ..Problem::new(ProblemKind::Conflict, format!("overlaps {}", p.described()))
            });
        }
        for f in screening
            .findings
            .iter()
            .filter(|f| f.passed == Some(false))
        {
            let kind = match rules::test_of(f.rule) {
                Some("min_blocks") => ProblemKind::BelowBasicBlock,
                Some("block_cap") => ProblemKind::OverCap,
                // A failed no-overlap rule is a conflict, reported above.
                _ => continue,
            };
            qa.problems.push(Problem {
                rule: Some(f.clause.clone()),
                ..Problem::new(kind, f.detail.clone())
            });
        }
        out.push(qa);
    }

    // The blocks against each other.
    let areas: Vec<Option<&MultiPolygon>> = blocks
        .iter()
        .map(|b| b.read.as_ref().ok().map(|c| &c.area))
        .collect();
    let entries: Vec<BoxEntry> = areas
        .iter()
        .enumerate()
        .filter_map(|(i, a)| {
            let bbox = reach_box((*a)?.bounding_rect()?, options.tolerance_m);
            Some(GeomWithData::new(
                Rectangle::from_corners([bbox.min().x, bbox.min().y], [bbox.max().x, bbox.max().y]),
                i,
            ))
        })
        .collect();
    let tree = RTree::bulk_load(entries);
    let mut pairs = Vec::new();
    for (i, a) in areas.iter().enumerate() {
        let Some(a) = a else { continue };
        deadline.check()?;
        let Some(bbox) = a.bounding_rect() else {
            continue;
        };
        let probe = AABB::from_corners([bbox.min().x, bbox.min().y], [bbox.max().x, bbox.max().y]);
        let mut near: Vec<usize> = tree
            .locate_in_envelope_intersecting(probe)
            .map(|e| e.data)
            .filter(|&j| j > i)
            .collect();
        near.sort_unstable();
        for j in near {
            let Some(b) = areas[j] else { continue };
            if let Some(pair) = compare(a, b, options.tolerance_m) {
                pairs.push(BlockPair {
                    blocks: [blocks[i].id.clone(), blocks[j].id.clone()],
                    ..pair
                });
            }
        }
    }
    for pair in &pairs {
        for (me, other) in [(0, 1), (1, 0)] {
            let detail = match pair.kind {
                ProblemKind::Gap => format!(
                    "a gap {:.3} m wide lies between it and block {}",
                    pair.width_m.unwrap_or(0.0),
                    pair.blocks[other]
                ),
                ProblemKind::Sliver => format!(
                    "a sliver of {:.3} m² ({:.3} m wide) overlaps block {}",
                    pair.area_m2.unwrap_or(0.0),
                    pair.width_m.unwrap_or(0.0),
                    pair.blocks[other]
                ),
                _ => format!(
                    "overlaps block {} by {:.2} m²",
                    pair.blocks[other],
                    pair.area_m2.unwrap_or(0.0)
                ),
            };
            if let Some(qa) = out.iter_mut().find(|q| q.id == pair.blocks[me]) {
                qa.problems.push(Problem {
                    other_block: Some(pair.blocks[other].clone()),
                    area_m2: pair.area_m2,
                    width_m: pair.width_m,
                    ..Problem::new(pair.kind, detail)
                });
            }
        }
    }
    for qa in &mut out {
        qa.problems.sort_by_key(|p| p.kind);
    }

    let mut problems: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut verdicts: BTreeMap<&'static str, usize> = BTreeMap::new();
    for qa in &out {
        for p in &qa.problems {
            *problems.entry(p.kind.as_str()).or_default() += 1;
        }
        if let Some(v) = qa.verdict {
            *verdicts.entry(v.as_str()).or_default() += 1;
        }
    }
    let with_problems = out.iter().filter(|q| !q.problems.is_empty()).count();
    Ok(QaReport {
        summary: QaSummary {
            blocks: out.len(),
            clean: out.len() - with_problems,
            with_problems,
            problems,
            verdicts,
            area_m2: out.iter().filter_map(|q| q.area).map(|a| a.area_m2).sum(),
            tolerance_m: options.tolerance_m,
        },
        blocks: out,
        pairs,
        layers: layers.iter().map(|l| LayerRevision::of(l)).collect(),
    })
}

/// How two blocks meet: an overlap (a sliver if thinner than `tolerance_m`),
/// a gap narrower than `tolerance_m`, or nothing to report.
fn compare(a: &MultiPolygon, b: &MultiPolygon, tolerance_m: f64) -> Option<BlockPair> {
    let shared = a.intersection(b);
    let area_m2 = geodesy::multipolygon_area_m2(&shared);
    if area_m2 > MIN_OVERLAP_M2 {
        let perimeter: f64 = shared
            .0
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .map(geodesy::line_length_m)
            .sum();
        let width_m = if perimeter > 0.0 {
            2.0 * area_m2 / perimeter
        } else {
            0.0
        };
        let kind = if width_m < tolerance_m {
            ProblemKind::Sliver
        } else {
            ProblemKind::OverlapsBlock
        };
        return Some(BlockPair {
            kind,
            blocks: Default::default(),
            area_m2: Some(area_m2),
            width_m: Some(width_m),
        });
    }
    if area_m2 > 0.0 {
        // Rounding along a shared edge: neighbours, not an overlap.
        return None;
    }
    // Blocks meeting along an edge or at a corner are neighbours. Asked of
    // the distance instead, edges straight in longitude and latitude but
    // not in the measuring plane come out a few micrometres apart there.
    if a.intersects(b) {
        return None;
    }
    let d = distance_between_areas(a, b)?;
    (d > 0.0 && d < tolerance_m).then(|| BlockPair {
        kind: ProblemKind::Gap,
        blocks: Default::default(),
        area_m2: None,
        width_m: Some(d),
    })
}
