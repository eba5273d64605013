//! The writer thread: the one owner of the read-write connection.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::thread::JoinHandle;

use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::{Error, Result};

pub(super) type Job = Box<dyn FnOnce(&mut Connection) + Send>;

#[derive(Debug)]
pub(super) struct Writer {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    pub(super) fn spawn(mut conn: Connection) -> Writer {
        let (jobs, queue) = mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || {
                for job in queue {
                    // A bug in one job must not take every later write down
                    // with it: its caller sees the store error, others go on.
                    let ran = std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut conn)));
                    if ran.is_err() {
                        tracing::error!("a store write panicked");
                    }
                }
                if let Err((_, error)) = conn.close() {
                    tracing::warn!(%error, "closing the database failed");
                }
            })
            .expect("spawning the store writer thread");
        Writer {
            jobs: Some(jobs),
            thread: Some(thread),
        }
    }

    /// The job queue, for work whose result nobody waits for.
    pub(super) fn queue(&self) -> Result<mpsc::Sender<Job>> {
        self.jobs.clone().ok_or(Error::StoreClosed)
    }

    /// Queues `job` and waits for its result without blocking the runtime.
    pub(super) async fn run<T, F>(&self, job: F) -> Result<T>
    where
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let (reply, result) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            // The caller may have gone away; its result is then not needed.
            let _ = reply.send(job(conn));
        });
        self.jobs
            .as_ref()
            .ok_or(Error::StoreClosed)?
            .send(job)
            .map_err(|_| Error::StoreClosed)?;
        result.await.map_err(|_| Error::StoreClosed)?
    }
}

impl Drop for Writer {
    /// Lets queued writes finish and the connection close cleanly.
    fn drop(&mut self) {
        self.jobs.take();
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the store writer thread panicked");
        }
    }
}
