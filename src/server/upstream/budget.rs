//! What one page may spend on the upstream.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::time::{Instant, timeout_at};

use super::UpstreamError;

/// What one page may spend on the upstream: time, and the calls it starts itself (joining
/// another request's call or a cache hit costs nothing).
pub struct PageBudget {
    deadline: Instant,
    time: Duration,
    calls_left: AtomicUsize,
}

impl PageBudget {
    pub fn new(time: Duration, calls: usize) -> PageBudget {
        PageBudget {
            deadline: Instant::now() + time,
            time,
            calls_left: AtomicUsize::new(calls),
        }
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
}
