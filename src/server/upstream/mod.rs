//! The Hacker News API client: one HTTP call per document, each bounded in time and size.

pub mod model;

use std::time::{Duration, Instant};

use url::Url;

use crate::error::AppError;
use model::{HnItem, HnUser, ModelError};

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
}

impl UpstreamError {
    /// The status a page gets when this error leaves it with nothing to show.
    pub fn status_code(&self) -> u16 {
        match self {
            UpstreamError::Timeout(_) | UpstreamError::Connect(_) => 503,
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
        }
    }
}

impl From<UpstreamError> for AppError {
    fn from(err: UpstreamError) -> Self {
        match err.status_code() {
            503 => AppError::UpstreamUnavailable(err.to_string()),
            _ => AppError::UpstreamBad(err.to_string()),
        }
    }
}

#[derive(Clone)]
pub struct HnClient {
    http: reqwest::Client,
    base: Url,
    timeout: Duration,
}

impl HnClient {
    pub fn new(base: Url, timeout: Duration) -> Result<HnClient, UpstreamError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .user_agent(concat!("hn-reader/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| UpstreamError::Transport(e.to_string()))?;
        Ok(HnClient { http, base, timeout })
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
        let started = Instant::now();
        let result = self.fetch(url).await;
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        match &result {
            Ok(body) => tracing::debug!(path, latency_ms, bytes = body.len(), outcome = "ok", "upstream call"),
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
            UpstreamError::Timeout(self.timeout)
        } else if err.is_connect() {
            UpstreamError::Connect(err.to_string())
        } else {
            UpstreamError::Transport(err.to_string())
        }
    }
}
