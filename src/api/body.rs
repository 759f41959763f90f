//! Reading a JSON request body and its query string into typed values.

use axum::body::Body;
use axum::http::{HeaderMap, header};

use super::ApiError;

/// Reads the body up to `limit` bytes and parses it as JSON.
pub async fn read_json(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<serde_json::Value, ApiError> {
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or("").to_ascii_lowercase();
        let essence = ct.split(';').next().unwrap_or("").trim();
        let json_like = essence == "application/json"
            || essence.ends_with("+json")
            || essence.is_empty()
            // curl's default for -d; planmap reads it as JSON all the same
            || essence == "application/x-www-form-urlencoded";
        if !json_like {
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
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| ApiError::BodyTooLarge { limit })?;
    parse_json(&bytes)
}

/// Parses JSON, telling a non-finite number (NaN, Infinity, 1e999) apart from
/// other syntax errors because it is a geometry problem, not a malformed body.
pub fn parse_json(bytes: &[u8]) -> Result<serde_json::Value, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        let (line, column) = (e.line(), e.column());
        let text = String::from_utf8_lossy(bytes);
        let at = text
            .lines()
            .nth(line.saturating_sub(1))
            .map(|l| l.chars().skip(column.saturating_sub(1)).collect::<String>())
            .unwrap_or_default();
        let literal = ["NaN", "-NaN", "Infinity", "-Infinity", "inf", "-inf"]
            .iter()
            .find(|w| at.starts_with(*w))
            .map(|w| w.to_string());
        match literal {
            Some(literal) => ApiError::NonFiniteNumber {
                literal,
                line,
                column,
            },
            None if e.to_string().contains("number out of range") => ApiError::NonFiniteNumber {
                literal: "a number beyond the range of a double".into(),
                line,
                column,
            },
            None => ApiError::MalformedJson {
                message: e.to_string(),
                line,
                column,
            },
        }
    })
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
