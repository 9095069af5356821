//! The hn-reader server. `hn-reader` serves; `hn-reader healthcheck` probes a running one.

/// jemalloc, not glibc's malloc: after a burst of thousands of connections glibc kept every
/// page it had grown to (RSS stayed at the peak), while jemalloc hands freed pages back within
/// seconds; it was also faster on the cached pages (`make bench`, memory drill).
#[cfg(feature = "ssr")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read at start: purge freed pages after a second, from a background
/// thread, instead of the default ten seconds on the next allocation.
#[cfg(feature = "ssr")]
#[unsafe(export_name = "_rjem_malloc_conf")]
pub static MALLOC_CONF: &[u8] = b"background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:1000\0";

#[cfg(feature = "ssr")]
fn main() -> std::process::ExitCode {
    use std::process::ExitCode;

    use hn_reader::server::{self, config::Config, health, logging};

    const USAGE: &str =
        "usage: hn-reader [healthcheck]\n\nConfiguration comes from environment variables; see README.md.";

    let args: Vec<String> = std::env::args().skip(1).collect();
    let healthcheck = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] => false,
        ["healthcheck"] => true,
        ["-h" | "--help"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("hn-reader: unknown arguments {args:?}\n{USAGE}");
            return ExitCode::from(2);
        }
    };

    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("hn-reader: {err}");
            return ExitCode::from(2);
        }
    };
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(workers) = config.worker_threads {
        runtime.worker_threads(workers);
    }
    let runtime = match runtime.enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("hn-reader: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };

    if healthcheck {
        return match runtime.block_on(health::run_healthcheck(&config)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("hn-reader healthcheck: {err}");
                ExitCode::FAILURE
            }
        };
    }

    let _log_writer = logging::init(config.log_format);
    let result = runtime.block_on(async move {
        let options = server::leptos_options(&config)?;
        let state = server::build_state(config, options)?;
        server::run(state).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "exiting");
            eprintln!("hn-reader: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}

#[cfg(not(feature = "ssr"))]
fn main() {
    // The browser bundle starts from `hydrate()` in lib.rs; this binary needs the `ssr` feature.
}
