//! Conversations as files: Markdown to read, JSON to import back.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::model::{ChatSettings, ConversationView, ExportScope, Message, MessageStatus};
use crate::backend::Role;
use crate::{Error, Result};

/// The JSON export's format version; import refuses newer ones.
pub const EXPORT_VERSION: u32 = 1;

/// A conversation as exported: settings, messages (ids only link them
/// within the file) and the head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedConversation {
    pub scriptorium_conversation: u32,
    pub title: String,
    #[serde(default)]
    pub persona: Option<String>,
    #[serde(default)]
    pub settings: ChatSettings,
    pub head_id: Option<i64>,
    pub messages: Vec<ExportedMessage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedMessage {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub role: Role,
    pub content: String,
    #[serde(default)]
    pub reasoning: String,
    #[serde(default = "done")]
    pub status: MessageStatus,
    #[serde(default)]
    pub pinned: bool,
    #[serde(default)]
    pub created_at: String,
}

fn done() -> MessageStatus {
    MessageStatus::Done
}

fn selected(view: &ConversationView, scope: ExportScope) -> Vec<&Message> {
    match scope {
        ExportScope::Tree => view.messages.iter().collect(),
        ExportScope::Branch => {
            let by_id: HashMap<i64, &Message> = view.messages.iter().map(|m| (m.id, m)).collect();
            view.branch
                .iter()
                .filter_map(|id| by_id.get(id).copied())
                .collect()
        }
    }
}

pub fn to_exported(view: &ConversationView, scope: ExportScope) -> ExportedConversation {
    let conversation = &view.conversation;
    ExportedConversation {
        scriptorium_conversation: EXPORT_VERSION,
        title: conversation.title.clone(),
        persona: conversation.persona.clone(),
        settings: conversation.settings.clone(),
        head_id: conversation.head_id,
        messages: selected(view, scope)
            .into_iter()
            .map(|m| ExportedMessage {
                id: m.id,
                parent_id: m.parent_id,
                role: m.role,
                content: m.content.clone(),
                reasoning: m.reasoning.clone(),
                status: match m.status {
                    MessageStatus::Streaming => MessageStatus::Interrupted,
                    other => other,
                },
                pinned: m.pinned,
                created_at: m.created_at.clone(),
            })
            .collect(),
    }
}

pub fn to_json(view: &ConversationView, scope: ExportScope) -> String {
    serde_json::to_string_pretty(&to_exported(view, scope)).unwrap_or_default()
}

/// Markdown for people: the branch in order; for the tree, every message
/// with the one it answers.
pub fn to_markdown(view: &ConversationView, scope: ExportScope) -> String {
    let conversation = &view.conversation;
    let mut out = String::new();
    let title = if conversation.title.is_empty() {
        "Chat"
    } else {
        &conversation.title
    };
    let _ = writeln!(out, "# {title}\n");
    let system = conversation.settings.system_prompt.trim();
    if !system.is_empty() {
        let _ = writeln!(out, "## System\n\n{system}\n");
    }
    for message in selected(view, scope) {
        let role = match message.role {
            Role::System => "System",
            Role::User => "User",
            Role::Assistant => "Assistant",
        };
        let _ = write!(out, "## {role}");
        if scope == ExportScope::Tree {
            let _ = write!(out, " (#{}", message.id);
            if let Some(parent) = message.parent_id {
                let _ = write!(out, ", reply to #{parent}");
            }
            out.push(')');
        }
        if message.status != MessageStatus::Done {
            let _ = write!(out, " [{}]", message.status.as_str());
        }
        out.push_str("\n\n");
        if !message.reasoning.is_empty() {
            for line in message.reasoning.lines() {
                let _ = writeln!(out, "> {line}");
            }
            out.push('\n');
        }
        let _ = writeln!(out, "{}\n", message.content);
    }
    out
}

/// Parses and checks an export: known version, every parent in the file
/// and before its children, and a head among the messages.
pub fn parse(json: &str) -> Result<ExportedConversation> {
    let invalid = |reason: String| Error::InvalidChat { reason };
    let exported: ExportedConversation = serde_json::from_str(json)
        .map_err(|e| invalid(format!("not a conversation export: {e}")))?;
    if exported.scriptorium_conversation > EXPORT_VERSION {
        return Err(invalid(format!(
            "the export has format {}, this version reads up to {EXPORT_VERSION}",
            exported.scriptorium_conversation
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for message in &exported.messages {
        if let Some(parent) = message.parent_id
            && !seen.contains(&parent)
        {
            return Err(invalid(format!(
                "message {} answers {parent}, which comes later or is missing",
                message.id
            )));
        }
        if !seen.insert(message.id) {
            return Err(invalid(format!("message {} appears twice", message.id)));
        }
    }
    if let Some(head) = exported.head_id
        && !seen.contains(&head)
    {
        return Err(invalid(format!(
            "the head {head} is not among the messages"
        )));
    }
    Ok(exported)
}

/// A file name from a title: letters, digits (any script) and dashes.
pub fn file_stem(title: &str, id: i64) -> String {
    let mut stem = String::new();
    for c in title.chars() {
        if c.is_alphanumeric() {
            stem.push(c);
        } else if !stem.ends_with('-') && !stem.is_empty() {
            stem.push('-');
        }
        if stem.chars().count() >= 48 {
            break;
        }
    }
    let stem = stem.trim_end_matches('-');
    if stem.is_empty() {
        format!("chat-{id}")
    } else {
        format!("chat-{stem}")
    }
}
