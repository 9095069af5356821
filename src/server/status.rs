//! The status report behind /status and /status.json: this task, the upstream, the caches,
//! and the task's identity on ECS.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tokio::sync::OnceCell;
use url::Url;

use super::clock::unix_now;
use super::metrics::{GIT_SHA, VERSION};
use super::state::AppState;
use crate::model::{CacheStatus, EcsStatus, StatusReport, TaskStatus};

/// How long a failed metadata read is remembered before the next try.
const ECS_RETRY_AFTER: Duration = Duration::from_secs(60);

/// The task's identity from the metadata endpoint v4 (`$ECS_CONTAINER_METADATA_URI_V4/task`).
/// It never changes, so it is read once; a failure is remembered for a minute, so /status
/// never waits on the endpoint more than once a minute.
pub struct EcsMetadata {
    source: Option<(Url, reqwest::Client)>,
    task: OnceCell<EcsStatus>,
    last_failure: Mutex<Option<(Instant, EcsStatus)>>,
}

impl EcsMetadata {
    pub fn new(uri: Option<Url>) -> Result<EcsMetadata, String> {
        let source = match uri {
            None => None,
            Some(uri) => {
                let client = reqwest::Client::builder()
                    .timeout(Duration::from_secs(2))
                    .build()
                    .map_err(|e| format!("cannot build the ECS metadata client: {e}"))?;
                Some((uri, client))
            }
        };
        Ok(EcsMetadata {
            source,
            task: OnceCell::new(),
            last_failure: Mutex::new(None),
        })
    }

    pub async fn status(&self) -> EcsStatus {
        let Some((uri, client)) = &self.source else {
            return EcsStatus::NotOnEcs;
        };
        if let Some(task) = self.task.get() {
            return task.clone();
        }
        if let Some((at, failure)) = &*self.last_failure.lock().unwrap_or_else(|p| p.into_inner())
            && at.elapsed() < ECS_RETRY_AFTER
        {
            return failure.clone();
        }
        match fetch_task(client, uri).await {
            Ok(task) => self.task.get_or_init(|| async { task }).await.clone(),
            Err(err) => {
                tracing::warn!(error = %err, "cannot read the ECS task metadata");
                let failure = EcsStatus::Unavailable("the task metadata endpoint did not answer usefully".into());
                *self.last_failure.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), failure.clone()));
                failure
            }
        }
    }
}

/// The task (`<uri>/task`) and this container (`<uri>`), whose `ImageID` is the image digest.
async fn fetch_task(client: &reqwest::Client, uri: &Url) -> Result<EcsStatus, String> {
    let container_url = uri.as_str().trim_end_matches('/').to_string();
    let (task, container) = tokio::join!(
        fetch_json(client, format!("{container_url}/task")),
        fetch_json(client, container_url)
    );
    let (task, container) = (task?, container?);
    let field = |name: &str| task.get(name).and_then(Value::as_str).unwrap_or("unknown").to_string();
    let image_digest = container
        .get("ImageID")
        .and_then(Value::as_str)
        .filter(|id| id.starts_with("sha256:"))
        .map(str::to_string);
    Ok(EcsStatus::Task {
        cluster: field("Cluster"),
        task_arn: field("TaskARN"),
        availability_zone: field("AvailabilityZone"),
        launch_type: field("LaunchType"),
        image_digest,
    })
}

async fn fetch_json(client: &reqwest::Client, url: String) -> Result<Value, String> {
    let response = client
        .get(&url)
        .send()
        .await
        .map_err(|e| format!("task metadata: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("task metadata answered {}", response.status()));
    }
    let bytes = response.bytes().await.map_err(|e| format!("task metadata: {e}"))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("task metadata is not JSON: {e}"))
}

pub async fn report(state: &AppState) -> StatusReport {
    let now = unix_now();
    let caches = state
        .hn
        .caches()
        .into_iter()
        .map(|cache| {
            use std::sync::atomic::Ordering::Relaxed;
            let hits = cache.stats.hits.load(Relaxed);
            let misses = cache.stats.misses.load(Relaxed);
            CacheStatus {
                name: cache.name.to_string(),
                entries: cache.entries,
                bytes: cache.bytes,
                hits,
                misses,
                stale_served: cache.stats.stale_served.load(Relaxed),
                hit_ratio: (hits + misses > 0).then(|| hits as f64 / (hits + misses) as f64),
            }
        })
        .collect();
    StatusReport {
        now,
        task: TaskStatus {
            version: VERSION.to_string(),
            git_sha: GIT_SHA.to_string(),
            built_at: env!("HN_BUILD_UNIX").parse().unwrap_or(0),
            started_at: state.started_unix,
            uptime_secs: state.started.elapsed().as_secs(),
            ready: state.is_ready(),
        },
        upstream: state.hn.upstream_status(),
        caches,
        page_cache: state.page_cache.as_ref().map(|cache| cache.status()),
        renders: state.renders.status(),
        connections: state.connections.status(),
        ecs: state.ecs.status().await,
        release: state.release.status().await,
    }
}

/// `GET /status.json`
pub async fn status_json(State(state): State<AppState>) -> Response {
    let mut response = Json(report(&state).await).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
