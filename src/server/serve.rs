//! The listener: connection limits, and a shutdown that loses no request.
//!
//! hyper-util directly rather than `axum::serve`, for what the latter does not set: a header
//! read timeout (slow clients cannot hold a connection open forever) and a head size limit.

use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

use super::health::Stop;
use super::router::router;
use super::state::AppState;

/// Request heads (request line and headers) larger than this get 431.
pub const MAX_HEAD_BYTES: usize = 32 * 1024;
/// Connections the kernel may hold for us before we accept them: a burst of thousands of new
/// connections (a load balancer's surge) waits here instead of being refused. (tokio's default is 1024.)
const LISTEN_BACKLOG: u32 = 4096;

/// A listener on `addr` with room for a burst of new connections.
pub fn bind(addr: std::net::SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Serves `state` on `listener` until `shutdown` resolves. Then:
/// 1. on `Stop::Terminate`, lame duck (`SHUTDOWN_LAME_DUCK_SECS`): readiness fails, new
///    connections are still accepted, and every HTTP/1 response says `Connection: close`, so
///    clients reconnect elsewhere instead of reusing a connection that is about to go;
/// 2. drain: the listener closes, idle connections close, and in-flight requests get what is
///    left of `SHUTDOWN_GRACE_SECS` to finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = Stop> + Send + 'static,
) -> std::io::Result<()> {
    let grace = state.config.shutdown_grace;
    let lame_duck = state.config.shutdown_lame_duck;
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
    let accept = |stream: TcpStream| {
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
    };
    tracing::info!(addr = %local_addr, "listening");

    let stop = accept_until(&listener, shutdown, &accept).await;
    let shutdown_started = Instant::now();
    state.set_draining();
    if stop == Stop::Terminate {
        tracing::info!(
            lame_duck_secs = lame_duck.as_secs(),
            "lame duck: readiness off, still accepting"
        );
        accept_until(&listener, tokio::time::sleep(lame_duck), &accept).await;
    }

    drop(listener);
    let drain = grace.saturating_sub(shutdown_started.elapsed());
    tracing::info!(grace_secs = drain.as_secs(), "draining in-flight requests");
    tokio::select! {
        () = connections.shutdown() => {
            tracing::info!("all connections closed; exiting");
        }
        () = tokio::time::sleep(drain) => {
            tracing::warn!(grace_secs = grace.as_secs(), "grace period over; exiting with requests still open");
        }
    }
    Ok(())
}

/// Accepts connections until `until` resolves, and returns what it resolved to.
async fn accept_until<T>(listener: &TcpListener, until: impl Future<Output = T>, accept: &impl Fn(TcpStream)) -> T {
    let mut until = std::pin::pin!(until);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => accept(stream),
                Err(err) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            stop = &mut until => return stop,
        }
    }
}
