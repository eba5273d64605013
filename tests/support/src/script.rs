//! Replies described in JSON, so tests outside Rust (the end-to-end tests)
//! can queue them: through `--script FILE` or `POST /control/replies`.
//!
//! One reply: `{"route": "POST /v1/chat/completions", "tokens": ["Hel",
//! "lo"], "reasoning": ["hmm"], "delayMs": 20}`. Every field is optional;
//! the route defaults to chat completions.

use std::time::Duration;

use serde_json::Value;

use crate::reply::{Reply, chat_chunk, finish_chunk, usage_chunk};

pub const CHAT_ROUTE: &str = "POST /v1/chat/completions";

/// A streamed chat answer: reasoning first, then the tokens.
pub fn reply_from(spec: &Value) -> Result<(String, Reply), String> {
    let route = spec
        .get("route")
        .and_then(Value::as_str)
        .unwrap_or(CHAT_ROUTE)
        .to_owned();
    let strings = |key: &str| -> Result<Vec<String>, String> {
        match spec.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .ok_or(format!("{key}: strings only"))
                })
                .collect(),
            Some(_) => Err(format!("{key} must be a list of strings")),
        }
    };
    let tokens = strings("tokens")?;
    let reasoning = strings("reasoning")?;
    let mut payloads: Vec<String> = reasoning
        .iter()
        .map(|text| {
            serde_json::json!({"object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": {"reasoning_content": text}, "finish_reason": null}]})
            .to_string()
        })
        .collect();
    payloads.extend(tokens.iter().map(|t| chat_chunk(0, t).to_string()));
    payloads.push(finish_chunk(0, "stop").to_string());
    payloads.push(usage_chunk(5, tokens.len() as u32).to_string());
    payloads.push("[DONE]".into());
    let mut reply = Reply::sse(payloads);
    if let Some(delay) = spec.get("delayMs").and_then(Value::as_u64) {
        reply = reply.paced(Duration::from_millis(delay));
    }
    Ok((route, reply))
}

/// A list of replies, or one.
pub fn replies_from(json: &str) -> Result<Vec<(String, Reply)>, String> {
    let value: Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    match value {
        Value::Array(specs) => specs.iter().map(reply_from).collect(),
        spec => Ok(vec![reply_from(&spec)?]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_reply_or_a_list() {
        let one = replies_from(r#"{"tokens": ["a", "b"], "delayMs": 5}"#).unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].0, CHAT_ROUTE);
        let many = replies_from(
            r#"[{"tokens": ["x"]}, {"route": "POST /v1/completions", "reasoning": ["r"]}]"#,
        )
        .unwrap();
        assert_eq!(many[1].0, "POST /v1/completions");
        assert!(replies_from(r#"{"tokens": "not a list"}"#).is_err());
        assert!(replies_from("nope").is_err());
    }
}
