//! Candidates and reviews: `/candidates…` and `/reviews…`.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde_json::{Value, json};

use super::body::read_body;
use super::params::{CANDIDATE_PAGE, Params};
use super::{ApiError, AppState, Caller};
use super::{blocking, heavy};
use crate::engine::report::Verdict;
use crate::geom::crs::Crs;
use crate::intake::submission::parse_json;
use crate::records::access::Role;
use crate::records::candidates::{CandidateInput, prepare};
use crate::records::review::{self, body_of, hash_holds};
use crate::records::store::CandidateStatus;
use crate::records::store::{CandidateQuery, CandidateRecord, ReviewRow, Store};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/candidates", get(list).post(create))
        .route("/candidates/{id}", get(one).put(edit))
        .route("/candidates/{id}/versions", get(versions))
        .route("/candidates/{id}/versions/{version}", get(version))
        .route("/candidates/{id}/reviews", get(reviews).post(create_review))
        .route("/reviews/{id}", get(show_review))
        .route("/reviews/{id}/verify", post(verify))
}

fn id_of(text: &str, path: &str) -> Result<i64, ApiError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::NotFound(path.to_string()))
}

fn candidate_json(c: &CandidateRecord) -> Value {
    let mut v = serde_json::to_value(c).unwrap_or(Value::Null);
    v["links"] = json!([
        { "rel": "self", "href": format!("/candidates/{}", c.id) },
        { "rel": "versions", "href": format!("/candidates/{}/versions", c.id) },
        { "rel": "reviews", "href": format!("/candidates/{}/reviews", c.id) },
    ]);
    v
}

async fn read_input(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
) -> Result<CandidateInput, ApiError> {
    let bytes = read_body(&state.limits, headers, body).await?;
    let json = parse_json(&bytes)?;
    serde_json::from_value(json).map_err(|e| ApiError::InvalidField {
        field: "body",
        detail: e.to_string(),
    })
}

async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let who = caller.require(Role::Planner)?.name.clone();
    let store = state.store()?;
    let input = read_input(&state, &headers, body).await?;
    let limits = state.limits.candidate;
    let record = heavy(move || {
        let data = prepare(input, limits)?;
        Ok(store.create_candidate(&who, &data)?)
    })
    .await?;
    let location = format!("/candidates/{}", record.id);
    let mut response = (StatusCode::CREATED, axum::Json(candidate_json(&record))).into_response();
    response.headers_mut().insert(
        header::LOCATION,
        HeaderValue::from_str(&location).map_err(|e| ApiError::Internal(e.to_string()))?,
    );
    Ok(response)
}

async fn edit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<axum::Json<Value>, ApiError> {
    let who = caller.require(Role::Planner)?.name.clone();
    let id = id_of(&id, &format!("/candidates/{id}"))?;
    let store = state.store()?;
    let input = read_input(&state, &headers, body).await?;
    let limits = state.limits.candidate;
    let record = heavy(move || {
        let data = prepare(input, limits)?;
        Ok(store.add_version(&who, id, &data)?)
    })
    .await?;
    Ok(axum::Json(candidate_json(&record)))
}

async fn one(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    let path = format!("/candidates/{id}");
    let id = id_of(&id, &path)?;
    let store = state.store()?;
    let record = blocking(move || Ok(store.candidate(id)?)).await?;
    record
        .map(|c| axum::Json(candidate_json(&c)))
        .ok_or(ApiError::NotFound(path))
}

async fn versions(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    let path = format!("/candidates/{id}/versions");
    let id = id_of(&id, &path)?;
    let store = state.store()?;
    let versions = blocking(move || Ok(store.versions(id)?)).await?;
    if versions.is_empty() {
        return Err(ApiError::NotFound(path));
    }
    Ok(axum::Json(json!({ "candidate": id, "versions": versions })))
}

async fn version(
    State(state): State<AppState>,
    Path((id, version)): Path<(String, String)>,
) -> Result<axum::Json<Value>, ApiError> {
    let path = format!("/candidates/{id}/versions/{version}");
    let (id, version) = (id_of(&id, &path)?, id_of(&version, &path)?);
    let store = state.store()?;
    let found = blocking(move || Ok(store.version(id, version)?)).await?;
    found
        .map(|v| axum::Json(serde_json::to_value(v).unwrap_or(Value::Null)))
        .ok_or(ApiError::NotFound(path))
}

const LIST_PARAMETERS: &[&str] = &["limit", "offset", "kind", "status", "bbox"];

fn parse_list_query(query: Option<&str>) -> Result<CandidateQuery, ApiError> {
    let p = Params::parse(query, LIST_PARAMETERS)?;
    const STATUSES: [(&str, CandidateStatus); 4] = [
        ("submitted", CandidateStatus::Submitted),
        ("pass", CandidateStatus::Reviewed(Verdict::Pass)),
        ("warn", CandidateStatus::Reviewed(Verdict::Warn)),
        ("reject", CandidateStatus::Reviewed(Verdict::Reject)),
    ];
    Ok(CandidateQuery {
        limit: p.limit(CANDIDATE_PAGE.default, CANDIDATE_PAGE.max)?,
        offset: p.offset()?,
        // Refused when unknown: an unknown kind or status would match
        // nothing and read as "none submitted".
        kind: p.kind("kind")?,
        status: p.one_of("status", &STATUSES)?,
        bbox: p.bbox(Crs::Crs84)?,
    })
}

async fn list(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<axum::Json<Value>, ApiError> {
    let q = parse_list_query(query.as_deref())?;
    let store = state.store()?;
    let (limit, offset) = (q.limit, q.offset);
    let (records, total) = blocking(move || Ok(store.list_candidates(&q)?)).await?;
    let mut links = vec![
        json!({ "rel": "self", "href": format!("/candidates?limit={limit}&offset={offset}") }),
    ];
    if offset + records.len() < total {
        links.push(json!({ "rel": "next", "href": format!("/candidates?limit={limit}&offset={}", offset + limit) }));
    }
    Ok(axum::Json(json!({
        "candidates": records.iter().map(candidate_json).collect::<Vec<_>>(),
        "total": total,
        "limit": limit,
        "offset": offset,
        "links": links,
    })))
}

/// A review as JSON: the stored canonical texts are embedded verbatim, so
/// the answer a client reads is byte for byte what was hashed.
fn review_response(row: &ReviewRow, status: StatusCode) -> Response {
    let text = format!(
        r#"{{"id":{id},"candidate":{c},"candidate_version":{v},"verdict":{verdict},"hash":{hash},"hash_valid":{valid},"links":{links},"record":{body},"answer":{answer}}}"#,
        id = row.id,
        c = row.candidate_id,
        v = row.candidate_version,
        verdict = Value::String(row.verdict.as_str().into()),
        hash = Value::String(row.hash.clone()),
        valid = hash_holds(row),
        links = json!([
            { "rel": "self", "href": format!("/reviews/{}", row.id) },
            { "rel": "alternate", "type": "text/html", "href": format!("/reviews/{}.html", row.id) },
            { "rel": "verify", "href": format!("/reviews/{}/verify", row.id) },
            { "rel": "candidate", "href": format!("/candidates/{}", row.candidate_id) },
        ]),
        body = row.body,
        answer = row.answer,
    );
    let mut response = (status, text).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if status == StatusCode::CREATED
        && let Ok(location) = HeaderValue::from_str(&format!("/reviews/{}", row.id))
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

async fn create_review(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let who = caller.require(Role::Reviewer)?.name.clone();
    let path = format!("/candidates/{id}/reviews");
    let id = id_of(&id, &path)?;
    let p = Params::parse(
        query.as_deref(),
        &["corners", "blocks", "nearest", "buffer", "depth"],
    )?;
    // Read as /check reads them, then kept as given: the record names them
    // as the reviewer wrote them, and verifying parses them again.
    let asked = crate::engine::screening::Options {
        corners: p.corners("corners")?,
        nearest: p.layers_or_flag("nearest")?,
        buffers: p.buffers("buffer")?,
        depth: p.depth("depth")?,
        ..Default::default()
    };
    // One catalog generation for the whole review, taken now.
    let catalog = state.catalog();
    if let Some((name, detail)) = crate::engine::screening::options_problem(&asked, &catalog.layers)
    {
        return Err(ApiError::InvalidParameter { name, detail });
    }
    let dossier = review::DossierOptions {
        corners: p.text("corners"),
        blocks: p.flag("blocks")?.unwrap_or(false),
        nearest: asked.nearest.is_some().then(|| p.text("nearest")).flatten(),
        buffer: p.text("buffer"),
        depth: p.text("depth"),
    };
    let store = state.store()?;
    let row = heavy(move || {
        let candidate = store
            .candidate(id)?
            .ok_or_else(|| ApiError::NotFound(path))?;
        let new = review::make(
            store.as_ref(),
            &candidate.current,
            &catalog.layers,
            &who,
            &dossier,
        )?;
        Ok(store.insert_review(&who, &new)?)
    })
    .await?;
    Ok(review_response(&row, StatusCode::CREATED))
}

async fn reviews(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    let path = format!("/candidates/{id}/reviews");
    let id = id_of(&id, &path)?;
    let store = state.store()?;
    let rows = blocking(move || {
        store.candidate(id)?.ok_or(ApiError::NotFound(path))?;
        Ok(store.reviews(Some(id))?)
    })
    .await?;
    let list: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "candidate_version": r.candidate_version,
                "verdict": r.verdict,
                "hash": r.hash,
                "reviewed_at": body_of(r).map(|b| b.reviewed_at).unwrap_or_default(),
                "links": [{ "rel": "self", "href": format!("/reviews/{}", r.id) }],
            })
        })
        .collect();
    Ok(axum::Json(json!({ "candidate": id, "reviews": list })))
}

fn load_review(store: &Arc<dyn Store>, id: i64, path: &str) -> Result<ReviewRow, ApiError> {
    store
        .review(id)?
        .ok_or_else(|| ApiError::NotFound(path.to_string()))
}

async fn show_review(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let path = format!("/reviews/{id}");
    let (number, html) = match id.strip_suffix(".html") {
        Some(n) => (n, true),
        None => (id.as_str(), false),
    };
    let number = id_of(number, &path)?;
    let store = state.store()?;
    let live = state.live.clone();
    if !html {
        let row = blocking(move || load_review(&store, number, &path)).await?;
        return Ok(review_response(&row, StatusCode::OK));
    }
    let page = blocking(move || {
        let row = load_review(&store, number, &path)?;
        let body = body_of(&row)?;
        let answer: Value =
            serde_json::from_str(&row.answer).map_err(|e| ApiError::Internal(e.to_string()))?;
        let layers = body
            .layers
            .iter()
            .map(|l| {
                let record =
                    crate::records::revisions::find_revision(store.as_ref(), &l.id, &l.revision)?;
                Ok(live.layer_of(store.as_ref(), &record, &l.entry)?)
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        Ok(review::html::report(&row, &body, &answer, &layers))
    })
    .await?;
    Ok(axum::response::Html(page).into_response())
}

async fn verify(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<axum::Json<review::Verification>, ApiError> {
    let path = format!("/reviews/{id}/verify");
    let id = id_of(&id, &path)?;
    let store = state.store()?;
    let live = state.live.clone();
    let outcome = heavy(move || {
        let row = load_review(&store, id, &path)?;
        Ok(review::verify(store.as_ref(), &live, &row)?)
    })
    .await?;
    Ok(axum::Json(outcome))
}
