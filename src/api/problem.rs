//! Every error the API can answer with, and the one place that maps each to
//! an HTTP status and an RFC 9457 `application/problem+json` body.
//!
//! What kind of problem an error of a lower tier is, and where it lies, that
//! error says itself ([`Fault`]); here each slug gets its status, and the
//! title, detail and members are put together into the document.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::deadline::DeadlineExceeded;
use crate::engine::screening::ScreenError;
use crate::fault::{Fault, members};
use crate::geom::crs::CrsError;
use crate::intake::candidate::CandidateError;
use crate::intake::formats::FormatError;
use crate::intake::submission::{JsonError, SubmissionError};
use crate::layer::catalog::UnknownLayers;
use crate::query::cql2::Cql2Error;
use crate::records::access::Role;
use crate::records::candidates::InputError;
use crate::records::review::ReviewError;
use crate::records::revisions::RevisionError;
use crate::records::store::StoreError;

/// An error answer of the API.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Json(#[from] JsonError),
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error(transparent)]
    NotText(#[from] crate::intake::encoding::NotText),
    #[error("unknown query parameter '{0}'; this endpoint takes: {1}")]
    UnknownParameter(String, String),
    #[error("query parameter '{name}': {detail}")]
    InvalidParameter { name: &'static str, detail: String },
    #[error("the body is larger than the limit of {limit} bytes")]
    BodyTooLarge { limit: usize },
    #[error(
        "content type '{0}' is not accepted; send application/json, application/geo+json, or text/plain or text/csv for coordinate files, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet for an .xlsx corner table, application/zip for a zipped Shapefile"
    )]
    UnsupportedMediaType(String),
    #[error(transparent)]
    Crs(#[from] CrsError),
    /// A CRS a query parameter names that cannot be used: the CRS's own
    /// problem, naming the parameter too.
    #[error("{source}")]
    CrsParameter {
        name: &'static str,
        source: CrsError,
    },
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
    /// A field of a token request (`POST /admin/tokens`) that cannot be used.
    #[error("{field}: {detail}")]
    InvalidTokenRequest { field: &'static str, detail: String },
    #[error(transparent)]
    Screen(ScreenError),
    #[error("{}", match .limit_seconds {
        Some(s) => format!("the request ran past its compute deadline of {s} s and was stopped; nothing it computed is answered (a smaller candidate, fewer layers or geometry=false need less)"),
        None => "the request ran past its compute deadline and was stopped".to_string(),
    })]
    DeadlineExceeded { limit_seconds: Option<f64> },
    #[error(
        "the server is busy with {running} heavy requests and {queued} waiting; try again in {retry_after} s"
    )]
    ServerBusy {
        running: usize,
        queued: usize,
        retry_after: u64,
    },
    #[error("the server has {limit} connections open, its limit; try again in a moment")]
    TooManyConnections { limit: usize },
    #[error("the request body was not received within {limit_seconds} s")]
    RequestTimeout { limit_seconds: f64 },
    #[error("the request body could not be read: {0}")]
    UnreadableBody(String),
    #[error("the request has no body; send the candidate as GeoJSON or as a coordinate file")]
    EmptyBody,
    /// An error answer the HTTP stack made itself (a path that is not
    /// UTF-8, a request that is not HTTP/1.1), restated as a problem.
    #[error("{detail}")]
    Http { status: StatusCode, detail: String },
}

impl From<ScreenError> for ApiError {
    fn from(e: ScreenError) -> Self {
        match e {
            ScreenError::Crs(c) => ApiError::Crs(c),
            ScreenError::Deadline(_) => ApiError::DeadlineExceeded {
                limit_seconds: None,
            },
            other => ApiError::Screen(other),
        }
    }
}

impl From<crate::query::stats::StatsError> for ApiError {
    fn from(e: crate::query::stats::StatsError) -> Self {
        use crate::query::stats::StatsError;
        match e {
            StatsError::Deadline(d) => d.into(),
            StatsError::NoAreas(_) => ApiError::InvalidParameter {
                name: "inside",
                detail: e.to_string(),
            },
            other => ApiError::InvalidParameter {
                name: "group_by",
                detail: other.to_string(),
            },
        }
    }
}

impl From<DeadlineExceeded> for ApiError {
    fn from(_: DeadlineExceeded) -> Self {
        ApiError::DeadlineExceeded {
            limit_seconds: None,
        }
    }
}

/// The HTTP status of each problem slug, in one table; `None` for a slug
/// without a row (which would be a slip, answered as a 500).
fn status_of(slug: &str) -> Option<StatusCode> {
    Some(match slug {
        "malformed-json" | "duplicate-key" | "unreadable-body" | "empty-body"
        | "unknown-parameter" | "invalid-parameter" | "unsupported-crs" | "invalid-filter"
        | "unknown-property" | "unknown-layer" | "bad-request" => StatusCode::BAD_REQUEST,
        "unauthorized" => StatusCode::UNAUTHORIZED,
        "forbidden" => StatusCode::FORBIDDEN,
        "not-found" | "unknown-revision" => StatusCode::NOT_FOUND,
        "method-not-allowed" => StatusCode::METHOD_NOT_ALLOWED,
        "request-timeout" => StatusCode::REQUEST_TIMEOUT,
        "duplicate-token" => StatusCode::CONFLICT,
        "body-too-large" | "too-many-vertices" => StatusCode::PAYLOAD_TOO_LARGE,
        "uri-too-long" => StatusCode::URI_TOO_LONG,
        "unsupported-media-type" => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "non-finite-number"
        | "bad-coordinate-file"
        | "axes-swapped"
        | "zone-mismatch"
        | "unknown-zone"
        | "unknown-crs"
        | "unclosed-ring"
        | "too-few-positions"
        | "not-geojson"
        | "no-geometry"
        | "wrong-geometry-type"
        | "bad-position"
        | "empty-geometry"
        | "outside-area-of-use"
        | "self-intersection"
        | "invalid-holes"
        | "overlapping-parts"
        | "parts-share-edge"
        | "candidate-too-large"
        | "crosses-antimeridian"
        | "on-pole"
        | "invalid-candidate"
        | "invalid-token-request"
        | "invalid-layer-file"
        | "layers-not-in-force"
        | "no-layers" => StatusCode::UNPROCESSABLE_ENTITY,
        "header-too-large" => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "internal" | "storage" => StatusCode::INTERNAL_SERVER_ERROR,
        "not-implemented" => StatusCode::NOT_IMPLEMENTED,
        "no-data-directory" | "deadline-exceeded" | "server-busy" => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        "http-version-not-supported" => StatusCode::HTTP_VERSION_NOT_SUPPORTED,
        _ => return None,
    })
}

/// The slug of an answer the HTTP stack made itself, from its status.
fn http_slug(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad-request",
        404 => "not-found",
        405 => "method-not-allowed",
        408 => "request-timeout",
        413 => "body-too-large",
        414 => "uri-too-long",
        431 => "header-too-large",
        501 => "not-implemented",
        505 => "http-version-not-supported",
        s if s >= 500 => "internal",
        _ => "bad-request",
    }
}

impl Fault for ApiError {
    fn slug(&self) -> &'static str {
        match self {
            Self::Json(e) => e.slug(),
            Self::Format(e) => e.slug(),
            Self::Crs(e) | Self::CrsParameter { source: e, .. } => e.slug(),
            Self::Filter(e) => e.slug(),
            Self::UnknownLayers(e) => e.slug(),
            Self::Candidate(e) => e.slug(),
            Self::Store(e) => e.slug(),
            Self::Revision(e) => e.slug(),
            Self::Screen(e) => e.slug(),
            Self::NotText(_) => "bad-coordinate-file",
            Self::UnknownParameter(..) => "unknown-parameter",
            Self::InvalidParameter { .. } => "invalid-parameter",
            Self::BodyTooLarge { .. } => "body-too-large",
            Self::UnsupportedMediaType(_) => "unsupported-media-type",
            Self::NotFound(_) => "not-found",
            Self::MethodNotAllowed(_) => "method-not-allowed",
            Self::Internal(_) => "internal",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden { .. } => "forbidden",
            Self::NoStore => "no-data-directory",
            Self::InvalidField { .. } => "invalid-candidate",
            Self::InvalidTokenRequest { .. } => "invalid-token-request",
            Self::DeadlineExceeded { .. } => "deadline-exceeded",
            Self::ServerBusy { .. } | Self::TooManyConnections { .. } => "server-busy",
            Self::RequestTimeout { .. } => "request-timeout",
            Self::UnreadableBody(_) => "unreadable-body",
            Self::EmptyBody => "empty-body",
            Self::Http { status, .. } => http_slug(*status),
        }
    }

    fn location(&self) -> Map<String, Value> {
        match self {
            Self::Json(e) => e.location(),
            Self::Format(e) => e.location(),
            Self::Crs(e) => e.location(),
            Self::CrsParameter { name, source } => {
                let mut location = source.location();
                location.insert("parameter".into(), json!(name));
                location
            }
            Self::Filter(e) => e.location(),
            Self::UnknownLayers(e) => e.location(),
            Self::Candidate(e) => e.location(),
            Self::Store(e) => e.location(),
            Self::Revision(e) => e.location(),
            Self::Screen(e) => e.location(),
            Self::UnknownParameter(name, _) => members([("parameter", json!(name))]),
            Self::InvalidParameter { name, .. } => members([("parameter", json!(name))]),
            Self::BodyTooLarge { limit } => members([("limit_bytes", json!(limit))]),
            Self::Forbidden { needed, have } => members([
                ("required_role", json!(needed.as_str())),
                ("role", json!(have.as_str())),
            ]),
            Self::InvalidField { field, .. } | Self::InvalidTokenRequest { field, .. } => {
                members([("field", json!(field))])
            }
            Self::DeadlineExceeded {
                limit_seconds: Some(s),
            } => members([("limit_seconds", json!(s))]),
            Self::RequestTimeout { limit_seconds } => {
                members([("limit_seconds", json!(limit_seconds))])
            }
            Self::ServerBusy {
                running,
                queued,
                retry_after,
            } => members([
                ("running", json!(running)),
                ("queued", json!(queued)),
                ("retry_after_seconds", json!(retry_after)),
            ]),
            Self::NotText(e) => members([("line", json!(e.line))]),
            Self::UnsupportedMediaType(_)
            | Self::NotFound(_)
            | Self::MethodNotAllowed(_)
            | Self::Internal(_)
            | Self::Unauthorized(_)
            | Self::NoStore
            | Self::DeadlineExceeded {
                limit_seconds: None,
            }
            | Self::TooManyConnections { .. }
            | Self::UnreadableBody(_)
            | Self::EmptyBody
            | Self::Http { .. } => Map::new(),
        }
    }
}

impl ApiError {
    /// The HTTP status: the slug's row of [`status_of`], but for three
    /// answers whose status says more than their slug.
    pub fn status(&self) -> StatusCode {
        match self {
            // The HTTP stack chose its status; the slug only names it.
            Self::Http { status, .. } => *status,
            // A CRS PROJ describes but cannot convert the body's coordinates
            // from (a `crs` parameter PROJ does not know is refused before,
            // as a 400): the request is well formed, its content is what
            // cannot be processed.
            Self::Candidate(CandidateError::Crs(_)) => StatusCode::UNPROCESSABLE_ENTITY,
            // A layer named in the path is a resource that is not there; one
            // named in the `layers` parameter is a bad request.
            Self::Revision(RevisionError::UnknownLayer(_)) => StatusCode::NOT_FOUND,
            _ => status_of(self.slug()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        }
    }

    fn title(&self) -> &'static str {
        match self.status() {
            StatusCode::BAD_REQUEST => "Bad request",
            StatusCode::PAYLOAD_TOO_LARGE => "Too large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "Unsupported media type",
            // RFC 9110's name: a 422 is a polygon, a file, a date or a field.
            StatusCode::UNPROCESSABLE_ENTITY => "Unprocessable content",
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::METHOD_NOT_ALLOWED => "Method not allowed",
            StatusCode::UNAUTHORIZED => "Unauthorized",
            StatusCode::FORBIDDEN => "Forbidden",
            StatusCode::CONFLICT => "Conflict",
            StatusCode::SERVICE_UNAVAILABLE => "Service unavailable",
            StatusCode::REQUEST_TIMEOUT => "Request timeout",
            StatusCode::URI_TOO_LONG => "URI too long",
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => "Header fields too large",
            _ => "Internal error",
        }
    }

    /// The RFC 9457 body.
    pub fn problem(&self) -> Value {
        let mut body = Map::new();
        body.insert("type".into(), json!(format!("/problems/{}", self.slug())));
        body.insert("title".into(), json!(self.title()));
        body.insert("status".into(), json!(self.status().as_u16()));
        body.insert("detail".into(), json!(self.to_string()));
        body.extend(self.location());
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
        if let Self::ServerBusy { retry_after, .. } = &self
            && let Ok(v) = HeaderValue::from_str(&retry_after.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
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
            SubmissionError::NotText(e) => ApiError::NotText(e),
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
            ReviewError::Screen(s) => s.into(),
            ReviewError::Corrupt(c) => ApiError::Internal(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geom::segments::EdgeRef;
    use crate::geom::shape::ShapeError;
    use crate::geom::validate::InvalidGeometry;
    use crate::layer::load::LayerError;
    use crate::records::revisions::NotInForce;
    use geo::Coord;

    fn c(x: f64, y: f64) -> Coord {
        Coord { x, y }
    }

    fn at(part: usize, ring: usize, vertex: usize) -> EdgeRef {
        EdgeRef { part, ring, vertex }
    }

    fn crs() -> CrsError {
        CrsError::UnknownCode(999_999)
    }

    fn shapes() -> Vec<ShapeError> {
        vec![
            ShapeError::WrongType {
                found: "Point".into(),
                expected: "Polygon or MultiPolygon",
            },
            ShapeError::TooFewPositions {
                part: 1,
                ring: 2,
                count: 3,
            },
            ShapeError::Unclosed {
                part: 0,
                ring: 1,
                first: c(1.0, 2.0),
                last: c(1.5, 2.5),
            },
            ShapeError::BadPosition {
                part: 2,
                ring: 0,
                vertex: 4,
                len: 1,
            },
            ShapeError::NonFinite {
                part: 0,
                ring: 0,
                vertex: 9,
            },
            ShapeError::LineTooShort { part: 3, count: 1 },
            ShapeError::Empty,
        ]
    }

    fn invalid() -> Vec<InvalidGeometry> {
        vec![
            InvalidGeometry::SelfIntersection {
                at: at(0, 0, 2),
                other: at(0, 1, 5),
                point: c(112.5, 36.25),
            },
            InvalidGeometry::HoleOutsideExterior { at: at(1, 2, 0) },
            InvalidGeometry::NestedHole { at: at(0, 3, 0) },
            InvalidGeometry::PartsOverlap { part: 0, other: 2 },
            InvalidGeometry::PartsShareEdge {
                part: 1,
                other: 3,
                point: c(112.0, 36.0),
            },
        ]
    }

    fn formats() -> Vec<FormatError> {
        vec![
            FormatError::Line {
                line: 3,
                reason: "X = a is not a number".into(),
            },
            FormatError::Swapped {
                line: 4,
                x: 38_500_000.0,
                y: 4_000_000.0,
            },
            FormatError::ZoneMismatch {
                line: 5,
                y: 38_500_000.0,
                prefix: 38,
                declared: 37,
            },
            FormatError::MixedZones {
                line: 6,
                first: 37,
                other: 38,
            },
            FormatError::UnknownZone,
            FormatError::NoSuchZone("99".into()),
            FormatError::Unclosed {
                parcel: "1".into(),
                ring: 0,
                first: c(4_000_000.0, 38_500_000.0),
                last: c(4_000_001.0, 38_500_001.0),
            },
            FormatError::TooFewPoints {
                parcel: "2".into(),
                ring: 1,
                count: 3,
            },
            FormatError::Empty,
        ]
    }

    fn jsons() -> Vec<JsonError> {
        vec![
            JsonError::Malformed {
                message: "EOF while parsing a list".into(),
                line: 2,
                column: 24,
            },
            JsonError::NonFinite {
                literal: "NaN".into(),
                line: 1,
                column: 31,
            },
            JsonError::DuplicateKey {
                key: "type".into(),
                line: 1,
                column: 20,
            },
        ]
    }

    fn candidates() -> Vec<CandidateError> {
        let mut all = vec![
            CandidateError::NotGeoJson("no type member".into()),
            CandidateError::NoGeometry,
            CandidateError::TooManyVertices {
                count: 100_001,
                limit: 100_000,
            },
            CandidateError::Crs(crs()),
            CandidateError::OutsideAreaOfUse {
                crs: crate::geom::crs::Crs::Epsg(4526),
                axes: "northing, easting".into(),
                area: "114°E to 120°E".into(),
                part: 0,
                ring: 0,
                vertex: 3,
                given: c(4_000_000.0, 500_000.0),
                fits_swapped: true,
            },
            CandidateError::TooLarge {
                width: 20.5,
                height: 1.25,
                limit: 15.0,
            },
            CandidateError::CrossesAntimeridian {
                part: 1,
                ring: 0,
                vertex: 7,
                span: 359.5,
            },
            CandidateError::OnPole {
                part: 0,
                ring: 0,
                vertex: 2,
            },
        ];
        all.extend(shapes().into_iter().map(CandidateError::Shape));
        all.extend(invalid().into_iter().map(CandidateError::Invalid));
        all
    }

    fn stores() -> Vec<StoreError> {
        vec![
            StoreError::Sqlite(rusqlite::Error::QueryReturnedNoRows),
            StoreError::Io(std::io::Error::other("disk full")),
            StoreError::Corrupt("candidate 3: kind".into()),
            StoreError::NoCandidate(7),
            StoreError::DuplicateToken("ci".into()),
        ]
    }

    fn revisions() -> Vec<RevisionError> {
        vec![
            RevisionError::Store(StoreError::Corrupt("row 3".into())),
            RevisionError::Invalid(LayerError::NotFeatureCollection {
                path: "upload.geojson".into(),
                message: "expected value at line 1 column 1".into(),
            }),
            RevisionError::UnknownLayer("moon_base".into()),
            RevisionError::UnknownRevision {
                layer: "ecological_redline".into(),
                revision: "abcdef".into(),
            },
            RevisionError::BadDate("2024-13-01".into()),
            RevisionError::NotInForce {
                date: "2001-01-01".into(),
                missing: vec![
                    NotInForce {
                        layer: "ecological_redline".into(),
                        first_effective: Some("2021-01-01".into()),
                    },
                    NotInForce {
                        layer: "basic_farmland".into(),
                        first_effective: None,
                    },
                ],
            },
        ]
    }

    fn screens() -> Vec<ScreenError> {
        vec![
            ScreenError::Crs(crs()),
            ScreenError::Deadline(DeadlineExceeded),
            ScreenError::NoLayers,
            ScreenError::CornersOutsideZone {
                epsg: 4527,
                central_meridian: 114.0,
                west: 112.5,
                east: 115.5,
                longitude: 111.25,
            },
        ]
    }

    fn not_text() -> crate::intake::encoding::NotText {
        crate::intake::encoding::NotText {
            line: 3,
            byte: 0xFF,
        }
    }

    fn submissions() -> Vec<SubmissionError> {
        let mut all: Vec<SubmissionError> = jsons().into_iter().map(Into::into).collect();
        all.push(SubmissionError::NotText(not_text()));
        all.extend(formats().into_iter().map(SubmissionError::Format));
        all.extend(candidates().into_iter().map(SubmissionError::Candidate));
        all
    }

    fn inputs() -> Vec<InputError> {
        vec![
            InputError::Field {
                field: "name",
                detail: "must not be empty".into(),
            },
            InputError::Submission(SubmissionError::NotText(not_text())),
            InputError::Crs(crs()),
        ]
    }

    fn reviews() -> Vec<ReviewError> {
        let mut all: Vec<ReviewError> = stores().into_iter().map(Into::into).collect();
        all.extend(revisions().into_iter().map(ReviewError::Revision));
        all.extend(submissions().into_iter().map(ReviewError::Submission));
        all.push(ReviewError::Crs(crs()));
        all.extend(screens().into_iter().map(ReviewError::Screen));
        all.push(ReviewError::Corrupt("body: expected value".into()));
        all
    }

    /// One error of every kind the API can answer with, each reached the way
    /// a handler reaches it (through `From` where a handler uses `?`).
    fn every_error() -> Vec<(&'static str, ApiError)> {
        let mut all: Vec<(&'static str, ApiError)> = Vec::new();
        all.extend(jsons().into_iter().map(|e| ("json", e.into())));
        all.extend(formats().into_iter().map(|e| ("format", e.into())));
        all.push(("not text", ApiError::NotText(not_text())));
        all.push((
            "unknown parameter",
            ApiError::UnknownParameter("colour".into(), "crs, layers".into()),
        ));
        all.push((
            "invalid parameter",
            ApiError::InvalidParameter {
                name: "limit",
                detail: "not a number".into(),
            },
        ));
        all.push(("body too large", ApiError::BodyTooLarge { limit: 1000 }));
        all.push((
            "media type",
            ApiError::UnsupportedMediaType("text/html".into()),
        ));
        for e in [
            CrsError::Unrecognised("WGS84-ish".into()),
            crs(),
            CrsError::Unsupported {
                code: 4978,
                reason: "it is a GeocentricCRS".into(),
            },
        ] {
            all.push(("crs", e.into()));
        }
        for e in [
            Cql2Error::Text {
                position: 12,
                message: "expected a value".into(),
            },
            Cql2Error::Json {
                pointer: "/args/0".into(),
                message: "expected an object".into(),
            },
            Cql2Error::UnknownProperty {
                name: "colour".into(),
                known: "name, kind".into(),
            },
            Cql2Error::Crs(crs()),
        ] {
            all.push(("filter", e.into()));
        }
        all.push((
            "unknown layers",
            UnknownLayers {
                unknown: vec!["moon_base".into()],
                known: vec!["ecological_redline".into(), "basic_farmland".into()],
            }
            .into(),
        ));
        all.extend(candidates().into_iter().map(|e| ("candidate", e.into())));
        all.push(("not found", ApiError::NotFound("/candidates/9".into())));
        all.push(("method", ApiError::MethodNotAllowed("PUT".into())));
        all.push(("internal", ApiError::Internal("it broke".into())));
        all.push(("unauthorized", ApiError::Unauthorized("no token".into())));
        all.push((
            "forbidden",
            ApiError::Forbidden {
                needed: Role::Admin,
                have: Role::Viewer,
            },
        ));
        all.push(("no store", ApiError::NoStore));
        all.extend(stores().into_iter().map(|e| ("store", e.into())));
        all.extend(revisions().into_iter().map(|e| ("revision", e.into())));
        all.push((
            "invalid field",
            ApiError::InvalidField {
                field: "kind",
                detail: "unknown kind".into(),
            },
        ));
        all.push((
            "token request",
            ApiError::InvalidTokenRequest {
                field: "expires",
                detail: "2001-01-01T00:00:00.000Z has passed; a token must expire in the future"
                    .into(),
            },
        ));
        for e in screens() {
            all.push(("screen through From", e.clone().into()));
            all.push(("screen held as it is", ApiError::Screen(e)));
        }
        all.push(("deadline", DeadlineExceeded.into()));
        all.push((
            "deadline with its limit",
            ApiError::DeadlineExceeded {
                limit_seconds: Some(2.5),
            },
        ));
        all.push((
            "busy",
            ApiError::ServerBusy {
                running: 2,
                queued: 8,
                retry_after: 3,
            },
        ));
        all.push(("connections", ApiError::TooManyConnections { limit: 512 }));
        all.push((
            "request timeout",
            ApiError::RequestTimeout {
                limit_seconds: 10.0,
            },
        ));
        all.push((
            "unreadable body",
            ApiError::UnreadableBody("connection reset".into()),
        ));
        all.push(("empty body", ApiError::EmptyBody));
        for code in [
            400, 401, 404, 405, 408, 413, 414, 418, 431, 500, 501, 502, 503, 505,
        ] {
            all.push((
                "http",
                ApiError::Http {
                    status: StatusCode::from_u16(code).unwrap(),
                    detail: format!("status {code}"),
                },
            ));
        }
        all.extend(submissions().into_iter().map(|e| ("submission", e.into())));
        all.extend(inputs().into_iter().map(|e| ("input", e.into())));
        all.extend(reviews().into_iter().map(|e| ("review", e.into())));
        all
    }

    /// Each error's status and problem document, a line each.
    fn answers() -> String {
        every_error()
            .into_iter()
            .map(|(what, e)| format!("{what}\t{}\t{}\n", e.status().as_u16(), e.problem()))
            .collect()
    }

    const EXPECTED: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/problems/every_error.tsv"
    );

    // Clients match on the problem type and read the members beside it, so
    // a change in how the answers are made must leave every answer as it
    // was. `PLANMAP_WRITE_EXPECTED=1` rewrites the file, for a change that
    // means to alter an answer.
    #[test]
    fn every_kind_of_error_answers_with_the_document_it_always_has() {
        let got = answers();
        if std::env::var_os("PLANMAP_WRITE_EXPECTED").is_some() {
            std::fs::create_dir_all(std::path::Path::new(EXPECTED).parent().unwrap()).unwrap();
            std::fs::write(EXPECTED, &got).unwrap();
        }
        let expected = std::fs::read_to_string(EXPECTED).unwrap();
        for (got, expected) in got.lines().zip(expected.lines()) {
            assert_eq!(got, expected);
        }
        assert_eq!(got.lines().count(), expected.lines().count());
    }

    // A slug without a row would be answered as a 500, whatever it names.
    #[test]
    fn every_slug_an_error_names_has_its_row_in_the_status_table() {
        for (what, e) in every_error() {
            assert!(status_of(e.slug()).is_some(), "{what}: {}", e.slug());
        }
    }

    fn answered_as_it_names_itself(e: &impl Fault, answer: ApiError, what: &str) {
        assert_eq!(answer.slug(), e.slug(), "{what}");
        assert_eq!(answer.location(), e.location(), "{what}");
    }

    // Handlers turn a wrapping error into the API's own variants (and a
    // review's unreadable record into an internal error); what the answer
    // says must be what the wrapping error says of itself.
    #[test]
    fn a_wrapped_error_is_answered_as_it_names_itself() {
        for (e, same) in submissions().into_iter().zip(submissions()) {
            answered_as_it_names_itself(&e, same.into(), &format!("{e:?}"));
        }
        for (e, same) in inputs().into_iter().zip(inputs()) {
            answered_as_it_names_itself(&e, same.into(), &format!("{e:?}"));
        }
        for (e, same) in reviews().into_iter().zip(reviews()) {
            answered_as_it_names_itself(&e, same.into(), &format!("{e:?}"));
        }
    }
}
