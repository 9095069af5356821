//! Pages assembled from the cached Hacker News API: lists fan out in parallel (`lists`), threads
//! load level by level (`thread`), users are one document (`user`).

mod lists;
pub mod thread;
mod user;

pub use user::is_valid_user_id;

use std::sync::Arc;
use std::time::Duration;

use futures::stream::{self, StreamExt};

use super::cache::{CachePolicy, CacheStats, Cached, SwrCache};
use super::config::Config;
use super::sanitize::{clean_html, display_domain, safe_http_url};
use super::upstream::model::{HnItem, HnUser, ItemKind};
use super::upstream::{HnClient, PageBudget, UpstreamError};
use crate::model::{CommentState, Staleness, StoryKind, StorySummary, UpstreamStatus};

/// Upstream calls one page may have in flight at once: a whole list page in one wave.
pub const FAN_OUT: usize = 30;

/// Cached items and users hold their HTML (`text`, `about`) already sanitised.
pub type ItemValue = Option<Arc<HnItem>>;
pub type UserValue = Option<Arc<HnUser>>;

#[derive(Clone)]
pub struct HnService {
    client: HnClient,
    lists: SwrCache<StoryKind, Arc<Vec<u64>>>,
    items: SwrCache<u64, ItemValue>,
    users: SwrCache<String, UserValue>,
}

/// One cache's counters and size, for /metrics and /status.
pub struct CacheSnapshot<'a> {
    pub name: &'static str,
    pub stats: &'a CacheStats,
    pub entries: u64,
    pub bytes: u64,
}

impl<'a> CacheSnapshot<'a> {
    fn of<K, V>(name: &'static str, cache: &'a SwrCache<K, V>) -> Self
    where
        K: std::hash::Hash + Eq + Clone + Send + Sync + std::fmt::Debug + 'static,
        V: Clone + Send + Sync + 'static,
    {
        CacheSnapshot {
            name,
            stats: cache.stats(),
            entries: cache.entry_count(),
            bytes: cache.weighted_bytes(),
        }
    }
}

/// Tracks the oldest stale piece that went into a page.
#[derive(Default)]
struct StaleTracker(Option<Duration>);

impl StaleTracker {
    fn note<V>(&mut self, cached: &Cached<V>) {
        if let Some(age) = cached.stale_for {
            self.0 = Some(self.0.map_or(age, |old| old.max(age)));
        }
    }

    fn staleness(&self) -> Option<Staleness> {
        self.0.map(|age| Staleness {
            age_secs: age.as_secs(),
        })
    }
}

impl HnService {
    pub fn new(client: HnClient, config: &Config) -> HnService {
        let policy = |ttl: Duration| CachePolicy {
            ttl,
            revalidate_window: ttl,
            max_stale: Duration::from_secs(24 * 3_600),
        };
        let max_bytes = config.cache_max_bytes;
        // Lists are small; items and users share the byte budget.
        HnService {
            client,
            lists: SwrCache::new("lists", policy(config.list_ttl), max_bytes / 16, |ids| {
                (ids.len() * 8) as u32
            }),
            items: SwrCache::new("items", policy(config.item_ttl), max_bytes / 16 * 12, |item| {
                item.as_ref().map_or(16, |i| i.approx_bytes() as u32)
            }),
            users: SwrCache::new("users", policy(config.item_ttl), max_bytes / 16 * 3, |user| {
                user.as_ref().map_or(16, |u| u.approx_bytes() as u32)
            }),
        }
    }

    pub fn upstream_status(&self) -> UpstreamStatus {
        self.client.status()
    }

    pub fn caches(&self) -> [CacheSnapshot<'_>; 3] {
        [
            CacheSnapshot::of("lists", &self.lists),
            CacheSnapshot::of("items", &self.items),
            CacheSnapshot::of("users", &self.users),
        ]
    }

    /// What a page started now may spend on the upstream.
    fn page_budget(&self) -> PageBudget {
        self.client.page_budget()
    }

    async fn item(&self, id: u64, budget: &PageBudget) -> Result<Cached<ItemValue>, UpstreamError> {
        let client = self.client.clone();
        let load = self.items.get(id, budget.when_expired(), || {
            budget.call(move || async move {
                let item = client.item(id).await?;
                Ok(item.map(|item| Arc::new(sanitize_item(item))))
            })
        });
        budget.noted(budget.bound(load).await)
    }

    /// Items in order, fetched concurrently, each with its own outcome.
    async fn items(
        &self,
        ids: &[u64],
        budget: &PageBudget,
        stale: &mut StaleTracker,
    ) -> Vec<(u64, Result<ItemValue, UpstreamError>)> {
        let results: Vec<_> = stream::iter(ids.iter().copied())
            .map(|id| async move { (id, self.item(id, budget).await) })
            .buffered(FAN_OUT)
            .collect()
            .await;
        results
            .into_iter()
            .map(|(id, result)| {
                let value = result.map(|cached| {
                    stale.note(&cached);
                    cached.value
                });
                (id, value)
            })
            .collect()
    }
}

/// Sanitises an item's HTML once, as it enters the cache, rather than on every view.
fn sanitize_item(mut item: HnItem) -> HnItem {
    item.text = item.text.as_deref().map(clean_html);
    item
}

fn state_of(item: &HnItem) -> CommentState {
    if item.deleted {
        CommentState::Deleted
    } else if item.dead {
        CommentState::Dead
    } else {
        CommentState::Live
    }
}

/// The author worth linking to: only a live item's, and only a valid user name.
fn comment_author(item: &HnItem, state: CommentState) -> Option<String> {
    item.by
        .clone()
        .filter(|by| state == CommentState::Live && is_valid_user_id(by))
}

fn summarize(item: &HnItem) -> StorySummary {
    let url = item.url.as_deref().and_then(safe_http_url);
    StorySummary {
        id: item.id,
        title: item
            .title
            .clone()
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| format!("Item {}", item.id)),
        domain: url.as_deref().and_then(display_domain),
        url,
        score: item.score.unwrap_or(0),
        by: item.by.clone().filter(|by| is_valid_user_id(by)),
        time: item.time.unwrap_or(0),
        comments: item.descendants.unwrap_or(0),
        is_job: item.kind == ItemKind::Job,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_story_urls_are_dropped() {
        let mut story = HnItem {
            id: 9,
            kind: ItemKind::Story,
            by: Some("[unknown]".into()),
            time: None,
            text: None,
            url: Some("javascript:alert(1)".into()),
            title: Some("  ".into()),
            score: None,
            descendants: None,
            kids: Vec::new(),
            deleted: false,
            dead: false,
        };
        let summary = summarize(&story);
        assert_eq!(summary.url, None);
        assert_eq!(summary.domain, None);
        assert_eq!(summary.title, "Item 9");
        assert_eq!(summary.by, None, "an author that is not a user name is not linked");
        story.by = Some("pg".into());
        assert_eq!(summarize(&story).by.as_deref(), Some("pg"));
    }
}
