//! Where Scriptorium keeps its data.

use std::path::{Path, PathBuf};

/// The application identifier; the desktop shell's `tauri.conf.json` uses the
/// same one, so the app and the CLI share one data folder.
pub const APP_IDENTIFIER: &str = "app.scriptorium.studio";

/// Environment variable that overrides the data folder (tests always set it).
pub const HOME_ENV: &str = "SCRIPTORIUM_HOME";

/// The data folder: `SCRIPTORIUM_HOME` when set, else the platform's
/// app-data folder (`~/.local/share/app.scriptorium.studio` on Linux).
pub fn default_data_dir() -> PathBuf {
    match std::env::var_os(HOME_ENV) {
        Some(home) if !home.is_empty() => PathBuf::from(home),
        _ => dirs::data_dir()
            .unwrap_or_else(|| PathBuf::from("."))
            .join(APP_IDENTIFIER),
    }
}

/// The layout of one data folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DataDir { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn db_path(&self) -> PathBuf {
        self.root.join("scriptorium.db")
    }

    pub fn log_dir(&self) -> PathBuf {
        self.root.join("logs")
    }

    pub fn models_dir(&self) -> PathBuf {
        self.root.join("models")
    }

    /// The best-match search index: a cache of the database's search text,
    /// rebuilt whenever it is missing.
    pub fn search_index_dir(&self) -> PathBuf {
        self.root.join("search-index")
    }

    /// Creates the folder tree and proves it is writable, so a read-only or
    /// misplaced folder is reported up front rather than on the first save.
    pub fn prepare(&self) -> crate::Result<()> {
        let unusable = |reason: &str, source| crate::Error::DataDirUnusable {
            path: self.root.clone(),
            reason: reason.to_owned(),
            source,
        };
        for dir in [self.root.clone(), self.log_dir(), self.models_dir()] {
            std::fs::create_dir_all(&dir).map_err(|e| unusable("it cannot be created", e))?;
        }
        let probe = self.root.join(".write-check");
        std::fs::write(&probe, b"").map_err(|e| unusable("it is not writable", e))?;
        std::fs::remove_file(&probe).map_err(|e| unusable("it is not writable", e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_lives_under_the_root() {
        let dir = DataDir::new("/data/home");
        assert_eq!(dir.db_path(), Path::new("/data/home/scriptorium.db"));
        assert_eq!(dir.log_dir(), Path::new("/data/home/logs"));
        assert_eq!(dir.models_dir(), Path::new("/data/home/models"));
        assert_eq!(dir.search_index_dir(), Path::new("/data/home/search-index"));
    }

    #[test]
    fn prepare_creates_the_tree() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::new(tmp.path().join("nested/home"));
        dir.prepare().unwrap();
        assert!(dir.log_dir().is_dir());
        assert!(dir.models_dir().is_dir());
        assert!(!dir.root().join(".write-check").exists());
    }

    #[test]
    fn prepare_reports_a_folder_that_cannot_exist() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("plain-file");
        std::fs::write(&file, "x").unwrap();
        let err = DataDir::new(file.join("home")).prepare().unwrap_err();
        assert_eq!(err.code(), "data_dir_unusable");
        assert!(err.to_string().contains("cannot be created"), "{err}");
    }
}
