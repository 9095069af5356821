//! `bench-baseline --addr 127.0.0.1:PORT --page /=list.html --page /item/1=item.html`
//!
//! Plain axum returning fixed HTML bytes from memory: what this machine can do for a
//! response of the same size with no rendering, caching or middleware. `make bench` reports
//! the app's throughput as a fraction of it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::serve::ListenerExt;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut addr: Option<SocketAddr> = None;
    let mut pages = HashMap::new();
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let value = rest.next();
        match (flag.as_str(), value) {
            ("--addr", Some(v)) => addr = v.parse().ok().filter(|a: &SocketAddr| a.ip().is_loopback()),
            ("--page", Some(v)) => match v.split_once('=').map(|(path, file)| (path, std::fs::read(file))) {
                Some((path, Ok(body))) => {
                    pages.insert(path.to_string(), Bytes::from(body));
                }
                _ => {
                    eprintln!("bench-baseline: --page wants PATH=READABLE_FILE, not {v:?}");
                    return ExitCode::from(2);
                }
            },
            _ => {
                eprintln!("usage: bench-baseline --addr 127.0.0.1:PORT --page PATH=FILE…");
                return ExitCode::from(2);
            }
        }
    }
    let Some(addr) = addr else {
        eprintln!("bench-baseline: --addr must be a loopback IP:PORT");
        return ExitCode::from(2);
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("bench-baseline: {err}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(addr).await {
            Ok(listener) => listener.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            }),
            Err(err) => {
                eprintln!("bench-baseline: cannot listen on {addr}: {err}");
                return ExitCode::FAILURE;
            }
        };
        let app = Router::new().fallback(page).with_state(Arc::new(pages));
        match axum::serve(listener, app).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("bench-baseline: {err}");
                ExitCode::FAILURE
            }
        }
    })
}

async fn page(State(pages): State<Arc<HashMap<String, Bytes>>>, uri: Uri) -> Response {
    match pages.get(uri.path()) {
        Some(body) => ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body.clone()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
