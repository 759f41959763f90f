//! Candidate submissions: what a planner sends, checked and normalised into
//! a version the store keeps.

use geo::{BoundingRect, MultiPolygon};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::engine::rules::CandidateKind;
use crate::fault::{Fault, members};
use crate::geom::crs::{Crs, CrsError};
use crate::geom::geodesy;
use crate::geom::geojson::area_geometry;
use crate::intake::candidate::Limits;
use crate::intake::formats::GkZone;
use crate::intake::submission::{self, InputFormat, SubmissionError};
use crate::records::store::{Source, VersionData};

/// A submission as the API takes it (`POST /candidates`, `PUT /candidates/{id}`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CandidateInput {
    pub name: String,
    /// `exploration_block`, `mining_block` or `mining_right`.
    pub kind: String,
    #[serde(default)]
    pub mineral: Option<String>,
    #[serde(default)]
    pub applicant: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    /// A GeoJSON Polygon, MultiPolygon or Feature, as `/check` takes it.
    #[serde(default)]
    pub geometry: Option<Value>,
    /// CRS of `geometry` (authority axis order); CRS84 when absent.
    #[serde(default)]
    pub crs: Option<String>,
    /// `txt`, `corners`, `csv`, `xlsx` or `shapefile` (sniffed when absent).
    #[serde(default)]
    pub format: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    /// A coordinate file's bytes in base64, for a file that is not UTF-8
    /// (GBK/GB18030, UTF-16 with BOM): kept as the text it decodes to; an
    /// .xlsx workbook or a zipped Shapefile is kept as its base64.
    #[serde(default)]
    pub file: Option<String>,
    /// Gauss-Krüger zone for a coordinate file without zone numbers.
    #[serde(default)]
    pub zone: Option<String>,
}

/// Why a submission was refused.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{field}: {detail}")]
    Field { field: &'static str, detail: String },
    #[error(transparent)]
    Submission(#[from] SubmissionError),
    #[error(transparent)]
    Crs(#[from] CrsError),
}

impl Fault for InputError {
    fn slug(&self) -> &'static str {
        match self {
            Self::Field { .. } => "invalid-candidate",
            Self::Submission(e) => e.slug(),
            Self::Crs(e) => e.slug(),
        }
    }

    fn location(&self) -> Map<String, Value> {
        match self {
            Self::Field { field, .. } => members([("field", json!(field))]),
            Self::Submission(e) => e.location(),
            Self::Crs(e) => e.location(),
        }
    }
}

fn field(field: &'static str, detail: impl Into<String>) -> InputError {
    InputError::Field {
        field,
        detail: detail.into(),
    }
}

fn non_empty(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

/// Checks a submission and reads its geometry (as `/check` would) into a version.
pub fn prepare(input: CandidateInput, limits: Limits) -> Result<VersionData, InputError> {
    let name = input.name.trim().to_string();
    if name.is_empty() {
        return Err(field("name", "must not be empty"));
    }
    // Kept by its name, whichever spelling was sent.
    let kind = CandidateKind::parse(&input.kind).ok_or_else(|| {
        field(
            "kind",
            "use exploration_block, mining_block or mining_right",
        )
    })?;
    let asked = match input.format.as_deref() {
        Some(f) => Some(InputFormat::parse(f).ok_or_else(|| {
            field(
                "format",
                "use geojson, txt, corners, csv, xlsx or shapefile",
            )
        })?),
        None => None,
    };
    // A workbook or a Shapefile is kept as its base64 (Source::text says
    // so); a text file as the text it decodes to.
    let mut binary = None;
    let text = match (input.text, input.file) {
        (text, None) => {
            if let Some(f) = asked.filter(|f| f.is_binary()) {
                return Err(field(
                    "file",
                    format!(
                        "a {} file is binary: send its bytes in base64 as file",
                        f.as_str()
                    ),
                ));
            }
            text
        }
        (None, Some(file)) => {
            use base64::Engine;
            let base64 = base64::engine::general_purpose::STANDARD;
            let bytes = base64
                .decode(file.trim())
                .map_err(|e| field("file", format!("is not base64: {e}")))?;
            let format = asked.unwrap_or_else(|| InputFormat::sniff(&bytes));
            if format.is_binary() {
                binary = Some(format);
                Some(base64.encode(&bytes))
            } else {
                let decoded =
                    crate::intake::encoding::decode(&bytes).map_err(SubmissionError::from)?;
                Some(decoded.text.into_owned())
            }
        }
        (Some(_), Some(_)) => {
            return Err(field(
                "file",
                "give a coordinate file either as text or as file (base64), not both",
            ));
        }
    };
    let source = match (input.geometry, text) {
        (Some(geometry), None) => {
            if input.format.as_deref().is_some_and(|f| f != "geojson") {
                return Err(field(
                    "format",
                    "geometry is GeoJSON; send a coordinate file as text",
                ));
            }
            if let Some(crs) = &input.crs {
                crate::geom::crs::describe(Crs::parse(crs)?)?;
            }
            Source {
                format: InputFormat::GeoJson,
                crs: input.crs,
                zone: None,
                text: geometry.to_string(),
            }
        }
        (None, Some(text)) => {
            let format = match binary.or(asked) {
                Some(f) => f,
                None => InputFormat::sniff(text.as_bytes()),
            };
            if let Some(zone) = &input.zone
                && GkZone::parse(zone).is_none()
            {
                return Err(field(
                    "zone",
                    format!("{zone} is not a CGCS2000 Gauss-Krüger zone"),
                ));
            }
            Source {
                format,
                crs: input.crs,
                zone: input.zone,
                text,
            }
        }
        _ => {
            return Err(field(
                "geometry",
                "give either geometry (GeoJSON) or text (a coordinate file), not both",
            ));
        }
    };
    let crs = source.crs.as_deref().map(Crs::parse).transpose()?;
    let bytes = source
        .bytes()
        .map_err(|e| field("file", format!("is not base64: {e}")))?;
    let parts = submission::read(
        &bytes,
        source.format,
        crs,
        source.zone.as_deref().and_then(GkZone::parse),
        limits,
    )?;
    let whole = MultiPolygon(
        parts
            .iter()
            .flat_map(|p| p.candidate.area.0.iter().cloned())
            .collect(),
    );
    let rect = whole
        .bounding_rect()
        .ok_or_else(|| field("geometry", "is empty"))?;
    Ok(VersionData {
        name,
        kind,
        mineral: non_empty(input.mineral),
        applicant: non_empty(input.applicant),
        notes: non_empty(input.notes),
        source,
        geometry: area_geometry(&whole),
        bbox: [rect.min().x, rect.min().y, rect.max().x, rect.max().y],
        area_m2: geodesy::multipolygon_area_m2(&whole),
    })
}

/// The id of the OGC API collection of submitted candidates.
pub const COLLECTION_ID: &str = "candidates";

/// The current version of every candidate as a read-only layer, so that
/// submissions show up on the same map (and in the same OGC API) as the
/// planning layers. Its revision changes whenever a candidate, a version or
/// a status does.
pub fn as_layer(
    store: &dyn crate::records::store::Store,
) -> Result<crate::layer::catalog::Layer, crate::records::store::StoreError> {
    use sha2::{Digest, Sha256};

    use crate::geom::shape::{Shape, shape_from_geojson};
    use crate::layer::catalog::{Layer, LayerEntry};
    use crate::layer::{Feature, FeatureId, LayerData, OnOverlap};

    let query = crate::records::store::CandidateQuery {
        limit: i64::MAX as usize,
        ..Default::default()
    };
    let (records, _) = store.list_candidates(&query)?;
    let mut digest = Sha256::new();
    let mut features = Vec::with_capacity(records.len());
    for r in records {
        digest.update(format!("{}:{}:{};", r.id, r.current.version, r.status));
        let v = &r.current.data;
        let Ok(geometry) = serde_json::from_value::<geojson::Geometry>(v.geometry.clone()) else {
            continue;
        };
        let Ok(Shape::Area(area)) = shape_from_geojson(&geometry.value) else {
            continue;
        };
        let Some(bbox) = area.bounding_rect() else {
            continue;
        };
        let mut properties = serde_json::Map::new();
        properties.insert("name".into(), v.name.clone().into());
        properties.insert("kind".into(), v.kind.as_str().into());
        properties.insert("mineral".into(), v.mineral.clone().into());
        properties.insert("applicant".into(), v.applicant.clone().into());
        properties.insert("status".into(), r.status.as_str().into());
        // The verdict of the current version's latest review, once there is one.
        if let crate::records::store::CandidateStatus::Reviewed(verdict) = r.status {
            properties.insert("verdict".into(), verdict.as_str().into());
        }
        properties.insert("version".into(), r.current.version.into());
        properties.insert("area_m2".into(), v.area_m2.into());
        properties.insert("submitted_at".into(), r.created_at.clone().into());
        features.push(Feature {
            id: FeatureId::Number(r.id.into()),
            name: Some(v.name.clone()),
            properties,
            shape: Shape::Area(area),
            bbox,
            measure: v.area_m2,
        });
    }
    let revision = crate::digest::short(&digest.finalize());
    let data = LayerData::from_features(features, revision).map_err(|(i, problem)| {
        crate::records::store::StoreError::Corrupt(format!("candidate {i}: {problem}"))
    })?;
    Ok(Layer {
        entry: LayerEntry {
            id: COLLECTION_ID.into(),
            title: "候选区块（申报）".into(),
            file: "store".into(),
            on_overlap: OnOverlap::Info,
            rule: "申报的候选区块（当前版本），供与规划图层对照".into(),
            roles: vec![],
            title_en: Some("Submitted candidates (current versions)".into()),
            source: Some("planmap store".into()),
            region: None,
            description: Some("Read-only: submit and edit through /candidates.".into()),
            facts: Default::default(),
            buffer_m: None,
            buffer_rule: None,
            on_expired: None,
            depth_aware: false,
        },
        data,
    })
}
