//! `POST /qa`: a whole set of plan blocks checked in one answer — against
//! the layers, against each other, and against the plan's size rules.

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

use super::body::{candidate_format, read_body};
use super::params::Params;
use super::{ApiError, AppState, Weight, compute};
use crate::engine::qa::{
    DEFAULT_TOLERANCE_M, QaInputError, QaOptions, read_blocks, read_tolerance, review_plan, to_csv,
    to_html,
};

const PARAMETERS: &[&str] = &[
    "layers",
    "tolerance_m",
    "kind",
    "mineral",
    "crs",
    "format",
    "zone",
    "f",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Output {
    Json,
    Csv,
    Html,
}

pub async fn qa(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let p = Params::parse(query.as_deref(), PARAMETERS)?;
    let wanted = p.ids("layers")?;
    let output = p
        .one_of(
            "f",
            &[
                ("json", Output::Json),
                ("csv", Output::Csv),
                ("html", Output::Html),
            ],
        )?
        .unwrap_or(Output::Json);
    let options = QaOptions {
        tolerance_m: p
            .read_with("tolerance_m", read_tolerance)?
            .unwrap_or(DEFAULT_TOLERANCE_M),
        kind: p.kind("kind")?,
        mineral: p.text("mineral"),
        on_date: Some(crate::time::today()),
    };
    let (crs, format_asked, zone) = (p.crs("crs")?, p.input_format("format")?, p.zone("zone")?);
    let catalog = state.catalog();
    let bytes = read_body(&state.limits, &headers, body).await?;
    let format = candidate_format(format_asked, &headers, &bytes);
    let limits = state.limits.candidate;
    let catalog_for_read = catalog.clone();
    let (blocks, own_layer) = compute(Weight::Heavy, move || {
        read_blocks(&bytes, format, crs, zone, limits, &catalog_for_read).map_err(|e| match e {
            QaInputError::Submission(e) => e.into(),
            QaInputError::Json(e) => e.into(),
            QaInputError::UnknownLayers(e) => e.into(),
            QaInputError::Plan(e) => ApiError::InvalidField {
                field: "body",
                detail: e.to_string(),
            },
        })
    })
    .await?;
    // A layer QA'd is not checked against itself.
    let mut layers = catalog.select(wanted.as_deref())?;
    layers.retain(|l| Some(&l.entry.id) != own_layer.as_ref());
    let report = compute(Weight::Heavy, move || {
        Ok(review_plan(&blocks, &layers, &options)?)
    })
    .await?;
    Ok(match output {
        Output::Json => (
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::to_vec(&report).map_err(|e| ApiError::Internal(e.to_string()))?,
        )
            .into_response(),
        Output::Csv => (
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            to_csv(&report),
        )
            .into_response(),
        Output::Html => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            to_html(&report),
        )
            .into_response(),
    })
}
