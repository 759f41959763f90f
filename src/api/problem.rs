//! Every error the API can answer with, and the one place that maps each to
//! an HTTP status and an RFC 9457 `application/problem+json` body.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::access::Role;
use crate::candidate::CandidateError;
use crate::candidates::InputError;
use crate::catalog::UnknownLayers;
use crate::cql2::Cql2Error;
use crate::crs::CrsError;
use crate::formats::FormatError;
use crate::review::ReviewError;
use crate::revisions::RevisionError;
use crate::shape::ShapeError;
use crate::store::StoreError;
use crate::submission::{JsonError, SubmissionError};
use crate::validate::InvalidGeometry;

/// An error answer of the API.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Json(#[from] JsonError),
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error("a coordinate file must be UTF-8 text")]
    NotUtf8,
    #[error("unknown query parameter '{0}'; this endpoint takes: {1}")]
    UnknownParameter(String, String),
    #[error("query parameter '{name}': {detail}")]
    InvalidParameter { name: &'static str, detail: String },
    #[error("the body is larger than the limit of {limit} bytes")]
    BodyTooLarge { limit: usize },
    #[error(
        "content type '{0}' is not accepted; send application/json, application/geo+json, or text/plain for coordinate files"
    )]
    UnsupportedMediaType(String),
    #[error(transparent)]
    Crs(#[from] CrsError),
    #[error(transparent)]
    Filter(#[from] Cql2Error),
    #[error(transparent)]
    UnknownLayers(#[from] UnknownLayers),
    #[error(transparent)]
    Candidate(#[from] CandidateError),
    #[error("no resource at {0}")]
    NotFound(String),
    #[error("method {0} is not allowed here")]
    MethodNotAllowed(String),
    #[error("the check could not be completed: {0}")]
    Internal(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("this needs role {} or above; the token has role {}", .needed.as_str(), .have.as_str())]
    Forbidden { needed: Role, have: Role },
    #[error("this server runs without a data directory; start it with --data DIR")]
    NoStore,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Revision(#[from] RevisionError),
    #[error("{field}: {detail}")]
    InvalidField { field: &'static str, detail: String },
}

impl ApiError {
    /// The HTTP status of each kind of error, in one table.
    pub fn status(&self) -> StatusCode {
        use CandidateError as C;
        match self {
            Self::Json(JsonError::Malformed { .. })
            | Self::UnknownParameter(..)
            | Self::InvalidParameter { .. }
            | Self::Crs(_)
            | Self::Filter(_)
            | Self::UnknownLayers(_) => StatusCode::BAD_REQUEST,
            Self::BodyTooLarge { .. } | Self::Candidate(C::TooManyVertices { .. }) => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Json(JsonError::NonFinite { .. })
            | Self::Format(_)
            | Self::NotUtf8
            | Self::Candidate(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::NoStore => StatusCode::SERVICE_UNAVAILABLE,
            Self::Store(StoreError::NoCandidate(_)) => StatusCode::NOT_FOUND,
            Self::Store(StoreError::DuplicateToken(_)) => StatusCode::CONFLICT,
            Self::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Revision(r) => match r {
                RevisionError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
                RevisionError::Invalid(_) | RevisionError::FutureDate(_) => {
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                RevisionError::UnknownLayer(_) | RevisionError::UnknownRevision { .. } => {
                    StatusCode::NOT_FOUND
                }
                RevisionError::BadDate(_) => StatusCode::BAD_REQUEST,
            },
            Self::InvalidField { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    /// A short slug naming the kind of problem; the problem `type` is `/problems/{slug}`.
    pub fn slug(&self) -> &'static str {
        use CandidateError as C;
        match self {
            Self::Json(JsonError::Malformed { .. }) => "malformed-json",
            Self::Json(JsonError::NonFinite { .. }) => "non-finite-number",
            Self::NotUtf8 => "bad-coordinate-file",
            Self::Format(f) => match f {
                FormatError::Swapped { .. } => "axes-swapped",
                FormatError::ZoneMismatch { .. } | FormatError::MixedZones { .. } => {
                    "zone-mismatch"
                }
                FormatError::UnknownZone | FormatError::NoSuchZone(_) => "unknown-zone",
                FormatError::Unclosed { .. } => "unclosed-ring",
                FormatError::TooFewPoints { .. } => "too-few-positions",
                FormatError::Line { .. } | FormatError::Empty => "bad-coordinate-file",
            },
            Self::UnknownParameter(..) => "unknown-parameter",
            Self::InvalidParameter { .. } => "invalid-parameter",
            Self::BodyTooLarge { .. } => "body-too-large",
            Self::UnsupportedMediaType(_) => "unsupported-media-type",
            Self::Crs(_) => "unsupported-crs",
            Self::Filter(Cql2Error::UnknownProperty { .. }) => "unknown-property",
            Self::Filter(Cql2Error::Crs(_)) => "unsupported-crs",
            Self::Filter(_) => "invalid-filter",
            Self::UnknownLayers(_) => "unknown-layer",
            Self::Candidate(c) => match c {
                C::NotGeoJson(_) => "not-geojson",
                C::NoGeometry => "no-geometry",
                C::TooManyVertices { .. } => "too-many-vertices",
                C::Crs(_) => "unsupported-crs",
                C::OutsideAreaOfUse { .. } => "outside-area-of-use",
                C::Invalid(InvalidGeometry::PartsOverlap { .. }) => "overlapping-parts",
                C::Invalid(InvalidGeometry::SelfIntersection { .. }) => "self-intersection",
                C::Invalid(_) => "invalid-holes",
                C::Shape(s) => match s {
                    ShapeError::WrongType { .. } => "wrong-geometry-type",
                    ShapeError::TooFewPositions { .. } => "too-few-positions",
                    ShapeError::Unclosed { .. } => "unclosed-ring",
                    ShapeError::BadPosition { .. } => "bad-position",
                    ShapeError::NonFinite { .. } => "non-finite-number",
                    ShapeError::LineTooShort { .. } | ShapeError::Empty => "empty-geometry",
                },
            },
            Self::NotFound(_) => "not-found",
            Self::MethodNotAllowed(_) => "method-not-allowed",
            Self::Internal(_) => "internal",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden { .. } => "forbidden",
            Self::NoStore => "no-data-directory",
            Self::Store(StoreError::NoCandidate(_)) => "not-found",
            Self::Store(StoreError::DuplicateToken(_)) => "duplicate-token",
            Self::Store(_) => "storage",
            Self::Revision(r) => match r {
                RevisionError::Store(_) => "storage",
                RevisionError::Invalid(_) => "invalid-layer-file",
                RevisionError::FutureDate(_) => "future-effective-date",
                RevisionError::UnknownLayer(_) => "unknown-layer",
                RevisionError::UnknownRevision { .. } => "unknown-revision",
                RevisionError::BadDate(_) => "invalid-parameter",
            },
            Self::InvalidField { .. } => "invalid-candidate",
        }
    }

    fn title(&self) -> &'static str {
        match self.status() {
            StatusCode::BAD_REQUEST => "Bad request",
            StatusCode::PAYLOAD_TOO_LARGE => "Too large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "Unsupported media type",
            StatusCode::UNPROCESSABLE_ENTITY => "Invalid geometry",
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::METHOD_NOT_ALLOWED => "Method not allowed",
            StatusCode::UNAUTHORIZED => "Unauthorized",
            StatusCode::FORBIDDEN => "Forbidden",
            StatusCode::CONFLICT => "Conflict",
            StatusCode::SERVICE_UNAVAILABLE => "Service unavailable",
            _ => "Internal error",
        }
    }

    /// Extension members saying where the problem is.
    fn extensions(&self) -> Map<String, Value> {
        let mut m = Map::new();
        let mut put = |k: &str, v: Value| {
            m.insert(k.to_string(), v);
        };
        match self {
            Self::Json(JsonError::Malformed { line, column, .. })
            | Self::Json(JsonError::NonFinite { line, column, .. }) => {
                put("line", json!(line));
                put("column", json!(column));
            }
            Self::UnknownParameter(name, _) => put("parameter", json!(name)),
            Self::InvalidParameter { name, .. } => put("parameter", json!(name)),
            Self::BodyTooLarge { limit } => put("limit_bytes", json!(limit)),
            Self::Filter(Cql2Error::Text { position, .. }) => {
                put("parameter", json!("filter"));
                put("position", json!(position));
            }
            Self::Filter(Cql2Error::Json { pointer, .. }) => {
                put("parameter", json!("filter"));
                put("pointer", json!(pointer));
            }
            Self::Filter(_) => put("parameter", json!("filter")),
            Self::Forbidden { needed, have } => {
                put("required_role", json!(needed.as_str()));
                put("role", json!(have.as_str()));
            }
            Self::InvalidField { field, .. } => put("field", json!(field)),
            Self::UnknownLayers(u) => {
                put("unknown_layers", json!(u.unknown));
                put("known_layers", json!(u.known));
            }
            Self::Candidate(CandidateError::TooManyVertices { count, limit }) => {
                put("vertices", json!(count));
                put("limit_vertices", json!(limit));
            }
            Self::Candidate(CandidateError::Shape(s)) => {
                if let Some((part, ring, vertex)) = s.location() {
                    put("polygon", json!(part));
                    put("ring", json!(ring));
                    if let Some(v) = vertex {
                        put("vertex", json!(v));
                    }
                }
                if let ShapeError::Unclosed { first, last, .. } = s {
                    put("coordinates", json!([[first.x, first.y], [last.x, last.y]]));
                }
            }
            Self::Candidate(CandidateError::Invalid(inv)) => {
                let (part, ring, vertex, point) = inv.location();
                put("polygon", json!(part));
                put("ring", json!(ring));
                if let Some(v) = vertex {
                    put("vertex", json!(v));
                }
                if let Some(p) = point {
                    // The point is in CRS84, whatever CRS the candidate came in.
                    put("coordinates", json!([p.x, p.y]));
                    put("coordinates_crs", json!("CRS84"));
                }
            }
            Self::Candidate(CandidateError::OutsideAreaOfUse {
                part,
                ring,
                vertex,
                given,
                ..
            }) => {
                put("polygon", json!(part));
                put("ring", json!(ring));
                put("vertex", json!(vertex));
                put("coordinates", json!([given.x, given.y]));
            }
            Self::Format(f) => match f {
                FormatError::Line { line, .. }
                | FormatError::Swapped { line, .. }
                | FormatError::ZoneMismatch { line, .. }
                | FormatError::MixedZones { line, .. } => put("line", json!(line)),
                FormatError::Unclosed {
                    parcel,
                    ring,
                    first,
                    last,
                } => {
                    put("parcel", json!(parcel));
                    put("ring", json!(ring));
                    put("coordinates", json!([[first.x, first.y], [last.x, last.y]]));
                }
                FormatError::TooFewPoints { parcel, ring, .. } => {
                    put("parcel", json!(parcel));
                    put("ring", json!(ring));
                }
                _ => {}
            },
            _ => {}
        }
        m
    }

    /// The RFC 9457 body.
    pub fn problem(&self) -> Value {
        let mut body = Map::new();
        body.insert("type".into(), json!(format!("/problems/{}", self.slug())));
        body.insert("title".into(), json!(self.title()));
        body.insert("status".into(), json!(self.status().as_u16()));
        body.insert("detail".into(), json!(self.to_string()));
        body.extend(self.extensions());
        Value::Object(body)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status().is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let mut response = (self.status(), self.problem().to_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if self.status() == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"planmap\""),
            );
        }
        response
    }
}

impl From<SubmissionError> for ApiError {
    fn from(e: SubmissionError) -> Self {
        match e {
            SubmissionError::Json(j) => ApiError::Json(j),
            SubmissionError::NotUtf8 => ApiError::NotUtf8,
            SubmissionError::Format(f) => ApiError::Format(f),
            SubmissionError::Candidate(c) => ApiError::Candidate(c),
        }
    }
}

impl From<InputError> for ApiError {
    fn from(e: InputError) -> Self {
        match e {
            InputError::Field { field, detail } => ApiError::InvalidField { field, detail },
            InputError::Submission(s) => s.into(),
            InputError::Crs(c) => ApiError::Crs(c),
        }
    }
}

impl From<ReviewError> for ApiError {
    fn from(e: ReviewError) -> Self {
        match e {
            ReviewError::Store(s) => ApiError::Store(s),
            ReviewError::Revision(r) => ApiError::Revision(r),
            ReviewError::Submission(s) => s.into(),
            ReviewError::Crs(c) => ApiError::Crs(c),
            ReviewError::Corrupt(c) => ApiError::Internal(c),
        }
    }
}
