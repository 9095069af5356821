//! tracing setup: JSON lines for CloudWatch, or readable output for a terminal.
//!
//! Lines are written by a thread of their own (tracing-appender), so a slow stdout (a full pipe
//! to the log driver) never blocks a runtime worker. It is not lossy: when its queue is full, the
//! logging call waits rather than drop a line silently.

use std::io::{self, Write};
use std::time::Duration;

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

use super::config::LogFormat;

/// Lines queued for the writer thread before a logging call waits.
const QUEUED_LINES: usize = 64 * 1024;
/// The writer thread's buffer: it writes what has queued up in one call and flushes whenever
/// the queue is empty, so a busy server makes one write per batch rather than one per line
/// (stdout alone flushes at every newline) and an idle one still shows each line within
/// `WRITE_PAUSE`.
const WRITE_BUFFER_BYTES: usize = 64 * 1024;

/// Installs the subscriber. Keep the guard until exit: dropping it flushes what is queued.
pub fn init(format: LogFormat) -> WorkerGuard {
    let (writer, guard) = NonBlockingBuilder::default()
        .buffered_lines_limit(QUEUED_LINES)
        .lossy(false)
        .thread_name("log-writer")
        .finish(Paced::new(io::BufWriter::with_capacity(
            WRITE_BUFFER_BYTES,
            io::stdout(),
        )));
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

/// How long the writer thread rests after each write to stdout.
const WRITE_PAUSE: Duration = Duration::from_millis(2);

/// The writer thread blocks on its queue whenever it has emptied it, so each access-log line
/// under load woke it again: a futex wake and two context switches per request (the thread was
/// a tenth of the process's CPU on cached pages, a fortieth with the rest). Resting briefly
/// after each write lets lines gather in the queue (no thread is parked on it, so queuing one
/// is cheap) and be written in one batch. A line reaches stdout at most `WRITE_PAUSE` later;
/// shutdown still flushes everything queued.
struct Paced<W: Write> {
    inner: W,
    pause: Duration,
}

impl<W: Write> Paced<W> {
    fn new(inner: W) -> Self {
        Paced {
            inner,
            pause: WRITE_PAUSE,
        }
    }
}

impl<W: Write> Write for Paced<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.inner.write_all(buf)
    }

    /// tracing-appender flushes once per batch, after emptying its queue.
    fn flush(&mut self) -> io::Result<()> {
        let flushed = self.inner.flush();
        std::thread::sleep(self.pause);
        flushed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paced_writer_passes_every_byte_and_flush_through() {
        let mut paced = Paced {
            inner: io::BufWriter::with_capacity(1024, Vec::new()),
            pause: Duration::ZERO,
        };
        paced.write_all(b"{\"a\":1}\n").unwrap();
        paced.write_all(b"{\"b\":2}\n").unwrap();
        assert!(paced.inner.get_ref().is_empty(), "buffered until the batch ends");
        paced.flush().unwrap();
        assert_eq!(paced.inner.get_ref().as_slice(), b"{\"a\":1}\n{\"b\":2}\n");
    }
}
