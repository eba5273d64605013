//! Best match first at any size: a second search index, beside SQLite.
//!
//! FTS5 ranks by scoring every match before it can pick the best: a common
//! word in 440,000 generations takes a quarter of a second. This index
//! (tantivy) keeps per-block score bounds and skips the blocks that cannot
//! reach the page, so the same search takes milliseconds.
//!
//! It is a cache of the search text in `generation_search`, kept in the data
//! folder and rebuilt whenever it is missing or unreadable. A thread of its
//! own follows the store's `search_log` and commits what it applied with the
//! last log number, so it knows after any crash where to go on. Searches use
//! it once it has caught up with what their connection sees, and not for
//! `prefix*` terms; `history::query::best_match` decides, and FTS5 answers
//! otherwise, slower but with the same matches.

mod indexer;
#[cfg(test)]
mod tests;
mod words;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{Searcher, Term};

use super::search_text;
use crate::Result;
use crate::background::Background;
use crate::store::Store;

/// The ranked index of one data folder and the thread that keeps it.
#[derive(Debug)]
pub(crate) struct RankedIndex {
    latest: Arc<Latest>,
    _indexer: Background,
}

impl RankedIndex {
    /// Opens the index in `dir` (creating or rebuilding it as needed) on a
    /// thread of its own, which then follows `store`. Returns at once.
    pub(crate) fn start(dir: PathBuf, store: Store) -> RankedIndex {
        let latest = Arc::new(Latest::default());
        RankedIndex {
            _indexer: indexer::spawn(dir, store, Arc::clone(&latest)),
            latest,
        }
    }

    /// What searches may read now; `None` until the index has opened.
    pub(crate) fn snapshot(&self) -> Option<Arc<Snapshot>> {
        self.latest.get()
    }
}

/// The newest published snapshot.
#[derive(Debug, Default)]
struct Latest(Mutex<Option<Arc<Snapshot>>>);

impl Latest {
    fn get(&self) -> Option<Arc<Snapshot>> {
        self.lock().clone()
    }

    fn set(&self, snapshot: Snapshot) {
        *self.lock() = Some(Arc::new(snapshot));
    }

    /// Sends searches back to FTS5 until the next snapshot.
    fn clear(&self) {
        *self.lock() = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Arc<Snapshot>>> {
        // The guarded value is replaced whole, so a panic cannot leave it
        // half written.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The index as of one commit, and the last log entry that commit applied.
#[derive(Debug)]
pub(crate) struct Snapshot {
    searcher: Searcher,
    fields: Fields,
    applied: i64,
}

impl Snapshot {
    /// Whether it holds every change to the search text that `conn` sees.
    pub(crate) fn covers(&self, conn: &Connection) -> Result<bool> {
        Ok(self.applied >= logged(conn)?)
    }

    /// The search keys of the best matches for `query`, `limit` of them
    /// after skipping `offset`, best first.
    pub(crate) fn best(
        &self,
        query: &dyn Query,
        offset: usize,
        limit: usize,
    ) -> tantivy::Result<Vec<i64>> {
        // No search has more matches than there are documents: a far
        // offset (a cursor made up) reads nothing, and asks for no room.
        let documents = usize::try_from(self.searcher.num_docs()).unwrap_or(usize::MAX);
        let limit = limit.min(documents.saturating_sub(offset));
        if limit == 0 {
            return Ok(Vec::new());
        }
        let hits = self
            .searcher
            .search(query, &TopDocs::with_limit(limit).and_offset(offset))?;
        // Each segment's key column, opened once for all its hits.
        let mut columns = vec![None; self.searcher.segment_readers().len()];
        let mut keys = Vec::with_capacity(hits.len());
        for (_, address) in hits {
            let column = match &mut columns[address.segment_ord as usize] {
                Some(column) => column,
                empty => empty.insert(
                    self.searcher
                        .segment_reader(address.segment_ord)
                        .fast_fields()
                        .i64(KEY)?,
                ),
            };
            keys.extend(column.first(address.doc_id));
        }
        Ok(keys)
    }

    /// What a person typed as a query of this index: every term required,
    /// each a word or a phrase. `None` for a query it does not answer the
    /// way FTS5 would (a `prefix*` term).
    pub(crate) fn query(&self, text: &str) -> Option<Box<dyn Query>> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for term in search_text::search_terms(text) {
            if term.prefix {
                return None;
            }
            let mut terms: Vec<(usize, Term)> = words::phrase_terms(&term.text)
                .into_iter()
                .map(|t| (t.position, Term::from_field_text(self.fields.text, &t.text)))
                .collect();
            let query: Box<dyn Query> = match terms.len() {
                // Nothing unicode61 would index either: no way to agree.
                0 => return None,
                1 => Box::new(TermQuery::new(
                    terms.remove(0).1,
                    IndexRecordOption::WithFreqs,
                )),
                _ => Box::new(PhraseQuery::new_with_offset(terms)),
            };
            clauses.push((Occur::Must, query));
        }
        match clauses.len() {
            0 => None,
            1 => clauses.pop().map(|(_, query)| query),
            _ => Some(Box::new(BooleanQuery::new(clauses))),
        }
    }
}

/// The newest log number ever written: what a caught-up index has applied.
fn logged(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'search_log'), 0)",
        )?
        .query_row([], |row| row.get(0))?)
}

/// The fast field holding a document's search key.
const KEY: &str = "key";

#[derive(Debug, Clone, Copy)]
struct Fields {
    key: Field,
    text: Field,
}

/// The name the index knows [`words::DocumentTokenizer`] by.
const TOKENIZER: &str = "scriptorium";

/// A document per search row: its key (to find, replace and delete it),
/// and its prompt and output as terms with positions, not stored.
fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let key = builder.add_i64_field(KEY, NumericOptions::default().set_indexed().set_fast());
    let text = builder.add_text_field(
        "text",
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        ),
    );
    (builder.build(), Fields { key, text })
}
