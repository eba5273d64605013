//! What a caller asks a backend for.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
}

impl ChatMessage {
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        ChatMessage {
            role,
            content: content.into(),
        }
    }
}

/// Chat messages for instruction models, or raw text to continue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "format", rename_all = "lowercase")]
pub enum Prompt {
    Chat { messages: Vec<ChatMessage> },
    Completion { text: String },
}

/// Shows a prompt as a person reads it: each message under its role, or
/// the completion text exactly.
impl fmt::Display for Prompt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Prompt::Completion { text } => f.write_str(text),
            Prompt::Chat { messages } => {
                for (index, message) in messages.iter().enumerate() {
                    if index > 0 {
                        f.write_str("\n\n")?;
                    }
                    write!(f, "── {} ──\n{}", message.role.as_str(), message.content)?;
                }
                Ok(())
            }
        }
    }
}

/// Sampling parameters. `None` leaves the server's default in force.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct Params {
    pub temperature: Option<f32>,
    pub top_p: Option<f32>,
    pub top_k: Option<u32>,
    pub min_p: Option<f32>,
    pub max_tokens: Option<u32>,
    pub stop: Vec<String>,
    /// How many independent choices to generate.
    pub n: u32,
    pub seed: Option<i64>,
    pub presence_penalty: Option<f32>,
    pub frequency_penalty: Option<f32>,
    pub repetition_penalty: Option<f32>,
    /// Provider-specific knobs passed through as they are.
    pub extra: Map<String, Value>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            temperature: None,
            top_p: None,
            top_k: None,
            min_p: None,
            max_tokens: None,
            stop: Vec::new(),
            n: 1,
            seed: None,
            presence_penalty: None,
            frequency_penalty: None,
            repetition_penalty: None,
            extra: Map::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct GenerateRequest {
    pub model: String,
    pub prompt: Prompt,
    #[serde(default)]
    pub params: Params,
}
