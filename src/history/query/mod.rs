//! Listing and searching generations, a page at a time.
//!
//! Each page carries a cursor naming where the next one starts. Lists and
//! newest-first searches page by key, so the millionth row costs what the
//! first does and rows added meanwhile never shift a page. Best-match
//! searches count their pages: a score is no place to resume from, as it
//! changes with every generation added.

use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};
use serde::{Deserialize, Serialize};

mod best_match;

use super::ranked::Snapshot;
use super::search_text::{SnippetPart, match_expression, snippet_parts};
use crate::generation::{GenerationStatus, tokens_per_second};
use crate::{Error, Result};

/// The most rows one page holds.
pub const MAX_PAGE: u32 = 500;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum HistorySort {
    /// Newest first.
    #[default]
    Newest,
    /// Best match first (bm25); without search text, newest first.
    Relevance,
}

/// What to list: search text and filters, all optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct HistoryQuery {
    /// Words, "phrases", `prefix*`, or any Chinese / Japanese / Korean text.
    pub text: String,
    pub kind: Option<String>,
    pub backend: Option<String>,
    pub model: Option<String>,
    pub status: Option<GenerationStatus>,
    /// From this day on (`YYYY-MM-DD`, UTC).
    pub since: Option<String>,
    /// Up to and including this day (`YYYY-MM-DD`, UTC).
    pub until: Option<String>,
    /// Only favourites.
    pub favourite: bool,
    pub tag: Option<String>,
    pub sort: HistorySort,
}

/// One generation as a list shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct HistoryItem {
    pub id: i64,
    pub kind: String,
    pub backend: Option<String>,
    pub model: Option<String>,
    pub status: GenerationStatus,
    pub favourite: bool,
    pub tags: Vec<String>,
    pub created_at: String,
    /// The start of the last message or of the prompt text.
    pub prompt_preview: String,
    /// The start of the first choice's answer.
    pub output_preview: String,
    /// Where the search text was found, hits marked; empty when listing.
    pub snippet: Vec<SnippetPart>,
    pub completion_tokens: Option<u32>,
    pub total_ms: Option<u32>,
    pub tokens_per_second: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct HistoryPage {
    pub items: Vec<HistoryItem>,
    /// Pass back to get the next page; `None` after the last.
    pub next: Option<String>,
}

/// Where the search matched, hits between private-use marks, about 24
/// words around them.
const SNIPPET: &str = "snippet(generation_fts, -1, char(57344), char(57345), '…', 24)";

/// Columns of a list row, after `g` is joined in.
const ITEM_COLUMNS: &str =
    "g.id, g.kind, g.backend_name, g.model, g.status, g.favourite, g.created_at,
    g.completion_tokens, g.ttft_ms, g.total_ms,
    substr(CASE json_extract(g.prompt, '$.format')
        WHEN 'chat' THEN json_extract(g.prompt, '$.messages[#-1].content')
        ELSE json_extract(g.prompt, '$.text') END, 1, 200),
    (SELECT substr(c.text, 1, 200) FROM generation_choices c WHERE c.generation_id = g.id
     ORDER BY c.idx LIMIT 1)";

fn item(row: &rusqlite::Row<'_>) -> rusqlite::Result<HistoryItem> {
    let completion_tokens = row.get(7)?;
    let (ttft_ms, total_ms) = (row.get(8)?, row.get(9)?);
    Ok(HistoryItem {
        id: row.get(0)?,
        kind: row.get(1)?,
        backend: row.get(2)?,
        model: row.get(3)?,
        status: GenerationStatus::parse(&row.get::<_, String>(4)?),
        favourite: row.get(5)?,
        tags: Vec::new(),
        created_at: row.get(6)?,
        prompt_preview: row.get::<_, Option<String>>(10)?.unwrap_or_default(),
        output_preview: row.get::<_, Option<String>>(11)?.unwrap_or_default(),
        snippet: Vec::new(),
        completion_tokens,
        total_ms,
        tokens_per_second: tokens_per_second(completion_tokens, ttft_ms, total_ms),
    })
}

/// SQL conditions on `g` and their values, in order.
#[derive(Default)]
struct Conditions {
    sql: String,
    values: Vec<Value>,
}

impl Conditions {
    fn push(&mut self, condition: &str, values: impl IntoIterator<Item = Value>) {
        self.sql.push_str(" AND ");
        self.sql.push_str(condition);
        self.values.extend(values);
    }
}

fn filters(query: &HistoryQuery) -> Result<Conditions> {
    let mut c = Conditions::default();
    let text = |s: &String| Value::Text(s.clone());
    if let Some(kind) = &query.kind {
        c.push("g.kind = ?", [text(kind)]);
    }
    if let Some(backend) = &query.backend {
        c.push("g.backend_name = ?", [text(backend)]);
    }
    if let Some(model) = &query.model {
        c.push("g.model = ?", [text(model)]);
    }
    if let Some(status) = query.status {
        c.push("g.status = ?", [Value::Text(status.as_str().into())]);
    }
    if let Some(since) = &query.since {
        check_date(since)?;
        c.push("g.created_at >= ?", [text(since)]);
    }
    if let Some(until) = &query.until {
        check_date(until)?;
        c.push("g.created_at < date(?, '+1 day')", [text(until)]);
    }
    if query.favourite {
        c.push("g.favourite = 1", []);
    }
    if let Some(tag) = &query.tag {
        c.push(
            "g.id IN (SELECT generation_id FROM generation_tags WHERE tag = ?)",
            [text(tag)],
        );
    }
    Ok(c)
}

/// A day as `YYYY-MM-DD`, the form `created_at` starts with.
pub(super) fn check_date(day: &str) -> Result<()> {
    let b = day.as_bytes();
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    let number = |range: std::ops::Range<usize>| day[range].parse::<u32>().unwrap_or(0);
    let valid = b.len() == 10
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && (1..=12).contains(&number(5..7))
        && (1..=31).contains(&number(8..10));
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidHistoryQuery {
            reason: format!("{day:?} is not a date like 2026-03-31"),
        })
    }
}

/// Where a page starts: after this row of the previous one.
#[derive(Debug, Clone, PartialEq)]
enum Cursor {
    /// Listing: `created_at` and id of the last row.
    Listed { created_at: String, id: i64 },
    /// Search, newest first: the last row's search key.
    Found { key: i64 },
    /// Search, best first: where in the ranking the next page starts, and
    /// whether the ranked index or FTS5 ranks (the two may order ties and
    /// near ties differently, so one search keeps to one). The index counts
    /// every match, FTS5 those that pass the filters.
    Ranked { offset: usize, indexed: bool },
}

impl Cursor {
    fn encode(&self) -> String {
        match self {
            Cursor::Listed { created_at, id } => format!("l:{created_at}|{id}"),
            Cursor::Found { key } => format!("f:{key}"),
            Cursor::Ranked { offset, indexed } => {
                format!("{}:{offset}", if *indexed { "i" } else { "r" })
            }
        }
    }

    fn decode(text: &str) -> Result<Cursor> {
        let parsed = match text.split_once(':') {
            Some(("l", rest)) => rest.rsplit_once('|').and_then(|(created_at, id)| {
                Some(Cursor::Listed {
                    created_at: created_at.to_owned(),
                    id: id.parse().ok()?,
                })
            }),
            Some(("f", key)) => key.parse().ok().map(|key| Cursor::Found { key }),
            // A u32 keeps arithmetic on offsets from overflowing.
            Some((engine @ ("i" | "r"), offset)) => {
                offset.parse::<u32>().ok().map(|offset| Cursor::Ranked {
                    offset: offset as usize,
                    indexed: engine == "i",
                })
            }
            _ => None,
        };
        parsed.ok_or_else(|| Error::InvalidHistoryQuery {
            reason: format!("{text:?} is not a page cursor"),
        })
    }
}

fn mismatched_cursor() -> Error {
    Error::InvalidHistoryQuery {
        reason: "the page cursor belongs to another search".into(),
    }
}

/// One page of `query`, starting after `after`; best-match searches use
/// the `ranked` index where they can.
pub(super) fn page(
    conn: &Connection,
    query: &HistoryQuery,
    after: Option<&str>,
    limit: u32,
    ranked: Option<&Snapshot>,
) -> Result<HistoryPage> {
    let limit = limit.clamp(1, MAX_PAGE);
    let after = after.map(Cursor::decode).transpose()?;
    let conditions = filters(query)?;
    let (mut rows, cursors) = match match_expression(&query.text) {
        None if !query.text.trim().is_empty() => (Vec::new(), Vec::new()),
        None => list(conn, conditions, after, limit)?,
        Some(expression) => match query.sort {
            HistorySort::Newest => search_newest(conn, &expression, conditions, after, limit)?,
            HistorySort::Relevance => {
                let search = best_match::Search {
                    text: &query.text,
                    expression: &expression,
                    filters: conditions,
                };
                best_match::page(conn, search, after, limit, ranked)?
            }
        },
    };
    let next = (rows.len() > limit as usize).then(|| cursors[limit as usize - 1].encode());
    rows.truncate(limit as usize);
    add_tags(conn, &mut rows)?;
    Ok(HistoryPage { items: rows, next })
}

type Rows = (Vec<HistoryItem>, Vec<Cursor>);

fn list(
    conn: &Connection,
    mut conditions: Conditions,
    after: Option<Cursor>,
    limit: u32,
) -> Result<Rows> {
    match after {
        None => {}
        Some(Cursor::Listed { created_at, id }) => conditions.push(
            "(g.created_at, g.id) < (?, ?)",
            [Value::Text(created_at), Value::Integer(id)],
        ),
        Some(_) => return Err(mismatched_cursor()),
    }
    let sql = format!(
        "SELECT {ITEM_COLUMNS} FROM generations g WHERE 1 {}
         ORDER BY g.created_at DESC, g.id DESC LIMIT {}",
        conditions.sql,
        limit + 1
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let mut rows = statement.query(params_from_iter(conditions.values))?;
    let (mut items, mut cursors) = (Vec::new(), Vec::new());
    while let Some(row) = rows.next()? {
        let item = item(row)?;
        cursors.push(Cursor::Listed {
            created_at: item.created_at.clone(),
            id: item.id,
        });
        items.push(item);
    }
    Ok((items, cursors))
}

/// Newest first: the index is walked in key (creation) order and stops
/// after one page, so the page's rows, their snippets included, come in one
/// query. It does not ask for the rank: bm25 first counts the documents
/// holding each phrase, every one of them.
fn search_newest(
    conn: &Connection,
    expression: &str,
    filters: Conditions,
    after: Option<Cursor>,
    limit: u32,
) -> Result<Rows> {
    let mut conditions = Conditions::default();
    conditions.values.push(Value::Text(expression.to_owned()));
    match after {
        None => {}
        Some(Cursor::Found { key }) => conditions.push("f.rowid < ?", [Value::Integer(key)]),
        Some(_) => return Err(mismatched_cursor()),
    }
    conditions.sql.push_str(&filters.sql);
    conditions.values.extend(filters.values);
    let sql = format!(
        "SELECT {ITEM_COLUMNS}, f.rowid, {SNIPPET}
         FROM generation_fts f
         JOIN generation_search s ON s.key = f.rowid
         JOIN generations g ON g.id = s.generation_id
         WHERE generation_fts MATCH ? {}
         ORDER BY f.rowid DESC LIMIT {}",
        conditions.sql,
        limit + 1
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let mut rows = statement.query(params_from_iter(conditions.values))?;
    let (mut items, mut cursors) = (Vec::new(), Vec::new());
    while let Some(row) = rows.next()? {
        cursors.push(Cursor::Found { key: row.get(12)? });
        let mut item = item(row)?;
        item.snippet = snippet_parts(&row.get::<_, String>(13)?);
        items.push(item);
    }
    Ok((items, cursors))
}

fn add_tags(conn: &Connection, items: &mut [HistoryItem]) -> Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let ids = items
        .iter()
        .map(|item| item.id.to_string())
        .collect::<Vec<_>>()
        .join(",");
    // Ids are integers we read ourselves, safe to inline.
    let mut statement = conn.prepare(&format!(
        "SELECT generation_id, tag FROM generation_tags WHERE generation_id IN ({ids}) ORDER BY tag"
    ))?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        if let Some(item) = items.iter_mut().find(|item| item.id == id) {
            item.tags.push(row.get(1)?);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_read_back_as_written() {
        for cursor in [
            Cursor::Listed {
                created_at: "2026-11-28T10:00:00.123Z".into(),
                id: 42,
            },
            Cursor::Found { key: 1 << 50 },
            Cursor::Ranked {
                offset: 50,
                indexed: true,
            },
            Cursor::Ranked {
                offset: 0,
                indexed: false,
            },
        ] {
            assert_eq!(Cursor::decode(&cursor.encode()).unwrap(), cursor);
        }
        for bad in [
            "",
            "x:1",
            "f:one",
            "r:-1",
            "i:1.5",
            "i:99999999999",
            "l:2026|x",
        ] {
            assert!(Cursor::decode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_are_days() {
        assert!(check_date("2026-03-31").is_ok());
        for bad in [
            "2026-3-31",
            "2026-13-01",
            "2026-00-10",
            "yesterday",
            "2026-03-31T00:00",
        ] {
            assert!(check_date(bad).is_err(), "{bad}");
        }
    }
}
