//! State shared by every request.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::admission::Gate;
use super::clock::unix_now;
use super::config::Config;
use super::hn::HnService;
use super::offline::service_worker_script;
use super::page_cache::PageCache;
use super::release::ReleaseRecords;
use super::site::BuildAssets;
use super::status::EcsMetadata;
use crate::app::StylesheetHref;

/// Everything a request may need, behind one `Arc`: axum hands the state to every middleware
/// and handler by value, and a clone must cost one reference count, not a copy of every cache
/// handle (profiling showed those clones taking a tenth of a cached page's CPU).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
    pub hn: HnService,
    pub page_cache: Option<PageCache>,
    /// Pages and server functions rendered at once.
    pub renders: Arc<Gate>,
    /// Connections served at once.
    pub connections: Arc<Gate>,
    pub stylesheet: StylesheetHref,
    /// This build's service worker script (`offline`).
    pub service_worker: axum::body::Bytes,
    pub ecs: EcsMetadata,
    pub release: ReleaseRecords,
    ready: AtomicBool,
    pub started: Instant,
    pub started_unix: i64,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl AppState {
    pub fn new(
        config: Arc<Config>,
        leptos_options: LeptosOptions,
        hn: HnService,
        assets: BuildAssets,
        ecs: EcsMetadata,
        release: ReleaseRecords,
    ) -> AppState {
        AppState(Arc::new(Shared {
            ecs,
            release,
            page_cache: PageCache::new(config.page_cache_ttl, config.page_cache_max_bytes),
            renders: Arc::new(Gate::new(config.renders)),
            connections: Arc::new(Gate::new(config.connections)),
            config,
            leptos_options,
            hn,
            service_worker: service_worker_script(&assets).into(),
            stylesheet: StylesheetHref(assets.css),
            ready: AtomicBool::new(true),
            started: Instant::now(),
            started_unix: unix_now(),
        }))
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    /// Whether responses should close their connection: while draining, and while new
    /// connections wait for a place, so that the places turn over.
    pub fn closes_connections(&self) -> bool {
        !self.is_ready() || self.connections.status().waiting > 0
    }

    /// Called once shutdown begins, so the load balancer stops sending traffic.
    pub fn set_draining(&self) {
        self.ready.store(false, Ordering::SeqCst);
    }
}
