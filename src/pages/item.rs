use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::get_item;
use crate::components::{CommentThread, ErrorView, StaleNotice};
use crate::model::{CommentState, ItemPage, StorySummary, iso_datetime, time_ago};

/// `/item/:id`: a story (or any item) and its whole comment tree.
#[component]
pub fn ItemView() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let item = Resource::new(move || id.get(), get_item);
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match item.await {
                    Ok(page) => Either::Left(view! { <Item page /> }),
                    Err(error) => Either::Right(view! { <Title text="Error" /> <ErrorView error /> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Item(page: ItemPage) -> impl IntoView {
    let ItemPage {
        summary,
        text_html,
        state,
        comments,
        truncated,
        now,
        stale,
    } = page;
    let StorySummary {
        id,
        title,
        url,
        domain,
        score,
        by,
        time,
        comments: comment_count,
        ..
    } = summary;
    let heading = match state {
        CommentState::Live => title.clone(),
        CommentState::Deleted => "[deleted]".to_string(),
        CommentState::Dead => "[dead]".to_string(),
    };
    let shown = comments.len();
    view! {
        <Title text=title.clone() />
        <StaleNotice stale now />
        <article class="item" aria-labelledby="item-title">
            <h1 id="item-title">
                {match url {
                    Some(url) => Either::Left(view! { <a href=url rel="noopener noreferrer nofollow">{heading}</a> }),
                    None => Either::Right(heading),
                }}
                {domain.map(|domain| view! { <span class="domain">{format!("({domain})")}</span> })}
            </h1>
            <p class="meta">
                {format!("{score} points")}
                {by.map(|by| view! { " by " <a href=format!("/user/{by}") class="author">{by.clone()}</a> })}
                " "
                <time datetime=iso_datetime(time)>{time_ago(now, time)}</time>
                {format!(" | {comment_count} comments")}
                " | "
                <a href=format!("https://news.ycombinator.com/item?id={id}") rel="noopener">"on HN"</a>
            </p>
            {text_html.map(|html| view! { <div class="text" inner_html=html></div> })}
        </article>
        <section class="thread" aria-label="Discussion">
            {(shown == 0).then(|| view! { <p class="empty">"No comments yet."</p> })}
            <CommentThread comments now />
            {truncated.then(|| view! {
                <p class="notice" role="status">
                    {format!("Showing {shown} comments; the rest of this thread could not be loaded.")}
                </p>
            })}
        </section>
    }
}
