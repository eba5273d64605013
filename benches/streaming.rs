//! Our streaming path (backend → event stream → store recorder) against a
//! bare reqwest + SSE client, both reading the same 2,000-token answer from
//! the same loopback server, in alternating rounds of one run.
//!
//! `cargo bench --bench streaming`

// A bench binary reports on stdout.
#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use eventsource_stream::Eventsource;
use futures::StreamExt;
use scriptorium::Studio;
use scriptorium::backend::registry::{BackendDraft, BackendKind, BackendSettings};
use scriptorium::backend::{ChatMessage, Event, GenerateRequest, Params, Prompt, Role};
use scriptorium::generation::{GenerationSpec, RunEvent};
use scriptorium::secrets::SecretsMode;
use scriptorium_test_server::{Reply, TestServer};
use tokio_util::sync::CancellationToken;

const TOKENS: usize = 2_000;
const ROUNDS: usize = 40;

#[derive(Debug, Clone, Copy)]
struct Timing {
    first_token: Duration,
    total: Duration,
}

fn answer() -> Reply {
    let tokens: Vec<String> = (0..TOKENS).map(|i| format!("tok{i} ")).collect();
    let tokens: Vec<&str> = tokens.iter().map(String::as_str).collect();
    Reply::chat_stream(&tokens)
}

fn request_body() -> serde_json::Value {
    serde_json::json!({
        "model": "test-model",
        "messages": [{"role": "user", "content": "Write at length."}],
        "stream": true,
        "stream_options": {"include_usage": true}
    })
}

/// The reference: the least a client can do to read the same stream.
async fn bare(client: &reqwest::Client, url: &str) -> Timing {
    let started = Instant::now();
    let response = client.post(url).json(&request_body()).send().await.unwrap();
    let mut events = response.bytes_stream().eventsource();
    let mut first_token = None;
    let mut text = String::new();
    while let Some(event) = events.next().await {
        let event = event.unwrap();
        if event.data == "[DONE]" {
            break;
        }
        let chunk: serde_json::Value = serde_json::from_str(&event.data).unwrap();
        if let Some(delta) = chunk["choices"][0]["delta"]["content"].as_str() {
            first_token.get_or_insert_with(|| started.elapsed());
            text.push_str(delta);
        }
    }
    assert!(text.ends_with(&format!("tok{} ", TOKENS - 1)));
    Timing {
        first_token: first_token.unwrap(),
        total: started.elapsed(),
    }
}

/// Ours: the whole path a chat request takes, recording included.
async fn ours(studio: &Studio) -> Timing {
    let spec = GenerationSpec {
        kind: "chat".into(),
        backend: Some("bench".into()),
        request: GenerateRequest {
            model: "test-model".into(),
            prompt: Prompt::Chat {
                messages: vec![ChatMessage::new(Role::User, "Write at length.")],
            },
            params: Params::default(),
        },
    };
    let started = Instant::now();
    let mut run = studio
        .generate(spec, CancellationToken::new())
        .await
        .unwrap();
    let mut first_token = None;
    while let Some(event) = run.events.recv().await {
        match event {
            RunEvent::Event(Event::Delta { .. }) => {
                first_token.get_or_insert_with(|| started.elapsed());
            }
            RunEvent::Event(_) => {}
            RunEvent::Finished(outcome) => {
                assert_eq!(
                    outcome.choices[0].text.len(),
                    (0..TOKENS).map(|i| format!("tok{i} ").len()).sum::<usize>()
                );
                break;
            }
        }
    }
    Timing {
        first_token: first_token.unwrap(),
        total: started.elapsed(),
    }
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort_unstable();
    values[values.len() / 2]
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

fn main() {
    // The server gets its own thread, as a real server is another process:
    // it must not compete with the clients for the measured runtime.
    let server_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = Arc::new(server_runtime.block_on(TestServer::start()));
    let clients = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    // Both clients run on the runtime's workers, as in the app.
    clients.block_on(async move { tokio::spawn(measure(server)).await.unwrap() });
}

async fn measure(server: Arc<TestServer>) {
    let home = tempfile::tempdir().unwrap();
    let studio = Studio::open_with(home.path(), SecretsMode::FileOnly).unwrap();
    studio
        .backends()
        .add(
            BackendDraft {
                name: "bench".into(),
                kind: BackendKind::Openai,
                base_url: server.base_url(),
                default_model: Some("test-model".into()),
                settings: BackendSettings::default(),
            },
            None,
        )
        .await
        .unwrap();
    let client = reqwest::Client::builder()
        .tcp_nodelay(true)
        .build()
        .unwrap();
    let url = format!("{}/chat/completions", server.base_url());

    let (mut reference, mut path) = (Vec::new(), Vec::new());
    // One warm-up round each, then alternate so drift hits both alike.
    for round in 0..=ROUNDS {
        server.push("POST /v1/chat/completions", answer());
        server.push("POST /v1/chat/completions", answer());
        let a = bare(&client, &url).await;
        let b = ours(&studio).await;
        if round > 0 {
            reference.push(a);
            path.push(b);
        }
    }

    let ref_first = median(reference.iter().map(|t| t.first_token).collect());
    let our_first = median(path.iter().map(|t| t.first_token).collect());
    let ref_total = median(reference.iter().map(|t| t.total).collect());
    let our_total = median(path.iter().map(|t| t.total).collect());
    let extra_first = micros(our_first) - micros(ref_first);
    let ref_per_token = micros(ref_total) / TOKENS as f64;
    let our_per_token = micros(our_total) / TOKENS as f64;
    println!("streaming {TOKENS} tokens over loopback, median of {ROUNDS} alternating rounds");
    println!("| figure | ours | bare reqwest + SSE | extra | ratio |");
    println!("| --- | --- | --- | --- | --- |");
    println!(
        "| time to first token | {:.0} µs | {:.0} µs | {:+.0} µs | {:.2} |",
        micros(our_first),
        micros(ref_first),
        extra_first,
        micros(our_first) / micros(ref_first)
    );
    println!(
        "| per token (total / {TOKENS}) | {:.2} µs | {:.2} µs | {:+.2} µs | {:.2} |",
        our_per_token,
        ref_per_token,
        our_per_token - ref_per_token,
        our_per_token / ref_per_token
    );
    println!(
        "targets: extra to first token <= 2000 µs: {}; extra per token <= 50 µs: {}",
        if extra_first <= 2000.0 {
            "met"
        } else {
            "MISSED"
        },
        if our_per_token - ref_per_token <= 50.0 {
            "met"
        } else {
            "MISSED"
        }
    );
}
