//! `GET /collections/{id}/items` and `/collections/{id}/items/{featureId}`.

use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::collections::layer;
use super::{
    Format, answer, answer_not_modified, base_url, etag, link, media, not_modified, with_header,
};
use crate::api::body::query_pairs;
use crate::api::{ApiError, AppState};
use crate::geom::crs::{Crs, CrsError};
use crate::layer::Feature;
use crate::layer::catalog::Layer;
use crate::query::cql2::{Filter, Lang};
use crate::query::select::{
    self, ItemQuery, LIMIT_DEFAULT, LIMIT_MAX, bbox_to_crs84, geometry_in, offered_crs,
};
use crate::time::Interval;

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
struct ItemsRequest {
    query: ItemQuery,
    crs: Crs,
    format: Format,
    /// The parameters as given, for building paging links.
    pairs: Vec<(String, String)>,
}

fn invalid(name: &'static str, detail: impl Into<String>) -> ApiError {
    ApiError::InvalidParameter {
        name,
        detail: detail.into(),
    }
}

/// Parses a CRS parameter and checks the collection offers it.
fn offered(name: &'static str, value: &str, layer: &Layer) -> Result<Crs, ApiError> {
    let crs = Crs::parse(value).map_err(|e| invalid(name, e.to_string()))?;
    let offered = offered_crs(layer.data.bbox);
    if !offered.contains(&crs) {
        let list: Vec<String> = offered.iter().map(|c| c.uri()).collect();
        return Err(invalid(
            name,
            format!(
                "{crs} is not offered by this collection; use one of {}",
                list.join(", ")
            ),
        ));
    }
    Ok(crs)
}

fn parse_items(
    query: Option<&str>,
    headers: &HeaderMap,
    layer: &Layer,
) -> Result<ItemsRequest, ApiError> {
    let pairs = query_pairs(query, ITEMS_PARAMETERS)?;
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let format = Format::negotiate(get("f"), headers)?;
    let limit = match get("limit") {
        None => LIMIT_DEFAULT,
        Some(v) => match v.parse::<u64>() {
            Ok(0) | Err(_) => {
                return Err(invalid(
                    "limit",
                    format!("'{v}' is not an integer of at least 1"),
                ));
            }
            // Values above the maximum are clamped, as OGC API – Features asks.
            Ok(n) => n.min(LIMIT_MAX as u64) as usize,
        },
    };
    let offset = match get("offset") {
        None => 0,
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| invalid("offset", format!("'{v}' is not a non-negative integer")))?,
    };
    let bbox_crs = get("bbox-crs")
        .map(|v| offered("bbox-crs", v, layer))
        .transpose()?
        .unwrap_or(Crs::Crs84);
    let bbox = get("bbox").map(|v| parse_bbox(v, bbox_crs)).transpose()?;
    let datetime = get("datetime")
        .map(|v| Interval::parse(v).map_err(|e| invalid("datetime", e.to_string())))
        .transpose()?;
    let crs = get("crs")
        .map(|v| offered("crs", v, layer))
        .transpose()?
        .unwrap_or(Crs::Crs84);
    let lang = match get("filter-lang") {
        None | Some("cql2-text") => Lang::Text,
        Some("cql2-json") => Lang::Json,
        Some(other) => {
            return Err(invalid(
                "filter-lang",
                format!("'{other}' is not supported; use cql2-text or cql2-json"),
            ));
        }
    };
    let filter_crs = get("filter-crs")
        .map(|v| offered("filter-crs", v, layer))
        .transpose()?
        .unwrap_or(Crs::Crs84);
    let filter = get("filter")
        .map(|src| Filter::parse(src, lang, filter_crs, layer.data.queryables()))
        .transpose()?;
    Ok(ItemsRequest {
        query: ItemQuery {
            bbox,
            datetime,
            filter,
            limit,
            offset,
        },
        crs,
        format,
        pairs,
    })
}

/// `bbox`: 4 or 6 numbers, axis 1 and 2 in the authority order of `crs`.
fn parse_bbox(value: &str, crs: Crs) -> Result<geo::Rect, ApiError> {
    let numbers: Vec<f64> = value
        .split(',')
        .map(|n| n.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            invalid(
                "bbox",
                format!("'{value}' is not a comma-separated list of numbers"),
            )
        })?;
    let corners = match numbers.as_slice() {
        [a, b, c, d] => [*a, *b, *c, *d],
        [a, b, _, d, e, _] => [*a, *b, *d, *e],
        _ => {
            return Err(invalid(
                "bbox",
                format!("takes 4 or 6 numbers, not {}", numbers.len()),
            ));
        }
    };
    if corners.iter().any(|n| !n.is_finite()) || corners[0] > corners[2] || corners[1] > corners[3]
    {
        return Err(invalid(
            "bbox",
            "needs finite numbers with each lower corner value at most the upper one",
        ));
    }
    if crs == Crs::Crs84 && (corners[1] < -90.0 || corners[3] > 90.0) {
        return Err(invalid("bbox", "latitudes in CRS84 lie between -90 and 90"));
    }
    bbox_to_crs84(corners, crs).map_err(|e| invalid("bbox-crs", e.to_string()))
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
    pairs: &[(String, String)],
    offset: usize,
    limit: usize,
    format: Format,
) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (n, v) in pairs {
        if !matches!(n.as_str(), "offset" | "limit" | "f") {
            s.append_pair(n, v);
        }
    }
    s.append_pair("offset", &offset.to_string());
    s.append_pair("limit", &limit.to_string());
    s.append_pair("f", format.suffix());
    format!("{url}?{}", s.finish())
}

fn render_items(layer: &Layer, req: &ItemsRequest, base: &str) -> Result<Value, ApiError> {
    let page = select::select(&layer.data, &req.query)?;
    let features = page
        .features
        .iter()
        .map(|f| feature_json(f, req.crs))
        .collect::<Result<Vec<_>, _>>()?;
    let url = format!("{base}/collections/{}/items", layer.entry.id);
    let (offset, limit) = (req.query.offset, req.query.limit);
    let this = |format| page_url(&url, &req.pairs, offset, limit, format);
    let (json_rel, html_rel) = match req.format {
        Format::Json => ("self", "alternate"),
        Format::Html => ("alternate", "self"),
    };
    let mut links = vec![
        link(
            this(Format::Json),
            json_rel,
            media::GEOJSON,
            "This page as GeoJSON",
        ),
        link(
            this(Format::Html),
            html_rel,
            media::HTML,
            "This page as HTML",
        ),
    ];
    let (page_type, f) = match req.format {
        Format::Json => (media::GEOJSON, Format::Json),
        Format::Html => (media::HTML, Format::Html),
    };
    if offset + features.len() < page.matched {
        links.push(link(
            page_url(&url, &req.pairs, offset + features.len(), limit, f),
            "next",
            page_type,
            "Next page",
        ));
    }
    if offset > 0 {
        let prev = offset.saturating_sub(limit);
        links.push(link(
            page_url(&url, &req.pairs, prev, limit, f),
            "prev",
            page_type,
            "Previous page",
        ));
    }
    links.push(link(
        format!("{base}/collections/{}", layer.entry.id),
        "collection",
        media::JSON,
        "The collection",
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
    let layer = layer(&state, &id, uri.path())?;
    let req = parse_items(query.as_deref(), &headers, &layer)?;
    let tag = etag(&layer.data.revision, &uri.to_string(), req.format);
    if not_modified(&headers, &tag) {
        return Ok(answer_not_modified(&tag));
    }
    let base = base_url(&headers);
    let (format, crs) = (req.format, req.crs);
    let title = format!("{} — features", layer.entry.title);
    // Selection, reprojection and writing a page of up to 10,000 features
    // are CPU work: keep them off the executor.
    let r = crate::api::blocking(move || {
        let doc = render_items(&layer, &req, &base)?;
        Ok(answer(&doc, format, media::GEOJSON, &title))
    })
    .await?;
    Ok(content_crs(with_header(r, header::ETAG, &tag), crs))
}

pub async fn item(
    State(state): State<AppState>,
    Path((id, feature_id)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let layer = layer(&state, &id, uri.path())?;
    let pairs = query_pairs(query.as_deref(), ITEM_PARAMETERS)?;
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let format = Format::negotiate(get("f"), &headers)?;
    let crs = get("crs")
        .map(|v| offered("crs", v, &layer))
        .transpose()?
        .unwrap_or(Crs::Crs84);
    let index = layer
        .data
        .find(&feature_id)
        .ok_or_else(|| ApiError::NotFound(uri.path().to_string()))?;
    let tag = etag(&layer.data.revision, &uri.to_string(), format);
    if not_modified(&headers, &tag) {
        return Ok(answer_not_modified(&tag));
    }
    // Read out of the table only once a 304 will not do.
    let feature = layer.data.features.get(index);
    let base = base_url(&headers);
    let url = format!("{base}/collections/{id}/items/{feature_id}");
    let mut doc = feature_json(&feature, crs)?;
    let (json_rel, html_rel) = match format {
        Format::Json => ("self", "alternate"),
        Format::Html => ("alternate", "self"),
    };
    doc["links"] = json!([
        link(
            format!("{url}?f=json"),
            json_rel,
            media::GEOJSON,
            "This feature as GeoJSON"
        ),
        link(
            format!("{url}?f=html"),
            html_rel,
            media::HTML,
            "This feature as HTML"
        ),
        link(
            format!("{base}/collections/{id}"),
            "collection",
            media::JSON,
            "The collection"
        ),
    ]);
    let title = feature
        .name
        .clone()
        .unwrap_or_else(|| feature.id.to_string());
    let r = answer(&doc, format, media::GEOJSON, &title);
    Ok(content_crs(with_header(r, header::ETAG, &tag), crs))
}
