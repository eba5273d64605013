//! The thread that keeps the ranked index in step with the store.
//!
//! It applies the `search_log` entries it has not applied yet, in order:
//! each names a search key whose document is removed and, when the row
//! still exists, added again as it reads now. The commit carries the last
//! applied log number; the entries up to it are then pruned. It waits for
//! the log to stop growing first (see [`Pace`]). A missing, unreadable or
//! older-format index is rebuilt from `generation_search` first, searches
//! meanwhile going to FTS5.
//!
//! Only one process can write an index: a second one (the CLI while the app
//! runs) leaves it alone and searches with FTS5.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use anyhow::Context;
use rusqlite::{Connection, params};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use super::{Fields, Latest, Snapshot, TOKENIZER, logged, schema, words};
use crate::background::Background;
use crate::store::Store;

/// How often the log is looked at.
const TICK: Duration = Duration::from_millis(250);
/// The longest a growing log waits to be applied.
const MOST_DELAY: Duration = Duration::from_secs(2);
/// How long to wait after a failure before trying again: a rebuild that
/// fails (a full disk) would otherwise start over four times a second.
const RETRY_AFTER: Duration = Duration::from_secs(30);
/// Log entries, or rows of a rebuild, read per query.
const BATCH: i64 = 1_000;
/// Batches of log entries applied before a commit lets searches see them,
/// however fast the log grows.
const BATCHES_PER_COMMIT: usize = 50;
/// Log entries pruned per write, so that no write waits long behind it.
const PRUNE_BATCH: i64 = 5_000;
/// Indexing memory before a segment is written out.
const MEMORY: usize = 64 << 20;
/// The way documents are cut into terms. A commit from another format is
/// rebuilt; bump it whenever `words` changes what it makes of a text.
const FORMAT: &str = "2";

/// Starts the thread that keeps the index in `dir` in step with `store`.
pub(super) fn spawn(dir: PathBuf, store: Store, latest: Arc<Latest>) -> Background {
    Background::spawn("search-indexer", move |stopped| {
        follow(&dir, &store, &latest, &stopped);
    })
}

fn follow(dir: &Path, store: &Store, latest: &Latest, stopped: &mpsc::Receiver<()>) {
    let _lock = match FolderLock::take(dir) {
        Ok(Some(lock)) => lock,
        Ok(None) => {
            tracing::info!(
                "another process keeps the search index; best-match search uses SQLite here"
            );
            return;
        }
        Err(error) => {
            tracing::warn!(error = format!("{error:#}"), "the search index cannot open");
            return;
        }
    };
    let stop_asked = || !matches!(stopped.try_recv(), Err(mpsc::TryRecvError::Empty));
    let (mut writer, mut pace, mut failing) = (None, Pace::default(), false);
    loop {
        match step(&mut writer, dir, store, latest, &mut pace, &stop_asked) {
            Ok(()) => failing = false,
            Err(error) => {
                // What the writer holds uncommitted goes with it: the next
                // try opens the index afresh at its last commit.
                writer = None;
                // Said once per run of failures.
                if !failing {
                    tracing::warn!(
                        error = format!("{error:#}"),
                        "the search index could not catch up"
                    );
                }
                failing = true;
            }
        }
        let wait = if failing { RETRY_AFTER } else { TICK };
        if !matches!(stopped.recv_timeout(wait), Err(RecvTimeoutError::Timeout)) {
            return;
        }
    }
}

/// One tick: opens the index if need be, then builds it or catches up
/// when due, and lets searches see the result.
fn step(
    writer: &mut Option<Writer>,
    dir: &Path,
    store: &Store,
    latest: &Latest,
    pace: &mut Pace,
    stop_asked: &dyn Fn() -> bool,
) -> anyhow::Result<()> {
    let writer = match writer {
        Some(writer) => writer,
        None => writer.insert(Writer::open(dir)?),
    };
    let changed = match writer.applied {
        None => writer.rebuild(store, stop_asked)?,
        Some(applied) => {
            let logged = store.read_blocking(logged)?;
            if logged < applied {
                // The database is behind the index: restored from an older
                // copy, or its last transactions lost to a power cut. Its
                // log numbers will come again for other changes.
                tracing::warn!(
                    logged,
                    applied,
                    "the search index is rebuilt: the database went back"
                );
                latest.clear();
                writer.applied = None;
                return Ok(());
            }
            pace.due(logged, applied) && writer.catch_up(store, stop_asked)?
        }
    };
    if changed {
        writer.publish(latest)?;
        writer.prune(store, stop_asked)?;
    } else if latest.get().is_none() {
        writer.publish(latest)?;
    }
    Ok(())
}

/// Held while this process keeps the index: a locked file beside its
/// folder, so that nothing in the folder is read, replaced or deleted (an
/// index of another format, say) while another process uses it.
#[derive(Debug)]
struct FolderLock {
    /// The lock lasts as long as the open file.
    _file: std::fs::File,
}

impl FolderLock {
    /// `None` when another process holds it.
    fn take(dir: &Path) -> anyhow::Result<Option<FolderLock>> {
        let path = dir.with_extension("lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(FolderLock { _file: file })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(error)) => {
                Err(anyhow::Error::new(error).context(format!("locking {}", path.display())))
            }
        }
    }
}

/// When to catch up: once the log has stopped growing for a tick, or after
/// [`MOST_DELAY`] of growth. A burst of writes (an import, a run of
/// translated segments) then goes by without the indexer working beside
/// it, on a machine that may have two cores for both.
#[derive(Debug, Default)]
struct Pace {
    /// The newest log number seen at the last tick.
    seen: i64,
    /// Since when the index has been behind.
    behind_since: Option<Instant>,
}

impl Pace {
    fn due(&mut self, logged: i64, applied: i64) -> bool {
        let grew = logged != self.seen;
        self.seen = logged;
        if logged <= applied {
            self.behind_since = None;
            return false;
        }
        let since = *self.behind_since.get_or_insert_with(Instant::now);
        if grew && since.elapsed() < MOST_DELAY {
            return false;
        }
        self.behind_since = None;
        true
    }
}

struct Writer {
    writer: IndexWriter<TantivyDocument>,
    reader: IndexReader,
    fields: Fields,
    /// The last log number the index holds; `None` until it is built.
    applied: Option<i64>,
}

impl Writer {
    /// Opens the index in `dir`, or makes a new empty one where there is
    /// none this build can read. One it can read but whose commit is of
    /// another format, or none, is kept to be rebuilt in place.
    fn open(dir: &Path) -> anyhow::Result<Writer> {
        let (schema, fields) = schema();
        if let Ok(index) = Index::open_in_dir(dir)
            && index.schema() == schema
        {
            let metas = index.load_metas()?;
            let applied = metas.payload.as_deref().and_then(applied_in);
            return Writer::with_index(&index, fields, applied);
        }
        if dir.exists() {
            std::fs::remove_dir_all(dir)
                .with_context(|| format!("removing the old index in {}", dir.display()))?;
        }
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let index = Index::create_in_dir(dir, schema)?;
        Writer::with_index(&index, fields, None)
    }

    fn with_index(index: &Index, fields: Fields, applied: Option<i64>) -> anyhow::Result<Writer> {
        index
            .tokenizers()
            .register(TOKENIZER, words::DocumentTokenizer::default());
        let writer = index.writer_with_num_threads(1, MEMORY)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Writer {
            writer,
            reader,
            fields,
            applied,
        })
    }

    /// Indexes every search row afresh. The log number is read first: a
    /// change made while the rows are read is in the log after it and is
    /// applied again next, as it then reads. Returns whether it finished.
    fn rebuild(&mut self, store: &Store, stop_asked: &dyn Fn() -> bool) -> anyhow::Result<bool> {
        let started = Instant::now();
        let upto = store.read_blocking(logged)?;
        self.writer.delete_all_documents()?;
        let (mut after, mut rows) = (i64::MIN, 0u64);
        loop {
            if stop_asked() {
                // Nothing committed: the next start rebuilds.
                self.writer.rollback()?;
                return Ok(false);
            }
            let batch = store.read_blocking(|conn| search_rows(conn, after))?;
            let Some(&(last, _)) = batch.last() else {
                break;
            };
            for (key, text) in &batch {
                self.add(*key, text)?;
            }
            rows += batch.len() as u64;
            after = last;
        }
        self.commit(upto)?;
        tracing::info!(
            rows,
            seconds = started.elapsed().as_secs_f64(),
            "search index built"
        );
        Ok(true)
    }

    /// Applies the log entries after the last applied one, up to
    /// [`BATCHES_PER_COMMIT`] batches of them; returns whether there were
    /// any.
    fn catch_up(&mut self, store: &Store, stop_asked: &dyn Fn() -> bool) -> anyhow::Result<bool> {
        let Some(applied) = self.applied else {
            return Ok(false);
        };
        let mut upto = applied;
        for _ in 0..BATCHES_PER_COMMIT {
            let batch = store.read_blocking(|conn| log_entries(conn, upto))?;
            let Some(&(last, _, _)) = batch.last() else {
                break;
            };
            for (_, key, text) in &batch {
                self.writer
                    .delete_term(Term::from_field_i64(self.fields.key, *key));
                if let Some(text) = text {
                    self.add(*key, text)?;
                }
            }
            upto = last;
            if stop_asked() {
                break;
            }
        }
        if upto == applied {
            return Ok(false);
        }
        self.commit(upto)?;
        Ok(true)
    }

    /// Adds the document of one search row. Prompt and output are two
    /// values of one field: a phrase cannot run from one into the other,
    /// as it cannot across FTS5's two columns.
    fn add(&self, key: i64, text: &SearchText) -> tantivy::Result<()> {
        let mut document = TantivyDocument::new();
        document.add_i64(self.fields.key, key);
        document.add_text(self.fields.text, &text.prompt);
        document.add_text(self.fields.text, &text.output);
        self.writer.add_document(document)?;
        Ok(())
    }

    fn commit(&mut self, upto: i64) -> tantivy::Result<()> {
        let mut commit = self.writer.prepare_commit()?;
        commit.set_payload(&format!("{FORMAT}:{upto}"));
        commit.commit()?;
        self.applied = Some(upto);
        Ok(())
    }

    /// Lets searches read the last commit.
    fn publish(&self, latest: &Latest) -> tantivy::Result<()> {
        let Some(applied) = self.applied else {
            return Ok(());
        };
        self.reader.reload()?;
        latest.set(Snapshot {
            searcher: self.reader.searcher(),
            fields: self.fields,
            applied,
        });
        Ok(())
    }

    /// Drops the applied log entries, a few thousand per write; what is
    /// left when a stop is asked goes next time.
    fn prune(&self, store: &Store, stop_asked: &dyn Fn() -> bool) -> crate::Result<()> {
        let Some(applied) = self.applied else {
            return Ok(());
        };
        while !stop_asked() {
            let pruned = futures::executor::block_on(store.write(move |conn| {
                Ok(conn.execute(
                    "DELETE FROM search_log WHERE seq <= ?1
                     AND seq <= (SELECT min(seq) FROM search_log) + ?2",
                    params![applied, PRUNE_BATCH],
                )?)
            }))?;
            if pruned == 0 {
                break;
            }
        }
        Ok(())
    }
}

/// The log number a commit's payload records, if it is of this format.
fn applied_in(payload: &str) -> Option<i64> {
    let (format, applied) = payload.split_once(':')?;
    (format == FORMAT).then(|| applied.parse().ok())?
}

/// A search row's text, as FTS5 indexes it.
struct SearchText {
    prompt: String,
    output: String,
}

/// The next search rows after key `after`.
fn search_rows(conn: &Connection, after: i64) -> crate::Result<Vec<(i64, SearchText)>> {
    let mut query = conn.prepare_cached(
        "SELECT key, prompt, output FROM generation_search WHERE key > ?1 ORDER BY key LIMIT ?2",
    )?;
    let rows = query
        .query_map(params![after, BATCH], |row| {
            let text = SearchText {
                prompt: row.get(1)?,
                output: row.get(2)?,
            };
            Ok((row.get(0)?, text))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The next log entries after number `after`: number, key and the text the
/// key has now (`None` once removed).
fn log_entries(
    conn: &Connection,
    after: i64,
) -> crate::Result<Vec<(i64, i64, Option<SearchText>)>> {
    let mut query = conn.prepare_cached(
        "SELECT l.seq, l.key, s.prompt, s.output
         FROM search_log l LEFT JOIN generation_search s ON s.key = l.key
         WHERE l.seq > ?1 ORDER BY l.seq LIMIT ?2",
    )?;
    let rows = query
        .query_map(params![after, BATCH], |row| {
            let prompt: Option<String> = row.get(2)?;
            let text = prompt.map(|prompt| -> rusqlite::Result<SearchText> {
                Ok(SearchText {
                    prompt,
                    output: row.get(3)?,
                })
            });
            Ok((row.get(0)?, row.get(1)?, text.transpose()?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_growing_log_waits_until_it_settles_or_for_two_seconds() {
        let mut pace = Pace::default();
        assert!(!pace.due(0, 0), "nothing to apply");
        assert!(!pace.due(3, 0), "it has just grown");
        assert!(pace.due(3, 0), "it stayed put for a tick");
        assert!(!pace.due(5, 3));
        pace.behind_since = Some(Instant::now() - MOST_DELAY);
        assert!(pace.due(9, 3), "grown for too long");
        assert!(!pace.due(9, 9), "caught up");
    }

    #[test]
    fn payloads_of_another_format_are_not_read() {
        assert_eq!(applied_in("2:42"), Some(42));
        assert_eq!(applied_in("1:42"), None);
        assert_eq!(applied_in("2:x"), None);
        assert_eq!(applied_in("42"), None);
    }
}
