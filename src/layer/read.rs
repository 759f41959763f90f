//! Reading features from any layer file format: the checks every feature
//! passes, its box and measure, and the parallel reading in chunks.

use geo::BoundingRect;
use rayon::prelude::*;

use super::table::FeatureTable;
use super::{Chunks, Feature, FeatureId, FeatureProblem};
use crate::geom::geodesy;
use crate::geom::shape::{Shape, shape_from_geojson};
use crate::geom::validate::check_multipolygon;

/// How many features one parallel task reads into its own table.
const CHUNK: usize = 4096;

/// Reads items into features in parallel, chunk by chunk, each chunk into
/// a table of its own (no per-feature allocation survives the read).
pub(crate) fn in_chunks<T: Send>(
    items: Vec<T>,
    read: impl Fn(T) -> Result<Feature, FeatureProblem> + Sync,
) -> Result<Chunks, (usize, FeatureProblem)> {
    let mut chunks = Vec::with_capacity(items.len().div_ceil(CHUNK));
    let mut items = items.into_iter();
    loop {
        let chunk: Vec<T> = items.by_ref().take(CHUNK).collect();
        if chunk.is_empty() {
            break;
        }
        chunks.push((chunks.len() * CHUNK, chunk));
    }
    chunks
        .into_par_iter()
        .map(|(first, chunk)| {
            let mut table = FeatureTable::default();
            let mut boxes = Vec::with_capacity(chunk.len());
            for (index, item) in (first..).zip(chunk) {
                let feature = read(item).map_err(|reason| (index, reason))?;
                table
                    .push(&feature)
                    .map_err(|e| (index, FeatureProblem::from(e)))?;
                boxes.push(feature.bbox);
            }
            Ok((table, boxes))
        })
        .collect()
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
