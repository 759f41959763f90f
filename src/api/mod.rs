//! The HTTP API: parse the request, call the domain, render the answer.

mod admin;
mod auth;
mod blocks;
mod body;
mod check;
mod layers;
/// OGC API – Features: landing page, conformance, OpenAPI, collections, items.
pub mod ogc;
pub mod problem;
mod records;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, Uri, header};
use axum::routing::{get, post};
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};

use crate::candidate::Limits;
use crate::catalog::Catalog;
use crate::revisions::LiveCatalog;
use crate::store::Store;
pub use auth::Caller;
pub use problem::ApiError;

/// Limits on requests, set from the command line.
#[derive(Debug, Clone, Copy)]
pub struct ApiLimits {
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    pub candidate: Limits,
}

impl Default for ApiLimits {
    fn default() -> Self {
        ApiLimits {
            max_body_bytes: 16 * 1024 * 1024,
            candidate: Limits::default(),
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The catalog in force; a handler takes it once with [`AppState::catalog`].
    pub live: Arc<LiveCatalog>,
    pub limits: ApiLimits,
    /// Candidates, reviews, revisions, tokens; `None` serves checks only.
    pub store: Option<Arc<dyn Store>>,
    /// Whether reading (layers, checks, candidates, reviews) needs no token.
    pub open_reads: bool,
}

impl AppState {
    /// Checks only: no data directory, no tokens, reads open.
    pub fn new(catalog: Arc<Catalog>, limits: ApiLimits) -> AppState {
        AppState {
            live: Arc::new(LiveCatalog::new(catalog)),
            limits,
            store: None,
            open_reads: true,
        }
    }

    /// With a store: submissions, reviews, revisions and access control.
    pub fn with_store(
        live: Arc<LiveCatalog>,
        store: Arc<dyn Store>,
        limits: ApiLimits,
        open_reads: bool,
    ) -> AppState {
        AppState {
            live,
            limits,
            store: Some(store),
            open_reads,
        }
    }

    /// The catalog now in force. Take it once per request: a publish that
    /// lands meanwhile does not change what this request sees.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.live.current()
    }

    /// The store, or a 503 when planmap runs without a data directory.
    pub fn store(&self) -> Result<Arc<dyn Store>, ApiError> {
        self.store.clone().ok_or(ApiError::NoStore)
    }
}

/// The whole API as a router, for `serve` and for in-process tests.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(layers::health))
        .route("/layers", get(layers::list))
        .route("/check", post(check::check))
        .route("/blocks/snap", post(blocks::snap))
        .merge(records::routes())
        .merge(admin::routes())
        .merge(ogc::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // The body is read with its own limit so the answer is a problem document.
        .layer(DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .layer(CompressionLayer::new())
        .layer(cors())
        .with_state(state)
}

/// Any origin may read the API (a web map on another host); the headers a
/// client needs for caching and CRS handling are exposed.
fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PUT,
            Method::OPTIONS,
        ])
        .allow_headers(Any)
        .expose_headers([header::ETAG, header::HeaderName::from_static("content-crs")])
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::NotFound(uri.path().to_string())
}

async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::MethodNotAllowed(method.to_string())
}

/// Runs CPU or store work off the async executor, so one large request does
/// not stall the others.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
}

/// Serves the API on `addr` until Ctrl-C.
pub async fn serve(state: AppState, addr: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(
        "planmap listening on http://{} with {} layers",
        listener.local_addr()?,
        state.catalog().layers.len()
    );
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
