//! The error answers: every one is an RFC 9457 `application/problem+json`
//! document, declared once in `components/responses` and referenced by
//! status from each operation.

use serde_json::{Map, Value, json};

/// An error status as the document declares it.
pub struct Status {
    pub code: u16,
    /// The name under `components/responses`.
    pub name: &'static str,
    pub when: &'static str,
    /// The problem types (`/problems/{slug}`) answered with this status.
    pub slugs: &'static [&'static str],
}

pub const BAD_REQUEST: Status = Status {
    code: 400,
    name: "BadRequest",
    when: "A query parameter the endpoint does not take, given twice, empty or invalid; a body that is not JSON, gives a key twice, is empty or cannot be read; a CRS planmap cannot use; a bad filter (the problem says where it fails); an unknown layer id.",
    slugs: &[
        "malformed-json",
        "duplicate-key",
        "unreadable-body",
        "empty-body",
        "bad-request",
        "unknown-parameter",
        "invalid-parameter",
        "unsupported-crs",
        "invalid-filter",
        "unknown-property",
        "unknown-layer",
    ],
};

pub const UNAUTHORIZED: Status = Status {
    code: 401,
    name: "Unauthorized",
    when: "A malformed or unknown bearer token, or none where one is needed (with `WWW-Authenticate: Bearer`).",
    slugs: &["unauthorized"],
};

pub const FORBIDDEN: Status = Status {
    code: 403,
    name: "Forbidden",
    when: "The token's role is below the one needed (`required_role`, `role`).",
    slugs: &["forbidden"],
};

pub const NOT_FOUND: Status = Status {
    code: 404,
    name: "NotFound",
    when: "No such collection, feature, candidate, version, review, layer or revision.",
    slugs: &["not-found", "unknown-layer", "unknown-revision"],
};

pub const METHOD_NOT_ALLOWED: Status = Status {
    code: 405,
    name: "MethodNotAllowed",
    when: "A method the path does not take (with `Allow`).",
    slugs: &["method-not-allowed"],
};

pub const REQUEST_TIMEOUT: Status = Status {
    code: 408,
    name: "RequestTimeout",
    when: "The body was sent too slowly.",
    slugs: &["request-timeout"],
};

pub const CONFLICT: Status = Status {
    code: 409,
    name: "Conflict",
    when: "A token of that name exists already.",
    slugs: &["duplicate-token"],
};

pub const TOO_LARGE: Status = Status {
    code: 413,
    name: "PayloadTooLarge",
    when: "A body over `--max-body-bytes`, or a candidate over `--max-vertices` (`limit_bytes`, `vertices`, `limit_vertices`).",
    slugs: &["body-too-large", "too-many-vertices"],
};

pub const URI_TOO_LONG: Status = Status {
    code: 414,
    name: "UriTooLong",
    when: "The request URI is longer than the server reads.",
    slugs: &["uri-too-long"],
};

pub const UNSUPPORTED_MEDIA_TYPE: Status = Status {
    code: 415,
    name: "UnsupportedMediaType",
    when: "A body whose Content-Type is not JSON, GeoJSON or plain text.",
    slugs: &["unsupported-media-type"],
};

pub const UNPROCESSABLE: Status = Status {
    code: 422,
    name: "UnprocessableContent",
    when: "The body parses but cannot be used: not a GeoJSON Polygon or MultiPolygon, an invalid polygon (with `polygon`, `ring`, `vertex`, `coordinates`), a coordinate file that cannot be read (`line`; `sheet` and `row` in a workbook, `record` in a Shapefile, `members` of an archive, `limit_bytes` of an archive too large), a Shapefile whose CRS is unknown (`unknown-crs`: no .prj and no `crs`), coordinates outside the CRS's area of use, a candidate or token-request field that is wrong (`field`), a layer file that does not load, a CRS the body names that PROJ cannot convert, a candidate through a pole, no layers to check against.",
    slugs: &[
        "not-geojson",
        "no-geometry",
        "wrong-geometry-type",
        "unclosed-ring",
        "too-few-positions",
        "bad-position",
        "non-finite-number",
        "empty-geometry",
        "self-intersection",
        "invalid-holes",
        "overlapping-parts",
        "outside-area-of-use",
        "crosses-antimeridian",
        "candidate-too-large",
        "axes-swapped",
        "zone-mismatch",
        "unknown-zone",
        "unknown-crs",
        "bad-coordinate-file",
        "invalid-candidate",
        "invalid-token-request",
        "invalid-layer-file",
        "layers-not-in-force",
        "parts-share-edge",
        "on-pole",
        "no-layers",
        "unsupported-crs",
    ],
};

pub const HEADER_TOO_LARGE: Status = Status {
    code: 431,
    name: "HeaderTooLarge",
    when: "The request's header fields are larger than the server reads.",
    slugs: &["header-too-large"],
};

pub const INTERNAL: Status = Status {
    code: 500,
    name: "InternalError",
    when: "The store could not be read or written, or the work failed; logged on the server.",
    slugs: &["internal", "storage"],
};

pub const UNAVAILABLE: Status = Status {
    code: 503,
    name: "ServiceUnavailable",
    when: "The heavy-work queue is full (`server-busy`, with `Retry-After`), the request's compute deadline passed (`deadline-exceeded`), or the server runs without a data directory (`no-data-directory`).",
    slugs: &["server-busy", "deadline-exceeded", "no-data-directory"],
};

/// What any operation can answer, whatever it reads.
pub const EVERY_OPERATION: &[Status] = &[
    BAD_REQUEST,
    UNAUTHORIZED,
    FORBIDDEN,
    URI_TOO_LONG,
    UNPROCESSABLE,
    HEADER_TOO_LARGE,
    INTERNAL,
    UNAVAILABLE,
];

/// What an operation that reads a request body can answer besides.
pub const EVERY_BODY: &[Status] = &[REQUEST_TIMEOUT, TOO_LARGE, UNSUPPORTED_MEDIA_TYPE];

/// Every error status, in order, for `components/responses`.
const ALL: &[&Status] = &[
    &BAD_REQUEST,
    &UNAUTHORIZED,
    &FORBIDDEN,
    &NOT_FOUND,
    &METHOD_NOT_ALLOWED,
    &REQUEST_TIMEOUT,
    &CONFLICT,
    &TOO_LARGE,
    &URI_TOO_LONG,
    &UNSUPPORTED_MEDIA_TYPE,
    &UNPROCESSABLE,
    &HEADER_TOO_LARGE,
    &INTERNAL,
    &UNAVAILABLE,
];

/// The RFC 9457 problem document.
pub fn problem_schema() -> Value {
    json!({
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string", "description": "`/problems/{slug}`; the slugs of each status are listed with its response."},
            "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string"},
            "parameter": {"type": "string", "description": "The query parameter at fault."},
            "field": {"type": "string", "description": "The body member at fault."},
        },
        "additionalProperties": true,
    })
}

fn response(status: &Status) -> Value {
    let slugs: Vec<String> = status
        .slugs
        .iter()
        .map(|s| format!("`/problems/{s}`"))
        .collect();
    let mut r = json!({
        "description": format!("{} Problem types: {}.", status.when, slugs.join(", ")),
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/problem"}}},
    });
    match status.code {
        401 => {
            r["headers"] = json!({"WWW-Authenticate": {
                "description": "`Bearer realm=\"planmap\"`.",
                "schema": {"type": "string"}}});
        }
        503 => {
            r["headers"] = json!({"Retry-After": {
                "description": "Seconds to wait before trying again, when the server is busy.",
                "schema": {"type": "integer", "minimum": 0}}});
        }
        _ => {}
    }
    r
}

/// `components/responses`: one per error status.
pub fn responses() -> Value {
    let map: Map<String, Value> = ALL
        .iter()
        .map(|s| (s.name.to_string(), response(s)))
        .collect();
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_planmap_answers_is_listed_under_its_status() {
        // One answer of every kind of error, as the problem tests record them.
        let recorded = include_str!("../../../../tests/fixtures/problems/every_error.tsv");
        let mut missing = Vec::new();
        for line in recorded.lines().filter(|l| !l.trim().is_empty()) {
            let mut columns = line.split('\t');
            let (kind, status, document) = (columns.next(), columns.next(), columns.next());
            // Answers rewritten from the HTTP stack's own at any status it
            // might use; those it does make are listed as their slugs.
            if kind == Some("http") {
                continue;
            }
            let status: u16 = status.and_then(|s| s.parse().ok()).expect("a status");
            let document: Value = serde_json::from_str(document.expect("a document")).unwrap();
            let slug = document["type"]
                .as_str()
                .and_then(|t| t.strip_prefix("/problems/"))
                .expect("a problem type")
                .to_string();
            let listed = ALL
                .iter()
                .any(|s| s.code == status && s.slugs.contains(&slug.as_str()));
            if !listed && !missing.contains(&(status, slug.clone())) {
                missing.push((status, slug));
            }
        }
        assert!(
            missing.is_empty(),
            "not in the OpenAPI document: {missing:?}"
        );
    }
}
