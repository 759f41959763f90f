//! `GET /collections/{collectionId}/stats`: counts, areas and lengths of a
//! collection's features, grouped by properties (查询统计), after the
//! selection `items` makes.

use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{CollectionRequest, Format, answer_tagged, collection, etag, media, with_header};
use crate::api::params::Params;
use crate::api::{ApiError, AppState};
use crate::query::stats::{self, StatsQuery};

/// Query parameters of a statistic.
pub const STATS_PARAMETERS: &[&str] = &[
    "group_by",
    "bbox",
    "bbox-crs",
    "datetime",
    "filter",
    "filter-lang",
    "filter-crs",
    "inside",
    "f",
];

pub async fn stats(
    State(state): State<AppState>,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let layer = collection(&state, &id, uri.path())?;
    let params = Params::parse(query.as_deref(), STATS_PARAMETERS)?;
    // JSON, or a CSV table for a spreadsheet; not HTML.
    let csv = params
        .one_of("f", &[("json", false), ("csv", true)])?
        .unwrap_or(false);
    let group_by = params.ids("group_by")?.unwrap_or_default();
    // Inside another layer: that layer's areas, each checked against this
    // one as a block is (heavy work, in its lane); else one pass over the
    // selected features (light, off the executor).
    // `inside=LAYER` or `inside=LAYER/FEATURE_ID`: within one feature.
    let mut only = None;
    let containing =
        match params.text("inside") {
            Some(value) => {
                let (id, feature) = match value.split_once('/') {
                    Some((id, feature)) => (id.to_string(), Some(feature.to_string())),
                    None => (value, None),
                };
                let around = state
                    .catalog()
                    .select(Some(std::slice::from_ref(&id)))?
                    .remove(0);
                if let Some(feature) = feature {
                    only = Some(around.data.find(&feature).ok_or_else(|| {
                        ApiError::InvalidParameter {
                            name: "inside",
                            detail: format!("layer {id} has no feature '{feature}'"),
                        }
                    })?);
                }
                Some(around)
            }
            None => {
                stats::check_group_by(&layer.data, &group_by)?;
                None
            }
        };
    // The answer changes with either layer's revision.
    let revisions = match &containing {
        Some(around) => format!("{}+{}", layer.data.revision, around.data.revision),
        None => layer.data.revision.clone(),
    };
    let tag = etag(&revisions, &uri.to_string(), Format::Json);
    let req = CollectionRequest {
        layer,
        params,
        format: Format::Json,
        tag,
    };
    let selection = super::items::read_items(&req)?.query;
    if let Some(unchanged) = req.unchanged(&headers) {
        return Ok(unchanged);
    }
    let weight = if containing.is_some() {
        crate::api::Weight::Heavy
    } else {
        crate::api::Weight::Light
    };
    crate::api::compute(weight, move || {
        let figures = match &containing {
            Some(around) => crate::engine::overlay::inside_layer(
                &req.layer, around, &selection, &group_by, only,
            )?,
            None => stats::stats(
                &req.layer.data,
                &StatsQuery {
                    selection,
                    group_by,
                },
            )?,
        };
        if csv {
            let r = (
                [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
                stats::to_csv(&figures),
            )
                .into_response();
            return Ok(with_header(r, header::ETAG, &req.tag));
        }
        let doc = json!({
            "collection": req.layer.entry.id,
            "revision": req.layer.data.revision,
            "inside": containing.as_ref().map(|l| {
                let mut inside = json!({"collection": l.entry.id, "revision": l.data.revision});
                if let Some(j) = only {
                    inside["feature_id"] = json!(l.data.features.id(j));
                }
                inside
            }),
            "group_by": figures.group_by,
            "groups": figures.groups,
            "total": figures.total,
        });
        Ok(answer_tagged(
            &doc,
            Format::Json,
            media::JSON,
            "statistics",
            &req.tag,
        ))
    })
    .await
}
