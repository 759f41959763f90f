//! The answer to a check, as the HTTP API and `planmap check --json` give it.

use std::borrow::Cow;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::geom::geodesy::AreaFigures;
use crate::geom::geojson::ShapeJson;
use crate::geom::shape::Shape;
use crate::intake::candidate::Warning;
use crate::layer::catalog::Layer;
use crate::layer::{FeatureId, OnOverlap};

/// The outcome of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Reject,
    Warn,
    Pass,
}

impl Verdict {
    /// The name the verdict is written with (as it serializes).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Reject => "reject",
            Verdict::Warn => "warn",
            Verdict::Pass => "pass",
        }
    }

    /// The verdict named `text` exactly as [`Verdict::as_str`] writes it.
    pub fn parse(text: &str) -> Option<Verdict> {
        [Verdict::Reject, Verdict::Warn, Verdict::Pass]
            .into_iter()
            .find(|v| v.as_str() == text)
    }

    /// Exit status of `planmap check`: 0 pass, 2 warn, 3 reject.
    pub fn exit_code(self) -> i32 {
        match self {
            Verdict::Pass => 0,
            Verdict::Warn => 2,
            Verdict::Reject => 3,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub verdict: Verdict,
    pub candidate: CandidateSummary,
    pub conflicts: ConflictCollection,
    pub adjacent: Vec<Adjacent>,
    /// With `depth`: features overlapped in plan, apart in depth.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub separated_in_depth: Vec<SeparatedInDepth>,
    pub layers: Vec<LayerRevision>,
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CandidateSummary {
    #[serde(flatten)]
    pub area: AreaFigures,
    pub vertices: usize,
    /// The candidate as corner points (TXT exchange format), when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corner_points: Option<String>,
}

/// Conflicts as a GeoJSON FeatureCollection (CRS84), so a map can draw them.
#[derive(Debug, Clone, Serialize)]
pub struct ConflictCollection {
    #[serde(rename = "type")]
    kind: &'static str,
    pub features: Vec<Conflict>,
}

impl From<Vec<Conflict>> for ConflictCollection {
    fn from(features: Vec<Conflict>) -> Self {
        ConflictCollection {
            kind: "FeatureCollection",
            features,
        }
    }
}

/// One overlap of positive area (or length, or a point inside) with a feature.
#[derive(Debug, Clone, Serialize)]
pub struct Conflict {
    #[serde(rename = "type")]
    kind: &'static str,
    pub geometry: OverlapGeometry,
    pub properties: ConflictProperties,
}

/// An overlap's geometry. Written as GeoJSON (CRS84) straight from the shape
/// when the answer is serialised: no intermediate JSON tree, and a feature
/// wholly inside the candidate is not even copied.
#[derive(Debug, Clone)]
pub enum OverlapGeometry {
    /// Left out by the caller: null.
    Omitted,
    /// Computed by clipping.
    Part(Shape),
    /// A whole feature of a layer (by index), lying wholly inside the candidate.
    Feature(Arc<Layer>, usize),
}

impl OverlapGeometry {
    pub fn shape(&self) -> Option<Cow<'_, Shape>> {
        match self {
            OverlapGeometry::Omitted => None,
            OverlapGeometry::Part(shape) => Some(Cow::Borrowed(shape)),
            OverlapGeometry::Feature(layer, i) => Some(Cow::Owned(layer.data.features.shape(*i))),
        }
    }
}

impl Serialize for OverlapGeometry {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            OverlapGeometry::Omitted => serializer.serialize_none(),
            OverlapGeometry::Part(shape) => ShapeJson(shape).serialize(serializer),
            OverlapGeometry::Feature(layer, i) => {
                layer.data.features.view(*i).serialize(serializer)
            }
        }
    }
}

impl Conflict {
    pub fn new(geometry: OverlapGeometry, properties: ConflictProperties) -> Self {
        Conflict {
            kind: "Feature",
            geometry,
            properties,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ConflictProperties {
    pub layer: String,
    pub feature_id: FeatureId,
    pub name: Option<String>,
    pub on_overlap: OnOverlap,
    pub rule: String,
    pub overlap_area_m2: f64,
    pub overlap_area_mu: f64,
    /// Geodesic length inside the candidate, for line features.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overlap_length_m: Option<f64>,
    pub share_of_candidate: f64,
    pub share_of_feature: f64,
    /// On a layer with a protection buffer: how near the feature is and how
    /// much of the candidate lies inside its buffer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buffer: Option<BufferFigures>,
    /// On a depth-aware layer, for a feature with a depth range, when the
    /// check gave its own: both ranges and the part they share.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depth: Option<DepthFigures>,
    /// For a feature that carries `valid_from`/`valid_to` (a licence): its
    /// validity on the check date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validity: Option<Validity>,
    /// 地块编号 of the parcel this overlap belongs to, for multi-parcel files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parcel: Option<String>,
    /// The overlap as corner points (TXT exchange format), when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corner_points: Option<String>,
}

/// A candidate within a feature's protection buffer.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct BufferFigures {
    /// The buffer's distance (m): the layer's, or wider where the check
    /// asked for more.
    pub buffer_m: f64,
    /// Geodesic distance (m) between the candidate and the feature; 0 where
    /// they overlap or touch.
    pub distance_m: f64,
    /// Ellipsoid area of the candidate inside the buffer.
    pub area_m2: f64,
    pub area_mu: f64,
    pub share_of_candidate: f64,
}

/// An elevation range (m above sea level; 开采深度 such as +800 m to +200 m).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DepthRange {
    pub top_m: f64,
    pub bottom_m: f64,
}

impl DepthRange {
    /// The range both share, if it has thickness: ranges that only meet at
    /// one elevation (one's floor, the other's roof) are apart.
    pub fn shared(self, other: DepthRange) -> Option<DepthRange> {
        let (top_m, bottom_m) = (
            self.top_m.min(other.top_m),
            self.bottom_m.max(other.bottom_m),
        );
        (top_m > bottom_m).then_some(DepthRange { top_m, bottom_m })
    }
}

/// The depth of a conflict on a depth-aware layer.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct DepthFigures {
    pub candidate: DepthRange,
    pub feature: DepthRange,
    pub shared: DepthRange,
}

/// A feature the candidate overlaps in plan whose depth range it does not
/// reach: not a conflict (立体分层).
#[derive(Debug, Clone, Serialize)]
pub struct SeparatedInDepth {
    pub layer: String,
    pub feature_id: FeatureId,
    pub name: Option<String>,
    /// The overlap in plan.
    pub overlap_area_m2: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overlap_length_m: Option<f64>,
    pub candidate_depth: DepthRange,
    pub feature_depth: DepthRange,
    /// 地块编号 of the parcel, for multi-parcel files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parcel: Option<String>,
}

/// A feature's validity (a licence's 有效期) on the date of a check.
#[derive(Debug, Clone, Serialize)]
pub struct Validity {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<String>,
    /// The date validity was judged on (`as_of`, or the day of the check,
    /// China Standard Time).
    pub on: String,
    pub status: ValidityStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValidityStatus {
    /// `valid_from` ≤ the date ≤ `valid_to` (either may be missing).
    InForce,
    /// The date is past `valid_to`: the right is still registered until it
    /// is cancelled.
    Expired,
    /// The date is before `valid_from`.
    NotYetValid,
    /// A `valid_from` or `valid_to` that is not a date (YYYY-MM-DD): taken
    /// as in force.
    Unreadable,
}

impl ConflictProperties {
    /// A few words on what a candidate overlaps, for findings and reports:
    /// "LAYER ID (12.00 m²)", "the 200 m buffer of LAYER ID (…)", with
    /// ", expired 2025-01-05" for a licence past its validity.
    pub fn described(&self) -> String {
        let mut out = match (&self.buffer, self.overlap_length_m) {
            (Some(b), _) if self.overlap_area_m2 == 0.0 && self.overlap_length_m.is_none() => {
                format!(
                    "the {:.0} m buffer of {} {} ({:.2} m away, {:.2} m² inside)",
                    b.buffer_m, self.layer, self.feature_id, b.distance_m, b.area_m2
                )
            }
            (_, Some(len)) => format!("{} {} ({len:.2} m)", self.layer, self.feature_id),
            _ => format!(
                "{} {} ({:.2} m²)",
                self.layer, self.feature_id, self.overlap_area_m2
            ),
        };
        if let Some(v) = &self.validity {
            match v.status {
                ValidityStatus::Expired => {
                    out += &format!(", expired {}", v.valid_to.as_deref().unwrap_or(""))
                }
                ValidityStatus::NotYetValid => {
                    out += &format!(", valid from {}", v.valid_from.as_deref().unwrap_or(""))
                }
                _ => {}
            }
        }
        out
    }
}

/// A feature that touches the candidate's boundary without overlapping it.
#[derive(Debug, Clone, Serialize)]
pub struct Adjacent {
    pub layer: String,
    pub feature_id: FeatureId,
    pub name: Option<String>,
}

/// Which data a check ran against.
#[derive(Debug, Clone, Serialize)]
pub struct LayerRevision {
    pub id: String,
    pub revision: String,
    pub features: usize,
}

impl LayerRevision {
    pub fn of(layer: &Layer) -> LayerRevision {
        LayerRevision {
            id: layer.entry.id.clone(),
            revision: layer.data.revision.clone(),
            features: layer.data.features.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verdict_is_parsed_from_the_name_it_is_written_by_and_from_nothing_else() {
        for v in [Verdict::Reject, Verdict::Warn, Verdict::Pass] {
            assert_eq!(serde_json::to_value(v).unwrap(), v.as_str());
            assert_eq!(Verdict::parse(v.as_str()), Some(v));
        }
        assert_eq!(Verdict::parse("Pass"), None);
        assert_eq!(Verdict::parse(""), None);
    }
}
