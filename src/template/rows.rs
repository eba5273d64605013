//! The `templates` table: user templates and user edits of built-ins, each
//! stored as the whole file text.

use rusqlite::{Connection, OptionalExtension, params};

use super::model::TemplateKey;

/// One stored template file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub key: TemplateKey,
    pub source: String,
}

pub(crate) fn all(conn: &Connection) -> rusqlite::Result<Vec<Row>> {
    let mut statement =
        conn.prepare_cached("SELECT id, language, source FROM templates ORDER BY id, language")?;
    statement.query_map([], row)?.collect()
}

pub(crate) fn with_id(conn: &Connection, id: &str) -> rusqlite::Result<Vec<Row>> {
    let mut statement = conn.prepare_cached(
        "SELECT id, language, source FROM templates WHERE id = ?1 ORDER BY language",
    )?;
    statement.query_map([id], row)?.collect()
}

pub(crate) fn get(conn: &Connection, key: &TemplateKey) -> rusqlite::Result<Option<Row>> {
    conn.query_row(
        "SELECT id, language, source FROM templates WHERE id = ?1 AND language = ?2",
        params![key.id, key.language],
        row,
    )
    .optional()
}

pub(crate) fn exists(conn: &Connection, key: &TemplateKey) -> rusqlite::Result<bool> {
    Ok(get(conn, key)?.is_some())
}

/// Every id in use in `language`, to pick a free one for a copy.
pub(crate) fn ids(conn: &Connection, language: &str) -> rusqlite::Result<Vec<String>> {
    let mut statement = conn.prepare_cached("SELECT id FROM templates WHERE language = ?1")?;
    statement.query_map([language], |r| r.get(0))?.collect()
}

pub(crate) fn upsert(conn: &Connection, key: &TemplateKey, source: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO templates (id, language, source) VALUES (?1, ?2, ?3)
         ON CONFLICT (id, language) DO UPDATE
         SET source = excluded.source,
             updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        params![key.id, key.language, source],
    )?;
    Ok(())
}

/// Deletes the row; false when there was none.
pub(crate) fn delete(conn: &Connection, key: &TemplateKey) -> rusqlite::Result<bool> {
    let deleted = conn.execute(
        "DELETE FROM templates WHERE id = ?1 AND language = ?2",
        params![key.id, key.language],
    )?;
    Ok(deleted > 0)
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        key: TemplateKey::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?),
        source: r.get(2)?,
    })
}
