//! Accepting connections: HTTP/1.1 with a bound on the open connections, on
//! the time a client may take to send a request head (which hyper also
//! applies to an idle keep-alive connection), and on a write the client does
//! not read; shut down on Ctrl-C after the requests in flight.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use super::wire::Wire;
use super::{ApiError, ApiLimits};

/// How long requests in flight may run on after Ctrl-C.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until Ctrl-C.
pub async fn run(listener: TcpListener, app: Router, limits: ApiLimits) -> std::io::Result<()> {
    let open = Arc::new(AtomicUsize::new(0));
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let (stream, _peer) = tokio::select! {
            _ = &mut ctrl_c => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: pause, not exit.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        if open.load(Ordering::SeqCst) >= limits.max_connections {
            tokio::spawn(refuse(stream, limits.max_connections));
            continue;
        }
        open.fetch_add(1, Ordering::SeqCst);
        let (app, open, mut stopping) = (app.clone(), open.clone(), stopping.clone());
        tokio::spawn(async move {
            let io = TokioIo::new(Wire::new(stream, limits.write_timeout));
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .keep_alive(true);
            let connection = builder.serve_connection(io, TowerToHyperService::new(app));
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = stopping.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(SHUTDOWN_GRACE, connection).await;
                }
            }
            open.fetch_sub(1, Ordering::SeqCst);
        });
    }
    let _ = stop.send(true);
    let waited = tokio::time::Instant::now();
    while open.load(Ordering::SeqCst) > 0 && waited.elapsed() < SHUTDOWN_GRACE {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

/// Answers a connection over the limit with a problem and closes it.
async fn refuse(mut stream: TcpStream, limit: usize) {
    let body = ApiError::TooManyConnections { limit }.problem().to_string();
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/problem+json\r\nretry-after: 1\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        let _ = stream.write_all(answer.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await;
}
