//! tracing setup: JSON lines for CloudWatch, or readable output for a terminal.
//!
//! Lines are written by a thread of their own (tracing-appender), so a slow stdout (a full pipe
//! to the log driver) never blocks a runtime worker. It is not lossy: when its queue is full, the
//! logging call waits rather than drop a line silently.

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

use super::config::LogFormat;

/// Lines queued for the writer thread before a logging call waits.
const QUEUED_LINES: usize = 64 * 1024;
/// The writer thread's buffer: it writes what has queued up in one call and flushes whenever
/// the queue is empty, so a busy server makes one write per batch rather than one per line
/// (stdout alone flushes at every newline) and an idle one still shows each line at once.
const WRITE_BUFFER_BYTES: usize = 64 * 1024;

/// Installs the subscriber. Keep the guard until exit: dropping it flushes what is queued.
pub fn init(format: LogFormat) -> WorkerGuard {
    let (writer, guard) = NonBlockingBuilder::default()
        .buffered_lines_limit(QUEUED_LINES)
        .lossy(false)
        .thread_name("log-writer")
        .finish(std::io::BufWriter::with_capacity(WRITE_BUFFER_BYTES, std::io::stdout()));
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer);
    let result = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
    if let Err(err) = result {
        eprintln!("logging was already initialised: {err}");
    }
    guard
}
