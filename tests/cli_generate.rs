//! `scriptorium backend`, `chat` and `complete` as a person runs them,
//! against our loopback test server.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use scriptorium::Studio;
use scriptorium::generation::GenerationStatus;
use scriptorium::secrets::SecretsMode;
use scriptorium_test_server::{Reply, TestServer};
use serde_json::json;

/// Recognisable, so a search of the data folder finds any copy of it.
const CANARY_KEY: &str = "sk-canary-7f3c9e1a5b2d4f6081726354";

fn scriptorium(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_scriptorium"));
    command
        .env("SCRIPTORIUM_HOME", home)
        .env("SCRIPTORIUM_SECRETS", "file")
        .env_remove("SCRIPTORIUM_LOG")
        .stdin(Stdio::null());
    command
}

/// Runs the CLI off the async runtime, so the test server keeps serving.
async fn run(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

async fn add_backend(home: &Path, server: &TestServer) {
    let mut add = scriptorium(home);
    add.args([
        "backend",
        "add",
        "loopback",
        "--base-url",
        &server.base_url(),
        "--model",
        "test-model",
    ]);
    let output = run(add).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
}

#[tokio::test(flavor = "multi_thread")]
async fn chat_prints_only_the_answer() {
    let server = TestServer::start().await;
    let home = tempfile::tempdir().unwrap();
    add_backend(home.path(), &server).await;
    let mut chat = scriptorium(home.path());
    chat.args([
        "chat",
        "--system",
        "Be brief.",
        "--temperature",
        "0.2",
        "--stop",
        "END",
        "Say hello",
    ]);
    let output = run(chat).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "Hello from the test server.");
    assert_eq!(text(&output.stderr), "");
    let body = &server.requests()[0].body;
    assert_eq!(
        body["messages"],
        json!([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Say hello"}])
    );
    assert_eq!(body["stop"], json!(["END"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn chat_json_reports_choices_usage_timings_and_id() {
    let server = TestServer::start().await;
    let home = tempfile::tempdir().unwrap();
    add_backend(home.path(), &server).await;
    let mut chat = scriptorium(home.path());
    chat.args(["chat", "--json", "Hi"]);
    let output = run(chat).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["status"], "done");
    assert_eq!(report["backend"], "loopback");
    assert_eq!(report["model"], "test-model");
    assert_eq!(report["choices"][0]["text"], "Hello from the test server.");
    assert_eq!(
        report["usage"],
        json!({"prompt": 5, "completion": 5, "estimated": false})
    );
    assert!(report["timings"]["totalMs"].as_u64().is_some());
    let id = report["id"].as_i64().unwrap();
    let studio = Studio::open_with(home.path(), SecretsMode::FileOnly).unwrap();
    assert_eq!(
        studio.generation(id).await.unwrap().status,
        GenerationStatus::Done
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn several_choices_are_labelled() {
    let server = TestServer::start().await;
    server.push(
        "POST /v1/completions",
        Reply::sse([
            json!({"choices": [{"index": 0, "text": "one"}]}).to_string(),
            json!({"choices": [{"index": 1, "text": "two"}]}).to_string(),
            "[DONE]".into(),
        ]),
    );
    let home = tempfile::tempdir().unwrap();
    add_backend(home.path(), &server).await;
    let mut complete = scriptorium(home.path());
    complete.args(["complete", "-n", "2", "Count:"]);
    let output = run(complete).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "[1/2]\none\n\n[2/2]\ntwo");
    assert_eq!(server.requests()[0].body["prompt"], "Count:");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_error_is_one_line_on_stderr() {
    let server = TestServer::start().await;
    server.push(
        "POST /v1/chat/completions",
        Reply::json(401, json!({"error": {"message": "Invalid token"}})),
    );
    let home = tempfile::tempdir().unwrap();
    add_backend(home.path(), &server).await;
    let mut chat = scriptorium(home.path());
    chat.args(["chat", "Hi"]);
    let output = run(chat).await;
    assert!(!output.status.success());
    assert_eq!(text(&output.stdout), "");
    assert_eq!(
        text(&output.stderr),
        "error: The server answered 401 Unauthorized: Invalid token.\n"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn no_backend_is_a_clear_error() {
    let home = tempfile::tempdir().unwrap();
    let mut chat = scriptorium(home.path());
    chat.args(["chat", "Hi"]);
    let output = run(chat).await;
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).starts_with("error: No backend chosen"),
        "{}",
        text(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn backend_list_test_default_and_rm() {
    let server = TestServer::start().await;
    let home = tempfile::tempdir().unwrap();
    add_backend(home.path(), &server).await;
    let mut second = scriptorium(home.path());
    second.args(["backend", "add", "other", "--preset", "ollama"]);
    assert!(run(second).await.status.success());

    let mut default = scriptorium(home.path());
    default.args(["backend", "default", "loopback"]);
    assert!(run(default).await.status.success());
    let mut list = scriptorium(home.path());
    list.args(["backend", "list"]);
    let listing = text(&run(list).await.stdout);
    assert!(listing.contains("* loopback"), "{listing}");
    assert!(listing.contains("http://127.0.0.1:11434/v1"), "{listing}");

    let mut test = scriptorium(home.path());
    test.args(["backend", "test", "loopback"]);
    let tested = run(test).await;
    assert!(
        text(&tested.stdout).starts_with("loopback: 2 models in "),
        "{}",
        text(&tested.stdout)
    );
    assert!(text(&tested.stdout).contains("test-model-large"));

    let mut rm = scriptorium(home.path());
    rm.args(["backend", "rm", "loopback"]);
    assert!(run(rm).await.status.success());
    let mut json = scriptorium(home.path());
    json.args(["backend", "list", "--json"]);
    let names: Vec<serde_json::Value> = serde_json::from_slice(&run(json).await.stdout).unwrap();
    assert_eq!(names.len(), 1);
    assert_eq!(names[0]["name"], "other");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_preset_that_needs_a_key_says_so() {
    let home = tempfile::tempdir().unwrap();
    let mut add = scriptorium(home.path());
    add.args(["backend", "add", "ds", "--preset", "deepseek"]);
    let output = run(add).await;
    assert!(!output.status.success());
    assert_eq!(
        text(&output.stderr),
        "error: DeepSeek needs an API key: pass --api-key-env VAR or --api-key-stdin.\n"
    );
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_key_is_nowhere_but_the_owner_only_key_file() {
    let server = TestServer::start().await;
    server.push(
        "POST /v1/chat/completions",
        Reply::json(500, json!({"error": {"message": "try again"}})),
    );
    let home = tempfile::tempdir().unwrap();
    let session = |args: &[&str]| {
        let mut command = scriptorium(home.path());
        command
            .args(args)
            .env("SCRIPTORIUM_LOG", "trace")
            .env("CANARY", CANARY_KEY);
        command
    };
    let add = session(&[
        "backend",
        "add",
        "paid",
        "--base-url",
        &server.base_url(),
        "--model",
        "m",
        "--api-key-env",
        "CANARY",
    ]);
    let added = run(add).await;
    assert!(added.status.success(), "{}", text(&added.stderr));
    let secrets = home.path().join("secrets.json");
    // Trace logging shares stderr, background threads' lines included.
    let said = format!(
        "Added paid; its key is kept in {} (readable by you only).",
        secrets.display()
    );
    assert!(
        text(&added.stderr).lines().any(|line| line == said),
        "{}",
        text(&added.stderr)
    );
    assert!(!text(&added.stderr).contains(CANARY_KEY));
    for args in [
        &["backend", "test", "paid"][..],
        &["backend", "list", "--json"],
        &["chat", "Hi"],
        &["complete", "--json", "Once"],
        &["doctor", "--json"],
    ] {
        let output = run(session(args)).await;
        for stream in [&output.stdout, &output.stderr] {
            assert!(
                !text(stream).contains(CANARY_KEY),
                "{args:?} printed the key"
            );
        }
    }
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.headers["authorization"] == format!("Bearer {CANARY_KEY}"))
    );

    let mut holders = Vec::new();
    for file in files_under(home.path()) {
        let bytes = std::fs::read(&file).unwrap();
        if bytes
            .windows(CANARY_KEY.len())
            .any(|w| w == CANARY_KEY.as_bytes())
        {
            holders.push(file);
        }
    }
    assert_eq!(holders, vec![secrets.clone()]);
    let logs = files_under(&home.path().join("logs"));
    assert!(
        !logs.is_empty() && std::fs::metadata(&logs[0]).unwrap().len() > 0,
        "trace logs were written"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&secrets).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_mid_stream_leaves_an_interrupted_generation_with_its_text() {
    let server = TestServer::start().await;
    let tokens: Vec<String> = (0..400).map(|i| format!("w{i} ")).collect();
    let tokens: Vec<&str> = tokens.iter().map(String::as_str).collect();
    server.push(
        "POST /v1/chat/completions",
        Reply::chat_stream(&tokens).paced(Duration::from_millis(20)),
    );
    let home = tempfile::tempdir().unwrap();
    add_backend(home.path(), &server).await;

    let mut chat = scriptorium(home.path());
    chat.args(["chat", "Talk for a while"])
        .stdout(Stdio::piped());
    let printed = tokio::task::spawn_blocking(move || {
        let mut child = chat.spawn().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut printed = Vec::new();
        let mut buffer = [0u8; 256];
        while printed.len() < 60 {
            let read = stdout.read(&mut buffer).unwrap();
            printed.extend_from_slice(&buffer[..read]);
        }
        // Longer than the flush interval: all of `printed` is on disk.
        std::thread::sleep(Duration::from_millis(400));
        child.kill().unwrap();
        child.wait().unwrap();
        String::from_utf8(printed).unwrap()
    })
    .await
    .unwrap();

    let studio = Studio::open_with(home.path(), SecretsMode::FileOnly).unwrap();
    let generation = studio.generation(1).await.unwrap();
    assert_eq!(generation.status, GenerationStatus::Interrupted);
    assert_eq!(
        generation.error.as_deref(),
        Some("Scriptorium stopped before this generation finished.")
    );
    let kept = &generation.choices[0].text;
    assert!(
        kept.starts_with(&printed),
        "kept {kept:?}, printed {printed:?}"
    );
    assert!(tokens.concat().starts_with(kept.as_str()));
    assert!(kept.len() < tokens.concat().len());
}

#[tokio::test(flavor = "multi_thread")]
async fn chat_with_a_template_sends_its_messages_and_parameters() {
    let server = TestServer::start().await;
    let home = tempfile::tempdir().unwrap();
    add_backend(home.path(), &server).await;
    let mut chat = scriptorium(home.path());
    chat.args([
        "chat",
        "--template",
        "chat.assistant",
        "--var",
        "user_name=Ada",
        "--var",
        "reply_language=French",
        "What is a sonnet?",
    ]);
    let output = run(chat).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "Hello from the test server.");
    let body = &server.requests()[0].body;
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0]["role"], "system");
    let system = messages[0]["content"].as_str().unwrap();
    assert!(
        system.contains("Ada") && system.contains("French"),
        "{system}"
    );
    assert_eq!(
        messages[1],
        json!({"role": "user", "content": "What is a sonnet?"})
    );
    assert_eq!(
        body["temperature"], 0.7,
        "the template's recommended temperature"
    );

    let mut override_temperature = scriptorium(home.path());
    override_temperature.args([
        "chat",
        "--template",
        "chat.assistant",
        "--temperature",
        "0.1",
        "Hi",
    ]);
    assert!(run(override_temperature).await.status.success());
    let temperature = server.requests()[1].body["temperature"].as_f64().unwrap();
    assert!(
        (temperature - 0.1).abs() < 1e-6,
        "the command line wins: {temperature}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_template_variable_is_one_clear_error() {
    let home = tempfile::tempdir().unwrap();
    let server = TestServer::start().await;
    add_backend(home.path(), &server).await;
    let mut chat = scriptorium(home.path());
    chat.args([
        "chat",
        "--template",
        "chat.assistant",
        "--var",
        "mood=grumpy",
        "Hi",
    ]);
    let output = run(chat).await;
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("mood"), "{stderr}");
    assert!(server.requests().is_empty(), "nothing was sent");
}
