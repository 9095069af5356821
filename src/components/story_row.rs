use leptos::prelude::*;

use crate::model::{StorySummary, iso_datetime, time_ago};

/// One numbered row of a story list.
#[component]
pub fn StoryRow(story: StorySummary, rank: usize, now: i64) -> impl IntoView {
    let item_href = format!("/item/{}", story.id);
    let title_href = story.url.clone().unwrap_or_else(|| item_href.clone());
    let external = story.url.is_some();
    let comments = match story.comments {
        0 => "discuss".to_string(),
        1 => "1 comment".to_string(),
        n => format!("{n} comments"),
    };
    let points = if story.score == 1 {
        "1 point".to_string()
    } else {
        format!("{} points", story.score)
    };
    view! {
        <li class="story" value=rank>
            <div class="title">
                <a
                    href=title_href
                    rel=external.then_some("noopener noreferrer nofollow")
                    class="title-link"
                >
                    {story.title}
                </a>
                {story.domain.map(|domain| view! { <span class="domain">{format!("({domain})")}</span> })}
            </div>
            <div class="meta">
                {(!story.is_job).then(|| view! { <span class="score">{points}</span> " " })}
                {story.by.map(|by| view! { "by " <a href=format!("/user/{by}") class="author">{by.clone()}</a> " " })}
                <a href=item_href.clone() class="age">
                    <time datetime=iso_datetime(story.time)>{time_ago(now, story.time)}</time>
                </a>
                {(!story.is_job).then(|| view! { " | " <a href=item_href class="comments">{comments}</a> })}
            </div>
        </li>
    }
}
