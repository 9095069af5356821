//! Every response policy in one place: cache lifetimes, the CSP and the security headers.
//! The router, the middleware and the server functions read it; it reads nothing of theirs.

use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};

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
/// The service worker: kept, but revalidated on every fetch, so a new build reaches readers.
pub const NO_CACHE: &str = "no-cache";
/// The service worker's own policy: it fetches from this origin and runs nothing else.
pub const SERVICE_WORKER_CSP: &str = "default-src 'none'; connect-src 'self'";
/// Anything that is not a page may load nothing at all.
pub const LOCKED_DOWN_CSP: &str = "default-src 'none'; base-uri 'none'; frame-ancestors 'none'";
/// Seconds a 503 asks the client to wait before trying again.
pub const RETRY_AFTER_SECS: u32 = 1;
/// What a request shed by the render gate gets: a page that needs nothing else to show.
pub const BUSY_PAGE: &str = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Busy | Hacker News</title></head>\
<body><main><h1>This server is busy</h1><p>Too many pages are being prepared right now. Please try again in a moment.</p>\
<p><a href=\"/\">Back to the top stories</a></p></main></body></html>";

/// The headers every response carries.
pub const SECURITY_HEADERS: [(HeaderName, &str); 4] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
    (
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
    ),
    (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
];
/// Sent when `HSTS_ENABLED=true` (behind TLS, as in the container).
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

/// The page CSP. The nonce is on Leptos's hydration script; `strict-dynamic` lets it load the
/// bundle. `dev` adds cargo-leptos's live-reload socket.
pub fn page_csp(nonce: &str, dev: bool) -> String {
    let reload = if dev { " ws:" } else { "" };
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'{reload}; \
         worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
}

/// The `Cache-Control` for a response whose handler set none.
pub fn default_cache_control(method: &Method, status: StatusCode, is_html: bool) -> HeaderValue {
    let policy = match (method == Method::GET, is_html) {
        (true, true) if status.is_success() || status == StatusCode::NOT_FOUND => PAGE_CACHE_CONTROL,
        // Files from public/ (favicon, robots.txt): not hashed, so cached for an hour only.
        (true, false) if status.is_success() => PUBLIC_FILE_CACHE_CONTROL,
        _ => NO_STORE,
    };
    HeaderValue::from_static(policy)
}

/// Hashed assets: immutable when found, never cached when not.
pub fn asset_cache_control(status: StatusCode) -> HeaderValue {
    HeaderValue::from_static(if status.is_success() {
        IMMUTABLE_CACHE_CONTROL
    } else {
        NO_STORE
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_404s_and_files_are_cacheable_and_nothing_else_is() {
        let get = Method::GET;
        let cc = |method: &Method, status: u16, html: bool| {
            default_cache_control(method, StatusCode::from_u16(status).unwrap(), html)
        };
        assert_eq!(cc(&get, 200, true), PAGE_CACHE_CONTROL);
        assert_eq!(cc(&get, 404, true), PAGE_CACHE_CONTROL);
        assert_eq!(cc(&get, 200, false), PUBLIC_FILE_CACHE_CONTROL);
        for (method, status, html) in [(&get, 503, true), (&get, 500, false), (&Method::POST, 200, false)] {
            assert_eq!(cc(method, status, html), NO_STORE, "{method} {status}");
        }
    }

    #[test]
    fn the_page_csp_allows_the_reload_socket_in_development_only() {
        assert!(page_csp("n", true).contains("connect-src 'self' ws:;"));
        assert!(page_csp("n", false).contains("connect-src 'self';"));
        assert!(page_csp("abc", false).contains("script-src 'nonce-abc' 'strict-dynamic'"));
    }
}
