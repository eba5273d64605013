//! The conversation and message rows: plain SQL on a connection.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::model::{ChatSettings, Conversation, ConversationSummary, Message, MessageStatus};
use crate::backend::{Params, Role};
use crate::{Error, Result};

const CONVERSATION_COLUMNS: &str = "id, title, pinned, persona, backend, model, params,
    system_prompt, context_tokens, head_id, created_at, updated_at";

fn conversation(row: &Row<'_>) -> rusqlite::Result<Conversation> {
    let params: String = row.get(6)?;
    Ok(Conversation {
        id: row.get(0)?,
        title: row.get(1)?,
        pinned: row.get(2)?,
        persona: row.get(3)?,
        settings: ChatSettings {
            backend: row.get(4)?,
            model: row.get(5)?,
            params: serde_json::from_str::<Params>(&params).unwrap_or_default(),
            system_prompt: row.get(7)?,
            context_tokens: row.get(8)?,
        },
        head_id: row.get(9)?,
        created_at: row.get(10)?,
        updated_at: row.get(11)?,
    })
}

pub fn load_conversation(conn: &Connection, id: i64) -> Result<Conversation> {
    conn.query_row(
        &format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations
             WHERE id = ?1 AND deleted_at IS NULL"
        ),
        [id],
        conversation,
    )
    .optional()?
    .ok_or(Error::ConversationNotFound { id })
}

/// Live conversations, pinned first, then the most recent; `query` matches
/// titles and message text.
pub fn list(conn: &Connection, query: &str) -> Result<Vec<ConversationSummary>> {
    let pattern = format!("%{}%", query.trim().replace(['%', '_'], ""));
    let mut statement = conn.prepare(
        "SELECT c.id, c.title, c.pinned, c.persona, c.updated_at,
                (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id)
         FROM conversations c
         WHERE c.deleted_at IS NULL
           AND (?1 = '%%' OR c.title LIKE ?1 OR EXISTS (
                SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.content LIKE ?1))
         ORDER BY c.pinned DESC, c.updated_at DESC, c.id DESC",
    )?;
    let rows = statement.query_map([pattern], |row| {
        Ok(ConversationSummary {
            id: row.get(0)?,
            title: row.get(1)?,
            pinned: row.get(2)?,
            persona: row.get(3)?,
            updated_at: row.get(4)?,
            message_count: row.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn insert_conversation(
    conn: &Connection,
    title: &str,
    persona: Option<&str>,
    settings: &ChatSettings,
) -> Result<i64> {
    conn.execute(
        "INSERT INTO conversations (title, persona, backend, model, params, system_prompt, context_tokens)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            title,
            persona,
            settings.backend,
            settings.model,
            params_json(&settings.params),
            settings.system_prompt,
            settings.context_tokens.max(1),
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn update_settings(conn: &Connection, id: i64, settings: &ChatSettings) -> Result<()> {
    let changed = conn.execute(
        "UPDATE conversations SET backend = ?2, model = ?3, params = ?4, system_prompt = ?5,
                context_tokens = ?6, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
         WHERE id = ?1 AND deleted_at IS NULL",
        params![
            id,
            settings.backend,
            settings.model,
            params_json(&settings.params),
            settings.system_prompt,
            settings.context_tokens.max(1),
        ],
    )?;
    found(changed, id)
}

/// Sets one of the simple columns of a live conversation.
pub fn set_field(
    conn: &Connection,
    id: i64,
    field: Field,
    value: rusqlite::types::Value,
) -> Result<()> {
    let column = match field {
        Field::Title => "title",
        Field::Pinned => "pinned",
        Field::Head => "head_id",
    };
    let touch = if matches!(field, Field::Pinned) {
        ""
    } else {
        ", updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
    };
    let changed = conn.execute(
        &format!(
            "UPDATE conversations SET {column} = ?2{touch} WHERE id = ?1 AND deleted_at IS NULL"
        ),
        params![id, value],
    )?;
    found(changed, id)
}

#[derive(Debug, Clone, Copy)]
pub enum Field {
    Title,
    Pinned,
    Head,
}

/// Hides (`deleted`) or brings back a conversation.
pub fn set_deleted(conn: &Connection, id: i64, deleted: bool) -> Result<()> {
    let changed = conn.execute(
        "UPDATE conversations SET deleted_at =
            CASE WHEN ?2 THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now') ELSE NULL END
         WHERE id = ?1",
        params![id, deleted],
    )?;
    found(changed, id)
}

/// Removes conversations deleted before this start for good.
pub fn purge_deleted(conn: &Connection) -> Result<usize> {
    Ok(conn.execute("DELETE FROM conversations WHERE deleted_at IS NOT NULL", [])?)
}

const MESSAGE_COLUMNS: &str = "m.id, m.parent_id, m.role, m.content, m.reasoning, m.status,
    m.error, m.pinned, m.generation_id, m.created_at, g.status, gc.text, gc.reasoning";

/// An assistant message still marked streaming shows what its generation
/// recorded so far, and how the generation ended if it did (a crash).
fn message(row: &Row<'_>) -> rusqlite::Result<Message> {
    let mut status = MessageStatus::parse(&row.get::<_, String>(5)?);
    let mut content: String = row.get(3)?;
    let mut reasoning: String = row.get(4)?;
    if status == MessageStatus::Streaming {
        if let Some(text) = row.get::<_, Option<String>>(11)? {
            content = text;
            reasoning = row.get::<_, Option<String>>(12)?.unwrap_or_default();
        }
        status = match row.get::<_, Option<String>>(10)?.as_deref() {
            Some("streaming") => MessageStatus::Streaming,
            Some(other) => MessageStatus::parse(other),
            None => MessageStatus::Interrupted,
        };
    }
    Ok(Message {
        id: row.get(0)?,
        parent_id: row.get(1)?,
        role: parse_role(&row.get::<_, String>(2)?),
        content,
        reasoning,
        status,
        error: row.get(6)?,
        pinned: row.get(7)?,
        generation_id: row.get(8)?,
        created_at: row.get(9)?,
    })
}

pub fn messages(conn: &Connection, conversation_id: i64) -> Result<Vec<Message>> {
    let mut statement = conn.prepare(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages m
         LEFT JOIN generations g ON g.id = m.generation_id
         LEFT JOIN generation_choices gc ON gc.generation_id = m.generation_id AND gc.idx = 0
         WHERE m.conversation_id = ?1 ORDER BY m.id"
    ))?;
    let rows = statement.query_map([conversation_id], message)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn load_message(conn: &Connection, id: i64) -> Result<(i64, Message)> {
    conn.query_row(
        &format!(
            "SELECT {MESSAGE_COLUMNS}, m.conversation_id FROM messages m
             LEFT JOIN generations g ON g.id = m.generation_id
             LEFT JOIN generation_choices gc ON gc.generation_id = m.generation_id AND gc.idx = 0
             WHERE m.id = ?1"
        ),
        [id],
        |row| Ok((row.get(13)?, message(row)?)),
    )
    .optional()?
    .ok_or(Error::MessageNotFound { id })
}

/// A new message; returns its id.
pub struct NewMessage<'a> {
    pub conversation_id: i64,
    pub parent_id: Option<i64>,
    pub role: Role,
    pub content: &'a str,
    pub reasoning: &'a str,
    pub status: MessageStatus,
    pub pinned: bool,
}

pub fn insert_message(conn: &Connection, new: &NewMessage<'_>) -> Result<i64> {
    conn.execute(
        "INSERT INTO messages (conversation_id, parent_id, role, content, reasoning, status, pinned)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            new.conversation_id,
            new.parent_id,
            new.role.as_str(),
            new.content,
            new.reasoning,
            new.status.as_str(),
            new.pinned,
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn set_generation(conn: &Connection, message: i64, generation: i64) -> Result<()> {
    conn.execute(
        "UPDATE messages SET generation_id = ?2 WHERE id = ?1",
        params![message, generation],
    )?;
    Ok(())
}

/// Writes the answer once its generation has ended.
pub fn finish_message(
    conn: &Connection,
    id: i64,
    content: &str,
    reasoning: &str,
    status: MessageStatus,
    error: Option<&str>,
) -> Result<()> {
    conn.execute(
        "UPDATE messages SET content = ?2, reasoning = ?3, status = ?4, error = ?5 WHERE id = ?1",
        params![id, content, reasoning, status.as_str(), error],
    )?;
    Ok(())
}

pub fn set_message_pinned(conn: &Connection, id: i64, pinned: bool) -> Result<()> {
    let changed = conn.execute(
        "UPDATE messages SET pinned = ?2 WHERE id = ?1",
        params![id, pinned],
    )?;
    if changed == 0 {
        return Err(Error::MessageNotFound { id });
    }
    Ok(())
}

/// Deletes a message; its descendants go with it (ON DELETE CASCADE).
pub fn delete_message(conn: &Connection, id: i64) -> Result<()> {
    conn.execute("DELETE FROM messages WHERE id = ?1", [id])?;
    Ok(())
}

pub fn parse_role(text: &str) -> Role {
    match text {
        "system" => Role::System,
        "assistant" => Role::Assistant,
        _ => Role::User,
    }
}

fn params_json(params: &Params) -> String {
    serde_json::to_string(params).unwrap_or_else(|_| "{}".to_owned())
}

fn found(changed: usize, id: i64) -> Result<()> {
    if changed == 0 {
        Err(Error::ConversationNotFound { id })
    } else {
        Ok(())
    }
}

/// The conversation and message a generation wrote, for history to link back.
pub fn message_for_generation(conn: &Connection, generation: i64) -> Result<Option<(i64, i64)>> {
    Ok(conn
        .query_row(
            "SELECT m.conversation_id, m.id FROM messages m
             JOIN conversations c ON c.id = m.conversation_id AND c.deleted_at IS NULL
             WHERE m.generation_id = ?1",
            [generation],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?)
}
