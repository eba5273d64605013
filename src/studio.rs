//! The `Studio` facade: one opened data folder and its services.

use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

use crate::backend::local::{EngineOptions, LocalBackend, ModelManager};
use crate::backend::registry::Backends;
use crate::chat::{ChatRuns, ChatService};
use crate::history::{RankedIndex, RankedSnapshot};
use crate::paths::DataDir;
use crate::secrets::{Secrets, SecretsMode};
use crate::settings::SettingsService;
use crate::store::Store;
use crate::template::TemplateService;
use crate::{Result, VERSION};

/// One opened data folder. Cheap to clone; clones share the store.
#[derive(Debug, Clone)]
pub struct Studio {
    data_dir: DataDir,
    store: Store,
    backends: Backends,
    chat_runs: ChatRuns,
    ranked: Arc<RankedIndex>,
}

/// What a front end shows about the opened studio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct StudioInfo {
    pub version: String,
    pub data_dir: String,
    pub db_path: String,
    pub log_dir: String,
    pub schema_version: u32,
}

impl Studio {
    /// Prepares `data_dir` and opens its store, migrating it forward.
    ///
    /// Blocking (file system and SQLite work): call it at start-up or from a
    /// blocking thread.
    pub fn open(data_dir: impl AsRef<std::path::Path>) -> Result<Studio> {
        Studio::open_with(data_dir, SecretsMode::from_env())
    }

    /// [`Studio::open`] with an explicit key store (tests keep keys in the
    /// data folder instead of the real keychain).
    #[tracing::instrument(skip_all, err, fields(data_dir = %data_dir.as_ref().display()))]
    pub fn open_with(
        data_dir: impl AsRef<std::path::Path>,
        secrets: SecretsMode,
    ) -> Result<Studio> {
        let data_dir = DataDir::new(data_dir.as_ref());
        data_dir.prepare()?;
        let store = Store::open(&data_dir.db_path())?;
        // Only waits on the writer thread, never on the async runtime.
        let interrupted =
            futures::executor::block_on(store.write(crate::generation::recover_interrupted))?;
        if interrupted > 0 {
            tracing::warn!(
                interrupted,
                "generations cut off by an earlier exit were marked interrupted"
            );
        }
        let local = LocalBackend::new(
            ModelManager::new(data_dir.models_dir()),
            EngineOptions::default(),
        );
        let backends = Backends::new(store.clone(), Secrets::new(data_dir.root(), secrets), local);
        let ranked = RankedIndex::start(data_dir.search_index_dir(), store.clone());
        let studio = Studio {
            data_dir,
            store,
            backends,
            chat_runs: ChatRuns::default(),
            ranked: Arc::new(ranked),
        };
        // Conversations deleted in an earlier session are past their undo.
        let purged = futures::executor::block_on(studio.chat().purge_deleted())?;
        if purged > 0 {
            tracing::info!(purged, "deleted conversations purged");
        }
        tracing::info!(version = VERSION, "studio opened");
        Ok(studio)
    }

    pub fn data_dir(&self) -> &DataDir {
        &self.data_dir
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The model backends set up in this data folder.
    pub fn backends(&self) -> Backends {
        self.backends.clone()
    }

    pub fn settings(&self) -> SettingsService {
        SettingsService::new(self.store.clone())
    }

    /// The prompt template library: built-ins and the person's own.
    pub fn templates(&self) -> TemplateService {
        TemplateService::new(self.store.clone())
    }

    /// Conversations: message trees and streamed turns.
    pub fn chat(&self) -> ChatService {
        ChatService::new(self.clone())
    }

    /// The best-match search index as searches may read it now.
    pub(crate) fn ranked_index(&self) -> Option<Arc<RankedSnapshot>> {
        self.ranked.snapshot()
    }

    pub(crate) fn chat_runs(&self) -> ChatRuns {
        self.chat_runs.clone()
    }

    pub async fn info(&self) -> Result<StudioInfo> {
        let display = |path: PathBuf| path.display().to_string();
        Ok(StudioInfo {
            version: VERSION.to_owned(),
            data_dir: display(self.data_dir.root().to_owned()),
            db_path: display(self.data_dir.db_path()),
            log_dir: display(self.data_dir.log_dir()),
            schema_version: self.store.schema_version().await?,
        })
    }
}
