//! Everything that only runs on the server.

pub mod admission;
pub mod aws;
pub mod cache;
pub mod clock;
pub mod config;
#[cfg(feature = "fake-hn")]
pub mod fake_hn;
pub mod health;
pub mod hn;
pub mod logging;
pub mod metrics;
pub mod middleware;
pub mod offline;
pub mod page_cache;
pub mod policy;
pub mod release;
pub mod router;
pub mod sanitize;
pub mod serve;
pub mod site;
pub mod state;
pub mod status;
pub mod upstream;

use std::net::SocketAddr;
use std::sync::Arc;

use leptos::config::LeptosOptions;
use tokio::net::TcpListener;

use config::Config;
use hn::HnService;
use state::AppState;
use upstream::HnClient;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("invalid LEPTOS_* setting: {0}")]
    Leptos(String),
    #[error(transparent)]
    HashFile(#[from] site::HashFileError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
    #[error("server error: {0}")]
    Serve(std::io::Error),
}

impl StartError {
    /// 2 for configuration the operator must fix (as for any bad variable), 1 for the rest.
    pub fn exit_code(&self) -> u8 {
        match self {
            StartError::Config(_) | StartError::Leptos(_) | StartError::HashFile(_) => 2,
            StartError::Bind { .. } | StartError::Client(_) | StartError::Serve(_) => 1,
        }
    }
}

/// Reads the Leptos options from the environment (cargo-leptos and the Dockerfile set them).
pub fn leptos_options(config: &Config) -> Result<LeptosOptions, StartError> {
    let mut options = leptos::config::get_configuration(None)
        .map_err(|e| StartError::Leptos(e.to_string()))?
        .leptos_options;
    options.site_addr = config.site_addr;
    Ok(options)
}

/// Builds the shared state from validated configuration.
pub fn build_state(config: Config, leptos_options: LeptosOptions) -> Result<AppState, StartError> {
    let assets = site::build_assets(&leptos_options)?;
    let client =
        HnClient::new(config.hn_api_url.clone(), config.upstream).map_err(|e| StartError::Client(e.to_string()))?;
    let hn = HnService::new(client, &config);
    let ecs = status::EcsMetadata::new(config.ecs_metadata_uri.clone()).map_err(StartError::Client)?;
    let release =
        release::ReleaseRecords::new(config.release.as_ref(), config.aws_region.clone()).map_err(StartError::Client)?;
    Ok(AppState::new(
        Arc::new(config),
        leptos_options,
        hn,
        assets,
        ecs,
        release,
    ))
}

/// Serves until SIGTERM or SIGINT, then drains in-flight requests within the grace period.
/// Metrics, when enabled, get their own listener.
pub async fn run(state: AppState) -> Result<(), StartError> {
    let addr = state.config.site_addr;
    let listener = serve::bind(addr).map_err(|source| StartError::Bind { addr, source })?;
    if let Some(metrics_addr) = state.config.metrics_addr {
        let metrics_listener = TcpListener::bind(metrics_addr)
            .await
            .map_err(|source| StartError::Bind {
                addr: metrics_addr,
                source,
            })?;
        tracing::info!(addr = %metrics_addr, "metrics listening");
        let metrics_state = state.clone();
        tokio::spawn(async move {
            if let Err(err) = metrics::serve(metrics_listener, metrics_state).await {
                tracing::error!(error = %err, "metrics listener stopped");
            }
        });
    }
    let shutdown = health::shutdown_signal();
    serve::serve(listener, state, shutdown).await.map_err(StartError::Serve)
}
