//! The answer to a check, as the HTTP API and `planmap check --json` give it.

use std::borrow::Cow;
use std::sync::Arc;

use geo::{Coord, MultiPolygon, Point, Polygon};
use serde::Serialize;
use serde_json::Value;

use crate::geom::geodesy::AreaFigures;
use crate::geom::shape::Shape;
use crate::intake::candidate::Warning;
use crate::layer::catalog::Layer;
use crate::layer::table::ShapeView;
use crate::layer::{FeatureId, OnOverlap};

/// The outcome of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Reject,
    Warn,
    Pass,
}

impl Verdict {
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
                ViewJson(layer.data.features.view(*i)).serialize(serializer)
            }
        }
    }
}

/// GeoJSON of a feature read in place from its layer's table.
struct ViewJson<'a>(ShapeView<'a>);

/// A list of rings (or lines) read in place.
struct RingList<'a>(Vec<&'a [Coord]>);

impl Serialize for RingList<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|r| Ring(r)))
    }
}

fn ring_list<'a>(rings: impl Iterator<Item = &'a [Coord]>) -> RingList<'a> {
    RingList(rings.collect())
}

impl Serialize for ViewJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let view = self.0;
        let mut map = s.serialize_map(Some(2))?;
        let mut parts = view.parts();
        if view.is_points() {
            match view.coords() {
                [one] => {
                    map.serialize_entry("type", "Point")?;
                    map.serialize_entry("coordinates", &[one.x, one.y])?;
                }
                all => {
                    map.serialize_entry("type", "MultiPoint")?;
                    map.serialize_entry("coordinates", &Ring(all))?;
                }
            }
        } else if view.is_area() {
            if parts.len() == 1 {
                map.serialize_entry("type", "Polygon")?;
                map.serialize_entry("coordinates", &ring_list(parts.next().expect("one part")))?;
            } else {
                map.serialize_entry("type", "MultiPolygon")?;
                let parts: Vec<_> = parts.map(ring_list).collect();
                map.serialize_entry("coordinates", &parts)?;
            }
        } else if parts.len() == 1 {
            map.serialize_entry("type", "LineString")?;
            map.serialize_entry("coordinates", &Ring(view.coords()))?;
        } else {
            map.serialize_entry("type", "MultiLineString")?;
            map.serialize_entry("coordinates", &ring_list(parts.flatten()))?;
        }
        map.end()
    }
}

/// GeoJSON of a shape: single-part geometries as Polygon, LineString, Point.
struct ShapeJson<'a>(&'a Shape);

struct Ring<'a>(&'a [Coord]);
struct Rings<'a>(&'a Polygon);
struct Points<'a>(&'a [Point]);

impl Serialize for Ring<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|c| [c.x, c.y]))
    }
}

impl Serialize for Rings<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            std::iter::once(self.0.exterior())
                .chain(self.0.interiors())
                .map(|r| Ring(&r.0)),
        )
    }
}

impl Serialize for Points<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|p| [p.x(), p.y()]))
    }
}

impl Serialize for ShapeJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(2))?;
        match self.0 {
            Shape::Area(a) => match a.0.as_slice() {
                [one] => {
                    map.serialize_entry("type", "Polygon")?;
                    map.serialize_entry("coordinates", &Rings(one))?;
                }
                parts => {
                    map.serialize_entry("type", "MultiPolygon")?;
                    let parts: Vec<Rings> = parts.iter().map(Rings).collect();
                    map.serialize_entry("coordinates", &parts)?;
                }
            },
            Shape::Lines(l) => match l.0.as_slice() {
                [one] => {
                    map.serialize_entry("type", "LineString")?;
                    map.serialize_entry("coordinates", &Ring(&one.0))?;
                }
                parts => {
                    map.serialize_entry("type", "MultiLineString")?;
                    let parts: Vec<Ring> = parts.iter().map(|p| Ring(&p.0)).collect();
                    map.serialize_entry("coordinates", &parts)?;
                }
            },
            Shape::Points(p) => match p.0.as_slice() {
                [one] => {
                    map.serialize_entry("type", "Point")?;
                    map.serialize_entry("coordinates", &[one.x(), one.y()])?;
                }
                parts => {
                    map.serialize_entry("type", "MultiPoint")?;
                    map.serialize_entry("coordinates", &Points(parts))?;
                }
            },
        }
        map.end()
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
    /// 地块编号 of the parcel this overlap belongs to, for multi-parcel files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parcel: Option<String>,
    /// The overlap as corner points (TXT exchange format), when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corner_points: Option<String>,
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

/// A shape's GeoJSON as a JSON value, written by [`ShapeJson`] like every
/// other geometry of an answer.
pub fn geometry_value(shape: &Shape) -> Value {
    // Coordinates are numbers and keys are strings: nothing here can fail.
    serde_json::to_value(ShapeJson(shape)).unwrap_or(Value::Null)
}

/// GeoJSON for an area: a Polygon when it has one part, else a MultiPolygon.
pub fn area_geometry(area: &MultiPolygon) -> Value {
    geometry_value(&Shape::Area(area.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_feature_is_written_read_in_place_as_its_copy_would_be() {
        let features = crate::layer::table::tests::samples();
        let shapes: Vec<Shape> = features.iter().map(|f| f.shape.clone()).collect();
        let data =
            crate::layer::LayerData::from_features(features, "r".into()).expect("valid samples");
        for (i, shape) in shapes.iter().enumerate() {
            let in_place = serde_json::to_value(ViewJson(data.features.view(i))).unwrap();
            let copied = serde_json::to_value(ShapeJson(shape)).unwrap();
            assert_eq!(in_place, copied, "feature {i}");
        }
    }
}
