//! The HTTP API: parse the request, call the domain, render the answer.

mod blocks;
mod body;
mod check;
mod layers;
/// OGC API – Features: landing page, conformance, OpenAPI, collections, items.
pub mod ogc;
pub mod problem;

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
    pub catalog: Arc<Catalog>,
    pub limits: ApiLimits,
}

/// The whole API as a router, for `serve` and for in-process tests.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(layers::health))
        .route("/layers", get(layers::list))
        .route("/check", post(check::check))
        .route("/blocks/snap", post(blocks::snap))
        .merge(ogc::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // The body is read with its own limit so the answer is a problem document.
        .layer(DefaultBodyLimit::disable())
        .layer(CompressionLayer::new())
        .layer(cors())
        .with_state(state)
}

/// Any origin may read the API (a web map on another host); the headers a
/// client needs for caching and CRS handling are exposed.
fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::HEAD, Method::POST, Method::OPTIONS])
        .allow_headers(Any)
        .expose_headers([header::ETAG, header::HeaderName::from_static("content-crs")])
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::NotFound(uri.path().to_string())
}

async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::MethodNotAllowed(method.to_string())
}

/// Serves the API on `addr` until Ctrl-C.
pub async fn serve(state: AppState, addr: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(
        "planmap listening on http://{} with {} layers",
        listener.local_addr()?,
        state.catalog.layers.len()
    );
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
