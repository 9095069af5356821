//! Prometheus metrics, served on their own loopback listener (METRICS_ADDR), never on the
//! public port: the ALB and CloudFront only reach the app port.

use std::sync::OnceLock;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;

use super::state::AppState;

pub const GIT_SHA: &str = env!("HN_GIT_SHA");
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Latency buckets in seconds: sub-millisecond cache hits to multi-second upstream stalls.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process-wide recorder; installed on first use (tests start several apps per process).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".to_string()), LATENCY_BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics may be empty");
        }
        metrics::gauge!("hn_build_info", "version" => VERSION, "git_sha" => GIT_SHA).set(1.0);
        handle
    })
}

pub fn router(state: AppState) -> Router {
    Router::new().route("/metrics", get(render)).with_state(state)
}

async fn render(State(state): State<AppState>) -> Response {
    let upstream = state.hn.upstream_status();
    metrics::gauge!("hn_upstream_breaker_state").set(upstream.breaker.state.as_gauge());
    metrics::counter!("hn_upstream_breaker_opened_total").absolute(upstream.breaker.opened_total);
    let gate = &upstream.concurrency;
    metrics::gauge!("hn_upstream_concurrency_limit").set(gate.capacity as f64);
    metrics::gauge!("hn_upstream_in_flight").set(gate.in_use as f64);
    metrics::gauge!("hn_upstream_queued").set(gate.waiting as f64);
    metrics::gauge!("hn_upstream_queue_limit").set(gate.max_queue as f64);
    metrics::counter!("hn_upstream_shed_total").absolute(gate.shed_total);
    metrics::gauge!("hn_upstream_calls_per_page_limit").set(upstream.calls_per_page as f64);
    for cache in state.hn.caches() {
        use std::sync::atomic::Ordering::Relaxed;
        let (name, stats) = (cache.name, cache.stats);
        metrics::gauge!("hn_cache_entries", "cache" => name).set(cache.entries as f64);
        metrics::gauge!("hn_cache_bytes", "cache" => name).set(cache.bytes as f64);
        metrics::counter!("hn_cache_hits_total", "cache" => name).absolute(stats.hits.load(Relaxed));
        metrics::counter!("hn_cache_misses_total", "cache" => name).absolute(stats.misses.load(Relaxed));
        metrics::counter!("hn_cache_stale_served_total", "cache" => name).absolute(stats.stale_served.load(Relaxed));
        metrics::counter!("hn_cache_revalidations_total", "cache" => name).absolute(stats.revalidations.load(Relaxed));
        metrics::counter!("hn_cache_loads_total", "cache" => name).absolute(stats.upstream_loads.load(Relaxed));
    }
    for (prefix, gate) in [
        ("hn_render", state.renders.status()),
        ("hn_connection", state.connections.status()),
    ] {
        let name = |suffix: &str| format!("{prefix}_{suffix}");
        metrics::gauge!(name("concurrency_limit")).set(gate.capacity as f64);
        metrics::gauge!(name("in_flight")).set(gate.in_use as f64);
        metrics::gauge!(name("queued")).set(gate.waiting as f64);
        metrics::gauge!(name("queue_limit")).set(gate.max_queue as f64);
        metrics::counter!(name("shed_total")).absolute(gate.shed_total);
    }
    if let Some(pages) = state.page_cache.as_ref().map(|cache| cache.status()) {
        metrics::gauge!("hn_page_cache_entries").set(pages.entries as f64);
        metrics::gauge!("hn_page_cache_bytes").set(pages.bytes as f64);
        metrics::counter!("hn_page_cache_hits_total").absolute(pages.hits);
        metrics::counter!("hn_page_cache_misses_total").absolute(pages.misses);
        metrics::counter!("hn_page_cache_renders_total").absolute(pages.renders);
        metrics::counter!("hn_page_cache_uncacheable_total").absolute(pages.uncacheable);
    }
    let mut response = handle().render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

/// Serves /metrics on `listener` until the runtime stops.
pub async fn serve(listener: TcpListener, state: AppState) -> std::io::Result<()> {
    handle();
    axum::serve(listener, router(state)).await
}
