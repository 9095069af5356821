//! State shared by every request, and the glue server functions use to reach it.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use leptos::prelude::*;

use super::config::Config;
use super::hn::HnService;
use super::status::EcsMetadata;
use crate::app::StylesheetHref;
use crate::error::AppError;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
    pub hn: HnService,
    pub stylesheet: StylesheetHref,
    pub ecs: Arc<EcsMetadata>,
    ready: Arc<AtomicBool>,
    pub started: Instant,
    pub started_unix: i64,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl AppState {
    pub fn new(config: Arc<Config>, leptos_options: LeptosOptions, hn: HnService) -> AppState {
        let stylesheet = StylesheetHref(stylesheet_href(&leptos_options));
        AppState {
            ecs: Arc::new(EcsMetadata::new(config.ecs_metadata_uri.clone())),
            config,
            leptos_options,
            hn,
            stylesheet,
            ready: Arc::new(AtomicBool::new(true)),
            started: Instant::now(),
            started_unix: super::hn::unix_now(),
        }
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    /// Called once shutdown begins, so the load balancer stops sending traffic.
    pub fn set_draining(&self) {
        self.ready.store(false, Ordering::SeqCst);
    }
}

/// The stylesheet's URL, with cargo-leptos's content hash when file hashing is on.
fn stylesheet_href(options: &LeptosOptions) -> String {
    let name = &options.output_name;
    let pkg = &options.site_pkg_dir;
    if !options.hash_files {
        return format!("/{pkg}/{name}.css");
    }
    let hash_file = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(options.hash_file.as_ref())))
        .unwrap_or_else(|| Path::new(options.hash_file.as_ref()).to_path_buf());
    let css_hash = std::fs::read_to_string(&hash_file).ok().and_then(|text| {
        text.lines()
            .filter_map(|line| line.split_once(':'))
            .find(|(kind, _)| kind.trim() == "css")
            .map(|(_, hash)| hash.trim().to_string())
    });
    match css_hash {
        Some(hash) => format!("/{pkg}/{name}.{hash}.css"),
        None => {
            tracing::error!(path = %hash_file.display(), "LEPTOS_HASH_FILES is on but the hash file has no css entry");
            format!("/{pkg}/{name}.css")
        }
    }
}

/// The app state, from the request's context.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| AppError::Transport("server state missing from context".into()))
}

/// The HN service, from the request's context.
pub fn hn_service() -> Result<HnService, AppError> {
    app_state().map(|state| state.hn)
}

/// Gives the response the status of `result`, and a short CDN lifetime when the data is stale.
pub fn respond<T>(result: Result<T, AppError>, is_stale: impl Fn(&T) -> bool) -> Result<T, AppError> {
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        match &result {
            Err(err) => {
                if let Ok(status) = http::StatusCode::from_u16(err.status_code()) {
                    options.set_status(status);
                }
            }
            Ok(value) if is_stale(value) => {
                options.insert_header(
                    http::header::CACHE_CONTROL,
                    http::HeaderValue::from_static(super::http::STALE_PAGE_CACHE_CONTROL),
                );
            }
            Ok(_) => {}
        }
    }
    result
}
