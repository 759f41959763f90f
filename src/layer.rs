//! A planning layer: its features, their precomputed measures, and an R-tree
//! over their bounding boxes.
//!
//! Loading a layer file:
//! 1. parse the GeoJSON FeatureCollection, or the FlatGeobuf file (`.fgb`,
//!    see [`crate::fgb`]), longitude, latitude on CGCS2000;
//! 2. check every feature: a unique id, a supported geometry, closed rings,
//!    coordinates in range, no self-intersections;
//! 3. precompute each feature's bounding box and ellipsoid area (or length);
//! 4. bulk-load one R-tree of rectangles that point into the feature table.

use std::path::{Path, PathBuf};

use geo::{BoundingRect, Rect};
use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::{GeomWithData, Rectangle};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::geodesy;
use crate::shape::{Shape, ShapeError, shape_from_geojson};
use crate::validate::{InvalidGeometry, check_multipolygon};

/// What a conflict with a layer means for a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnOverlap {
    /// A hard constraint: the candidate cannot go ahead as drawn.
    Reject,
    /// Allowed with conditions (e.g. remediation while mining).
    Warn,
    /// Context only.
    Info,
}

/// A feature's id exactly as the layer file gives it: string or number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FeatureId {
    Text(String),
    Number(serde_json::Number),
}

impl std::fmt::Display for FeatureId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FeatureId::Text(s) => f.write_str(s),
            FeatureId::Number(n) => write!(f, "{n}"),
        }
    }
}

/// One planning feature: a block, a zone, a licence area, a fissure …
#[derive(Debug, Clone)]
pub struct Feature {
    pub id: FeatureId,
    pub name: Option<String>,
    pub properties: serde_json::Map<String, serde_json::Value>,
    pub shape: Shape,
    pub bbox: Rect,
    /// Ellipsoid area in m² for polygons, geodesic length in m for lines, 0 for points.
    pub measure: f64,
}

/// An R-tree entry: a feature's bounding box and its index in the feature table.
pub type IndexEntry = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// A loaded layer's geometry and index (the catalog entry lives beside it).
#[derive(Debug)]
pub struct LayerData {
    pub features: Vec<Feature>,
    pub index: RTree<IndexEntry>,
    /// Short content hash of the layer file.
    pub revision: String,
    pub bbox: Option<Rect>,
}

/// Why a layer file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LayerError {
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a GeoJSON FeatureCollection: {message}")]
    NotFeatureCollection { path: PathBuf, message: String },
    #[error("{path}: {source}")]
    FlatGeobuf {
        path: PathBuf,
        source: crate::fgb::FgbError,
    },
    #[error("{path}: feature {index}: {reason}")]
    Feature {
        path: PathBuf,
        index: usize,
        reason: FeatureProblem,
    },
}

/// What is wrong with one feature of a layer file.
#[derive(Debug, thiserror::Error)]
pub enum FeatureProblem {
    #[error("has no id; every feature needs a unique GeoJSON id")]
    MissingId,
    #[error("id {0} is used by feature {1} too")]
    DuplicateId(FeatureId, usize),
    #[error("has no geometry")]
    NoGeometry,
    #[error(transparent)]
    Shape(#[from] ShapeError),
    #[error(
        "coordinate ({x}, {y}) is outside longitude/latitude range; layer files are CRS84 (longitude, latitude)"
    )]
    OutOfRange { x: f64, y: f64 },
    #[error("invalid polygon: {0}")]
    Invalid(#[from] InvalidGeometry),
    #[error("cannot be decoded: {0}")]
    Encoding(String),
}

/// A short, stable hash of a layer file's bytes: the layer's revision.
pub fn revision_of(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest[..6].iter().map(|b| format!("{b:02x}")).collect()
}

/// Loads and indexes one layer file.
pub fn load_layer(path: &Path) -> Result<LayerData, LayerError> {
    let bytes = std::fs::read(path).map_err(|source| LayerError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let revision = revision_of(&bytes);
    let problem = |index: usize, reason: FeatureProblem| LayerError::Feature {
        path: path.to_path_buf(),
        index,
        reason,
    };
    let features = if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("fgb"))
    {
        crate::fgb::read_features(&bytes).map_err(|e| match e {
            crate::fgb::FgbError::Feature { index, reason } => problem(index, reason),
            source => LayerError::FlatGeobuf {
                path: path.to_path_buf(),
                source,
            },
        })?
    } else {
        let collection: geojson::FeatureCollection =
            serde_json::from_slice(&bytes).map_err(|e| LayerError::NotFeatureCollection {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
        drop(bytes);
        collection
            .features
            .into_par_iter()
            .enumerate()
            .map(|(index, f)| read_feature(f).map_err(|reason| problem(index, reason)))
            .collect::<Result<Vec<_>, _>>()?
    };
    LayerData::from_features(features, revision).map_err(|(index, reason)| problem(index, reason))
}

impl LayerData {
    /// Indexes features already read (from a file, a generator or a test),
    /// refusing a duplicate id with the index of the feature that repeats it.
    pub fn from_features(
        features: Vec<Feature>,
        revision: String,
    ) -> Result<LayerData, (usize, FeatureProblem)> {
        let mut seen = std::collections::HashMap::with_capacity(features.len());
        for (index, f) in features.iter().enumerate() {
            if let Some(first) = seen.insert(&f.id, index) {
                return Err((index, FeatureProblem::DuplicateId(f.id.clone(), first)));
            }
        }
        drop(seen);
        let entries = features
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let (min, max) = (f.bbox.min(), f.bbox.max());
                GeomWithData::new(
                    Rectangle::from_corners([min.x, min.y], [max.x, max.y]),
                    i as u32,
                )
            })
            .collect();
        let bbox = features.iter().map(|f| f.bbox).reduce(|a, b| {
            Rect::new(
                geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
            )
        });
        Ok(LayerData {
            features,
            index: RTree::bulk_load(entries),
            revision,
            bbox,
        })
    }
}

/// Reads one GeoJSON feature: id, geometry checks, bounding box and measure.
pub fn read_feature(f: geojson::Feature) -> Result<Feature, FeatureProblem> {
    let id = match f.id {
        Some(geojson::feature::Id::String(s)) => FeatureId::Text(s),
        Some(geojson::feature::Id::Number(n)) => FeatureId::Number(n),
        None => return Err(FeatureProblem::MissingId),
    };
    let geometry = f.geometry.ok_or(FeatureProblem::NoGeometry)?;
    let shape = shape_from_geojson(&geometry.value)?;
    feature_from_parts(id, shape, f.properties.unwrap_or_default())
}

/// Checks a feature read from any layer file format and precomputes its
/// bounding box and measure.
pub(crate) fn feature_from_parts(
    id: FeatureId,
    shape: Shape,
    properties: serde_json::Map<String, serde_json::Value>,
) -> Result<Feature, FeatureProblem> {
    if let Some(c) = shape
        .coords()
        .find(|c| !(-180.0..=180.0).contains(&c.x) || !(-90.0..=90.0).contains(&c.y))
    {
        return Err(FeatureProblem::OutOfRange { x: c.x, y: c.y });
    }
    let (bbox, measure) = match &shape {
        Shape::Area(area) => {
            check_multipolygon(area)?;
            (area.bounding_rect(), geodesy::multipolygon_area_m2(area))
        }
        Shape::Lines(lines) => (
            lines.bounding_rect(),
            lines.0.iter().map(geodesy::line_length_m).sum(),
        ),
        Shape::Points(points) => (points.bounding_rect(), 0.0),
    };
    let name = properties
        .get("name")
        .and_then(|v| v.as_str())
        .map(str::to_string);
    Ok(Feature {
        id,
        name,
        properties,
        shape,
        bbox: bbox.ok_or(FeatureProblem::NoGeometry)?,
        measure,
    })
}
