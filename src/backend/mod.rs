//! Model backends behind one trait.
//!
//! A backend turns a [`GenerateRequest`] into a stream of [`Event`]s. The
//! stream is lazy, ends after the last choice is done, and yields at most one
//! error, after which it ends. Cancelling the token ends it promptly and
//! releases the connection or the engine.

pub mod error;
pub mod local;
pub mod openai;
pub mod presets;
pub mod probe;
pub mod registry;
mod request;

use std::pin::Pin;

use futures::Stream;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

pub use error::BackendError;
pub use request::{ChatMessage, GenerateRequest, Params, Prompt, Role};

/// One step of a generation, for one choice (`n > 1` streams several).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Event {
    /// Answer text.
    Delta { choice: u32, text: String },
    /// Reasoning ("thinking") text, kept apart from the answer.
    Reasoning { choice: u32, text: String },
    /// Token counts as the server reports them; `cached` prompt tokens
    /// were not processed again (a reused prefix or a prompt cache).
    Usage {
        prompt: u32,
        completion: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cached: Option<u32>,
    },
    /// The choice is complete.
    Done {
        choice: u32,
        finish_reason: Option<String>,
    },
}

pub type EventStream = Pin<Box<dyn Stream<Item = Result<Event, BackendError>> + Send>>;

/// A model a backend offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ModelInfo {
    pub id: String,
    pub owned_by: Option<String>,
}

#[async_trait::async_trait]
pub trait Backend: Send + Sync + std::fmt::Debug {
    /// The models this backend can run now.
    async fn models(&self) -> Result<Vec<ModelInfo>, BackendError>;

    /// Starts a generation; nothing is sent until the stream is polled.
    fn generate(&self, request: GenerateRequest, cancel: CancellationToken) -> EventStream;
}
