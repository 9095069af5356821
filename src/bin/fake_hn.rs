//! `fake-hn [--addr 127.0.0.1:3100]`: the fake Hacker News API, for demos, e2e tests and benches.
//! Only loopback addresses are accepted.

use std::net::SocketAddr;
use std::process::ExitCode;

// The module itself, not the library's copy (which needs the `fake-hn` feature): the binary then
// builds against the same library as the server, which a release build has already compiled.
#[path = "../server/fake_hn.rs"]
#[allow(
    dead_code,
    reason = "the in-process controls are for tests; this binary offers them over HTTP"
)]
mod fake_hn;

use fake_hn::FakeHn;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let addr = match args.as_slice() {
        [] => "127.0.0.1:3100".to_string(),
        [flag, addr] if flag == "--addr" => addr.clone(),
        _ => {
            eprintln!("usage: fake-hn [--addr 127.0.0.1:PORT]");
            return ExitCode::from(2);
        }
    };
    let addr: SocketAddr = match addr.parse() {
        Ok(addr) => addr,
        Err(_) => {
            eprintln!("fake-hn: --addr must be IP:PORT, not {addr:?}");
            return ExitCode::from(2);
        }
    };
    if !addr.ip().is_loopback() {
        eprintln!("fake-hn: refusing to listen on {addr}: loopback addresses only");
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("fake-hn: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        match FakeHn::start(addr).await {
            Ok(fake) => {
                println!("fake-hn: serving fixtures at {}", fake.base_url());
                let _ = tokio::signal::ctrl_c().await;
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("fake-hn: cannot listen on {addr}: {err}");
                ExitCode::FAILURE
            }
        }
    })
}
