//! The generation history: list, search, mark, tag, delete, re-run,
//! compare, export, import and count every generation ever recorded.

mod actions;
mod compare;
pub(crate) mod index;
mod query;
mod ranked;
pub mod search_text;
mod stats;
mod transfer;

use std::path::PathBuf;

use tokio_util::sync::CancellationToken;

pub use actions::{HistoryFacets, TagCount, normalize_tag};
pub use compare::{Comparison, DiffOpKind, DiffPart, diff};
pub use query::{HistoryItem, HistoryPage, HistoryQuery, HistorySort, MAX_PAGE};
pub(crate) use ranked::{RankedIndex, Snapshot as RankedSnapshot};
pub use search_text::SnippetPart;
pub use stats::{BackendStats, Bucket, DayStats, Distribution, HistoryStats, StatusCount};
pub use transfer::{ExportFormat, ExportSelection, ImportSummary};

use crate::backend::{GenerateRequest, Params};
use crate::generation::{GenerationLinks, GenerationRecord, GenerationSpec, Run, record};
use crate::store::Store;
use crate::{Error, Result, Studio};

/// The history of one data folder. Cheap to clone.
#[derive(Debug, Clone)]
pub struct History {
    studio: Studio,
}

impl Studio {
    pub fn history(&self) -> History {
        History {
            studio: self.clone(),
        }
    }
}

impl History {
    fn store(&self) -> &Store {
        self.studio.store()
    }

    /// A page of generations, newest (or best match) first.
    #[tracing::instrument(skip_all, err)]
    pub async fn page(
        &self,
        query: HistoryQuery,
        after: Option<String>,
        limit: u32,
    ) -> Result<HistoryPage> {
        let ranked = self.studio.ranked_index();
        self.store()
            .read(move |conn| query::page(conn, &query, after.as_deref(), limit, ranked.as_deref()))
            .await
    }

    /// Whether best-match search is served by the ranked index now: built,
    /// and caught up with every change recorded. Until then FTS5 ranks,
    /// with the same matches, more slowly.
    pub async fn ranked_search_ready(&self) -> Result<bool> {
        let Some(snapshot) = self.studio.ranked_index() else {
            return Ok(false);
        };
        self.store().read(move |conn| snapshot.covers(conn)).await
    }

    /// One generation with everything recorded about it.
    pub async fn get(&self, id: i64) -> Result<GenerationRecord> {
        self.store().read(move |conn| record::load(conn, id)).await
    }

    #[tracing::instrument(skip_all, err, fields(id))]
    pub async fn set_favourite(&self, id: i64, favourite: bool) -> Result<()> {
        self.store()
            .write(move |conn| actions::set_favourite(conn, id, favourite))
            .await
    }

    /// Replaces the tags; returns them as stored.
    #[tracing::instrument(skip_all, err, fields(id))]
    pub async fn set_tags(&self, id: i64, tags: Vec<String>) -> Result<Vec<String>> {
        self.store()
            .write(move |conn| actions::set_tags(conn, id, &tags))
            .await
    }

    /// Deletes generations and everything about them; returns how many.
    #[tracing::instrument(skip_all, err, fields(count = ids.len()))]
    pub async fn delete(&self, ids: Vec<i64>) -> Result<u32> {
        self.store()
            .write(move |conn| actions::delete(conn, &ids))
            .await
    }

    /// The kinds, backends, models and tags there are to filter by.
    pub async fn facets(&self) -> Result<HistoryFacets> {
        self.store().read(actions::facets).await
    }

    /// Runs a generation again: the same backend, model, prompt and
    /// parameters, as a new generation linked to the old one.
    #[tracing::instrument(skip_all, err, fields(id))]
    pub async fn rerun(&self, id: i64, cancel: CancellationToken) -> Result<Run> {
        let old = self.get(id).await?;
        let params: Params =
            serde_json::from_value(old.params).map_err(|error| Error::CannotRerun {
                id,
                reason: format!("its parameters do not read ({error})"),
            })?;
        let spec = GenerationSpec {
            kind: old.kind,
            backend: old.backend,
            request: GenerateRequest {
                model: old.model.unwrap_or_default(),
                prompt: old.prompt,
                params,
            },
        };
        let links = GenerationLinks {
            source: None,
            rerun_of: Some(id),
        };
        self.studio.generate_linked(spec, links, cancel).await
    }

    /// Two generations and what differs between them.
    pub async fn compare(&self, first: i64, second: i64) -> Result<Comparison> {
        let (first, second) = (self.get(first).await?, self.get(second).await?);
        tokio::task::spawn_blocking(move || compare::compare(first, second))
            .await
            .map_err(|_| Error::StoreClosed)
    }

    /// Writes the selection to `path`; returns how many generations.
    #[tracing::instrument(skip_all, err, fields(path = %path.display()))]
    pub async fn export_to(
        &self,
        selection: ExportSelection,
        format: ExportFormat,
        path: PathBuf,
    ) -> Result<u32> {
        self.store()
            .read(move |conn| {
                let io = |source| Error::Io {
                    path: path.clone(),
                    source,
                };
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(io)?;
                }
                let file = std::fs::File::create(&path).map_err(io)?;
                let mut out = std::io::BufWriter::new(file);
                transfer::export(conn, &selection, format, &mut out)
            })
            .await
    }

    /// The selection as one string, for small exports and tests.
    pub async fn export_string(
        &self,
        selection: ExportSelection,
        format: ExportFormat,
    ) -> Result<String> {
        self.store()
            .read(move |conn| {
                let mut out = Vec::new();
                transfer::export(conn, &selection, format, &mut out)?;
                Ok(String::from_utf8(out).expect("exports are UTF-8"))
            })
            .await
    }

    /// Imports JSON Lines as written by [`History::export_to`]: all or
    /// nothing.
    #[tracing::instrument(skip_all, err)]
    pub async fn import(&self, jsonl: String) -> Result<ImportSummary> {
        let records = tokio::task::spawn_blocking(move || transfer::parse(&jsonl))
            .await
            .map_err(|_| Error::StoreClosed)??;
        self.store()
            .write(move |conn| transfer::import(conn, records))
            .await
    }

    /// Figures from `since` (`YYYY-MM-DD`) on, or over everything.
    pub async fn stats(&self, since: Option<String>) -> Result<HistoryStats> {
        if let Some(day) = &since {
            query::check_date(day)?;
        }
        self.store()
            .read(move |conn| stats::stats(conn, since.as_deref()))
            .await
    }
}
