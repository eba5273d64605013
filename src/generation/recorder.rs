//! Writes a generation to the store while it streams: the row first, text
//! appended at least every [`FLUSH_EVERY`], the outcome last.

use std::collections::BTreeMap;
use std::time::Duration;

use rusqlite::{Connection, params};

use super::GenerationLinks;
use super::record::{ChoiceOutput, GenerationStatus, TokenUsage};
use crate::Result;
use crate::backend::GenerateRequest;
use crate::history::index;
use crate::store::Store;

/// The most streamed text a killed process can lose.
pub const FLUSH_EVERY: Duration = Duration::from_millis(250);

/// Text received since the last flush, per choice: (answer, reasoning).
pub(super) type Pending = BTreeMap<u32, (String, String)>;

pub(super) struct Start {
    pub kind: String,
    pub backend: String,
    pub request: GenerateRequest,
    pub links: GenerationLinks,
}

/// How a generation ended, as the recorder stores it.
pub(super) struct Finish {
    pub status: GenerationStatus,
    pub error: Option<String>,
    pub choices: Vec<ChoiceOutput>,
    pub usage: TokenUsage,
    pub ttft_ms: Option<u32>,
    pub total_ms: u32,
}

#[derive(Debug, Clone)]
pub(super) struct Recorder {
    store: Store,
    id: i64,
}

impl Recorder {
    pub async fn start(store: &Store, start: Start) -> Result<Recorder> {
        let params = serde_json::to_string(&start.request.params).expect("params serialize");
        let prompt = serde_json::to_string(&start.request.prompt).expect("prompt serialize");
        let source = start.links.source;
        let id = store
            .write(move |conn| {
                conn.execute(
                    "INSERT INTO generations (kind, backend_id, backend_name, model, params, prompt, owner_pid,
                         source_kind, source_id, rerun_of)
                     VALUES (?1, (SELECT id FROM backends WHERE name = ?2), ?2, ?3, ?4, ?5, ?6, ?7, ?8,
                         (SELECT id FROM generations WHERE id = ?9))",
                    params![
                        start.kind,
                        start.backend,
                        start.request.model,
                        params,
                        prompt,
                        std::process::id(),
                        source.map(|s| s.kind.as_str()),
                        source.map(|s| s.id),
                        start.links.rerun_of
                    ],
                )?;
                Ok(conn.last_insert_rowid())
            })
            .await?;
        Ok(Recorder {
            store: store.clone(),
            id,
        })
    }

    pub fn id(&self) -> i64 {
        self.id
    }

    pub async fn append(&self, pending: Pending) -> Result<()> {
        if pending.is_empty() {
            return Ok(());
        }
        let id = self.id;
        self.store
            .write(move |conn| append(conn, id, &pending))
            .await
    }

    /// Writes the last text and the outcome in one transaction, and puts
    /// the generation into the search index.
    pub async fn finish(&self, pending: Pending, finish: Finish) -> Result<()> {
        let id = self.id;
        self.store
            .write(move |conn| {
                let tx = conn.transaction()?;
                append(&tx, id, &pending)?;
                for choice in &finish.choices {
                    tx.execute(
                        "INSERT INTO generation_choices (generation_id, idx, finish_reason)
                         VALUES (?1, ?2, ?3)
                         ON CONFLICT (generation_id, idx) DO UPDATE SET finish_reason = excluded.finish_reason",
                        params![id, choice.index, choice.finish_reason],
                    )?;
                }
                tx.execute(
                    "UPDATE generations SET status = ?2, error = ?3, prompt_tokens = ?4,
                         completion_tokens = ?5, tokens_estimated = ?6, ttft_ms = ?7, total_ms = ?8,
                         cached_tokens = ?9,
                         finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                     WHERE id = ?1",
                    params![
                        id,
                        finish.status.as_str(),
                        finish.error,
                        finish.usage.prompt,
                        finish.usage.completion,
                        finish.usage.estimated,
                        finish.ttft_ms,
                        finish.total_ms,
                        finish.usage.cached
                    ],
                )?;
                index::index(&tx, id)?;
                tx.commit()?;
                Ok(())
            })
            .await
    }
}

fn append(conn: &Connection, id: i64, pending: &Pending) -> Result<()> {
    let mut statement = conn.prepare_cached(
        "INSERT INTO generation_choices (generation_id, idx, text, reasoning) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (generation_id, idx) DO UPDATE
         SET text = text || excluded.text, reasoning = reasoning || excluded.reasoning",
    )?;
    for (choice, (text, reasoning)) in pending {
        statement.execute(params![id, choice, text, reasoning])?;
    }
    Ok(())
}

/// At start-up: generations whose process died mid-stream become
/// `interrupted`, keeping the text flushed before the death, and are
/// indexed for search with that text. One transaction: a start that dies
/// half-way leaves the work to the next.
pub(crate) fn recover_interrupted(conn: &mut Connection) -> Result<usize> {
    let tx = conn.transaction()?;
    let marked = mark_interrupted(&tx)?;
    tx.commit()?;
    Ok(marked)
}

fn mark_interrupted(conn: &Connection) -> Result<usize> {
    let mut owners =
        conn.prepare("SELECT DISTINCT owner_pid FROM generations WHERE status = 'streaming'")?;
    let dead: Vec<Option<u32>> = owners
        .query_map([], |row| row.get::<_, Option<u32>>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .filter(|pid| !pid.is_some_and(process_is_alive))
        .collect();
    let mut marked = Vec::new();
    for pid in dead {
        let mut update = conn.prepare(
            "UPDATE generations
             SET status = 'interrupted', error = 'Scriptorium stopped before this generation finished.',
                 finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
             WHERE status = 'streaming' AND owner_pid IS ?1
             RETURNING id",
        )?;
        let ids = update.query_map(params![pid], |row| row.get::<_, i64>(0))?;
        marked.extend(ids.collect::<rusqlite::Result<Vec<_>>>()?);
    }
    for &id in &marked {
        index::index(conn, id)?;
    }
    Ok(marked.len())
}

/// Whether another process with this id still runs. Where that cannot be
/// told, it is taken as dead: a live process that is still streaming then
/// sets the right status anyway when it finishes.
fn process_is_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        // We are just starting: a row with our id is from an earlier process.
        return false;
    }
    #[cfg(target_os = "linux")]
    {
        std::path::Path::new(&format!("/proc/{pid}")).exists()
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}
