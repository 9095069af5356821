//! The Hacker News API client: one HTTP call per document, each bounded in time and size.

pub mod breaker;
mod budget;
pub mod model;

pub use budget::PageBudget;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use url::Url;

use super::admission::{Gate, GateLimits};
use super::clock::unix_now;
use crate::error::AppError;
use crate::model::{UpstreamFailure, UpstreamStatus, percentile};
use breaker::{Breaker, Ticket};
use model::{HnItem, HnUser, ModelError};
use tracing::Instrument;

/// Calls kept for the latency percentiles on /status.
const RECENT_CALLS: usize = 512;

/// Largest response body we read; a bigger document is refused, not buffered.
pub const MAX_BODY_BYTES: usize = 2 << 20;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpstreamError {
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("could not connect: {0}")]
    Connect(String),
    #[error("HTTP {0}")]
    Status(u16),
    #[error("response larger than {MAX_BODY_BYTES} bytes")]
    TooLarge,
    #[error("unusable response: {0}")]
    Malformed(#[from] ModelError),
    #[error("transport error: {0}")]
    Transport(String),
    /// The circuit breaker is open: the upstream failed repeatedly and is not asked until a probe succeeds.
    #[error("not asked: it failed repeatedly and is being probed for recovery")]
    CircuitOpen,
    /// Too many upstream calls are waiting in this process.
    #[error("too many requests are waiting for it")]
    Overloaded,
    /// The page has started as many upstream calls as one page may.
    #[error("this page reached its limit of upstream calls")]
    CallBudget,
}

impl UpstreamError {
    /// The status a page gets when this error leaves it with nothing to show.
    pub fn status_code(&self) -> u16 {
        match self {
            UpstreamError::Timeout(_)
            | UpstreamError::Connect(_)
            | UpstreamError::CircuitOpen
            | UpstreamError::Overloaded
            | UpstreamError::CallBudget => 503,
            UpstreamError::Status(code) if *code >= 500 => 503,
            _ => 502,
        }
    }

    /// A short label for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            UpstreamError::Timeout(_) => "timeout",
            UpstreamError::Connect(_) => "connect",
            UpstreamError::Status(_) => "status",
            UpstreamError::TooLarge => "too_large",
            UpstreamError::Malformed(_) => "malformed",
            UpstreamError::Transport(_) => "transport",
            UpstreamError::CircuitOpen => "circuit_open",
            UpstreamError::Overloaded => "overloaded",
            UpstreamError::CallBudget => "call_budget",
        }
    }

    /// Whether this says the upstream is unwell (it did not answer, or answered 5xx), which is
    /// what the circuit breaker counts. A 404 or bad JSON is an answer.
    fn is_upstream_failure(&self) -> bool {
        match self {
            UpstreamError::Timeout(_) | UpstreamError::Connect(_) | UpstreamError::Transport(_) => true,
            UpstreamError::Status(code) => *code >= 500,
            _ => false,
        }
    }

    /// What /status shows: the kind and status code, never the transport's own text (which can
    /// carry addresses and library internals).
    fn summary(&self) -> String {
        match self {
            UpstreamError::Status(code) => format!("HTTP {code}"),
            other => other.kind().to_string(),
        }
    }
}

impl From<UpstreamError> for AppError {
    fn from(err: UpstreamError) -> Self {
        match (&err, err.status_code()) {
            (UpstreamError::Overloaded, _) => AppError::Overloaded(err.to_string()),
            (_, 503) => AppError::UpstreamUnavailable(err.to_string()),
            _ => AppError::UpstreamBad(err.to_string()),
        }
    }
}

/// What /status reports about the upstream: last success, last error, recent latencies.
#[derive(Default)]
pub struct UpstreamStats {
    inner: Mutex<StatsInner>,
}

#[derive(Default)]
struct StatsInner {
    last_success: Option<i64>,
    last_error: Option<UpstreamFailure>,
    recent_ms: VecDeque<f64>,
}

impl UpstreamStats {
    fn record(&self, latency_ms: f64, error: Option<&UpstreamError>) {
        let now = unix_now();
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if inner.recent_ms.len() == RECENT_CALLS {
            inner.recent_ms.pop_front();
        }
        inner.recent_ms.push_back(latency_ms);
        match error {
            None => inner.last_success = Some(now),
            Some(err) => {
                inner.last_error = Some(UpstreamFailure {
                    at: now,
                    error: err.summary(),
                })
            }
        }
    }
}

/// How the client guards the upstream, and the process from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpstreamLimits {
    /// Per call.
    pub timeout: Duration,
    /// Upstream time one page may spend, and the calls it may start.
    pub page_time: Duration,
    pub calls_per_page: usize,
    /// Concurrent calls per process, the queue behind them and the longest wait in it.
    pub gate: GateLimits,
    pub breaker_threshold: u32,
    pub breaker_probe_interval: Duration,
}

#[derive(Clone)]
pub struct HnClient {
    http: reqwest::Client,
    base: Url,
    limits: UpstreamLimits,
    stats: Arc<UpstreamStats>,
    gate: Arc<Gate>,
    breaker: Breaker,
}

impl HnClient {
    pub fn new(base: Url, limits: UpstreamLimits) -> Result<HnClient, UpstreamError> {
        let timeout = limits.timeout;
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .user_agent(concat!("hn-reader/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| UpstreamError::Transport(e.to_string()))?;
        Ok(HnClient {
            http,
            base,
            limits,
            stats: Arc::default(),
            gate: Arc::new(Gate::new(limits.gate)),
            breaker: Breaker::new(limits.breaker_threshold, limits.breaker_probe_interval),
        })
    }

    pub fn status(&self) -> UpstreamStatus {
        let inner = self.stats.inner.lock().unwrap_or_else(|p| p.into_inner());
        let recent: Vec<f64> = inner.recent_ms.iter().copied().collect();
        UpstreamStatus {
            base_url: self.base.to_string(),
            last_success: inner.last_success,
            last_error: inner.last_error.clone(),
            latency_p50_ms: percentile(&recent, 50.0),
            latency_p99_ms: percentile(&recent, 99.0),
            recent_calls: recent.len(),
            breaker: self.breaker.status(),
            concurrency: self.gate.status(),
            calls_per_page: self.limits.calls_per_page,
        }
    }

    /// What a page started now may spend on the upstream.
    pub fn page_budget(&self) -> PageBudget {
        PageBudget::new(self.limits.page_time, self.limits.calls_per_page)
    }

    pub async fn story_ids(&self, list_name: &str) -> Result<Vec<u64>, UpstreamError> {
        let body = self.get(&format!("{list_name}.json")).await?;
        Ok(model::parse_id_list(&body)?)
    }

    pub async fn item(&self, id: u64) -> Result<Option<HnItem>, UpstreamError> {
        let body = self.get(&format!("item/{id}.json")).await?;
        Ok(model::parse_item(&body)?)
    }

    pub async fn user(&self, id: &str) -> Result<Option<HnUser>, UpstreamError> {
        // The caller validates ids; encoding keeps the path segment a single segment regardless.
        let segment: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
        let body = self.get(&format!("user/{segment}.json")).await?;
        Ok(model::parse_user(&body)?)
    }

    async fn get(&self, path: &str) -> Result<Vec<u8>, UpstreamError> {
        let url = self
            .base
            .join(path)
            .map_err(|e| UpstreamError::Transport(format!("bad path {path:?}: {e}")))?;
        // An open breaker answers at once, so pages fall back to cached data without waiting.
        let Some(ticket) = self.breaker.admit() else {
            metrics::counter!("hn_upstream_requests_total", "outcome" => "circuit_open").increment(1);
            return Err(UpstreamError::CircuitOpen);
        };
        if ticket.is_probe() {
            // While the upstream is in doubt no page waits on it: the probe goes on its own task
            // (its answer closes or reopens the breaker), and this caller is answered as if the
            // breaker were still open, from the cache or with a 503 at once.
            let client = self.clone();
            let probe_path = path.to_string();
            tokio::spawn(async move { client.call(&probe_path, url, ticket).await }.in_current_span());
            metrics::counter!("hn_upstream_requests_total", "outcome" => "circuit_open").increment(1);
            return Err(UpstreamError::CircuitOpen);
        }
        self.call(path, url, ticket).await
    }

    /// One admitted call: through the concurrency gate, then the fetch; its outcome goes to the
    /// breaker, the latency window, the metrics and the log.
    async fn call(&self, path: &str, url: Url, ticket: Ticket) -> Result<Vec<u8>, UpstreamError> {
        let _permit = self.gate.enter().await.map_err(|shed| {
            tracing::warn!(path, reason = %shed, "upstream call shed");
            metrics::counter!("hn_upstream_requests_total", "outcome" => "overloaded").increment(1);
            UpstreamError::Overloaded
        })?;
        let started = Instant::now();
        let result = self.fetch(url).await;
        let elapsed = started.elapsed();
        match &result {
            Err(err) if err.is_upstream_failure() => ticket.failed(),
            _ => ticket.succeeded(),
        }
        let latency_ms = elapsed.as_secs_f64() * 1000.0;
        let outcome = result.as_ref().err().map_or("ok", UpstreamError::kind);
        self.stats.record(latency_ms, result.as_ref().err());
        metrics::counter!("hn_upstream_requests_total", "outcome" => outcome).increment(1);
        metrics::histogram!("hn_upstream_request_duration_seconds", "outcome" => outcome).record(elapsed.as_secs_f64());
        match &result {
            Ok(body) => tracing::info!(path, latency_ms, bytes = body.len(), outcome = "ok", "upstream call"),
            Err(err) => tracing::warn!(path, latency_ms, outcome = err.kind(), error = %err, "upstream call failed"),
        }
        result
    }

    async fn fetch(&self, url: Url) -> Result<Vec<u8>, UpstreamError> {
        let mut response = self.http.get(url).send().await.map_err(|e| self.classify(e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(UpstreamError::Status(status.as_u16()));
        }
        if response.content_length().is_some_and(|len| len > MAX_BODY_BYTES as u64) {
            return Err(UpstreamError::TooLarge);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.classify(e))? {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(UpstreamError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    fn classify(&self, err: reqwest::Error) -> UpstreamError {
        if err.is_timeout() {
            UpstreamError::Timeout(self.limits.timeout)
        } else if err.is_connect() {
            UpstreamError::Connect(err.to_string())
        } else {
            UpstreamError::Transport(err.to_string())
        }
    }
}
