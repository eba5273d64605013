//! The engine: one worker thread owns the loaded model; requests arrive by
//! channel, each with its own channel for events, and are served one at a
//! time. Between tokens the worker checks for cancellation, so stopping is
//! prompt, and a consumer that goes away stops the work too.

use std::fs::File;
use std::io::BufReader;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, SystemTime};

use candle_core::Device;
use serde::Serialize;
use tokio::sync::{mpsc as async_mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::chat_template::ChatTemplate;
use super::model::{ModelError, Transformer};
use super::sampler::{PENALTY_WINDOW, Sampler, SamplingConfig};
use super::stop::StopMatcher;
use super::think::{Piece, ThinkSplitter};
use super::tokenizer::LocalTokenizer;
use crate::backend::{BackendError, Event, EventStream, GenerateRequest, Prompt};

/// Prompt tokens are fed in slices of this many, so attention scores stay
/// small and cancellation is checked while a long prompt is read.
const PROMPT_SLICE: usize = 256;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum EngineStatus {
    Idle,
    /// `progress` runs from 0 to 1.
    Loading {
        model: String,
        progress: f32,
    },
    Ready {
        model: String,
    },
}

#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// A model nobody used for this long is unloaded to free its memory.
    pub idle_unload: Duration,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            idle_unload: Duration::from_secs(10 * 60),
        }
    }
}

type EventSender = async_mpsc::UnboundedSender<Result<Event, BackendError>>;

enum Message {
    Generate(Box<Job>),
    Unload,
}

struct Job {
    model: PathBuf,
    request: GenerateRequest,
    cancel: CancellationToken,
    events: EventSender,
}

/// A handle to the worker; the worker stops when the last handle is gone.
#[derive(Debug, Clone)]
pub struct Engine {
    jobs: mpsc::Sender<Message>,
    status: watch::Receiver<EngineStatus>,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Message::Generate(job) => write!(f, "Generate({})", job.model.display()),
            Message::Unload => f.write_str("Unload"),
        }
    }
}

impl Engine {
    pub fn start(options: EngineOptions) -> Engine {
        let (jobs, inbox) = mpsc::channel();
        let (status_sender, status) = watch::channel(EngineStatus::Idle);
        std::thread::Builder::new()
            .name("local-model".into())
            .spawn(move || {
                Worker {
                    loaded: None,
                    status: status_sender,
                }
                .run(inbox, options)
            })
            .expect("spawning the local model thread");
        Engine { jobs, status }
    }

    /// Starts a generation with the model at `model`; events arrive on the
    /// returned stream, which ends after the last choice.
    pub fn generate(
        &self,
        model: PathBuf,
        request: GenerateRequest,
        cancel: CancellationToken,
    ) -> EventStream {
        let (events, mut receiver) = async_mpsc::unbounded_channel();
        let sent = self.jobs.send(Message::Generate(Box::new(Job {
            model,
            request,
            cancel,
            events,
        })));
        Box::pin(async_stream::stream! {
            if sent.is_err() {
                yield Err(local_error("The local model engine has stopped."));
                return;
            }
            while let Some(event) = receiver.recv().await {
                yield event;
            }
        })
    }

    pub fn status(&self) -> watch::Receiver<EngineStatus> {
        self.status.clone()
    }

    /// Frees the loaded model's memory now.
    pub fn unload(&self) {
        let _ = self.jobs.send(Message::Unload);
    }
}

/// A tokenizer or template error, as the failure of the request.
fn request_failed(error: impl std::fmt::Display) -> Stop {
    Stop::Failed(local_error(error.to_string()))
}

fn local_error(message: impl Into<String>) -> BackendError {
    BackendError::Local {
        message: message.into(),
    }
}

struct Worker {
    loaded: Option<Loaded>,
    status: watch::Sender<EngineStatus>,
}

struct Loaded {
    path: PathBuf,
    modified: Option<SystemTime>,
    name: String,
    model: Transformer,
    tokenizer: LocalTokenizer,
    template: ChatTemplate,
    /// The tokens whose keys and values the model's cache holds.
    cached: Vec<u32>,
}

/// Why a generation ended early.
enum Stop {
    Cancelled,
    Failed(BackendError),
}

impl From<ModelError> for Stop {
    fn from(error: ModelError) -> Self {
        Stop::Failed(local_error(error.to_string()))
    }
}

impl Worker {
    fn run(mut self, inbox: mpsc::Receiver<Message>, options: EngineOptions) {
        loop {
            match inbox.recv_timeout(options.idle_unload) {
                Ok(Message::Generate(job)) => {
                    let Job {
                        model,
                        request,
                        cancel,
                        events,
                    } = *job;
                    // A panic deep in a kernel must not take the engine
                    // down with it: the request fails, the model is dropped.
                    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
                        candle_core::utils::with_threadpool(|| {
                            self.generate(&model, &request, &cancel, &events)
                        })
                    }))
                    .unwrap_or_else(|_| {
                        self.unload();
                        Err(Stop::Failed(local_error(
                            "The local model failed unexpectedly; it was unloaded.",
                        )))
                    });
                    match outcome {
                        Ok(()) => {}
                        Err(Stop::Cancelled) => {
                            let _ = events.send(Err(BackendError::Cancelled));
                        }
                        Err(Stop::Failed(error)) => {
                            // A step that failed half-way may have left some
                            // layers' caches longer than others.
                            if let Some(loaded) = &mut self.loaded {
                                loaded.model.truncate_cache(0);
                                loaded.cached.clear();
                            }
                            let _ = events.send(Err(error));
                        }
                    }
                }
                Ok(Message::Unload) | Err(RecvTimeoutError::Timeout) => self.unload(),
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    fn unload(&mut self) {
        if self.loaded.take().is_some() {
            tracing::info!("local model unloaded");
        }
        self.status.send_replace(EngineStatus::Idle);
    }

    fn ensure_loaded(&mut self, path: &Path) -> Result<&mut Loaded, Stop> {
        let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        let current = self
            .loaded
            .as_ref()
            .is_some_and(|loaded| loaded.path == path && loaded.modified == modified);
        if !current {
            self.unload();
            let loaded = self.load(path, modified).map_err(Stop::Failed)?;
            self.status.send_replace(EngineStatus::Ready {
                model: loaded.name.clone(),
            });
            self.loaded = Some(loaded);
        }
        Ok(self.loaded.as_mut().expect("loaded above"))
    }

    #[tracing::instrument(skip_all, fields(model = %path.display()), err)]
    fn load(&self, path: &Path, modified: Option<SystemTime>) -> Result<Loaded, BackendError> {
        let name = path.file_stem().map_or_else(
            || path.display().to_string(),
            |stem| stem.to_string_lossy().into_owned(),
        );
        self.status.send_replace(EngineStatus::Loading {
            model: name.clone(),
            progress: 0.0,
        });
        let started = std::time::Instant::now();
        let content = super::gguf::read(path).map_err(|e| local_error(e.to_string()))?;
        let file = File::open(path)
            .map_err(|e| local_error(format!("Cannot open {}: {e}.", path.display())))?;
        let mut reader = BufReader::new(file);
        let model =
            Transformer::load_with_progress(&content, &mut reader, &Device::Cpu, &mut |progress| {
                self.status.send_replace(EngineStatus::Loading {
                    model: name.clone(),
                    progress,
                });
            })
            .map_err(|e| local_error(e.to_string()))?;
        let tokenizer = LocalTokenizer::load(path, &content, model.vocab())
            .map_err(|e| local_error(e.to_string()))?;
        let template = ChatTemplate::for_model(&content).map_err(|e| local_error(e.to_string()))?;
        tracing::info!(elapsed = ?started.elapsed(), "local model loaded");
        Ok(Loaded {
            path: path.to_owned(),
            modified,
            name,
            model,
            tokenizer,
            template,
            cached: Vec::new(),
        })
    }

    fn generate(
        &mut self,
        path: &Path,
        request: &GenerateRequest,
        cancel: &CancellationToken,
        events: &EventSender,
    ) -> Result<(), Stop> {
        if cancel.is_cancelled() {
            return Err(Stop::Cancelled);
        }
        let loaded = self.ensure_loaded(path)?;
        let prompt = loaded.prompt_tokens(request)?;
        let context = loaded.model.context_length();
        if prompt.len() >= context {
            return Err(ModelError::ContextFull {
                needed: prompt.len() + 1,
                available: context,
            }
            .into());
        }
        let room = context - prompt.len();
        let max_tokens = request
            .params
            .max_tokens
            .map_or(room, |max| (max as usize).min(room));
        let mut completion_tokens = 0;
        let mut reused = None;
        for choice in 0..request.params.n.max(1) {
            let (logits, kept) = loaded.feed_prompt(&prompt, cancel)?;
            reused.get_or_insert(kept);
            let sampling = SamplingConfig::from_params(&request.params, choice);
            completion_tokens += loaded.sample_choice(
                choice,
                logits,
                sampling,
                &request.params.stop,
                max_tokens,
                cancel,
                events,
            )?;
        }
        let _ = events.send(Ok(Event::Usage {
            prompt: prompt.len() as u32,
            completion: completion_tokens as u32,
            cached: reused.map(|reused| reused as u32),
        }));
        Ok(())
    }
}

impl Loaded {
    /// The prompt as tokens. Extra request fields reach the chat template
    /// as its variables (Qwen3's `enable_thinking`, for one).
    fn prompt_tokens(&self, request: &GenerateRequest) -> Result<Vec<u32>, Stop> {
        let text = match &request.prompt {
            Prompt::Completion { text } => text.clone(),
            Prompt::Chat { messages } => {
                let extra = serde_json::Value::Object(request.params.extra.clone());
                self.template
                    .render(messages, true, extra)
                    .map_err(request_failed)?
            }
        };
        let tokens = self
            .tokenizer
            .encode(&text, self.tokenizer.add_bos())
            .map_err(request_failed)?;
        if tokens.is_empty() {
            return Err(Stop::Failed(local_error("The prompt is empty.")));
        }
        Ok(tokens)
    }

    /// Brings the cache to `prompt`, keeping the prefix it already holds,
    /// and returns the logits after the prompt and how many tokens were
    /// reused.
    fn feed_prompt(
        &mut self,
        prompt: &[u32],
        cancel: &CancellationToken,
    ) -> Result<(Vec<f32>, usize), Stop> {
        let shared = self
            .cached
            .iter()
            .zip(prompt)
            .take_while(|(a, b)| a == b)
            .count();
        // The last prompt token is always fed again: its logits are needed.
        let keep = shared.min(prompt.len() - 1);
        self.model.truncate_cache(keep);
        self.cached.truncate(keep);
        let mut logits = None;
        for slice in prompt[keep..].chunks(PROMPT_SLICE) {
            if cancel.is_cancelled() {
                return Err(Stop::Cancelled);
            }
            logits = Some(self.model.forward(slice)?);
            self.cached.extend_from_slice(slice);
        }
        let logits = logits.expect("at least one token is fed");
        Ok((logits.to_vec1().map_err(ModelError::from)?, keep))
    }

    /// Samples one choice to its end and returns how many tokens it took.
    #[allow(clippy::too_many_arguments)]
    fn sample_choice(
        &mut self,
        choice: u32,
        mut logits: Vec<f32>,
        sampling: SamplingConfig,
        stops: &[String],
        max_tokens: usize,
        cancel: &CancellationToken,
        events: &EventSender,
    ) -> Result<usize, Stop> {
        let mut sampler = Sampler::new(sampling);
        let mut decoder = self.tokenizer.stream_decoder();
        let mut stop = StopMatcher::new(stops);
        let eos = self.tokenizer.eos_ids().to_vec();
        let mut produced = 0;
        let mut thinking = ThinkSplitter::default();
        let send = |pieces: Vec<Piece>| -> Result<(), Stop> {
            for piece in pieces {
                let event = match piece {
                    Piece::Reasoning(text) => Event::Reasoning { choice, text },
                    Piece::Answer(text) => Event::Delta { choice, text },
                };
                // Nobody listens any more: stop as if cancelled.
                events.send(Ok(event)).map_err(|_| Stop::Cancelled)?;
            }
            Ok(())
        };
        let mut emit = |text: String| send(thinking.feed(&text));
        let mut met_stop_string = false;
        let finish_reason = loop {
            if cancel.is_cancelled() {
                return Err(Stop::Cancelled);
            }
            if produced == max_tokens {
                break "length";
            }
            let recent = &self.cached[self.cached.len().saturating_sub(PENALTY_WINDOW)..];
            let token = sampler.sample(&mut logits, recent);
            produced += 1;
            if eos.contains(&token) {
                break "stop";
            }
            if let Some(piece) = decoder.step(token).map_err(request_failed)? {
                let fed = stop.feed(&piece);
                emit(fed.emit)?;
                if fed.stopped {
                    met_stop_string = true;
                    break "stop";
                }
            }
            if produced == max_tokens {
                break "length";
            }
            logits = self
                .model
                .forward(&[token])?
                .to_vec1()
                .map_err(ModelError::from)?;
            self.cached.push(token);
        };
        if !met_stop_string {
            let rest = decoder.flush().map_err(request_failed)?.unwrap_or_default();
            let fed = stop.feed(&rest);
            emit(fed.emit)?;
            if !fed.stopped {
                emit(stop.finish())?;
            }
        }
        send(thinking.finish())?;
        let _ = events.send(Ok(Event::Done {
            choice,
            finish_reason: Some(finish_reason.to_owned()),
        }));
        Ok(produced)
    }
}
