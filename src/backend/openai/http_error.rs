//! Provider error bodies turned into one readable sentence.

use serde_json::Value;

/// Longest provider message kept; some servers send whole HTML pages.
const MAX_MESSAGE: usize = 300;

/// The human part of an error body: `{"error": {"message": ...}}`,
/// `{"error": "..."}`, `{"message": ...}`, `{"detail": ...}` or plain text.
pub(crate) fn message_from_body(body: &str) -> String {
    let message = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|json| message_from_json(&json))
        .unwrap_or_else(|| body.to_owned());
    sentence(&message)
}

pub(crate) fn message_from_json(json: &Value) -> Option<String> {
    let error = json.get("error").unwrap_or(json);
    match error {
        Value::String(text) => Some(text.clone()),
        Value::Object(fields) => ["message", "detail", "msg"]
            .iter()
            .find_map(|key| fields.get(*key))
            .map(|value| match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            }),
        _ => None,
    }
}

/// One line, bounded, ending with a full stop.
fn sentence(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.is_empty() {
        return "no details given.".to_owned();
    }
    let mut line: String = if line.chars().count() > MAX_MESSAGE {
        let cut: String = line.chars().take(MAX_MESSAGE).collect();
        format!("{cut}…")
    } else {
        line
    };
    if !line.ends_with(['.', '!', '?', '…']) {
        line.push('.');
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_shapes() {
        let cases = [
            (
                r#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}"#,
                "Incorrect API key provided.",
            ),
            (r#"{"error":"model not found"}"#, "model not found."),
            (r#"{"detail":"Not Found"}"#, "Not Found."),
            (
                r#"{"object":"error","message":"max_tokens too large","code":400}"#,
                "max_tokens too large.",
            ),
            (
                "<html>\n<body>Bad   Gateway</body>\n</html>",
                "<html> <body>Bad Gateway</body> </html>.",
            ),
            ("", "no details given."),
        ];
        for (body, expected) in cases {
            assert_eq!(message_from_body(body), expected, "{body}");
        }
    }

    #[test]
    fn long_bodies_are_cut() {
        let message = message_from_body(&"x".repeat(5000));
        assert_eq!(message.chars().count(), MAX_MESSAGE + 1);
        assert!(message.ends_with('…'));
    }
}
