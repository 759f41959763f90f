//! `GET /` (landing page) and `GET /conformance`.

use axum::extract::RawQuery;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::json;

use super::{CONFORMANCE, Link, answer, base_url, format_only, media, self_links};
use crate::api::ApiError;

pub async fn landing(RawQuery(query): RawQuery, headers: HeaderMap) -> Result<Response, ApiError> {
    let format = format_only(query.as_deref(), &headers)?;
    let base = base_url(&headers);
    let mut links = self_links(&format!("{base}/"), format, "This page");
    links.extend([
        Link::new(
            "service-desc",
            media::OPENAPI,
            "The API definition (OpenAPI 3.0)",
            format!("{base}/api"),
        ),
        Link::new(
            "service-doc",
            media::HTML,
            "The API definition as HTML",
            format!("{base}/api?f=html"),
        ),
        Link::new(
            "conformance",
            media::JSON,
            "Conformance classes implemented",
            format!("{base}/conformance"),
        ),
        Link::new(
            "data",
            media::JSON,
            "The planning layers",
            format!("{base}/collections"),
        ),
        Link::new(
            super::tiles::REL_TILESETS_VECTOR,
            media::JSON,
            "The planning layers as vector tiles",
            format!("{base}/tiles"),
        ),
        Link::new(
            "related",
            media::HTML,
            "The web workspace: the plan on a map, checks, candidates and reviews",
            format!("{base}/map"),
        ),
        Link::new(
            "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes",
            media::JSON,
            "The tile matrix sets (WebMercatorQuad)",
            format!("{base}/tileMatrixSets"),
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
