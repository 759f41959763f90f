//! Review records: a screening of one candidate version against named layer
//! revisions, kept as evidence.
//!
//! A record is two canonical JSON texts (keys sorted, no whitespace): the
//! answer of the check exactly as `/check` gives it, and the record body —
//! candidate version, reviewer, time, every layer's revision and catalog
//! entry, the options, the verdict and the answer's SHA-256. The record's
//! content hash is the SHA-256 of the body, so it covers the answer too.
//! Verifying re-runs the check on the recorded revisions and compares the
//! new answer's canonical text with the stored one, byte for byte.

pub mod html;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::digest::sha256_hex;
use crate::engine::report::Verdict;
use crate::engine::rules::CandidateKind;
use crate::engine::screening::{
    NearestLayers, Options, Screening, read_buffers, read_depth, screen,
};
use crate::fault::Fault;
use crate::geom::crs::{Crs, CrsError};
use crate::intake::candidate::Limits;
use crate::intake::formats::GkZone;
use crate::intake::formats::txt::CornerStyle;
use crate::intake::submission::{self, SubmissionError};
use crate::layer::catalog::{Layer, LayerEntry};
use crate::records::revisions::{LiveCatalog, RevisionError, find_revision};
use crate::records::store::{
    LayerRevisionRecord, NewReview, ReviewRow, Source, Store, StoreError, Version,
};

/// The record format; bump when the body's shape changes.
pub const RECORD_FORMAT: &str = "planmap-review/1";

/// Why a review could not be made or verified.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Revision(#[from] RevisionError),
    #[error(transparent)]
    Submission(#[from] SubmissionError),
    #[error(transparent)]
    Crs(#[from] CrsError),
    #[error(transparent)]
    Screen(#[from] crate::engine::screening::ScreenError),
    #[error("the stored record cannot be read: {0}")]
    Corrupt(String),
}

impl Fault for ReviewError {
    fn slug(&self) -> &'static str {
        match self {
            Self::Store(e) => e.slug(),
            Self::Revision(e) => e.slug(),
            Self::Submission(e) => e.slug(),
            Self::Crs(e) => e.slug(),
            Self::Screen(e) => e.slug(),
            // A record that was written and no longer reads is the server's fault.
            Self::Corrupt(_) => "internal",
        }
    }

    fn location(&self) -> Map<String, Value> {
        match self {
            Self::Store(e) => e.location(),
            Self::Revision(e) => e.location(),
            Self::Submission(e) => e.location(),
            Self::Crs(e) => e.location(),
            Self::Screen(e) => e.location(),
            Self::Corrupt(_) => Map::new(),
        }
    }
}

/// A layer as a record names it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordedLayer {
    pub id: String,
    pub revision: String,
    pub sha256: String,
    pub effective: String,
    pub entry: LayerEntry,
}

/// The options a review runs the check with: the kind and mineral from the
/// candidate, and what the reviewer asked to have in the dossier. Options a
/// record does not name are off, so records made before they existed read
/// (and verify) as they were made.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordedOptions {
    pub kind: Option<CandidateKind>,
    pub mineral: Option<String>,
    pub net: bool,
    /// Corner points of the candidate, each overlap and the clean part, in
    /// this style (`dms`, or a Gauss-Krüger zone as the reviewer gave it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corners: Option<String>,
    /// Every basic unit block listed, not only counted.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub blocks: bool,
    /// The date licences' validity was judged on (the day of the review,
    /// China Standard Time), so that a re-run judges it on the same day.
    /// Records made before validity was read have none, and re-run without.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_date: Option<String>,
    /// The analyses asked for, each kept as the reviewer wrote it
    /// (`nearest=`, `buffer=`, `depth=` as `/check` reads them), so that a
    /// re-run asks the same. Absent from records that asked none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nearest: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buffer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depth: Option<String>,
}

/// What a reviewer wants in the dossier besides the verdict.
#[derive(Debug, Clone, Default)]
pub struct DossierOptions {
    /// A corner style as [`CornerStyle::parse`] reads it.
    pub corners: Option<String>,
    pub blocks: bool,
    /// The nearest feature of these layers (`true` or ids), a protection
    /// buffer (`LAYER:METRES,…`) and the candidate's elevation range
    /// (`TOP,BOTTOM`), as `/check` reads them; already checked against the
    /// layers by the caller.
    pub nearest: Option<String>,
    pub buffer: Option<String>,
    pub depth: Option<String>,
}

/// The body of a review record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordBody {
    pub format: String,
    pub candidate_id: i64,
    pub candidate_version: i64,
    pub candidate: Value,
    pub reviewer: String,
    pub reviewed_at: String,
    pub layers: Vec<RecordedLayer>,
    pub options: RecordedOptions,
    pub verdict: Verdict,
    pub answer_sha256: String,
}

/// JSON with object keys sorted and no insignificant whitespace; numbers as
/// serde_json writes them (shortest round-trip form), strings JSON-escaped.
pub fn canonical(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// Reads a stored candidate version back into parts, exactly as submitted.
pub fn parts_of(source: &Source) -> Result<Vec<crate::intake::submission::Part>, ReviewError> {
    let crs = source.crs.as_deref().map(Crs::parse).transpose()?;
    let zone = source.zone.as_deref().and_then(GkZone::parse);
    // The submission was checked against the limits when it was stored.
    let limits = Limits::none();
    Ok(submission::read(
        &source
            .bytes()
            .map_err(|e| ReviewError::Corrupt(e.to_string()))?,
        source.format,
        crs,
        zone,
        limits,
    )?)
}

fn options_of(options: &RecordedOptions) -> Result<Options, ReviewError> {
    let corners = options
        .corners
        .as_deref()
        .map(CornerStyle::parse)
        .transpose()
        .map_err(|e| ReviewError::Corrupt(e.to_string()))?;
    let corrupt = |what: &str, e: String| ReviewError::Corrupt(format!("{what}: {e}"));
    Ok(Options {
        kind: options.kind,
        mineral: options.mineral.clone(),
        net: options.net,
        list_blocks: options.blocks,
        corners,
        on_date: options.on_date.clone(),
        nearest: options
            .nearest
            .as_deref()
            .map(NearestLayers::read)
            .transpose()
            .map_err(|e| corrupt("nearest", e))?
            .flatten(),
        buffers: options
            .buffer
            .as_deref()
            .map(read_buffers)
            .transpose()
            .map_err(|e| corrupt("buffer", e))?
            .unwrap_or_default(),
        depth: options
            .depth
            .as_deref()
            .map(read_depth)
            .transpose()
            .map_err(|e| corrupt("depth", e))?,
        ..Options::default()
    })
}

fn answer_text(screening: &Screening) -> Result<String, ReviewError> {
    let value = serde_json::to_value(screening).map_err(|e| ReviewError::Corrupt(e.to_string()))?;
    Ok(canonical(&value))
}

/// Screens `version` against `layers` (one catalog generation) and builds
/// the record `reviewer` will store.
pub fn make(
    store: &dyn Store,
    version: &Version,
    layers: &[Arc<Layer>],
    reviewer: &str,
    dossier: &DossierOptions,
) -> Result<NewReview, ReviewError> {
    let recorded = layers
        .iter()
        .map(|l| {
            let r: LayerRevisionRecord = find_revision(store, &l.entry.id, &l.data.revision)?;
            Ok(RecordedLayer {
                id: l.entry.id.clone(),
                revision: r.revision,
                sha256: r.sha256,
                effective: r.effective,
                entry: l.entry.clone(),
            })
        })
        .collect::<Result<Vec<_>, ReviewError>>()?;
    let options = RecordedOptions {
        kind: Some(version.data.kind),
        mineral: version.data.mineral.clone(),
        net: true,
        corners: dossier.corners.as_ref().map(|c| c.trim().to_string()),
        blocks: dossier.blocks,
        on_date: Some(crate::time::today()),
        nearest: dossier.nearest.clone(),
        buffer: dossier.buffer.clone(),
        depth: dossier.depth.clone(),
    };
    let screening = screen(
        &parts_of(&version.data.source)?,
        layers,
        &options_of(&options)?,
    )?;
    let answer = answer_text(&screening)?;
    let verdict = screening.report.verdict;
    let body = RecordBody {
        format: RECORD_FORMAT.to_string(),
        candidate_id: version.candidate_id,
        candidate_version: version.version,
        candidate: serde_json::to_value(version)
            .map_err(|e| ReviewError::Corrupt(e.to_string()))?,
        reviewer: reviewer.to_string(),
        reviewed_at: crate::time::now(),
        layers: recorded,
        options,
        verdict,
        answer_sha256: sha256_hex(&answer),
    };
    let body =
        canonical(&serde_json::to_value(&body).map_err(|e| ReviewError::Corrupt(e.to_string()))?);
    Ok(NewReview {
        candidate_id: version.candidate_id,
        candidate_version: version.version,
        verdict,
        hash: sha256_hex(&body),
        body,
        answer,
    })
}

/// A stored review parsed back.
pub fn body_of(row: &ReviewRow) -> Result<RecordBody, ReviewError> {
    serde_json::from_str(&row.body).map_err(|e| ReviewError::Corrupt(e.to_string()))
}

/// Whether a stored record is intact: its hash is the SHA-256 of its body,
/// and the body names the SHA-256 of its answer.
pub fn hash_holds(row: &ReviewRow) -> bool {
    sha256_hex(&row.body) == row.hash
        && body_of(row).is_ok_and(|b| b.answer_sha256 == sha256_hex(&row.answer))
}

/// The outcome of re-running a review.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub review: i64,
    pub hash: String,
    /// The record's hash and answer digest match its content.
    pub hash_valid: bool,
    /// The re-run answer equals the stored one, byte for byte.
    pub identical: bool,
    /// JSON pointers where the answers differ (at most 20).
    pub differences: Vec<String>,
    pub layers: Vec<Value>,
    pub verified_at: String,
}

/// Re-runs a stored review on its recorded layer revisions.
pub fn verify(
    store: &dyn Store,
    live: &LiveCatalog,
    row: &ReviewRow,
) -> Result<Verification, ReviewError> {
    let body = body_of(row)?;
    let layers = body
        .layers
        .iter()
        .map(|l| {
            let record = store
                .layer_revisions(&l.id)?
                .into_iter()
                .find(|r| r.sha256 == l.sha256)
                .ok_or_else(|| RevisionError::UnknownRevision {
                    layer: l.id.clone(),
                    revision: l.revision.clone(),
                })?;
            Ok(live.layer_of(store, &record, &l.entry)?)
        })
        .collect::<Result<Vec<_>, ReviewError>>()?;
    let source: Source = serde_json::from_value(body.candidate["source"].clone())
        .map_err(|e| ReviewError::Corrupt(e.to_string()))?;
    let screening = screen(&parts_of(&source)?, &layers, &options_of(&body.options)?)?;
    let answer = answer_text(&screening)?;
    let identical = answer == row.answer;
    let mut differences = Vec::new();
    if !identical {
        let old: Value = serde_json::from_str(&row.answer).unwrap_or(Value::Null);
        let new: Value = serde_json::from_str(&answer).unwrap_or(Value::Null);
        differ("", &old, &new, &mut differences);
        if differences.is_empty() {
            differences.push("(last digits of a number)".to_string());
        }
    }
    Ok(Verification {
        review: row.id,
        hash: row.hash.clone(),
        hash_valid: hash_holds(row),
        identical,
        differences,
        layers: body
            .layers
            .iter()
            .map(|l| json!({ "id": l.id, "revision": l.revision }))
            .collect(),
        verified_at: crate::time::now(),
    })
}

fn differ(at: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    if out.len() >= 20 || a == b {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let null = Value::Null;
                differ(
                    &format!("{at}/{k}"),
                    x.get(k).unwrap_or(&null),
                    y.get(k).unwrap_or(&null),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                differ(&format!("{at}/{i}"), p, q, out);
            }
        }
        _ => out.push(if at.is_empty() { "/".into() } else { at.into() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let v = json!({"b": 1, "a": {"d": [1.5, "x"], "c": null}});
        assert_eq!(canonical(&v), r#"{"a":{"c":null,"d":[1.5,"x"]},"b":1}"#);
    }

    #[test]
    fn differences_are_named_by_json_pointer() {
        let mut out = Vec::new();
        differ(
            "",
            &json!({"verdict": "pass", "n": [1, 2]}),
            &json!({"verdict": "reject", "n": [1, 3]}),
            &mut out,
        );
        assert_eq!(out, vec!["/n/1", "/verdict"]);
    }
}
