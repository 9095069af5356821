//! Pages assembled from the cached Hacker News API: lists fan out in parallel, threads breadth-first.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use futures::stream::{self, StreamExt};
use tokio::time::{Instant, timeout_at};

use super::cache::{CachePolicy, CacheStats, Cached, SwrCache};
use super::sanitize::{clean_html, display_domain, safe_http_url};
use super::upstream::model::{HnItem, HnUser, ItemKind};
use super::upstream::{HnClient, UpstreamError};
use crate::error::AppError;
use crate::model::{
    Comment, CommentState, ItemPage, Staleness, StoryKind, StoryPage, StorySummary, UserPage, page_count, page_range,
};

/// Upstream calls one page may have in flight at once: a whole list page in one wave.
pub const FAN_OUT: usize = 30;
/// Comments loaded per thread; the rest is marked as truncated.
pub const MAX_COMMENTS: usize = 3_000;
/// Reply depth shown; HN itself stops indenting long before this.
pub const MAX_DEPTH: u16 = 48;

/// Cached items and users hold their HTML (`text`, `about`) already sanitised.
pub type ItemValue = Option<Arc<HnItem>>;
pub type UserValue = Option<Arc<HnUser>>;

#[derive(Clone)]
pub struct HnService {
    client: HnClient,
    lists: SwrCache<StoryKind, Arc<Vec<u64>>>,
    items: SwrCache<u64, ItemValue>,
    users: SwrCache<String, UserValue>,
    budget: Duration,
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

pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Valid HN user names: letters, digits, dash and underscore, at most 32.
pub fn is_valid_user_id(id: &str) -> bool {
    (2..=32).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl HnService {
    pub fn new(
        client: HnClient,
        list_ttl: Duration,
        item_ttl: Duration,
        max_bytes: u64,
        budget: Duration,
    ) -> HnService {
        let policy = |ttl: Duration| CachePolicy {
            ttl,
            revalidate_window: ttl,
            max_stale: Duration::from_secs(24 * 3_600),
        };
        // Lists are small; items and users share the byte budget.
        HnService {
            client,
            lists: SwrCache::new("lists", policy(list_ttl), max_bytes / 16, |ids| (ids.len() * 8) as u32),
            items: SwrCache::new("items", policy(item_ttl), max_bytes / 16 * 12, |item| {
                item.as_ref().map_or(16, |i| i.approx_bytes() as u32)
            }),
            users: SwrCache::new("users", policy(item_ttl), max_bytes / 16 * 3, |user| {
                user.as_ref().map_or(16, |u| u.approx_bytes() as u32)
            }),
            budget,
        }
    }

    pub fn upstream_status(&self) -> crate::model::UpstreamStatus {
        self.client.status()
    }

    pub fn caches(&self) -> [CacheSnapshot<'_>; 3] {
        [
            CacheSnapshot::of("lists", &self.lists),
            CacheSnapshot::of("items", &self.items),
            CacheSnapshot::of("users", &self.users),
        ]
    }

    /// When a page started now must stop waiting for the upstream.
    fn deadline(&self) -> Instant {
        Instant::now() + self.budget
    }

    async fn list(&self, kind: StoryKind, deadline: Instant) -> Result<Cached<Arc<Vec<u64>>>, UpstreamError> {
        let client = self.client.clone();
        let load = self.lists.get(kind, move || async move {
            client.story_ids(kind.api_name()).await.map(Arc::new)
        });
        timeout_at(deadline, load)
            .await
            .unwrap_or(Err(UpstreamError::Timeout(self.budget)))
    }

    async fn item(&self, id: u64, deadline: Instant) -> Result<Cached<ItemValue>, UpstreamError> {
        let client = self.client.clone();
        let load = self.items.get(id, move || async move {
            client
                .item(id)
                .await
                .map(|item| item.map(|item| Arc::new(sanitize_item(item))))
        });
        timeout_at(deadline, load)
            .await
            .unwrap_or(Err(UpstreamError::Timeout(self.budget)))
    }

    /// Items in order, fetched concurrently; each one that fails is `None`.
    async fn items(&self, ids: &[u64], deadline: Instant, stale: &mut StaleTracker) -> Vec<(u64, Option<Arc<HnItem>>)> {
        let results: Vec<_> = stream::iter(ids.iter().copied())
            .map(|id| async move { (id, self.item(id, deadline).await) })
            .buffered(FAN_OUT)
            .collect()
            .await;
        results
            .into_iter()
            .map(|(id, result)| match result {
                Ok(cached) => {
                    stale.note(&cached);
                    (id, cached.value)
                }
                Err(_) => (id, None),
            })
            .collect()
    }

    pub async fn story_page(&self, kind: StoryKind, page: usize) -> Result<StoryPage, AppError> {
        let mut stale = StaleTracker::default();
        let deadline = self.deadline();
        let list = self.list(kind, deadline).await?;
        stale.note(&list);
        let ids = list.value;
        let range = page_range(page, ids.len()).map_err(|e| AppError::NotFound(e.to_string()))?;
        let first_rank = range.start + 1;
        let fetched = self.items(&ids[range], deadline, &mut stale).await;
        let wanted = fetched.len();
        let stories: Vec<StorySummary> = fetched
            .into_iter()
            .filter_map(|(_, item)| item)
            .filter(|item| !item.deleted && !item.dead)
            .map(|item| summarize(&item))
            .collect();
        if wanted > 0 && stories.is_empty() {
            return Err(AppError::UpstreamUnavailable(
                "none of the stories on this page could be loaded".into(),
            ));
        }
        Ok(StoryPage {
            kind,
            page,
            pages: page_count(ids.len()),
            first_rank,
            missing: wanted - stories.len(),
            stories,
            now: unix_now(),
            stale: stale.staleness(),
        })
    }

    pub async fn item_page(&self, id: u64) -> Result<ItemPage, AppError> {
        let mut stale = StaleTracker::default();
        let deadline = self.deadline();
        let root = self.item(id, deadline).await?;
        stale.note(&root);
        let root = root
            .value
            .ok_or_else(|| AppError::NotFound(format!("item {id} does not exist")))?;
        let (comments, truncated) = self.thread(&root, deadline, &mut stale).await;
        Ok(ItemPage {
            summary: summarize(&root),
            text_html: root.text.clone(),
            state: state_of(&root),
            comments,
            truncated,
            now: unix_now(),
            stale: stale.staleness(),
        })
    }

    /// Loads the reply tree level by level (bounded fan-out, cycle-safe, capped), then flattens it.
    async fn thread(&self, root: &HnItem, deadline: Instant, stale: &mut StaleTracker) -> (Vec<Comment>, bool) {
        let mut seen: HashSet<u64> = HashSet::from([root.id]);
        let mut loaded: HashMap<u64, Option<Arc<HnItem>>> = HashMap::new();
        let mut level: Vec<u64> = root.kids.iter().copied().filter(|k| seen.insert(*k)).collect();
        let mut truncated = false;
        let mut depth = 0u16;
        while !level.is_empty() {
            if Instant::now() >= deadline {
                truncated = true;
                break;
            }
            if depth >= MAX_DEPTH || loaded.len() + level.len() > MAX_COMMENTS {
                let room = MAX_COMMENTS.saturating_sub(loaded.len());
                truncated = true;
                if depth >= MAX_DEPTH || room == 0 {
                    break;
                }
                level.truncate(room);
            }
            let fetched = self.items(&level, deadline, stale).await;
            let mut next = Vec::new();
            for (id, item) in fetched {
                match &item {
                    Some(item) => next.extend(item.kids.iter().copied().filter(|k| seen.insert(*k))),
                    None => truncated = true,
                }
                loaded.insert(id, item);
            }
            level = next;
            depth += 1;
        }
        let mut out = Vec::with_capacity(loaded.len());
        flatten(&root.kids, 0, &loaded, &mut HashSet::new(), &mut out);
        (out, truncated)
    }

    pub async fn user_page(&self, id: &str) -> Result<UserPage, AppError> {
        if !is_valid_user_id(id) {
            return Err(AppError::NotFound(format!(
                "there is no user {:?}",
                id.chars().take(40).collect::<String>()
            )));
        }
        let client = self.client.clone();
        let key = id.to_string();
        let load = self.users.get(key.clone(), move || async move {
            let sanitize = |mut user: HnUser| {
                user.about = user.about.as_deref().map(clean_html);
                Arc::new(user)
            };
            client.user(&key).await.map(|user| user.map(sanitize))
        });
        let cached = timeout_at(self.deadline(), load)
            .await
            .unwrap_or(Err(UpstreamError::Timeout(self.budget)))?;
        let mut stale = StaleTracker::default();
        stale.note(&cached);
        let user = cached
            .value
            .ok_or_else(|| AppError::NotFound(format!("there is no user {id:?}")))?;
        Ok(UserPage {
            id: user.id.clone(),
            karma: user.karma.unwrap_or(0),
            created: user.created.unwrap_or(0),
            about_html: user.about.clone(),
            now: unix_now(),
            stale: stale.staleness(),
        })
    }
}

/// Appends `ids` and their loaded replies in display order. `placed` guards against an id appearing twice.
fn flatten(
    ids: &[u64],
    depth: u16,
    loaded: &HashMap<u64, Option<Arc<HnItem>>>,
    placed: &mut HashSet<u64>,
    out: &mut Vec<Comment>,
) {
    for id in ids {
        let Some(Some(item)) = loaded.get(id) else { continue };
        if !placed.insert(*id) {
            continue;
        }
        let at = out.len();
        let state = state_of(item);
        out.push(Comment {
            id: item.id,
            depth,
            descendants: 0,
            by: item
                .by
                .clone()
                .filter(|by| state == CommentState::Live && is_valid_user_id(by)),
            time: item.time.unwrap_or(0),
            html: match state {
                CommentState::Live => item.text.clone().unwrap_or_default(),
                _ => String::new(),
            },
            state,
        });
        flatten(&item.kids, depth + 1, loaded, placed, out);
        out[at].descendants = (out.len() - at - 1) as u32;
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

    fn item(id: u64, kids: &[u64]) -> Option<Arc<HnItem>> {
        Some(Arc::new(HnItem {
            id,
            kind: ItemKind::Comment,
            by: Some(format!("user{id}")),
            time: Some(0),
            text: Some(format!("<p>comment {id}</p>")),
            url: None,
            title: None,
            score: None,
            descendants: None,
            kids: kids.to_vec(),
            deleted: false,
            dead: false,
        }))
    }

    #[test]
    fn flatten_orders_depth_first_and_counts_descendants() {
        let loaded = HashMap::from([
            (1, item(1, &[2, 3])),
            (2, item(2, &[4])),
            (3, item(3, &[])),
            (4, item(4, &[])),
            (5, item(5, &[])),
        ]);
        let mut out = Vec::new();
        flatten(&[1, 5], 0, &loaded, &mut HashSet::new(), &mut out);
        let shape: Vec<(u64, u16, u32)> = out.iter().map(|c| (c.id, c.depth, c.descendants)).collect();
        assert_eq!(shape, vec![(1, 0, 3), (2, 1, 1), (4, 2, 0), (3, 1, 0), (5, 0, 0)]);
    }

    #[test]
    fn flatten_survives_cycles() {
        let loaded = HashMap::from([(1, item(1, &[2])), (2, item(2, &[1]))]);
        let mut out = Vec::new();
        flatten(&[1], 0, &loaded, &mut HashSet::new(), &mut out);
        assert_eq!(out.iter().map(|c| c.id).collect::<Vec<_>>(), vec![1, 2]);
    }

    #[test]
    fn deleted_comments_keep_their_place_but_not_their_text() {
        let mut gone = (*item(2, &[3]).unwrap()).clone();
        gone.deleted = true;
        let loaded = HashMap::from([(2, Some(Arc::new(gone))), (3, item(3, &[]))]);
        let mut out = Vec::new();
        flatten(&[2], 0, &loaded, &mut HashSet::new(), &mut out);
        assert_eq!(out[0].state, CommentState::Deleted);
        assert_eq!(out[0].html, "");
        assert_eq!(out[0].by, None);
        assert_eq!(out[1].id, 3, "the reply of a deleted comment is kept");
    }

    #[test]
    fn unsafe_story_urls_are_dropped() {
        let mut story = (*item(9, &[]).unwrap()).clone();
        story.url = Some("javascript:alert(1)".into());
        story.title = Some("  ".into());
        let summary = summarize(&story);
        assert_eq!(summary.url, None);
        assert_eq!(summary.domain, None);
        assert_eq!(summary.title, "Item 9");
    }

    #[test]
    fn user_ids_are_checked() {
        assert!(is_valid_user_id("pg"));
        assert!(is_valid_user_id("some_user-1"));
        for bad in ["", "a", "../etc", "a b", "x".repeat(33).as_str(), "ü"] {
            assert!(!is_valid_user_id(bad), "{bad}");
        }
    }
}
