//! The local backend end to end: messages in, through the chat template,
//! tokenizer, transformer, sampler and engine thread, text out and
//! recorded, on the committed tiny models.

use std::path::{Path, PathBuf};

use scriptorium::Studio;
use scriptorium::backend::local::{EngineStatus, LocalTokenizer, gguf};
use scriptorium::backend::{ChatMessage, GenerateRequest, Params, Prompt, Role};
use scriptorium::generation::{GenerationSpec, GenerationStatus, Outcome};
use scriptorium::secrets::SecretsMode;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

fn fixture(stem: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/models/{stem}.gguf"))
}

fn studio() -> (tempfile::TempDir, Studio) {
    let home = tempfile::tempdir().unwrap();
    let studio = Studio::open_with(home.path(), SecretsMode::FileOnly).unwrap();
    (home, studio)
}

fn spec(model: &Path, prompt: Prompt, params: Params) -> GenerationSpec {
    GenerationSpec {
        kind: "chat".into(),
        backend: Some("local".into()),
        request: GenerateRequest {
            model: model.display().to_string(),
            prompt,
            params,
        },
    }
}

fn greedy(max_tokens: u32) -> Params {
    Params {
        temperature: Some(0.0),
        max_tokens: Some(max_tokens),
        ..Params::default()
    }
}

async fn run(studio: &Studio, spec: GenerationSpec) -> Outcome {
    studio
        .generate(spec, CancellationToken::new())
        .await
        .unwrap()
        .outcome()
        .await
        .unwrap()
}

/// The reference's chat case: which messages, and llama.cpp's greedy tokens.
fn chat_reference(stem: &str) -> (Vec<ChatMessage>, Vec<u32>) {
    let path = fixture(stem).with_extension("reference.json");
    let reference: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let case = reference["greedy"]
        .as_array()
        .unwrap()
        .iter()
        .find(|case| case["name"] == "chat")
        .unwrap();
    let continuation = case["continuation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_u64().unwrap() as u32)
        .collect();
    let messages = vec![
        ChatMessage::new(Role::System, "You are a helpful assistant."),
        ChatMessage::new(Role::User, "Write a haiku about Rust."),
    ];
    (messages, continuation)
}

/// Every architecture answers a conversation with llama.cpp's greedy
/// tokens, decoded, ending where the model's end-of-turn token is.
#[tokio::test(flavor = "multi_thread")]
async fn chats_reproduce_llama_cpp_through_the_whole_path() {
    let (_home, studio) = studio();
    for stem in [
        "tiny-llama-spm",
        "tiny-llama-bpe",
        "tiny-qwen2",
        "tiny-qwen3",
        "tiny-phi3",
        "tiny-gemma3",
    ] {
        let (messages, continuation) = chat_reference(stem);
        let model = fixture(stem);
        let content = gguf::read(&model).unwrap();
        let rows = content.tensor_infos["token_embd.weight"].shape.dims()[0];
        let tokenizer = LocalTokenizer::load(&model, &content, rows).unwrap();
        let end = continuation
            .iter()
            .position(|id| tokenizer.eos_ids().contains(id))
            .unwrap_or(continuation.len());
        // The reference tokens as the engine streams text: random weights
        // emit stray byte tokens, which streaming shows as soon as they form
        // a character and whole-text decoding may group differently.
        let mut decoder = tokenizer.stream_decoder();
        let mut expected = String::new();
        for &id in &continuation[..end] {
            expected.extend(decoder.step(id).unwrap());
        }
        expected.extend(decoder.flush().unwrap());

        let outcome = run(
            &studio,
            spec(
                &model,
                Prompt::Chat { messages },
                greedy(continuation.len() as u32),
            ),
        )
        .await;
        assert_eq!(
            outcome.status,
            GenerationStatus::Done,
            "{stem}: {:?}",
            outcome.error
        );
        let choice = &outcome.choices[0];
        assert_eq!(choice.text, expected, "{stem}");
        let finish = if end < continuation.len() {
            "stop"
        } else {
            "length"
        };
        assert_eq!(choice.finish_reason.as_deref(), Some(finish), "{stem}");
        assert_eq!(
            outcome.usage.completion as usize,
            end + usize::from(finish == "stop"),
            "{stem}"
        );
        assert!(!outcome.usage.estimated);
    }
}

/// Nothing is loaded until a local model runs; then the studio says which.
#[tokio::test(flavor = "multi_thread")]
async fn the_engine_status_names_the_model_in_memory() {
    let (_home, studio) = studio();
    assert_eq!(studio.backends().local_status(), EngineStatus::Idle);
    let messages = vec![ChatMessage::new(Role::User, "Hello")];
    let outcome = run(
        &studio,
        spec(&fixture("tiny-qwen2"), Prompt::Chat { messages }, greedy(2)),
    )
    .await;
    assert_eq!(
        outcome.status,
        GenerationStatus::Done,
        "{:?}",
        outcome.error
    );
    assert_eq!(
        studio.backends().local_status(),
        EngineStatus::Ready {
            model: "tiny-qwen2".into()
        }
    );
}
