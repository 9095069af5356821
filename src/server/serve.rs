//! The listener: connection limits, and a shutdown that loses no request.
//!
//! hyper-util directly rather than `axum::serve`, for what the latter does not set: a header
//! read timeout (slow clients cannot hold a connection open forever) and a head size limit.

use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

use super::admission::Shed;
use super::health::{LIVENESS_PATH, READINESS_PATH, Stop};
use super::policy::RETRY_AFTER_SECS;
use super::router::router;
use super::state::AppState;

/// Request heads (request line and headers) larger than this get 431.
pub const MAX_HEAD_BYTES: usize = 32 * 1024;
/// How long a shed connection may take to send its request line.
const SHED_READ_TIMEOUT: Duration = Duration::from_secs(2);
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
        let (builder, app, state, watcher) = (builder.clone(), app.clone(), state.clone(), connections.watcher());
        tokio::spawn(async move {
            // Each served connection holds hyper's buffers (about 26 KiB) for as long as it is
            // open, so their number is bounded; past it a connection waits briefly, then is shed.
            let slot = match state.connections.enter().await {
                Ok(slot) => slot,
                Err(shed) => return shed_connection(stream, &state, shed).await,
            };
            let service = TowerToHyperService::new(app);
            let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
            if let Err(err) = watcher.watch(connection.into_owned()).await {
                tracing::debug!(error = %err, "connection ended with an error");
            }
            drop(slot);
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

/// A connection past the bound: its probe is answered (health checks never fail because the
/// server is busy), anything else gets a 503 with `Retry-After`, and the connection closes.
/// Reading the request first keeps the close from resetting the connection under the reply.
async fn shed_connection(mut stream: TcpStream, state: &AppState, shed: Shed) {
    let mut head = [0u8; 4096];
    let read = tokio::time::timeout(SHED_READ_TIMEOUT, stream.read(&mut head)).await;
    let Ok(Ok(len)) = read else { return };
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut request = httparse::Request::new(&mut headers);
    let path = match request.parse(&head[..len]) {
        Ok(_) if request.method == Some("GET") => request.path.unwrap_or(""),
        _ => "",
    };
    let (status, body) = match path {
        LIVENESS_PATH => ("200 OK", "ok\n"),
        READINESS_PATH if state.is_ready() => ("200 OK", "ready\n"),
        READINESS_PATH => ("503 Service Unavailable", "draining\n"),
        _ => ("503 Service Unavailable", "busy: too many connections\n"),
    };
    tracing::info!(route = "shed", status = &status[..3], reason = %shed, "request");
    let reply = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\n\
         cache-control: no-store\r\nretry-after: {RETRY_AFTER_SECS}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    if stream.write_all(reply.as_bytes()).await.is_ok() {
        let _ = stream.shutdown().await;
    }
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
