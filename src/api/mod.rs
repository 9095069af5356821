//! Server functions: thin wrappers that validate input and ask the HN service.
//! During SSR they run in-process; after hydration the browser calls them over HTTP.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{ItemPage, StoryKind, StoryPage, UserPage};

#[cfg(feature = "ssr")]
mod ssr;

#[server(prefix = "/api", endpoint = "stories")]
pub async fn get_stories(kind: StoryKind, page: Option<String>) -> Result<StoryPage, AppError> {
    use crate::model::parse_page;
    let page = parse_page(page.as_deref()).map_err(|e| AppError::NotFound(e.to_string()));
    let result = match page {
        Ok(page) => ssr::hn_service()?.story_page(kind, page).await,
        Err(err) => Err(err),
    };
    ssr::respond(result, |page| page.stale.is_some())
}

#[server(prefix = "/api", endpoint = "item")]
pub async fn get_item(id: String) -> Result<ItemPage, AppError> {
    let result = match id.parse::<u64>() {
        Ok(id) => ssr::hn_service()?.item_page(id).await,
        Err(_) => Err(AppError::NotFound(format!(
            "{:?} is not an item id",
            id.chars().take(40).collect::<String>()
        ))),
    };
    ssr::respond(result, |page| page.stale.is_some())
}

#[server(prefix = "/api", endpoint = "user")]
pub async fn get_user(id: String) -> Result<UserPage, AppError> {
    let result = ssr::hn_service()?.user_page(&id).await;
    ssr::respond(result, |page| page.stale.is_some())
}

#[server(prefix = "/api", endpoint = "status")]
pub async fn get_status() -> Result<crate::model::StatusReport, AppError> {
    let state = ssr::app_state()?;
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        options.insert_header(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static(crate::server::policy::NO_STORE),
        );
    }
    Ok(crate::server::status::report(&state).await)
}
