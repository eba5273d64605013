//! Model downloads under way, each with the token that stops it, so the
//! window can cancel one it started with another command.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use scriptorium::backend::local::HubFile;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Default)]
pub struct Downloads(Mutex<HashMap<HubFile, CancellationToken>>);

/// One download being run; it is forgotten when this is dropped, however
/// the download ended.
#[derive(Debug)]
pub struct Running<'a> {
    downloads: &'a Downloads,
    file: HubFile,
    token: CancellationToken,
}

impl Downloads {
    /// Registers a download of `file`; `None` while one of it runs already.
    pub fn start(&self, file: &HubFile) -> Option<Running<'_>> {
        let mut running = self.lock();
        if running.contains_key(file) {
            return None;
        }
        let token = CancellationToken::new();
        running.insert(file.clone(), token.clone());
        Some(Running {
            downloads: self,
            file: file.clone(),
            token,
        })
    }

    /// Stops the download of `file`; false when none runs.
    pub fn cancel(&self, file: &HubFile) -> bool {
        match self.lock().get(file) {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<HubFile, CancellationToken>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Running<'_> {
    pub fn token(&self) -> &CancellationToken {
        &self.token
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.downloads.lock().remove(&self.file);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str) -> HubFile {
        HubFile::new("org/models", name)
    }

    #[test]
    fn one_download_per_file_until_it_ends() {
        let downloads = Downloads::default();
        let first = downloads.start(&file("a.gguf")).unwrap();
        assert!(downloads.start(&file("a.gguf")).is_none());
        let other = downloads.start(&file("b.gguf")).unwrap();
        drop(first);
        assert!(downloads.start(&file("a.gguf")).is_some());
        drop(other);
    }

    #[test]
    fn cancel_stops_only_that_download() {
        let downloads = Downloads::default();
        let a = downloads.start(&file("a.gguf")).unwrap();
        let b = downloads.start(&file("b.gguf")).unwrap();
        assert!(downloads.cancel(&file("a.gguf")));
        assert!(a.token().is_cancelled());
        assert!(!b.token().is_cancelled());
        drop(a);
        assert!(!downloads.cancel(&file("a.gguf")), "an ended download");
        assert!(!downloads.cancel(&file("c.gguf")), "one never started");
    }
}
