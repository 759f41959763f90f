//! `GET /collections/{id}/items` and `/collections/{id}/items/{featureId}`.

use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::{CollectionRequest, Format, Link, answer_tagged, base_url, media, rel_to, with_header};
use crate::api::{ApiError, AppState};
use crate::geom::crs::{Crs, CrsError};
use crate::layer::Feature;
use crate::query::cql2::{Filter, Lang};
use crate::query::select::{self, ItemQuery, LIMIT_DEFAULT, LIMIT_MAX, bbox_to_crs84, geometry_in};

/// Query parameters of the items resource.
pub const ITEMS_PARAMETERS: &[&str] = &[
    "limit",
    "offset",
    "bbox",
    "bbox-crs",
    "datetime",
    "crs",
    "filter",
    "filter-lang",
    "filter-crs",
    "f",
];
/// Query parameters of one item.
pub const ITEM_PARAMETERS: &[&str] = &["crs", "f"];

/// The items query, typed and checked against the layer.
pub(super) struct ItemsQuery {
    pub(super) query: ItemQuery,
    crs: Crs,
}

/// Reads the items query; the CRSs must be ones the collection offers.
pub(super) fn read_items(req: &CollectionRequest) -> Result<ItemsQuery, ApiError> {
    let p = &req.params;
    let limit = p.limit(LIMIT_DEFAULT, LIMIT_MAX)?;
    let offset = p.offset()?;
    let bbox_crs = req.offered_crs("bbox-crs")?;
    let bbox = p
        .bbox(bbox_crs)?
        .map(|corners| {
            bbox_to_crs84(corners, bbox_crs).map_err(|e| ApiError::InvalidParameter {
                name: "bbox-crs",
                detail: e.to_string(),
            })
        })
        .transpose()?;
    let datetime = p.datetime()?;
    let crs = req.offered_crs("crs")?;
    let lang = p
        .one_of(
            "filter-lang",
            &[("cql2-text", Lang::Text), ("cql2-json", Lang::Json)],
        )?
        .unwrap_or(Lang::Text);
    let filter_crs = req.offered_crs("filter-crs")?;
    let filter = p
        .text("filter")
        .map(|src| Filter::parse(&src, lang, filter_crs, req.layer.data.queryables()))
        .transpose()?;
    Ok(ItemsQuery {
        query: ItemQuery {
            bbox,
            datetime,
            filter,
            limit,
            offset,
        },
        crs,
    })
}

fn feature_json(f: &Feature, crs: Crs) -> Result<Value, CrsError> {
    Ok(json!({
        "type": "Feature",
        "id": f.id,
        "geometry": geometry_in(f, crs)?,
        "properties": f.properties,
    }))
}

/// The items URL with `pairs` and `offset`/`limit` replaced.
fn page_url(
    url: &str,
    pairs: &[(&'static str, String)],
    offset: usize,
    limit: usize,
    format: Format,
) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (n, v) in pairs {
        if !matches!(*n, "offset" | "limit" | "f") {
            s.append_pair(n, v);
        }
    }
    s.append_pair("offset", &offset.to_string());
    s.append_pair("limit", &limit.to_string());
    s.append_pair("f", format.suffix());
    format!("{url}?{}", s.finish())
}

fn render_items(
    req: &CollectionRequest,
    items: &ItemsQuery,
    base: &str,
) -> Result<Value, ApiError> {
    let layer = &req.layer;
    let page = select::select(&layer.data, &items.query)?;
    let features = page
        .features
        .iter()
        .map(|f| feature_json(f, items.crs))
        .collect::<Result<Vec<_>, _>>()?;
    let url = format!("{base}/collections/{}/items", layer.entry.id);
    let pairs = req.params.given();
    let (offset, limit) = (items.query.offset, items.query.limit);
    let this = |format| page_url(&url, pairs, offset, limit, format);
    let mut links = vec![
        Link::new(
            rel_to(Format::Json, req.format),
            media::GEOJSON,
            "This page as GeoJSON",
            this(Format::Json),
        ),
        Link::new(
            rel_to(Format::Html, req.format),
            media::HTML,
            "This page as HTML",
            this(Format::Html),
        ),
    ];
    let page_type = match req.format {
        Format::Json => media::GEOJSON,
        Format::Html => media::HTML,
    };
    if offset + features.len() < page.matched {
        links.push(Link::new(
            "next",
            page_type,
            "Next page",
            page_url(&url, pairs, offset + features.len(), limit, req.format),
        ));
    }
    if offset > 0 {
        let prev = offset.saturating_sub(limit);
        links.push(Link::new(
            "prev",
            page_type,
            "Previous page",
            page_url(&url, pairs, prev, limit, req.format),
        ));
    }
    links.push(Link::new(
        "collection",
        media::JSON,
        "The collection",
        format!("{base}/collections/{}", layer.entry.id),
    ));
    Ok(json!({
        "type": "FeatureCollection",
        "numberMatched": page.matched,
        "numberReturned": features.len(),
        "timeStamp": chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now()).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "features": features,
        "links": links,
    }))
}

fn content_crs(r: Response, crs: Crs) -> Response {
    with_header(
        r,
        header::HeaderName::from_static("content-crs"),
        &format!("<{}>", crs.uri()),
    )
}

pub async fn items(
    State(state): State<AppState>,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let req = CollectionRequest::read(
        &state,
        &id,
        &uri,
        query.as_deref(),
        &headers,
        ITEMS_PARAMETERS,
    )?;
    let items = read_items(&req)?;
    if let Some(unchanged) = req.unchanged(&headers) {
        return Ok(unchanged);
    }
    let base = base_url(&headers);
    let crs = items.crs;
    let title = format!("{} — features", req.layer.entry.title);
    // Selection, reprojection and writing a page of up to 10,000 features
    // are CPU work: keep them off the executor.
    let r = crate::api::blocking(move || {
        let doc = render_items(&req, &items, &base)?;
        Ok(answer_tagged(
            &doc,
            req.format,
            media::GEOJSON,
            &title,
            &req.tag,
        ))
    })
    .await?;
    Ok(content_crs(r, crs))
}

pub async fn item(
    State(state): State<AppState>,
    Path((id, feature_id)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let req = CollectionRequest::read(
        &state,
        &id,
        &uri,
        query.as_deref(),
        &headers,
        ITEM_PARAMETERS,
    )?;
    let crs = req.offered_crs("crs")?;
    let index = req
        .layer
        .data
        .find(&feature_id)
        .ok_or_else(|| ApiError::NotFound(uri.path().to_string()))?;
    if let Some(unchanged) = req.unchanged(&headers) {
        return Ok(unchanged);
    }
    // Read out of the table only once a 304 will not do.
    let feature = req.layer.data.features.get(index);
    let base = base_url(&headers);
    let url = format!("{base}/collections/{id}/items/{feature_id}");
    let mut doc = feature_json(&feature, crs)?;
    doc["links"] = json!([
        Link::new(
            rel_to(Format::Json, req.format),
            media::GEOJSON,
            "This feature as GeoJSON",
            format!("{url}?f=json"),
        ),
        Link::new(
            rel_to(Format::Html, req.format),
            media::HTML,
            "This feature as HTML",
            format!("{url}?f=html"),
        ),
        Link::new(
            "collection",
            media::JSON,
            "The collection",
            format!("{base}/collections/{id}"),
        ),
    ]);
    let title = feature
        .name
        .clone()
        .unwrap_or_else(|| feature.id.to_string());
    let r = answer_tagged(&doc, req.format, media::GEOJSON, &title, &req.tag);
    Ok(content_crs(r, crs))
}
