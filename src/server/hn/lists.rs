//! Story list pages: the list's ids, then one page of items fetched concurrently.

use std::sync::Arc;

use super::{HnService, PageBudget, StaleTracker, summarize};
use crate::error::AppError;
use crate::model::{StoryKind, StoryPage, StorySummary, page_count, page_range};
use crate::server::cache::Cached;
use crate::server::clock::unix_now;
use crate::server::upstream::UpstreamError;

impl HnService {
    async fn list(&self, kind: StoryKind, budget: &PageBudget) -> Result<Cached<Arc<Vec<u64>>>, UpstreamError> {
        let client = self.client.clone();
        let load = self.lists.get(kind, budget.when_expired(), || {
            budget.call(move || async move { client.story_ids(kind.api_name()).await.map(Arc::new) })
        });
        budget.noted(budget.bound(load).await)
    }

    /// Page `page` of a list. Dead, deleted and vanished stories are left out quietly, as HN
    /// does; only stories the upstream failed to give count as missing, and only a page where
    /// every story failed is an error.
    pub async fn story_page(&self, kind: StoryKind, page: usize) -> Result<StoryPage, AppError> {
        let mut stale = StaleTracker::default();
        let budget = self.page_budget();
        let list = self.list(kind, &budget).await?;
        stale.note(&list);
        let ids = list.value;
        let range = page_range(page, ids.len()).map_err(|e| AppError::NotFound(e.to_string()))?;
        let first_rank = range.start + 1;
        let wanted = range.len();
        let mut missing = 0;
        let mut first_error = None;
        let mut stories: Vec<StorySummary> = Vec::with_capacity(wanted);
        for (_, result) in self.items(&ids[range], &budget, &mut stale).await {
            match result {
                Ok(Some(item)) if !item.deleted && !item.dead => stories.push(summarize(&item)),
                Ok(_) => {}
                Err(err) => {
                    missing += 1;
                    first_error.get_or_insert(err);
                }
            }
        }
        if let Some(err) = first_error.filter(|_| missing == wanted) {
            return Err(err.into());
        }
        Ok(StoryPage {
            kind,
            page,
            pages: page_count(ids.len()),
            first_rank,
            missing,
            stories,
            now: unix_now(),
            stale: stale.staleness(),
        })
    }
}
