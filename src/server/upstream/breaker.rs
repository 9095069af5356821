//! A circuit breaker in front of the upstream. After `threshold` consecutive failures it opens:
//! calls fail at once (the cache then serves what it has), and one probe per `probe_interval`
//! tests recovery. A success closes it.
//!
//! Not the `failsafe` crate: its half-open state lets every caller through at once, and it reads
//! `std` time, which paused-clock tests cannot drive.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

pub use crate::model::{BreakerState, BreakerStatus};

#[derive(Debug)]
struct Inner {
    consecutive_failures: u32,
    /// Set while open: when the next probe may go.
    open_until: Option<Instant>,
    probing: bool,
    opened_total: u64,
}

#[derive(Debug, Clone)]
pub struct Breaker {
    threshold: u32,
    probe_interval: Duration,
    inner: Arc<Mutex<Inner>>,
}

/// Permission for one call. Report its outcome with `succeeded` or `failed`; dropped without
/// either (the call was cancelled, or never made), it counts as neither.
#[must_use]
pub struct Ticket {
    breaker: Breaker,
    probe: bool,
    reported: bool,
}

impl Ticket {
    /// The one call let through while the breaker is open, to test recovery.
    pub fn is_probe(&self) -> bool {
        self.probe
    }

    pub fn succeeded(mut self) {
        self.reported = true;
        self.breaker.record(self.probe, true);
    }

    pub fn failed(mut self) {
        self.reported = true;
        self.breaker.record(self.probe, false);
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if !self.reported && self.probe {
            // Let the next caller probe instead.
            self.breaker.lock().probing = false;
        }
    }
}

impl Breaker {
    pub fn new(threshold: u32, probe_interval: Duration) -> Breaker {
        Breaker {
            threshold: threshold.max(1),
            probe_interval,
            inner: Arc::new(Mutex::new(Inner {
                consecutive_failures: 0,
                open_until: None,
                probing: false,
                opened_total: 0,
            })),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A ticket when a call may go now; `None` while open (or while another call probes).
    pub fn admit(&self) -> Option<Ticket> {
        let mut inner = self.lock();
        let probe = match inner.open_until {
            None => false,
            Some(until) if Instant::now() >= until && !inner.probing => {
                inner.probing = true;
                true
            }
            Some(_) => return None,
        };
        Some(Ticket {
            breaker: self.clone(),
            probe,
            reported: false,
        })
    }

    fn record(&self, probe: bool, ok: bool) {
        let mut inner = self.lock();
        if probe {
            inner.probing = false;
        }
        if ok {
            // Any answer proves the upstream is back, a probe's or a late one's.
            inner.consecutive_failures = 0;
            if inner.open_until.take().is_some() {
                tracing::info!("upstream circuit breaker closed");
            }
            return;
        }
        inner.consecutive_failures = inner.consecutive_failures.saturating_add(1);
        let was_open = inner.open_until.is_some();
        if probe || (!was_open && inner.consecutive_failures >= self.threshold) {
            inner.open_until = Some(Instant::now() + self.probe_interval);
            if !was_open {
                inner.opened_total += 1;
                tracing::warn!(
                    failures = inner.consecutive_failures,
                    "upstream circuit breaker opened: serving cached data without waiting"
                );
            }
        }
    }

    pub fn status(&self) -> BreakerStatus {
        let inner = self.lock();
        let state = match inner.open_until {
            None => BreakerState::Closed,
            Some(_) if inner.probing => BreakerState::HalfOpen,
            Some(_) => BreakerState::Open,
        };
        BreakerStatus {
            state,
            consecutive_failures: inner.consecutive_failures,
            threshold: self.threshold,
            probe_interval_ms: self.probe_interval.as_millis() as u64,
            opened_total: inner.opened_total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fail(breaker: &Breaker, times: usize) {
        for _ in 0..times {
            breaker.admit().expect("admitted").failed();
        }
    }

    #[tokio::test(start_paused = true)]
    async fn it_opens_after_consecutive_failures_only() {
        let breaker = Breaker::new(3, Duration::from_secs(5));
        fail(&breaker, 2);
        breaker.admit().unwrap().succeeded();
        fail(&breaker, 2);
        assert_eq!(
            breaker.status().state,
            BreakerState::Closed,
            "the success reset the count"
        );
        fail(&breaker, 1);
        assert_eq!(breaker.status().state, BreakerState::Open);
        assert!(breaker.admit().is_none(), "open: nothing waits on the upstream");
        assert_eq!(breaker.status().opened_total, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn one_probe_per_interval_and_a_good_one_closes_it() {
        let breaker = Breaker::new(1, Duration::from_secs(5));
        fail(&breaker, 1);
        tokio::time::advance(Duration::from_secs(5)).await;
        let probe = breaker.admit().expect("the probe");
        assert!(breaker.admit().is_none(), "only one probe at a time");
        assert_eq!(breaker.status().state, BreakerState::HalfOpen);
        probe.failed();
        assert!(breaker.admit().is_none(), "a failed probe reopens for a full interval");
        tokio::time::advance(Duration::from_secs(5)).await;
        breaker.admit().expect("the next probe").succeeded();
        assert_eq!(breaker.status().state, BreakerState::Closed);
        assert!(breaker.admit().is_some());
        assert_eq!(
            breaker.status().opened_total,
            1,
            "reopening after a probe is the same outage"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_probe_dropped_unreported_lets_the_next_caller_probe() {
        let breaker = Breaker::new(1, Duration::from_secs(5));
        fail(&breaker, 1);
        tokio::time::advance(Duration::from_secs(5)).await;
        drop(breaker.admit().expect("the probe"));
        assert!(
            breaker.admit().is_some(),
            "the breaker would otherwise stay open for good"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn late_failures_while_open_do_not_push_the_probe_back() {
        let breaker = Breaker::new(1, Duration::from_secs(5));
        let late = breaker.admit().unwrap();
        fail(&breaker, 1);
        tokio::time::advance(Duration::from_secs(4)).await;
        late.failed();
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(breaker.admit().is_some(), "the probe is due on time");
    }
}
