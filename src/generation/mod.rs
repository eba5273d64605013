//! One model call from start to finish: sent to a backend, streamed to the
//! caller as it comes, and recorded in the store as it goes.

pub(crate) mod record;
mod recorder;
pub mod tokens;

use std::collections::BTreeMap;
use std::time::Instant;

use futures::StreamExt;
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

pub use record::{
    ChoiceOutput, GenerationRecord, GenerationStatus, SourceKind, SourceLink, TokenUsage,
    tokens_per_second,
};
pub use recorder::FLUSH_EVERY;
pub(crate) use recorder::recover_interrupted;

use crate::backend::registry::OpenBackend;
use crate::backend::{BackendError, Event, EventStream, GenerateRequest, Prompt};
use crate::{ApiError, Error, Result, Studio};
use recorder::{Finish, Pending, Recorder, Start};

/// What to generate, and with which backend (`None`: the default one).
#[derive(Debug, Clone)]
pub struct GenerationSpec {
    /// What the generation is for: `chat`, `complete`, `story`, `translate`.
    pub kind: String,
    pub backend: Option<String>,
    /// An empty model means the backend's default model.
    pub request: GenerateRequest,
}

/// Where a generation comes from, recorded with it for history.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GenerationLinks {
    /// The message, revision or segment it produces.
    pub source: Option<SourceLink>,
    /// The generation it repeats.
    pub rerun_of: Option<i64>,
}

/// What the caller receives while a generation runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "type", content = "data", rename_all = "camelCase")]
pub enum RunEvent {
    Event(Event),
    Finished(Outcome),
}

/// How a generation ended; the same is in the store.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    pub id: i64,
    pub backend: String,
    pub model: String,
    pub status: GenerationStatus,
    pub error: Option<ApiError>,
    pub choices: Vec<ChoiceOutput>,
    pub usage: TokenUsage,
    pub ttft_ms: Option<u32>,
    pub total_ms: u32,
}

/// A running generation: its id in the store and its events. The
/// generation goes on (and is recorded) even if the events are not read.
#[derive(Debug)]
pub struct Run {
    pub id: i64,
    pub events: mpsc::UnboundedReceiver<RunEvent>,
}

impl Run {
    /// Waits for the end, ignoring the intermediate events.
    pub async fn outcome(mut self) -> Result<Outcome> {
        while let Some(event) = self.events.recv().await {
            if let RunEvent::Finished(outcome) = event {
                return Ok(outcome);
            }
        }
        Err(Error::StoreClosed)
    }
}

impl Studio {
    /// Starts a generation; its row exists (status `streaming`) on return.
    pub async fn generate(&self, spec: GenerationSpec, cancel: CancellationToken) -> Result<Run> {
        self.generate_linked(spec, GenerationLinks::default(), cancel)
            .await
    }

    /// [`Studio::generate`], recording where the generation comes from.
    #[tracing::instrument(skip_all, err, fields(kind = %spec.kind))]
    pub async fn generate_linked(
        &self,
        spec: GenerationSpec,
        links: GenerationLinks,
        cancel: CancellationToken,
    ) -> Result<Run> {
        let name = match spec.backend {
            Some(name) => name,
            None => self.default_backend().await?,
        };
        let OpenBackend { record, backend } = self.backends().open(&name).await?;
        let mut request = spec.request;
        if request.model.trim().is_empty() {
            request.model = record.default_model.ok_or(Error::NoModel {
                backend: name.clone(),
            })?;
        }
        // The request goes out while the row is written: the first token
        // does not wait on the disk.
        let started = Instant::now();
        let stream = backend.generate(request.clone(), cancel.clone());
        let (recorder_ready, recorder) = oneshot::channel();
        let (sender, events) = mpsc::unbounded_channel();
        let generation = Generation {
            stream,
            recorder,
            backend: name.clone(),
            request: request.clone(),
            started,
        };
        tokio::spawn(drive(generation, sender));
        let start = Start {
            kind: spec.kind,
            backend: name,
            request,
            links,
        };
        match Recorder::start(self.store(), start).await {
            Ok(started) => {
                let id = started.id();
                // Only fails when the generation has already ended.
                let _ = recorder_ready.send(started);
                Ok(Run { id, events })
            }
            Err(error) => {
                cancel.cancel();
                Err(error)
            }
        }
    }

    /// A stored generation, whatever its state.
    pub async fn generation(&self, id: i64) -> Result<GenerationRecord> {
        self.store().read(move |conn| record::load(conn, id)).await
    }

    /// The backend to use when none is named: the chosen default, or the
    /// only one there is.
    async fn default_backend(&self) -> Result<String> {
        if let Some(name) = self.settings().get().await?.default_backend {
            return Ok(name);
        }
        match self.backends().list().await?.as_slice() {
            [only] => Ok(only.name.clone()),
            _ => Err(Error::NoBackend),
        }
    }
}

/// One started generation, as `drive` needs it.
struct Generation {
    stream: EventStream,
    /// Arrives once the row is written; `drive` does not wait for it to
    /// pass on the first tokens.
    recorder: oneshot::Receiver<Recorder>,
    backend: String,
    request: GenerateRequest,
    started: Instant,
}

/// Streams the backend's events to the caller and the recorder.
async fn drive(generation: Generation, sender: mpsc::UnboundedSender<RunEvent>) {
    let Generation {
        mut stream,
        recorder: mut recorder_pending,
        backend: backend_name,
        request,
        started,
    } = generation;
    let mut recorder: Option<Recorder> = None;
    let mut output = Output::default();
    let mut flush =
        tokio::time::interval_at(tokio::time::Instant::now() + FLUSH_EVERY, FLUSH_EVERY);
    flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let failure = loop {
        tokio::select! {
            ready = &mut recorder_pending, if recorder.is_none() => match ready {
                Ok(ready) => recorder = Some(ready),
                // The row could not be written; the caller got that error.
                Err(_) => return,
            },
            item = stream.next() => match item {
                Some(Ok(event)) => {
                    output.apply(&event, started);
                    // A caller that stopped listening does not stop the generation.
                    let _ = sender.send(RunEvent::Event(event));
                }
                Some(Err(error)) => break Some(error),
                None => break None,
            },
            _ = flush.tick(), if recorder.is_some() => {
                let pending = std::mem::take(&mut output.pending);
                if let Some(recorder) = &recorder
                    && let Err(error) = recorder.append(pending).await
                {
                    tracing::error!(%error, "saving streamed text failed");
                }
            }
        }
    };
    drop(stream);
    let recorder = match recorder {
        Some(recorder) => recorder,
        None => match recorder_pending.await {
            Ok(recorder) => recorder,
            Err(_) => return,
        },
    };

    let (status, error) = match failure {
        None => (GenerationStatus::Done, None),
        Some(BackendError::Cancelled) => (GenerationStatus::Cancelled, None),
        Some(error) => (
            GenerationStatus::Error,
            Some(ApiError::from(Error::Backend(error))),
        ),
    };
    let usage = output.usage.unwrap_or_else(|| TokenUsage {
        prompt: tokens::estimate(&prompt_text(&request.prompt)),
        completion: output
            .choices
            .values()
            .map(|c| tokens::estimate(&c.text) + tokens::estimate(&c.reasoning))
            .sum(),
        estimated: true,
        cached: None,
    });
    let outcome = Outcome {
        id: recorder.id(),
        backend: backend_name,
        model: request.model,
        status,
        error,
        choices: output.choices.into_values().collect(),
        usage,
        ttft_ms: output.first_token.map(millis),
        total_ms: millis(started.elapsed()),
    };
    let finish = Finish {
        status,
        error: outcome.error.as_ref().map(|e| e.message.clone()),
        choices: outcome.choices.clone(),
        usage,
        ttft_ms: outcome.ttft_ms,
        total_ms: outcome.total_ms,
    };
    if let Err(error) = recorder.finish(output.pending, finish).await {
        tracing::error!(%error, id = outcome.id, "recording the end of a generation failed");
    }
    let _ = sender.send(RunEvent::Finished(outcome));
}

/// Everything received so far.
#[derive(Debug, Default)]
struct Output {
    choices: BTreeMap<u32, ChoiceOutput>,
    pending: Pending,
    usage: Option<TokenUsage>,
    first_token: Option<std::time::Duration>,
}

impl Output {
    fn apply(&mut self, event: &Event, started: Instant) {
        match event {
            Event::Delta { choice, text } | Event::Reasoning { choice, text } => {
                self.first_token.get_or_insert_with(|| started.elapsed());
                let output = self
                    .choices
                    .entry(*choice)
                    .or_insert_with(|| new_choice(*choice));
                let pending = self.pending.entry(*choice).or_default();
                if matches!(event, Event::Delta { .. }) {
                    output.text.push_str(text);
                    pending.0.push_str(text);
                } else {
                    output.reasoning.push_str(text);
                    pending.1.push_str(text);
                }
            }
            Event::Usage {
                prompt,
                completion,
                cached,
            } => {
                self.usage = Some(TokenUsage {
                    prompt: *prompt,
                    completion: *completion,
                    estimated: false,
                    cached: *cached,
                });
            }
            Event::Done {
                choice,
                finish_reason,
            } => {
                let output = self
                    .choices
                    .entry(*choice)
                    .or_insert_with(|| new_choice(*choice));
                output.finish_reason = finish_reason.clone();
            }
        }
    }
}

fn new_choice(index: u32) -> ChoiceOutput {
    ChoiceOutput {
        index,
        ..ChoiceOutput::default()
    }
}

fn prompt_text(prompt: &Prompt) -> String {
    match prompt {
        Prompt::Chat { messages } => messages
            .iter()
            .map(|m| m.content.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        Prompt::Completion { text } => text.clone(),
    }
}

fn millis(duration: std::time::Duration) -> u32 {
    u32::try_from(duration.as_millis()).unwrap_or(u32::MAX)
}
