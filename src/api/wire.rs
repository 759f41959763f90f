//! The bytes of one connection: a client that stops reading its answer is
//! cut off, and the error answers hyper writes by itself (a request head too
//! large, a URI too long, a request that is not HTTP/1.1) are restated as
//! RFC 9457 problems like every other error planmap gives.
//!
//! hyper answers those before any service sees the request, with a status
//! line, `content-length: 0` and no body. planmap's own error answers always
//! carry a problem body, so a head of status 400 or more without a
//! `content-type` can only be hyper's: that head is replaced, whole, by the
//! same status with a problem document.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::http::StatusCode;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

use super::ApiError;

/// A connection's stream, with a bound on how long a write may wait.
pub struct Wire<S> {
    inner: S,
    write_timeout: Duration,
    /// Started when a write has to wait; reset on progress.
    stalled: Option<Pin<Box<Sleep>>>,
    /// A restated answer still to be written, and how much of it is out.
    pending: Option<(Vec<u8>, usize)>,
}

impl<S> Wire<S> {
    pub fn new(inner: S, write_timeout: Duration) -> Wire<S> {
        Wire {
            inner,
            write_timeout,
            stalled: None,
            pending: None,
        }
    }
}

/// The problem answer that replaces a bare error head hyper wrote, if `buf`
/// starts with one.
fn restated(buf: &[u8]) -> Option<Vec<u8>> {
    let rest = buf
        .strip_prefix(b"HTTP/1.1 ")
        .or_else(|| buf.strip_prefix(b"HTTP/1.0 "))?;
    let code: u16 = std::str::from_utf8(rest.get(..3)?).ok()?.parse().ok()?;
    let status = StatusCode::from_u16(code).ok()?;
    if code < 400 {
        return None;
    }
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
    let bare = !head.contains("\r\ncontent-type:") && head.contains("\r\ncontent-length: 0");
    if !bare {
        return None;
    }
    let detail = match code {
        414 => "the request URI is longer than the server reads (64 KiB); send fewer or shorter parameters".to_string(),
        431 => "the request head (request line and header fields) is larger than the server reads".to_string(),
        400 => "the request is not valid HTTP/1.1 (its request line or a header field cannot be parsed)".to_string(),
        _ => format!("the request cannot be served ({status})"),
    };
    let body = ApiError::Http { status, detail }.problem().to_string();
    let reason = status.canonical_reason().unwrap_or("Error");
    let mut out = format!(
        "HTTP/1.1 {code} {reason}\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body.as_bytes());
    Some(out)
}

impl<S: AsyncRead + Unpin> AsyncRead for Wire<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> Wire<S> {
    /// Writes through, bounding how long a write may make no progress.
    fn write_bounded(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write(cx, buf) {
            Poll::Ready(r) => {
                self.stalled = None;
                Poll::Ready(r)
            }
            Poll::Pending => {
                let timeout = self.write_timeout;
                let sleep = self
                    .stalled
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
                if sleep.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the client read nothing of its answer within the write timeout",
                    )));
                }
                Poll::Pending
            }
        }
    }

    /// Writes out a restated answer before anything else.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((bytes, done)) = self.pending.take() {
            if done >= bytes.len() {
                break;
            }
            match self.write_bounded(cx, &bytes[done..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => self.pending = Some((bytes, done + n)),
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {
                    self.pending = Some((bytes, done));
                    return Poll::Pending;
                }
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Wire<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.drain(cx))?;
        if let Some(answer) = restated(buf) {
            // The bare head is taken as written; its replacement goes out
            // instead, on this flush or the next write.
            this.pending = Some((answer, 0));
            return Poll::Ready(Ok(buf.len()));
        }
        this.write_bounded(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.drain(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.drain(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_error_head_from_hyper_becomes_a_problem_with_the_same_status() {
        let head = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: Tue, 01 Dec 2026 00:00:00 GMT\r\n\r\n";
        let out = String::from_utf8(restated(head).expect("restated")).unwrap();
        assert!(out.starts_with("HTTP/1.1 431 "), "{out}");
        assert!(out.contains("content-type: application/problem+json"));
        let body: serde_json::Value =
            serde_json::from_str(out.split("\r\n\r\n").nth(1).unwrap()).unwrap();
        assert_eq!(body["status"], 431);
        assert_eq!(body["type"], "/problems/header-too-large");
    }

    #[test]
    fn planmap_s_own_answers_pass_unchanged() {
        let own = b"HTTP/1.1 404 Not Found\r\ncontent-type: application/problem+json\r\ncontent-length: 80\r\n\r\n{";
        assert!(restated(own).is_none());
        let ok = b"HTTP/1.1 304 Not Modified\r\ncontent-length: 0\r\n\r\n";
        assert!(restated(ok).is_none());
        assert!(restated(b"{\"type\":\"Feature\"}").is_none());
    }
}
