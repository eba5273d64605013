//! Local models: GGUF files run in-process with candle, nothing leaves the
//! machine.

pub mod engine;
pub mod model;
pub mod sampler;
mod stop;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use tokio_util::sync::CancellationToken;

use super::{Backend, BackendError, EventStream, GenerateRequest, ModelInfo};
pub use engine::{Engine, EngineOptions, EngineStatus};

/// The name the local backend answers to.
pub const BACKEND_NAME: &str = "local";

/// The `local` backend: models from the models folder, or any GGUF path.
#[derive(Debug)]
pub struct LocalBackend {
    models_dir: PathBuf,
    options: EngineOptions,
    /// Started on first use, so a studio that never runs a local model has
    /// no extra thread.
    engine: OnceLock<Engine>,
}

impl LocalBackend {
    pub fn new(models_dir: PathBuf, options: EngineOptions) -> LocalBackend {
        LocalBackend {
            models_dir,
            options,
            engine: OnceLock::new(),
        }
    }

    pub fn engine(&self) -> &Engine {
        self.engine
            .get_or_init(|| Engine::start(self.options.clone()))
    }

    /// A model id from the models folder, or a path to a GGUF file.
    pub fn resolve(&self, model: &str) -> Result<PathBuf, BackendError> {
        let model = model.trim();
        let by_id = self.models_dir.join(format!("{model}.gguf"));
        let candidates = [by_id, PathBuf::from(model)];
        candidates
            .into_iter()
            .find(|path| !model.is_empty() && path.is_file())
            .ok_or_else(|| BackendError::Local {
                message: format!(
                    "There is no local model \"{model}\": give a model id from the models \
                     folder ({}) or the path of a .gguf file.",
                    self.models_dir.display()
                ),
            })
    }
}

#[async_trait::async_trait]
impl Backend for LocalBackend {
    async fn models(&self) -> Result<Vec<ModelInfo>, BackendError> {
        let dir = self.models_dir.clone();
        let ids = tokio::task::spawn_blocking(move || model_ids(&dir))
            .await
            .map_err(|e| BackendError::Local {
                message: format!("Listing local models failed: {e}."),
            })?;
        Ok(ids
            .into_iter()
            .map(|id| ModelInfo { id, owned_by: None })
            .collect())
    }

    fn generate(&self, request: GenerateRequest, cancel: CancellationToken) -> EventStream {
        match self.resolve(&request.model) {
            Ok(path) => self.engine().generate(path, request, cancel),
            Err(error) => Box::pin(futures::stream::once(async { Err(error) })),
        }
    }
}

/// The ids of the models in `dir`: their file names without `.gguf`.
fn model_ids(dir: &Path) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let path = entry.path();
            (path.extension()? == "gguf").then(|| path.file_stem()?.to_str().map(str::to_owned))?
        })
        .collect();
    ids.sort();
    ids
}
