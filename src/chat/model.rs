//! Conversations and messages as the front ends see them.

use serde::{Deserialize, Serialize};

use crate::backend::{Params, Role};
use crate::generation::GenerationStatus;

/// The context window a new conversation assumes until the person sets one.
pub const DEFAULT_CONTEXT_TOKENS: u32 = 8192;

/// One row of the conversation list.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ConversationSummary {
    pub id: i64,
    pub title: String,
    pub pinned: bool,
    pub persona: Option<String>,
    pub message_count: u32,
    pub updated_at: String,
}

/// What a conversation sends with every turn; changeable at any time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct ChatSettings {
    /// `None`: the default backend.
    pub backend: Option<String>,
    /// Empty: the backend's default model.
    pub model: String,
    pub params: Params,
    pub system_prompt: String,
    /// The context window in tokens; older messages are left out beyond it.
    pub context_tokens: u32,
}

impl Default for ChatSettings {
    fn default() -> Self {
        ChatSettings {
            backend: None,
            model: String::new(),
            params: Params::default(),
            system_prompt: String::new(),
            context_tokens: DEFAULT_CONTEXT_TOKENS,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    pub id: i64,
    pub title: String,
    pub pinned: bool,
    pub persona: Option<String>,
    pub settings: ChatSettings,
    /// The last message of the branch on screen.
    pub head_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub role: Role,
    pub content: String,
    pub reasoning: String,
    pub status: MessageStatus,
    pub error: Option<String>,
    pub pinned: bool,
    pub generation_id: Option<i64>,
    pub created_at: String,
}

/// How an assistant message's generation ended (user messages are `done`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum MessageStatus {
    Streaming,
    Done,
    Cancelled,
    Error,
    Interrupted,
}

impl MessageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Streaming => "streaming",
            MessageStatus::Done => "done",
            MessageStatus::Cancelled => "cancelled",
            MessageStatus::Error => "error",
            MessageStatus::Interrupted => "interrupted",
        }
    }

    pub fn parse(text: &str) -> MessageStatus {
        match text {
            "streaming" => MessageStatus::Streaming,
            "done" => MessageStatus::Done,
            "cancelled" => MessageStatus::Cancelled,
            "interrupted" => MessageStatus::Interrupted,
            _ => MessageStatus::Error,
        }
    }
}

impl From<GenerationStatus> for MessageStatus {
    fn from(status: GenerationStatus) -> Self {
        match status {
            GenerationStatus::Streaming => MessageStatus::Streaming,
            GenerationStatus::Done => MessageStatus::Done,
            GenerationStatus::Cancelled => MessageStatus::Cancelled,
            GenerationStatus::Error => MessageStatus::Error,
            GenerationStatus::Interrupted => MessageStatus::Interrupted,
        }
    }
}

/// A conversation with its whole tree and what the next turn would send.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ConversationView {
    pub conversation: Conversation,
    /// Every message of every branch, oldest first.
    pub messages: Vec<Message>,
    /// The branch on screen, root first.
    pub branch: Vec<i64>,
    pub context: ContextReport,
}

/// The branch measured against the context window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ContextReport {
    /// Estimated tokens of the system prompt and the whole branch.
    pub total_tokens: u32,
    /// Tokens of what is sent after trimming.
    pub sent_tokens: u32,
    /// What the prompt may take: the window less room for the answer.
    pub budget: u32,
    /// Messages of the branch left out, oldest first.
    pub dropped: Vec<i64>,
}

/// What a turn adds to the tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Turn {
    /// A new user message under `parent` (`None`: the first message).
    Send { parent: Option<i64>, text: String },
    /// A new answer beside the assistant message `message`.
    Regenerate { message: i64 },
    /// A new user message beside `message`, with the new text, and its answer.
    Edit { message: i64, text: String },
}

/// The messages a turn created, before the answer streams in.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct TurnStarted {
    pub user: Option<Message>,
    pub assistant: Message,
    pub context: ContextReport,
}

/// Which part of the tree an export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum ExportScope {
    Branch,
    Tree,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum ConversationFormat {
    Markdown,
    Json,
}
