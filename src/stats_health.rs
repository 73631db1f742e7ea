//! A backend's active health: what its balancer's health checker last found. Written only by
//! the checker (`proxy::health_check`), read by selection (one atomic load), the API and the
//! metrics. It lives with the backend's counters so that it survives table swaps: a task that
//! failed its check stays out of rotation across a republish until a check passes.

use std::sync::Mutex;
use std::sync::PoisonError;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct ActiveHealth {
    /// The last check failed. A backend never checked counts as healthy, as in Traefik.
    down: AtomicBool,
    checks: AtomicU64,
    failed_checks: AtomicU64,
    /// Why the last failed check failed; cleared when one passes.
    reason: Mutex<Option<String>>,
}

impl ActiveHealth {
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Relaxed)
    }

    /// Records a check's outcome; true when it changed the backend's state.
    pub fn record(&self, outcome: Result<(), String>) -> bool {
        self.checks.fetch_add(1, Ordering::Relaxed);
        let down = outcome.is_err();
        if down {
            self.failed_checks.fetch_add(1, Ordering::Relaxed);
        }
        *self.reason.lock().unwrap_or_else(PoisonError::into_inner) = outcome.err();
        self.down.swap(down, Ordering::Relaxed) != down
    }

    pub fn reason(&self) -> Option<String> {
        self.reason
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn checks(&self) -> u64 {
        self.checks.load(Ordering::Relaxed)
    }

    pub fn failed_checks(&self) -> u64 {
        self.failed_checks.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_check_takes_the_backend_down_until_one_passes() {
        let health = ActiveHealth::default();
        assert!(!health.is_down(), "unchecked counts as healthy");
        assert!(!health.record(Ok(())), "still up: no change");
        assert!(health.record(Err("status 500".into())), "went down");
        assert!(health.is_down());
        assert_eq!(health.reason().as_deref(), Some("status 500"));
        assert!(!health.record(Err("timed out".into())), "still down");
        assert_eq!(health.reason().as_deref(), Some("timed out"));
        assert!(health.record(Ok(())), "came back");
        assert!(!health.is_down());
        assert_eq!(health.reason(), None);
        assert_eq!((health.checks(), health.failed_checks()), (4, 2));
    }
}
