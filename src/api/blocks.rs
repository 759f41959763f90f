//! `POST /blocks/snap`: a free-hand exploration candidate made block-aligned.

use axum::Json;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use geo::MultiPolygon;

use super::body::{candidate_format, query_pairs, read_body};
use super::{ApiError, AppState, Weight, compute};
use crate::engine::blocks::{SnapMode, SnapReport, snap_report};
use crate::geom::crs::Crs;
use crate::intake::formats::GkZone;
use crate::intake::submission::{self, InputFormat};

const PARAMETERS: &[&str] = &["crs", "format", "zone", "mode", "mineral"];

pub async fn snap(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<SnapReport>, ApiError> {
    let (mut crs, mut format, mut zone, mut mode, mut mineral) =
        (Crs::Crs84, None, None, SnapMode::Cover, None);
    let invalid = |name, detail: &str| ApiError::InvalidParameter {
        name,
        detail: detail.to_string(),
    };
    for (name, value) in query_pairs(query.as_deref(), PARAMETERS)? {
        match name.as_str() {
            "crs" => crs = Crs::parse(&value)?,
            "format" => {
                format = Some(
                    InputFormat::parse(&value)
                        .ok_or_else(|| invalid("format", "use geojson, txt or corners"))?,
                )
            }
            "zone" => {
                zone = Some(
                    GkZone::parse(&value)
                        .ok_or_else(|| invalid("zone", "not a CGCS2000 Gauss-Krüger zone"))?,
                )
            }
            "mode" => {
                mode = match value.as_str() {
                    "cover" => SnapMode::Cover,
                    "inside" => SnapMode::Inside,
                    _ => return Err(invalid("mode", "use cover or inside")),
                }
            }
            "mineral" => mineral = Some(value),
            _ => unreachable!("query_pairs admits only PARAMETERS"),
        }
    }
    crate::geom::crs::describe(crs)?;
    let bytes = read_body(&state.limits, &headers, body).await?;
    let format = candidate_format(format, &headers, &bytes);
    let limits = state.limits.candidate;
    let reading = if bytes.len() <= Weight::LIGHT_BODY_BYTES {
        Weight::Light
    } else {
        Weight::Heavy
    };
    let parts = compute(reading, move || {
        Ok(submission::read(&bytes, format, crs, zone, limits)?)
    })
    .await?;
    let report = compute(Weight::of_parts(&parts), move || {
        let area = MultiPolygon(parts.into_iter().flat_map(|p| p.candidate.area.0).collect());
        Ok(snap_report(&area, mode, mineral.as_deref())?)
    })
    .await?;
    Ok(Json(report))
}
