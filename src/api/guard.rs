//! What every request passes through besides its handler: the bounds on
//! computing, in a lane for small candidates and one for the rest (so many
//! at once, so many waiting, then `503` with `Retry-After`), a
//! compute deadline on all work off the executor, problem documents for every
//! error answer, and compression that does not run on the executor.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::{ApiError, ApiLimits, AppState};
use crate::deadline::Deadline;

/// The computing of the whole server, in two lanes so that a small block
/// is not kept waiting behind district-sized checks: each lane runs so many
/// at once and lets up to so many more wait, then answers `503`.
#[derive(Debug)]
pub struct Work {
    heavy: Lane,
    light: Lane,
    deadline: Duration,
    /// When work last ended, in whole seconds since `started`, plus one (0:
    /// none yet).
    last_ended: AtomicU64,
    started: std::time::Instant,
}

/// Which lane a piece of work takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Weight {
    /// A candidate small enough to answer in milliseconds (see
    /// [`Weight::of_parts`]), or the reading of a small body.
    Light,
    /// Anything else: checks, snapping and screenings of any size.
    Heavy,
}

impl Weight {
    /// Bounding boxes summing to at most this many square degrees (about
    /// 100 km² in China) make a light candidate: far more than a mining right.
    const LIGHT_EXTENT_DEG2: f64 = 0.01;
    /// Nor more vertices than this.
    const LIGHT_VERTICES: usize = 4096;
    /// Bodies up to this size are read in the light lane.
    const LIGHT_BODY_BYTES: usize = 256 * 1024;

    /// The lane that reads a body of `len` bytes into a candidate.
    pub fn of_body(len: usize) -> Weight {
        if len <= Self::LIGHT_BODY_BYTES {
            Weight::Light
        } else {
            Weight::Heavy
        }
    }

    /// The lane of a candidate's check, from its extent and vertices.
    pub fn of_parts(parts: &[crate::intake::submission::Part]) -> Weight {
        use geo::BoundingRect;
        let (mut extent, mut vertices) = (0.0, 0);
        for part in parts {
            vertices += part.candidate.vertices;
            if let Some(r) = part.candidate.area.bounding_rect() {
                extent += r.width() * r.height();
            }
        }
        if extent <= Self::LIGHT_EXTENT_DEG2 && vertices <= Self::LIGHT_VERTICES {
            Weight::Light
        } else {
            Weight::Heavy
        }
    }
}

/// One lane: `workers` run at once, up to `max_waiting` more wait up to
/// `queue_wait`.
#[derive(Debug)]
struct Lane {
    permits: Arc<Semaphore>,
    workers: usize,
    waiting: AtomicUsize,
    max_waiting: usize,
    queue_wait: Duration,
}

impl Work {
    pub fn new(limits: &ApiLimits) -> Work {
        Work {
            heavy: Lane::new(limits),
            light: Lane::new(limits),
            deadline: limits.compute_deadline,
            last_ended: AtomicU64::new(0),
            started: std::time::Instant::now(),
        }
    }

    fn lane(&self, weight: Weight) -> &Lane {
        match weight {
            Weight::Light => &self.light,
            Weight::Heavy => &self.heavy,
        }
    }

    /// Whether nothing is computing or waiting in either lane.
    fn idle(&self) -> bool {
        [&self.heavy, &self.light]
            .iter()
            .all(|l| l.permits.available_permits() == l.workers)
    }
}

impl Lane {
    fn new(limits: &ApiLimits) -> Lane {
        let workers = limits.heavy_workers.max(1);
        Lane {
            permits: Arc::new(Semaphore::new(workers)),
            workers,
            waiting: AtomicUsize::new(0),
            max_waiting: limits.heavy_queue,
            queue_wait: limits.queue_wait,
        }
    }

    /// A place among the running, after waiting in the queue if need be.
    async fn admit(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        if let Ok(permit) = self.permits.clone().try_acquire_owned() {
            return Ok(permit);
        }
        let queued = self.waiting.fetch_add(1, Ordering::SeqCst) + 1;
        struct Leave<'a>(&'a AtomicUsize);
        impl Drop for Leave<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        let _leave = Leave(&self.waiting);
        let busy = ApiError::ServerBusy {
            running: self.workers,
            queued: queued.saturating_sub(1),
            retry_after: self.queue_wait.as_secs().max(1),
        };
        if queued > self.max_waiting {
            return Err(busy);
        }
        match tokio::time::timeout(self.queue_wait, self.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(busy),
        }
    }
}

/// How long after the last work ended freed memory is still given back:
/// the executor's idle worker threads exit 10 s after their last task, and
/// what they held (thread caches, PROJ contexts) is freed only then.
const TRIM_AFTER_WORK: Duration = Duration::from_secs(30);

/// Every few seconds while the server is idle but has worked recently, gives
/// the memory freed since back to the system.
pub async fn give_back_memory_when_idle(work: Arc<Work>) {
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        let now = work.started.elapsed().as_secs();
        let last = work.last_ended.load(Ordering::Relaxed);
        if last > 0 && now.saturating_sub(last) <= TRIM_AFTER_WORK.as_secs() && work.idle() {
            let _ = tokio::task::spawn_blocking(crate::memory::give_back_freed_memory).await;
        }
    }
}

tokio::task_local! {
    /// The server's [`Work`], set for each request by [`with_work`].
    static WORK: Arc<Work>;
}

/// Makes the server's work limits reachable from the request's handler.
pub async fn with_work(State(state): State<AppState>, request: Request, next: Next) -> Response {
    WORK.scope(state.work.clone(), next.run(request)).await
}

/// Runs store or light CPU work off the executor, under the compute deadline.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let limit = WORK.try_with(|w| w.deadline).ok();
    off_executor(None, limit, None, f).await
}

/// Runs heavy CPU work (a check, a snap, a screening) off the executor: it
/// waits its turn among the server's heavy work and stops at the deadline.
pub(crate) async fn heavy<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    compute(Weight::Heavy, f).await
}

/// Runs CPU work off the executor in the lane its weight names, after its
/// turn there, under the compute deadline.
pub(crate) async fn compute<T: Send + 'static>(
    weight: Weight,
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let work = WORK.try_with(Arc::clone).ok();
    let permit = match &work {
        Some(w) => Some(w.lane(weight).admit().await?),
        None => None,
    };
    let limit = work.as_ref().map(|w| w.deadline);
    off_executor(permit, limit, work, f).await
}

async fn off_executor<T: Send + 'static>(
    permit: Option<OwnedSemaphorePermit>,
    limit: Option<Duration>,
    work: Option<Arc<Work>>,
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let deadline = limit.map(Deadline::after).unwrap_or_default();
    // The request's future is dropped when its client goes away: that stops
    // the work too, instead of computing an answer nobody reads.
    struct CancelOnDrop(Option<Deadline>);
    impl Drop for CancelOnDrop {
        fn drop(&mut self) {
            if let Some(d) = self.0.take() {
                d.cancel();
            }
        }
    }
    let mut cancel = CancelOnDrop(Some(deadline.clone()));
    let (answer, outcome) = tokio::sync::oneshot::channel();
    let task = tokio::task::spawn_blocking(move || {
        let result = deadline.run(f);
        // The place among the running is given back when the work ends, not
        // when the request does.
        drop(permit);
        let _ = answer.send(result);
        // The memory the work freed is given back by the keeper
        // (`give_back_memory_when_idle`) once nothing runs.
        if let Some(work) = work {
            work.last_ended
                .store(work.started.elapsed().as_secs() + 1, Ordering::Relaxed);
        }
    });
    let outcome = match outcome.await {
        Ok(result) => result,
        // The work panicked before answering: say so as the join does.
        Err(_) => Err(ApiError::Internal(match task.await {
            Err(e) => e.to_string(),
            Ok(()) => "the work ended without an answer".to_string(),
        })),
    };
    cancel.0 = None;
    match outcome {
        Err(ApiError::DeadlineExceeded { .. }) => Err(ApiError::DeadlineExceeded {
            limit_seconds: limit.map(|l| l.as_secs_f64()),
        }),
        other => other,
    }
}

/// Restates as a problem document any error answer that is not one yet:
/// the rejections of axum's extractors (a path that is not UTF-8), answers
/// of layers below. The status stays; the text becomes the detail.
pub async fn problems_only(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if status.as_u16() < 400 || is_problem(response.headers()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 16 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let detail = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        text
    };
    let mut out = ApiError::Http { status, detail }.into_response();
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(v) = parts.headers.get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out
}

fn is_problem(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/problem+json"))
}

/// Below this, an answer goes out as it is: gzip would save too little.
const MIN_GZIP_BYTES: usize = 1024;
/// Above this, gzip runs off the executor: a ten-megabyte answer takes tens of
/// milliseconds to compress, which on the executor stalls every other request.
const INLINE_GZIP_BYTES: usize = 32 * 1024;

/// gzip for clients that accept it, computed off the executor for large
/// answers.
pub async fn compress(request: Request, next: Next) -> Response {
    let wants_gzip = accepts_gzip(request.headers()) && request.method() != Method::HEAD;
    let mut response = next.run(request).await;
    let status = response.status();
    let headers = response.headers_mut();
    if !headers.contains_key(header::VARY) {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    let skip = !wants_gzip
        || headers.contains_key(header::CONTENT_ENCODING)
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
        || status.is_informational()
        || headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("image/"));
    if skip {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => return ApiError::Internal(e.to_string()).into_response(),
    };
    if bytes.len() < MIN_GZIP_BYTES {
        return Response::from_parts(parts, Body::from(bytes));
    }
    let gzipped = if bytes.len() <= INLINE_GZIP_BYTES {
        gzip(&bytes)
    } else {
        match tokio::task::spawn_blocking(move || gzip(&bytes)).await {
            Ok(g) => g,
            Err(e) => return ApiError::Internal(e.to_string()).into_response(),
        }
    };
    parts
        .headers
        .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(gzipped))
}

fn gzip(bytes: &[u8]) -> Bytes {
    use std::io::Write;
    // Level 1 for large answers: about three times faster than the default
    // for a few per cent more bytes on GeoJSON.
    let level = if bytes.len() > 1024 * 1024 {
        flate2::Compression::fast()
    } else {
        flate2::Compression::default()
    };
    let mut encoder =
        flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 4 + 64), level);
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    Bytes::from(encoder.finish().unwrap_or_default())
}

/// Whether `Accept-Encoding` takes gzip (by name or `*`, with q above 0).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut fields = item.split(';');
            let coding = fields.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = fields
                .filter_map(|f| f.trim().strip_prefix("q="))
                .filter_map(|q| q.trim().parse::<f32>().ok())
                .next()
                .unwrap_or(1.0);
            (coding == "gzip" || coding == "x-gzip" || coding == "*") && q > 0.0
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn heavy_work_waits_its_turn_is_refused_when_none_comes_and_never_holds_up_the_light_lane()
     {
        let limits = ApiLimits {
            heavy_workers: 1,
            heavy_queue: 1,
            queue_wait: Duration::from_millis(200),
            ..ApiLimits::default()
        };
        let work = Arc::new(Work::new(&limits));
        let running = work.heavy.admit().await.expect("the one place is free");
        let waiting = tokio::spawn({
            let work = work.clone();
            async move { work.heavy.admit().await.map(|_| ()) }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let refused = work.heavy.admit().await.unwrap_err();
        assert!(
            matches!(refused, ApiError::ServerBusy { queued: 1, .. }),
            "{refused:?}"
        );
        // The one waiting gets no turn within queue_wait either.
        assert!(matches!(
            waiting.await.unwrap(),
            Err(ApiError::ServerBusy { .. })
        ));
        // The light lane is not held up by the heavy one.
        assert!(work.light.admit().await.is_ok());
        drop(running);
        assert!(work.heavy.admit().await.is_ok());
    }

    #[tokio::test]
    async fn work_past_its_deadline_answers_503_with_the_limit() {
        let outcome = off_executor(None, Some(Duration::from_nanos(1)), None, || {
            std::thread::sleep(Duration::from_millis(5));
            Ok(crate::deadline::Deadline::current().check()?)
        })
        .await;
        assert!(matches!(
            outcome,
            Err(ApiError::DeadlineExceeded {
                limit_seconds: Some(_)
            })
        ));
    }

    #[test]
    fn accept_encoding_is_read_with_its_weights() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
            accepts_gzip(&h)
        };
        assert!(with("gzip, deflate, br"));
        assert!(with("br;q=1.0, gzip;q=0.5"));
        assert!(!with("gzip;q=0"));
        assert!(!with("br, identity"));
        assert!(with("*"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
