use std::fmt::Write;

use leptos::prelude::*;

use crate::model::{Comment, CommentState, time_ago};

/// A comment thread from its flattened form. Each comment's body and replies sit in a
/// `<details>`, so threads collapse natively: with JavaScript off, and without a signal per
/// comment when hydrated. The author and time links stay outside `<summary>`, which must not
/// hold interactive content.
///
/// The tree is written as one HTML string by a loop, not as nested views: no upstream shape can
/// deepen the stack, thousands of comments cost one allocation, and hydration skips it whole.
#[component]
pub fn CommentThread(comments: Vec<Comment>, now: i64) -> impl IntoView {
    view! { <ul class="comments" aria-label="Comments" inner_html=thread_html(&comments, now)></ul> }
}

/// The `<li>` elements of a flattened thread, nested by `descendants`. Comment HTML is already
/// sanitised; everything else is escaped here.
pub fn thread_html(comments: &[Comment], now: i64) -> String {
    let mut html = String::with_capacity(comments.iter().map(|c| c.html.len() + 640).sum());
    // Where each open comment's replies end, and whether it opened a `<ul>` for them.
    let mut open: Vec<(usize, bool)> = Vec::new();
    for (at, comment) in comments.iter().enumerate() {
        close_ended(&mut html, &mut open, at);
        // Replies end with their parent's at the latest, so the tags always nest.
        let parent_end = open.last().map_or(comments.len(), |&(end, _)| end);
        let replies = (comment.descendants as usize).min(parent_end - at - 1);
        open_comment(&mut html, comment, replies, now);
        open.push((at + 1 + replies, replies > 0));
    }
    close_ended(&mut html, &mut open, usize::MAX);
    html
}

fn close_ended(html: &mut String, open: &mut Vec<(usize, bool)>, at: usize) {
    while let Some(&(end, has_replies)) = open.last() {
        if end > at {
            break;
        }
        open.pop();
        html.push_str(if has_replies {
            "</ul></details></li>"
        } else {
            "</details></li>"
        });
    }
}

fn open_comment(html: &mut String, comment: &Comment, replies: usize, now: i64) {
    let id = comment.id;
    let state = match comment.state {
        CommentState::Live => "live",
        CommentState::Deleted => "deleted",
        CommentState::Dead => "dead",
    };
    // Writing to a String cannot fail.
    let _ = write!(
        html,
        r#"<li class="comment" id="c{id}" data-state="{state}"><div class="comment-head">"#
    );
    match (comment.state, &comment.by) {
        (CommentState::Live, Some(by)) => {
            let by = escape(by);
            let _ = write!(html, r#"<a href="/user/{by}" class="author">{by}</a> "#);
        }
        (CommentState::Live, None) => html.push_str(r#"<span class="author">[unknown]</span> "#),
        (CommentState::Deleted, _) => html.push_str(r#"<span class="placeholder">[deleted]</span> "#),
        (CommentState::Dead, _) => html.push_str(r#"<span class="placeholder">[dead]</span> "#),
    }
    if comment.state == CommentState::Live {
        let _ = write!(
            html,
            r##"<a href="#c{id}" class="age">{}</a> "##,
            time_ago(now, comment.time)
        );
    }
    let hidden = match replies {
        0 => "(hidden)".to_string(),
        1 => "(1 reply hidden)".to_string(),
        n => format!("({n} replies hidden)"),
    };
    let _ = write!(
        html,
        r#"<span class="collapsed-count">{hidden}</span></div><details open><summary aria-label="Show or hide this comment and its replies"></summary>"#
    );
    if comment.state == CommentState::Live {
        let _ = write!(html, r#"<div class="text">{}</div>"#, comment.html);
    }
    if replies > 0 {
        html.push_str(r#"<ul class="replies">"#);
    }
}

/// Escapes text for an HTML attribute or element.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment(id: u64, depth: u16, descendants: u32) -> Comment {
        Comment {
            id,
            depth,
            descendants,
            by: Some(format!("user{id}")),
            time: 0,
            html: format!("<p>text {id}</p>"),
            state: CommentState::Live,
        }
    }

    #[test]
    fn replies_nest_inside_their_parent_and_siblings_follow() {
        let html = thread_html(
            &[comment(1, 0, 2), comment(2, 1, 1), comment(3, 2, 0), comment(4, 0, 0)],
            100,
        );
        let order: Vec<usize> = ["id=\"c1\"", "id=\"c2\"", "id=\"c3\"", "id=\"c4\""]
            .iter()
            .map(|id| html.find(id).unwrap())
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{html}");
        let c3 = html.find("id=\"c3\"").unwrap();
        let c4 = html.find("id=\"c4\"").unwrap();
        assert_eq!(
            html[c3..c4].matches("</ul></details></li>").count(),
            2,
            "c3's end closes c2 and c1 before c4 opens: {html}"
        );
        assert_eq!(html.matches("<li ").count(), 4);
        assert_eq!(html.matches("</li>").count(), 4);
        assert_eq!(html.matches("<ul").count(), html.matches("</ul>").count());
        assert!(html.contains("(2 replies hidden)"));
    }

    #[test]
    fn a_comment_without_an_author_links_to_no_user() {
        let mut anonymous = comment(5, 0, 0);
        anonymous.by = None;
        let html = thread_html(&[anonymous], 0);
        assert!(!html.contains("/user/"), "{html}");
        assert!(html.contains(r#"<span class="author">[unknown]</span>"#));
    }

    #[test]
    fn placeholders_have_no_text_or_byline() {
        let mut gone = comment(6, 0, 0);
        gone.state = CommentState::Deleted;
        let html = thread_html(&[gone], 0);
        assert!(html.contains("[deleted]") && !html.contains("text 6") && !html.contains("/user/"));
    }

    #[test]
    fn descendant_counts_past_their_parent_are_clamped() {
        let html = thread_html(&[comment(1, 0, 99)], 0);
        assert_eq!(html.matches("</li>").count(), 1);
        assert_eq!(html.matches("<ul").count(), html.matches("</ul>").count());
        // c2 claims three replies but its parent c1 holds only c2 and c3.
        let html = thread_html(
            &[comment(1, 0, 2), comment(2, 1, 3), comment(3, 2, 0), comment(4, 0, 0)],
            0,
        );
        let c4 = html.find(r#"<li class="comment" id="c4""#).unwrap();
        let before = &html[..c4];
        assert_eq!(before.matches("<li ").count(), 3);
        assert_eq!(
            before.matches("</li>").count(),
            3,
            "c1 is closed before c4 opens: {html}"
        );
    }

    #[test]
    fn text_outside_the_sanitised_body_is_escaped() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
