//! Puts an ended generation into the search index, once.
//!
//! Streamed text grows by appends every 250 ms; indexing each flush would
//! mean deleting and re-adding the whole text each time. Instead a
//! generation is indexed when it ends (in the same transaction that records
//! the end), when recovery marks it interrupted, and when it is imported.
//! Until then it is in the list but not in search results.

use rusqlite::{Connection, ErrorCode, OptionalExtension, params};

use super::search_text::index_form;
use crate::backend::Prompt;
use crate::{Error, Result};

/// The low bits of a search key that tell generations of the same
/// millisecond apart.
const KEY_TIE_BITS: u32 = 10;

/// Indexes generation `id` as it is now stored, replacing an earlier entry:
/// recovery may have indexed the partial text of a generation whose process
/// was alive after all (where liveness cannot be told), and which then ends.
pub(crate) fn index(conn: &Connection, id: i64) -> Result<()> {
    let row = conn
        .query_row(
            "SELECT g.prompt, CAST(round(unixepoch(g.created_at, 'subsec') * 1000) AS INTEGER),
                    s.key IS NOT NULL
             FROM generations g LEFT JOIN generation_search s ON s.generation_id = g.id
             WHERE g.id = ?1",
            [id],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, Option<i64>>(1)?,
                    row.get::<_, bool>(2)?,
                ))
            },
        )
        .optional()?;
    let Some((prompt, millis, indexed)) = row else {
        return Err(Error::GenerationNotFound { id });
    };
    let prompt = index_form(&prompt_text(&prompt));
    let output = index_form(&output_text(conn, id)?);
    if indexed {
        conn.prepare_cached(
            "UPDATE generation_search SET prompt = ?2, output = ?3
             WHERE generation_id = ?1 AND (prompt <> ?2 OR output <> ?3)",
        )?
        .execute(params![id, prompt, output])?;
        return Ok(());
    }
    // Rows written by this app always have a valid time; an unreadable one
    // sorts first rather than failing the write.
    let base = millis.unwrap_or(0) << KEY_TIE_BITS;
    let ties = 1i64 << KEY_TIE_BITS;
    let mut insert = conn.prepare_cached(
        "INSERT INTO generation_search (key, generation_id, prompt, output) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for attempt in 0..ties {
        let key = base + ((id + attempt) & (ties - 1));
        match insert.execute(params![key, id, prompt, output]) {
            Ok(_) => return Ok(()),
            // Another generation of the same millisecond has this key.
            Err(error) if error.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) => {
                continue;
            }
            Err(error) => return Err(error.into()),
        }
    }
    // A thousand generations in one millisecond: the next free key after
    // all others keeps the write, out of time order.
    conn.execute(
        "INSERT INTO generation_search (generation_id, prompt, output) VALUES (?1, ?2, ?3)",
        params![id, prompt, output],
    )?;
    Ok(())
}

/// Indexes every ended generation that is not indexed yet; returns how many.
/// For the migration that introduced search.
pub(crate) fn index_all_unindexed(conn: &Connection) -> Result<usize> {
    let ids: Vec<i64> = conn
        .prepare(
            "SELECT id FROM generations g WHERE status <> 'streaming'
             AND NOT EXISTS (SELECT 1 FROM generation_search s WHERE s.generation_id = g.id)",
        )?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for &id in &ids {
        index(conn, id)?;
    }
    Ok(ids.len())
}

/// The prompt's words: message contents without roles, or the raw text.
fn prompt_text(stored: &str) -> String {
    match serde_json::from_str::<Prompt>(stored) {
        Ok(Prompt::Chat { messages }) => messages
            .iter()
            .map(|m| m.content.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        Ok(Prompt::Completion { text }) => text,
        Err(_) => stored.to_owned(),
    }
}

/// Every choice's answer, then every choice's reasoning.
fn output_text(conn: &Connection, id: i64) -> Result<String> {
    let mut query = conn.prepare_cached(
        "SELECT text, reasoning FROM generation_choices WHERE generation_id = ?1 ORDER BY idx",
    )?;
    let choices: Vec<(String, String)> = query
        .query_map([id], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let answers = choices.iter().map(|(text, _)| text.as_str());
    let reasoning = choices.iter().map(|(_, reasoning)| reasoning.as_str());
    Ok(answers
        .chain(reasoning)
        .filter(|text| !text.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n"))
}
