//! The rendered-page cache, through the real server: hits are not rendered again, each response
//! has a nonce of its own, every coding carries the same page, and only fresh pages are kept.
#![cfg(feature = "fake-hn")]

mod common;

use std::io::Read;
use std::time::Duration;

use common::{TestApp, spawn_app_with};
use hn_reader::server::fake_hn::Mode;

async fn app_with_page_cache() -> TestApp {
    spawn_app_with(|c| c.page_cache_ttl = Duration::from_secs(60)).await
}

/// The nonce a page's CSP header names, and the ones its HTML carries.
fn nonces(csp: &str, html: &str) -> (String, Vec<String>) {
    let start = csp.find("'nonce-").expect("a nonce in the CSP") + "'nonce-".len();
    let header = csp[start..start + csp[start..].find('\'').unwrap()].to_string();
    let in_html = html
        .match_indices("nonce=\"")
        .map(|(at, m)| {
            let rest = &html[at + m.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect();
    (header, in_html)
}

async fn page_cache_stats(app: &TestApp) -> serde_json::Value {
    app.get_json("/status.json").await["page_cache"].clone()
}

#[tokio::test]
async fn a_second_view_is_a_hit_with_a_nonce_of_its_own() {
    let app = app_with_page_cache().await;
    let mut seen = Vec::new();
    for _ in 0..3 {
        let response = app.get("/item/10000").await;
        assert_eq!(response.status(), 200);
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        let html = response.text().await.unwrap();
        let (header, in_html) = nonces(&csp, &html);
        assert!(!in_html.is_empty(), "the hydration scripts carry the nonce");
        assert!(
            in_html.iter().all(|n| *n == header),
            "HTML and CSP disagree: {header} vs {in_html:?}"
        );
        assert!(!seen.contains(&header), "nonce {header} served twice");
        assert_eq!(html.matches(r#"<li class="comment""#).count(), 400);
        seen.push(header);
    }
    let stats = page_cache_stats(&app).await;
    assert_eq!(
        (stats["misses"].as_u64(), stats["hits"].as_u64()),
        (Some(1), Some(2)),
        "{stats}"
    );
    assert_eq!(stats["renders"], 1);
}

#[tokio::test]
async fn gzip_and_brotli_carry_the_same_page_as_identity() {
    let app = app_with_page_cache().await;
    let fetch = |coding: &'static str| {
        let request = app
            .client
            .get(format!("{}/", app.url))
            .header("accept-encoding", coding);
        async move {
            let response = request.send().await.unwrap();
            let encoding = response
                .headers()
                .get("content-encoding")
                .map(|v| v.to_str().unwrap().to_string());
            let csp = response.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .to_string();
            (encoding, csp, response.bytes().await.unwrap().to_vec())
        }
    };
    let (none, plain_csp, plain) = fetch("identity").await;
    assert_eq!(none, None);
    let (gzip, gzip_csp, gzipped) = fetch("gzip").await;
    let (br, br_csp, brotli) = fetch("br, gzip").await;
    assert_eq!((gzip.as_deref(), br.as_deref()), (Some("gzip"), Some("br")));

    let mut from_gzip = Vec::new();
    flate2::read::GzDecoder::new(&gzipped[..])
        .read_to_end(&mut from_gzip)
        .expect("valid gzip, CRC and length included");
    let mut from_brotli = Vec::new();
    brotli::Decompressor::new(&brotli[..], 4096)
        .read_to_end(&mut from_brotli)
        .expect("valid brotli");
    // The same page, each with its own response's nonce.
    let normalise = |csp: &str, body: &[u8]| {
        let html = String::from_utf8(body.to_vec()).unwrap();
        let (nonce, _) = nonces(csp, &html);
        html.replace(&nonce, "NONCE")
    };
    let page = normalise(&plain_csp, &plain);
    assert!(page.contains(r#"nonce="NONCE""#));
    assert_eq!(normalise(&gzip_csp, &from_gzip), page);
    assert_eq!(normalise(&br_csp, &from_brotli), page);
    assert!(gzipped.len() < plain.len() / 3 && brotli.len() < gzipped.len());
}

#[tokio::test]
async fn errors_server_functions_and_odd_queries_are_not_kept_and_stale_pages_only_briefly() {
    let app = spawn_app_with(|c| {
        c.page_cache_ttl = Duration::from_secs(60);
        c.list_ttl = Duration::ZERO;
        c.item_ttl = Duration::ZERO;
        c.upstream.breaker_threshold = 1_000;
    })
    .await;
    // Warm the data caches without keeping the page (an odd query), then go down.
    assert_eq!(app.get("/?utm_source=x").await.status(), 200);
    app.fake.set_mode(Mode::Down);
    assert_eq!(app.get("/item/10050").await.status(), 503);
    let server_fn = app
        .client
        .post(format!("{}/api/stories", app.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("kind=Top")
        .send()
        .await
        .unwrap();
    assert_eq!(server_fn.status(), 200);
    let stats = page_cache_stats(&app).await;
    assert_eq!(
        (stats["entries"].as_u64(), stats["uncacheable"].as_u64()),
        (Some(0), Some(1)),
        "{stats}"
    );

    // A stale page is kept, with its short CDN lifetime, so an outage costs no render per view.
    for _ in 0..2 {
        let response = app.get("/").await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["cache-control"], "public, max-age=0, s-maxage=5");
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("Hacker News is unreachable right now")
        );
    }
    let stats = page_cache_stats(&app).await;
    assert_eq!(
        (stats["renders"].as_u64(), stats["hits"].as_u64()),
        (Some(2), Some(1)),
        "{stats}"
    );

    // Back up: within a second the stale render expires and the next one is fresh. Each try is
    // a real view.
    app.fake.set_mode(Mode::Up);
    tokio::time::timeout(Duration::from_secs(30), async {
        while app.get_text("/").await.1.contains("Hacker News is unreachable") {}
    })
    .await
    .expect("the stale page outlived its second");
    let response = app.get("/").await;
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=0, s-maxage=30, stale-while-revalidate=300"
    );
}

#[tokio::test]
async fn concurrent_first_views_render_once() {
    let app = std::sync::Arc::new(app_with_page_cache().await);
    // Slow upstream, so every view arrives while the first render is still running.
    app.fake.set_delay(Duration::from_millis(200));
    let views: Vec<_> = (0..20)
        .map(|_| {
            let app = std::sync::Arc::clone(&app);
            tokio::spawn(async move { app.get_text("/user/pg").await })
        })
        .collect();
    for view in views {
        let (status, html) = view.await.unwrap();
        assert_eq!(status, 200);
        assert!(html.contains(r#"class="user""#));
    }
    let stats = page_cache_stats(&app).await;
    assert_eq!(stats["misses"].as_u64().unwrap() + stats["hits"].as_u64().unwrap(), 20);
    assert_eq!(stats["renders"], 1, "{stats}");
}
