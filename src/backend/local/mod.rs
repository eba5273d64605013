//! Local models: GGUF files run in-process with candle, nothing leaves the
//! machine; and the folder that keeps them.

pub mod catalog;
pub mod chat_template;
pub mod engine;
pub mod gguf;
pub mod manager;
pub mod model;
pub mod sampler;
mod stop;
pub mod summary;
mod think;
pub mod threads;
pub mod tokenizer;

use std::sync::OnceLock;

use tokio_util::sync::CancellationToken;

use super::{Backend, BackendError, EventStream, GenerateRequest, ModelInfo};
pub use catalog::{CATALOG, CatalogEntry};
pub use chat_template::{ChatTemplate, ChatTemplateError};
pub use engine::{Engine, EngineOptions, EngineStatus};
pub use manager::{
    DownloadProgress, HubFile, HubOptions, ImportMode, LocalModel, ManagerError, ModelManager,
};
pub use summary::ModelSummary;
pub use threads::LocalThreads;
pub use tokenizer::{LocalTokenizer, StreamDecoder, TokenizerError, TokenizerSource};

/// The name the local backend answers to.
pub const BACKEND_NAME: &str = "local";

/// The `local` backend: models from the models folder, or any GGUF path.
#[derive(Debug)]
pub struct LocalBackend {
    models: ModelManager,
    options: EngineOptions,
    /// Started on first use, so a studio that never runs a local model has
    /// no extra thread.
    engine: OnceLock<Engine>,
}

impl LocalBackend {
    pub fn new(models: ModelManager, options: EngineOptions) -> LocalBackend {
        LocalBackend {
            models,
            options,
            engine: OnceLock::new(),
        }
    }

    pub fn engine(&self) -> &Engine {
        self.engine
            .get_or_init(|| Engine::start(self.options.clone()))
    }

    /// What the engine is doing; `Idle` while it has not started.
    pub fn status(&self) -> EngineStatus {
        self.engine.get().map_or(EngineStatus::Idle, |engine| {
            engine.status().borrow().clone()
        })
    }
}

#[async_trait::async_trait]
impl Backend for LocalBackend {
    async fn models(&self) -> Result<Vec<ModelInfo>, BackendError> {
        let models = self.models.list().await.map_err(|e| BackendError::Local {
            message: e.to_string(),
        })?;
        Ok(models
            .into_iter()
            .filter(|model| model.problem.is_none())
            .map(|model| ModelInfo {
                id: model.id,
                owned_by: None,
            })
            .collect())
    }

    fn generate(&self, request: GenerateRequest, cancel: CancellationToken) -> EventStream {
        let models = self.models.clone();
        let engine = self.engine().clone();
        Box::pin(async_stream::stream! {
            match models.resolve(&request.model).await {
                Ok(path) => {
                    let mut events = engine.generate(path, request, cancel);
                    while let Some(event) = futures::StreamExt::next(&mut events).await {
                        yield event;
                    }
                }
                Err(error) => yield Err(BackendError::Local { message: error.to_string() }),
            }
        })
    }
}
