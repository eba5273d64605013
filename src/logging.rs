//! `tracing` set-up shared by the app and the CLI: human-readable lines on
//! stderr and a daily-rolling log file in the data folder.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Overrides both filters, in `tracing_subscriber::EnvFilter` syntax.
pub const LOG_ENV: &str = "SCRIPTORIUM_LOG";

/// Dependencies whose `info` is chatter: the search index reports every
/// commit, merge and file clean-up, several lines per generation recorded.
const QUIET_DEPENDENCIES: &str = "tantivy=warn";

/// Daily log files kept before the oldest is deleted.
const KEPT_LOG_FILES: usize = 14;

/// Keeps the file writer flushing; drop it last, at exit.
#[derive(Debug)]
pub struct LogGuard {
    _file: Option<WorkerGuard>,
}

/// Installs the global subscriber. `stderr_level` is the default for the
/// terminal (the CLI keeps it quiet); the file always gets `info`.
/// Without a usable `log_dir` only stderr is logged: the caller reports the
/// data folder problem itself.
pub fn init(log_dir: Option<&Path>, stderr_level: &str) -> LogGuard {
    let filter = |default: &str| {
        EnvFilter::try_from_env(LOG_ENV)
            .unwrap_or_else(|_| EnvFilter::new(format!("{default},{QUIET_DEPENDENCIES}")))
    };
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_filter(filter(stderr_level));

    let file_appender = log_dir.and_then(|dir| {
        std::fs::create_dir_all(dir).ok()?;
        RollingFileAppender::builder()
            .rotation(Rotation::DAILY)
            .filename_prefix("scriptorium")
            .filename_suffix("log")
            .max_log_files(KEPT_LOG_FILES)
            .build(dir)
            .ok()
    });
    let (file, guard) = match file_appender {
        Some(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let layer = tracing_subscriber::fmt::layer()
                .with_writer(writer)
                .with_ansi(false)
                .with_filter(filter("info"));
            (Some(layer), Some(guard))
        }
        None => (None, None),
    };

    // A second initialisation (tests) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(stderr)
        .with(file)
        .try_init();
    LogGuard { _file: guard }
}
