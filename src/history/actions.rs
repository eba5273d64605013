//! Marking, tagging and deleting generations; the values filters offer.

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::{Error, Result};

/// The longest tag, in characters.
const MAX_TAG: usize = 64;

/// What the history's filters can choose from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct HistoryFacets {
    pub kinds: Vec<String>,
    pub backends: Vec<String>,
    pub models: Vec<String>,
    pub tags: Vec<TagCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct TagCount {
    pub tag: String,
    pub count: u32,
}

fn exists(conn: &Connection, id: i64) -> Result<()> {
    let found = conn
        .prepare_cached("SELECT 1 FROM generations WHERE id = ?1")?
        .exists([id])?;
    if found {
        Ok(())
    } else {
        Err(Error::GenerationNotFound { id })
    }
}

pub(super) fn set_favourite(conn: &Connection, id: i64, favourite: bool) -> Result<()> {
    let changed = conn.execute(
        "UPDATE generations SET favourite = ?2 WHERE id = ?1",
        params![id, favourite],
    )?;
    if changed == 0 {
        return Err(Error::GenerationNotFound { id });
    }
    Ok(())
}

/// A tag as stored: trimmed, inner whitespace kept, 1 to 64 characters.
pub fn normalize_tag(tag: &str) -> Result<String> {
    let tag = tag.trim();
    let length = tag.chars().count();
    if length == 0 || length > MAX_TAG || tag.chars().any(char::is_control) {
        return Err(Error::InvalidTag {
            tag: tag.to_owned(),
        });
    }
    Ok(tag.to_owned())
}

/// Replaces the generation's tags; returns them sorted, without repeats.
pub(super) fn set_tags(conn: &mut Connection, id: i64, tags: &[String]) -> Result<Vec<String>> {
    let mut tags = tags
        .iter()
        .map(|tag| normalize_tag(tag))
        .collect::<Result<Vec<_>>>()?;
    tags.sort();
    tags.dedup();
    let tx = conn.transaction()?;
    exists(&tx, id)?;
    tx.execute("DELETE FROM generation_tags WHERE generation_id = ?1", [id])?;
    for tag in &tags {
        tx.execute(
            "INSERT INTO generation_tags (generation_id, tag) VALUES (?1, ?2)",
            params![id, tag],
        )?;
    }
    tx.commit()?;
    Ok(tags)
}

/// Deletes generations with their choices, tags and search entries (the
/// index drops them through the trigger on `generation_search`). Re-runs of
/// a deleted generation stay, unlinked. Returns how many were deleted.
pub(super) fn delete(conn: &mut Connection, ids: &[i64]) -> Result<u32> {
    let tx = conn.transaction()?;
    let mut deleted = 0;
    {
        let mut statement = tx.prepare_cached("DELETE FROM generations WHERE id = ?1")?;
        for id in ids {
            deleted += statement.execute([id])?;
        }
    }
    tx.commit()?;
    Ok(u32::try_from(deleted).unwrap_or(u32::MAX))
}

pub(super) fn facets(conn: &Connection) -> Result<HistoryFacets> {
    let tags = conn
        .prepare("SELECT tag, count(*) FROM generation_tags GROUP BY tag ORDER BY tag")?
        .query_map([], |row| {
            Ok(TagCount {
                tag: row.get(0)?,
                count: row.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(HistoryFacets {
        kinds: distinct(conn, "kind")?,
        backends: distinct(conn, "backend_name")?,
        models: distinct(conn, "model")?,
        tags,
    })
}

/// The distinct values of an indexed column, seeking from one to the next
/// through its index: as many steps as values, however many rows.
fn distinct(conn: &Connection, column: &str) -> Result<Vec<String>> {
    let sql = format!(
        "WITH RECURSIVE v(value) AS (
             SELECT min({column}) FROM generations
             UNION ALL
             SELECT (SELECT min({column}) FROM generations WHERE {column} > v.value)
             FROM v WHERE v.value IS NOT NULL
         )
         SELECT value FROM v WHERE value IS NOT NULL"
    );
    let values = conn
        .prepare_cached(&sql)?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_trimmed_and_bounded() {
        assert_eq!(normalize_tag("  keeper ").unwrap(), "keeper");
        assert_eq!(normalize_tag("好 句子").unwrap(), "好 句子");
        assert!(normalize_tag("   ").is_err());
        assert!(normalize_tag(&"x".repeat(65)).is_err());
        assert!(normalize_tag("a\nb").is_err());
        assert_eq!(normalize_tag(&"字".repeat(64)).unwrap().chars().count(), 64);
    }
}
