//! What one page may spend on the upstream.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::time::{Instant, timeout_at};

use super::UpstreamError;
use crate::server::cache::{Cached, WhenExpired};

/// What one page may spend on the upstream: time, and the calls it starts itself (joining
/// another request's call or a cache hit costs nothing). Once one of its reads has failed,
/// the rest of the page is served from what is cached, without waiting on the upstream again.
pub struct PageBudget {
    deadline: Instant,
    time: Duration,
    calls_left: AtomicUsize,
    upstream_failed: AtomicBool,
}

impl PageBudget {
    pub fn new(time: Duration, calls: usize) -> PageBudget {
        PageBudget {
            deadline: Instant::now() + time,
            time,
            calls_left: AtomicUsize::new(calls),
            upstream_failed: AtomicBool::new(false),
        }
    }

    /// How this page's next read treats expired data: after a failure it takes the cached copy
    /// at once (the refresh goes on in the background), so a stalled upstream costs a page one
    /// timeout, not one per level of reads.
    pub fn when_expired(&self) -> WhenExpired {
        if self.upstream_failed.load(Ordering::Relaxed) {
            WhenExpired::ServeStale
        } else {
            WhenExpired::Refresh
        }
    }

    /// Remembers a read that failed, or that was served stale because its refresh failed.
    pub fn noted<V>(&self, read: Result<Cached<V>, UpstreamError>) -> Result<Cached<V>, UpstreamError> {
        if read.as_ref().map_or(true, |cached| cached.stale_for.is_some()) {
            self.upstream_failed.store(true, Ordering::Relaxed);
        }
        read
    }

    pub fn expired(&self) -> bool {
        Instant::now() >= self.deadline || self.calls_left.load(Ordering::Relaxed) == 0
    }

    /// Takes one call from the budget; false when none is left.
    fn take_call(&self) -> bool {
        self.calls_left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| left.checked_sub(1))
            .is_ok()
    }

    /// Waits for `load`, or fails when the page's time is up.
    pub async fn bound<T>(&self, load: impl Future<Output = Result<T, UpstreamError>>) -> Result<T, UpstreamError> {
        timeout_at(self.deadline, load)
            .await
            .unwrap_or(Err(UpstreamError::Timeout(self.time)))
    }

    /// The upstream call a cache load makes, unless the page has used up its calls.
    pub fn call<T, F, Fut>(&self, call: F) -> impl Future<Output = Result<T, UpstreamError>> + use<T, F, Fut>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, UpstreamError>>,
    {
        let allowed = self.take_call();
        let call = allowed.then(call);
        async move {
            match call {
                Some(call) => call.await,
                None => Err(UpstreamError::CallBudget),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_page_budget_counts_the_calls_it_starts() {
        let budget = PageBudget::new(Duration::from_secs(10), 2);
        assert_eq!(budget.call(|| async { Ok(1) }).await, Ok(1));
        assert!(!budget.expired());
        assert_eq!(budget.call(|| async { Ok(2) }).await, Ok(2));
        assert!(budget.expired(), "no calls left");
        assert_eq!(budget.call(|| async { Ok(3) }).await, Err(UpstreamError::CallBudget));
        let timed = PageBudget::new(Duration::from_secs(10), 100);
        tokio::time::advance(Duration::from_secs(10)).await;
        assert!(timed.expired(), "out of time");
    }

    #[test]
    fn after_a_failed_or_stale_read_the_page_takes_expired_data_as_it_is() {
        let budget = PageBudget::new(Duration::from_secs(10), 100);
        let fresh = Cached {
            value: 1,
            stale_for: None,
        };
        assert_eq!(budget.noted(Ok(fresh.clone())), Ok(fresh));
        assert_eq!(
            budget.when_expired(),
            WhenExpired::Refresh,
            "fresh reads change nothing"
        );
        let stale = Cached {
            value: 2,
            stale_for: Some(Duration::from_secs(90)),
        };
        assert!(budget.noted(Ok(stale)).is_ok());
        assert_eq!(budget.when_expired(), WhenExpired::ServeStale);

        let failed = PageBudget::new(Duration::from_secs(10), 100);
        assert_eq!(
            failed.noted::<u8>(Err(UpstreamError::Status(503))),
            Err(UpstreamError::Status(503))
        );
        assert_eq!(failed.when_expired(), WhenExpired::ServeStale);
    }
}
