//! `GET /` (landing page) and `GET /conformance`.

use axum::extract::RawQuery;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::json;

use super::{CONFORMANCE, Format, answer, base_url, link, media, self_links};
use crate::api::ApiError;
use crate::api::body::query_pairs;

/// Reads the only parameter these pages take, `f`.
pub(super) fn format_only(query: Option<&str>, headers: &HeaderMap) -> Result<Format, ApiError> {
    let pairs = query_pairs(query, &["f"])?;
    Format::negotiate(pairs.first().map(|(_, v)| v.as_str()), headers)
}

pub async fn landing(RawQuery(query): RawQuery, headers: HeaderMap) -> Result<Response, ApiError> {
    let format = format_only(query.as_deref(), &headers)?;
    let base = base_url(&headers);
    let mut links = self_links(&format!("{base}/"), format, "This page");
    links.extend([
        link(
            format!("{base}/api"),
            "service-desc",
            media::OPENAPI,
            "The API definition (OpenAPI 3.0)",
        ),
        link(
            format!("{base}/api?f=html"),
            "service-doc",
            media::HTML,
            "The API definition as HTML",
        ),
        link(
            format!("{base}/conformance"),
            "conformance",
            media::JSON,
            "Conformance classes implemented",
        ),
        link(
            format!("{base}/collections"),
            "data",
            media::JSON,
            "The planning layers",
        ),
    ]);
    let doc = json!({
        "title": "planmap",
        "description": "Mineral-resource planning layers (矿产资源总体规划) as OGC API – Features. All geometry is illustrative: the plans publish no boundary coordinates.",
        "links": links,
    });
    Ok(answer(&doc, format, media::JSON, "planmap"))
}

pub async fn conformance(
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let format = format_only(query.as_deref(), &headers)?;
    let doc = json!({ "conformsTo": CONFORMANCE });
    Ok(answer(&doc, format, media::JSON, "Conformance"))
}
