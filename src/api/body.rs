//! Reading a request body within the server's limits (query strings: `params`).

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, header};

use super::ApiError;

/// Reads the body up to `limit` bytes within `timeout`, refusing content
/// types planmap does not read (JSON, GeoJSON, plain text or CSV for
/// coordinate files, an .xlsx workbook or a zip for a Shapefile) and an
/// empty body.
pub async fn read_bytes(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
    timeout: Duration,
) -> Result<axum::body::Bytes, ApiError> {
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or("").to_ascii_lowercase();
        let essence = ct.split(';').next().unwrap_or("").trim();
        let accepted = essence == "application/json"
            || essence.ends_with("+json")
            || essence.is_empty()
            || essence == "text/plain"
            || essence == "text/csv"
            || essence == crate::intake::submission::XLSX_MEDIA_TYPE
            || essence == "application/zip"
            || essence == "application/x-zip-compressed"
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
    let bytes = match tokio::time::timeout(timeout, axum::body::to_bytes(body, limit)).await {
        Err(_) => {
            return Err(ApiError::RequestTimeout {
                limit_seconds: timeout.as_secs_f64(),
            });
        }
        Ok(Err(e)) if is_length_limit(&e) => return Err(ApiError::BodyTooLarge { limit }),
        // A chunk size that is not hex, a connection cut mid-body: the body
        // is broken, not large.
        Ok(Err(e)) => return Err(ApiError::UnreadableBody(error_chain(&e))),
        Ok(Ok(bytes)) => bytes,
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::EmptyBody);
    }
    Ok(bytes)
}

/// Reads a body within the server's limits on its size and its arrival.
pub async fn read_body(
    limits: &super::ApiLimits,
    headers: &HeaderMap,
    body: Body,
) -> Result<axum::body::Bytes, ApiError> {
    read_bytes(headers, body, limits.max_body_bytes, limits.body_timeout).await
}

/// The format of a candidate body: the one asked for, else what its
/// content type and its bytes say.
pub fn candidate_format(
    asked: Option<crate::intake::submission::InputFormat>,
    headers: &HeaderMap,
    bytes: &[u8],
) -> crate::intake::submission::InputFormat {
    asked.unwrap_or_else(|| {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        crate::intake::submission::InputFormat::of_body(content_type, bytes)
    })
}

fn is_length_limit(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = err.source();
    }
    false
}

fn error_chain(e: &axum::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = std::error::Error::source(e);
    while let Some(err) = source {
        let text = err.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        source = err.source();
    }
    parts.join(": ")
}
