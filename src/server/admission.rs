//! Bounded admission: at most `capacity` holders at once, a waiting line of at most `max_queue`,
//! and at most `max_wait` in it. Past either bound a caller is shed at once, which beats timing out.
//!
//! tower's `ConcurrencyLimit` queues without bound and `LoadShed` sheds without queueing; this is
//! the middle: a short, bounded queue.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub use crate::model::GateStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GateLimits {
    pub capacity: usize,
    pub max_queue: usize,
    pub max_wait: Duration,
}

/// Why a caller was turned away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Shed {
    #[error("the queue is full")]
    QueueFull,
    #[error("waited too long in the queue")]
    WaitedTooLong,
}

#[derive(Debug)]
pub struct Gate {
    limits: GateLimits,
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
    shed: AtomicU64,
}

/// Leaves the queue on drop, however the wait ends.
struct InQueue<'a>(&'a AtomicUsize);

impl Drop for InQueue<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Gate {
    pub fn new(limits: GateLimits) -> Gate {
        Gate {
            limits,
            permits: Arc::new(Semaphore::new(limits.capacity)),
            waiting: AtomicUsize::new(0),
            shed: AtomicU64::new(0),
        }
    }

    /// A place inside, held until the permit is dropped; or `Shed` past the queue's bounds.
    pub async fn enter(&self) -> Result<OwnedSemaphorePermit, Shed> {
        if let Ok(permit) = Arc::clone(&self.permits).try_acquire_owned() {
            return Ok(permit);
        }
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.limits.max_queue {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(self.shed(Shed::QueueFull));
        }
        let _in_queue = InQueue(&self.waiting);
        match tokio::time::timeout(self.limits.max_wait, Arc::clone(&self.permits).acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            // The semaphore is never closed, so only the timeout gets here.
            _ => Err(self.shed(Shed::WaitedTooLong)),
        }
    }

    fn shed(&self, why: Shed) -> Shed {
        self.shed.fetch_add(1, Ordering::Relaxed);
        why
    }

    pub fn status(&self) -> GateStatus {
        GateStatus {
            capacity: self.limits.capacity,
            in_use: self.limits.capacity - self.permits.available_permits(),
            max_queue: self.limits.max_queue,
            waiting: self.waiting.load(Ordering::SeqCst),
            max_wait_ms: self.limits.max_wait.as_millis() as u64,
            shed_total: self.shed.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(capacity: usize, max_queue: usize) -> Arc<Gate> {
        Arc::new(Gate::new(GateLimits {
            capacity,
            max_queue,
            max_wait: Duration::from_secs(1),
        }))
    }

    #[tokio::test(start_paused = true)]
    async fn holders_are_capped_and_a_freed_place_goes_to_the_queue() {
        let gate = gate(2, 4);
        let first = gate.enter().await.unwrap();
        let _second = gate.enter().await.unwrap();
        assert_eq!(gate.status().in_use, 2);
        let waiter = tokio::spawn({
            let gate = Arc::clone(&gate);
            async move { gate.enter().await.map(drop) }
        });
        while gate.status().waiting == 0 {
            tokio::task::yield_now().await;
        }
        drop(first);
        assert_eq!(waiter.await.unwrap(), Ok(()));
        assert_eq!(gate.status().waiting, 0);
        assert_eq!(gate.status().shed_total, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_queue_sheds_at_once() {
        let gate = gate(1, 1);
        let _held = gate.enter().await.unwrap();
        let queued = tokio::spawn({
            let gate = Arc::clone(&gate);
            async move { gate.enter().await.map(drop) }
        });
        while gate.status().waiting == 0 {
            tokio::task::yield_now().await;
        }
        assert_eq!(gate.enter().await.map(drop), Err(Shed::QueueFull));
        assert_eq!(queued.await.unwrap(), Err(Shed::WaitedTooLong));
        let status = gate.status();
        assert_eq!((status.shed_total, status.waiting), (2, 0));
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_past_the_bound_is_shed() {
        let gate = gate(1, 10);
        let _held = gate.enter().await.unwrap();
        let started = tokio::time::Instant::now();
        assert_eq!(gate.enter().await.map(drop), Err(Shed::WaitedTooLong));
        assert_eq!(started.elapsed(), Duration::from_secs(1));
    }
}
