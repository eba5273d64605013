//! `scriptorium model prompt` on small GGUF files that hold only metadata.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use candle_core::quantized::gguf_file::{self, Value};
use predicates::prelude::*;

const QWEN_LIKE: &str = "{%- for message in messages %}{{ '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}{%- endfor %}{%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{%- endif %}";

fn scriptorium(home: &Path) -> Command {
    let mut cmd = Command::cargo_bin("scriptorium").unwrap();
    cmd.env("SCRIPTORIUM_HOME", home)
        .env_remove("SCRIPTORIUM_LOG");
    cmd
}

/// `model prompt MODEL --messages CHAT`.
fn prompt(home: &Path, model: &Path, chat: &Path) -> Command {
    let mut cmd = scriptorium(home);
    cmd.args(["model", "prompt"])
        .arg(model)
        .arg("--messages")
        .arg(chat);
    cmd
}

/// A GGUF file with a tokenizer's metadata and, when given, a template.
fn gguf(folder: &Path, name: &str, template: Option<&str>) -> PathBuf {
    let tokens = Value::Array(
        ["<unk>", "<s>", "</s>", "a"]
            .iter()
            .map(|t| Value::String((*t).into()))
            .collect(),
    );
    let mut metadata = vec![
        ("tokenizer.ggml.model", Value::String("llama".into())),
        ("tokenizer.ggml.tokens", tokens),
        ("tokenizer.ggml.bos_token_id", Value::U32(1)),
        ("tokenizer.ggml.eos_token_id", Value::U32(2)),
    ];
    if let Some(template) = template {
        metadata.push(("tokenizer.chat_template", Value::String(template.into())));
    }
    let refs: Vec<(&str, &Value)> = metadata.iter().map(|(k, v)| (*k, v)).collect();
    let path = folder.join(name);
    let mut file = std::fs::File::create(&path).unwrap();
    gguf_file::write(&mut file, &refs, &[]).unwrap();
    path
}

fn messages(folder: &Path) -> PathBuf {
    let path = folder.join("chat.json");
    std::fs::write(
        &path,
        r#"[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi 你好"}]"#,
    )
    .unwrap();
    path
}

#[test]
fn prints_exactly_what_the_template_renders() {
    let home = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let model = gguf(folder.path(), "tiny.gguf", Some(QWEN_LIKE));
    let chat = messages(folder.path());
    prompt(home.path(), &model, &chat)
        .assert()
        .success()
        .stdout("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi 你好<|im_end|>\n<|im_start|>assistant\n")
        .stderr("");
    prompt(home.path(), &model, &chat)
        .arg("--no-generation-prompt")
        .assert()
        .success()
        .stdout("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi 你好<|im_end|>\n");
}

#[test]
fn a_model_without_a_template_gets_chatml_with_a_note() {
    let home = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let model = gguf(folder.path(), "bare.gguf", None);
    prompt(home.path(), &model, &messages(folder.path()))
        .assert()
        .success()
        .stdout(predicate::str::ends_with("<|im_start|>assistant\n"))
        .stderr(predicate::str::contains(
            "has no chat template; using ChatML",
        ));
}

/// The chat backend hands extra request fields to the template; the
/// printed prompt must be the one those fields give.
#[test]
fn extra_fields_reach_the_template_as_when_chatting() {
    let home = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let thinking =
        "{%- if enable_thinking is defined and not enable_thinking %}<think></think>{%- endif %}ok";
    let model = gguf(folder.path(), "thinker.gguf", Some(thinking));
    let chat = messages(folder.path());
    prompt(home.path(), &model, &chat)
        .assert()
        .success()
        .stdout("ok");
    prompt(home.path(), &model, &chat)
        .args(["--extra", r#"{"enable_thinking": false}"#])
        .assert()
        .success()
        .stdout("<think></think>ok");
    prompt(home.path(), &model, &chat)
        .args(["--extra", "[1]"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--extra must be a JSON object"));
}

#[test]
fn bad_inputs_fail_with_one_line() {
    let home = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let chat = folder.path().join("bad.json");
    std::fs::write(&chat, r#"[{"role": "wizard", "content": "x"}]"#).unwrap();
    let model = gguf(folder.path(), "tiny.gguf", Some(QWEN_LIKE));
    prompt(home.path(), &model, &chat)
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "is not a list of {\"role\", \"content\"} messages",
        ));

    let not_gguf = folder.path().join("notes.gguf");
    std::fs::write(&not_gguf, "hello").unwrap();
    prompt(home.path(), &not_gguf, &messages(folder.path()))
        .assert()
        .failure()
        .stderr(predicate::str::contains("is not a GGUF model"));

    let refusing = gguf(
        folder.path(),
        "strict.gguf",
        Some("{{ raise_exception('System role not supported') }}"),
    );
    prompt(home.path(), &refusing, &messages(folder.path()))
        .assert()
        .failure()
        .stderr("error: The model's chat template does not accept this conversation: System role not supported\n");
}
