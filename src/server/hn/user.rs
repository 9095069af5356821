//! User pages: one cached document.

use std::sync::Arc;

use super::{HnService, StaleTracker};
use crate::error::AppError;
use crate::model::UserPage;
use crate::server::clock::unix_now;
use crate::server::sanitize::clean_html;
use crate::server::upstream::model::HnUser;

/// Valid HN user names: letters, digits, dash and underscore, 2 to 32 of them.
pub fn is_valid_user_id(id: &str) -> bool {
    (2..=32).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl HnService {
    pub async fn user_page(&self, id: &str) -> Result<UserPage, AppError> {
        if !is_valid_user_id(id) {
            return Err(AppError::NotFound(format!(
                "there is no user {:?}",
                id.chars().take(40).collect::<String>()
            )));
        }
        let budget = self.page_budget();
        let client = self.client.clone();
        let key = id.to_string();
        let load = self.users.get(key.clone(), budget.when_expired(), || {
            budget.call(move || async move {
                let sanitize = |mut user: HnUser| {
                    user.about = user.about.as_deref().map(clean_html);
                    Arc::new(user)
                };
                client.user(&key).await.map(|user| user.map(sanitize))
            })
        });
        let cached = budget.bound(load).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_are_checked() {
        assert!(is_valid_user_id("pg"));
        assert!(is_valid_user_id("some_user-1"));
        for bad in ["", "a", "../etc", "a b", "x".repeat(33).as_str(), "ü", "[unknown]"] {
            assert!(!is_valid_user_id(bad), "{bad}");
        }
    }
}
