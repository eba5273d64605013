//! Real models' chat templates render byte for byte as Hugging Face
//! transformers renders them. The expected outputs were produced by
//! `scripts/models/render_chat_templates.py` (transformers and jinja2 from
//! PyPI) from the same `.jinja` files.

use std::path::PathBuf;
use std::sync::Arc;

use scriptorium::backend::ChatMessage;
use scriptorium::backend::local::chat_template::{ChatTemplate, ChatTemplateError, Clock};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Expected {
    template: String,
    now: String,
    bos_token: Option<String>,
    eos_token: Option<String>,
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
struct Case {
    name: String,
    messages: Vec<ChatMessage>,
    add_generation_prompt: bool,
    extra: serde_json::Value,
    output: Option<String>,
    error: Option<String>,
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/chat_templates")
}

/// The moment the Python script froze `datetime.now()` at.
fn clock(now: &str) -> Clock {
    let now: jiff::civil::DateTime = now.parse().expect("an ISO date-time");
    let zoned = now.to_zoned(jiff::tz::TimeZone::UTC).unwrap();
    Arc::new(move || zoned.clone())
}

#[test]
fn model_templates_render_as_transformers_renders_them() {
    let mut files: Vec<_> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().ends_with(".expected.json"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "fixtures missing: {files:?}");
    let mut checked = 0;
    for path in files {
        let expected: Expected =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let source = std::fs::read_to_string(fixtures().join(&expected.template)).unwrap();
        let template = ChatTemplate::new(source, expected.bos_token, expected.eos_token)
            .unwrap_or_else(|e| panic!("{}: {e}", expected.template))
            .with_clock(clock(&expected.now));
        for case in &expected.cases {
            let label = format!("{} / {}", expected.template, case.name);
            let result = template.render(
                &case.messages,
                case.add_generation_prompt,
                case.extra.clone(),
            );
            match (&case.output, &case.error, result) {
                (Some(output), None, Ok(rendered)) => {
                    assert_eq!(&rendered, output, "{label}");
                }
                (None, Some(message), Err(ChatTemplateError::Refused { message: got })) => {
                    assert_eq!(&got, message, "{label}");
                }
                (_, _, result) => panic!("{label}: expected {case:?}, got {result:?}"),
            }
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} cases");
}
