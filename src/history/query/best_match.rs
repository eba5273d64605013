//! Best match first: the ranked index picks a page's rows where it can,
//! FTS5 where it cannot; then the page's rows and snippets are read.
//!
//! FTS5 must score every match before it knows the best, a quarter of a
//! second for a word in 440,000 generations. The ranked index skips what
//! cannot reach the page, so it answers in milliseconds. With filters it
//! walks its ranking in doubling steps and keeps the matches whose rows
//! pass them; a first page that finds too few in its first
//! [`FIRST_PAGE_WALK`] matches (a filter that keeps almost nothing) goes to
//! FTS5 instead, which then checks the filter on every match.

use rusqlite::Connection;
use rusqlite::types::Value;

use super::{Conditions, Cursor, ITEM_COLUMNS, Rows, SNIPPET, item, mismatched_cursor};
use crate::Result;
use crate::history::ranked::Snapshot;
use crate::history::search_text::snippet_parts;

/// How far a filtered first page walks the index's ranking: a filter that
/// keeps one match in twenty fills a page of 50 within it.
const FIRST_PAGE_WALK: usize = 1_000;

/// A best-match search: what was typed, as FTS5 reads it, and filters.
pub(super) struct Search<'a> {
    pub(super) text: &'a str,
    pub(super) expression: &'a str,
    pub(super) filters: Conditions,
}

/// A match to show, and where the ranking goes on after it.
struct Hit {
    key: i64,
    next: usize,
}

/// Up to `limit` + 1 rows of `search`, best first, after `after`.
pub(super) fn page(
    conn: &Connection,
    search: Search<'_>,
    after: Option<Cursor>,
    limit: u32,
    ranked: Option<&Snapshot>,
) -> Result<Rows> {
    let (mut from, indexed) = match after {
        None => (0, None),
        Some(Cursor::Ranked { offset, indexed }) => (offset, Some(indexed)),
        Some(_) => return Err(mismatched_cursor()),
    };
    let mut ranker = Ranker {
        snapshot: ranked,
        indexed,
    };
    let mut load = conn.prepare_cached(&format!(
        "SELECT {ITEM_COLUMNS}, {SNIPPET}
         FROM generation_fts f
         JOIN generation_search s ON s.key = f.rowid
         JOIN generations g ON g.id = s.generation_id
         WHERE generation_fts MATCH ?1 AND f.rowid = ?2"
    ))?;
    let count = limit as usize + 1;
    let (mut items, mut cursors) = (Vec::new(), Vec::new());
    // A row deleted since the ranking was read is skipped, and the ranking
    // read on for as many more: the page still says whether others follow.
    loop {
        let wanted = count - items.len();
        let hits = ranker.hits(conn, &search, from, wanted)?;
        let exhausted = hits.len() < wanted;
        for hit in hits {
            from = hit.next;
            let loaded = load.query_row(rusqlite::params![search.expression, hit.key], |row| {
                let mut item = item(row)?;
                item.snippet = snippet_parts(&row.get::<_, String>(12)?);
                Ok(item)
            });
            match loaded {
                Ok(item) => items.push(item),
                Err(rusqlite::Error::QueryReturnedNoRows) => continue,
                Err(error) => return Err(error.into()),
            }
            cursors.push(Cursor::Ranked {
                offset: hit.next,
                indexed: ranker.indexed == Some(true),
            });
        }
        if exhausted || items.len() == count {
            return Ok((items, cursors));
        }
    }
}

/// Which index ranks a search: the first page chooses, later pages keep to
/// its choice.
struct Ranker<'a> {
    snapshot: Option<&'a Snapshot>,
    /// Whether the ranked index ranks; `None` until chosen.
    indexed: Option<bool>,
}

impl Ranker<'_> {
    /// The best `count` matches after `from` in this search's ranking.
    fn hits(
        &mut self,
        conn: &Connection,
        search: &Search<'_>,
        from: usize,
        count: usize,
    ) -> Result<Vec<Hit>> {
        let from_index = match (self.snapshot, self.indexed) {
            (Some(snapshot), None) if snapshot.covers(conn)? => {
                from_index(conn, snapshot, search, from, count, Some(FIRST_PAGE_WALK))?
            }
            // A later page keeps to the index, even if it has fallen a
            // little behind since the first, and walks as far as it must.
            (Some(snapshot), Some(true)) => from_index(conn, snapshot, search, from, count, None)?,
            _ => None,
        };
        self.indexed = Some(from_index.is_some());
        match from_index {
            Some(hits) => Ok(hits),
            None => from_fts(conn, search, from, count),
        }
    }
}

/// The ranked index's best `count` matches from `offset` on that pass the
/// filters. `None` where FTS5 must answer: a query the index does not take
/// (a `prefix*` term), a failure, or a walk past `walk` matches.
fn from_index(
    conn: &Connection,
    snapshot: &Snapshot,
    search: &Search<'_>,
    offset: usize,
    count: usize,
    walk: Option<usize>,
) -> Result<Option<Vec<Hit>>> {
    let Some(query) = snapshot.query(search.text) else {
        return Ok(None);
    };
    let mut hits = Vec::with_capacity(count);
    let (mut position, mut step) = (offset, count);
    while hits.len() < count {
        if walk.is_some_and(|walk| position - offset >= walk) {
            return Ok(None);
        }
        let keys = match snapshot.best(query.as_ref(), position, step) {
            Ok(keys) => keys,
            Err(error) => {
                tracing::warn!(%error, "the search index failed; FTS5 ranks instead");
                return Ok(None);
            }
        };
        let passing = passing(conn, &keys, &search.filters)?;
        for (at, &key) in keys.iter().enumerate() {
            if hits.len() < count && passing.as_ref().is_none_or(|p| p.contains(&key)) {
                hits.push(Hit {
                    key,
                    next: position + at + 1,
                });
            }
        }
        if keys.len() < step {
            break;
        }
        position += step;
        // Each step reads the ranking from its start again: doubling keeps
        // a walk to the end within twice the matches.
        step *= 2;
    }
    Ok(Some(hits))
}

/// Which of `keys` belong to rows that pass `filters`; `None` for all,
/// when there are none.
fn passing(
    conn: &Connection,
    keys: &[i64],
    filters: &Conditions,
) -> Result<Option<std::collections::HashSet<i64>>> {
    if filters.sql.is_empty() {
        return Ok(None);
    }
    let sql = format!(
        "SELECT s.key FROM generation_search s JOIN generations g ON g.id = s.generation_id
         WHERE s.key IN (SELECT value FROM json_each(?)) {}",
        filters.sql
    );
    let keys = Value::Text(serde_json::to_string(keys).expect("integers serialize"));
    let values = std::iter::once(keys).chain(filters.values.iter().cloned());
    let passing = conn
        .prepare_cached(&sql)?
        .query_map(rusqlite::params_from_iter(values), |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(passing))
}

/// FTS5's best `count` matches after `offset` that pass the filters:
/// every match is scored, on the index alone unless a filter needs the
/// rows.
fn from_fts(
    conn: &Connection,
    search: &Search<'_>,
    offset: usize,
    count: usize,
) -> Result<Vec<Hit>> {
    let joins = if search.filters.sql.is_empty() {
        ""
    } else {
        "JOIN generation_search s ON s.key = f.rowid JOIN generations g ON g.id = s.generation_id"
    };
    let sql = format!(
        "SELECT f.rowid FROM generation_fts f {joins}
         WHERE generation_fts MATCH ? {}
         ORDER BY f.rank, f.rowid DESC LIMIT {count} OFFSET {offset}",
        search.filters.sql,
    );
    let values = std::iter::once(Value::Text(search.expression.to_owned()))
        .chain(search.filters.values.iter().cloned());
    let keys: Vec<i64> = conn
        .prepare_cached(&sql)?
        .query_map(rusqlite::params_from_iter(values), |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(keys
        .into_iter()
        .zip(offset + 1..)
        .map(|(key, next)| Hit { key, next })
        .collect())
}
