//! Per-request middleware: request ids, the access log and request metrics, and the response
//! headers that `policy` decides.

use std::time::Instant;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, Version, header, header::HeaderName};
use axum::middleware::Next;
use axum::response::Response;
use leptos::nonce::Nonce;
use tracing::Instrument;

use super::policy::{self, BUSY_PAGE, HSTS, LOCKED_DOWN_CSP, RETRY_AFTER_SECS, SECURITY_HEADERS};
use super::router::MAX_SERVER_FN_ERROR_BYTES;
use super::state::AppState;
use crate::error::AppError;

pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
static AMZN_TRACE_ID: HeaderName = HeaderName::from_static("x-amzn-trace-id");

/// The caller's request id (`X-Request-Id`, else the ALB's `X-Amzn-Trace-Id`) when it is a
/// sane token, else a fresh one. Anything else is replaced, so logs never carry junk.
pub fn request_id(request: &Request) -> String {
    [&REQUEST_ID, &AMZN_TRACE_ID]
        .into_iter()
        .filter_map(|name| request.headers().get(name)?.to_str().ok())
        .find(|id| is_sane_id(id))
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_string)
}

fn is_sane_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:=;/+".contains(&b))
}

/// The route template for logs and metrics: bounded cardinality, never the raw path.
fn route_label(request: &Request) -> String {
    match request.extensions().get::<MatchedPath>() {
        Some(path) => path.as_str().to_string(),
        None if request.uri().path().starts_with("/pkg/") => "/pkg/{file}".to_string(),
        None => "fallback".to_string(),
    }
}

/// Runs the request inside a span carrying its id, echoes the id, and writes one access-log
/// line: method, route template (never the raw path), status, latency.
pub async fn access_log(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request_id(&request);
    let method = request.method().clone();
    let route = route_label(&request);
    let span = tracing::info_span!("request", request_id = %id);
    let mut response = next.run(request).instrument(span).await;
    let status = response.status().as_u16();
    let latency = started.elapsed();
    let class = format!("{}xx", status / 100);
    metrics::counter!("http_requests_total", "route" => route.clone(), "status" => class.clone()).increment(1);
    metrics::histogram!("http_request_duration_seconds", "route" => route.clone(), "status" => class)
        .record(latency.as_secs_f64());
    tracing::info!(
        request_id = %id,
        method = %method,
        route = %route,
        status,
        latency_ms = latency.as_secs_f64() * 1000.0,
        "request"
    );
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID.clone(), value);
    }
    response
}

/// Holds a render permit while a page or server function renders. Past the gate's queue, or
/// after waiting in it too long, the request is shed with a 503 and `Retry-After` at once,
/// which costs nothing and tells the client when to come back.
pub async fn admit_render(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match state.renders.enter().await {
        Ok(_permit) => next.run(request).await,
        Err(shed) => {
            tracing::warn!(reason = %shed, "render shed");
            let mut response = Response::new(Body::from(BUSY_PAGE));
            *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            headers.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
            response
        }
    }
}

/// Server functions answer every error with 500; give it the status the error stands for
/// (400 for bad arguments, 404, 502/503 for upstream trouble).
pub async fn server_fn_error_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response
            .headers()
            .contains_key(leptos::server_fn::error::SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_SERVER_FN_ERROR_BYTES)
        .await
        .unwrap_or_default();
    if let Some(status) = serde_json::from_slice::<AppError>(&bytes)
        .ok()
        .and_then(|err| StatusCode::from_u16(err.status_code()).ok())
    {
        parts.status = status;
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Security headers and a cache policy on every response; the page CSP with a nonce of this
/// response's own (handed to Leptos through the request, for its hydration script); and while
/// draining or while connections wait for a place, `Connection: close`.
pub async fn response_headers(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let http1 = request.version() <= Version::HTTP_11;
    let nonce = Nonce::new();
    request.extensions_mut().insert(nonce.clone());
    let mut response = next.run(request).await;
    let status = response.status();
    let headers = response.headers_mut();
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));

    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(
            header::CACHE_CONTROL,
            policy::default_cache_control(&method, status, is_html),
        );
    }
    let csp = if is_html {
        let dev = matches!(state.leptos_options.env, leptos::config::Env::DEV);
        HeaderValue::from_str(&policy::page_csp(&nonce, dev)).ok()
    } else {
        None
    };
    // A handler that set its own policy (the service worker's) keeps it.
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            csp.unwrap_or(HeaderValue::from_static(LOCKED_DOWN_CSP)),
        );
    }
    for (name, value) in &SECURITY_HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if state.config.hsts {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    if status == StatusCode::SERVICE_UNAVAILABLE && !headers.contains_key(header::RETRY_AFTER) {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    }
    // HTTP/2 has no `Connection` header; its graceful shutdown (GOAWAY) needs none.
    if http1 && state.closes_connections() {
        headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn request_with(headers: &[(&str, &str)]) -> Request {
        let mut builder = Request::builder().uri("/");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(Body::empty()).unwrap()
    }

    #[test]
    fn ids_come_from_the_caller_or_the_alb_or_are_generated() {
        assert_eq!(request_id(&request_with(&[("x-request-id", "abc-123")])), "abc-123");
        let alb = "Root=1-67891233-abcdef012345678912345678";
        assert_eq!(request_id(&request_with(&[("x-amzn-trace-id", alb)])), alb);
        assert_eq!(
            request_id(&request_with(&[("x-request-id", "mine"), ("x-amzn-trace-id", alb)])),
            "mine"
        );
        let generated = request_id(&request_with(&[]));
        assert_eq!(generated.len(), 36);
        assert_ne!(generated, request_id(&request_with(&[])));
    }

    #[test]
    fn junk_ids_are_replaced() {
        for junk in ["has space", "quote\"", &"x".repeat(129), "<script>"] {
            let id = request_id(&request_with(&[("x-request-id", junk)]));
            assert_ne!(id, junk);
            assert_eq!(id.len(), 36);
        }
    }
}
