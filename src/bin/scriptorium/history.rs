//! `scriptorium history`: search, show, export, import, re-run and count
//! every generation recorded in this data folder.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Context;
use scriptorium::Studio;
use scriptorium::generation::{GenerationRecord, GenerationStatus};
use scriptorium::history::{
    ExportFormat, ExportSelection, HistoryItem, HistoryQuery, HistorySort, HistoryStats,
};
use tokio_util::sync::CancellationToken;

use crate::generate::print_run;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Search prompts and outputs (any language); without QUERY, list
    Search {
        /// Words, "a phrase", prefix*, or Chinese / Japanese / Korean text
        query: Option<String>,
        #[command(flatten)]
        filters: Filters,
        /// Best match first instead of newest first
        #[arg(long)]
        relevance: bool,
        /// How many to show
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Show one generation: prompt, parameters, output and timings
    Show {
        id: i64,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Write generations to a file: a search's results, chosen ids, or all
    Export {
        /// Only what this search finds
        query: Option<String>,
        #[command(flatten)]
        filters: Filters,
        /// Only these generations (repeatable)
        #[arg(long = "id", value_name = "ID", conflicts_with = "query")]
        ids: Vec<i64>,
        #[arg(long, value_enum, default_value = "jsonl")]
        format: Format,
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Import a JSON Lines export; generations already here are skipped
    Import { file: PathBuf },
    /// Run a generation again with the same prompt and parameters
    Rerun {
        id: i64,
        /// Print one JSON object at the end
        #[arg(long)]
        json: bool,
    },
    /// Generations and tokens per day and model, latency and speed per backend
    Stats {
        /// From this day on (YYYY-MM-DD)
        #[arg(long)]
        since: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Mark a generation as a favourite (or not, with --off)
    Favourite {
        id: i64,
        #[arg(long)]
        off: bool,
    },
    /// Add or remove tags
    Tag {
        id: i64,
        #[arg(long = "add", value_name = "TAG")]
        add: Vec<String>,
        #[arg(long = "remove", value_name = "TAG")]
        remove: Vec<String>,
    },
    /// Delete generations for good
    Rm {
        #[arg(required = true)]
        ids: Vec<i64>,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Jsonl,
    Md,
}

#[derive(Debug, clap::Args)]
pub struct Filters {
    /// chat, complete, story, translate...
    #[arg(long)]
    kind: Option<String>,
    #[arg(long)]
    backend: Option<String>,
    #[arg(long, short)]
    model: Option<String>,
    /// done, cancelled, error, interrupted or streaming
    #[arg(long)]
    status: Option<String>,
    /// From this day on (YYYY-MM-DD)
    #[arg(long, value_name = "DATE")]
    since: Option<String>,
    /// Up to and including this day (YYYY-MM-DD)
    #[arg(long, value_name = "DATE")]
    until: Option<String>,
    /// Only favourites
    #[arg(long)]
    favourite: bool,
    #[arg(long)]
    tag: Option<String>,
}

impl Filters {
    fn query(self, text: Option<String>, sort: HistorySort) -> anyhow::Result<HistoryQuery> {
        let status = match self.status {
            Some(status) => Some(
                serde_json::from_value::<GenerationStatus>(serde_json::Value::String(
                    status.clone(),
                ))
                .ok()
                .with_context(|| {
                    format!(
                        "{status:?} is not a status: use done, cancelled, error, interrupted or streaming."
                    )
                })?,
            ),
            None => None,
        };
        Ok(HistoryQuery {
            text: text.unwrap_or_default(),
            kind: self.kind,
            backend: self.backend,
            model: self.model,
            status,
            since: self.since,
            until: self.until,
            favourite: self.favourite,
            tag: self.tag,
            sort,
        })
    }
}

pub async fn run(studio: &Studio, command: Command) -> anyhow::Result<()> {
    let history = studio.history();
    match command {
        Command::Search {
            query,
            filters,
            relevance,
            limit,
            json,
        } => {
            let sort = if relevance {
                HistorySort::Relevance
            } else {
                HistorySort::Newest
            };
            let page = history
                .page(filters.query(query, sort)?, None, limit)
                .await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&page)?);
                return Ok(());
            }
            if page.items.is_empty() {
                eprintln!("Nothing found.");
            }
            let bold = std::io::stdout().is_terminal();
            for item in &page.items {
                println!("{}", line(item, bold));
            }
            Ok(())
        }
        Command::Show { id, json } => {
            let record = history.get(id).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&record)?);
            } else {
                print!("{}", describe(&record));
            }
            Ok(())
        }
        Command::Export {
            query,
            filters,
            ids,
            format,
            output,
        } => {
            let selection = if ids.is_empty() {
                ExportSelection::Query {
                    query: filters.query(query, HistorySort::Newest)?,
                }
            } else {
                ExportSelection::Ids { ids }
            };
            let format = match format {
                Format::Jsonl => ExportFormat::Jsonl,
                Format::Md => ExportFormat::Markdown,
            };
            let count = history.export_to(selection, format, output.clone()).await?;
            eprintln!("Exported {count} generations to {}.", output.display());
            Ok(())
        }
        Command::Import { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("Cannot read {}.", file.display()))?;
            let summary = history.import(text).await?;
            eprintln!(
                "Imported {} generations ({} already here).",
                summary.imported, summary.skipped
            );
            Ok(())
        }
        Command::Rerun { id, json } => {
            let n = history.get(id).await?.params["n"].as_u64().unwrap_or(1);
            let cancel = CancellationToken::new();
            let on_interrupt = cancel.clone();
            tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    on_interrupt.cancel();
                }
            });
            let run = history.rerun(id, cancel).await?;
            print_run(run, u32::try_from(n).unwrap_or(1), json).await
        }
        Command::Stats { since, json } => {
            let stats = history.stats(since).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&stats)?);
            } else {
                print!("{}", stats_table(&stats));
            }
            Ok(())
        }
        Command::Favourite { id, off } => {
            history.set_favourite(id, !off).await?;
            Ok(())
        }
        Command::Tag { id, add, remove } => {
            let mut tags = history.get(id).await?.tags;
            tags.retain(|tag| !remove.contains(tag));
            tags.extend(add);
            let tags = history.set_tags(id, tags).await?;
            println!("{}", tags.join(", "));
            Ok(())
        }
        Command::Rm { ids } => {
            let deleted = history.delete(ids).await?;
            eprintln!("Deleted {deleted} generations.");
            Ok(())
        }
    }
}

/// One generation on one line: id, time, kind, model, status, and where
/// the search found it (or how the answer starts).
fn line(item: &HistoryItem, bold: bool) -> String {
    let text = if item.snippet.is_empty() {
        item.output_preview.clone()
    } else {
        item.snippet
            .iter()
            .map(|part| match (part.hit, bold) {
                (true, true) => format!("\x1b[1m{}\x1b[0m", part.text),
                (true, false) => format!("[{}]", part.text),
                (false, _) => part.text.clone(),
            })
            .collect()
    };
    let text: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(120)
        .collect();
    let star = if item.favourite { "★" } else { " " };
    let status = serde_json::to_value(item.status).unwrap_or_default();
    format!(
        "{:>7} {} {star} {:<9} {:<20} {:<11} {text}",
        item.id,
        item.created_at.get(..16).unwrap_or(&item.created_at),
        item.kind,
        item.model.as_deref().unwrap_or("-"),
        status.as_str().unwrap_or_default(),
    )
}

fn describe(record: &GenerationRecord) -> String {
    let mut out = String::new();
    let status = serde_json::to_value(record.status).unwrap_or_default();
    let field = |out: &mut String, label: &str, value: &str| {
        out.push_str(&format!("{label:<12} {value}\n"));
    };
    field(&mut out, "id", &record.id.to_string());
    field(&mut out, "kind", &record.kind);
    field(
        &mut out,
        "backend",
        &format!(
            "{} / {}",
            record.backend.as_deref().unwrap_or("-"),
            record.model.as_deref().unwrap_or("-")
        ),
    );
    field(&mut out, "status", status.as_str().unwrap_or_default());
    if let Some(error) = &record.error {
        field(&mut out, "error", error);
    }
    field(&mut out, "created", &record.created_at);
    if let Some(usage) = record.usage {
        let estimated = if usage.estimated { " (estimated)" } else { "" };
        field(
            &mut out,
            "tokens",
            &format!(
                "{} prompt, {} completion{estimated}",
                usage.prompt, usage.completion
            ),
        );
    }
    let ms = |v: Option<u32>| v.map_or("-".into(), |v| format!("{v} ms"));
    field(&mut out, "first token", &ms(record.ttft_ms));
    field(&mut out, "total", &ms(record.total_ms));
    if let Some(speed) = record.tokens_per_second {
        field(&mut out, "speed", &format!("{speed:.1} tokens/s"));
    }
    if record.favourite {
        field(&mut out, "favourite", "yes");
    }
    if !record.tags.is_empty() {
        field(&mut out, "tags", &record.tags.join(", "));
    }
    if let Some(original) = record.rerun_of {
        field(&mut out, "re-run of", &original.to_string());
    }
    field(&mut out, "params", &record.params.to_string());
    out.push_str(&format!("\n── prompt ──\n{}\n", record.prompt));
    for choice in &record.choices {
        out.push_str(&format!("\n── output {} ──\n", choice.index + 1));
        if !choice.reasoning.is_empty() {
            out.push_str(&format!("(reasoning)\n{}\n\n", choice.reasoning));
        }
        out.push_str(&choice.text);
        out.push('\n');
    }
    out
}

fn stats_table(stats: &HistoryStats) -> String {
    let mut out = format!(
        "{} generations, {} prompt and {} completion tokens\n",
        stats.generations, stats.prompt_tokens, stats.completion_tokens
    );
    for status in &stats.by_status {
        out.push_str(&format!("  {:<12} {}\n", status.status, status.count));
    }
    out.push_str("\nper day and model\n");
    for day in &stats.per_day {
        out.push_str(&format!(
            "  {} {:<24} {:>7} generations {:>11} tokens\n",
            day.day, day.model, day.generations, day.tokens
        ));
    }
    out.push_str("\nper backend              first token p50 / p90      tokens/s p50 / p90\n");
    let value = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.0}"));
    for backend in &stats.per_backend {
        out.push_str(&format!(
            "  {:<22} {:>7} / {:<7} ms   {:>7} / {:<7}\n",
            backend.backend,
            value(backend.first_token_ms.p50),
            value(backend.first_token_ms.p90),
            value(backend.tokens_per_second.p50),
            value(backend.tokens_per_second.p90),
        ));
    }
    out
}
