//! `POST /blocks/snap`: a free-hand exploration candidate made block-aligned.

use axum::Json;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use geo::MultiPolygon;

use super::body::{candidate_format, read_body};
use super::params::Params;
use super::{ApiError, AppState, Weight, compute};
use crate::engine::blocks::{SnapMode, SnapReport, snap_report};
use crate::geom::crs::Crs;
use crate::intake::submission;

const PARAMETERS: &[&str] = &["crs", "format", "zone", "mode", "mineral"];

pub async fn snap(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<SnapReport>, ApiError> {
    let p = Params::parse(query.as_deref(), PARAMETERS)?;
    let given = p.crs("crs")?;
    let crs = given.unwrap_or(Crs::Crs84);
    let format = p.input_format("format")?;
    let zone = p.zone("zone")?;
    let mode = p
        .one_of(
            "mode",
            &[("cover", SnapMode::Cover), ("inside", SnapMode::Inside)],
        )?
        .unwrap_or(SnapMode::Cover);
    let mineral = p.text("mineral");
    crate::geom::crs::describe(crs).map_err(|source| ApiError::CrsParameter {
        name: "crs",
        source,
    })?;
    let bytes = read_body(&state.limits, &headers, body).await?;
    let format = candidate_format(format, &headers, &bytes);
    let limits = state.limits.candidate;
    let reading = Weight::of_body(bytes.len());
    let parts = compute(reading, move || {
        Ok(submission::read(&bytes, format, given, zone, limits)?)
    })
    .await?;
    let report = compute(Weight::of_parts(&parts), move || {
        let area = MultiPolygon(parts.into_iter().flat_map(|p| p.candidate.area.0).collect());
        Ok(snap_report(&area, mode, mineral.as_deref())?)
    })
    .await?;
    Ok(Json(report))
}
