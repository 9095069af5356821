//! Pieces the pages share.

mod comments;
mod story_row;

pub use comments::{CommentThread, thread_html};
pub use story_row::StoryRow;

use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::error::AppError;
use crate::model::{Staleness, StoryKind, time_ago};

#[component]
pub fn Header() -> impl IntoView {
    view! {
        <header class="header">
            <a class="skip" href="#main">"Skip to content"</a>
            <nav aria-label="Story lists">
                <a class="brand" href="/">"HN"</a>
                <ul>
                    {StoryKind::ALL
                        .into_iter()
                        .map(|kind| view! { <li><A href=kind.path() exact=true>{kind.label()}</A></li> })
                        .collect_view()}
                </ul>
            </nav>
        </header>
    }
}

/// Shown when the page was served from cache because Hacker News could not be reached.
#[component]
pub fn StaleNotice(stale: Option<Staleness>, now: i64) -> impl IntoView {
    stale.map(|stale| {
        let since = time_ago(now, now - stale.age_secs as i64);
        view! {
            <p class="notice" role="status">
                {format!("Hacker News is unreachable right now. Showing saved data from {since}.")}
            </p>
        }
    })
}

/// An error in place of a page's content. `nested` when the page already has its `<h1>`.
#[component]
pub fn ErrorView(error: AppError, #[prop(optional)] nested: bool) -> impl IntoView {
    let heading = match error {
        AppError::NotFound(_) => "Not found",
        AppError::BadRequest(_) => "Bad request",
        AppError::UpstreamBad(_) | AppError::UpstreamUnavailable(_) => "Hacker News is unavailable",
        AppError::Overloaded(_) => "Busy",
        AppError::Transport(_) => "Something went wrong",
    };
    view! {
        <section class="error" aria-labelledby="error-heading">
            {if nested {
                Either::Left(view! { <h2 id="error-heading">{heading}</h2> })
            } else {
                Either::Right(view! { <h1 id="error-heading">{heading}</h1> })
            }}
            <p>{error.to_string()}</p>
            <p><a href="/">"Back to the top stories"</a></p>
        </section>
    }
}

/// Sets the HTTP status of the page being rendered on the server; nothing in the browser.
pub fn set_page_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(options), Ok(status)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::StatusCode::from_u16(code),
    ) {
        options.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}
