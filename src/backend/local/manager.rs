//! The models folder: GGUF files imported or downloaded into the data
//! folder, each known by its file name without `.gguf`.
//!
//! Nothing is kept besides the files themselves, so a model copied in by
//! hand is as good as one imported. Files only ever appear under their final
//! name complete and checked (copies and downloads go through a temporary
//! name and a rename), so a crash never leaves half a model that lists as
//! valid.

mod download;
mod error;
mod hub;
mod import;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

pub use download::DownloadProgress;
pub use error::{ManagerError, human_bytes};
pub use hub::{HubFile, HubOptions};

use super::summary::ModelSummary;
use crate::Studio;

/// The extension of model files.
pub const EXTENSION: &str = "gguf";

/// A model in the models folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct LocalModel {
    /// The file name without `.gguf`; unique in the folder.
    pub id: String,
    pub path: String,
    /// Where the file really is, when the model is a symbolic link.
    pub linked_to: Option<String>,
    /// `None` when the file cannot be read as a model; `problem` says why.
    pub summary: Option<ModelSummary>,
    pub problem: Option<String>,
}

/// How an imported file gets into the models folder.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum ImportMode {
    /// A copy: the original can be moved or deleted afterwards.
    #[default]
    Copy,
    /// No copy: a hard link when the file is on the same disk, else a
    /// symbolic link (the original must then stay where it is).
    Link,
}

/// The models folder of one data folder. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ModelManager {
    dir: PathBuf,
}

impl Studio {
    /// The local models in this data folder.
    pub fn models(&self) -> ModelManager {
        ModelManager::new(self.data_dir().models_dir())
    }
}

impl ModelManager {
    pub fn new(dir: impl Into<PathBuf>) -> ModelManager {
        ModelManager { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every model in the folder, by id, with its summary or what is wrong
    /// with it.
    #[tracing::instrument(skip_all, err)]
    pub async fn list(&self) -> Result<Vec<LocalModel>, ManagerError> {
        let dir = self.dir.clone();
        blocking(move || {
            let entries = match std::fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
                Err(e) => return Err(ManagerError::io("read the folder", &dir)(e)),
            };
            let mut models: Vec<LocalModel> = entries
                .filter_map(Result::ok)
                .filter_map(|entry| id_of_file(&entry.path()))
                .filter(|id| valid_id(id))
                .map(|id| describe(&dir, id))
                .collect();
            models.sort_by(|a, b| a.id.cmp(&b.id));
            Ok(models)
        })
        .await
    }

    /// One model by id.
    pub async fn get(&self, id: &str) -> Result<LocalModel, ManagerError> {
        let path = self.path_of(id)?;
        let (dir, id) = (self.dir.clone(), id.to_owned());
        blocking(move || {
            if path.symlink_metadata().is_err() {
                return Err(ManagerError::NotFound { id });
            }
            Ok(describe(&dir, id))
        })
        .await
    }

    /// Deletes a model's file (only the link, for a linked model).
    #[tracing::instrument(skip_all, err, fields(id))]
    pub async fn delete(&self, id: &str) -> Result<(), ManagerError> {
        let path = self.path_of(id)?;
        let id = id.to_owned();
        blocking(move || match std::fs::remove_file(&path) {
            Ok(()) => {
                tracing::info!(id, "model deleted");
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(ManagerError::NotFound { id })
            }
            Err(e) => Err(ManagerError::io("delete", path)(e)),
        })
        .await
    }

    /// The file a `--model` argument means: a model id in the folder first,
    /// else a path to a file.
    pub async fn resolve(&self, id_or_path: &str) -> Result<PathBuf, ManagerError> {
        let mut candidates = Vec::new();
        if let Ok(path) = self.path_of(id_or_path) {
            candidates.push(path);
        }
        if let Some(id) = id_or_path.strip_suffix(".gguf").filter(|id| valid_id(id)) {
            candidates.push(self.dir.join(format!("{id}.{EXTENSION}")));
        }
        candidates.push(PathBuf::from(id_or_path));
        let name = id_or_path.to_owned();
        blocking(move || {
            candidates
                .into_iter()
                .find(|path| path.is_file())
                .ok_or(ManagerError::NotFoundAnywhere { name })
        })
        .await
    }

    /// Checks that `source` is a model Scriptorium can run and brings it
    /// into the folder under its file name. A file that is refused leaves
    /// nothing behind.
    #[tracing::instrument(skip_all, err, fields(source = %source.display()))]
    pub async fn import(
        &self,
        source: &Path,
        mode: ImportMode,
    ) -> Result<LocalModel, ManagerError> {
        let (dir, source) = (self.dir.clone(), source.to_owned());
        blocking(move || import::import(&dir, &source, mode)).await
    }

    /// Downloads `file` from the hub into the folder, resuming an earlier
    /// partial download, checking it against the hub's SHA-256 and as a
    /// model. Cancelling keeps the partial file for the next call.
    #[tracing::instrument(skip_all, err, fields(repo = %file.repo, file = %file.file))]
    pub async fn download(
        &self,
        hub: &HubOptions,
        file: &HubFile,
        progress: &(dyn Fn(DownloadProgress) + Send + Sync),
        cancel: &CancellationToken,
    ) -> Result<LocalModel, ManagerError> {
        let id = download::download(&self.dir, hub, file, progress, cancel).await?;
        self.get(&id).await
    }

    fn path_of(&self, id: &str) -> Result<PathBuf, ManagerError> {
        if !valid_id(id) {
            return Err(ManagerError::InvalidId { id: id.to_owned() });
        }
        Ok(self.dir.join(format!("{id}.{EXTENSION}")))
    }
}

/// A model id names a file in the folder and nothing else.
pub(crate) fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 200
        && !id.starts_with('.')
        && !id.contains(['/', '\\'])
        && !id.chars().any(char::is_control)
}

/// The id of a model file: its name without `.gguf`.
fn id_of_file(path: &Path) -> Option<String> {
    if path.extension()? != EXTENSION {
        return None;
    }
    path.file_stem()?.to_str().map(str::to_owned)
}

fn describe(dir: &Path, id: String) -> LocalModel {
    let path = dir.join(format!("{id}.{EXTENSION}"));
    let linked_to = std::fs::read_link(&path)
        .ok()
        .map(|target| target.display().to_string());
    let (summary, problem) = match ModelSummary::read(&path) {
        Ok(summary) => (Some(summary), None),
        Err(error) => (None, Some(error.to_string())),
    };
    LocalModel {
        id,
        path: path.display().to_string(),
        linked_to,
        summary,
        problem,
    }
}

/// Runs file work off the async runtime.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ManagerError> + Send + 'static,
) -> Result<T, ManagerError> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|join| std::panic::resume_unwind(join.into_panic()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::local::gguf::testing::tiny_model;

    fn folder() -> (tempfile::TempDir, ModelManager) {
        let tmp = tempfile::tempdir().unwrap();
        let manager = ModelManager::new(tmp.path().join("models"));
        std::fs::create_dir_all(manager.dir()).unwrap();
        (tmp, manager)
    }

    #[test]
    fn ids_name_files_in_the_folder_only() {
        for id in ["qwen2.5-1.5b-instruct-q4_k_m", "Llama 3 (mine)", "模型"] {
            assert!(valid_id(id), "{id}");
        }
        for id in ["", ".hidden", "../up", "a/b", "a\\b", "tab\there"] {
            assert!(!valid_id(id), "{id}");
        }
    }

    #[tokio::test]
    async fn lists_models_with_summaries_and_problems() {
        let (_tmp, manager) = folder();
        std::fs::write(manager.dir().join("good.gguf"), tiny_model()).unwrap();
        std::fs::write(manager.dir().join("bad.gguf"), b"not a model").unwrap();
        for ignored in ["notes.txt", "big.gguf.part", ".hidden.gguf"] {
            std::fs::write(manager.dir().join(ignored), b"x").unwrap();
        }
        let models = manager.list().await.unwrap();
        let ids: Vec<_> = models.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["bad", "good"]);
        assert!(models[0].summary.is_none());
        assert!(
            models[0]
                .problem
                .as_deref()
                .unwrap()
                .contains("is not a GGUF model file"),
            "{:?}",
            models[0].problem
        );
        let good = models[1].summary.as_ref().unwrap();
        assert_eq!(good.architecture.as_deref(), Some("llama"));
        assert_eq!(models[1].problem, None);
    }

    #[tokio::test]
    async fn a_missing_folder_lists_nothing() {
        let manager = ModelManager::new("/nonexistent/scriptorium/models");
        assert!(manager.list().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn delete_and_resolve() {
        let (tmp, manager) = folder();
        std::fs::write(manager.dir().join("m.gguf"), tiny_model()).unwrap();
        let outside = tmp.path().join("elsewhere.gguf");
        std::fs::write(&outside, tiny_model()).unwrap();

        let by_id = manager.dir().join("m.gguf");
        assert_eq!(manager.resolve("m").await.unwrap(), by_id);
        assert_eq!(manager.resolve("m.gguf").await.unwrap(), by_id);
        let path = outside.to_str().unwrap();
        assert_eq!(manager.resolve(path).await.unwrap(), outside);
        let missing = manager.resolve("nope").await.unwrap_err();
        assert_eq!(
            missing.to_string(),
            "There is no local model \"nope\", and no model file at that path."
        );

        manager.delete("m").await.unwrap();
        assert!(!by_id.exists());
        let again = manager.delete("m").await.unwrap_err();
        assert_eq!(again.code(), "model_not_found");
        let sneaky = manager.delete("../elsewhere").await.unwrap_err();
        assert_eq!(sneaky.code(), "invalid_model_id");
        assert!(outside.exists());
    }
}
