//! A real server and a fake upstream, both on loopback ports of their own.
#![allow(dead_code)] // each test file uses a different part of this

use std::path::PathBuf;

use hn_reader::server::config::Config;
use hn_reader::server::fake_hn::FakeHn;
use hn_reader::server::health::Stop;
use hn_reader::server::state::AppState;
use hn_reader::server::{build_state, metrics, serve};
use leptos::config::{Env, LeptosOptions};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A hashed asset the test site serves, with a brotli sibling.
pub const WASM_ASSET: &str = "hn-reader.0123456789abcdef.wasm";
pub const WASM_BYTES: &[u8] = b"\0asm fake wasm module for tests";

pub struct TestApp {
    pub url: String,
    /// The separate metrics listener.
    pub metrics_url: String,
    pub state: AppState,
    pub fake: FakeHn,
    pub client: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    server: JoinHandle<std::io::Result<()>>,
    _site: tempfile::TempDir,
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .expect("request failed")
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        let body = self.get(path).await.text().await.expect("body");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path} is not JSON ({e}): {body}"))
    }

    /// Triggers graceful shutdown and waits for the server to finish.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        (&mut self.server).await.expect("server task")
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts a fake HN and the app against it; `edit` adjusts the configuration first.
pub async fn spawn_app_with(edit: impl FnOnce(&mut Config)) -> TestApp {
    let fake = FakeHn::start("127.0.0.1:0".parse().unwrap()).await.expect("fake HN");
    let base = fake.base_url();
    let mut config = Config::from_lookup(|name| (name == "HN_API_URL").then(|| base.clone())).expect("config");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    config.site_addr = listener.local_addr().unwrap();
    config.metrics_addr = None;
    // Debug builds on a loaded 2-core machine can be slow; tests about timeouts set their own.
    config.request_timeout = std::time::Duration::from_secs(60);
    config.upstream.page_time = std::time::Duration::from_secs(45);
    // Most tests change the upstream between views and must see every view rendered; the
    // page cache's own tests (and the end-to-end suite, on the defaults) turn it on.
    config.page_cache_ttl = std::time::Duration::ZERO;
    edit(&mut config);

    let site = tempfile::tempdir().expect("tempdir");
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join(WASM_ASSET), WASM_BYTES).unwrap();
    std::fs::write(pkg.join(format!("{WASM_ASSET}.br")), b"brotli bytes").unwrap();
    std::fs::write(site.path().join("robots.txt"), "User-agent: *\n").unwrap();

    let options = LeptosOptions::builder()
        .output_name("hn-reader")
        .site_root(site.path().to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .env(Env::PROD)
        .site_addr(config.site_addr)
        .build();
    let url = format!("http://{}", config.site_addr);
    let state = build_state(config, options).expect("state");
    let metrics_listener = TcpListener::bind("127.0.0.1:0").await.expect("bind metrics");
    let metrics_url = format!("http://{}", metrics_listener.local_addr().unwrap());
    tokio::spawn(metrics::serve(metrics_listener, state.clone()));
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(serve::serve(listener, state.clone(), async move {
        let _ = rx.await;
        Stop::Terminate
    }));
    TestApp {
        url,
        metrics_url,
        state,
        fake,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        shutdown: Some(tx),
        server,
        _site: site,
    }
}

/// The compiled server binary, for tests that need a real process.
pub fn server_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_hn-reader"))
}
