//! The HTTP stack: routes, static files, limits, and serving with graceful shutdown.

use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware;
use axum::response::Response;
use axum::routing::get;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use leptos::prelude::*;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;
use tower_http::timeout::TimeoutLayer;

use super::middleware::{access_log, response_headers, server_fn_error_status};
use super::state::AppState;
use super::{health, status};
use crate::app::{App, shell};

/// Hashed assets never change under their name.
pub const IMMUTABLE_CACHE_CONTROL: &str = "public, max-age=31536000, immutable";
/// HTML: browsers revalidate every time; a CDN may keep it 30 s and serve it up to 5 min
/// while it refetches. Stories move slowly; this takes load off the origin at peaks.
pub const PAGE_CACHE_CONTROL: &str = "public, max-age=0, s-maxage=30, stale-while-revalidate=300";
/// A page built from stale data: keep it at the CDN only briefly, so fresh data shows soon.
pub const STALE_PAGE_CACHE_CONTROL: &str = "public, max-age=0, s-maxage=5";
/// Unhashed public files (favicon, robots.txt).
pub const PUBLIC_FILE_CACHE_CONTROL: &str = "public, max-age=3600";
/// Errors, server-function answers and probes are never cached.
pub const NO_STORE: &str = "no-store";
/// Server-function arguments are a list kind, a page number or an id.
pub const MAX_SERVER_FN_BODY_BYTES: usize = 16 * 1024;
/// Request heads (request line and headers) larger than this get 431.
pub const MAX_HEAD_BYTES: usize = 32 * 1024;
/// Error bodies are one short JSON object.
pub const MAX_SERVER_FN_ERROR_BYTES: usize = 64 * 1024;

/// The app's routes, generated once per process. Generating runs the app with resource loading
/// suppressed process-wide, so a page rendering meanwhile would hang forever (leptos-rs/leptos#4773);
/// generating once, before any router exists, rules that out even with several servers in one process.
pub fn route_list() -> &'static [AxumRouteListing] {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App))
}

pub fn router(state: AppState) -> Router {
    let options = state.leptos_options.clone();
    let routes = route_list().to_vec();
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
            ServeDir::new(pkg_dir)
                .precompressed_br()
                .precompressed_gzip()
                .append_index_html_on_directories(false),
        )
        .layer(middleware::map_response(immutable_when_found));

    let pages = Router::new()
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .layer(middleware::from_fn(server_fn_error_status))
        .layer(RequestBodyLimitLayer::new(MAX_SERVER_FN_BODY_BYTES))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(
            context, shell,
        ));

    Router::new()
        .route(health::LIVENESS_PATH, get(health::healthz))
        .route(health::READINESS_PATH, get(health::readyz))
        .route("/status.json", get(status::status_json))
        .merge(assets)
        .merge(pages)
        .layer(middleware::from_fn(access_log))
        .layer(middleware::from_fn_with_state(state.clone(), response_headers))
        .layer(CompressionLayer::new().br(true).gzip(true))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            state.config.request_timeout,
        ))
        .layer(CatchPanicLayer::new())
        .with_state(state)
}

async fn immutable_when_found(mut response: Response) -> Response {
    let value = if response.status().is_success() {
        IMMUTABLE_CACHE_CONTROL
    } else {
        NO_STORE
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    response
}

/// Puts the page CSP, with this response's nonce, on the page being rendered.
pub fn set_page_csp(options: &leptos::config::LeptosOptions) {
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    // cargo-leptos's live-reload socket, in development only.
    let reload = if matches!(options.env, leptos::config::Env::DEV) {
        " ws:"
    } else {
        ""
    };
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
///
/// hyper-util directly rather than `axum::serve`, for what the latter does not set: a header
/// read timeout (slow clients cannot hold a connection open forever) and a head size limit.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let grace = state.config.shutdown_grace;
    let local_addr = listener.local_addr()?;
    let app = router(state.clone());
    let mut builder = ConnBuilder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(state.config.header_read_timeout)
        .max_buf_size(MAX_HEAD_BYTES);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(MAX_HEAD_BYTES as u32);
    let connections = GracefulShutdown::new();
    tracing::info!(addr = %local_addr, "listening");

    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Without TCP_NODELAY, Nagle's algorithm and delayed ACKs stall larger responses.
        if let Err(err) = stream.set_nodelay(true) {
            tracing::warn!(error = %err, "cannot set TCP_NODELAY");
        }
        let service = TowerToHyperService::new(app.clone());
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let connection = connections.watch(connection);
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(error = %err, "connection ended with an error");
            }
        });
    }

    drop(listener);
    state.set_draining();
    tracing::info!(grace_secs = grace.as_secs(), "draining in-flight requests");
    tokio::select! {
        () = connections.shutdown() => {
            tracing::info!("all connections closed; exiting");
        }
        () = tokio::time::sleep(grace) => {
            tracing::warn!(grace_secs = grace.as_secs(), "grace period over; exiting with requests still open");
        }
    }
    Ok(())
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
