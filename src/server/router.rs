//! The routes: probes, status, hashed assets, pages and server functions, and the layers
//! every response passes through.

use std::sync::OnceLock;

use axum::Router;
use axum::http::header;
use axum::middleware;
use axum::response::Response;
use axum::routing::get;
use leptos::prelude::*;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;
use tower_http::timeout::TimeoutLayer;

use super::middleware::{access_log, admit_render, response_headers, server_fn_error_status};
use super::page_cache::serve_cached;
use super::policy::asset_cache_control;
use super::state::AppState;
use super::{health, offline, status};
use crate::app::{App, StylesheetHref, shell};

/// Server-function arguments are a list kind, a page number or an id.
pub const MAX_SERVER_FN_BODY_BYTES: usize = 16 * 1024;
/// Error bodies are one short JSON object.
pub const MAX_SERVER_FN_ERROR_BYTES: usize = 64 * 1024;
/// Below this a response fits one packet, and compressing it saves nothing.
const COMPRESS_ABOVE_BYTES: u16 = 1_500;

/// The app's routes, generated once per process. Generating runs the app with resource loading
/// suppressed process-wide, so a page rendering meanwhile would hang forever (leptos-rs/leptos#4773);
/// generating once, before any router exists, rules that out even with several servers in one process.
pub fn route_list() -> &'static [AxumRouteListing] {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App))
}

pub fn router(state: AppState) -> Router {
    with_layers(routes(&state), state)
}

fn routes(state: &AppState) -> Router<AppState> {
    let options = state.leptos_options.clone();
    let routes = route_list().to_vec();
    // axum clones a route's whole service for every request, closures included: what they
    // capture is behind an Arc, so that clone costs a reference count, not a copy.
    let context = {
        let stylesheet = std::sync::Arc::new(state.stylesheet.clone());
        move || {
            // The response's nonce, made by the middleware that also puts it in the CSP.
            let nonce = use_context::<axum::http::request::Parts>()
                .and_then(|parts| parts.extensions.get::<leptos::nonce::Nonce>().cloned());
            if let Some(nonce) = nonce {
                provide_context(nonce);
            }
            provide_context(StylesheetHref::clone(&stylesheet));
        }
    };
    let pkg_dir = format!("{}/{}", options.site_root, options.site_pkg_dir);
    let pkg_route = format!("/{}", options.site_pkg_dir);
    let assets = Router::new()
        .nest_service(
            &pkg_route,
            ServeDir::new(pkg_dir)
                .precompressed_br()
                .precompressed_gzip()
                .append_index_html_on_directories(false),
        )
        .layer(middleware::map_response(immutable_when_found));
    let pages = Router::new()
        .leptos_routes_with_context(state, routes, context.clone(), {
            let options = std::sync::Arc::new(options.clone());
            move || shell(LeptosOptions::clone(&options))
        })
        .layer(middleware::from_fn(server_fn_error_status))
        .layer(RequestBodyLimitLayer::new(MAX_SERVER_FN_BODY_BYTES))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(
            context, shell,
        ))
        // Everything above renders; probes, status.json and assets never wait behind it.
        .layer(middleware::from_fn_with_state(state.clone(), admit_render));

    Router::new()
        .route(health::LIVENESS_PATH, get(health::healthz))
        .route(health::READINESS_PATH, get(health::readyz))
        .route("/status.json", get(status::status_json))
        .route(offline::SERVICE_WORKER_PATH, get(offline::service_worker))
        .route(offline::ICONS_PATH, get(offline::icon))
        .merge(assets)
        .merge(pages)
}

/// The layers every response passes through. They run outside in: the access log and the
/// response headers wrap everything, so a timeout's 503 and a panic's 500 are logged, counted
/// and given their headers too. The page cache answers before anything renders; its answers are
/// already compressed, which the compression layer leaves alone.
pub fn with_layers(routes: Router<AppState>, state: AppState) -> Router {
    // Hashed assets are precompressed; the rest is compressed when it is worth it.
    let compress = SizeAbove::new(COMPRESS_ABOVE_BYTES)
        .and(NotForContentType::GRPC)
        .and(NotForContentType::IMAGES)
        .and(NotForContentType::SSE);
    routes
        .layer(middleware::from_fn_with_state(state.clone(), serve_cached))
        .layer(CompressionLayer::new().br(true).gzip(true).compress_when(compress))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            state.config.request_timeout,
        ))
        .layer(CatchPanicLayer::new())
        .layer(middleware::from_fn_with_state(state.clone(), response_headers))
        .layer(middleware::from_fn(access_log))
        .with_state(state)
}

async fn immutable_when_found(mut response: Response) -> Response {
    let value = asset_cache_control(response.status());
    response.headers_mut().insert(header::CACHE_CONTROL, value);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_route_list_is_generated_once_per_process() {
        let first = route_list();
        assert!(
            std::ptr::eq(first, route_list()),
            "a second call regenerated the routes"
        );
        let paths: Vec<&str> = first.iter().map(AxumRouteListing::path).collect();
        for path in ["/", "/new", "/item/{id}", "/user/{id}"] {
            assert!(paths.contains(&path), "{path} missing from {paths:?}");
        }
    }
}
