//! `scriptorium model` as a person or a script runs it.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use candle_core::quantized::{GgmlDType, QTensor, gguf_file};
use candle_core::{Device, Tensor};
use predicates::prelude::*;
use scriptorium_test_server::FakeHub;

fn scriptorium(home: &Path) -> Command {
    let mut cmd = Command::cargo_bin("scriptorium").unwrap();
    cmd.env("SCRIPTORIUM_HOME", home)
        .env_remove("SCRIPTORIUM_LOG")
        .env_remove("HF_TOKEN");
    cmd
}

/// A tiny but valid model, as a publisher would name it.
fn write_model(path: &Path) {
    let tensor = Tensor::zeros((4, 32), candle_core::DType::F32, &Device::Cpu).unwrap();
    let weight = QTensor::quantize(&tensor, GgmlDType::Q8_0).unwrap();
    let arch = gguf_file::Value::String("qwen2".into());
    let context = gguf_file::Value::U32(32768);
    let mut file = std::fs::File::create(path).unwrap();
    gguf_file::write(
        &mut file,
        &[
            ("general.architecture", &arch),
            ("qwen2.context_length", &context),
        ],
        &[("token_embd.weight", &weight)],
    )
    .unwrap();
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn listed(home: &Path) -> serde_json::Value {
    let output = scriptorium(home)
        .args(["model", "list", "--json"])
        .assert()
        .success()
        .get_output()
        .clone();
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn import_list_and_remove() {
    let home = tempfile::tempdir().unwrap();
    let source = home.path().join("tiny-q8_0.gguf");
    write_model(&source);

    let output = scriptorium(home.path())
        .args(["model", "import"])
        .arg(&source)
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(
        stderr(&output),
        "Imported tiny-q8_0: qwen2, 128 parameters, Q8_0, 352 bytes.\n"
    );

    let list = listed(home.path());
    assert_eq!(list[0]["id"], "tiny-q8_0");
    assert_eq!(list[0]["summary"]["architecture"], "qwen2");
    assert_eq!(list[0]["summary"]["contextLength"], 32768);
    assert_eq!(list[0]["summary"]["hasChatTemplate"], false);
    scriptorium(home.path())
        .args(["model", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("tiny-q8_0").and(predicate::str::contains("32768")));

    scriptorium(home.path())
        .args(["model", "rm", "tiny-q8_0"])
        .assert()
        .success()
        .stderr("Deleted tiny-q8_0.\n");
    assert_eq!(listed(home.path()), serde_json::json!([]));
    assert!(source.is_file(), "the original stays");
    scriptorium(home.path())
        .args(["model", "rm", "tiny-q8_0"])
        .assert()
        .failure()
        .stderr("error: There is no local model \"tiny-q8_0\".\n");
}

#[test]
fn importing_a_file_that_is_not_a_model_fails_with_one_sentence() {
    let home = tempfile::tempdir().unwrap();
    let notes = home.path().join("notes.gguf");
    std::fs::write(&notes, "just some notes").unwrap();
    let output = scriptorium(home.path())
        .args(["model", "import"])
        .arg(&notes)
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert_eq!(
        stderr(&output),
        format!(
            "error: {} is not a GGUF model file (it starts with \"just som\").\n",
            notes.display()
        )
    );
    assert!(output.stdout.is_empty());
    let models: Vec<_> = std::fs::read_dir(home.path().join("models"))
        .unwrap()
        .collect();
    assert!(models.is_empty());
}

#[test]
fn catalog_marks_the_recommended_model() {
    let home = tempfile::tempdir().unwrap();
    scriptorium(home.path())
        .args(["model", "catalog"])
        .assert()
        .success()
        .stdout(predicate::str::contains("* qwen2.5-1.5b"));
    let output = scriptorium(home.path())
        .args(["model", "catalog", "--json"])
        .assert()
        .success()
        .get_output()
        .clone();
    let catalog: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(catalog.as_array().unwrap().len(), 6);
    assert_eq!(catalog[0]["repo"], "Qwen/Qwen2.5-1.5B-Instruct-GGUF");
    scriptorium(home.path())
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Manage local models (GGUF)"));
}

#[tokio::test(flavor = "multi_thread")]
async fn downloads_from_the_hub_named_in_the_environment() {
    let home = tempfile::tempdir().unwrap();
    let hub = FakeHub::start(home.path().join("hub")).await;
    let model = home.path().join("model.gguf");
    write_model(&model);
    hub.put(
        "org/Tiny-GGUF",
        "tiny.gguf",
        &std::fs::read(&model).unwrap(),
    );

    let run = |args: &'static [&'static str]| {
        let mut cmd = scriptorium(home.path());
        cmd.env("SCRIPTORIUM_HF_ENDPOINT", hub.url()).args(args);
        // Off the async runtime, so the fake hub keeps serving.
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
    };
    let output = run(&["model", "download", "org/Tiny-GGUF", "tiny.gguf"])
        .await
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        "Downloaded tiny: qwen2, 128 parameters, Q8_0, 352 bytes.\n"
    );
    assert_eq!(listed(home.path())[0]["id"], "tiny");

    let missing = run(&["model", "download", "org/Tiny-GGUF", "other.gguf"])
        .await
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert_eq!(
        stderr(&missing),
        "error: The repository org/Tiny-GGUF has no file other.gguf at revision main.\n"
    );
    let no_file = run(&["model", "download", "org/Tiny-GGUF"]).await.unwrap();
    assert!(stderr(&no_file).starts_with("error: Name the file to download"));
}

/// A model brought in with `model import` chats like any backend's, and
/// the answer is in the history.
#[test]
fn chat_with_an_imported_model_is_recorded() {
    let home = tempfile::tempdir().unwrap();
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models/tiny-qwen2.gguf");
    scriptorium(home.path())
        .args(["model", "import"])
        .arg(&fixture)
        .assert()
        .success();
    let output = scriptorium(home.path())
        .args(["chat", "--backend", "local", "--model", "tiny-qwen2"])
        .args([
            "--temperature",
            "0",
            "--max-tokens",
            "6",
            "--json",
            "Write a haiku.",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["backend"], "local");
    assert_eq!(report["model"], "tiny-qwen2");
    assert_eq!(report["status"], "done");
    assert_eq!(report["usage"]["completion"], 6);
    assert_eq!(report["usage"]["cached"], 0);
    let id = report["id"].as_i64().unwrap().to_string();

    let shown = scriptorium(home.path())
        .args(["history", "show", &id, "--json"])
        .assert()
        .success()
        .get_output()
        .clone();
    let record: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(record["backend"], "local");
    assert_eq!(record["choices"][0]["text"], report["choices"][0]["text"]);
}

/// `model threads --json` with the given arguments and environment.
fn threads(home: &Path, args: &[&str], env: Option<&str>) -> serde_json::Value {
    let mut command = scriptorium(home);
    command
        .env_remove("CANDLE_NUM_THREADS")
        .env_remove("RAYON_NUM_THREADS")
        .args(["model", "threads", "--json"])
        .args(args);
    if let Some(count) = env {
        command.env("RAYON_NUM_THREADS", count);
    }
    let output = command.assert().success().get_output().clone();
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn a_chosen_thread_count_applies_from_the_next_start() {
    let home = tempfile::tempdir().unwrap();
    let first = threads(home.path(), &[], None);
    assert_eq!(first["setting"], serde_json::Value::Null);
    assert_eq!(first["inForce"], first["automatic"], "{first}");
    assert_eq!(first["fromEnvironment"], serde_json::Value::Null);

    let chosen = threads(home.path(), &["3"], None);
    assert_eq!(chosen["setting"], 3);
    assert_eq!(
        chosen["inForce"], first["inForce"],
        "settled before the choice"
    );
    assert_eq!(threads(home.path(), &[], None)["inForce"], 3);
    let over_environment = threads(home.path(), &[], Some("7"));
    assert_eq!(
        over_environment["inForce"], 3,
        "a choice wins over the environment"
    );
    assert_eq!(
        over_environment["fromEnvironment"], 7,
        "what the environment asked for at start, not the count exported over it"
    );

    threads(home.path(), &["auto"], None);
    assert_eq!(threads(home.path(), &[], Some("7"))["inForce"], 7);
    assert_eq!(
        threads(home.path(), &[], None)["inForce"],
        first["automatic"]
    );
}

#[test]
fn an_impossible_thread_count_is_refused_in_one_sentence() {
    let home = tempfile::tempdir().unwrap();
    let output = scriptorium(home.path())
        .args(["model", "threads", "0"])
        .assert()
        .failure()
        .get_output()
        .clone();
    assert_eq!(
        stderr(&output),
        "error: Local models can run on 1 to 256 threads, not 0.\n"
    );
    scriptorium(home.path())
        .args(["model", "threads", "many"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "\"many\" is neither a thread count nor `auto`",
        ));
    let output = scriptorium(home.path())
        .args(["model", "threads"])
        .assert()
        .success()
        .get_output()
        .clone();
    let line = String::from_utf8(output.stdout).unwrap();
    assert!(
        line.starts_with("Threads for local models: automatic (the physical cores)."),
        "{line}"
    );
}
