//! Generations as stored: the rows the recorder writes, read back.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::backend::Prompt;
use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum GenerationStatus {
    Streaming,
    Done,
    Cancelled,
    Error,
    /// The process died mid-stream; the text up to then is kept.
    Interrupted,
}

impl GenerationStatus {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            GenerationStatus::Streaming => "streaming",
            GenerationStatus::Done => "done",
            GenerationStatus::Cancelled => "cancelled",
            GenerationStatus::Error => "error",
            GenerationStatus::Interrupted => "interrupted",
        }
    }

    fn parse(text: &str) -> GenerationStatus {
        match text {
            "streaming" => GenerationStatus::Streaming,
            "done" => GenerationStatus::Done,
            "cancelled" => GenerationStatus::Cancelled,
            "interrupted" => GenerationStatus::Interrupted,
            _ => GenerationStatus::Error,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ChoiceOutput {
    pub index: u32,
    pub text: String,
    pub reasoning: String,
    pub finish_reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct TokenUsage {
    pub prompt: u32,
    pub completion: u32,
    /// Counted locally because the server reported none.
    pub estimated: bool,
}

/// One stored generation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct GenerationRecord {
    pub id: i64,
    pub kind: String,
    pub backend: Option<String>,
    pub model: Option<String>,
    pub params: serde_json::Value,
    pub prompt: Prompt,
    pub status: GenerationStatus,
    pub error: Option<String>,
    pub choices: Vec<ChoiceOutput>,
    pub usage: Option<TokenUsage>,
    pub ttft_ms: Option<u32>,
    pub total_ms: Option<u32>,
    pub created_at: String,
    pub finished_at: Option<String>,
}

pub(super) fn load(conn: &Connection, id: i64) -> Result<GenerationRecord> {
    let record = conn
        .query_row(
            "SELECT id, kind, backend_name, model, params, prompt, status, error,
                    prompt_tokens, completion_tokens, tokens_estimated, ttft_ms, total_ms,
                    created_at, finished_at
             FROM generations WHERE id = ?1",
            [id],
            |row| {
                let prompt_tokens: Option<u32> = row.get(8)?;
                let completion_tokens: Option<u32> = row.get(9)?;
                Ok(GenerationRecord {
                    id: row.get(0)?,
                    kind: row.get(1)?,
                    backend: row.get(2)?,
                    model: row.get(3)?,
                    params: parse_json(row.get::<_, String>(4)?),
                    prompt: serde_json::from_str(&row.get::<_, String>(5)?).unwrap_or(
                        Prompt::Completion {
                            text: String::new(),
                        },
                    ),
                    status: GenerationStatus::parse(&row.get::<_, String>(6)?),
                    error: row.get(7)?,
                    choices: Vec::new(),
                    usage: prompt_tokens
                        .zip(completion_tokens)
                        .map(|(prompt, completion)| TokenUsage {
                            prompt,
                            completion,
                            estimated: row.get::<_, bool>(10).unwrap_or(false),
                        }),
                    ttft_ms: row.get(11)?,
                    total_ms: row.get(12)?,
                    created_at: row.get(13)?,
                    finished_at: row.get(14)?,
                })
            },
        )
        .optional()?;
    let mut record = record.ok_or(Error::GenerationNotFound { id })?;
    let mut query = conn.prepare(
        "SELECT idx, text, reasoning, finish_reason FROM generation_choices
         WHERE generation_id = ?1 ORDER BY idx",
    )?;
    record.choices = query
        .query_map(params![id], |row| {
            Ok(ChoiceOutput {
                index: row.get(0)?,
                text: row.get(1)?,
                reasoning: row.get(2)?,
                finish_reason: row.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(record)
}

fn parse_json(text: String) -> serde_json::Value {
    serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
}
