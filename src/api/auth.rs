//! `Authorization: Bearer <token>`: who is asking, and whether they may.
//!
//! The middleware authenticates every request once: a token that is given
//! must be valid (401 otherwise); no token is allowed only while reads are
//! open. Handlers that change something then ask for a role with
//! [`Caller::require`] (401 without a token, 403 with too low a role).

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

use super::{ApiError, AppState};
use crate::records::access::{Principal, Role, TokenState, token_hash};
use crate::records::store::{Store, TokenRecord};
use crate::time::{now_ms, parse_timestamp, timestamp};

/// How often a token's `last_used_at` is written at most: every request
/// writing it would turn each read into a durable write.
const LAST_USED_RESOLUTION_MS: i64 = 60_000;

/// The stored token for `token`, if it lets its holder in now. Looked up in
/// the store on every request, with no cache, so that a token revoked on
/// one node is refused at once by every node on the same store.
fn admit(store: &dyn Store, token: &str) -> Result<TokenRecord, ApiError> {
    let Some(found) = store.token_by_hash(&token_hash(token))? else {
        return Err(ApiError::Unauthorized("unknown token".into()));
    };
    let now = now_ms();
    let refusal = match found.state(now) {
        TokenState::Active => None,
        TokenState::Revoked => Some(format!(
            "the token '{}' was revoked at {}",
            found.name,
            found.revoked_at.as_deref().unwrap_or("?")
        )),
        TokenState::Expired => Some(format!(
            "the token '{}' expired at {}",
            found.name,
            found.expires_at.as_deref().unwrap_or("?")
        )),
    };
    if let Some(refusal) = refusal {
        return Err(ApiError::Unauthorized(refusal));
    }
    let stale = found
        .last_used_at
        .as_deref()
        .and_then(parse_timestamp)
        .is_none_or(|at| now - at >= LAST_USED_RESOLUTION_MS);
    if stale && let Some(at) = timestamp(now) {
        // Not being able to note the use must not refuse the request.
        if let Err(e) = store.token_used(&found.name, &at) {
            tracing::warn!("could not record the use of token '{}': {e}", found.name);
        }
    }
    Ok(found)
}

/// Who made a request, if anyone said.
#[derive(Debug, Clone)]
pub struct Caller(pub Option<Principal>);

impl Caller {
    /// The caller, if their role is at least `role`.
    pub fn require(&self, role: Role) -> Result<&Principal, ApiError> {
        match &self.0 {
            None => Err(ApiError::Unauthorized(format!(
                "this needs a token with role {} or above",
                role.as_str()
            ))),
            Some(p) if p.role < role => Err(ApiError::Forbidden {
                needed: role,
                have: p.role,
            }),
            Some(p) => Ok(p),
        }
    }

    /// The name the audit log and records show.
    pub fn name(&self) -> &str {
        self.0.as_ref().map_or("anonymous", |p| p.name.as_str())
    }
}

fn bearer(request: &Request) -> Result<Option<String>, ApiError> {
    let Some(value) = request.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().unwrap_or("");
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim().to_string()))
        }
        _ => Err(ApiError::Unauthorized(
            "the Authorization header must be 'Bearer <token>'".into(),
        )),
    }
}

/// Authenticates the request and hands the [`Caller`] to the handler.
pub async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let principal = match bearer(&request)? {
        None => None,
        Some(token) => {
            let store = state
                .store
                .clone()
                .ok_or_else(|| ApiError::Unauthorized("this server has no tokens".into()))?;
            let token = tokio::task::spawn_blocking(move || admit(store.as_ref(), &token))
                .await
                .map_err(|e| ApiError::Internal(e.to_string()))??;
            Some(Principal {
                name: token.name,
                role: token.role,
            })
        }
    };
    // A page's <script> and <link> cannot send a bearer token; the assets
    // are the browser libraries, public whatever the server holds.
    let path = request.uri().path();
    // The workspace page too: it asks for the token once loaded.
    let exempt = path == "/health"
        || path == "/map"
        || path.starts_with("/assets/")
        || request.method() == "OPTIONS";
    if principal.is_none() && !state.open_reads && !exempt {
        return Err(ApiError::Unauthorized(
            "reading needs a token on this server".into(),
        ));
    }
    request.extensions_mut().insert(Caller(principal));
    Ok(next.run(request).await)
}

/// `GET /session`: who the token names, so a page can show what its user
/// may do before they try. Without a token: nobody, and whether reads are open.
pub async fn session(
    State(state): State<AppState>,
    axum::Extension(caller): axum::Extension<Caller>,
) -> axum::Json<serde_json::Value> {
    let (name, role) = match &caller.0 {
        Some(p) => (Some(p.name.as_str()), Some(p.role.as_str())),
        None => (None, None),
    };
    axum::Json(serde_json::json!({
        "signed_in": caller.0.is_some(),
        "name": name,
        "role": role,
        "open_reads": state.open_reads,
        "store": state.store.is_some(),
    }))
}
