//! Failure drills: outages and stalls under load, idle connection floods, hostile input.
//! Every loop is bounded in count; every wait has an upper bound; loopback only.
#![cfg(feature = "fake-hn")]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use common::{spawn_app, spawn_app_with};
use hn_reader::server::fake_hn::Mode;
use tokio::io::AsyncWriteExt;

/// An upper bound for anything that must finish: a hang fails the drill instead of the run.
const BOUND: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_mid_load_serves_cached_routes_with_zero_5xx() {
    // TTL zero: during the outage every request tries the upstream and falls back to stale data.
    let app = Arc::new(
        spawn_app_with(|c| {
            c.list_ttl = Duration::ZERO;
            c.item_ttl = Duration::ZERO;
            c.upstream.breaker_probe_interval = Duration::from_millis(200);
        })
        .await,
    );
    let routes = ["/", "/new", "/item/10001", "/user/user1"];
    for route in routes {
        assert_eq!(app.get(route).await.status(), 200, "warming {route}");
    }

    let done = Arc::new(AtomicU64::new(0));
    let stale = Arc::new(AtomicU64::new(0));
    let mut workers = Vec::new();
    for worker in 0..8usize {
        let (app, done, stale) = (Arc::clone(&app), Arc::clone(&done), Arc::clone(&stale));
        workers.push(tokio::spawn(async move {
            let mut errors = Vec::new();
            for i in 0..60usize {
                let route = routes[(worker + i) % routes.len()];
                let (status, html) = app.get_text(route).await;
                if status >= 500 {
                    errors.push(format!("{route}: {status}"));
                }
                if html.contains("Hacker News is unreachable right now") {
                    stale.fetch_add(1, Ordering::SeqCst);
                }
                match done.fetch_add(1, Ordering::SeqCst) + 1 {
                    100 => app.fake.set_mode(Mode::Down),
                    300 => app.fake.set_mode(Mode::Up),
                    _ => {}
                }
            }
            errors
        }));
    }
    let mut errors = Vec::new();
    for worker in workers {
        errors.extend(
            tokio::time::timeout(BOUND, worker)
                .await
                .expect("drill bounded")
                .unwrap(),
        );
    }
    assert_eq!(errors, Vec::<String>::new(), "5xx during the outage");
    assert!(
        stale.load(Ordering::SeqCst) > 0,
        "the outage was never visible as stale data"
    );

    let status = app.get_json("/status.json").await;
    assert!(
        status["upstream"]["breaker"]["opened_total"].as_u64() >= Some(1),
        "the outage never opened the circuit breaker: {status}"
    );

    // The upstream is back: once the breaker's next probe succeeds, views are fresh again
    // (TTL zero), with no notice. Each try is a real view, and the probe is due within 200 ms.
    for route in routes {
        let fresh = tokio::time::timeout(BOUND, async {
            loop {
                let (status, html) = app.get_text(route).await;
                assert_eq!(status, 200, "{route}");
                if !html.contains("Hacker News is unreachable") {
                    return;
                }
            }
        });
        fresh
            .await
            .unwrap_or_else(|_| panic!("{route} still stale after recovery"));
    }
    let status = app.get_json("/status.json").await;
    assert_eq!(status["upstream"]["breaker"]["state"], "Closed", "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_upstream_starves_nothing() {
    let app = Arc::new(
        spawn_app_with(|c| {
            c.list_ttl = Duration::ZERO;
            c.item_ttl = Duration::ZERO;
            c.upstream.timeout = Duration::from_millis(300);
            c.upstream.page_time = Duration::from_millis(1_000);
            c.request_timeout = Duration::from_secs(3);
        })
        .await,
    );
    assert_eq!(app.get("/").await.status(), 200);
    app.fake.set_mode(Mode::Stall);

    // Cold pages wait on the stalled upstream in the background …
    let cold: Vec<_> = (10_050..10_080)
        .map(|id| {
            let app = Arc::clone(&app);
            tokio::spawn(async move { app.get(&format!("/item/{id}")).await.status().as_u16() })
        })
        .collect();
    // … while liveness and readiness keep answering.
    for _ in 0..20 {
        assert_eq!(app.get("/healthz").await.status(), 200);
        assert_eq!(app.get("/readyz").await.status(), 200);
    }
    // A cached page answers with its stale copy; cold pages give up with a 503.
    let (status, html) = tokio::time::timeout(BOUND, app.get_text("/")).await.expect("bounded");
    assert_eq!(status, 200);
    assert!(html.contains("Hacker News is unreachable right now"));
    for page in cold {
        assert_eq!(tokio::time::timeout(BOUND, page).await.expect("bounded").unwrap(), 503);
    }
}

/// Opens `count` connections; every other one starts a request and never finishes it.
async fn open_idle_connections(addr: &str, count: usize) -> Vec<tokio::net::TcpStream> {
    let mut idle = Vec::with_capacity(count);
    for i in 0..count {
        let mut stream = tokio::time::timeout(BOUND, tokio::net::TcpStream::connect(addr))
            .await
            .expect("bounded")
            .unwrap_or_else(|e| panic!("connection {i}: {e}"));
        if i % 2 == 0 {
            stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        }
        idle.push(stream);
    }
    idle
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_idle_connections_under_the_limit_block_nothing() {
    let app = spawn_app_with(|c| c.connections.capacity = 4_096).await;
    let idle = open_idle_connections(app.url.trim_start_matches("http://"), 2_000).await;
    for _ in 0..10 {
        let response = tokio::time::timeout(BOUND, app.get("/healthz")).await.expect("bounded");
        assert_eq!(response.status(), 200);
    }
    assert_eq!(app.get("/item/10002").await.status(), 200);
    drop(idle);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_flood_past_the_limit_keeps_probes_up_sheds_pages_and_recovers() {
    // The default limit (1,024), so the drill covers what production runs.
    let app = spawn_app().await;
    let idle = open_idle_connections(app.url.trim_start_matches("http://"), 2_000).await;
    for _ in 0..10 {
        let response = tokio::time::timeout(BOUND, app.get("/healthz")).await.expect("bounded");
        assert_eq!(response.status(), 200, "probes are answered on a shed connection");
    }
    let shed = tokio::time::timeout(BOUND, app.get("/item/10002"))
        .await
        .expect("bounded");
    assert_eq!(shed.status(), 503, "a page past the limit is refused, not left waiting");
    assert!(shed.headers().contains_key("retry-after"));
    drop(idle);
    // The flood's places come back as its sockets close: a page is served again.
    let recovered = tokio::time::timeout(BOUND, async {
        loop {
            if app.get("/item/10002").await.status() == 200 {
                break;
            }
        }
    })
    .await;
    assert!(recovered.is_ok(), "pages came back after the flood closed");
}

#[tokio::test]
async fn malformed_paths_queries_and_bodies_are_4xx_never_5xx() {
    let app = spawn_app().await;
    let long = "a".repeat(8_000);
    let paths = [
        "/item/99999999999999999999999999".to_string(),
        "/item/%00".into(),
        "/item/1e5".into(),
        "/item/10000/extra".into(),
        "/user/%ff%fe".into(),
        "/user/%3Cscript%3E".into(),
        "/?page=%00".into(),
        "/?page=".into(),
        "/?page=1&page=2".into(),
        "/?page=%ZZ".into(),
        "/new?page=999999".into(),
        format!("/{long}"),
        format!("/?page={long}"),
        "/..%2f..%2fetc/passwd".into(),
        "/pkg/..%2f..%2fCargo.toml".into(),
        "/pkg/%2e%2e/%2e%2e/Cargo.toml".into(),
        "/api/stories".into(),
        "/api/nope".into(),
        "/status.json?x=%00".into(),
    ];
    for path in &paths {
        let status = app.get(path).await.status().as_u16();
        assert!(status < 500, "GET {}: {status}", &path[..path.len().min(60)]);
        assert!(
            status != 200 || path.starts_with("/status.json") || path == "/?page=1&page=2",
            "GET {path}: 200"
        );
    }
    let bodies: [(&str, Vec<u8>); 8] = [
        ("application/x-www-form-urlencoded", b"kind=%zz".to_vec()),
        ("application/x-www-form-urlencoded", b"".to_vec()),
        ("application/x-www-form-urlencoded", b"kind=Top&page=%00".to_vec()),
        ("application/x-www-form-urlencoded", vec![0xff, 0xfe, 0x00, 0x01]),
        ("application/json", br#"{"kind": "Top"}"#.to_vec()),
        ("text/plain", b"\x00garbage".to_vec()),
        (
            "application/x-www-form-urlencoded",
            format!("kind=Top&page={}", "9".repeat(20_000)).into_bytes(),
        ),
        ("application/x-www-form-urlencoded", b"kind[]=Top&kind[]=New".to_vec()),
    ];
    for endpoint in ["stories", "item", "user"] {
        for (content_type, body) in &bodies {
            let response = app
                .client
                .post(format!("{}/api/{endpoint}", app.url))
                .header("content-type", *content_type)
                .body(body.clone())
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let answer = response.text().await.unwrap_or_default();
            assert!(
                (400..500).contains(&status),
                "POST /api/{endpoint} {content_type} {:?}: {status} {answer}",
                String::from_utf8_lossy(&body[..body.len().min(40)])
            );
        }
    }
    // And the server is still fine.
    assert_eq!(app.get("/").await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ten_thousand_comment_thread_renders_within_its_caps() {
    let app = spawn_app().await;
    let story = 10_003u64;
    let first = 5_000_000u64;
    // 100 top-level comments, each with 99 replies: 10,000 comments in all.
    let top: Vec<u64> = (0..100).map(|i| first + i * 100).collect();
    app.fake.set_override(
        &format!("item/{story}.json"),
        serde_json::json!({"id": story, "type": "story", "title": "Huge thread", "by": "pg", "time": 1, "kids": top, "descendants": 10_000}).to_string(),
    );
    for t in &top {
        let replies: Vec<u64> = (1..100).map(|r| t + r).collect();
        app.fake.set_override(
            &format!("item/{t}.json"),
            serde_json::json!({"id": t, "type": "comment", "by": "u1", "time": 2, "text": "top", "kids": replies})
                .to_string(),
        );
        for r in replies {
            app.fake.set_override(
                &format!("item/{r}.json"),
                serde_json::json!({"id": r, "type": "comment", "by": "u2", "time": 3, "text": "<p>reply</p>"})
                    .to_string(),
            );
        }
    }
    let (status, html) = tokio::time::timeout(BOUND, app.get_text(&format!("/item/{story}")))
        .await
        .expect("bounded");
    assert_eq!(status, 200);
    assert_eq!(
        html.matches(r#"class="comment""#).count(),
        hn_reader::server::hn::thread::MAX_COMMENTS
    );
    assert!(
        html.contains("the rest of this thread could not be loaded"),
        "truncation not said"
    );
}

/// The shape that once overflowed the stack and aborted the process: 3,000 root replies, each
/// also naming the next one as its only reply (a DAG). Each is shown once, at the top level.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_story_whose_replies_chain_into_each_other_renders_each_once() {
    let app = spawn_app().await;
    let story = 10_004u64;
    let first = 6_000_000u64;
    let replies: Vec<u64> = (first..first + 3_000).collect();
    let mut documents = vec![(
        format!("item/{story}.json"),
        serde_json::json!({"id": story, "type": "story", "title": "A DAG", "by": "pg", "time": 1, "kids": replies})
            .to_string(),
    )];
    documents.extend(replies.iter().map(|&id| {
        let body = serde_json::json!({"id": id, "type": "comment", "by": "u1", "time": 2, "text": "<p>x</p>", "kids": [id + 1]});
        (format!("item/{id}.json"), body.to_string())
    }));
    app.fake.set_overrides(documents);
    let (status, html) = tokio::time::timeout(BOUND, app.get_text(&format!("/item/{story}")))
        .await
        .expect("bounded");
    assert_eq!(status, 200);
    assert_eq!(html.matches(r#"<li class="comment""#).count(), 3_000);
    assert_eq!(html.matches(r#"<ul class="replies">"#).count(), 0, "nothing nests");
    assert_eq!(app.get("/").await.status(), 200, "and the server carries on");
}
