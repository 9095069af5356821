use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::get_stories;
use crate::components::{ErrorView, StaleNotice, StoryRow};
use crate::error::AppError;
use crate::model::{StoryKind, StoryPage};

/// A story list (`/`, `/new`, …), 30 per page, rendered on the server.
#[component]
pub fn StoriesView(kind: StoryKind) -> impl IntoView {
    let query = use_query_map();
    let page = Memo::new(move |_| query.read().get("page"));
    let stories = Resource::new(move || page.get(), move |page| get_stories(kind, page));
    view! {
        <Title text=kind.label() />
        <Suspense fallback=|| view! { <p class="loading">"Loading stories…"</p> }>
            {move || Suspend::new(async move {
                let list = match stories.await {
                    Ok(page) => Either::Left(view! { <StoryList page /> }),
                    Err(error) => Either::Right(view! { <ErrorView error nested=true /> }),
                };
                view! { <ReloadableStoryList kind page=page.get_untracked()>{list}</ReloadableStoryList> }
            })}
        </Suspense>
    }
}

/// The list as HTML, rendered on the server, for Reload to swap in.
#[server(prefix = "/api", endpoint = "stories-html")]
pub async fn reload_stories(kind: StoryKind, page: Option<String>) -> Result<String, AppError> {
    let page = get_stories(kind, page).await?;
    Ok(view! { <StoryList page /> }.to_html())
}

/// The heading, Reload and the list: the one part of the app that runs in the browser. With
/// JavaScript, Reload fetches the list's HTML again and swaps it in place; without it, the
/// form's plain GET reloads the page. The list arrives as server-rendered children, so no story
/// data is serialised twice and none of the list's view code ships to the browser.
#[island]
fn ReloadableStoryList(kind: StoryKind, page: Option<String>, children: Children) -> impl IntoView {
    let list = NodeRef::<leptos::html::Div>::new();
    let reload = Action::new({
        let page = page.clone();
        move |(): &()| reload_stories(kind, page.clone())
    });
    let pending = reload.pending();
    let failure = move || match reload.value().get() {
        Some(Err(error)) => Some(error.to_string()),
        _ => None,
    };
    Effect::new(move |_| {
        if let (Some(Ok(html)), Some(list)) = (reload.value().get(), list.get()) {
            list.set_inner_html(&html);
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        reload.dispatch(());
    };
    view! {
        <div class="list-header">
            <h1>{format!("{} stories", kind.label())}</h1>
            <form method="get" action=kind.path() on:submit=on_submit class="reload">
                {page.map(|page| view! { <input type="hidden" name="page" value=page /> })}
                <button type="submit" aria-busy=move || pending.get().to_string()>
                    {move || if pending.get() { "Reloading…" } else { "Reload" }}
                </button>
            </form>
        </div>
        {move || failure().map(|message| view! { <p class="notice" role="alert">{message}</p> })}
        <div class="list" node_ref=list aria-busy=move || pending.get().to_string()>
            {children()}
        </div>
    }
}

#[component]
fn StoryList(page: StoryPage) -> impl IntoView {
    let StoryPage {
        kind,
        page: number,
        pages,
        first_rank,
        stories,
        missing,
        now,
        stale,
    } = page;
    let empty = stories.is_empty();
    view! {
        <StaleNotice stale now />
        {(missing > 0).then(|| view! {
            <p class="notice" role="status">
                {match missing {
                    1 => "1 story on this page could not be loaded from Hacker News.".to_string(),
                    n => format!("{n} stories on this page could not be loaded from Hacker News."),
                }}
            </p>
        })}
        {empty.then(|| view! { <p class="empty">"There are no stories in this list right now."</p> })}
        <ol class="stories" start=first_rank>
            {stories
                .into_iter()
                .enumerate()
                .map(|(offset, story)| view! { <StoryRow story rank=first_rank + offset now /> })
                .collect_view()}
        </ol>
        <Pager path=kind.path() page=number pages />
    }
}

#[component]
fn Pager(path: &'static str, page: usize, pages: usize) -> impl IntoView {
    let link = move |to: usize| format!("{path}?page={to}");
    view! {
        <nav class="pager" aria-label="Pages">
            {(page > 1).then(|| view! { <a href=link(page - 1) rel="prev">"‹ Previous"</a> })}
            <span>{format!("Page {page} of {pages}")}</span>
            {(page < pages).then(|| view! { <a href=link(page + 1) rel="next">"More ›"</a> })}
        </nav>
    }
}
