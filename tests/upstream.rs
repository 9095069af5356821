//! Upstream outages, stalls and hostile data, through the real server.
#![cfg(feature = "fake-hn")]

mod common;

use std::time::Duration;

use common::{spawn_app, spawn_app_with};
use hn_reader::server::fake_hn::Mode;

#[tokio::test]
async fn an_outage_serves_stale_data_with_a_notice() {
    // Zero TTLs: every later view must go back to the upstream. The breaker has tests of its
    // own; here it must not hold the recovered upstream off.
    let app = spawn_app_with(|c| {
        c.list_ttl = Duration::ZERO;
        c.item_ttl = Duration::ZERO;
        c.upstream.breaker_threshold = 1_000;
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

    // After a failed refresh, views take the saved data at once and refresh it behind them,
    // so the views right after the upstream recovers may still be stale; each one refreshes.
    app.fake.set_mode(Mode::Up);
    let mut views = 0;
    while app.get_text("/").await.1.contains("Hacker News is unreachable") {
        views += 1;
        assert!(views < 20, "the notice stayed for {views} views after recovery");
    }
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
    // Bounded by the upstream timeout, not by the stall (which never ends).
    let response = tokio::time::timeout(Duration::from_secs(60), app.get("/"))
        .await
        .expect("the stall held the page");
    assert_eq!(response.status(), 503);
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

#[tokio::test]
async fn dead_and_deleted_stories_are_left_out_quietly() {
    let app = spawn_app().await;
    // The whole first page of the top list: dead, deleted, or gone (HN's null).
    let page: Vec<(String, String)> = (10_000u64..10_030)
        .map(|id| {
            let body = match id % 3 {
                0 => format!(r#"{{"id": {id}, "type": "story", "title": "flagged", "dead": true}}"#),
                1 => format!(r#"{{"id": {id}, "type": "story", "deleted": true}}"#),
                _ => "null".to_string(),
            };
            (format!("item/{id}.json"), body)
        })
        .collect();
    app.fake.set_overrides(page);
    let (status, html) = app.get_text("/").await;
    assert_eq!(status, 200, "nothing failed, so nothing is wrong");
    assert!(html.contains("There are no stories in this list right now."));
    assert!(!html.contains("could not be loaded"), "dead stories are not failures");

    // A story failing to load is said, and the rest of the page still renders.
    let fresh = spawn_app().await;
    fresh.fake.set_override("item/10000.json", "{broken");
    fresh
        .fake
        .set_override("item/10001.json", r#"{"id": 10001, "type": "story", "dead": true}"#);
    let (status, html) = fresh.get_text("/").await;
    assert_eq!(status, 200);
    assert_eq!(html.matches(r#"class="story""#).count(), 28);
    assert!(html.contains("1 story on this page could not be loaded"), "{html}");
}

#[tokio::test]
async fn an_item_without_a_valid_author_links_to_no_user_and_says_no_dangling_by() {
    let app = spawn_app().await;
    app.fake.set_override(
        "item/10001.json",
        r#"{"id": 10001, "type": "story", "title": "Anonymous", "score": 5, "time": 1, "kids": [7000001, 7000002]}"#,
    );
    app.fake.set_override(
        "item/7000001.json",
        r#"{"id": 7000001, "type": "comment", "by": "[unknown]", "time": 2, "text": "<p>who?</p>"}"#,
    );
    app.fake.set_override(
        "item/7000002.json",
        r#"{"id": 7000002, "type": "comment", "time": 2, "text": "<p>nobody</p>"}"#,
    );
    let (status, html) = app.get_text("/item/10001").await;
    assert_eq!(status, 200);
    assert!(!html.contains("/user/["), "a link to an invalid user: {html}");
    assert_eq!(html.matches(r#"<span class="author">[unknown]</span>"#).count(), 2);
    assert!(!html.contains(" by <"), "a dangling \"by\"");

    let (_, list) = app.get_text("/").await;
    let row_start = list.find(">Anonymous</a>").expect("the story is listed");
    let row = &list[row_start..row_start + list[row_start..].find("</li>").unwrap()];
    assert!(row.contains("5 points") && !row.contains(" by "), "{row}");
}

#[tokio::test]
async fn a_probe_into_a_stalled_upstream_keeps_no_view_waiting() {
    let app = spawn_app_with(|c| {
        c.list_ttl = Duration::ZERO;
        c.item_ttl = Duration::ZERO;
        c.upstream.breaker_threshold = 1;
        // A probe is due at every call while the breaker is open, and a probe into the stall
        // would hold whoever waits on it for ten minutes.
        c.upstream.breaker_probe_interval = Duration::ZERO;
        c.upstream.timeout = Duration::from_secs(600);
        c.upstream.page_time = Duration::from_secs(600);
    })
    .await;
    assert_eq!(app.get("/").await.status(), 200);
    // Refused answers open the breaker at once; then the upstream stalls.
    app.fake.set_mode(Mode::Down);
    let (status, html) = app.get_text("/").await;
    assert_eq!(status, 200);
    assert!(html.contains("Hacker News is unreachable right now"));
    app.fake.set_mode(Mode::Stall);
    let calls = app.fake.calls();
    for view in 0..5 {
        let (status, html) = tokio::time::timeout(Duration::from_secs(30), app.get_text("/"))
            .await
            .unwrap_or_else(|_| panic!("view {view} waited on the breaker's probe"));
        assert_eq!(status, 200);
        assert!(html.contains("Hacker News is unreachable right now"));
    }
    // The probe went, once: it stalls on its own task, and no other call goes while it does.
    app.fake.wait_for_calls(calls + 1).await;
    assert_eq!(app.fake.calls(), calls + 1);
}

#[tokio::test]
async fn once_a_read_fails_the_rest_of_the_page_comes_from_the_cache_at_once() {
    // Every read is past its cache's lifetime, and a refresh that reaches the stalled upstream
    // waits ten minutes: a page that waits on one outlasts the bound below.
    let app = spawn_app_with(|c| {
        c.list_ttl = Duration::ZERO;
        c.item_ttl = Duration::ZERO;
        c.upstream.timeout = Duration::from_secs(600);
        c.upstream.page_time = Duration::from_secs(600);
        c.upstream.breaker_threshold = 1_000;
    })
    .await;
    let (_, fresh_list) = app.get_text("/").await;
    let (_, fresh_thread) = app.get_text("/item/10000").await;
    // The first read of each page fails at once (an unusable answer); everything else stalls.
    app.fake.set_override("topstories.json", "{broken");
    app.fake.set_override("item/10000.json", "{broken");
    app.fake.set_mode(Mode::Stall);
    for (path, fresh) in [("/", fresh_list), ("/item/10000", fresh_thread)] {
        let (status, html) = tokio::time::timeout(Duration::from_secs(30), app.get_text(path))
            .await
            .unwrap_or_else(|_| panic!("{path} waited on the stalled upstream"));
        assert_eq!(status, 200, "{path}: {html}");
        assert!(
            html.contains("Hacker News is unreachable right now"),
            "{path}: no notice"
        );
        for marker in [r#"class="story""#, r#"class="comment""#] {
            assert_eq!(
                html.matches(marker).count(),
                fresh.matches(marker).count(),
                "{path}: {marker}"
            );
        }
    }
}

#[tokio::test]
async fn a_stalled_upstream_opens_the_breaker_and_then_nothing_waits_for_it() {
    let app = spawn_app_with(|c| {
        // Every view goes back to the upstream, and each call gives up quickly.
        c.list_ttl = Duration::ZERO;
        c.item_ttl = Duration::ZERO;
        c.upstream.timeout = Duration::from_millis(200);
        c.upstream.breaker_threshold = 3;
        // No probe during the test.
        c.upstream.breaker_probe_interval = Duration::from_secs(600);
    })
    .await;
    assert_eq!(app.get("/").await.status(), 200);
    app.fake.set_mode(Mode::Stall);
    // The first view waits out its list's timeout and serves the rest stale at once; its
    // items' refreshes time out in the background.
    let (status, html) = app.get_text("/").await;
    assert_eq!(status, 200);
    assert!(html.contains("Hacker News is unreachable right now"));
    // A page with nothing cached waits on its own call, which started after those refreshes:
    // once it has timed out, so have they, and their failures have opened the breaker.
    assert_eq!(app.get("/item/10049").await.status(), 503);
    let report = app.get_json("/status.json").await;
    assert_eq!(report["upstream"]["breaker"]["state"], "Open", "{report}");

    let calls = app.fake.calls();
    for _ in 0..10 {
        let (status, html) = app.get_text("/").await;
        assert_eq!(status, 200);
        assert!(html.contains("Hacker News is unreachable right now"));
    }
    // A page with nothing cached: 503 at once, with a hint when to retry.
    let cold = app.get("/item/10050").await;
    assert_eq!(cold.status(), 503);
    assert!(cold.headers().contains_key("retry-after"));
    assert!(cold.text().await.unwrap().contains("failed repeatedly"));
    assert_eq!(app.fake.calls(), calls, "an open breaker sends nothing upstream");

    let metrics = app
        .client
        .get(format!("{}/metrics", app.metrics_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("hn_upstream_breaker_state 1"), "{metrics}");
    assert!(metrics.contains(r#"hn_upstream_requests_total{outcome="circuit_open"}"#));
}

#[tokio::test]
async fn past_the_upstream_queue_a_page_is_shed_with_503_and_retry_after() {
    use hn_reader::server::admission::GateLimits;
    let app = std::sync::Arc::new(
        spawn_app_with(|c| {
            c.upstream.gate = GateLimits {
                capacity: 1,
                max_queue: 0,
                max_wait: Duration::from_millis(100),
            };
        })
        .await,
    );
    // One slow view holds the only upstream slot...
    app.fake.set_delay(Duration::from_millis(500));
    let holder = tokio::spawn({
        let app = std::sync::Arc::clone(&app);
        async move { app.get("/item/10000").await.status() }
    });
    tokio::time::timeout(
        Duration::from_secs(30),
        app.fake.wait_for_paths(&["item/10000.json".to_string()]),
    )
    .await
    .expect("the first view reached the upstream");
    // ...so a second cold page is turned away at once instead of queueing.
    let shed = app.get("/user/pg").await;
    assert_eq!(shed.status(), 503);
    assert_eq!(shed.headers()["retry-after"], "1");
    assert!(shed.text().await.unwrap().contains("This server is busy"));
    assert_eq!(holder.await.unwrap(), 200, "the view holding the slot finishes");
    let report = app.get_json("/status.json").await;
    assert!(
        report["upstream"]["concurrency"]["shed_total"].as_u64() >= Some(1),
        "{report}"
    );
}
