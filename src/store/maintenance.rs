//! Housekeeping beside the writer, so that no write waits for it.
//!
//! - The WAL: SQLite checkpoints by default in the write that fills it past
//!   1,000 pages, and that write then waits for the copy and an fsync. Here
//!   a PASSIVE checkpoint runs every half second on a connection of its own
//!   (it blocks neither writes nor reads); the writer's own automatic
//!   checkpoint is only a backstop.
//! - The search index: FTS5 merges its segments in the write that adds one
//!   by default, which makes one generation's end in a dozen take
//!   milliseconds longer. Migration 0006 turns that off; here a bounded merge
//!   step is queued on the writer every half second instead, and does work
//!   only while some level of the index has segments to merge.

use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use super::connection;
use super::writer::Job;
use crate::background::Background;

const EVERY: Duration = Duration::from_millis(500);
/// Index pages one merge step may write: about a millisecond of work.
const MERGE_PAGES: u32 = 32;

/// Starts the housekeeping of the database at `path`, whose writer takes
/// jobs on `writer`.
pub(super) fn spawn(path: PathBuf, writer: mpsc::Sender<Job>) -> Background {
    Background::spawn("store-maintenance", move |stopped| {
        let mut conn = None;
        while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
            let merge: Job = Box::new(|conn| {
                let merged = conn.execute(
                    "INSERT INTO generation_fts (generation_fts, rank) VALUES ('merge', ?1)",
                    [MERGE_PAGES],
                );
                if let Err(error) = merged {
                    tracing::debug!(%error, "search index merge skipped");
                }
            });
            if writer.send(merge).is_err() {
                break;
            }
            if conn.is_none() {
                conn = connection::open_read_write(&path).ok();
            }
            if let Some(conn) = &conn
                && let Err(error) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            {
                tracing::debug!(%error, "checkpoint skipped");
            }
        }
    })
}
