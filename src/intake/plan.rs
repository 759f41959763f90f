//! A whole set of plan blocks, as a whole-plan QA takes it: a GeoJSON
//! FeatureCollection (one block a feature) or the parts of a multi-parcel
//! coordinate file (one block a parcel). A block that does not read is kept
//! with the reason, so that the QA reports it beside the others instead of
//! refusing the whole set.

use serde_json::Value;

use crate::geom::crs::Crs;
use crate::intake::candidate::{Candidate, Limits, read_candidate};
use crate::intake::submission::Part;

/// The most blocks one QA takes: a county's plan has tens, a province's
/// hundreds; each is screened against every layer.
pub const MAX_BLOCKS: usize = 2_000;

/// One block of a plan, read or not.
#[derive(Debug, Clone)]
pub struct PlanBlock {
    /// The feature's id (or `properties.id`, or its position from 1), the
    /// parcel's 地块编号.
    pub id: String,
    pub name: Option<String>,
    /// `properties.kind` and `properties.mineral`, where the block gives them.
    pub kind: Option<String>,
    pub mineral: Option<String>,
    /// The block, or why it could not be read (invalid geometry …).
    pub read: Result<Candidate, String>,
}

/// Why a body is not a set of blocks.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PlanError {
    #[error(
        "the body is not a set of blocks: send a GeoJSON FeatureCollection, {{\"layer\": \"LAYER_ID\"}}, or a multi-parcel coordinate file"
    )]
    NotASet,
    #[error("{count} blocks is more than the {max} one QA takes; split the plan")]
    TooMany { count: usize, max: usize },
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The features of a FeatureCollection as blocks, each read as a candidate
/// in `crs` (CRS84 unless the body names otherwise).
pub fn from_feature_collection(
    json: &Value,
    crs: Crs,
    limits: Limits,
) -> Result<Vec<PlanBlock>, PlanError> {
    if json.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(PlanError::NotASet);
    }
    let features = json
        .get("features")
        .and_then(Value::as_array)
        .ok_or(PlanError::NotASet)?;
    if features.len() > MAX_BLOCKS {
        return Err(PlanError::TooMany {
            count: features.len(),
            max: MAX_BLOCKS,
        });
    }
    Ok(features
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let properties = f.get("properties").cloned().unwrap_or(Value::Null);
            let id = f
                .get("id")
                .and_then(text)
                .or_else(|| properties.get("id").and_then(text))
                .unwrap_or_else(|| (i + 1).to_string());
            PlanBlock {
                id,
                name: properties.get("name").and_then(text),
                kind: properties.get("kind").and_then(text),
                mineral: properties.get("mineral").and_then(text),
                read: read_candidate(f, crs, limits).map_err(|e| e.to_string()),
            }
        })
        .collect())
}

/// The parcels of a coordinate file as blocks.
pub fn from_parts(parts: Vec<Part>) -> Result<Vec<PlanBlock>, PlanError> {
    if parts.len() > MAX_BLOCKS {
        return Err(PlanError::TooMany {
            count: parts.len(),
            max: MAX_BLOCKS,
        });
    }
    Ok(parts
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let (id, name) = match p.parcel {
                Some(label) if !label.id.is_empty() => (label.id, label.name),
                Some(label) => ((i + 1).to_string(), label.name),
                None => ((i + 1).to_string(), None),
            };
            PlanBlock {
                id,
                name,
                kind: None,
                mineral: None,
                read: Ok(p.candidate),
            }
        })
        .collect())
}
