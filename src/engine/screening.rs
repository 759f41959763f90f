//! A whole screening, as `/check` answers it: the overlap check, plus what a
//! reviewer asks of it — the parcels of a coordinate file, basic unit blocks,
//! the plan's rules for the kind of candidate, the clean (净矿) part, and
//! corner points.

use std::sync::Arc;

use std::collections::HashSet;

use geo::{BooleanOps, BoundingRect, MultiPolygon, Polygon};
use std::borrow::Cow;

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::deadline::{Deadline, DeadlineExceeded};
use crate::engine::blocks::{self, BlockCount};
use crate::engine::check::{self, CheckOptions};
use crate::engine::nearest::{self, NearestFeature};
use crate::engine::report::{CheckReport, DepthRange, Verdict};
use crate::engine::rules::{self, CandidateKind, Finding};
use crate::fault::{Fault, members};
use crate::geom::crs::CrsError;
use crate::geom::geodesy::{self, AreaFigures};
use crate::geom::shape::{Shape, shape_from_geojson};
use crate::intake::formats::txt::{self, CornerStyle, ParcelOut};
use crate::intake::submission::{ParcelLabel, Part};
use crate::layer::catalog::Layer;
use crate::layer::{FeatureId, OnOverlap};

/// What a reviewer asked for beyond the overlaps.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub kind: Option<CandidateKind>,
    pub mineral: Option<String>,
    /// Report the clean part (candidate less every overlap with a reject layer).
    pub net: bool,
    /// List every basic unit block, not only their count.
    pub list_blocks: bool,
    /// Add corner points (TXT exchange format) to every geometry returned.
    pub corners: Option<CornerStyle>,
    /// Leave each overlap's geometry out (null): a much smaller, faster
    /// answer when only which features and how much matter.
    pub without_geometry: bool,
    /// For these layers, the nearest feature and its geodesic distance
    /// where the candidate overlaps none of them.
    pub nearest: Option<NearestLayers>,
    /// Protection buffers asked for, by layer id (m): each widens the
    /// layer's own `buffer_m` for this check (never narrows it).
    pub buffers: Vec<(String, f64)>,
    /// The date features' validity (`valid_from`/`valid_to`) is judged on,
    /// YYYY-MM-DD; `None`, not judged.
    pub on_date: Option<String>,
    /// The candidate's elevation range (立体分层).
    pub depth: Option<DepthRange>,
}

/// Which layers a screening looks for the nearest feature in.
#[derive(Debug, Clone, PartialEq)]
pub enum NearestLayers {
    /// Every layer checked.
    All,
    /// These (each among the layers checked).
    These(Vec<String>),
}

impl NearestLayers {
    /// `true` (`1`, `yes`) for every layer, `false` (`0`, `no`) for none,
    /// or layer ids, comma-separated; as `/check?nearest=` and
    /// `planmap check --nearest` both read it.
    pub fn read(v: &str) -> Result<Option<NearestLayers>, String> {
        match v {
            "true" | "1" | "yes" => Ok(Some(NearestLayers::All)),
            "false" | "0" | "no" => Ok(None),
            _ => {
                let ids = crate::layer::catalog::id_list(v);
                if ids.is_empty() {
                    return Err("use true, false, or layer ids, comma-separated".into());
                }
                Ok(Some(NearestLayers::These(ids)))
            }
        }
    }

    /// The layers named that are not among those checked (none for `All`).
    pub fn unchecked(&self, checked: &[Arc<Layer>]) -> Vec<String> {
        match self {
            NearestLayers::All => Vec::new(),
            NearestLayers::These(ids) => ids
                .iter()
                .filter(|id| !checked.iter().any(|l| l.entry.id == **id))
                .cloned()
                .collect(),
        }
    }
}

/// `LAYER:METRES`, comma-separated, as `/check?buffer=` and
/// `planmap check --buffer` both read it: protection buffers for this check.
pub fn read_buffers(v: &str) -> Result<Vec<(String, f64)>, String> {
    let items = crate::layer::catalog::id_list(v);
    if items.is_empty() {
        return Err("name at least one LAYER:METRES, comma-separated".into());
    }
    items
        .iter()
        .map(|item| {
            let (id, metres) = item
                .split_once(':')
                .ok_or_else(|| format!("'{item}' is not LAYER:METRES (e.g. mining_rights:300)"))?;
            let m: f64 = metres
                .trim()
                .parse()
                .map_err(|_| format!("'{metres}' in '{item}' is not a distance in metres"))?;
            if !crate::layer::catalog::buffer_is_valid(m) {
                return Err(format!(
                    "'{item}': a buffer is above 0 m and at most {} m",
                    crate::layer::catalog::MAX_BUFFER_M
                ));
            }
            Ok((id.trim().to_string(), m))
        })
        .collect()
}

/// `TOP,BOTTOM`: the candidate's elevation range in metres above sea level,
/// top first (`800,200`; `+800,-150`), as `/check?depth=` and
/// `planmap check --depth` both read it.
pub fn read_depth(v: &str) -> Result<DepthRange, String> {
    let parts: Vec<&str> = v.split(',').map(str::trim).collect();
    let [top, bottom] = parts.as_slice() else {
        return Err(format!(
            "'{v}' is not TOP,BOTTOM (elevations in metres, e.g. 800,200)"
        ));
    };
    let read = |s: &str| -> Result<f64, String> {
        let m: f64 = s
            .trim_start_matches('+')
            .parse()
            .map_err(|_| format!("'{s}' is not an elevation in metres"))?;
        if !m.is_finite() || m.abs() > MAX_ELEVATION_M {
            return Err(format!(
                "'{s}' is not an elevation within ±{MAX_ELEVATION_M} m"
            ));
        }
        Ok(m)
    };
    let (top_m, bottom_m) = (read(top)?, read(bottom)?);
    if top_m <= bottom_m {
        return Err(format!(
            "the top ({top_m} m) must be above the bottom ({bottom_m} m): give TOP,BOTTOM"
        ));
    }
    Ok(DepthRange { top_m, bottom_m })
}

/// The highest and lowest elevation a depth range may give (m): deeper
/// than any mine, higher than any mountain.
pub const MAX_ELEVATION_M: f64 = 12_000.0;

/// Why buffers asked for cannot be drawn on the layers checked: a layer not
/// among them, or one with no feature to buffer.
pub fn buffers_problem(buffers: &[(String, f64)], checked: &[Arc<Layer>]) -> Option<String> {
    for (id, _) in buffers {
        match checked.iter().find(|l| l.entry.id == *id) {
            None => {
                return Some(format!(
                    "{id} is not among the layers checked ({}); name a layer the check includes",
                    checked
                        .iter()
                        .map(|l| l.entry.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            Some(l) if l.data.features.is_empty() => {
                return Some(format!(
                    "{id} has no feature, so there is no geometry to buffer"
                ));
            }
            Some(_) => {}
        }
    }
    None
}

/// What a check asks of its layers that they cannot answer: the parameter
/// at fault (`nearest`, `buffer`) and why. `/check`, the command line and
/// reviews all ask this before screening.
pub fn options_problem(
    options: &Options,
    checked: &[Arc<Layer>],
) -> Option<(&'static str, String)> {
    let unchecked = options
        .nearest
        .as_ref()
        .map(|n| n.unchecked(checked))
        .unwrap_or_default();
    if !unchecked.is_empty() {
        return Some((
            "nearest",
            format!(
                "{} {} not among the layers checked ({}); name layers the check includes, or use true",
                unchecked.join(", "),
                if unchecked.len() == 1 { "is" } else { "are" },
                checked
                    .iter()
                    .map(|l| l.entry.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    buffers_problem(&options.buffers, checked).map(|detail| ("buffer", detail))
}

/// The clean part of a candidate.
#[derive(Debug, Clone, Serialize)]
pub struct Net {
    #[serde(flatten)]
    pub area: AreaFigures,
    pub share_of_candidate: f64,
    pub geometry: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corner_points: Option<String>,
}

/// A parcel's own outcome.
#[derive(Debug, Clone, Serialize)]
pub struct ParcelSummary {
    #[serde(flatten)]
    pub label: ParcelLabel,
    #[serde(flatten)]
    pub area: AreaFigures,
    pub verdict: Verdict,
    pub conflicts: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Screening {
    #[serde(flatten)]
    pub report: CheckReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<CandidateKind>,
    pub basic_blocks: BlockCount,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub net: Option<Net>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parcels: Vec<ParcelSummary>,
    /// With `nearest`: per layer asked for that the candidate overlaps
    /// nowhere, its nearest feature (catalog order; a layer with no feature
    /// is left out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nearest: Option<Vec<NearestFeature>>,
}

/// Why a screening could not be answered.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ScreenError {
    #[error(transparent)]
    Crs(#[from] CrsError),
    /// Stopped by the request's deadline: whatever was computed is discarded,
    /// so a screening cut short can never read as a pass.
    #[error(transparent)]
    Deadline(#[from] DeadlineExceeded),
    /// No layer to check against: "no conflict" would mean nothing.
    #[error(
        "there is no layer to check against, so no verdict can be given; serve a catalog with layers"
    )]
    NoLayers,
    #[error(
        "corners: the candidate reaches longitude {longitude:.4}°, outside Gauss-Krüger zone EPSG:{epsg} (central meridian {central_meridian}°, used from {west}° to {east}°); ask for the zone the candidate lies in"
    )]
    CornersOutsideZone {
        epsg: u32,
        central_meridian: f64,
        west: f64,
        east: f64,
        longitude: f64,
    },
}

impl Fault for ScreenError {
    fn slug(&self) -> &'static str {
        match self {
            Self::Crs(e) => e.slug(),
            Self::Deadline(e) => e.slug(),
            Self::NoLayers => "no-layers",
            Self::CornersOutsideZone { .. } => "zone-mismatch",
        }
    }

    fn location(&self) -> Map<String, Value> {
        match self {
            Self::Crs(e) => e.location(),
            Self::Deadline(e) => e.location(),
            Self::NoLayers => Map::new(),
            Self::CornersOutsideZone {
                epsg, longitude, ..
            } => members([
                ("parameter", json!("corners")),
                ("zone_epsg", json!(epsg)),
                ("longitude", json!(longitude)),
            ]),
        }
    }
}

/// Screens a submission of one or more parts against `layers`.
pub fn screen(
    parts: &[Part],
    layers: &[Arc<Layer>],
    options: &Options,
) -> Result<Screening, ScreenError> {
    if layers.is_empty() {
        return Err(ScreenError::NoLayers);
    }
    let deadline = Deadline::current();
    let mut reports: Vec<CheckReport> = parts
        .iter()
        .map(|p| {
            let geometry = !options.without_geometry;
            crate::engine::check::check_with(
                &p.candidate,
                layers,
                CheckOptions {
                    geometry,
                    buffers: options.buffers.clone(),
                    on_date: options.on_date.clone(),
                    depth: options.depth,
                },
            )
        })
        .collect();
    let whole = MultiPolygon(
        parts
            .iter()
            .flat_map(|p| p.candidate.area.0.iter().cloned())
            .collect(),
    );
    let mut parcels = Vec::new();
    if parts.len() > 1 || parts.iter().any(|p| p.parcel.is_some()) {
        for (part, r) in parts.iter().zip(reports.iter_mut()) {
            let label = part.parcel.clone().unwrap_or(ParcelLabel {
                id: String::new(),
                name: None,
                declared_area_ha: None,
                attributes: Default::default(),
            });
            for c in &mut r.conflicts.features {
                c.properties.parcel = Some(label.id.clone());
            }
            for s in &mut r.separated_in_depth {
                s.parcel = Some(label.id.clone());
            }
            parcels.push(ParcelSummary {
                area: r.candidate.area,
                verdict: r.verdict,
                conflicts: r.conflicts.features.len(),
                label,
            });
        }
    }
    deadline.check()?;
    let mut report = merge(reports, layers);

    let basic_blocks = blocks::count(&whole, options.list_blocks);
    deadline.check()?;
    let findings = match options.kind {
        Some(kind) => rules::findings(
            kind,
            options.mineral.as_deref(),
            &report,
            layers,
            &basic_blocks,
        ),
        None => Vec::new(),
    };
    let mut net = options
        .net
        .then(|| clean_part(&whole, &report, layers, &options.buffers));
    deadline.check()?;
    let nearest = options
        .nearest
        .as_ref()
        .map(|which| nearest_features(&whole, &report, layers, which));
    deadline.check()?;

    if let Some(style) = options.corners {
        let labelled: Vec<(String, String, Polygon)> = parts
            .iter()
            .enumerate()
            .flat_map(|(i, p)| {
                let (id, name) = match &p.parcel {
                    Some(l) => (l.id.clone(), l.name.clone().unwrap_or_default()),
                    None => ((i + 1).to_string(), String::new()),
                };
                p.candidate
                    .area
                    .0
                    .iter()
                    .map(move |poly| (id.clone(), name.clone(), poly.clone()))
            })
            .collect();
        report.candidate.corner_points = Some(corner_text(&labelled, style)?);
        for c in &mut report.conflicts.features {
            if let Some(Shape::Area(area)) = c.geometry.shape().map(Cow::into_owned) {
                let id = c.properties.feature_id.to_string();
                let name = c.properties.name.clone().unwrap_or_default();
                let labelled: Vec<_> = area
                    .0
                    .into_iter()
                    .map(|p| (id.clone(), name.clone(), p))
                    .collect();
                c.properties.corner_points = Some(corner_text(&labelled, style)?);
            }
        }
        if let Some(net) = net.as_mut()
            && let Some(area) = area_of(&net.geometry)
        {
            let labelled: Vec<_> = area
                .0
                .into_iter()
                .enumerate()
                .map(|(i, p)| (format!("net-{}", i + 1), "净矿".to_string(), p))
                .collect();
            net.corner_points = Some(corner_text(&labelled, style)?);
        }
    }
    deadline.check()?;
    Ok(Screening {
        report,
        kind: options.kind,
        basic_blocks,
        findings,
        net,
        parcels,
        nearest,
    })
}

/// The nearest feature of each layer asked for that the candidate does not
/// overlap (a layer it overlaps is in the conflicts instead).
fn nearest_features(
    whole: &MultiPolygon,
    report: &CheckReport,
    layers: &[Arc<Layer>],
    which: &NearestLayers,
) -> Vec<NearestFeature> {
    let Some(measured) = nearest::Measured::new(whole) else {
        return Vec::new();
    };
    let overlapped: HashSet<&str> = report
        .conflicts
        .features
        .iter()
        .map(|c| c.properties.layer.as_str())
        .collect();
    layers
        .iter()
        .filter(|l| match which {
            NearestLayers::All => true,
            NearestLayers::These(ids) => ids.iter().any(|id| *id == l.entry.id),
        })
        .filter(|l| !overlapped.contains(l.entry.id.as_str()))
        .filter_map(|l| measured.nearest(l))
        .collect()
}

/// One answer from the answers of several parcels.
fn merge(mut reports: Vec<CheckReport>, layers: &[Arc<Layer>]) -> CheckReport {
    if reports.len() == 1 {
        return reports.remove(0);
    }
    let mut merged = reports.remove(0);
    for r in reports {
        merged.candidate.area =
            AreaFigures::from_m2(merged.candidate.area.area_m2 + r.candidate.area.area_m2);
        merged.candidate.vertices += r.candidate.vertices;
        merged.conflicts.features.extend(r.conflicts.features);
        merged.separated_in_depth.extend(r.separated_in_depth);
        for a in r.adjacent {
            if !merged
                .adjacent
                .iter()
                .any(|m| m.layer == a.layer && m.feature_id == a.feature_id)
            {
                merged.adjacent.push(a);
            }
        }
        for w in r.warnings {
            if !merged.warnings.contains(&w) {
                merged.warnings.push(w);
            }
        }
    }
    let order = |id: &str| {
        layers
            .iter()
            .position(|l| l.entry.id == id)
            .unwrap_or(usize::MAX)
    };
    merged.conflicts.features.sort_by(|a, b| {
        order(&a.properties.layer)
            .cmp(&order(&b.properties.layer))
            .then(
                b.properties
                    .overlap_area_m2
                    .total_cmp(&a.properties.overlap_area_m2),
            )
    });
    merged.adjacent.sort_by_key(|a| order(&a.layer));
    let total = merged.candidate.area.area_m2;
    for c in &mut merged.conflicts.features {
        if total > 0.0 {
            c.properties.share_of_candidate =
                (c.properties.overlap_area_m2 / total).clamp(0.0, 1.0);
            if let Some(b) = c.properties.buffer.as_mut() {
                b.share_of_candidate = (b.area_m2 / total).clamp(0.0, 1.0);
            }
        }
    }
    merged.verdict = Verdict::from_conflicts(
        merged
            .conflicts
            .features
            .iter()
            .map(|c| c.properties.on_overlap),
    );
    merged
}

/// The candidate less every reject-layer feature it overlaps, and less the
/// protection buffers it comes within: what could be offered clean. The
/// features themselves are subtracted, not the overlaps computed before, so
/// the candidate's own edges come through unchanged and no rounding sliver
/// is left where a feature crosses them.
fn clean_part(
    whole: &MultiPolygon,
    report: &CheckReport,
    layers: &[Arc<Layer>],
    buffers: &[(String, f64)],
) -> Net {
    let bbox = whole.bounding_rect();
    let mut cut: Vec<Polygon> = Vec::new();
    let buffered = std::sync::OnceLock::new();
    let asked = CheckOptions {
        geometry: false,
        buffers: buffers.to_vec(),
        on_date: None,
        depth: None,
    };
    // Conflicts that reject, each as the check judged it: an expired
    // licence on a layer whose `on_expired` is not `reject` is not cut.
    for layer in layers {
        let ids: HashSet<&FeatureId> = report
            .conflicts
            .features
            .iter()
            .filter(|c| {
                c.properties.layer == layer.entry.id && c.properties.on_overlap == OnOverlap::Reject
            })
            .map(|c| &c.properties.feature_id)
            .collect();
        let Some(bbox) = bbox.filter(|_| !ids.is_empty()) else {
            continue;
        };
        let table = &layer.data.features;
        for i in layer.data.hits(bbox.min(), bbox.max()) {
            if table.is_area(i)
                && ids.contains(&table.id(i))
                && let Shape::Area(area) = table.shape(i)
            {
                // Cut to the candidate first: the boolean operations' grid
                // is laid over their operands' box, and a red line 100 km
                // across would make it as coarse as the red line is large.
                cut.extend(crate::geom::clip::cut_to(&area, check::expanded(bbox)).0);
            }
        }
        if let Some(buffer_m) = asked.buffer_for(layer)
            && let Some(buffered) = buffered
                .get_or_init(|| crate::engine::buffer::Buffered::new(whole))
                .as_ref()
        {
            for c in
                report.conflicts.features.iter().filter(|c| {
                    c.properties.layer == layer.entry.id && c.properties.buffer.is_some()
                })
            {
                if let Some(i) = layer.data.find(&c.properties.feature_id.to_string()) {
                    cut.extend(buffered.reach_of(layer, i, buffer_m).0);
                }
            }
        }
    }
    let clean = if cut.is_empty() {
        whole.clone()
    } else {
        whole.difference(&geo::unary_union(&cut))
    };
    let m2 = geodesy::multipolygon_area_m2(&clean);
    let total = geodesy::multipolygon_area_m2(whole);
    Net {
        area: AreaFigures::from_m2(m2),
        share_of_candidate: if total > 0.0 {
            (m2 / total).clamp(0.0, 1.0)
        } else {
            0.0
        },
        geometry: crate::geom::geojson::area_geometry(&clean),
        corner_points: None,
    }
}

fn area_of(geometry: &Value) -> Option<MultiPolygon> {
    let g: geojson::Geometry = serde_json::from_value(geometry.clone()).ok()?;
    match shape_from_geojson(&g.value).ok()? {
        Shape::Area(a) => Some(a),
        _ => None,
    }
}

fn corner_text(
    polygons: &[(String, String, Polygon)],
    style: CornerStyle,
) -> Result<String, ScreenError> {
    if let CornerStyle::Projected(zone) = style {
        // Gauss-Krüger coordinates far from the central meridian are garbage
        // (an easting past the zone, a northing off by kilometres): allow the
        // zone and the margin input allows, nothing more.
        let half = f64::from(zone.width) / 2.0 + crate::intake::candidate::AREA_OF_USE_MARGIN_DEG;
        let central_meridian = zone.central_meridian();
        let (west, east) = (central_meridian - half, central_meridian + half);
        let outside = polygons
            .iter()
            .flat_map(|(_, _, p)| {
                p.exterior()
                    .0
                    .iter()
                    .chain(p.interiors().iter().flat_map(|r| &r.0))
            })
            .map(|c| c.x)
            .find(|x| *x < west || *x > east);
        if let Some(longitude) = outside {
            return Err(ScreenError::CornersOutsideZone {
                epsg: zone.epsg(),
                central_meridian,
                west,
                east,
                longitude,
            });
        }
    }
    let out: Vec<ParcelOut> = polygons
        .iter()
        .map(|(id, name, polygon)| ParcelOut {
            id,
            name,
            area_ha: geodesy::polygon_area_m2(polygon) / 10_000.0,
            polygon,
        })
        .collect();
    Ok(txt::write(&out, style)?)
}
