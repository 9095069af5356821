use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::get_user;
use crate::components::{ErrorView, StaleNotice};
use crate::model::{UserPage, iso_date, time_ago};

/// `/user/:id`: karma, account age and about.
#[component]
pub fn UserView() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let user = Resource::new(move || id.get(), get_user);
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(page) => Either::Left(view! { <User page /> }),
                    Err(error) => Either::Right(view! { <Title text="Error" /> <ErrorView error /> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn User(page: UserPage) -> impl IntoView {
    let UserPage {
        id,
        karma,
        created,
        about_html,
        now,
        stale,
    } = page;
    view! {
        <Title text=format!("Profile: {id}") />
        <StaleNotice stale now />
        <article class="user" aria-labelledby="user-title">
            <h1 id="user-title">{id.clone()}</h1>
            <dl>
                <dt>"Created"</dt>
                <dd><time datetime=iso_date(created)>{iso_date(created)}</time> " (" {time_ago(now, created)} ")"</dd>
                <dt>"Karma"</dt>
                <dd>{karma}</dd>
            </dl>
            {about_html.map(|html| view! { <h2>"About"</h2> <div class="text" inner_html=html></div> })}
            <p><a href=format!("https://news.ycombinator.com/submitted?id={id}") rel="noopener">"Submissions on HN"</a></p>
        </article>
    }
}
