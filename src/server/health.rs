//! Liveness, readiness, the `healthcheck` subcommand, and the shutdown signal.

use std::time::Duration;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use super::config::Config;
use super::state::AppState;

/// The liveness probe's path (container health check, via `hn-reader healthcheck`).
pub const LIVENESS_PATH: &str = "/healthz";
/// The readiness probe's path (the load balancer's target group health check).
pub const READINESS_PATH: &str = "/readyz";

/// Liveness: the process answers. Depends on nothing upstream.
pub async fn healthz() -> impl IntoResponse {
    (StatusCode::OK, NO_STORE_HEADER, "ok\n")
}

/// Readiness: configured and listening, and not shutting down. Upstream trouble does not
/// count: failing readiness on an HN outage would take every task out of the target group.
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if state.is_ready() {
        (StatusCode::OK, NO_STORE_HEADER, "ready\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, NO_STORE_HEADER, "draining\n")
    }
}

/// Probes answer about this instant; no cache may keep them.
const NO_STORE_HEADER: [(header::HeaderName, &str); 1] = [(header::CACHE_CONTROL, "no-store")];

/// Why the server is stopping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// SIGTERM, from the orchestrator: a load balancer may still be sending, so lame-duck first.
    Terminate,
    /// SIGINT, from a person at a terminal (or `cargo leptos watch` rebuilding): drain at once.
    Interrupt,
}

/// Resolves on SIGTERM (what ECS sends) or SIGINT (Ctrl-C).
pub async fn shutdown_signal() -> Stop {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {
                        tracing::info!(signal = "SIGINT", "shutting down");
                        Stop::Interrupt
                    }
                    _ = term.recv() => {
                        tracing::info!(signal = "SIGTERM", "shutting down");
                        Stop::Terminate
                    }
                }
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM; only SIGINT will stop the server");
                let _ = ctrl_c.await;
                Stop::Interrupt
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
        Stop::Interrupt
    }
}

/// `hn-reader healthcheck`: GET /healthz on our own port. For container health checks in an
/// image without curl. Returns whether it answered 200.
pub async fn run_healthcheck(config: &Config) -> Result<(), String> {
    let mut addr = config.site_addr;
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() {
            [127, 0, 0, 1].into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()
        .map_err(|e| e.to_string())?;
    let response = client
        .get(format!("http://{addr}{LIVENESS_PATH}"))
        .send()
        .await
        .map_err(|e| format!("GET http://{addr}{LIVENESS_PATH} failed: {e}"))?;
    if response.status() == StatusCode::OK {
        Ok(())
    } else {
        Err(format!(
            "GET http://{addr}{LIVENESS_PATH} answered {}",
            response.status()
        ))
    }
}
