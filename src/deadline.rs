//! A request's compute deadline, seen by the engine wherever it loops.
//!
//! The HTTP layer runs each piece of CPU work under a [`Deadline`]: it ends
//! at a fixed instant, or earlier when the client goes away (the request's
//! future is dropped and cancels it). The engine asks [`Deadline::current`]
//! once and tests [`Deadline::expired`] inside its loops, so a check that has
//! run too long stops within one feature or one block, on every thread.
//! What it computed after that is thrown away by the caller that asked:
//! nothing expired is ever answered.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::fault::Fault;

/// When the work of one request must stop; cheap to clone and to test.
#[derive(Debug, Clone, Default)]
pub struct Deadline {
    inner: Option<Arc<Inner>>,
}

#[derive(Debug)]
struct Inner {
    at: Instant,
    cancelled: AtomicBool,
}

thread_local! {
    static CURRENT: RefCell<Deadline> = RefCell::new(Deadline::default());
}

/// The work was stopped: its deadline passed or its client went away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the work ran past its compute deadline")]
pub struct DeadlineExceeded;

impl Fault for DeadlineExceeded {
    fn slug(&self) -> &'static str {
        "deadline-exceeded"
    }
}

impl Deadline {
    /// A deadline `after` from now.
    pub fn after(after: Duration) -> Deadline {
        let at = Instant::now()
            .checked_add(after)
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(86_400 * 365));
        Deadline {
            inner: Some(Arc::new(Inner {
                at,
                cancelled: AtomicBool::new(false),
            })),
        }
    }

    /// Stops the work now (its client has gone).
    pub fn cancel(&self) {
        if let Some(inner) = &self.inner {
            inner.cancelled.store(true, Ordering::Relaxed);
        }
    }

    /// Whether the work must stop.
    pub fn expired(&self) -> bool {
        self.inner.as_ref().is_some_and(|inner| {
            inner.cancelled.load(Ordering::Relaxed) || Instant::now() >= inner.at
        })
    }

    /// `Err` once the work must stop.
    pub fn check(&self) -> Result<(), DeadlineExceeded> {
        if self.expired() {
            Err(DeadlineExceeded)
        } else {
            Ok(())
        }
    }

    /// The deadline of the work running on this thread (none outside a request).
    pub fn current() -> Deadline {
        CURRENT.with(|c| c.borrow().clone())
    }

    /// Runs `f` with this deadline as the current one on this thread.
    pub fn run<T>(self, f: impl FnOnce() -> T) -> T {
        let before = CURRENT.with(|c| c.replace(self));
        struct Restore(Option<Deadline>);
        impl Drop for Restore {
            fn drop(&mut self) {
                if let Some(before) = self.0.take() {
                    CURRENT.with(|c| *c.borrow_mut() = before);
                }
            }
        }
        let _restore = Restore(Some(before));
        f()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_outside_a_request_never_expires() {
        assert!(!Deadline::current().expired());
    }

    #[test]
    fn a_deadline_expires_when_its_time_passes_or_it_is_cancelled() {
        let d = Deadline::after(Duration::from_millis(20));
        assert!(!d.expired());
        std::thread::sleep(Duration::from_millis(30));
        assert!(d.expired());
        let d = Deadline::after(Duration::from_secs(60));
        d.clone().cancel();
        assert_eq!(d.check(), Err(DeadlineExceeded));
    }

    #[test]
    fn the_current_deadline_is_the_one_run_sets_and_is_restored_after() {
        let d = Deadline::after(Duration::from_secs(60));
        d.cancel();
        let seen = d.run(|| Deadline::current().expired());
        assert!(seen);
        assert!(!Deadline::current().expired());
    }
}
