//! Scripted replies, built from parts that can go wrong in every way a real
//! provider's can.

use std::time::Duration;

use axum::body::Bytes;
use futures::stream::{self, BoxStream, StreamExt};
use serde_json::{Value, json};

/// A piece of a reply body.
#[derive(Debug, Clone)]
pub enum Part {
    Bytes(Bytes),
    /// Pause before the next part.
    Wait(Duration),
    /// Break the connection without finishing the body.
    Reset,
    /// Send nothing more, ever.
    Stall,
}

#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<Part>,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: vec![Part::Bytes(Bytes::from(body.to_string()))],
        }
    }

    pub fn models(ids: &[&str]) -> Reply {
        let data: Vec<Value> = ids
            .iter()
            .map(|id| json!({"id": id, "object": "model", "owned_by": "test"}))
            .collect();
        Reply::json(200, json!({"object": "list", "data": data}))
    }

    /// An SSE stream of raw `data:` payloads (no `[DONE]` added).
    pub fn sse<I, S>(payloads: I) -> Reply
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Reply {
            status: 200,
            headers: vec![("content-type".into(), "text/event-stream".into())],
            body: payloads
                .into_iter()
                .map(|data| Part::Bytes(Bytes::from(format!("data: {}\n\n", data.as_ref()))))
                .collect(),
        }
    }

    /// A well-formed streamed chat answer: one chunk per token, a finish
    /// reason, usage, then `[DONE]`.
    pub fn chat_stream(tokens: &[&str]) -> Reply {
        let mut payloads: Vec<String> = tokens
            .iter()
            .map(|t| chat_chunk(0, t).to_string())
            .collect();
        payloads.push(finish_chunk(0, "stop").to_string());
        payloads.push(usage_chunk(5, tokens.len() as u32).to_string());
        payloads.push("[DONE]".into());
        Reply::sse(payloads)
    }

    /// A well-formed streamed raw completion.
    pub fn completion_stream(tokens: &[&str]) -> Reply {
        let mut payloads: Vec<String> = tokens
            .iter()
            .map(|t| json!({"object": "text_completion", "choices": [{"index": 0, "text": t, "finish_reason": null}]}).to_string())
            .collect();
        payloads.push(
            json!({"choices": [{"index": 0, "text": "", "finish_reason": "length"}]}).to_string(),
        );
        payloads.push(usage_chunk(4, tokens.len() as u32).to_string());
        payloads.push("[DONE]".into());
        Reply::sse(payloads)
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Puts `delay` between every two body parts.
    pub fn paced(mut self, delay: Duration) -> Reply {
        let parts = std::mem::take(&mut self.body);
        for part in parts {
            if !self.body.is_empty() {
                self.body.push(Part::Wait(delay));
            }
            self.body.push(part);
        }
        self
    }

    /// Keeps the first `count` body parts and then applies `end`.
    pub fn cut_after(mut self, count: usize, end: Part) -> Reply {
        self.body.truncate(count);
        self.body.push(end);
        self
    }

    pub fn then(mut self, part: Part) -> Reply {
        self.body.push(part);
        self
    }

    pub(crate) fn into_stream(self) -> BoxStream<'static, Result<Bytes, std::io::Error>> {
        stream::iter(self.body)
            .then(|part| async move {
                match part {
                    Part::Bytes(bytes) => Some(Ok(bytes)),
                    Part::Wait(delay) => {
                        tokio::time::sleep(delay).await;
                        None
                    }
                    Part::Reset => Some(Err(std::io::Error::new(
                        std::io::ErrorKind::ConnectionReset,
                        "scripted reset",
                    ))),
                    Part::Stall => futures::future::pending().await,
                }
            })
            .filter_map(|item| async move { item })
            .boxed()
    }
}

pub fn chat_chunk(choice: u32, text: &str) -> Value {
    json!({"id": "chatcmpl-test", "object": "chat.completion.chunk", "model": "test-model",
           "choices": [{"index": choice, "delta": {"content": text}, "finish_reason": null}]})
}

pub fn finish_chunk(choice: u32, reason: &str) -> Value {
    json!({"id": "chatcmpl-test", "object": "chat.completion.chunk",
           "choices": [{"index": choice, "delta": {}, "finish_reason": reason}]})
}

pub fn usage_chunk(prompt: u32, completion: u32) -> Value {
    json!({"id": "chatcmpl-test", "object": "chat.completion.chunk", "choices": [],
           "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}})
}
