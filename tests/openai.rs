//! The OpenAI-compatible backend against our loopback test server: one test
//! per fault, each asserting what the person sees and what the store kept.

use std::time::{Duration, Instant};

use scriptorium::Studio;
use scriptorium::backend::registry::{BackendDraft, BackendKind, BackendSettings};
use scriptorium::backend::{ChatMessage, GenerateRequest, Params, Prompt, Role};
use scriptorium::generation::{GenerationSpec, GenerationStatus, Outcome, RunEvent};
use scriptorium::secrets::{ApiKey, SecretsMode};
use scriptorium_test_server::{Part, Reply, TestServer, chat_chunk, finish_chunk, usage_chunk};
use serde_json::json;
use tokio_util::sync::CancellationToken;

const CHAT: &str = "POST /v1/chat/completions";

struct Fixture {
    _home: tempfile::TempDir,
    studio: Studio,
}

async fn fixture(base_url: &str, tune: impl FnOnce(&mut BackendSettings)) -> Fixture {
    let home = tempfile::tempdir().unwrap();
    let studio = Studio::open_with(home.path(), SecretsMode::FileOnly).unwrap();
    let mut settings = BackendSettings::default();
    tune(&mut settings);
    studio
        .backends()
        .add(
            BackendDraft {
                name: "test".into(),
                kind: BackendKind::Openai,
                base_url: base_url.into(),
                default_model: Some("test-model".into()),
                settings,
            },
            None,
        )
        .await
        .unwrap();
    Fixture {
        _home: home,
        studio,
    }
}

fn chat(text: &str) -> GenerationSpec {
    GenerationSpec {
        kind: "chat".into(),
        backend: None,
        request: GenerateRequest {
            model: String::new(),
            prompt: Prompt::Chat {
                messages: vec![ChatMessage::new(Role::User, text)],
            },
            params: Params::default(),
        },
    }
}

async fn generate(fixture: &Fixture, spec: GenerationSpec) -> Outcome {
    let run = fixture
        .studio
        .generate(spec, CancellationToken::new())
        .await
        .unwrap();
    run.outcome().await.unwrap()
}

/// The outcome and the stored record agree on status, error and text.
async fn assert_stored(fixture: &Fixture, outcome: &Outcome, status: GenerationStatus, text: &str) {
    assert_eq!(outcome.status, status, "{:?}", outcome.error);
    let stored = fixture.studio.generation(outcome.id).await.unwrap();
    assert_eq!(stored.status, status);
    assert_eq!(
        stored
            .choices
            .first()
            .map(|c| c.text.as_str())
            .unwrap_or(""),
        text
    );
    assert_eq!(
        stored.error,
        outcome.error.as_ref().map(|e| e.message.clone())
    );
}

fn error_message(outcome: &Outcome) -> String {
    outcome.error.as_ref().expect("an error").message.clone()
}

#[tokio::test]
async fn a_clean_stream_is_recorded_with_usage_and_timings() {
    let server = TestServer::start().await;
    let fixture = fixture(&server.base_url(), |_| {}).await;
    let outcome = generate(&fixture, chat("Hi")).await;
    assert_stored(
        &fixture,
        &outcome,
        GenerationStatus::Done,
        "Hello from the test server.",
    )
    .await;
    assert_eq!(outcome.choices[0].finish_reason.as_deref(), Some("stop"));
    assert!(!outcome.usage.estimated);
    assert_eq!((outcome.usage.prompt, outcome.usage.completion), (5, 5));
    assert!(outcome.ttft_ms.unwrap() <= outcome.total_ms);

    let stored = fixture.studio.generation(outcome.id).await.unwrap();
    assert_eq!(stored.model.as_deref(), Some("test-model"));
    assert_eq!(stored.backend.as_deref(), Some("test"));
    assert_eq!(stored.usage.unwrap().completion, 5);
    let sent = &server.requests()[0];
    assert_eq!(sent.body["stream"], true);
    assert_eq!(sent.body["stream_options"]["include_usage"], true);
    assert_eq!(
        sent.body["messages"],
        json!([{"role": "user", "content": "Hi"}])
    );
}

#[tokio::test]
async fn parameters_reach_the_server() {
    let server = TestServer::start().await;
    let fixture = fixture(&server.base_url(), |_| {}).await;
    let mut spec = chat("Hi");
    spec.request.model = "test-model-large".into();
    let mut params = Params {
        temperature: Some(0.25),
        top_p: Some(0.9),
        max_tokens: Some(64),
        stop: vec!["\n\n".into(), "END".into()],
        seed: Some(7),
        presence_penalty: Some(0.5),
        frequency_penalty: Some(-0.5),
        top_k: Some(40),
        ..Params::default()
    };
    params.extra.insert("min_p".into(), json!(0.05));
    spec.request.params = params;
    generate(&fixture, spec).await;
    let body = &server.requests()[0].body;
    assert_eq!(body["model"], "test-model-large");
    assert_eq!(body["temperature"], 0.25);
    assert_eq!(body["max_tokens"], 64);
    assert_eq!(body["stop"], json!(["\n\n", "END"]));
    assert_eq!(body["seed"], 7);
    assert_eq!(body["presence_penalty"], 0.5);
    assert_eq!(body["frequency_penalty"], -0.5);
    assert_eq!(body["top_k"], 40);
    assert_eq!(body["min_p"], 0.05);
    assert!(body.get("n").is_none(), "n = 1 is the default and not sent");
}

#[tokio::test]
async fn raw_completion_uses_the_completions_endpoint() {
    let server = TestServer::start().await;
    let fixture = fixture(&server.base_url(), |_| {}).await;
    let mut spec = chat("");
    spec.kind = "complete".into();
    spec.request.prompt = Prompt::Completion {
        text: "The sky darkened".into(),
    };
    let outcome = generate(&fixture, spec).await;
    assert_stored(
        &fixture,
        &outcome,
        GenerationStatus::Done,
        " and then it rained.",
    )
    .await;
    assert_eq!(outcome.choices[0].finish_reason.as_deref(), Some("length"));
    let sent = &server.requests()[0];
    assert_eq!(sent.path, "/v1/completions");
    assert_eq!(sent.body["prompt"], "The sky darkened");
}

#[tokio::test]
async fn several_choices_are_kept_apart_by_index() {
    let server = TestServer::start().await;
    server.push(
        CHAT,
        Reply::sse([
            chat_chunk(0, "A").to_string(),
            chat_chunk(1, "B").to_string(),
            chat_chunk(1, "b").to_string(),
            chat_chunk(0, "a").to_string(),
            finish_chunk(1, "stop").to_string(),
            finish_chunk(0, "length").to_string(),
            "[DONE]".into(),
        ]),
    );
    let fixture = fixture(&server.base_url(), |_| {}).await;
    let mut spec = chat("two please");
    spec.request.params.n = 2;
    let outcome = generate(&fixture, spec).await;
    let stored = fixture.studio.generation(outcome.id).await.unwrap();
    let texts: Vec<_> = stored
        .choices
        .iter()
        .map(|c| (c.text.as_str(), c.finish_reason.as_deref()))
        .collect();
    assert_eq!(texts, vec![("Aa", Some("length")), ("Bb", Some("stop"))]);
    assert_eq!(server.requests()[0].body["n"], 2);
}

#[tokio::test]
async fn reasoning_is_kept_apart_and_usage_is_estimated_when_missing() {
    let server = TestServer::start().await;
    server.push(
        CHAT,
        Reply::sse([
            json!({"choices": [{"index": 0, "delta": {"reasoning_content": "Let me think."}}]}).to_string(),
            json!({"choices": [{"index": 0, "delta": {"content": "你好世界"}, "finish_reason": "stop"}]}).to_string(),
            "[DONE]".into(),
        ]),
    );
    let fixture = fixture(&server.base_url(), |_| {}).await;
    let outcome = generate(&fixture, chat("hello")).await;
    assert_stored(&fixture, &outcome, GenerationStatus::Done, "你好世界").await;
    assert_eq!(outcome.choices[0].reasoning, "Let me think.");
    assert!(outcome.usage.estimated);
    assert_eq!(
        outcome.usage.completion,
        4 + 4,
        "4 CJK characters + 13 latin characters"
    );
    let stored = fixture.studio.generation(outcome.id).await.unwrap();
    assert!(stored.usage.unwrap().estimated);
}

#[tokio::test]
async fn connection_refused_is_retried_then_reported() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let fixture = fixture(&format!("http://127.0.0.1:{port}/v1"), |s| {
        s.max_retries = 1
    })
    .await;
    let outcome = generate(&fixture, chat("anyone?")).await;
    assert_stored(&fixture, &outcome, GenerationStatus::Error, "").await;
    let message = error_message(&outcome);
    assert!(
        message.starts_with(&format!("Cannot connect to http://127.0.0.1:{port}/v1: ")),
        "{message}"
    );
    assert!(message.contains("refused"), "{message}");
    assert_eq!(outcome.error.unwrap().code, "connect");
}

#[tokio::test]
async fn a_reset_mid_stream_keeps_the_partial_text() {
    let server = TestServer::start().await;
    server.push(
        CHAT,
        Reply::chat_stream(&["Hello", " from", " the"])
            .cut_after(2, Part::Wait(Duration::from_millis(50)))
            .then(Part::Reset),
    );
    let fixture = fixture(&server.base_url(), |_| {}).await;
    let outcome = generate(&fixture, chat("Hi")).await;
    assert_stored(&fixture, &outcome, GenerationStatus::Error, "Hello from").await;
    let message = error_message(&outcome);
    assert!(
        message.starts_with("The response stream broke: the connection broke mid-answer"),
        "{message}"
    );
    assert_eq!(server.requests().len(), 1, "no retry after the first token");
}

#[tokio::test]
async fn rate_limited_with_retry_after_then_success() {
    let server = TestServer::start().await;
    server.push(
        CHAT,
        Reply::json(
            429,
            json!({"error": {"message": "Rate limit reached", "type": "requests"}}),
        )
        .with_header("retry-after", "1"),
    );
    let fixture = fixture(&server.base_url(), |_| {}).await;
    let started = Instant::now();
    let outcome = generate(&fixture, chat("Hi")).await;
    assert_stored(
        &fixture,
        &outcome,
        GenerationStatus::Done,
        "Hello from the test server.",
    )
    .await;
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was honoured"
    );
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn server_errors_are_retried_then_success() {
    let server = TestServer::start().await;
    server.push(
        CHAT,
        Reply::json(500, json!({"error": {"message": "boom"}})),
    );
    server.push(CHAT, Reply::json(503, json!({"error": "overloaded"})));
    let fixture = fixture(&server.base_url(), |_| {}).await;
    let outcome = generate(&fixture, chat("Hi")).await;
    assert_stored(
        &fixture,
        &outcome,
        GenerationStatus::Done,
        "Hello from the test server.",
    )
    .await;
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn unauthorized_is_one_sentence_and_not_retried() {
    let server = TestServer::start().await;
    server.push(
        CHAT,
        Reply::json(
            401,
            json!({"error": {"message": "Incorrect API key provided: sk-abc***xyz.", "type": "invalid_request_error", "code": "invalid_api_key"}}),
        ),
    );
    let fixture = fixture(&server.base_url(), |_| {}).await;
    let outcome = generate(&fixture, chat("Hi")).await;
    assert_stored(&fixture, &outcome, GenerationStatus::Error, "").await;
    assert_eq!(
        error_message(&outcome),
        "The server answered 401 Unauthorized: Incorrect API key provided: sk-abc***xyz."
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_malformed_chunk_ends_the_stream_with_the_partial_text() {
    let server = TestServer::start().await;
    server.push(
        CHAT,
        Reply::sse([
            chat_chunk(0, "Once").to_string(),
            "{\"choices\": [{\"delta\": ".into(),
        ]),
    );
    let fixture = fixture(&server.base_url(), |_| {}).await;
    let outcome = generate(&fixture, chat("Hi")).await;
    assert_stored(&fixture, &outcome, GenerationStatus::Error, "Once").await;
    assert_eq!(
        error_message(&outcome),
        "The response stream broke: the server sent a chunk that is not valid JSON: {\"choices\": [{\"delta\":."
    );
}

#[tokio::test]
async fn a_stalled_stream_hits_the_idle_timeout() {
    let server = TestServer::start().await;
    server.push(
        CHAT,
        Reply::chat_stream(&["Slow", " start"]).cut_after(2, Part::Stall),
    );
    let fixture = fixture(&server.base_url(), |s| s.idle_timeout_secs = 0.5).await;
    let started = Instant::now();
    let outcome = generate(&fixture, chat("Hi")).await;
    assert_stored(&fixture, &outcome, GenerationStatus::Error, "Slow start").await;
    assert_eq!(
        error_message(&outcome),
        "The server stopped sending for 0.5 s, so the stream was closed."
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn a_stream_that_ends_without_done_is_reported() {
    let server = TestServer::start().await;
    server.push(
        CHAT,
        Reply::sse([
            chat_chunk(0, "Half a").to_string(),
            chat_chunk(0, " thought").to_string(),
        ]),
    );
    let fixture = fixture(&server.base_url(), |_| {}).await;
    let outcome = generate(&fixture, chat("Hi")).await;
    assert_stored(
        &fixture,
        &outcome,
        GenerationStatus::Error,
        "Half a thought",
    )
    .await;
    assert_eq!(
        error_message(&outcome),
        "The response stream broke: the server closed the stream before finishing its answer."
    );
}

#[tokio::test]
async fn a_finished_stream_without_done_is_accepted() {
    let server = TestServer::start().await;
    server.push(
        CHAT,
        Reply::sse([
            chat_chunk(0, "Complete.").to_string(),
            finish_chunk(0, "stop").to_string(),
        ]),
    );
    let fixture = fixture(&server.base_url(), |_| {}).await;
    let outcome = generate(&fixture, chat("Hi")).await;
    assert_stored(&fixture, &outcome, GenerationStatus::Done, "Complete.").await;
}

#[tokio::test]
async fn empty_choices_are_reported() {
    let server = TestServer::start().await;
    server.push(
        CHAT,
        Reply::sse([
            json!({"choices": []}).to_string(),
            usage_chunk(3, 0).to_string(),
            "[DONE]".into(),
        ]),
    );
    let fixture = fixture(&server.base_url(), |_| {}).await;
    let outcome = generate(&fixture, chat("Hi")).await;
    assert_stored(&fixture, &outcome, GenerationStatus::Error, "").await;
    assert_eq!(
        error_message(&outcome),
        "The response stream broke: the answer contained no choices."
    );
}

#[tokio::test]
async fn an_error_object_inside_the_stream_is_the_servers_message() {
    let server = TestServer::start().await;
    server.push(
        CHAT,
        Reply::sse([
            chat_chunk(0, "Par").to_string(),
            json!({"error": {"message": "The model is overloaded", "code": 503}}).to_string(),
        ]),
    );
    let fixture = fixture(&server.base_url(), |_| {}).await;
    let outcome = generate(&fixture, chat("Hi")).await;
    assert_stored(&fixture, &outcome, GenerationStatus::Error, "Par").await;
    assert_eq!(
        error_message(&outcome),
        "The server reported an error mid-stream: The model is overloaded."
    );
}

#[tokio::test]
async fn a_character_split_across_chunks_arrives_whole() {
    let server = TestServer::start().await;
    let event = format!("data: {}\n\n", chat_chunk(0, "你好，世界"));
    let bytes = event.as_bytes();
    // Cut inside the three bytes of 你.
    let cut = event.find("你").unwrap() + 1;
    let mut reply = Reply::sse(Vec::<String>::new());
    reply.body = vec![
        Part::Bytes(bytes[..cut].to_vec().into()),
        Part::Wait(Duration::from_millis(30)),
        Part::Bytes(bytes[cut..].to_vec().into()),
        Part::Bytes(format!("data: {}\n\ndata: [DONE]\n\n", finish_chunk(0, "stop")).into()),
    ];
    server.push(CHAT, reply);
    let fixture = fixture(&server.base_url(), |_| {}).await;
    let outcome = generate(&fixture, chat("Hi")).await;
    assert_stored(&fixture, &outcome, GenerationStatus::Done, "你好，世界").await;
}

#[tokio::test]
async fn a_one_megabyte_chunk_is_taken_whole() {
    let server = TestServer::start().await;
    let big = "é".repeat(512 * 1024);
    server.push(CHAT, Reply::chat_stream(&[&big]));
    let fixture = fixture(&server.base_url(), |_| {}).await;
    let outcome = generate(&fixture, chat("Hi")).await;
    assert_eq!(
        outcome.status,
        GenerationStatus::Done,
        "{:?}",
        outcome.error
    );
    let stored = fixture.studio.generation(outcome.id).await.unwrap();
    assert_eq!(stored.choices[0].text.len(), 1024 * 1024);
    assert!(stored.choices[0].text == big);
}

#[tokio::test]
async fn cancelling_closes_the_connection_within_100_ms() {
    let server = TestServer::start().await;
    let tokens: Vec<String> = (0..500).map(|i| format!("t{i} ")).collect();
    let tokens: Vec<&str> = tokens.iter().map(String::as_str).collect();
    server.push(
        CHAT,
        Reply::chat_stream(&tokens).paced(Duration::from_millis(5)),
    );
    let fixture = fixture(&server.base_url(), |_| {}).await;
    let cancel = CancellationToken::new();
    let mut run = fixture
        .studio
        .generate(chat("Hi"), cancel.clone())
        .await
        .unwrap();
    let mut seen = 0;
    while let Some(RunEvent::Event(_)) = run.events.recv().await {
        seen += 1;
        if seen == 10 {
            break;
        }
    }
    let cancelled_at = Instant::now();
    cancel.cancel();
    let outcome = run.outcome().await.unwrap();
    assert_eq!(outcome.status, GenerationStatus::Cancelled);
    assert!(outcome.choices[0].text.starts_with("t0 t1 t2 "));
    tokio::time::sleep(Duration::from_millis(150)).await;
    let dropped = server.bodies_dropped();
    assert_eq!(dropped.len(), 1, "the server saw the connection go");
    let after = dropped[0].saturating_duration_since(cancelled_at);
    assert!(
        after <= Duration::from_millis(100),
        "closed {after:?} after cancelling"
    );
    let stored = fixture.studio.generation(outcome.id).await.unwrap();
    assert_eq!(stored.status, GenerationStatus::Cancelled);
    assert_eq!(stored.choices[0].text, outcome.choices[0].text);
}

#[tokio::test]
async fn the_api_key_is_sent_as_a_bearer_token() {
    let server = TestServer::start().await;
    let fixture = fixture(&server.base_url(), |_| {}).await;
    fixture
        .studio
        .backends()
        .set_key("test", ApiKey::new("sk-test-bearer").unwrap())
        .await
        .unwrap();
    generate(&fixture, chat("Hi")).await;
    assert_eq!(
        server.requests()[0].headers["authorization"],
        "Bearer sk-test-bearer"
    );
}

#[tokio::test]
async fn a_backend_proxy_carries_the_requests() {
    let proxy = TestServer::start().await;
    // The host does not exist: only the proxy can answer.
    let fixture = fixture("http://models.invalid/v1", |s| {
        s.proxy = Some(proxy.base_url().replace("/v1", ""))
    })
    .await;
    let outcome = generate(&fixture, chat("Hi")).await;
    assert_stored(
        &fixture,
        &outcome,
        GenerationStatus::Done,
        "Hello from the test server.",
    )
    .await;
    assert_eq!(proxy.requests()[0].path, "/v1/chat/completions");
}

#[tokio::test]
async fn non_streaming_answers_are_decoded() {
    let server = TestServer::start().await;
    server.push(
        CHAT,
        Reply::json(
            200,
            json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": "Whole.", "reasoning_content": "hmm"}, "finish_reason": "stop"}],
                   "usage": {"prompt_tokens": 2, "completion_tokens": 1}}),
        ),
    );
    let fixture = fixture(&server.base_url(), |s| s.stream = false).await;
    let outcome = generate(&fixture, chat("Hi")).await;
    assert_stored(&fixture, &outcome, GenerationStatus::Done, "Whole.").await;
    assert_eq!(outcome.choices[0].reasoning, "hmm");
    assert_eq!(server.requests()[0].body.get("stream"), None);
}

#[tokio::test]
async fn test_connection_lists_models() {
    let server = TestServer::start().await;
    let fixture = fixture(&server.base_url(), |_| {}).await;
    let report = fixture.studio.backends().test("test").await.unwrap();
    let ids: Vec<_> = report.models.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["test-model", "test-model-large"]);
}

#[tokio::test]
async fn probing_asks_every_port_at_once_and_finds_the_running_server() {
    use scriptorium::backend::presets::Preset;
    use scriptorium::backend::probe::{PROBE_TIMEOUT, probe};

    let server = TestServer::start().await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/v1", listener.local_addr().unwrap())
    };
    // Ports that accept connections but never answer: each costs a full
    // timeout, so asking them one after another would take three.
    let mut silent = Vec::new();
    for _ in 0..3 {
        silent.push(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap());
    }
    let preset = |id: &'static str, url: String| Preset {
        id,
        name: id,
        base_url: Box::leak(url.into_boxed_str()),
        default_model: None,
        needs_key: false,
        local: true,
    };
    let mut presets = vec![
        preset("running", server.base_url()),
        preset("closed", closed),
    ];
    for (listener, id) in silent.iter().zip(["silent-1", "silent-2", "silent-3"]) {
        presets.push(preset(
            id,
            format!("http://{}/v1", listener.local_addr().unwrap()),
        ));
    }
    let started = Instant::now();
    let found = probe(presets.into_iter()).await;
    let took = started.elapsed();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].preset.id, "running");
    assert_eq!(found[0].models.len(), 2);
    assert!(took >= PROBE_TIMEOUT, "the silent ports were waited for");
    // One by one, the three silent ports alone would take three timeouts.
    assert!(took < PROBE_TIMEOUT * 3, "probed one by one? {took:?}");
}

#[tokio::test]
async fn a_key_quoted_back_by_the_server_is_scrubbed() {
    let server = TestServer::start().await;
    let key = "sk-quoted-back-1234567890";
    server.push(
        CHAT,
        Reply::json(
            401,
            json!({"error": {"message": format!("Incorrect API key provided: {key}")}}),
        ),
    );
    let fixture = fixture(&server.base_url(), |_| {}).await;
    fixture
        .studio
        .backends()
        .set_key("test", ApiKey::new(key).unwrap())
        .await
        .unwrap();
    let outcome = generate(&fixture, chat("Hi")).await;
    assert_eq!(
        error_message(&outcome),
        "The server answered 401 Unauthorized: Incorrect API key provided: [key]."
    );
    let stored = fixture.studio.generation(outcome.id).await.unwrap();
    assert!(!stored.error.unwrap().contains(key));
}
