//! `POST /check`: is a candidate block clear of the plan's layers?

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

use super::body::{candidate_format, query_pairs, read_body};
use super::{ApiError, AppState, Weight, blocking, compute};
use crate::deadline::Deadline;
use crate::engine::rules::CandidateKind;
use crate::engine::screening::{Options, Screening, screen};
use crate::geom::crs::Crs;
use crate::intake::formats::GkZone;
use crate::intake::formats::txt::CornerStyle;
use crate::intake::submission::{self, InputFormat};

const PARAMETERS: &[&str] = &[
    "crs", "layers", "format", "zone", "kind", "mineral", "net", "blocks", "corners", "geometry",
    "as_of",
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
}

fn invalid(name: &'static str, detail: impl Into<String>) -> ApiError {
    ApiError::InvalidParameter {
        name,
        detail: detail.into(),
    }
}

fn flag(name: &'static str, value: &str) -> Result<bool, ApiError> {
    match value {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(invalid(name, "use true or false")),
    }
}

fn parse_zone(name: &'static str, value: &str) -> Result<GkZone, ApiError> {
    GkZone::parse(value).ok_or_else(|| {
        invalid(
            name,
            format!("{value} is not a CGCS2000 Gauss-Krüger zone: give a zone number (3° 25–45, 6° 13–23) or EPSG:4491–4554"),
        )
    })
}

pub fn parse_query(query: Option<&str>) -> Result<CheckQuery, ApiError> {
    let mut q = CheckQuery {
        crs: None,
        layers: None,
        format: None,
        zone: None,
        options: Options::default(),
        as_of: None,
    };
    for (name, value) in query_pairs(query, PARAMETERS)? {
        match name.as_str() {
            "crs" => q.crs = Some(Crs::parse(&value)?),
            "layers" => {
                let ids: Vec<String> = value
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
                if ids.is_empty() {
                    return Err(invalid(
                        "layers",
                        "name at least one layer id, comma-separated",
                    ));
                }
                q.layers = Some(ids);
            }
            "format" => {
                q.format = Some(
                    InputFormat::parse(&value)
                        .ok_or_else(|| invalid("format", "use geojson, txt or corners"))?,
                )
            }
            "zone" => q.zone = Some(parse_zone("zone", &value)?),
            "kind" => {
                q.options.kind = Some(CandidateKind::parse(&value).ok_or_else(|| {
                    invalid(
                        "kind",
                        "use exploration_block, mining_block or mining_right",
                    )
                })?)
            }
            "mineral" => q.options.mineral = Some(value),
            "as_of" => {
                q.as_of = Some(
                    crate::records::revisions::parse_date(&value)
                        .map_err(|_| invalid("as_of", "a date, YYYY-MM-DD"))?,
                )
            }
            "net" => q.options.net = flag("net", &value)?,
            "blocks" => q.options.list_blocks = flag("blocks", &value)?,
            "geometry" => q.options.without_geometry = !flag("geometry", &value)?,
            "corners" => {
                q.options.corners = Some(if value.eq_ignore_ascii_case("dms") {
                    CornerStyle::Dms
                } else {
                    CornerStyle::Projected(parse_zone("corners", &value)?)
                })
            }
            _ => unreachable!("query_pairs admits only PARAMETERS"),
        }
    }
    Ok(q)
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
    if let Some(crs) = query.crs {
        crate::geom::crs::describe(crs)?;
    }
    let bytes = read_body(&state.limits, &headers, body).await?;
    let format = candidate_format(query.format, &headers, &bytes);
    if format != InputFormat::GeoJson && query.crs.is_some() {
        return Err(invalid(
            "crs",
            "applies to GeoJSON; a coordinate file carries its zone (use zone for eastings without a zone number)",
        ));
    }
    let limits = state.limits.candidate;
    // Reading, reprojection and validation are CPU work: off the executor,
    // in the light lane unless the body is large. The check then takes the
    // lane the candidate's size calls for.
    let reading = if bytes.len() <= Weight::LIGHT_BODY_BYTES {
        Weight::Light
    } else {
        Weight::Heavy
    };
    let crs = query.crs.unwrap_or(Crs::Crs84);
    let zone = query.zone;
    let parts = compute(reading, move || {
        Ok(submission::read(&bytes, format, crs, zone, limits)?)
    })
    .await?;
    let answer = compute(Weight::of_parts(&parts), move || {
        let screening = screen(&parts, &layers, &query.options)?;
        to_json(&screening)
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], answer).into_response())
}

/// The answer as JSON bytes, written off the executor: with ten thousand
/// overlaps it is over ten megabytes, and sized up front so that it is not
/// copied as it grows (about 1.2 kB per overlap with a parcel's geometry).
fn to_json(screening: &Screening) -> Result<Vec<u8>, ApiError> {
    let overlaps = screening.report.conflicts.features.len();
    let mut out = UntilDeadline {
        bytes: Vec::with_capacity(4096 + 1200 * overlaps),
        deadline: Deadline::current(),
        next_look: 0,
    };
    if let Err(e) = serde_json::to_writer(&mut out, screening) {
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
