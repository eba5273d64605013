//! Threads of our own that run beside everything else until their handle
//! is dropped: store housekeeping, the search indexer.

use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;

/// A running background thread. Dropping it asks the thread to stop and
/// waits until it has.
#[derive(Debug)]
pub(crate) struct Background {
    name: &'static str,
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Background {
    /// Runs `body` on a thread called `name`. `body` is handed the stop
    /// signal: a receiver that disconnects when the handle is dropped.
    pub(crate) fn spawn(
        name: &'static str,
        body: impl FnOnce(Receiver<()>) + Send + 'static,
    ) -> Background {
        let (stop, stopped) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || body(stopped))
            .unwrap_or_else(|error| panic!("spawning the {name} thread: {error}"));
        Background {
            name,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.stop.take();
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!(thread = self.name, "a background thread panicked");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;

    #[test]
    fn dropping_the_handle_stops_the_thread_and_waits_for_it() {
        let finished = Arc::new(AtomicBool::new(false));
        let seen = Arc::clone(&finished);
        let handle = Background::spawn("test-background", move |stopped| {
            // Blocks until the handle lets go of the sender.
            assert!(stopped.recv().is_err());
            std::thread::sleep(std::time::Duration::from_millis(50));
            seen.store(true, Ordering::SeqCst);
        });
        assert!(!finished.load(Ordering::SeqCst));
        drop(handle);
        assert!(finished.load(Ordering::SeqCst));
    }
}
