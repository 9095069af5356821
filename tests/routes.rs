//! Every route over real HTTP on loopback, against the fake upstream.
#![cfg(feature = "fake-hn")]

mod common;

use common::{WASM_ASSET, WASM_BYTES, spawn_app};

#[tokio::test]
async fn every_route_answers_with_the_right_status() {
    let app = spawn_app().await;
    for (path, status) in [
        ("/", 200),
        ("/new", 200),
        ("/best", 200),
        ("/ask", 200),
        ("/show", 200),
        ("/jobs", 200),
        ("/?page=2", 200),
        ("/?page=3", 200),
        ("/?page=4", 404),
        ("/?page=0", 404),
        ("/?page=-1", 404),
        ("/?page=abc", 404),
        ("/?page=99999999999999999999999", 404),
        ("/item/10000", 200),
        ("/item/10001", 200),
        ("/item/20000", 200),
        ("/item/999999999", 404),
        ("/item/abc", 404),
        ("/item/-1", 404),
        ("/user/user1", 200),
        ("/user/pg", 200),
        ("/user/nobody", 404),
        ("/user/a%20b", 404),
        ("/user/..%2F..%2Fetc", 404),
        ("/no/such/page", 404),
        ("/robots.txt", 200),
        ("/healthz", 200),
        ("/readyz", 200),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status().as_u16(), status, "GET {path}");
    }
}

#[tokio::test]
async fn the_server_rendered_list_holds_the_stories() {
    let app = spawn_app().await;
    let (status, html) = app.get_text("/").await;
    assert_eq!(status, 200);
    assert_eq!(html.matches(r#"class="story""#).count(), 30);
    assert!(
        html.contains("Ask HN: A fast Rust web framework? (0)"),
        "first story missing"
    );
    assert!(html.contains(r#"href="https://www.example.org/articles/1""#));
    assert!(html.contains("(example.org)"));
    assert!(html.contains("400 comments"));
    assert!(html.contains(r#"href="/user/user0""#));
    assert!(html.contains("Page 1 of 3"));
    // Page 2 starts at rank 31.
    let (_, page2) = app.get_text("/?page=2").await;
    assert!(page2.contains(r#"start="31""#), "page 2 does not start at 31");
    assert!(page2.contains("A tour of the Linux scheduler (53)") || page2.contains("(30)"));
}

#[tokio::test]
async fn an_item_page_renders_the_whole_thread_with_placeholders() {
    let app = spawn_app().await;
    let (status, html) = app.get_text("/item/10000").await;
    assert_eq!(status, 200);
    assert_eq!(html.matches(r#"class="comment""#).count(), 400);
    assert_eq!(html.matches("[deleted]").count(), 1);
    assert_eq!(html.matches("[dead]").count(), 1);
    assert!(html.contains("Curious what everyone thinks about A fast Rust web framework."));
    // A text post links its title nowhere, and HN's anchors survive sanitising with rel set.
    assert!(html.contains(r#"<a href="https://example.com/ref/1000000" rel="nofollow noopener noreferrer">"#));
}

#[tokio::test]
async fn a_user_page_shows_karma_created_and_about() {
    let app = spawn_app().await;
    let (status, html) = app.get_text("/user/pg").await;
    assert_eq!(status, 200);
    assert!(html.contains(">pg</h1>"));
    assert!(html.contains("Karma"));
    assert!(html.contains("<p>Fixture account <i>pg</i>.</p>"));
}

#[tokio::test]
async fn a_cache_hit_makes_no_upstream_call() {
    let app = spawn_app().await;
    assert_eq!(app.get("/").await.status(), 200);
    let after_first = app.fake.calls();
    assert_eq!(after_first, 31, "one list call and 30 item calls");
    assert_eq!(app.get("/").await.status(), 200);
    assert_eq!(app.get("/?page=1").await.status(), 200);
    assert_eq!(app.fake.calls(), after_first, "the second view was served from cache");
}

#[tokio::test]
async fn concurrent_cold_requests_share_upstream_calls() {
    let app = spawn_app().await;
    app.fake.set_delay(std::time::Duration::from_millis(50));
    let requests = (0..20).map(|_| app.get("/item/10001"));
    for response in futures::future::join_all(requests).await {
        assert_eq!(response.status(), 200);
    }
    // The story, its one comment and that comment's one reply: three documents, once each.
    assert_eq!(app.fake.calls(), 3);
}

#[tokio::test]
async fn hashed_assets_are_immutable_and_precompressed() {
    let app = spawn_app().await;
    let path = format!("/pkg/{WASM_ASSET}");
    let br = app
        .client
        .get(format!("{}{path}", app.url))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(br.status(), 200);
    assert_eq!(br.headers()["content-encoding"], "br");
    assert_eq!(br.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(br.bytes().await.unwrap().as_ref(), b"brotli bytes");

    let plain = app
        .client
        .get(format!("{}{path}", app.url))
        .header("accept-encoding", "identity")
        .send()
        .await
        .unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(plain.bytes().await.unwrap().as_ref(), WASM_BYTES);

    let missing = app.get("/pkg/hn-reader.deadbeef.wasm").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn html_is_cdn_cacheable_and_errors_are_not() {
    let app = spawn_app().await;
    let page = app.get("/").await;
    assert_eq!(
        page.headers()["cache-control"],
        "public, max-age=0, s-maxage=30, stale-while-revalidate=300"
    );
    for probe in ["/healthz", "/readyz", "/status.json"] {
        assert_eq!(app.get(probe).await.headers()["cache-control"], "no-store", "{probe}");
    }
    assert_eq!(
        app.get("/robots.txt").await.headers()["cache-control"],
        "public, max-age=3600"
    );
}

#[tokio::test]
async fn server_functions_answer_json_and_refuse_bad_input() {
    let app = spawn_app().await;
    let post = |body: String| {
        app.client
            .post(format!("{}/api/stories", app.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let ok = post("kind=Top&page=2".into()).await.unwrap();
    assert_eq!(ok.status(), 200);
    let json: serde_json::Value = serde_json::from_str(&ok.text().await.unwrap()).unwrap();
    assert_eq!(json["first_rank"], 31);
    assert_eq!(json["stories"].as_array().map(Vec::len), Some(30));

    let out_of_range = post("kind=Top&page=9".into()).await.unwrap();
    assert_eq!(out_of_range.status(), 404);

    let bad_kind = post("kind=Nope".into()).await.unwrap();
    assert_eq!(bad_kind.status(), 400, "an unknown list kind is the client's mistake");

    let huge = post(format!("kind=Top&page={}", "1".repeat(64 * 1024))).await.unwrap();
    assert_eq!(huge.status(), 413);

    let unknown = app.client.post(format!("{}/api/nope", app.url)).send().await.unwrap();
    assert!(
        unknown.status().is_client_error(),
        "unknown server function: {}",
        unknown.status()
    );
}

#[tokio::test]
async fn the_service_worker_is_revalidated_every_visit_and_may_only_fetch_from_its_origin() {
    let app = spawn_app().await;
    let worker = app.get("/sw.js").await;
    assert_eq!(worker.status(), 200);
    assert_eq!(worker.headers()["content-type"], "text/javascript; charset=utf-8");
    assert_eq!(worker.headers()["cache-control"], "no-cache");
    assert_eq!(
        worker.headers()["content-security-policy"],
        "default-src 'none'; connect-src 'self'"
    );
    let script = worker.text().await.unwrap();
    assert!(
        script.contains(r#""/pkg/hn-reader.css""#),
        "the build's stylesheet is pre-cached"
    );

    let icon = app.get("/icons/icon-512.png").await;
    assert_eq!(icon.status(), 200);
    assert_eq!(icon.headers()["content-type"], "image/png");
    assert_eq!(app.get("/icons/../favicon.svg").await.status(), 404);
    assert_eq!(app.get("/icons/nope.png").await.status(), 404);
}

#[tokio::test]
async fn pages_link_the_manifest_and_register_the_worker_under_their_own_nonce() {
    let app = spawn_app().await;
    let page = app.get("/").await;
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(
        csp.contains("worker-src 'self';") && csp.contains("manifest-src 'self';"),
        "{csp}"
    );
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in the CSP")
        .to_string();
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"<link rel="manifest" href="/manifest.webmanifest">"#));
    let registration = format!(r#"<script nonce="{nonce}">if("serviceWorker"in navigator)"#);
    assert!(
        html.contains(&registration),
        "registration script without this response's nonce"
    );
}

#[tokio::test]
async fn only_pages_with_an_island_load_the_wasm() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/new?page=2",
        "/jobs",
        "/item/10000",
        "/item/10001",
        "/user/user1",
        "/status",
        "/no/such/page",
    ] {
        let (_, html) = app.get_text(path).await;
        let has_island = html.contains("<leptos-island");
        let loads_wasm = html.contains(r#"rel="modulepreload""#) || html.contains(".wasm");
        assert_eq!(
            has_island, loads_wasm,
            "GET {path}: an island {has_island}, loads the WASM {loads_wasm}"
        );
        let bare_path = path.split('?').next().unwrap();
        assert_eq!(has_island, hn_reader::app::page_has_islands(bare_path), "GET {path}");
        // Only islands hydrate, so no page data is serialised for hydration.
        assert!(
            !html.contains("__RESOLVED_RESOURCES["),
            "GET {path}: resources serialised for hydration"
        );
    }
}
