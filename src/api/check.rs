//! `POST /check`: is a candidate block clear of the plan's layers?

use axum::Json;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;

use super::body::{query_pairs, read_json};
use super::{ApiError, AppState};
use crate::candidate::read_candidate;
use crate::crs::Crs;
use crate::report::CheckReport;

const PARAMETERS: &[&str] = &["crs", "layers"];

/// The parsed query of a check.
struct CheckQuery {
    crs: Crs,
    layers: Option<Vec<String>>,
}

fn parse_query(query: Option<&str>) -> Result<CheckQuery, ApiError> {
    let mut parsed = CheckQuery {
        crs: Crs::Crs84,
        layers: None,
    };
    for (name, value) in query_pairs(query, PARAMETERS)? {
        match name.as_str() {
            "crs" => parsed.crs = Crs::parse(&value)?,
            "layers" => {
                let ids: Vec<String> = value
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
                if ids.is_empty() {
                    return Err(ApiError::InvalidParameter {
                        name: "layers",
                        detail: "name at least one layer id, comma-separated".into(),
                    });
                }
                parsed.layers = Some(ids);
            }
            _ => unreachable!("query_pairs admits only PARAMETERS"),
        }
    }
    Ok(parsed)
}

pub async fn check(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<CheckReport>, ApiError> {
    let query = parse_query(query.as_deref())?;
    let layers = state.catalog.select(query.layers.as_deref())?;
    crate::crs::describe(query.crs)?;
    let body = read_json(&headers, body, state.limits.max_body_bytes).await?;
    let limits = state.limits.candidate;
    // Reprojection, validation and clipping are CPU work: keep them off the executor.
    let report = tokio::task::spawn_blocking(move || {
        let candidate = read_candidate(&body, query.crs, limits)?;
        Ok::<_, ApiError>(crate::check::check(&candidate, &layers))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(Json(report))
}
