//! Any OpenAI-compatible server: OpenAI, DeepSeek, Qwen, Ollama, LM Studio,
//! llama.cpp, vLLM, OpenRouter, ...

pub(crate) mod http_error;
mod retry;
mod wire;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use eventsource_stream::Eventsource;
use futures::StreamExt;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use serde_json::{Value, json};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use http_error::message_from_body;
pub use retry::RetryPolicy;

use super::error::TimeoutPhase;
use super::{Backend, BackendError, Event, EventStream, GenerateRequest, ModelInfo, Prompt};
use crate::secrets::ApiKey;

/// How long to wait at each stage of a request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timeouts {
    pub connect: Duration,
    /// Until the response headers arrive (a whole answer, when not streaming).
    pub first_byte: Duration,
    /// Between two chunks of a stream, and before the first one.
    pub idle: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            first_byte: Duration::from_secs(120),
            idle: Duration::from_secs(60),
        }
    }
}

#[derive(Debug, Clone)]
pub struct OpenAiOptions {
    /// Ends in `/v1` (or the provider's equivalent).
    pub base_url: String,
    pub api_key: Option<ApiKey>,
    pub headers: BTreeMap<String, String>,
    /// `http://`, `https://` or `socks5://`; without one the environment's
    /// `HTTPS_PROXY` / `ALL_PROXY` / `NO_PROXY` apply.
    pub proxy: Option<String>,
    pub timeouts: Timeouts,
    pub retry: RetryPolicy,
    pub max_concurrent: u32,
    /// Whether to ask for a streamed answer; a few servers only do whole ones.
    pub stream: bool,
}

impl OpenAiOptions {
    pub fn new(base_url: impl Into<String>) -> Self {
        OpenAiOptions {
            base_url: base_url.into(),
            api_key: None,
            headers: BTreeMap::new(),
            proxy: None,
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
            max_concurrent: 4,
            stream: true,
        }
    }
}

#[derive(Debug, Clone)]
pub struct OpenAiBackend {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: reqwest::Client,
    base_url: String,
    /// Kept only to scrub it from error text a server might echo back.
    api_key: Option<ApiKey>,
    timeouts: Timeouts,
    retry: RetryPolicy,
    stream: bool,
    permits: Arc<Semaphore>,
}

impl OpenAiBackend {
    pub fn new(options: OpenAiOptions) -> Result<Self, BackendError> {
        let config = |reason: String| BackendError::Config { reason };
        let base_url = options.base_url.trim_end_matches('/').to_owned();
        let parsed = url::Url::parse(&base_url)
            .map_err(|e| config(format!("the base URL {base_url} is not valid ({e})")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(config(format!(
                "the base URL {base_url} must start with http:// or https://"
            )));
        }

        let mut headers = HeaderMap::new();
        for (name, value) in &options.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| config(format!("{name:?} is not a valid header name")))?;
            let value = HeaderValue::from_str(value)
                .map_err(|_| config(format!("the value of header {name} is not valid")))?;
            headers.insert(name, value);
        }
        if let Some(key) = &options.api_key {
            let mut value =
                HeaderValue::from_str(&format!("Bearer {}", key.expose())).map_err(|_| {
                    config("the API key contains characters a header cannot carry".into())
                })?;
            // Keeps the key out of every Debug print of the request.
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }

        let mut client = reqwest::Client::builder()
            .user_agent(concat!("Scriptorium/", env!("CARGO_PKG_VERSION")))
            .default_headers(headers)
            .connect_timeout(options.timeouts.connect)
            .tcp_nodelay(true);
        if is_loopback(&parsed) {
            // A server on this machine is never reached through a proxy.
            client = client.no_proxy();
        } else if let Some(proxy) = options.proxy.as_deref().filter(|p| !p.trim().is_empty()) {
            let proxy = reqwest::Proxy::all(proxy)
                .map_err(|e| config(format!("the proxy {proxy} is not valid ({e})")))?;
            client = client.proxy(proxy);
        }
        let client = client
            .build()
            .map_err(|e| config(format!("the HTTP client cannot start ({e})")))?;
        Ok(OpenAiBackend {
            inner: Arc::new(Inner {
                client,
                base_url,
                api_key: options.api_key,
                timeouts: options.timeouts,
                retry: options.retry,
                stream: options.stream,
                permits: Arc::new(Semaphore::new(options.max_concurrent.max(1) as usize)),
            }),
        })
    }
}

#[async_trait::async_trait]
impl Backend for OpenAiBackend {
    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn models(&self) -> Result<Vec<ModelInfo>, BackendError> {
        #[derive(serde::Deserialize)]
        struct Listing {
            #[serde(default)]
            data: Vec<Entry>,
        }
        #[derive(serde::Deserialize)]
        struct Entry {
            id: String,
            #[serde(default)]
            owned_by: Option<String>,
        }
        let inner = &self.inner;
        let url = format!("{}/models", inner.base_url);
        let response =
            tokio::time::timeout(inner.timeouts.first_byte, inner.client.get(&url).send())
                .await
                .map_err(|_| BackendError::Timeout {
                    phase: TimeoutPhase::FirstByte,
                    after: inner.timeouts.first_byte,
                })?
                .map_err(|e| inner.transport_error(e))?;
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|e| inner.transport_error(e))?;
        if !status.is_success() {
            return Err(BackendError::Http {
                status: status.as_u16(),
                message: inner.scrub(message_from_body(&body)),
            });
        }
        let listing: Listing = serde_json::from_str(&body).map_err(|e| BackendError::Stream {
            reason: format!("the model list is not the expected JSON ({e})"),
        })?;
        let mut models: Vec<ModelInfo> = listing
            .data
            .into_iter()
            .map(|m| ModelInfo {
                id: m.id,
                owned_by: m.owned_by,
            })
            .collect();
        models.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(models)
    }

    fn generate(&self, request: GenerateRequest, cancel: CancellationToken) -> EventStream {
        let inner = Arc::clone(&self.inner);
        Box::pin(async_stream::stream! {
            let (path, prompt) = match &request.prompt {
                Prompt::Chat { messages } => ("chat/completions", wire::messages_json(messages)),
                Prompt::Completion { text } => ("completions", json!(text)),
            };
            let body = wire::request_body(&request.model, prompt, &request.params, inner.stream);

            let permit = tokio::select! {
                biased;
                _ = cancel.cancelled() => None,
                permit = Arc::clone(&inner.permits).acquire_owned() => permit.ok(),
            };
            let Some(_permit) = permit else {
                yield Err(BackendError::Cancelled);
                return;
            };
            let response = match inner.send(path, &body, &cancel).await {
                Ok(response) => response,
                Err(error) => {
                    yield Err(error);
                    return;
                }
            };
            if !inner.stream {
                match inner.whole_answer(response, &cancel).await {
                    Ok(events) => for event in events { yield Ok(event) },
                    Err(error) => yield Err(error),
                }
                return;
            }

            let mut sse = response.bytes_stream().eventsource();
            let mut progress = Progress::default();
            loop {
                let next = tokio::select! {
                    biased;
                    _ = cancel.cancelled() => None,
                    next = tokio::time::timeout(inner.timeouts.idle, sse.next()) => Some(next),
                };
                let item = match next {
                    None => {
                        yield Err(BackendError::Cancelled);
                        return;
                    }
                    Some(Err(_)) => {
                        yield Err(BackendError::Timeout { phase: TimeoutPhase::Idle, after: inner.timeouts.idle });
                        return;
                    }
                    Some(Ok(item)) => item,
                };
                let message = match item {
                    None => {
                        if let Err(error) = progress.ended_without_done_marker() {
                            yield Err(error);
                        }
                        return;
                    }
                    Some(Err(error)) => {
                        yield Err(BackendError::Stream { reason: format!("the connection broke mid-answer ({})", root_cause(&error)) });
                        return;
                    }
                    Some(Ok(message)) => message,
                };
                let data = message.data.trim();
                if data.is_empty() {
                    continue;
                }
                if data == "[DONE]" {
                    match progress.done_marker() {
                        Ok(events) => for event in events { yield Ok(event) },
                        Err(error) => yield Err(error),
                    }
                    return;
                }
                match inner.decode_chunk(data) {
                    Ok(events) => for event in events {
                        progress.saw(&event);
                        yield Ok(event);
                    },
                    Err(error) => {
                        yield Err(error);
                        return;
                    }
                }
            }
        })
    }
}

impl Inner {
    /// Sends the request, retrying connection failures and retryable
    /// statuses. Only ever called before the first token, so a retry never
    /// repeats text the caller has already seen.
    async fn send(
        &self,
        path: &str,
        body: &Value,
        cancel: &CancellationToken,
    ) -> Result<reqwest::Response, BackendError> {
        let url = format!("{}/{path}", self.base_url);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let sent = tokio::select! {
                biased;
                _ = cancel.cancelled() => return Err(BackendError::Cancelled),
                sent = tokio::time::timeout(self.timeouts.first_byte, self.client.post(&url).json(body).send()) => sent,
            };
            let (error, headers) = match sent {
                Err(_) => {
                    return Err(BackendError::Timeout {
                        phase: TimeoutPhase::FirstByte,
                        after: self.timeouts.first_byte,
                    });
                }
                Ok(Err(error)) => {
                    let error = self.transport_error(error);
                    let retryable = matches!(
                        error,
                        BackendError::Connect { .. }
                            | BackendError::Timeout {
                                phase: TimeoutPhase::Connect,
                                ..
                            }
                    );
                    if !retryable {
                        return Err(error);
                    }
                    (error, None)
                }
                Ok(Ok(response)) if response.status().is_success() => return Ok(response),
                Ok(Ok(response)) => {
                    let status = response.status();
                    let headers = response.headers().clone();
                    let body = tokio::time::timeout(self.timeouts.idle, response.text())
                        .await
                        .ok()
                        .and_then(Result::ok)
                        .unwrap_or_default();
                    let error = BackendError::Http {
                        status: status.as_u16(),
                        message: self.scrub(message_from_body(&body)),
                    };
                    if !retry::is_retryable(status) {
                        return Err(error);
                    }
                    (error, Some(headers))
                }
            };
            let Some(delay) = self.retry.delay(attempt, headers.as_ref()) else {
                return Err(error);
            };
            tracing::info!(attempt, delay_ms = delay.as_millis() as u64, %error, "retrying");
            tokio::select! {
                biased;
                _ = cancel.cancelled() => return Err(BackendError::Cancelled),
                _ = tokio::time::sleep(delay) => {}
            }
        }
    }

    async fn whole_answer(
        &self,
        response: reqwest::Response,
        cancel: &CancellationToken,
    ) -> Result<Vec<Event>, BackendError> {
        let body = tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(BackendError::Cancelled),
            body = tokio::time::timeout(self.timeouts.idle, response.bytes()) => body,
        };
        let body = body
            .map_err(|_| BackendError::Timeout {
                phase: TimeoutPhase::Idle,
                after: self.timeouts.idle,
            })?
            .map_err(|e| self.transport_error(e))?;
        let text = String::from_utf8_lossy(&body);
        let mut progress = Progress::default();
        let mut events = self.decode_chunk(&text)?;
        events.iter().for_each(|event| progress.saw(event));
        events.extend(progress.done_marker()?);
        Ok(events)
    }

    /// Decodes one chunk's JSON; an error object inside it is the server's.
    fn decode_chunk(&self, data: &str) -> Result<Vec<Event>, BackendError> {
        let value: Value = serde_json::from_str(data).map_err(|_| BackendError::Stream {
            reason: format!(
                "the server sent a chunk that is not valid JSON: {}",
                snippet(data)
            ),
        })?;
        if value.get("error").is_some_and(|e| !e.is_null()) {
            return Err(BackendError::Provider {
                message: self.scrub(message_from_body(data)),
            });
        }
        let chunk: wire::Chunk =
            serde_json::from_value(value).map_err(|e| BackendError::Stream {
                reason: format!("the server sent a chunk of an unexpected shape ({e})"),
            })?;
        Ok(chunk.events())
    }

    /// Some servers quote the key they rejected; it must not reach the
    /// person's screen, the history or the logs.
    fn scrub(&self, message: String) -> String {
        match &self.api_key {
            Some(key) if message.contains(key.expose()) => message.replace(key.expose(), "[key]"),
            _ => message,
        }
    }

    fn transport_error(&self, error: reqwest::Error) -> BackendError {
        if error.is_connect() {
            BackendError::Connect {
                url: self.base_url.clone(),
                reason: root_cause(&error),
            }
        } else if error.is_timeout() {
            BackendError::Timeout {
                phase: TimeoutPhase::Connect,
                after: self.timeouts.connect,
            }
        } else {
            BackendError::Stream {
                reason: root_cause(&error),
            }
        }
    }
}

/// Which choices have appeared and finished, to end the stream correctly.
#[derive(Debug, Default)]
struct Progress {
    seen: BTreeSet<u32>,
    finished: BTreeSet<u32>,
}

impl Progress {
    fn saw(&mut self, event: &Event) {
        match event {
            Event::Delta { choice, .. } | Event::Reasoning { choice, .. } => {
                self.seen.insert(*choice);
            }
            Event::Done { choice, .. } => {
                self.seen.insert(*choice);
                self.finished.insert(*choice);
            }
            Event::Usage { .. } => {}
        }
    }

    /// `[DONE]`: every choice still open ends here.
    fn done_marker(&self) -> Result<Vec<Event>, BackendError> {
        if self.seen.is_empty() {
            return Err(BackendError::Stream {
                reason: "the answer contained no choices".into(),
            });
        }
        Ok(self
            .seen
            .difference(&self.finished)
            .map(|&choice| Event::Done {
                choice,
                finish_reason: None,
            })
            .collect())
    }

    /// Some servers close without `[DONE]`; that is fine once every choice
    /// has said why it finished, and a broken answer otherwise.
    fn ended_without_done_marker(&self) -> Result<(), BackendError> {
        if !self.seen.is_empty() && self.seen == self.finished {
            Ok(())
        } else {
            Err(BackendError::Stream {
                reason: "the server closed the stream before finishing its answer".into(),
            })
        }
    }
}

/// Whether `url` names this machine.
pub(crate) fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    }
}

pub(crate) fn root_cause(error: &dyn std::error::Error) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

fn snippet(text: &str) -> String {
    let cut: String = text.chars().take(80).collect();
    if cut.len() < text.len() {
        format!("{cut}…")
    } else {
        cut
    }
}
