use leptos::prelude::*;

use crate::model::{Comment, CommentState, time_ago};

/// A comment thread from its flattened form. Each comment's body and replies sit in a
/// `<details>`, so threads collapse natively: with JavaScript off, and without a signal per
/// comment when hydrated. The author and time links stay outside `<summary>`, which must not
/// hold interactive content.
#[component]
pub fn CommentThread(comments: Vec<Comment>, now: i64) -> impl IntoView {
    view! { <ul class="comments" aria-label="Comments">{render_level(&comments, now)}</ul> }
}

fn render_level(comments: &[Comment], now: i64) -> AnyView {
    let mut views = Vec::new();
    let mut at = 0;
    while at < comments.len() {
        let comment = &comments[at];
        let replies_end = (at + 1 + comment.descendants as usize).min(comments.len());
        views.push(render_comment(comment, &comments[at + 1..replies_end], now));
        at = replies_end;
    }
    views.into_any()
}

fn render_comment(comment: &Comment, replies: &[Comment], now: i64) -> AnyView {
    let anchor = format!("c{}", comment.id);
    let (state, byline) = match comment.state {
        CommentState::Live => {
            let by = comment.by.clone().unwrap_or_else(|| "[unknown]".to_string());
            let byline = view! {
                <a href=format!("/user/{by}") class="author">{by.clone()}</a>
                " "
                <a href=format!("#{anchor}") class="age">{time_ago(now, comment.time)}</a>
            };
            ("live", byline.into_any())
        }
        CommentState::Deleted => (
            "deleted",
            view! { <span class="placeholder">"[deleted]"</span> }.into_any(),
        ),
        CommentState::Dead => ("dead", view! { <span class="placeholder">"[dead]"</span> }.into_any()),
    };
    let hidden = match replies.len() {
        0 => "(hidden)".to_string(),
        1 => "(1 reply hidden)".to_string(),
        n => format!("({n} replies hidden)"),
    };
    view! {
        <li class="comment" id=anchor data-state=state>
            <div class="comment-head">{byline} " " <span class="collapsed-count">{hidden}</span></div>
            <details open>
                <summary>
                    <span class="toggle" aria-hidden="true"></span>
                    <span class="visually-hidden">"Show or hide this comment and its replies"</span>
                </summary>
                {(comment.state == CommentState::Live)
                    .then(|| view! { <div class="text" inner_html=comment.html.clone()></div> })}
                {(!replies.is_empty()).then(|| view! { <ul class="replies">{render_level(replies, now)}</ul> })}
            </details>
        </li>
    }
    .into_any()
}
