//! The OpenAI wire format, decoded leniently: providers differ, so unknown
//! fields are ignored and every optional field may be missing or null.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::backend::{ChatMessage, Event, Params};

/// The JSON body of a chat or completion request.
pub(super) fn request_body(model: &str, prompt: Value, params: &Params, stream: bool) -> Value {
    let mut body = Map::new();
    body.insert("model".into(), json!(model));
    match prompt {
        Value::Array(messages) => body.insert("messages".into(), Value::Array(messages)),
        text => body.insert("prompt".into(), text),
    };
    let mut set = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            body.insert(key.into(), value);
        }
    };
    set("temperature", params.temperature.map(decimal));
    set("top_p", params.top_p.map(decimal));
    set("max_tokens", params.max_tokens.map(|v| json!(v)));
    set(
        "stop",
        (!params.stop.is_empty()).then(|| json!(params.stop)),
    );
    set("n", (params.n > 1).then(|| json!(params.n)));
    set("seed", params.seed.map(|v| json!(v)));
    set("presence_penalty", params.presence_penalty.map(decimal));
    set("frequency_penalty", params.frequency_penalty.map(decimal));
    // Not in OpenAI's API, but llama.cpp, vLLM and others honour them; sent
    // only when asked for, since strict servers reject unknown fields.
    set("top_k", params.top_k.map(|v| json!(v)));
    set("min_p", params.min_p.map(decimal));
    set("repetition_penalty", params.repetition_penalty.map(decimal));
    if stream {
        set("stream", Some(json!(true)));
        set("stream_options", Some(json!({"include_usage": true})));
    }
    for (key, value) in &params.extra {
        body.insert(key.clone(), value.clone());
    }
    Value::Object(body)
}

/// An `f32` as the decimal a person typed: `0.7`, not `0.699999988079071`.
fn decimal(value: f32) -> Value {
    let shortest: f64 = value.to_string().parse().unwrap_or(f64::from(value));
    serde_json::Number::from_f64(shortest).map_or(Value::Null, Value::Number)
}

pub(super) fn messages_json(messages: &[ChatMessage]) -> Value {
    serde_json::to_value(messages).expect("messages serialize")
}

/// One streamed chunk, or a whole non-streamed response.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Chunk {
    pub choices: Vec<ChunkChoice>,
    pub usage: Option<Usage>,
    /// Some servers report failures inside a 200 stream.
    pub error: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ChunkChoice {
    pub index: u32,
    /// Streamed chat: the increment.
    pub delta: Option<Message>,
    /// Non-streamed chat: the whole message.
    pub message: Option<Message>,
    /// Raw completion (streamed or not).
    pub text: Option<String>,
    pub finish_reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Message {
    pub content: Option<String>,
    /// DeepSeek, Qwen, vLLM.
    pub reasoning_content: Option<String>,
    /// OpenRouter, Ollama.
    pub reasoning: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Usage {
    pub prompt_tokens: Option<u32>,
    pub completion_tokens: Option<u32>,
    pub prompt_tokens_details: Option<PromptTokensDetails>,
}

/// OpenAI, DeepSeek and others report their prompt cache here.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct PromptTokensDetails {
    pub cached_tokens: Option<u32>,
}

impl Chunk {
    /// The events this chunk carries, in order.
    pub fn events(self) -> Vec<Event> {
        let mut events = Vec::new();
        for choice in self.choices {
            let index = choice.index;
            let message = choice.delta.or(choice.message).unwrap_or_default();
            let reasoning = message.reasoning_content.or(message.reasoning);
            if let Some(text) = reasoning.filter(|t| !t.is_empty()) {
                events.push(Event::Reasoning {
                    choice: index,
                    text,
                });
            }
            let answer = message.content.or(choice.text);
            if let Some(text) = answer.filter(|t| !t.is_empty()) {
                events.push(Event::Delta {
                    choice: index,
                    text,
                });
            }
            if let Some(reason) = choice.finish_reason {
                events.push(Event::Done {
                    choice: index,
                    finish_reason: Some(reason),
                });
            }
        }
        if let Some(usage) = self.usage {
            events.push(Event::Usage {
                prompt: usage.prompt_tokens.unwrap_or(0),
                completion: usage.completion_tokens.unwrap_or(0),
                cached: usage.prompt_tokens_details.and_then(|d| d.cached_tokens),
            });
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(json: &str) -> Vec<Event> {
        serde_json::from_str::<Chunk>(json).unwrap().events()
    }

    #[test]
    fn chat_deltas_reasoning_and_finish() {
        assert_eq!(
            events(
                r#"{"id":"x","object":"chat.completion.chunk","choices":[
                    {"index":1,"delta":{"role":"assistant","content":"Hi","reasoning_content":"think"},"finish_reason":null},
                    {"index":0,"delta":{},"finish_reason":"stop","logprobs":null}]}"#
            ),
            vec![
                Event::Reasoning {
                    choice: 1,
                    text: "think".into()
                },
                Event::Delta {
                    choice: 1,
                    text: "Hi".into()
                },
                Event::Done {
                    choice: 0,
                    finish_reason: Some("stop".into())
                },
            ]
        );
    }

    #[test]
    fn nulls_missing_fields_and_usage_only_chunks() {
        assert_eq!(
            events(r#"{"choices":[{"delta":{"content":null}}]}"#),
            vec![]
        );
        assert_eq!(
            events(
                r#"{"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}"#
            ),
            vec![Event::Usage {
                prompt: 7,
                completion: 3,
                cached: None,
            }]
        );
        assert_eq!(
            events(
                r#"{"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3,"prompt_tokens_details":{"cached_tokens":5}}}"#
            ),
            vec![Event::Usage {
                prompt: 7,
                completion: 3,
                cached: Some(5),
            }]
        );
        assert_eq!(
            events(r#"{"choices":[{"text":"once upon","index":0}]}"#),
            vec![Event::Delta {
                choice: 0,
                text: "once upon".into()
            }]
        );
    }

    #[test]
    fn request_body_sends_only_what_was_asked() {
        let mut params = Params {
            temperature: Some(0.7),
            n: 2,
            top_k: Some(40),
            stop: vec!["\n\n".into()],
            ..Params::default()
        };
        params.extra.insert("min_p".into(), json!(0.1));
        let body = request_body("m", json!("Once"), &params, true);
        assert_eq!(
            body,
            json!({
                "model": "m", "prompt": "Once", "temperature": 0.7, "n": 2, "top_k": 40,
                "stop": ["\n\n"], "min_p": 0.1, "stream": true,
                "stream_options": {"include_usage": true}
            })
        );
        let plain = request_body("m", json!([]), &Params::default(), false);
        assert_eq!(plain, json!({"model": "m", "messages": []}));
    }
}
