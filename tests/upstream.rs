//! Upstream outages, stalls and hostile data, through the real server.
#![cfg(feature = "fake-hn")]

mod common;

use std::time::Duration;

use common::{spawn_app, spawn_app_with};
use hn_reader::server::fake_hn::Mode;

#[tokio::test]
async fn an_outage_serves_stale_data_with_a_notice() {
    // Zero TTLs: every later view must go back to the upstream.
    let app = spawn_app_with(|c| {
        c.list_ttl = Duration::ZERO;
        c.item_ttl = Duration::ZERO;
    })
    .await;
    let (status, fresh) = app.get_text("/").await;
    assert_eq!(status, 200);
    assert!(!fresh.contains("Hacker News is unreachable"));

    app.fake.set_mode(Mode::Down);
    let response = app.get("/").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "public, max-age=0, s-maxage=5");
    let stale = response.text().await.unwrap();
    assert!(
        stale.contains("Hacker News is unreachable right now. Showing saved data from"),
        "no notice"
    );
    assert_eq!(stale.matches(r#"class="story""#).count(), 30, "stale stories missing");

    app.fake.set_mode(Mode::Up);
    let (_, recovered) = app.get_text("/").await;
    assert!(
        !recovered.contains("Hacker News is unreachable"),
        "notice stayed after recovery"
    );
}

#[tokio::test]
async fn an_outage_with_nothing_cached_is_a_503_page() {
    let app = spawn_app().await;
    app.fake.set_mode(Mode::Down);
    for path in ["/", "/item/10000", "/user/pg"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 503, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-store");
        let html = response.text().await.unwrap();
        assert!(html.contains("Hacker News is unavailable"), "{path}: no error page");
    }
}

#[tokio::test]
async fn a_stalled_upstream_gets_a_503_within_the_upstream_timeout() {
    let app = spawn_app_with(|c| c.upstream.timeout = Duration::from_millis(300)).await;
    app.fake.set_mode(Mode::Stall);
    let started = std::time::Instant::now();
    let response = app.get("/").await;
    assert_eq!(response.status(), 503);
    // Bounded by the upstream timeout, not by the stall (which never ends).
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_broken_item_is_left_out_and_the_rest_of_the_page_renders() {
    let app = spawn_app().await;
    app.fake
        .set_override("item/10001.json", r#"{"id": 10001, "title": "trunc"#);
    app.fake.set_override("item/10002.json", r#"[1, 2, 3]"#);
    app.fake.set_override(
        "item/10003.json",
        format!(r#"{{"id": 10003, "text": "{}"}}"#, "x".repeat(3 << 20)),
    );
    let (status, html) = app.get_text("/").await;
    assert_eq!(status, 200);
    assert_eq!(html.matches(r#"class="story""#).count(), 27);
    assert!(html.contains("3 stories on this page could not be loaded from Hacker News."));
    assert_eq!(app.get("/item/10001").await.status(), 502);
}

#[tokio::test]
async fn hostile_content_never_becomes_script_or_a_dangerous_link() {
    let app = spawn_app().await;
    app.fake.set_override(
        "item/10001.json",
        r#"{"id": 10001, "type": "story", "by": "<script>alert(1)</script>", "time": 1,
            "title": "</title><script>alert('title')</script><img src=x onerror=alert(1)>",
            "url": "javascript:alert(document.cookie)", "score": 5, "descendants": 2, "kids": [50, 51],
            "text": "<p onclick=\"alert(1)\">hi<script>alert(2)</script><a href=\"javascript:alert(3)\">x</a><a href=\"data:text/html,<script>alert(4)</script>\">y</a><iframe src=\"https://evil.example\"></iframe></p>"}"#,
    );
    app.fake.set_override(
        "item/50.json",
        r#"{"id": 50, "type": "comment", "by": "u", "time": 1, "parent": 10001, "kids": [51, 10001],
            "text": "<svg onload=alert(5)></svg><a href=\" javascript:alert(6)\">z</a><style>body{display:none}</style>"}"#,
    );
    app.fake.set_override(
        "item/51.json",
        r#"{"id": 51, "type": "comment", "by": "u", "time": "later", "parent": 50, "kids": [50, null, "x"],
            "text": 12345, "score": {"nested": true}}"#,
    );
    app.fake
        .set_override("topstories.json", "[10001, null, \"junk\", 10002, -5, 1.5]");
    for path in ["/", "/item/10001", "/user/user1"] {
        let (status, html) = app.get_text(path).await;
        assert_eq!(status, 200, "{path}");
        assert_no_script_from_data(path, &html);
    }
    let (_, item) = app.get_text("/item/10001").await;
    assert!(
        item.contains("&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;")
            || item.contains("&lt;script&gt;alert('title')"),
        "title not shown as text"
    );
    assert_eq!(
        item.matches(r#"class="comment""#).count(),
        2,
        "the cycle 50 -> 51 -> 50 is shown once"
    );
}

/// Every `<script` must be one of ours (it carries the nonce); no tag from data may carry an
/// event handler, a script-scheme link, or be an embedding element. Text that merely reads
/// like markup (escaped) is fine.
fn assert_no_script_from_data(path: &str, html: &str) {
    for tag in tags(html) {
        let lower = tag.to_ascii_lowercase();
        let name: String = lower[1..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        if name == "script" {
            assert!(lower.contains("nonce="), "{path}: script without nonce: {tag}");
        }
        assert!(
            !["iframe", "svg", "style", "img", "object", "embed"].contains(&name.as_str()),
            "{path}: {tag}"
        );
        for attr in lower.split_whitespace().skip(1) {
            assert!(!attr.starts_with("on"), "{path}: event handler in {tag}");
        }
        for scheme in ["javascript:", "data:", "vbscript:"] {
            assert!(
                !lower.contains(&format!("href=\"{scheme}")),
                "{path}: {scheme} link in {tag}"
            );
            assert!(
                !lower.contains(&format!("href=\" {scheme}")),
                "{path}: {scheme} link in {tag}"
            );
        }
    }
}

/// The start tags of an HTML document, as written.
fn tags(html: &str) -> impl Iterator<Item = &str> {
    html.match_indices('<').filter_map(move |(at, _)| {
        let rest = &html[at..];
        let is_tag = rest[1..].starts_with(|c: char| c.is_ascii_alphabetic());
        let end = rest.find('>')?;
        is_tag.then(|| &rest[..=end])
    })
}
