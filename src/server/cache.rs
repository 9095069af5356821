//! The upstream cache: TTLs, stale-while-revalidate, stale-if-error, single-flight, bounded bytes.
//!
//! Freshness uses `tokio::time::Instant`, so tests drive it with a paused clock.
//! moka bounds memory (by weight) and drops entries past `max_stale`.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::{BoxFuture, FutureExt, Shared};
use tokio::time::Instant;
use tracing::Instrument;

use super::upstream::UpstreamError;

/// How long a value counts as fresh, and how long past that it may still be served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CachePolicy {
    /// Served as is.
    pub ttl: Duration,
    /// After `ttl`, served at once while a background refresh runs.
    pub revalidate_window: Duration,
    /// After that, refreshed inline; served (flagged stale) only if the refresh fails. Once a
    /// refresh has failed, the value is served at once (flagged stale) and refreshed in the
    /// background until a refresh succeeds: readers do not each wait on an upstream that just
    /// failed, and the first read after it recovers brings the value back.
    pub max_stale: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    Fresh,
    Revalidate,
    Expired,
    Gone,
}

impl CachePolicy {
    pub fn classify(&self, age: Duration) -> Freshness {
        if age < self.ttl {
            Freshness::Fresh
        } else if age < self.ttl + self.revalidate_window {
            Freshness::Revalidate
        } else if age < self.max_stale {
            Freshness::Expired
        } else {
            Freshness::Gone
        }
    }
}

/// What a read of a value past the revalidation window does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenExpired {
    /// Waits for the refresh; serves the old value (flagged stale) only if the refresh fails.
    Refresh,
    /// Serves the old value (flagged stale) at once and refreshes in the background: the page
    /// asking has seen the upstream fail already, so waiting would likely end the same way.
    ServeStale,
}

/// A cached value and, when it is served because the upstream failed, its age.
#[derive(Debug, Clone, PartialEq)]
pub struct Cached<V> {
    pub value: V,
    pub stale_for: Option<Duration>,
}

#[derive(Clone)]
struct Entry<V> {
    value: V,
    fetched_at: Instant,
    /// Whether the last refresh of this value failed.
    refresh_failed: bool,
}

type Flight<V> = Shared<BoxFuture<'static, Result<V, UpstreamError>>>;
type Registry<K, V> = Arc<Mutex<HashMap<K, Flight<V>>>>;

/// Takes a finished load's flight out of the registry however the load ends: normally, or by
/// panicking. Without it a panicked load would leave its key joined to a dead flight for good.
struct FlightGuard<K: Hash + Eq, V> {
    registry: Registry<K, V>,
    key: K,
}

impl<K: Hash + Eq, V> Drop for FlightGuard<K, V> {
    fn drop(&mut self) {
        self.registry
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&self.key);
    }
}

#[derive(Default, Debug)]
pub struct CacheStats {
    pub hits: AtomicU64,
    pub misses: AtomicU64,
    pub stale_served: AtomicU64,
    pub revalidations: AtomicU64,
    pub upstream_loads: AtomicU64,
}

#[derive(Clone)]
pub struct SwrCache<K, V> {
    name: &'static str,
    policy: CachePolicy,
    entries: moka::future::Cache<K, Entry<V>>,
    in_flight: Registry<K, V>,
    stats: Arc<CacheStats>,
}

impl<K, V> SwrCache<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + std::fmt::Debug + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// `weigh` estimates an entry's size in bytes; the cache holds at most `max_bytes` of them.
    pub fn new(name: &'static str, policy: CachePolicy, max_bytes: u64, weigh: fn(&V) -> u32) -> Self {
        let entries = moka::future::Cache::builder()
            .max_capacity(max_bytes)
            .weigher(move |_key: &K, entry: &Entry<V>| weigh(&entry.value).saturating_add(64))
            .time_to_live(policy.max_stale.max(Duration::from_secs(1)))
            .build();
        SwrCache {
            name,
            policy,
            entries,
            in_flight: Arc::new(Mutex::new(HashMap::new())),
            stats: Arc::new(CacheStats::default()),
        }
    }

    pub fn stats(&self) -> &CacheStats {
        &self.stats
    }

    pub fn entry_count(&self) -> u64 {
        self.entries.entry_count()
    }

    /// Estimated bytes held, by the weigher (bounded by `max_bytes`).
    pub fn weighted_bytes(&self) -> u64 {
        self.entries.weighted_size()
    }

    /// The value for `key`, loading it with `load` when needed. Concurrent loads of one key share one call.
    pub async fn get<F, Fut>(&self, key: K, when_expired: WhenExpired, load: F) -> Result<Cached<V>, UpstreamError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, UpstreamError>> + Send + 'static,
    {
        let Some(entry) = self.entries.get(&key).await else {
            self.stats.misses.fetch_add(1, Ordering::Relaxed);
            let value = self.load_shared(key, load).await?;
            return Ok(Cached { value, stale_for: None });
        };
        let age = entry.fetched_at.elapsed();
        match self.policy.classify(age) {
            Freshness::Fresh => {
                self.stats.hits.fetch_add(1, Ordering::Relaxed);
                Ok(Cached {
                    value: entry.value,
                    stale_for: None,
                })
            }
            Freshness::Revalidate => {
                self.stats.hits.fetch_add(1, Ordering::Relaxed);
                self.stats.revalidations.fetch_add(1, Ordering::Relaxed);
                // The refresh runs on its own task: the flight is spawned, so dropping it here is fine.
                drop(self.load_shared(key, load));
                Ok(Cached {
                    value: entry.value,
                    stale_for: None,
                })
            }
            Freshness::Expired | Freshness::Gone if when_expired == WhenExpired::ServeStale || entry.refresh_failed => {
                self.stats.stale_served.fetch_add(1, Ordering::Relaxed);
                drop(self.load_shared(key, load));
                Ok(Cached {
                    value: entry.value,
                    stale_for: Some(age),
                })
            }
            Freshness::Expired | Freshness::Gone => match self.load_shared(key.clone(), load).await {
                Ok(value) => Ok(Cached { value, stale_for: None }),
                Err(err) => {
                    self.stats.stale_served.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(cache = self.name, ?key, error = %err, "serving stale data: upstream failed");
                    Ok(Cached {
                        value: entry.value,
                        stale_for: Some(age),
                    })
                }
            },
        }
    }

    /// Joins the load in flight for `key`, or starts one on its own task.
    fn load_shared<F, Fut>(&self, key: K, load: F) -> Flight<V>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, UpstreamError>> + Send + 'static,
    {
        let mut in_flight = self.in_flight.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(flight) = in_flight.get(&key) {
            return flight.clone();
        }
        self.stats.upstream_loads.fetch_add(1, Ordering::Relaxed);
        let fetch = load();
        let entries = self.entries.clone();
        let guard = FlightGuard {
            registry: Arc::clone(&self.in_flight),
            key: key.clone(),
        };
        // The first requester's span follows the load, so its upstream calls carry its request id.
        let task = tokio::spawn(
            async move {
                let result = fetch.await;
                match &result {
                    Ok(value) => {
                        let entry = Entry {
                            value: value.clone(),
                            fetched_at: Instant::now(),
                            refresh_failed: false,
                        };
                        entries.insert(guard.key.clone(), entry).await;
                    }
                    // Single-flight: no other load of this key can have replaced the entry.
                    Err(_) => {
                        if let Some(old) = entries.get(&guard.key).await {
                            let failed = Entry {
                                refresh_failed: true,
                                ..old
                            };
                            entries.insert(guard.key.clone(), failed).await;
                        }
                    }
                }
                drop(guard);
                result
            }
            .in_current_span(),
        );
        let flight = async move {
            task.await
                .unwrap_or_else(|join_err| Err(UpstreamError::Transport(format!("load task failed: {join_err}"))))
        }
        .boxed()
        .shared();
        in_flight.insert(key, flight.clone());
        flight
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    fn policy() -> CachePolicy {
        CachePolicy {
            ttl: Duration::from_secs(10),
            revalidate_window: Duration::from_secs(20),
            max_stale: Duration::from_secs(3_600),
        }
    }

    fn cache() -> SwrCache<u64, String> {
        SwrCache::new("test", policy(), 1 << 20, |v| v.len() as u32)
    }

    /// A loader that counts its calls and returns `value` (or fails when `value` is None).
    fn loader(
        calls: &Arc<AtomicUsize>,
        value: Option<&str>,
    ) -> impl FnOnce() -> BoxFuture<'static, Result<String, UpstreamError>> {
        let calls = Arc::clone(calls);
        let value = value.map(str::to_string);
        move || {
            calls.fetch_add(1, Ordering::SeqCst);
            async move { value.ok_or(UpstreamError::Connect("down".into())) }.boxed()
        }
    }

    /// A loader whose load answers `value` only once the returned sender fires (or is dropped).
    fn gated(
        value: &str,
    ) -> (
        tokio::sync::oneshot::Sender<()>,
        impl FnOnce() -> BoxFuture<'static, Result<String, UpstreamError>>,
    ) {
        let (release, gate) = tokio::sync::oneshot::channel::<()>();
        let value = value.to_string();
        let load = move || {
            async move {
                gate.await.ok();
                Ok(value)
            }
            .boxed()
        };
        (release, load)
    }

    #[test]
    fn classification_follows_the_policy() {
        let p = policy();
        assert_eq!(p.classify(Duration::from_secs(0)), Freshness::Fresh);
        assert_eq!(p.classify(Duration::from_secs(10)), Freshness::Revalidate);
        assert_eq!(p.classify(Duration::from_secs(29)), Freshness::Revalidate);
        assert_eq!(p.classify(Duration::from_secs(30)), Freshness::Expired);
        assert_eq!(p.classify(Duration::from_secs(3_600)), Freshness::Gone);
    }

    #[tokio::test(start_paused = true)]
    async fn a_fresh_hit_makes_no_call() {
        let cache = cache();
        let calls = Arc::new(AtomicUsize::new(0));
        cache
            .get(1, WhenExpired::Refresh, loader(&calls, Some("a")))
            .await
            .unwrap();
        tokio::time::advance(Duration::from_secs(9)).await;
        let got = cache
            .get(1, WhenExpired::Refresh, loader(&calls, Some("b")))
            .await
            .unwrap();
        assert_eq!(
            got,
            Cached {
                value: "a".to_string(),
                stale_for: None
            }
        );
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn revalidation_serves_the_old_value_then_the_new_one() {
        let cache = cache();
        let calls = Arc::new(AtomicUsize::new(0));
        cache
            .get(1, WhenExpired::Refresh, loader(&calls, Some("old")))
            .await
            .unwrap();
        tokio::time::advance(Duration::from_secs(15)).await;
        let got = cache
            .get(1, WhenExpired::Refresh, loader(&calls, Some("new")))
            .await
            .unwrap();
        assert_eq!(got.value, "old", "stale-while-revalidate answers at once");
        // Wait for the background refresh through the cache's own single-flight.
        let refreshed = cache.load_shared(1, loader(&calls, Some("unused"))).await.unwrap();
        assert_eq!(refreshed, "new");
        assert_eq!(
            cache
                .get(1, WhenExpired::Refresh, loader(&calls, Some("x")))
                .await
                .unwrap()
                .value,
            "new"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn expired_data_is_served_stale_when_the_upstream_fails() {
        let cache = cache();
        let calls = Arc::new(AtomicUsize::new(0));
        cache
            .get(1, WhenExpired::Refresh, loader(&calls, Some("kept")))
            .await
            .unwrap();
        tokio::time::advance(Duration::from_secs(100)).await;
        let got = cache.get(1, WhenExpired::Refresh, loader(&calls, None)).await.unwrap();
        assert_eq!(got.value, "kept");
        assert_eq!(got.stale_for, Some(Duration::from_secs(100)));
        assert_eq!(cache.stats().stale_served.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_page_that_saw_the_upstream_fail_gets_expired_data_at_once_and_a_background_refresh() {
        let cache = cache();
        let calls = Arc::new(AtomicUsize::new(0));
        cache
            .get(1, WhenExpired::Refresh, loader(&calls, Some("kept")))
            .await
            .unwrap();
        tokio::time::advance(Duration::from_secs(100)).await;
        // The refresh cannot finish before `release`: the answer cannot have waited for it.
        let (release, slow) = gated("new");
        let got = tokio::time::timeout(Duration::from_secs(1), cache.get(1, WhenExpired::ServeStale, slow))
            .await
            .expect("answered without waiting on the refresh")
            .unwrap();
        assert_eq!(
            (got.value.as_str(), got.stale_for),
            ("kept", Some(Duration::from_secs(100)))
        );
        assert_eq!(cache.stats().stale_served.load(Ordering::SeqCst), 1);
        assert_eq!(
            cache.stats().upstream_loads.load(Ordering::SeqCst),
            2,
            "the refresh started"
        );
        release.send(()).unwrap();
        let refreshed = cache.load_shared(1, loader(&calls, Some("unused"))).await.unwrap();
        assert_eq!(refreshed, "new", "joined the background refresh");
        let fresh = cache
            .get(1, WhenExpired::ServeStale, loader(&calls, Some("unused")))
            .await
            .unwrap();
        assert_eq!((fresh.value.as_str(), fresh.stale_for), ("new", None));
    }

    #[tokio::test(start_paused = true)]
    async fn after_a_failed_refresh_readers_get_the_old_value_at_once_until_a_refresh_succeeds() {
        let cache = cache();
        let calls = Arc::new(AtomicUsize::new(0));
        cache
            .get(1, WhenExpired::Refresh, loader(&calls, Some("kept")))
            .await
            .unwrap();
        tokio::time::advance(Duration::from_secs(100)).await;
        let failed = cache.get(1, WhenExpired::Refresh, loader(&calls, None)).await.unwrap();
        assert_eq!(failed.stale_for, Some(Duration::from_secs(100)));
        // The next reader does not wait on the refresh, which cannot finish before `release`.
        let (release, slow) = gated("new");
        let got = tokio::time::timeout(Duration::from_secs(1), cache.get(1, WhenExpired::Refresh, slow))
            .await
            .expect("answered without waiting on the refresh")
            .unwrap();
        assert_eq!(
            (got.value.as_str(), got.stale_for),
            ("kept", Some(Duration::from_secs(100)))
        );
        release.send(()).unwrap();
        assert_eq!(
            cache.load_shared(1, loader(&calls, Some("unused"))).await.unwrap(),
            "new"
        );
        // The refresh succeeded: the value is fresh, and a later expiry waits for its refresh again.
        let fresh = cache
            .get(1, WhenExpired::Refresh, loader(&calls, Some("unused")))
            .await
            .unwrap();
        assert_eq!((fresh.value.as_str(), fresh.stale_for), ("new", None));
        tokio::time::advance(Duration::from_secs(100)).await;
        let (_hold, waits) = gated("newer");
        let read = cache.get(1, WhenExpired::Refresh, waits);
        assert!(
            tokio::time::timeout(Duration::from_secs(1), read).await.is_err(),
            "an expired value whose last refresh succeeded waits for the next one"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn expired_data_is_replaced_when_the_upstream_answers() {
        let cache = cache();
        let calls = Arc::new(AtomicUsize::new(0));
        cache
            .get(1, WhenExpired::Refresh, loader(&calls, Some("v1")))
            .await
            .unwrap();
        tokio::time::advance(Duration::from_secs(100)).await;
        let got = cache
            .get(1, WhenExpired::Refresh, loader(&calls, Some("v2")))
            .await
            .unwrap();
        assert_eq!(
            got,
            Cached {
                value: "v2".to_string(),
                stale_for: None
            }
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_miss_with_the_upstream_down_is_an_error_and_not_cached() {
        let cache = cache();
        let calls = Arc::new(AtomicUsize::new(0));
        assert!(cache.get(1, WhenExpired::Refresh, loader(&calls, None)).await.is_err());
        assert_eq!(
            cache
                .get(1, WhenExpired::Refresh, loader(&calls, Some("up")))
                .await
                .unwrap()
                .value,
            "up"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_cold_requests_make_one_call() {
        let cache = cache();
        let calls = Arc::new(AtomicUsize::new(0));
        let (release, gate) = tokio::sync::oneshot::channel::<()>();
        let gate = gate.shared();
        let mut handles = Vec::new();
        for _ in 0..50 {
            let cache = cache.clone();
            let calls = Arc::clone(&calls);
            let gate = gate.clone();
            handles.push(tokio::spawn(async move {
                cache
                    .get(7, WhenExpired::Refresh, move || {
                        calls.fetch_add(1, Ordering::SeqCst);
                        async move {
                            let _ = gate.await;
                            Ok("one".to_string())
                        }
                    })
                    .await
            }));
        }
        // Let every task reach the cache before the single load completes.
        while cache.in_flight.lock().unwrap().is_empty() {
            tokio::task::yield_now().await;
        }
        for _ in 0..100 {
            tokio::task::yield_now().await;
        }
        release.send(()).unwrap();
        for handle in handles {
            assert_eq!(handle.await.unwrap().unwrap().value, "one");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_load_that_panics_does_not_poison_its_key() {
        let cache = cache();
        let calls = Arc::new(AtomicUsize::new(0));
        let panicking = {
            let calls = Arc::clone(&calls);
            move || {
                calls.fetch_add(1, Ordering::SeqCst);
                async move {
                    if calls.load(Ordering::SeqCst) > 0 {
                        panic!("a loader bug");
                    }
                    Ok(String::new())
                }
                .boxed()
            }
        };
        let failed = cache.get(3, WhenExpired::Refresh, panicking).await;
        assert!(matches!(failed, Err(UpstreamError::Transport(_))), "{failed:?}");
        assert!(
            cache.in_flight.lock().unwrap().is_empty(),
            "the dead flight was left registered"
        );
        let next = cache
            .get(3, WhenExpired::Refresh, loader(&calls, Some("reloaded")))
            .await
            .unwrap();
        assert_eq!(next.value, "reloaded");
        assert_eq!(calls.load(Ordering::SeqCst), 2, "the next request loaded again");
    }

    #[tokio::test]
    async fn memory_is_bounded_by_weight() {
        let cache: SwrCache<u64, String> = SwrCache::new("test", policy(), 64 * 1024, |v| v.len() as u32);
        let calls = Arc::new(AtomicUsize::new(0));
        let big = "x".repeat(1024);
        for key in 0..1_000 {
            cache
                .get(key, WhenExpired::Refresh, loader(&calls, Some(&big)))
                .await
                .unwrap();
        }
        cache.entries.run_pending_tasks().await;
        let held = cache.entries.weighted_size();
        assert!(held <= 64 * 1024, "cache holds {held} bytes");
        assert!(cache.entry_count() < 100, "cache kept {} entries", cache.entry_count());
    }
}
