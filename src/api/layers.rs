//! `GET /health` and `GET /layers`.

use axum::Json;
use axum::extract::{RawQuery, State};
use serde::Serialize;

use super::params::Params;
use super::{ApiError, AppState};
use crate::layer::OnOverlap;
use crate::records::revisions::{CacheStats, FollowStats};

#[derive(Serialize)]
pub struct Health {
    /// `ok`, or `degraded` when a revision in force could not be loaded
    /// (the one before it is served; `revisions.not_served` says which).
    status: &'static str,
    layers: usize,
    features: usize,
    /// How the server follows the store, and its cache of old revisions.
    revisions: Revisions,
}

#[derive(Serialize)]
pub struct Revisions {
    #[serde(flatten)]
    follow: FollowStats,
    cache: CacheStats,
}

pub async fn health(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<Health>, ApiError> {
    Params::none(query.as_deref())?;
    let follow = state.live.follow_stats();
    Ok(Json(Health {
        status: if follow.not_served.is_empty() {
            "ok"
        } else {
            "degraded"
        },
        revisions: Revisions {
            follow,
            cache: state.live.cache_stats(),
        },
        layers: state.catalog().layers.len(),
        features: state
            .catalog()
            .layers
            .iter()
            .map(|l| l.data.features.len())
            .sum(),
    }))
}

#[derive(Serialize)]
pub struct LayerSummary {
    id: String,
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    title_en: Option<String>,
    on_overlap: OnOverlap,
    rule: String,
    revision: String,
    features: usize,
    /// west, south, east, north in CRS84; null for an empty layer.
    bbox: Option<[f64; 4]>,
    /// The roles the layer plays in the plan's rules.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    roles: Vec<String>,
    /// Its protection buffer (m), where it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    buffer_m: Option<f64>,
    /// Whether its features carry elevation ranges.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    depth_aware: bool,
}

pub async fn list(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<Vec<LayerSummary>>, ApiError> {
    Params::none(query.as_deref())?;
    Ok(Json(
        state
            .catalog()
            .layers
            .iter()
            .map(|l| LayerSummary {
                id: l.entry.id.clone(),
                title: l.entry.title.clone(),
                title_en: l.entry.title_en.clone(),
                on_overlap: l.entry.on_overlap,
                rule: l.entry.rule.clone(),
                revision: l.data.revision.clone(),
                features: l.data.features.len(),
                bbox: l
                    .data
                    .bbox
                    .map(|b| [b.min().x, b.min().y, b.max().x, b.max().y]),
                roles: l.entry.roles.clone(),
                buffer_m: l.entry.buffer_m,
                depth_aware: l.entry.depth_aware,
            })
            .collect(),
    ))
}
