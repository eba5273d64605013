//! Export as JSON Lines (one generation per line, everything kept) or
//! Markdown (to read), and import of JSON Lines.
//!
//! The law: exporting, importing into an empty data folder and exporting
//! again gives the same file. Ids are kept where they are free, so links
//! between generations (`rerunOf`) survive; into a folder that has them
//! taken, imported generations get new ids and their links follow. A
//! generation already present (same time, kind, model and prompt) is
//! skipped, so importing a file twice adds nothing.

use std::collections::HashMap;
use std::io::Write;

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::actions::normalize_tag;
use super::index;
use super::query::{self, HistoryQuery, HistorySort, MAX_PAGE};
use crate::generation::record;
use crate::generation::{GenerationRecord, GenerationStatus};
use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Jsonl,
    Markdown,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Jsonl => "jsonl",
            ExportFormat::Markdown => "md",
        }
    }
}

/// Which generations to export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "by", rename_all = "camelCase")]
pub enum ExportSelection {
    /// These generations.
    Ids { ids: Vec<i64> },
    /// Everything a search or listing finds.
    Query { query: HistoryQuery },
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ImportSummary {
    pub imported: u32,
    /// Already present, so left alone.
    pub skipped: u32,
}

/// The selected ids, oldest first, so that an import recreates them in
/// the order they were made.
fn selected_ids(conn: &Connection, selection: &ExportSelection) -> Result<Vec<i64>> {
    let mut ids = match selection {
        ExportSelection::Ids { ids } => ids.clone(),
        ExportSelection::Query { query } => {
            // The order is ours to choose, and newest first pages cheaply.
            let query = HistoryQuery {
                sort: HistorySort::Newest,
                ..query.clone()
            };
            let mut ids = Vec::new();
            let mut after = None;
            loop {
                let page = query::page(conn, &query, after.as_deref(), MAX_PAGE, None)?;
                ids.extend(page.items.iter().map(|item| item.id));
                match page.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            ids
        }
    };
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Writes the selection to `out`; returns how many generations it holds.
pub(super) fn export(
    conn: &Connection,
    selection: &ExportSelection,
    format: ExportFormat,
    out: &mut dyn Write,
) -> Result<u32> {
    let io = |source: std::io::Error| Error::Io {
        path: "export".into(),
        source,
    };
    let ids = selected_ids(conn, selection)?;
    if format == ExportFormat::Markdown {
        writeln!(out, "# Scriptorium history\n").map_err(io)?;
    }
    for &id in &ids {
        let record = record::load(conn, id)?;
        match format {
            ExportFormat::Jsonl => {
                serde_json::to_writer(&mut *out, &record).map_err(|e| io(e.into()))?;
                out.write_all(b"\n").map_err(io)?;
            }
            ExportFormat::Markdown => markdown(&record, out).map_err(io)?,
        }
    }
    out.flush().map_err(io)?;
    Ok(u32::try_from(ids.len()).unwrap_or(u32::MAX))
}

/// A fence longer than any run of backticks in `text`, so that model
/// output can never close it and turn into Markdown.
fn fence(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

fn fenced(out: &mut dyn Write, text: &str) -> std::io::Result<()> {
    let fence = fence(text);
    writeln!(out, "{fence}text\n{text}\n{fence}\n")
}

fn markdown(record: &GenerationRecord, out: &mut dyn Write) -> std::io::Result<()> {
    let star = if record.favourite { " ★" } else { "" };
    let status = serde_json::to_value(record.status).unwrap_or_default();
    writeln!(
        out,
        "## #{} · {} · {} / {} · {} · {}{star}\n",
        record.id,
        record.kind,
        record.backend.as_deref().unwrap_or("?"),
        record.model.as_deref().unwrap_or("?"),
        record.created_at,
        status.as_str().unwrap_or_default(),
    )?;
    if !record.tags.is_empty() {
        writeln!(out, "Tags: {}\n", record.tags.join(", "))?;
    }
    if let Some(usage) = record.usage {
        let estimated = if usage.estimated { " (estimated)" } else { "" };
        write!(
            out,
            "Tokens: {} prompt, {} completion{estimated}",
            usage.prompt, usage.completion
        )?;
        if let Some(cached) = usage.cached {
            write!(out, " · {cached} prompt tokens reused")?;
        }
    }
    if let Some(total) = record.total_ms {
        write!(out, " · {total} ms")?;
    }
    if let Some(ttft) = record.ttft_ms {
        write!(out, " · first token {ttft} ms")?;
    }
    writeln!(out, "\n")?;
    writeln!(out, "### Parameters\n")?;
    fenced(
        out,
        &serde_json::to_string_pretty(&record.params).unwrap_or_default(),
    )?;
    writeln!(out, "### Prompt\n")?;
    fenced(out, &record.prompt.to_string())?;
    for choice in &record.choices {
        if record.choices.len() > 1 {
            writeln!(out, "### Output {}\n", choice.index + 1)?;
        } else {
            writeln!(out, "### Output\n")?;
        }
        if !choice.reasoning.is_empty() {
            writeln!(out, "Reasoning:\n")?;
            fenced(out, &choice.reasoning)?;
        }
        fenced(out, &choice.text)?;
    }
    if let Some(error) = &record.error {
        writeln!(out, "Error: {error}\n")?;
    }
    Ok(())
}

/// Reads JSON Lines; blank lines are skipped. Nothing is imported from a
/// file with a line that does not read.
pub(super) fn parse(text: &str) -> Result<Vec<(usize, GenerationRecord)>> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            serde_json::from_str(line)
                .map(|record| (index + 1, record))
                .map_err(|error| Error::HistoryImport {
                    line: index + 1,
                    reason: error.to_string(),
                })
        })
        .collect()
}

/// Imports in one transaction: all of it or nothing.
pub(super) fn import(
    conn: &mut Connection,
    records: Vec<(usize, GenerationRecord)>,
) -> Result<ImportSummary> {
    let tx = conn.transaction()?;
    let mut summary = ImportSummary::default();
    let mut ids: HashMap<i64, i64> = HashMap::new();
    let mut links = Vec::new();
    for (line, record) in records {
        let failed = |reason: String| Error::HistoryImport { line, reason };
        let prompt = serde_json::to_string(&record.prompt).expect("prompt serialize");
        let params = serde_json::to_string(&record.params).expect("params serialize");
        let valid_time: bool = tx.query_row(
            "SELECT unixepoch(?1) IS NOT NULL AND (?2 IS NULL OR unixepoch(?2) IS NOT NULL)",
            params![record.created_at, record.finished_at],
            |row| row.get(0),
        )?;
        if !valid_time {
            return Err(failed(format!(
                "{:?} is not a time like 2026-03-31T12:00:00.000Z",
                record.created_at
            )));
        }
        if let Some(existing) = tx
            .query_row(
                "SELECT id FROM generations
                 WHERE created_at = ?1 AND kind = ?2 AND model IS ?3 AND prompt = ?4",
                params![record.created_at, record.kind, record.model, prompt],
                |row| row.get::<_, i64>(0),
            )
            .optional()?
        {
            ids.insert(record.id, existing);
            summary.skipped += 1;
            continue;
        }
        let free: bool = !tx
            .prepare_cached("SELECT 1 FROM generations WHERE id = ?1")?
            .exists([record.id])?;
        // Nobody streams an imported generation any more.
        let status = match record.status {
            GenerationStatus::Streaming => GenerationStatus::Interrupted,
            status => status,
        };
        tx.execute(
            "INSERT INTO generations (id, kind, backend_id, backend_name, model, params, prompt,
                 status, error, prompt_tokens, completion_tokens, tokens_estimated, ttft_ms,
                 total_ms, created_at, finished_at, favourite, source_kind, source_id, cached_tokens)
             VALUES (?1, ?2, (SELECT id FROM backends WHERE name = ?3), ?3, ?4, ?5, ?6, ?7, ?8,
                 ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
            params![
                free.then_some(record.id),
                record.kind,
                record.backend,
                record.model,
                params,
                prompt,
                status.as_str(),
                record.error,
                record.usage.map(|u| u.prompt),
                record.usage.map(|u| u.completion),
                record.usage.is_some_and(|u| u.estimated),
                record.ttft_ms,
                record.total_ms,
                record.created_at,
                record.finished_at,
                record.favourite,
                record.source.map(|s| s.kind.as_str()),
                record.source.map(|s| s.id),
                record.usage.and_then(|u| u.cached),
            ],
        )
        .map_err(|error| failed(error.to_string()))?;
        let id = tx.last_insert_rowid();
        ids.insert(record.id, id);
        for choice in &record.choices {
            tx.execute(
                "INSERT INTO generation_choices (generation_id, idx, text, reasoning, finish_reason)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, choice.index, choice.text, choice.reasoning, choice.finish_reason],
            )
            .map_err(|error| failed(format!("choice {}: {error}", choice.index)))?;
        }
        for tag in &record.tags {
            let tag = normalize_tag(tag).map_err(|error| failed(error.to_string()))?;
            tx.execute(
                "INSERT OR IGNORE INTO generation_tags (generation_id, tag) VALUES (?1, ?2)",
                params![id, tag],
            )?;
        }
        index::index(&tx, id)?;
        if let Some(original) = record.rerun_of {
            links.push((id, original));
        }
        summary.imported += 1;
    }
    // Links point at generations of the file, wherever they landed; a link
    // to one outside the file is dropped.
    for (id, original) in links {
        tx.execute(
            "UPDATE generations SET rerun_of = ?2 WHERE id = ?1",
            params![id, ids.get(&original)],
        )?;
    }
    tx.commit()?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_outgrow_the_backticks_inside() {
        assert_eq!(fence("plain"), "```");
        assert_eq!(fence("a ``` b"), "````");
        assert_eq!(fence("``````"), "```````");
    }

    #[test]
    fn a_bad_line_names_its_number() {
        let error = parse("\n{\"id\": 1}\n").unwrap_err();
        assert!(
            matches!(error, Error::HistoryImport { line: 2, .. }),
            "{error}"
        );
    }
}
