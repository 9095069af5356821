//! What operators rely on: security headers, request ids, readiness, metrics, status, limits.
#![cfg(feature = "fake-hn")]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Json;
use axum::routing::get;
use common::{WASM_ASSET, spawn_app, spawn_app_with};
use hn_reader::server::fake_hn::Mode;
use hn_reader::server::metrics;
use hn_reader::server::router::with_layers;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The headers every response carries, whatever it is.
const COMMON_HEADERS: &[(&str, &str)] = &[
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    (
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
    ),
    ("cross-origin-opener-policy", "same-origin"),
    ("strict-transport-security", "max-age=31536000; includeSubDomains"),
];
const LOCKED_DOWN_CSP: &str = "default-src 'none'; base-uri 'none'; frame-ancestors 'none'";

fn assert_common_headers(what: &str, response: &reqwest::Response) {
    for (name, value) in COMMON_HEADERS {
        assert_eq!(
            response.headers().get(*name).and_then(|v| v.to_str().ok()),
            Some(*value),
            "{what}: {name}"
        );
    }
    assert!(response.headers().contains_key("x-request-id"), "{what}: x-request-id");
}

/// The page CSP with its nonce replaced by N.
fn csp_shape(response: &reqwest::Response) -> String {
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let start = csp.find("'nonce-").expect("nonce") + "'nonce-".len();
    let end = start + csp[start..].find('\'').unwrap();
    let nonce = &csp[start..end];
    assert!(
        nonce.len() >= 22
            && nonce
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    csp.replace(nonce, "N")
}

const PAGE_CSP: &str = "default-src 'self'; script-src 'nonce-N' 'strict-dynamic' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src 'self'; \
    manifest-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

#[tokio::test]
async fn security_headers_are_exact_on_every_kind_of_response() {
    // The page cache on, as in production: its hits need a nonce of their own too.
    let app = spawn_app_with(|c| {
        c.hsts = true;
        c.page_cache_ttl = Duration::from_secs(60);
    })
    .await;

    let page = app.get("/").await;
    assert_eq!(page.status(), 200);
    assert_common_headers("page", &page);
    assert_eq!(csp_shape(&page), PAGE_CSP);
    let first_csp = page.headers()["content-security-policy"].clone();
    let html = page.text().await.unwrap();
    let again = app.get("/").await;
    assert_ne!(
        again.headers()["content-security-policy"],
        first_csp,
        "the nonce is per request"
    );
    assert!(
        html.contains(r#"<script type="module" nonce=""#),
        "the hydration script carries the nonce"
    );

    let not_found = app.get("/no/such/page").await;
    assert_eq!(not_found.status(), 404);
    assert_common_headers("error page", &not_found);
    assert_eq!(csp_shape(&not_found), PAGE_CSP);

    let asset = app
        .client
        .get(format!("{}/pkg/{WASM_ASSET}", app.url))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(asset.status(), 200);
    assert_common_headers("asset", &asset);
    assert_eq!(asset.headers()["content-security-policy"], LOCKED_DOWN_CSP);

    let server_fn = app
        .client
        .post(format!("{}/api/stories", app.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("kind=Top")
        .send()
        .await
        .unwrap();
    assert_eq!(server_fn.status(), 200);
    assert_common_headers("server function", &server_fn);
    assert_eq!(server_fn.headers()["content-security-policy"], LOCKED_DOWN_CSP);
    assert_eq!(server_fn.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn hsts_is_off_unless_configured() {
    let app = spawn_app().await;
    assert!(app.get("/").await.headers().get("strict-transport-security").is_none());
}

#[tokio::test]
async fn request_ids_are_taken_from_the_caller_or_the_alb_or_generated() {
    let app = spawn_app().await;
    let with = |name: &'static str, value: &'static str| {
        app.client
            .get(format!("{}/healthz", app.url))
            .header(name, value)
            .send()
    };
    let own = with("x-request-id", "req-42").await.unwrap();
    assert_eq!(own.headers()["x-request-id"], "req-42");
    let alb = with("x-amzn-trace-id", "Root=1-5759e988-bd862e3fe1be46a994272793")
        .await
        .unwrap();
    assert_eq!(
        alb.headers()["x-request-id"],
        "Root=1-5759e988-bd862e3fe1be46a994272793"
    );
    let junk = with("x-request-id", "<script>").await.unwrap();
    assert_ne!(junk.headers()["x-request-id"], "<script>");
    let a = app.get("/healthz").await.headers()["x-request-id"].clone();
    let b = app.get("/healthz").await.headers()["x-request-id"].clone();
    assert_ne!(a, b);
}

#[tokio::test]
async fn readiness_turns_off_while_draining_and_liveness_stays_on() {
    let app = spawn_app().await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    app.state.set_draining();
    assert_eq!(app.get("/readyz").await.status(), 503);
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn an_upstream_outage_does_not_fail_readiness() {
    let app = spawn_app().await;
    app.fake.set_mode(Mode::Down);
    assert_eq!(app.get("/").await.status(), 503);
    assert_eq!(app.get("/readyz").await.status(), 200);
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn metrics_are_on_their_own_listener_only() {
    let app = spawn_app().await;
    assert_eq!(app.get("/item/10001").await.status(), 200);
    assert_eq!(app.get("/item/10001").await.status(), 200);
    assert_eq!(
        app.get("/metrics").await.status(),
        404,
        "metrics must not be on the public port"
    );
    let text = app
        .client
        .get(format!("{}/metrics", app.metrics_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for needle in [
        r#"http_requests_total{route="/item/{id}",status="2xx"}"#,
        r#"http_request_duration_seconds_bucket{route="/item/{id}",status="2xx",le="0.005"}"#,
        r#"hn_upstream_requests_total{outcome="ok"}"#,
        "hn_upstream_request_duration_seconds_bucket",
        r#"hn_cache_hits_total{cache="items"}"#,
        r#"hn_cache_misses_total{cache="items"}"#,
        r#"hn_cache_stale_served_total{cache="items"}"#,
        r#"hn_cache_entries{cache="items"}"#,
        r#"hn_cache_bytes{cache="items"}"#,
        r#"hn_cache_loads_total{cache="items"}"#,
        r#"hn_cache_revalidations_total{cache="items"}"#,
        "hn_build_info{version=",
    ] {
        assert!(text.contains(needle), "missing {needle} in:\n{text}");
    }
}

#[tokio::test]
async fn status_reports_each_component_and_the_ecs_task() {
    let metadata_calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&metadata_calls);
    let metadata = axum::Router::new()
        .route(
            "/v4/abc",
            get(|| async { Json(serde_json::json!({"Name": "app", "ImageID": IMAGE_NEW})) }),
        )
        .route(
            "/v4/abc/task",
            get(move || async move {
                counter.fetch_add(1, Ordering::SeqCst);
                Json(serde_json::json!({
                    "Cluster": "arn:aws:ecs:eu-west-1:111111111111:cluster/hn-reader-dev",
                    "TaskARN": "arn:aws:ecs:eu-west-1:111111111111:task/hn-reader-dev/0123456789abcdef",
                    "AvailabilityZone": "eu-west-1b",
                    "LaunchType": "FARGATE",
                    "Containers": [{"Name": "app", "Secrets": "never shown"}],
                }))
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let metadata_url = format!("http://{}/v4/abc", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, metadata).await });
    let app = spawn_app_with(|c| c.ecs_metadata_uri = Some(metadata_url.parse().unwrap())).await;
    assert_eq!(app.get("/").await.status(), 200);

    let response = app.get("/status.json").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let report: serde_json::Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(report["task"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(report["task"]["git_sha"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(report["task"]["ready"], true);
    assert!(report["upstream"]["last_success"].as_i64().is_some());
    assert!(report["upstream"]["latency_p99_ms"].as_f64().is_some());
    assert_eq!(report["upstream"]["recent_calls"], 31);
    let items = report["caches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "items")
        .unwrap();
    assert_eq!(items["misses"], 30);
    assert_eq!(report["ecs"]["Task"]["launch_type"], "FARGATE");
    assert_eq!(report["ecs"]["Task"]["availability_zone"], "eu-west-1b");
    assert_eq!(report["ecs"]["Task"]["image_digest"], IMAGE_NEW);
    assert_eq!(
        report["release"]["regions"],
        serde_json::json!([]),
        "no records configured"
    );
    assert!(!report.to_string().contains("never shown"));

    let (status, html) = app.get_text("/status").await;
    assert_eq!(status, 200);
    for row in [
        "This task",
        "Hacker News API",
        "Cache: lists",
        "Cache: items",
        "Cache: users",
        "ECS task",
    ] {
        assert!(
            html.contains(&format!(r#"<th scope="row">{row}</th>"#)),
            "row {row} missing"
        );
    }
    assert!(html.contains(&format!(
        "FARGATE task arn:aws:ecs:eu-west-1:111111111111:task/hn-reader-dev/0123456789abcdef in cluster arn:aws:ecs:eu-west-1:111111111111:cluster/hn-reader-dev, eu-west-1b; image {IMAGE_NEW}"
    )));
    for row in ["Circuit breaker", "Upstream limits"] {
        assert!(
            html.contains(&format!(r#"<th scope="row">{row}</th>"#)),
            "row {row} missing"
        );
    }
    assert_eq!(report["upstream"]["breaker"]["state"], "Closed");
    assert_eq!(report["upstream"]["concurrency"]["capacity"], 64);
    assert_eq!(report["upstream"]["calls_per_page"], 3_001);
    assert_eq!(
        metadata_calls.load(Ordering::SeqCst),
        1,
        "the task's identity never changes, so it is read once"
    );
}

const IMAGE_NEW: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
const IMAGE_OLD: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

/// A stand-in for SSM's GetParameter in each region, and for the container credentials
/// endpoint: it answers only requests signed with the credentials it handed out.
async fn fake_aws(calls: Arc<AtomicUsize>, credential_calls: Arc<AtomicUsize>) -> String {
    use axum::http::{HeaderMap, StatusCode};
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let ssm = move |headers: HeaderMap, body: String| async move {
        calls.fetch_add(1, Ordering::SeqCst);
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        let authorization = header("authorization");
        let signed = authorization.starts_with("AWS4-HMAC-SHA256 Credential=ASIAFAKEKEY/")
            && authorization.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target")
            && header("x-amz-security-token") == "fake-session-token"
            && header("x-amz-target") == "AmazonSSM.GetParameter";
        let request: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        if !signed || request["Name"] != "/hn-reader/prod/release/deployed-digest" {
            return (
                StatusCode::FORBIDDEN,
                Json(serde_json::json!({"__type": "AccessDeniedException"})),
            );
        }
        // The credential scope names the region: .../<date>/<region>/ssm/aws4_request
        let region = authorization.split('/').nth(2).unwrap_or("").to_string();
        let (value, age) = match region.as_str() {
            "eu-west-1" => (IMAGE_NEW, 60.0),
            "eu-central-1" => (IMAGE_OLD, 7_200.0),
            _ => {
                return (
                    StatusCode::BAD_REQUEST,
                    Json(serde_json::json!({"__type": "ParameterNotFound", "message": "secret internal detail"})),
                );
            }
        };
        let parameter =
            serde_json::json!({"Name": request["Name"], "Value": value, "LastModifiedDate": now - age, "Version": 3});
        (StatusCode::OK, Json(serde_json::json!({ "Parameter": parameter })))
    };
    let credentials = move |headers: HeaderMap| async move {
        credential_calls.fetch_add(1, Ordering::SeqCst);
        if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("fake-agent-token") {
            return (StatusCode::UNAUTHORIZED, Json(serde_json::json!({})));
        }
        (
            StatusCode::OK,
            Json(serde_json::json!({
                "AccessKeyId": "ASIAFAKEKEY",
                "SecretAccessKey": "fake-secret-key",
                "Token": "fake-session-token",
                "Expiration": "2099-01-01T00:00:00Z",
            })),
        )
    };
    let aws = axum::Router::new()
        .route("/", axum::routing::post(ssm))
        .route("/credentials", get(credentials));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, aws).await });
    url
}

#[tokio::test]
async fn status_shows_the_region_whose_release_record_is_behind() {
    use hn_reader::server::aws::{CredentialSource, Secret};
    use hn_reader::server::config::ReleaseConfig;
    let (calls, credential_calls) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let aws = fake_aws(Arc::clone(&calls), Arc::clone(&credential_calls)).await;
    let app = spawn_app_with(|c| {
        c.aws_region = Some("eu-west-1".into());
        c.release = Some(ReleaseConfig {
            parameter: "/hn-reader/prod/release/deployed-digest".into(),
            regions: vec!["eu-west-1".into(), "eu-central-1".into(), "us-east-1".into()],
            ssm_endpoint: Some(format!("{aws}/").parse().unwrap()),
            credentials: CredentialSource::Container {
                url: format!("{aws}/credentials").parse().unwrap(),
                authorization: Some(Secret("fake-agent-token".into())),
            },
        });
    })
    .await;

    let report = app.get_json("/status.json").await;
    let regions = &report["release"]["regions"];
    assert_eq!(report["release"]["this_region"], "eu-west-1");
    assert_eq!(regions[0]["region"], "eu-west-1");
    assert_eq!(
        (&regions[0]["state"], &regions[0]["digest"]),
        (&"current".into(), &IMAGE_NEW.into()),
        "{report}"
    );
    assert_eq!(
        (&regions[1]["state"], &regions[1]["digest"]),
        (&"behind".into(), &IMAGE_OLD.into()),
        "{report}"
    );
    assert_eq!(regions[2]["state"], "unknown");
    assert_eq!(regions[2]["error"], "ParameterNotFound (HTTP 400)");
    let age = report["now"].as_i64().unwrap() - regions[1]["recorded_at"].as_i64().unwrap();
    assert!((7_190..=7_210).contains(&age), "the record's own date: {age} s ago");
    for secret in [
        "fake-secret-key",
        "fake-session-token",
        "fake-agent-token",
        "secret internal detail",
    ] {
        assert!(!report.to_string().contains(secret), "{secret} in {report}");
    }

    let (status, html) = app.get_text("/status").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!(
            r#"<th scope="row">Release per region</th><td>Behind</td><td>eu-west-1 (this region): {IMAGE_NEW}, deployed 1 minute ago; eu-central-1: {IMAGE_OLD}, deployed 2 hours ago, behind; us-east-1: record unreadable: ParameterNotFound (HTTP 400)</td>"#
        )),
        "{html}"
    );
    assert_eq!(
        calls.load(Ordering::SeqCst),
        3,
        "one read per region, shared by the two views"
    );
    assert_eq!(
        credential_calls.load(Ordering::SeqCst),
        1,
        "credentials are kept until they near expiry"
    );
}

#[tokio::test]
async fn status_remembers_a_failed_metadata_read_and_shows_no_raw_error_text() {
    let metadata_calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&metadata_calls);
    let metadata = axum::Router::new().route(
        "/v4/abc/task",
        get(move || async move {
            counter.fetch_add(1, Ordering::SeqCst);
            (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "secret internal detail")
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let metadata_url = format!("http://{}/v4/abc", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, metadata).await });
    let app = spawn_app_with(|c| c.ecs_metadata_uri = Some(metadata_url.parse().unwrap())).await;
    app.fake.set_mode(Mode::Down);
    assert_eq!(app.get("/").await.status(), 503);
    let first = app.get_json("/status.json").await;
    let second = app.get_json("/status.json").await;
    assert_eq!(
        metadata_calls.load(Ordering::SeqCst),
        1,
        "a failure is retried after a minute, not per view"
    );
    assert_eq!(first["ecs"], second["ecs"]);
    assert!(first["ecs"]["Unavailable"].is_string(), "{first}");
    assert_eq!(first["upstream"]["last_error"]["error"], "HTTP 503");
    assert!(!first.to_string().contains("secret internal detail"), "{first}");
}

#[tokio::test]
async fn a_timeout_and_a_panic_are_logged_counted_and_carry_every_header() {
    let app = spawn_app_with(|c| {
        c.hsts = true;
        c.request_timeout = Duration::from_millis(200);
    })
    .await;
    // Handlers no real route has, under the real layers.
    let routes = axum::Router::new()
        .route(
            "/test-panic",
            get(|| async {
                if std::hint::black_box(true) {
                    panic!("a handler bug");
                }
                "unreachable"
            }),
        )
        .route("/test-stall", get(std::future::pending::<&'static str>));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, with_layers(routes, app.state.clone())).await });
    for (path, status) in [("/test-panic", 500), ("/test-stall", 503)] {
        let response = reqwest::get(format!("{url}{path}")).await.unwrap();
        assert_eq!(response.status(), status, "{path}");
        assert_common_headers(path, &response);
        assert_eq!(response.headers()["content-security-policy"], LOCKED_DOWN_CSP, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
    }
    let stalled = reqwest::get(format!("{url}/test-stall")).await.unwrap();
    assert_eq!(stalled.headers()["retry-after"], "1");
    // The access log counts each request as it logs it.
    let metrics = metrics::handle().render();
    for route in ["/test-panic", "/test-stall"] {
        let line = format!(r#"http_requests_total{{route="{route}",status="5xx"}}"#);
        assert!(metrics.contains(&line), "{line} missing from:\n{metrics}");
    }
}

#[tokio::test]
async fn status_without_ecs_says_so() {
    let app = spawn_app().await;
    let report = app.get_json("/status.json").await;
    assert_eq!(report["ecs"], "NotOnEcs");
    assert_eq!(report["upstream"]["last_success"], serde_json::Value::Null);
}

#[tokio::test]
async fn oversized_request_heads_get_431() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/", app.url))
        .header("x-filler", "a".repeat(40 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 431);
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn a_garbage_request_line_gets_400_and_the_server_carries_on() {
    let app = spawn_app().await;
    let mut stream = tokio::net::TcpStream::connect(app.url.trim_start_matches("http://"))
        .await
        .unwrap();
    stream.write_all(b"\x16\x03\x01 not http at all\r\n\r\n").await.unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).await.unwrap();
    assert!(
        String::from_utf8_lossy(&reply).starts_with("HTTP/1.1 400"),
        "{:?}",
        String::from_utf8_lossy(&reply)
    );
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn a_client_that_never_finishes_its_request_head_is_disconnected() {
    let app = spawn_app_with(|c| c.header_read_timeout = std::time::Duration::from_secs(1)).await;
    let mut stream = tokio::net::TcpStream::connect(app.url.trim_start_matches("http://"))
        .await
        .unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    // The server closes the connection by itself; the outer bound only keeps a bug from hanging the suite.
    let mut reply = Vec::new();
    tokio::time::timeout(std::time::Duration::from_secs(60), stream.read_to_end(&mut reply))
        .await
        .expect("a stalled client was never disconnected")
        .unwrap();
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn past_the_render_gate_pages_are_shed_and_probes_and_assets_are_not() {
    use hn_reader::server::admission::GateLimits;
    let app = Arc::new(
        spawn_app_with(|c| {
            c.renders = GateLimits {
                capacity: 1,
                max_queue: 0,
                max_wait: Duration::from_millis(100),
            };
        })
        .await,
    );
    // One slow render holds the only place...
    app.fake.set_delay(Duration::from_millis(500));
    let holder = tokio::spawn({
        let app = Arc::clone(&app);
        async move { app.get("/user/pg").await.status() }
    });
    tokio::time::timeout(
        Duration::from_secs(30),
        app.fake.wait_for_paths(&["user/pg.json".to_string()]),
    )
    .await
    .expect("the first render reached the upstream");
    // ...so another page is shed at once, with a page and a hint when to retry,
    let shed = app.get("/item/10001").await;
    assert_eq!(shed.status(), 503);
    assert_eq!(shed.headers()["retry-after"], "1");
    assert_eq!(shed.headers()["cache-control"], "no-store");
    assert!(shed.text().await.unwrap().contains("This server is busy"));
    // while probes, status and hashed assets never wait behind renders.
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(app.get("/readyz").await.status(), 200);
    assert_eq!(app.get(&format!("/pkg/{WASM_ASSET}")).await.status(), 200);
    let report = app.get_json("/status.json").await;
    assert_eq!(report["renders"]["in_use"], 1, "{report}");
    assert_eq!(report["renders"]["shed_total"], 1, "{report}");
    assert_eq!(holder.await.unwrap(), 200, "the render holding the place finishes");
    let metrics = reqwest::get(format!("{}/metrics", app.metrics_url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("hn_render_shed_total 1"), "{metrics}");
}

/// Sends one request on a fresh connection and reads until the server closes it.
async fn one_shot(url: &str, request: &str) -> String {
    let addr = url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut reply = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut reply))
        .await
        .expect("the server closed the connection")
        .unwrap();
    String::from_utf8_lossy(&reply).into_owned()
}

#[tokio::test]
async fn past_the_connection_bound_probes_are_answered_and_the_rest_is_shed() {
    use hn_reader::server::admission::GateLimits;
    let app = spawn_app_with(|c| {
        c.connections = GateLimits {
            capacity: 2,
            max_queue: 0,
            max_wait: Duration::from_millis(100),
        };
    })
    .await;
    // Two keep-alive connections take both places (a body read to the end keeps its connection).
    let held = [reqwest::Client::new(), reqwest::Client::new()];
    for client in &held {
        let response = client.get(format!("{}/", app.url)).send().await.unwrap();
        assert_eq!(response.status(), 200);
        response.text().await.unwrap();
    }
    let page = one_shot(&app.url, "GET / HTTP/1.1\r\nHost: t\r\n\r\n").await;
    assert!(page.starts_with("HTTP/1.1 503 "), "{page}");
    assert!(
        page.contains("retry-after: 1") && page.contains("connection: close"),
        "{page}"
    );
    // The container and load-balancer health checks never fail because the server is busy.
    let live = one_shot(&app.url, "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n").await;
    assert!(live.starts_with("HTTP/1.1 200 ") && live.ends_with("ok\n"), "{live}");
    let ready = one_shot(&app.url, "GET /readyz HTTP/1.1\r\nHost: t\r\n\r\n").await;
    assert!(
        ready.starts_with("HTTP/1.1 200 ") && ready.ends_with("ready\n"),
        "{ready}"
    );
    let report = held[0]
        .get(format!("{}/status.json", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["connections"]["in_use"], 2, "{report}");
    assert_eq!(report["connections"]["shed_total"], 3, "{report}");
}
