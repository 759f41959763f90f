//! Layer revisions (`/collections/{id}/revisions`, `/collections/{id}/diff`)
//! and administration (`/admin/layers/{id}`, `/admin/tokens`, `/admin/audit`).

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Extension, Json, Router};
use serde_json::{Value, json};

use super::blocking;
use super::body::{read_body, read_bytes};
use super::params::{AUDIT_PAGE, Params};
use super::{ApiError, AppState, Caller};
use crate::intake::submission::parse_json;
use crate::records::access::{Role, expiry, new_token, token_hash};
use crate::records::revisions::{self, RevisionError};
use crate::records::store::TokenRecord;
use crate::time::now_ms;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/collections/{collection_id}/revisions",
            get(list_revisions),
        )
        .route("/collections/{collection_id}/diff", get(diff))
        .route("/admin/layers/{layer_id}", post(publish))
        .route("/admin/tokens", post(create_token).get(list_tokens))
        .route("/admin/tokens/{name}", delete(revoke_token))
        .route("/admin/audit", get(audit))
}

async fn list_revisions(
    State(state): State<AppState>,
    Path(layer): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    Params::none(query.as_deref())?;
    let path = format!("/collections/{layer}/revisions");
    let served = state
        .catalog()
        .get(&layer)
        .map(|l| l.data.revision.clone())
        .ok_or_else(|| ApiError::NotFound(path))?;
    let store = state.store()?;
    let id = layer.clone();
    let revisions = blocking(move || Ok(revisions::list(store.as_ref(), &id)?)).await?;
    Ok(Json(json!({
        "layer": layer,
        "served": served,
        "revisions": revisions,
    })))
}

async fn diff(
    State(state): State<AppState>,
    Path(layer): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<revisions::Diff>, ApiError> {
    let p = Params::parse(query.as_deref(), &["from", "to", "geometry"])?;
    let (from, to) = (p.text("from"), p.text("to"));
    let with_geometry = p.flag("geometry")?.unwrap_or(false);
    let served = state
        .catalog()
        .get(&layer)
        .map(|l| l.data.revision.clone())
        .ok_or_else(|| ApiError::NotFound(format!("/collections/{layer}/diff")))?;
    let from = from.ok_or_else(|| ApiError::InvalidParameter {
        name: "from",
        detail: "name the older revision".into(),
    })?;
    let to = to.unwrap_or(served);
    let store = state.store()?;
    let live = state.live.clone();
    let diff = blocking(move || {
        Ok(revisions::diff(
            store.as_ref(),
            &live,
            &layer,
            &from,
            &to,
            with_geometry,
        )?)
    })
    .await?;
    Ok(Json(diff))
}

async fn publish(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(layer): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let who = caller.require(Role::Admin)?.name.clone();
    let effective = Params::parse(query.as_deref(), &["effective"])?.date("effective")?;
    let store = state.store()?;
    let bytes = read_body(&state.limits, &headers, body).await?;
    let live = state.live.clone();
    let published = blocking(move || {
        revisions::publish(
            store.as_ref(),
            &live,
            &who,
            &layer,
            &bytes,
            effective.as_deref(),
        )
        .map_err(|e| match e {
            RevisionError::UnknownLayer(id) => ApiError::NotFound(format!("/admin/layers/{id}")),
            e => e.into(),
        })
    })
    .await?;
    let status = if published.new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(published)).into_response())
}

async fn create_token(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let who = caller.require(Role::Admin)?.name.clone();
    let store = state.store()?;
    let bytes = read_bytes(&headers, body, 64 * 1024, state.limits.body_timeout).await?;
    let json = parse_json(&bytes)?;
    let name = json["name"]
        .as_str()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or(ApiError::InvalidTokenRequest {
            field: "name",
            detail: "a non-empty name for the token's holder".into(),
        })?
        .to_string();
    let role =
        json["role"]
            .as_str()
            .and_then(Role::parse)
            .ok_or(ApiError::InvalidTokenRequest {
                field: "role",
                detail: "viewer, planner, reviewer or admin".into(),
            })?;
    let expires_at = match &json["expires"] {
        Value::Null => None,
        Value::String(text) => {
            Some(
                expiry(text, now_ms()).map_err(|detail| ApiError::InvalidTokenRequest {
                    field: "expires",
                    detail,
                })?,
            )
        }
        _ => {
            return Err(ApiError::InvalidTokenRequest {
                field: "expires",
                detail: "an RFC 3339 timestamp or a date, as a string".into(),
            });
        }
    };
    let token = new_token().map_err(|e| ApiError::Internal(e.to_string()))?;
    let hash = token_hash(&token);
    let record = blocking(move || {
        Ok(store.create_token(&who, &name, role, &hash, expires_at.as_deref())?)
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(
            json!({ "name": record.name, "role": record.role, "token": token,
                     "expires_at": record.expires_at,
                     "note": "the token is shown once; only its hash is stored" }),
        ),
    )
        .into_response())
}

/// A token as an administrator sees it: never its secret or its hash.
fn token_view(token: &TokenRecord) -> Value {
    json!({
        "name": token.name,
        "role": token.role,
        "state": token.state(now_ms()),
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
        "last_used_at": token.last_used_at,
    })
}

async fn list_tokens(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    caller.require(Role::Admin)?;
    Params::none(query.as_deref())?;
    let store = state.store()?;
    let tokens = blocking(move || Ok(store.tokens()?)).await?;
    Ok(Json(
        json!({ "tokens": tokens.iter().map(token_view).collect::<Vec<_>>() }),
    ))
}

async fn revoke_token(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let who = caller.require(Role::Admin)?.name.clone();
    Params::none(query.as_deref())?;
    let store = state.store()?;
    let id = name.clone();
    let revoked = blocking(move || Ok(store.revoke_token(&who, &id)?)).await?;
    let token = revoked.ok_or_else(|| ApiError::NotFound(format!("/admin/tokens/{name}")))?;
    Ok(Json(token_view(&token)))
}

async fn audit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    caller.require(Role::Admin)?;
    let p = Params::parse(query.as_deref(), &["limit", "offset"])?;
    let limit = p.limit(AUDIT_PAGE.default, AUDIT_PAGE.max)?;
    let offset = p.offset()?;
    let store = state.store()?;
    let entries = blocking(move || Ok(store.audit(limit, offset)?)).await?;
    Ok(Json(
        json!({ "entries": entries, "limit": limit, "offset": offset }),
    ))
}
