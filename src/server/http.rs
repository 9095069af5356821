//! The HTTP stack: routes, static files, headers, limits, and serving with graceful shutdown.

use std::future::Future;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::serve::ListenerExt;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;
use tower_http::timeout::TimeoutLayer;

use super::health;
use super::state::AppState;
use crate::app::{App, shell};
use crate::error::AppError;

/// Hashed assets never change under their name.
pub const IMMUTABLE_CACHE_CONTROL: &str = "public, max-age=31536000, immutable";
/// HTML: browsers revalidate every time; a CDN may keep it 30 s and serve it up to 5 min
/// while it refetches. Stories move slowly; this takes load off the origin at peaks.
pub const PAGE_CACHE_CONTROL: &str = "public, max-age=0, s-maxage=30, stale-while-revalidate=300";
/// A page built from stale data: keep it at the CDN only briefly, so fresh data shows soon.
pub const STALE_PAGE_CACHE_CONTROL: &str = "public, max-age=0, s-maxage=5";
/// Errors, server-function answers and probes are never cached.
pub const NO_STORE: &str = "no-store";
/// Server-function arguments are a list kind, a page number or an id.
pub const MAX_SERVER_FN_BODY_BYTES: usize = 16 * 1024;
/// Error bodies are one short JSON object.
const MAX_SERVER_FN_ERROR_BYTES: usize = 64 * 1024;

pub fn router(state: AppState) -> Router {
    let options = state.leptos_options.clone();
    let routes = generate_route_list(App);
    let context = {
        let stylesheet = state.stylesheet.clone();
        move || {
            leptos::nonce::provide_nonce();
            provide_context(stylesheet.clone());
        }
    };
    let pkg_dir = format!("{}/{}", options.site_root, options.site_pkg_dir);
    let pkg_route = format!("/{}", options.site_pkg_dir);
    let assets = Router::new()
        .nest_service(
            &pkg_route,
            ServeDir::new(pkg_dir).precompressed_br().precompressed_gzip().append_index_html_on_directories(false),
        )
        .layer(middleware::map_response(immutable_when_found));

    let pages = Router::new()
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .layer(middleware::from_fn(server_fn_error_status))
        .layer(RequestBodyLimitLayer::new(MAX_SERVER_FN_BODY_BYTES))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, shell));

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .merge(assets)
        .merge(pages)
        .layer(middleware::from_fn_with_state(state.clone(), response_headers))
        .layer(CompressionLayer::new().br(true).gzip(true))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, state.config.request_timeout))
        .layer(CatchPanicLayer::new())
        .with_state(state)
}

async fn immutable_when_found(mut response: Response) -> Response {
    let value = if response.status().is_success() { IMMUTABLE_CACHE_CONTROL } else { NO_STORE };
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    response
}

/// Server functions answer every error with 500; give it the status the error stands for
/// (400 for bad arguments, 404, 502/503 for upstream trouble).
async fn server_fn_error_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(leptos::server_fn::error::SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_SERVER_FN_ERROR_BYTES).await.unwrap_or_default();
    if let Some(status) = serde_json::from_slice::<AppError>(&bytes)
        .ok()
        .and_then(|err| StatusCode::from_u16(err.status_code()).ok())
    {
        parts.status = status;
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Security headers on every response, and a cache policy where a handler set none.
async fn response_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let mut response = next.run(request).await;
    let status = response.status();
    let headers = response.headers_mut();
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));

    if !headers.contains_key(header::CACHE_CONTROL) {
        let policy = if method == Method::GET && is_html && (status.is_success() || status == StatusCode::NOT_FOUND) {
            PAGE_CACHE_CONTROL
        } else {
            NO_STORE
        };
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        // Pages set their own, with the nonce; anything else may load nothing at all.
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; base-uri 'none'; frame-ancestors 'none'"),
        );
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"),
    );
    headers.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    if state.config.hsts {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

/// Puts the page CSP, with this response's nonce, on the page being rendered.
pub fn set_page_csp(options: &leptos::config::LeptosOptions) {
    let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    // cargo-leptos's live-reload socket, in development only.
    let reload = if matches!(options.env, leptos::config::Env::DEV) { " ws:" } else { "" };
    match HeaderValue::from_str(&page_csp(&nonce, reload)) {
        Ok(value) => response.insert_header(header::CONTENT_SECURITY_POLICY, value),
        Err(err) => tracing::error!(error = %err, "cannot build the CSP header"),
    }
}

/// The page CSP. `connect_src_extra` widens connect-src (the reload socket in development).
pub fn page_csp(nonce: &str, connect_src_extra: &str) -> String {
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'{connect_src_extra}; \
         object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
}

/// Serves `state` on `listener` until `shutdown` resolves, then stops accepting, turns
/// readiness off, and gives in-flight requests up to the grace period to finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let grace = state.config.shutdown_grace;
    let local_addr = listener.local_addr()?;
    let app = router(state.clone());
    let (draining_tx, draining_rx) = tokio::sync::watch::channel(false);
    let signal = {
        let state = state.clone();
        async move {
            shutdown.await;
            state.set_draining();
            let _ = draining_tx.send(true);
        }
    };
    // Without TCP_NODELAY, Nagle's algorithm and delayed ACKs stall larger responses.
    let listener = listener.tap_io(|tcp| {
        if let Err(err) = tcp.set_nodelay(true) {
            tracing::warn!(error = %err, "cannot set TCP_NODELAY");
        }
    });
    let server = axum::serve(listener, app.into_make_service()).with_graceful_shutdown(signal);
    tracing::info!(addr = %local_addr, "listening");
    let mut draining = draining_rx;
    let deadline = async move {
        while !*draining.borrow_and_update() {
            if draining.changed().await.is_err() {
                return std::future::pending::<()>().await;
            }
        }
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        result = server => {
            tracing::info!("all connections closed; exiting");
            result
        }
        () = deadline => {
            tracing::warn!(grace_secs = grace.as_secs(), "grace period over; exiting with requests still open");
            Ok(())
        }
    }
}
