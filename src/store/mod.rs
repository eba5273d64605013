//! The SQLite store: one file in the data folder.
//!
//! All writes go through one writer thread that owns the only read-write
//! connection; reads use a small pool of read-only connections on the
//! blocking thread pool. WAL mode lets the two proceed side by side, and
//! neither ever blocks the async runtime.

mod connection;
mod maintenance;
mod migrations;
mod read_pool;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::Connection;

pub use migrations::SCHEMA_VERSION;

use crate::background::Background;
use crate::{Error, Result};
use read_pool::ReadPool;
use writer::Writer;

/// A cheap-to-clone handle on the store.
#[derive(Debug, Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    // Fields drop in this order. Maintenance lets go of the writer's queue
    // first; the read-write connection closes last, so that it checkpoints
    // and removes the WAL (a read-only one cannot) and the file is whole.
    _maintenance: Background,
    readers: Arc<ReadPool>,
    writer: Writer,
}

impl Store {
    /// Opens (or creates) the database at `path` and migrates it forward.
    ///
    /// A file that is not SQLite, or whose schema is newer than this build,
    /// is reported and left byte-for-byte untouched.
    #[tracing::instrument(skip_all, fields(path = %path.display()))]
    pub fn open(path: &Path) -> Result<Store> {
        let mut conn = connection::open_read_write(path)?;
        let found = migrations::schema_version(&conn).map_err(|e| classify(path, e))?;
        if found > SCHEMA_VERSION {
            return Err(Error::SchemaTooNew {
                path: path.to_owned(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        connection::configure_writer(&conn).map_err(|e| classify(path, e))?;
        migrations::migrate(&mut conn).map_err(|source| Error::Migration {
            path: path.to_owned(),
            source,
        })?;
        if found < SCHEMA_VERSION {
            tracing::info!(from = found, to = SCHEMA_VERSION, "database migrated");
        }
        let writer = Writer::spawn(conn);
        Ok(Store {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                _maintenance: maintenance::spawn(path.to_owned(), writer.queue()?),
                readers: Arc::new(ReadPool::new(path.to_owned())),
                writer,
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `job` on the writer thread, inside no implicit transaction.
    pub async fn write<T, F>(&self, job: F) -> Result<T>
    where
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        self.inner.writer.run(job).await
    }

    /// Runs `job` on a read-only connection on the blocking thread pool.
    pub async fn read<T, F>(&self, job: F) -> Result<T>
    where
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let readers = Arc::clone(&self.inner.readers);
        tokio::task::spawn_blocking(move || readers.with(job))
            .await
            .map_err(|_| Error::StoreClosed)?
    }

    /// [`Store::read`] from a thread of our own, outside the async runtime.
    pub(crate) fn read_blocking<T>(&self, job: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        self.inner.readers.with(job)
    }

    /// The schema version recorded in the file.
    pub async fn schema_version(&self) -> Result<u32> {
        self.read(|conn| Ok(migrations::schema_version(conn)?))
            .await
    }
}

/// Turns SQLite's "file is not a database" into the error a person can act on.
fn classify(path: &Path, error: rusqlite::Error) -> Error {
    match error.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => Error::NotADatabase {
            path: path.to_owned(),
        },
        _ => Error::OpenDatabase {
            path: path.to_owned(),
            source: error,
        },
    }
}
