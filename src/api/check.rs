//! `POST /check`: is a candidate block clear of the plan's layers?

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

use super::body::{candidate_format, read_body};
use super::params::Params;
use super::{ApiError, AppState, Weight, blocking, compute};
use crate::deadline::Deadline;
use crate::engine::screening::{Options, Screening, screen};
use crate::geom::crs::Crs;
use crate::intake::formats::GkZone;
use crate::intake::submission::{self, InputFormat};

const PARAMETERS: &[&str] = &[
    "crs", "layers", "format", "zone", "kind", "mineral", "net", "blocks", "corners", "geometry",
    "as_of", "echo", "nearest", "buffer", "depth",
];

/// The parsed query of a check.
pub struct CheckQuery {
    pub crs: Option<Crs>,
    pub layers: Option<Vec<String>>,
    pub format: Option<InputFormat>,
    pub zone: Option<GkZone>,
    pub options: Options,
    /// Check against the layer revisions in force on this date (`YYYY-MM-DD`).
    pub as_of: Option<String>,
    /// Add `input.geometry`, the candidate as read: a map that sent a
    /// coordinate file has no other way to draw it.
    pub echo: bool,
}

/// Reads the query of a check: typed, each value read as every endpoint reads it.
pub fn parse_query(query: Option<&str>) -> Result<CheckQuery, ApiError> {
    let p = Params::parse(query, PARAMETERS)?;
    let as_of = p.date("as_of")?;
    Ok(CheckQuery {
        crs: p.crs("crs")?,
        layers: p.ids("layers")?,
        format: p.input_format("format")?,
        zone: p.zone("zone")?,
        options: Options {
            kind: p.kind("kind")?,
            mineral: p.text("mineral"),
            net: p.flag("net")?.unwrap_or(false),
            list_blocks: p.flag("blocks")?.unwrap_or(false),
            corners: p.corners("corners")?,
            without_geometry: !p.flag("geometry")?.unwrap_or(true),
            nearest: p.layers_or_flag("nearest")?,
            buffers: p.buffers("buffer")?,
            // Licences' validity is judged on the check's date.
            on_date: Some(as_of.clone().unwrap_or_else(crate::time::today)),
            depth: p.depth("depth")?,
        },
        as_of,
        echo: p.flag("echo")?.unwrap_or(false),
    })
}

pub async fn check(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let query = parse_query(query.as_deref())?;
    let catalog = match &query.as_of {
        None => state.catalog(),
        Some(date) => {
            let (store, live, date) = (state.store()?, state.live.clone(), date.clone());
            let wanted = query.layers.clone();
            let layers = blocking(move || {
                Ok(crate::records::revisions::layers_as_of(
                    store.as_ref(),
                    &live,
                    &date,
                    wanted.as_deref(),
                )?)
            })
            .await?;
            std::sync::Arc::new(crate::layer::catalog::Catalog {
                dir: state.catalog().dir.clone(),
                layers,
            })
        }
    };
    let layers = catalog.select(query.layers.as_deref())?;
    if let Some((name, detail)) = crate::engine::screening::options_problem(&query.options, &layers)
    {
        return Err(ApiError::InvalidParameter { name, detail });
    }
    if let Some(crs) = query.crs {
        crate::geom::crs::describe(crs).map_err(|source| ApiError::CrsParameter {
            name: "crs",
            source,
        })?;
    }
    let bytes = read_body(&state.limits, &headers, body).await?;
    let format = candidate_format(query.format, &headers, &bytes);
    if !matches!(format, InputFormat::GeoJson | InputFormat::Shapefile) && query.crs.is_some() {
        return Err(ApiError::InvalidParameter {
            name: "crs",
            detail: "applies to GeoJSON and to a Shapefile without a .prj; a coordinate file carries its zone (use zone for eastings without a zone number)".into(),
        });
    }
    let limits = state.limits.candidate;
    // Reading, reprojection and validation are CPU work: off the executor,
    // in the light lane unless the body is large. The check then takes the
    // lane the candidate's size calls for.
    let reading = Weight::of_body(bytes.len());
    // GeoJSON takes CRS84 without it; a Shapefile without a .prj is refused.
    let crs = query.crs;
    let zone = query.zone;
    let (parts, input) = compute(reading, move || {
        Ok(submission::read_saying_what(
            &bytes, format, crs, zone, limits,
        )?)
    })
    .await?;
    let echo = query.echo;
    let answer = compute(Weight::of_parts(&parts), move || {
        let screening = screen(&parts, &layers, &query.options)?;
        let geometry = echo.then(|| read_geometry(&parts));
        to_json(&Answer {
            input: Read {
                input: &input,
                geometry,
            },
            screening: &screening,
        })
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], answer).into_response())
}

/// A check's answer: what was read, then the screening.
#[derive(serde::Serialize)]
struct Answer<'a> {
    input: Read<'a>,
    #[serde(flatten)]
    screening: &'a Screening,
}

/// What was read, and with `echo=true` the candidate itself.
#[derive(serde::Serialize)]
struct Read<'a> {
    #[serde(flatten)]
    input: &'a submission::Input,
    #[serde(skip_serializing_if = "Option::is_none")]
    geometry: Option<serde_json::Value>,
}

/// The candidate as read, in CRS84: one Feature a parcel, named as the file
/// names it, so a map draws exactly what was checked.
fn read_geometry(parts: &[submission::Part]) -> serde_json::Value {
    let features: Vec<serde_json::Value> = parts
        .iter()
        .map(|part| {
            serde_json::json!({
                "type": "Feature",
                "geometry": crate::geom::geojson::area_geometry(&part.candidate.area),
                "properties": {
                    "parcel": part.parcel.as_ref().map(|p| p.id.as_str()),
                    "name": part.parcel.as_ref().and_then(|p| p.name.as_deref()),
                },
            })
        })
        .collect();
    serde_json::json!({"type": "FeatureCollection", "features": features})
}

/// The answer as JSON bytes, written off the executor: with ten thousand
/// overlaps it is over ten megabytes, and sized up front so that it is not
/// copied as it grows (about 1.2 kB per overlap with a parcel's geometry).
fn to_json(answer: &Answer) -> Result<Vec<u8>, ApiError> {
    let overlaps = answer.screening.report.conflicts.features.len();
    let mut out = UntilDeadline {
        bytes: Vec::with_capacity(4096 + 1200 * overlaps),
        deadline: Deadline::current(),
        next_look: 0,
    };
    if let Err(e) = serde_json::to_writer(&mut out, answer) {
        return Err(if out.deadline.expired() {
            ApiError::DeadlineExceeded {
                limit_seconds: None,
            }
        } else {
            ApiError::Internal(e.to_string())
        });
    }
    Ok(out.bytes)
}

/// An answer's bytes, written until the request's deadline: writing ten
/// megabytes takes long enough that a client that left should stop it too.
struct UntilDeadline {
    bytes: Vec<u8>,
    deadline: Deadline,
    next_look: usize,
}

impl std::io::Write for UntilDeadline {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() >= self.next_look {
            if self.deadline.expired() {
                return Err(std::io::Error::other("past the request's deadline"));
            }
            self.next_look = self.bytes.len() + 64 * 1024;
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
