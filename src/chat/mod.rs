//! Chat: conversations as message trees, streamed turns, context-window
//! trimming, export and import.

mod coalesce;
mod export;
mod model;
mod rows;
mod service;
pub mod tree;
pub mod trim;

pub use export::{EXPORT_VERSION, ExportedConversation, ExportedMessage};
pub use model::{
    ChatSettings, ContextReport, Conversation, ConversationFormat, ConversationSummary,
    ConversationView, DEFAULT_CONTEXT_TOKENS, ExportScope, Message, MessageStatus, Turn,
    TurnStarted,
};
pub use service::{ChatRuns, ChatService, NewConversation};
