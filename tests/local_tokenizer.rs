//! Tokenizers of real (tiny) GGUF models: the one rebuilt from GGUF
//! metadata, the model's own tokenizer.json and llama.cpp agree.
//!
//! Each fixture in `tests/fixtures/models/` is `<stem>.gguf` with
//! `<stem>.tokenizer.json` beside it and `<stem>.reference.json`, written by
//! `scripts/models/make_fixtures.py` with llama.cpp: the ids of a set of
//! strings (with and without BOS, special tokens parsed or not) and the
//! chat template rendered as transformers renders it. Without that folder
//! (a checkout where the fixtures have not landed yet) there is nothing to
//! compare and the test says so.

// The tests say what they compared and what they skipped.
#![allow(clippy::print_stderr)]

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use candle_core::quantized::gguf_file::Content;
use scriptorium::backend::ChatMessage;
use scriptorium::backend::local::{ChatTemplate, LocalTokenizer, TokenizerSource};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Reference {
    tokenization: Vec<Case>,
    chat_template: Option<ChatReference>,
}

/// llama.cpp's ids for one text; ours always parse special tokens.
#[derive(Debug, Deserialize)]
struct Case {
    name: String,
    text: String,
    #[serde(rename = "add_special=true,parse_special=true")]
    with_bos: Vec<u32>,
    #[serde(rename = "add_special=false,parse_special=true")]
    without_bos: Vec<u32>,
    tokenizer_json_agrees: Agrees,
}

/// Whether Hugging Face's tokenizer, reading the tokenizer.json, gave
/// llama.cpp's ids.
#[derive(Debug, Deserialize)]
struct Agrees {
    #[serde(rename = "add_special=false")]
    without_bos: bool,
}

#[derive(Debug, Deserialize)]
struct ChatReference {
    strftime_now: String,
    messages: Vec<ChatMessage>,
    rendered: BTreeMap<String, String>,
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models")
}

fn read_gguf(path: &Path) -> Content {
    let mut file = BufReader::new(File::open(path).unwrap());
    Content::read(&mut file).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The rows of the token embedding, as the engine passes them.
fn vocab_rows(content: &Content) -> usize {
    match content.tensor_infos.get("token_embd.weight") {
        Some(info) => info.shape.dims()[0],
        None => panic!("the fixture has no token_embd.weight"),
    }
}

/// llama.cpp adds BOS even before a text that starts with it; we do not.
fn one_bos(mut ids: Vec<u32>, bos: Option<u32>) -> Vec<u32> {
    if bos.is_some() && ids.len() >= 2 && ids[0] == ids[1] && Some(ids[0]) == bos {
        ids.remove(0);
    }
    ids
}

#[test]
fn gguf_metadata_tokenizer_json_and_llama_cpp_agree() {
    // The fixtures are committed: a missing folder is a broken path, not a skip.
    let entries =
        std::fs::read_dir(fixtures()).unwrap_or_else(|e| panic!("{}: {e}", fixtures().display()));
    let mut models: Vec<PathBuf> = entries
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "gguf"))
        .collect();
    models.sort();
    assert!(
        !models.is_empty(),
        "{} holds no .gguf",
        fixtures().display()
    );

    for model in models {
        let stem = model.file_stem().unwrap().to_string_lossy().into_owned();
        let json = model.with_file_name(format!("{stem}.tokenizer.json"));
        let reference = model.with_file_name(format!("{stem}.reference.json"));
        let reference: Reference = serde_json::from_str(
            &std::fs::read_to_string(&reference)
                .unwrap_or_else(|e| panic!("{}: {e}", reference.display())),
        )
        .unwrap_or_else(|e| panic!("{stem}.reference.json: {e}"));
        assert!(!reference.tokenization.is_empty(), "{stem}: no cases");

        let content = read_gguf(&model);
        let rows = vocab_rows(&content);
        let built =
            LocalTokenizer::from_metadata(&content, rows).unwrap_or_else(|e| panic!("{stem}: {e}"));
        let file = LocalTokenizer::from_file(&json, &content, rows)
            .unwrap_or_else(|e| panic!("{stem}: {e}"));
        let loaded = LocalTokenizer::load(&model, &content, rows).unwrap();
        assert_eq!(loaded.source(), &TokenizerSource::File(json.clone()));
        assert_eq!(built.eos_ids(), file.eos_ids(), "{stem}");

        for case in &reference.tokenization {
            let label = format!("{stem} / {}", case.name);
            let ids = built.encode(&case.text, false).unwrap();
            assert_eq!(ids, case.without_bos, "{label}: GGUF metadata vs llama.cpp");
            assert_eq!(
                built.encode(&case.text, built.add_bos()).unwrap(),
                one_bos(case.with_bos.clone(), built.bos_id()),
                "{label}: with BOS, GGUF metadata vs llama.cpp"
            );
            if case.tokenizer_json_agrees.without_bos {
                assert_eq!(
                    file.encode(&case.text, false).unwrap(),
                    case.without_bos,
                    "{label}: tokenizer.json vs llama.cpp"
                );
            } else {
                eprintln!("{label}: the reference says its tokenizer.json differs from llama.cpp");
            }
            if case.name != "special" {
                assert_eq!(built.decode(&ids).unwrap(), case.text, "{label}: decoded");
            }
        }

        eprintln!(
            "{stem}: {} texts tokenize alike",
            reference.tokenization.len()
        );
        if let Some(chat) = &reference.chat_template {
            let now: jiff::civil::DateTime = chat.strftime_now.parse().unwrap();
            let now = now.to_zoned(jiff::tz::TimeZone::UTC).unwrap();
            let template = ChatTemplate::from_content(&content)
                .unwrap()
                .unwrap_or_else(|| panic!("{stem} has no chat template"))
                .with_clock(Arc::new(move || now.clone()));
            for (key, expected) in &chat.rendered {
                let add_generation_prompt = key == "add_generation_prompt=true";
                let rendered = template
                    .render(
                        &chat.messages,
                        add_generation_prompt,
                        serde_json::Value::Null,
                    )
                    .unwrap_or_else(|e| panic!("{stem} / {key}: {e}"));
                assert_eq!(&rendered, expected, "{stem} / chat template, {key}");
            }
        }
    }
}

/// llama.cpp's own tokenizer test data: vocabulary-only GGUFs
/// (`ggml-vocab-<name>.gguf`) with test strings (`.gguf.inp`) and the ids
/// Hugging Face's tokenizer gives for them (`.gguf.out`), as found in
/// llama.cpp's `models/` folder. Too big to keep here, so the test runs
/// only when `SCRIPTORIUM_LLAMA_CPP_VOCABS` names such a folder.
#[test]
fn llama_cpp_vocab_test_files_tokenize_as_their_references() {
    let Some(folder) = std::env::var_os("SCRIPTORIUM_LLAMA_CPP_VOCABS") else {
        eprintln!("SCRIPTORIUM_LLAMA_CPP_VOCABS is not set: nothing to compare");
        return;
    };
    let mut models: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "gguf"))
        .filter(|path| path.with_extension("gguf.out").is_file())
        .collect();
    assert!(
        !models.is_empty(),
        "no vocab test files in {}",
        folder.to_string_lossy()
    );
    models.sort();
    let mut failures = Vec::new();
    for model in models {
        let name = model.file_name().unwrap().to_string_lossy().into_owned();
        let content = read_gguf(&model);
        let rows = match content.metadata.get("tokenizer.ggml.tokens") {
            Some(candle_core::quantized::gguf_file::Value::Array(tokens)) => tokens.len(),
            _ => panic!("{name} has no tokens"),
        };
        let tokenizer = match LocalTokenizer::from_metadata(&content, rows) {
            Ok(tokenizer) => tokenizer,
            Err(error) if error.code() == "tokenizer_unsupported" => {
                eprintln!("{name}: skipped: {error}");
                continue;
            }
            Err(error) => panic!("{name}: {error}"),
        };
        let inputs = std::fs::read_to_string(model.with_extension("gguf.inp")).unwrap();
        let outputs = std::fs::read_to_string(model.with_extension("gguf.out")).unwrap();
        // Every text ends with the separator, the last one too.
        let texts: Vec<&str> = inputs
            .strip_suffix("\n__ggml_vocab_test__\n")
            .unwrap_or(&inputs)
            .split("\n__ggml_vocab_test__\n")
            .collect();
        assert_eq!(
            texts.len(),
            outputs.lines().count(),
            "{name}: inputs and references differ in number"
        );
        let mut matched = 0;
        for (text, line) in texts.iter().zip(outputs.lines()) {
            let expected: Vec<u32> = line
                .split_whitespace()
                .map(|id| id.parse().unwrap())
                .collect();
            let got = tokenizer.encode(text, false).unwrap();
            if got == expected {
                matched += 1;
            } else {
                failures.push(format!(
                    "{name}: {text:?}: got {got:?}, expected {expected:?}"
                ));
            }
            let decoded = tokenizer.decode(&got).unwrap();
            if decoded != *text {
                failures.push(format!("{name}: {text:?} decodes to {decoded:?}"));
            }
        }
        eprintln!("{name}: {matched} of {} match", outputs.lines().count());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
