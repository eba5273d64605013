//! The local backend end to end: messages in, through the chat template,
//! tokenizer, transformer, sampler and engine thread, text out and
//! recorded, on the committed tiny models.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use scriptorium::Studio;
use scriptorium::backend::local::{EngineStatus, LocalTokenizer, gguf};
use scriptorium::backend::{ChatMessage, GenerateRequest, Params, Prompt, Role};
use scriptorium::generation::{GenerationSpec, GenerationStatus, Outcome, RunEvent};
use scriptorium::secrets::SecretsMode;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

fn fixture(stem: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/models/{stem}.gguf"))
}

fn new_studio() -> (tempfile::TempDir, Studio) {
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
    let (_home, studio) = new_studio();
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

fn completion(text: &str) -> Prompt {
    Prompt::Completion { text: text.into() }
}

/// Continuing a text after an edit near its end reuses the cached prefix,
/// reports it, and answers exactly as a fresh engine does.
#[tokio::test(flavor = "multi_thread")]
async fn a_shared_prefix_is_reused_and_changes_nothing() {
    let model = fixture("tiny-qwen2");
    let story = "Once upon a time there was a lighthouse keeper who wrote letters. ".repeat(4);
    let (_home, studio) = new_studio();
    let first = run(&studio, spec(&model, completion(&story), greedy(8))).await;
    assert_eq!(first.usage.cached, Some(0), "a cold cache reuses nothing");

    let edited = format!("{story}Then the storm came.");
    let reused = run(&studio, spec(&model, completion(&edited), greedy(8))).await;
    let cached = reused.usage.cached.unwrap() as usize;
    let prompt = reused.usage.prompt as usize;
    assert!(
        cached + 8 >= first.usage.prompt as usize,
        "{cached} of {prompt} reused"
    );
    assert!(cached < prompt);

    let (_other, fresh_studio) = new_studio();
    let fresh = run(&fresh_studio, spec(&model, completion(&edited), greedy(8))).await;
    assert_eq!(fresh.usage.cached, Some(0));
    assert_eq!(reused.choices[0].text, fresh.choices[0].text);

    // The reuse is in the history too.
    let record = studio.history().get(reused.id).await.unwrap();
    assert_eq!(record.usage.unwrap().cached, Some(cached as u32));
}

#[tokio::test(flavor = "multi_thread")]
async fn seeds_repeat_and_choices_differ() {
    let (_home, studio) = new_studio();
    let model = fixture("tiny-llama-bpe");
    // The fixtures are sharply peaked; a high temperature with no filters
    // makes the draws matter.
    let params = Params {
        temperature: Some(4.0),
        top_k: Some(0),
        top_p: Some(1.0),
        min_p: Some(0.0),
        seed: Some(42),
        n: 2,
        max_tokens: Some(12),
        ..Params::default()
    };
    let texts = |outcome: Outcome| -> Vec<String> {
        assert_eq!(
            outcome.status,
            GenerationStatus::Done,
            "{:?}",
            outcome.error
        );
        outcome.choices.into_iter().map(|c| c.text).collect()
    };
    let once = texts(run(&studio, spec(&model, completion("Hello"), params.clone())).await);
    let again = texts(run(&studio, spec(&model, completion("Hello"), params)).await);
    assert_eq!(once.len(), 2);
    assert_eq!(once, again);
    assert_ne!(once[0], once[1]);
}

#[tokio::test(flavor = "multi_thread")]
async fn stop_strings_end_the_text_before_them() {
    let (_home, studio) = new_studio();
    let model = fixture("tiny-qwen3");
    let free = run(
        &studio,
        spec(&model, completion("The quick brown fox"), greedy(30)),
    )
    .await;
    let text = &free.choices[0].text;
    assert_eq!(free.choices[0].finish_reason.as_deref(), Some("length"));
    // A stop string taken from the middle of what the model writes.
    let middle = text.char_indices().nth(text.chars().count() / 2).unwrap().0;
    let stop: String = text[middle..].chars().take(3).collect();
    let cut = text.find(&stop).unwrap();
    let params = Params {
        stop: vec![stop],
        ..greedy(30)
    };
    let stopped = run(
        &studio,
        spec(&model, completion("The quick brown fox"), params),
    )
    .await;
    assert_eq!(stopped.choices[0].text, text[..cut]);
    assert_eq!(stopped.choices[0].finish_reason.as_deref(), Some("stop"));
}

/// Stopping ends the generation between two tokens; what was written is
/// kept, and the engine takes the next request.
#[tokio::test(flavor = "multi_thread")]
async fn cancelling_stops_promptly_and_keeps_the_text() {
    let (_home, studio) = new_studio();
    let model = fixture("tiny-gemma3");
    let cancel = CancellationToken::new();
    let mut running = studio
        .generate(
            spec(&model, completion("Tell me a long story"), greedy(200)),
            cancel.clone(),
        )
        .await
        .unwrap();
    let mut streamed = String::new();
    let mut cancelled_at = None;
    let outcome = loop {
        match running.events.recv().await.unwrap() {
            RunEvent::Event(scriptorium::backend::Event::Delta { text, .. }) => {
                streamed.push_str(&text);
                if cancelled_at.is_none() && streamed.chars().count() > 5 {
                    cancelled_at = Some(Instant::now());
                    cancel.cancel();
                }
            }
            RunEvent::Finished(outcome) => break outcome,
            RunEvent::Event(_) => {}
        }
    };
    let waited = cancelled_at.expect("text streamed").elapsed();
    assert!(waited < Duration::from_secs(2), "stopping took {waited:?}");
    assert_eq!(outcome.status, GenerationStatus::Cancelled);
    let record = studio.history().get(outcome.id).await.unwrap();
    assert_eq!(record.choices[0].text, streamed);
    assert!(!streamed.is_empty());

    let next = run(&studio, spec(&model, completion("Again"), greedy(3))).await;
    assert_eq!(next.status, GenerationStatus::Done);
}

/// A damaged file and an unknown name are each one sentence; the engine
/// keeps working.
#[tokio::test(flavor = "multi_thread")]
async fn bad_models_are_one_clear_error() {
    let (home, studio) = new_studio();
    let bytes = std::fs::read(fixture("tiny-phi3")).unwrap();
    let truncated = home.path().join("truncated.gguf");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();

    let failed = run(&studio, spec(&truncated, completion("Hi"), greedy(3))).await;
    assert_eq!(failed.status, GenerationStatus::Error);
    let message = failed.error.unwrap().message;
    assert!(message.contains("truncated"), "{message}");
    assert!(!message.contains('\n'), "{message}");

    let missing = run(
        &studio,
        spec(Path::new("no-such-model"), completion("Hi"), greedy(3)),
    )
    .await;
    assert_eq!(missing.status, GenerationStatus::Error);
    assert!(missing.error.unwrap().message.contains("no-such-model"));

    let fine = run(
        &studio,
        spec(&fixture("tiny-phi3"), completion("Hi"), greedy(3)),
    )
    .await;
    assert_eq!(fine.status, GenerationStatus::Done, "{:?}", fine.error);
}

/// The engine reports loading and the loaded model, and frees the model
/// once nobody has used it for the idle time.
#[tokio::test(flavor = "multi_thread")]
async fn the_engine_reports_its_state_and_unloads_when_idle() {
    use futures::StreamExt;
    use scriptorium::backend::local::{Engine, EngineOptions};

    let engine = Engine::start(EngineOptions {
        idle_unload: Duration::from_millis(300),
    });
    let mut status = engine.status();
    assert_eq!(*status.borrow(), EngineStatus::Idle);
    let seen = tokio::spawn(async move {
        let mut seen = Vec::new();
        while status.changed().await.is_ok() {
            let now = status.borrow().clone();
            let unloaded = now == EngineStatus::Idle && !seen.is_empty();
            seen.push(now);
            if unloaded {
                break;
            }
        }
        seen
    });
    let request = GenerateRequest {
        model: String::new(),
        prompt: completion("Hi"),
        params: greedy(2),
    };
    let events: Vec<_> = engine
        .generate(fixture("tiny-qwen3"), request, CancellationToken::new())
        .collect()
        .await;
    assert!(events.iter().all(Result::is_ok), "{events:?}");
    let seen = tokio::time::timeout(Duration::from_secs(5), seen)
        .await
        .unwrap()
        .unwrap();
    assert!(
        seen.iter()
            .any(|s| matches!(s, EngineStatus::Loading { model, .. } if model == "tiny-qwen3")),
        "{seen:?}"
    );
    let ready = seen.iter().position(|s| {
        *s == EngineStatus::Ready {
            model: "tiny-qwen3".into(),
        }
    });
    assert!(ready.is_some(), "{seen:?}");
    assert_eq!(seen.last(), Some(&EngineStatus::Idle), "{seen:?}");
}

/// Nothing is loaded until a local model runs; then the studio says which,
/// and a request for another model swaps it in.
#[tokio::test(flavor = "multi_thread")]
async fn the_engine_status_names_the_model_in_memory() {
    let (_home, studio) = new_studio();
    assert_eq!(studio.backends().local_status(), EngineStatus::Idle);
    let hello = || Prompt::Chat {
        messages: vec![ChatMessage::new(Role::User, "Hello")],
    };
    let ready = |model: &str| EngineStatus::Ready {
        model: model.into(),
    };
    let first = run(&studio, spec(&fixture("tiny-qwen2"), hello(), greedy(4))).await;
    assert_eq!(first.status, GenerationStatus::Done, "{:?}", first.error);
    assert_eq!(studio.backends().local_status(), ready("tiny-qwen2"));

    // A request for another model unloads the first one.
    let other = run(&studio, spec(&fixture("tiny-qwen3"), hello(), greedy(4))).await;
    assert_eq!(other.status, GenerationStatus::Done, "{:?}", other.error);
    assert_eq!(studio.backends().local_status(), ready("tiny-qwen3"));

    // Back again: loaded afresh, nothing reused from the other model's cache.
    let again = run(&studio, spec(&fixture("tiny-qwen2"), hello(), greedy(4))).await;
    assert_eq!(studio.backends().local_status(), ready("tiny-qwen2"));
    assert_eq!(again.usage.cached, Some(0));
    assert_eq!(again.choices[0].text, first.choices[0].text);
}

/// Extra request fields reach the chat template: Qwen3's template opens an
/// empty thinking block when `enable_thinking` is false.
#[tokio::test(flavor = "multi_thread")]
async fn extra_fields_are_chat_template_variables() {
    let (_home, studio) = new_studio();
    let model = fixture("tiny-qwen3");
    let chat = || Prompt::Chat {
        messages: vec![ChatMessage::new(Role::User, "Hi")],
    };
    let plain = run(&studio, spec(&model, chat(), greedy(1))).await;
    let mut params = greedy(1);
    params
        .extra
        .insert("enable_thinking".into(), serde_json::Value::Bool(false));
    let no_thinking = run(&studio, spec(&model, chat(), params)).await;
    assert_eq!(
        no_thinking.status,
        GenerationStatus::Done,
        "{:?}",
        no_thinking.error
    );
    assert!(
        no_thinking.usage.prompt > plain.usage.prompt,
        "{} vs {}",
        no_thinking.usage.prompt,
        plain.usage.prompt
    );
}
