//! Generations as stored: the rows the recorder writes, read back.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::backend::Prompt;
use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            GenerationStatus::Streaming => "streaming",
            GenerationStatus::Done => "done",
            GenerationStatus::Cancelled => "cancelled",
            GenerationStatus::Error => "error",
            GenerationStatus::Interrupted => "interrupted",
        }
    }

    pub(crate) fn parse(text: &str) -> GenerationStatus {
        match text {
            "streaming" => GenerationStatus::Streaming,
            "done" => GenerationStatus::Done,
            "cancelled" => GenerationStatus::Cancelled,
            "interrupted" => GenerationStatus::Interrupted,
            _ => GenerationStatus::Error,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ChoiceOutput {
    pub index: u32,
    pub text: String,
    pub reasoning: String,
    pub finish_reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct TokenUsage {
    pub prompt: u32,
    pub completion: u32,
    /// Counted locally because the server reported none.
    pub estimated: bool,
    /// Prompt tokens served from a cache instead of processed again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached: Option<u32>,
}

/// What a generation was made for, and which row of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum SourceKind {
    /// A conversation message.
    Message,
    /// A story revision.
    Revision,
    /// A translation segment.
    Segment,
}

impl SourceKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SourceKind::Message => "message",
            SourceKind::Revision => "revision",
            SourceKind::Segment => "segment",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<SourceKind> {
        match text {
            "message" => Some(SourceKind::Message),
            "revision" => Some(SourceKind::Revision),
            "segment" => Some(SourceKind::Segment),
            _ => None,
        }
    }
}

/// The message, revision or segment a generation produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SourceLink {
    pub kind: SourceKind,
    pub id: i64,
}

/// Decode speed: completion tokens over the time after the first token.
/// `None` without tokens or without time to divide by.
pub fn tokens_per_second(
    completion_tokens: Option<u32>,
    ttft_ms: Option<u32>,
    total_ms: Option<u32>,
) -> Option<f64> {
    let tokens = completion_tokens.filter(|&t| t > 0)?;
    let decoding = total_ms?
        .checked_sub(ttft_ms.unwrap_or(0))
        .filter(|&ms| ms > 0)?;
    Some(f64::from(tokens) * 1000.0 / f64::from(decoding))
}

/// One stored generation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    pub favourite: bool,
    pub tags: Vec<String>,
    pub source: Option<SourceLink>,
    /// The generation this one re-ran.
    pub rerun_of: Option<i64>,
    /// Derived from the counts and timings; ignored when imported.
    pub tokens_per_second: Option<f64>,
}

pub(crate) fn load(conn: &Connection, id: i64) -> Result<GenerationRecord> {
    let record = conn
        .query_row(
            "SELECT id, kind, backend_name, model, params, prompt, status, error,
                    prompt_tokens, completion_tokens, tokens_estimated, ttft_ms, total_ms,
                    created_at, finished_at, favourite, source_kind, source_id, rerun_of,
                    cached_tokens
             FROM generations WHERE id = ?1",
            [id],
            |row| {
                let prompt_tokens: Option<u32> = row.get(8)?;
                let completion_tokens: Option<u32> = row.get(9)?;
                let (ttft_ms, total_ms) = (row.get(11)?, row.get(12)?);
                let source_kind: Option<String> = row.get(16)?;
                let source_id: Option<i64> = row.get(17)?;
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
                            cached: row.get(19).unwrap_or(None),
                        }),
                    ttft_ms,
                    total_ms,
                    created_at: row.get(13)?,
                    finished_at: row.get(14)?,
                    favourite: row.get(15)?,
                    tags: Vec::new(),
                    source: source_kind
                        .as_deref()
                        .and_then(SourceKind::parse)
                        .zip(source_id)
                        .map(|(kind, id)| SourceLink { kind, id }),
                    rerun_of: row.get(18)?,
                    tokens_per_second: tokens_per_second(completion_tokens, ttft_ms, total_ms),
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
    record.tags = conn
        .prepare_cached("SELECT tag FROM generation_tags WHERE generation_id = ?1 ORDER BY tag")?
        .query_map([id], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(record)
}

fn parse_json(text: String) -> serde_json::Value {
    serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_per_second_counts_the_time_after_the_first_token() {
        assert_eq!(
            tokens_per_second(Some(100), Some(500), Some(2_500)),
            Some(50.0)
        );
        assert_eq!(tokens_per_second(Some(100), None, Some(2_000)), Some(50.0));
        for (tokens, ttft, total) in [
            (None, Some(1), Some(2)),
            (Some(0), Some(1), Some(2)),
            (Some(5), Some(9), Some(9)),
            (Some(5), Some(10), Some(9)),
            (Some(5), Some(1), None),
        ] {
            assert_eq!(
                tokens_per_second(tokens, ttft, total),
                None,
                "{tokens:?} {ttft:?} {total:?}"
            );
        }
    }
}
