//! The HTTP API: parse the request, call the domain, render the answer.

mod admin;
mod assets;
mod auth;
mod blocks;
mod body;
mod check;
mod guard;
mod layers;
/// OGC API – Features: landing page, conformance, OpenAPI, collections, items.
pub mod ogc;
pub(crate) mod params;
pub mod problem;
mod qa;
mod records;
mod serve;
mod wire;
pub mod workspace;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, Uri, header};
use axum::routing::{get, post};
use tower_http::cors::{Any, CorsLayer};

use crate::intake::candidate::Limits;
use crate::layer::catalog::Catalog;
use crate::records::revisions::LiveCatalog;
use crate::records::store::Store;
pub use auth::Caller;
pub use guard::Work;
pub(crate) use guard::{Weight, blocking, compute, heavy};
pub use problem::ApiError;

/// Limits on requests, set from the command line; every default is here.
#[derive(Debug, Clone, Copy)]
pub struct ApiLimits {
    /// Largest request body accepted, in bytes (16 MiB).
    pub max_body_bytes: usize,
    /// Most vertices and widest extent of a candidate.
    pub candidate: Limits,
    /// Time a client has to send a whole request head, from opening the
    /// connection or from the end of its last answer (so it is also the
    /// idle time of a keep-alive connection): 15 s.
    pub header_timeout: Duration,
    /// Time a client has to send a whole request body: 60 s.
    pub body_timeout: Duration,
    /// Time a write may wait on a client that reads nothing: 30 s.
    pub write_timeout: Duration,
    /// Time one request's work may run off the executor: 30 s.
    pub compute_deadline: Duration,
    /// Heavy requests (checks, snapping, screenings) run at once: the cores.
    pub heavy_workers: usize,
    /// Heavy requests that may wait for a turn beyond those: 64.
    pub heavy_queue: usize,
    /// Longest a heavy request waits for its turn before `503`: 10 s.
    pub queue_wait: Duration,
    /// Connections open at once; one more is answered `503` and closed: 1024.
    pub max_connections: usize,
}

impl Default for ApiLimits {
    fn default() -> Self {
        ApiLimits {
            max_body_bytes: 16 * 1024 * 1024,
            candidate: Limits::default(),
            header_timeout: Duration::from_secs(15),
            body_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(30),
            compute_deadline: Duration::from_secs(30),
            heavy_workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            heavy_queue: 64,
            queue_wait: Duration::from_secs(10),
            max_connections: 1024,
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
    /// The bound on heavy work, shared by every request.
    pub work: Arc<Work>,
    /// How often the server looks in the store for revisions published
    /// elsewhere or come into force (`--follow-interval`); `None` never.
    pub follow_interval: Option<Duration>,
    /// What the web workspace at `/map` is told (the bureau's basemap).
    pub workspace: workspace::WorkspaceConfig,
}

impl AppState {
    /// Checks only: no data directory, no tokens, reads open.
    pub fn new(catalog: Arc<Catalog>, limits: ApiLimits) -> AppState {
        AppState {
            live: Arc::new(LiveCatalog::new(catalog)),
            limits,
            store: None,
            open_reads: true,
            work: Arc::new(Work::new(&limits)),
            follow_interval: None,
            workspace: workspace::WorkspaceConfig::default(),
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
            work: Arc::new(Work::new(&limits)),
            follow_interval: None,
            workspace: workspace::WorkspaceConfig::default(),
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
        .route("/qa", post(qa::qa))
        .route("/blocks/snap", post(blocks::snap))
        .route("/assets/{library}/{file}", get(assets::asset))
        .route("/map", get(workspace::page))
        .route("/session", get(auth::session))
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
        .layer(axum::middleware::from_fn(guard::problems_only))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::with_work,
        ))
        .layer(axum::middleware::from_fn(guard::compress))
        .layer(cors())
        .with_state(state)
}

/// Any origin may read the API (a web map on another host); the headers a
/// client needs for caching and CRS handling, and what a tile left out,
/// are exposed.
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
        .expose_headers([
            header::ETAG,
            header::RETRY_AFTER,
            header::HeaderName::from_static("content-crs"),
            header::HeaderName::from_static("planmap-tile-features"),
        ])
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
        state.catalog().layers.len()
    );
    serve_on(listener, state).await
}

/// Serves the API on a bound listener until Ctrl-C: what `serve` runs, for
/// tests that need a port of their own.
pub async fn serve_on(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let limits = state.limits;
    // The browser files are gzipped before the first page asks for them.
    tokio::task::spawn_blocking(assets::prepare);
    let keeper = tokio::spawn(guard::give_back_memory_when_idle(state.work.clone()));
    let follower = match (&state.store, state.follow_interval) {
        (Some(store), Some(every)) => Some(tokio::spawn(follow_store(
            state.live.clone(),
            store.clone(),
            every,
        ))),
        _ => None,
    };
    let served = serve::run(listener, router(state), limits).await;
    keeper.abort();
    if let Some(follower) = follower {
        follower.abort();
    }
    served
}

/// Every `every`, brings the served layers to what the store has in force
/// today (see [`LiveCatalog::follow`]); the loading runs off the executor,
/// and requests go on being served from the catalog before it meanwhile.
async fn follow_store(live: Arc<LiveCatalog>, store: Arc<dyn Store>, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let (live, store) = (live.clone(), store.clone());
        match tokio::task::spawn_blocking(move || live.follow(store.as_ref())).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!("following the store: {e}"),
            Err(e) => tracing::error!("following the store stopped short: {e}"),
        }
    }
}
