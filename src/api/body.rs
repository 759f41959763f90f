//! Reading a JSON request body and its query string into typed values.

use axum::body::Body;
use axum::http::{HeaderMap, header};

use super::ApiError;

/// Reads the body up to `limit` bytes, refusing content types planmap does
/// not read (JSON, GeoJSON, or plain text for coordinate files).
pub async fn read_bytes(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<axum::body::Bytes, ApiError> {
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or("").to_ascii_lowercase();
        let essence = ct.split(';').next().unwrap_or("").trim();
        let accepted = essence == "application/json"
            || essence.ends_with("+json")
            || essence.is_empty()
            || essence == "text/plain"
            // curl's default for -d; planmap reads it by its content all the same
            || essence == "application/x-www-form-urlencoded"
            || essence == "application/octet-stream";
        if !accepted {
            return Err(ApiError::UnsupportedMediaType(essence.to_string()));
        }
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::BodyTooLarge { limit });
    }
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| ApiError::BodyTooLarge { limit })
}

/// The query string as (name, value) pairs, refusing names not in `allowed`
/// and names given twice.
pub fn query_pairs(
    query: Option<&str>,
    allowed: &'static [&'static str],
) -> Result<Vec<(String, String)>, ApiError> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    let mut seen = Vec::new();
    for (name, _) in &pairs {
        let Some(known) = allowed.iter().find(|a| **a == name.as_str()) else {
            return Err(ApiError::UnknownParameter(
                name.clone(),
                if allowed.is_empty() {
                    "none".to_string()
                } else {
                    allowed.join(", ")
                },
            ));
        };
        if seen.contains(known) {
            return Err(ApiError::InvalidParameter {
                name: known,
                detail: "given more than once".into(),
            });
        }
        seen.push(known);
    }
    Ok(pairs)
}
