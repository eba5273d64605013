//! [`LocalTokenizer`] on hand-built vocabularies: exact ids, BOS and end
//! tokens, decoding, streaming, tokenizer.json files, and properties
//! checked against a plain re-implementation of llama.cpp's SentencePiece.

use std::collections::HashMap;
use std::path::Path;

use proptest::prelude::*;

use super::testing::{self, byte_level, content, token_count};
use super::*;

fn from_metadata(
    metadata: HashMap<String, candle_core::quantized::gguf_file::Value>,
) -> LocalTokenizer {
    let rows = token_count(&metadata);
    LocalTokenizer::from_metadata(&content(metadata), rows).unwrap()
}

fn bpe() -> LocalTokenizer {
    from_metadata(testing::bpe_metadata())
}

fn spm(add_space_prefix: Option<bool>) -> LocalTokenizer {
    from_metadata(testing::spm_metadata(add_space_prefix))
}

/// Ids of BPE tokens given as the text they stand for; `<...>` names a
/// special token.
fn bpe_ids(pieces: &[&str]) -> Vec<u32> {
    let tokens = testing::bpe_tokens();
    pieces
        .iter()
        .map(|piece| {
            let spelled = if piece.starts_with('<') {
                (*piece).to_owned()
            } else {
                byte_level(piece)
            };
            tokens.iter().position(|(t, _)| *t == spelled).unwrap() as u32
        })
        .collect()
}

/// The id of the BPE token for one byte.
fn bpe_byte(byte: u8) -> u32 {
    testing::byte_chars()
        .iter()
        .position(|(b, _)| *b == byte)
        .unwrap() as u32
}

fn spm_ids(pieces: &[&str]) -> Vec<u32> {
    let tokens = testing::spm_tokens();
    pieces
        .iter()
        .map(|piece| tokens.iter().rposition(|(t, _, _)| t == piece).unwrap() as u32)
        .collect()
}

#[test]
fn byte_level_bpe_gives_exact_ids() {
    let tokenizer = bpe();
    assert_eq!(
        tokenizer.encode("Hello the world", false).unwrap(),
        [262, 258, 267]
    );
    let cases: &[(&str, Vec<u32>)] = &[
        ("Hello the world", bpe_ids(&["Hello", " the", " world"])),
        ("the  world", bpe_ids(&["t", "he", " ", " world"])),
        ("a   b", bpe_ids(&["a", "  ", " ", "b"])),
        ("a\n\nb", bpe_ids(&["a", "\n\n", "b"])),
        ("你好", bpe_ids(&["你好"])),
        (
            "😀",
            vec![
                bpe_byte(0xF0),
                bpe_byte(0x9F),
                bpe_byte(0x98),
                bpe_byte(0x80),
            ],
        ),
        (
            "<|im_start|>user\nHi<|im_end|>",
            bpe_ids(&[
                "<|im_start|>",
                "u",
                "s",
                "e",
                "r",
                "\n",
                "H",
                "i",
                "<|im_end|>",
            ]),
        ),
        (
            "<think>\nx</think>",
            bpe_ids(&["<think>", "\n", "x", "</think>"]),
        ),
        ("", vec![]),
    ];
    for (text, expected) in cases {
        assert_eq!(
            &tokenizer.encode(text, false).unwrap(),
            expected,
            "{text:?}"
        );
    }
}

#[test]
fn sentencepiece_gives_exact_ids() {
    let tokenizer = spm(None);
    let cases: &[(&str, &[&str])] = &[
        ("Hello the world", &["▁Hello", "▁the", "▁world"]),
        ("the  world", &["▁the", "▁", "▁world"]),
        (" Hello", &["▁", "▁Hello"]),
        ("a\n\nb", &["▁", "a", "<0x0A>", "<0x0A>", "b"]),
        ("中文", &["▁", "中文"]),
        ("你", &["▁", "<0xE4>", "<0xBD>", "<0xA0>"]),
        ("😀", &["▁", "<0xF0>", "<0x9F>", "<0x98>", "<0x80>"]),
        // A space prefix after every special token, as llama.cpp does.
        ("<s>Hello", &["<s>", "▁Hello"]),
        ("<|user|>\nHi", &["<|user|>", "▁", "<0x0A>", "H", "<0x69>"]),
        ("", &[]),
    ];
    for (text, pieces) in cases {
        assert_eq!(
            tokenizer.encode(text, false).unwrap(),
            spm_ids(pieces),
            "{text:?}"
        );
    }
}

#[test]
fn gemma_style_sentencepiece_has_no_space_prefix() {
    let tokenizer = spm(Some(false));
    assert_eq!(
        tokenizer.encode("Hello the world", false).unwrap(),
        spm_ids(&["Hello", "▁the", "▁world"])
    );
    assert_eq!(
        tokenizer.encode("<start_of_turn>user", false).unwrap(),
        spm_ids(&["<start_of_turn>", "<0x75>", "<0x73>", "e", "r"])
    );
    assert_eq!(
        tokenizer
            .decode(&tokenizer.encode(" Hello the world", false).unwrap())
            .unwrap(),
        " Hello the world"
    );
}

#[test]
fn phi3_control_tokens_eat_the_whitespace_after_them() {
    let mut metadata = testing::spm_metadata(None);
    metadata.insert(
        "general.name".into(),
        candle_core::quantized::gguf_file::Value::String("Phi 3 Mini (phi3)".into()),
    );
    let tokenizer = from_metadata(metadata);
    assert_eq!(
        tokenizer.encode("<|user|>\nHi", false).unwrap(),
        spm_ids(&["<|user|>", "▁", "H", "<0x69>"])
    );
}

#[test]
fn bos_is_added_once() {
    let tokenizer = spm(None);
    assert!(tokenizer.add_bos());
    assert_eq!(tokenizer.bos_id(), Some(1));
    let hello = spm_ids(&["▁Hello"]);
    assert_eq!(
        tokenizer.encode("Hello", true).unwrap(),
        [&[1], &hello[..]].concat()
    );
    assert_eq!(tokenizer.encode("Hello", false).unwrap(), hello);
    // A chat template that writes the BOS token itself.
    assert_eq!(
        tokenizer.encode("<s>Hello", true).unwrap(),
        [&[1], &hello[..]].concat()
    );

    let qwen = bpe();
    assert!(!qwen.add_bos());
    assert_eq!(qwen.bos_id(), None);
    assert_eq!(qwen.encode("Hi", true).unwrap(), bpe_ids(&["H", "i"]));
}

#[test]
fn end_tokens_come_from_metadata_and_the_vocabulary() {
    assert_eq!(bpe().eos_ids(), bpe_ids(&["<|im_end|>", "<|endoftext|>"]));
    assert_eq!(spm(None).eos_ids(), spm_ids(&["</s>", "<|end|>"]));
}

#[test]
fn decoding_leaves_out_control_tokens_but_shows_added_ones() {
    let tokenizer = bpe();
    let ids = tokenizer
        .encode("<|im_start|>user\nHi<|im_end|>", false)
        .unwrap();
    assert_eq!(tokenizer.decode(&ids).unwrap(), "user\nHi");
    let ids = tokenizer.encode("<think>\nx</think>", false).unwrap();
    assert_eq!(tokenizer.decode(&ids).unwrap(), "<think>\nx</think>");
    let error = tokenizer.decode(&[1, 9999]).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("token 9999 is outside the vocabulary of 280 tokens"),
        "{error}"
    );

    let spm = spm(None);
    let ids = spm.encode("<s>Hello 你😀", false).unwrap();
    assert_eq!(spm.decode(&ids).unwrap(), "Hello 你😀");
}

fn stream(tokenizer: &LocalTokenizer, ids: &[u32]) -> Vec<Option<String>> {
    let mut decoder = tokenizer.stream_decoder();
    ids.iter().map(|id| decoder.step(*id).unwrap()).collect()
}

#[test]
fn streaming_holds_back_split_characters() {
    let tokenizer = spm(None);
    let ids = tokenizer.encode("Hello 你😀", false).unwrap();
    let some = |s: &str| Some(s.to_owned());
    assert_eq!(
        stream(&tokenizer, &ids),
        [
            some(" Hello"),
            some(" "),
            None,
            None,
            some("你"),
            None,
            None,
            None,
            some("😀"),
        ]
    );

    let tokenizer = bpe();
    let ids = tokenizer.encode("Hi 你好😀", false).unwrap();
    let pieces: Vec<_> = stream(&tokenizer, &ids);
    assert_eq!(
        pieces,
        [
            some("H"),
            some("i"),
            some(" "),
            some("你好"),
            None,
            None,
            None,
            some("😀")
        ]
    );
}

#[test]
fn streaming_skips_special_tokens_and_flushes_a_cut_character() {
    let tokenizer = bpe();
    let mut decoder = tokenizer.stream_decoder();
    let im_end = bpe_ids(&["<|im_end|>"])[0];
    assert_eq!(decoder.step(im_end).unwrap(), None);
    assert_eq!(decoder.step(bpe_byte(0xF0)).unwrap(), None);
    assert_eq!(decoder.step(bpe_byte(0x9F)).unwrap(), None);
    assert_eq!(decoder.flush().unwrap().as_deref(), Some("\u{FFFD}"));
    assert_eq!(decoder.flush().unwrap(), None);
    // After a flush the decoder starts afresh.
    assert_eq!(
        decoder.step(bpe_ids(&["H"])[0]).unwrap().as_deref(),
        Some("H")
    );
}

fn write_json(folder: &Path, name: &str, json: &serde_json::Value) -> std::path::PathBuf {
    let path = folder.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(json).unwrap()).unwrap();
    path
}

#[test]
fn a_tokenizer_json_beside_the_model_is_used_and_agrees() {
    let folder = tempfile::tempdir().unwrap();
    let model = folder.path().join("tiny-qwen.gguf");
    let metadata = testing::bpe_metadata();
    let rows = token_count(&metadata);
    let gguf = content(metadata);

    let built = LocalTokenizer::load(&model, &gguf, rows).unwrap();
    assert_eq!(built.source(), &TokenizerSource::Metadata);

    let path = write_json(
        folder.path(),
        "tiny-qwen.tokenizer.json",
        &testing::bpe_tokenizer_json(),
    );
    let file = LocalTokenizer::load(&model, &gguf, rows).unwrap();
    assert_eq!(file.source(), &TokenizerSource::File(path));
    for text in [
        "Hello the world",
        "a   b\n\nc",
        "你好😀",
        "<|im_start|>x<|im_end|>",
    ] {
        assert_eq!(
            file.encode(text, false).unwrap(),
            built.encode(text, false).unwrap(),
            "{text:?}"
        );
    }
    assert_eq!(file.eos_ids(), built.eos_ids());
}

#[test]
fn padding_placeholders_of_the_gguf_are_not_a_mismatch() {
    let folder = tempfile::tempdir().unwrap();
    let mut metadata = testing::bpe_metadata();
    testing::pad(&mut metadata, 3);
    let rows = token_count(&metadata);
    let path = write_json(
        folder.path(),
        "tokenizer.json",
        &testing::bpe_tokenizer_json(),
    );
    let tokenizer = LocalTokenizer::from_file(&path, &content(metadata), rows).unwrap();
    assert_eq!(tokenizer.vocab_size(), 283);
}

#[test]
fn a_tokenizer_json_of_another_model_is_refused_with_its_name() {
    let folder = tempfile::tempdir().unwrap();
    let metadata = testing::bpe_metadata();
    let rows = token_count(&metadata);
    let gguf = content(metadata);

    let mut renamed = testing::bpe_tokenizer_json();
    let vocab = renamed["model"]["vocab"].as_object_mut().unwrap();
    let q = vocab.remove("Q").unwrap();
    vocab.insert("Quack".into(), q);
    let path = write_json(folder.path(), "renamed.json", &renamed);
    let error = LocalTokenizer::from_file(&path, &gguf, rows).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "The tokenizer file {} does not belong to this model: token 48 is \"Quack\" there and \"Q\" in the model.",
            path.display()
        )
    );

    let mut longer = testing::bpe_tokenizer_json();
    longer["added_tokens"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "id": 280, "content": "<|extra|>", "single_word": false, "lstrip": false,
            "rstrip": false, "normalized": false, "special": true
        }));
    let path = write_json(folder.path(), "longer.json", &longer);
    let error = LocalTokenizer::from_file(&path, &gguf, rows).unwrap_err();
    assert!(
        error
            .to_string()
            .ends_with("does not belong to this model: it has 281 tokens and the model 280."),
        "{error}"
    );

    let path = folder.path().join("broken.json");
    std::fs::write(&path, "{ not json").unwrap();
    let error = LocalTokenizer::from_file(&path, &gguf, rows).unwrap_err();
    assert!(
        error.to_string().starts_with(&format!(
            "Cannot read the tokenizer file {}",
            path.display()
        )),
        "{error}"
    );
}

#[test]
fn unsupported_tokenizers_and_wrong_sizes_are_clear_errors() {
    let mut metadata = testing::bpe_metadata();
    let rows = token_count(&metadata);
    let error = LocalTokenizer::from_metadata(&content(metadata.clone()), rows + 1).unwrap_err();
    assert_eq!(
        error.to_string(),
        "The tokenizer has 280 tokens but the model has 281 token embeddings, so they do not belong together."
    );

    metadata.insert(
        "tokenizer.ggml.pre".into(),
        candle_core::quantized::gguf_file::Value::String("kimi-k2".into()),
    );
    let error = LocalTokenizer::from_metadata(&content(metadata.clone()), rows).unwrap_err();
    assert!(
        error.to_string().contains("(\"kimi-k2\") is not supported"),
        "{error}"
    );

    metadata.insert(
        "tokenizer.ggml.model".into(),
        candle_core::quantized::gguf_file::Value::String("bert".into()),
    );
    let error = LocalTokenizer::from_metadata(&content(metadata), rows).unwrap_err();
    assert!(
        error.to_string().contains("(\"bert\") is not supported"),
        "{error}"
    );
    assert_eq!(error.code(), "tokenizer_unsupported");
}

/// llama.cpp's SentencePiece tokenizer, written plainly: repeatedly join the
/// adjacent pair whose joined text is a token with the best score (the
/// leftmost on ties), then spell unknown symbols as byte tokens.
fn llama_cpp_spm(text: &str, add_space_prefix: bool) -> Vec<u32> {
    let tokens = testing::spm_tokens();
    let ids: HashMap<&str, usize> = tokens
        .iter()
        .enumerate()
        .map(|(id, (t, _, _))| (t.as_str(), id))
        .collect();
    let escaped = text.replace(' ', "▁");
    let text = if add_space_prefix && !text.is_empty() {
        format!("▁{escaped}")
    } else {
        escaped
    };
    let mut symbols: Vec<String> = text.chars().map(String::from).collect();
    loop {
        let mut best: Option<(usize, f32)> = None;
        for i in 0..symbols.len().saturating_sub(1) {
            let joined = format!("{}{}", symbols[i], symbols[i + 1]);
            if let Some(&id) = ids.get(joined.as_str()) {
                let score = tokens[id].1;
                if best.is_none_or(|(_, s)| score > s) {
                    best = Some((i, score));
                }
            }
        }
        let Some((i, _)) = best else { break };
        let right = symbols.remove(i + 1);
        symbols[i].push_str(&right);
    }
    symbols
        .iter()
        .flat_map(|symbol| match ids.get(symbol.as_str()) {
            Some(&id) => vec![id as u32],
            None => symbol
                .bytes()
                .map(|b| ids[format!("<0x{b:02X}>").as_str()] as u32)
                .collect(),
        })
        .collect()
}

/// The concatenated pieces of a stream decoder, flushed.
fn streamed(tokenizer: &LocalTokenizer, ids: &[u32]) -> String {
    let mut decoder = tokenizer.stream_decoder();
    let mut text: String = ids
        .iter()
        .filter_map(|id| decoder.step(*id).unwrap())
        .collect();
    text.extend(decoder.flush().unwrap());
    text
}

/// Text made mostly of the small vocabularies' pieces.
const VOCAB_TEXT: &str = "[ abdehlortwxHi中文你😀\n]{0,32}";

proptest! {
    #[test]
    fn sentencepiece_matches_llama_cpp(text in VOCAB_TEXT, prefix in any::<bool>()) {
        let tokenizer = spm(Some(prefix));
        prop_assert_eq!(tokenizer.encode(&text, false).unwrap(), llama_cpp_spm(&text, prefix));
    }

    #[test]
    fn sentencepiece_round_trips_any_text(text in "[^▁<]*", prefix in any::<bool>()) {
        let tokenizer = spm(Some(prefix));
        let ids = tokenizer.encode(&text, false).unwrap();
        prop_assert_eq!(tokenizer.decode(&ids).unwrap(), text.clone());
        // Streamed, the text follows a prompt, so its prefix space stays.
        let expected = if prefix && !text.is_empty() { format!(" {text}") } else { text };
        prop_assert_eq!(streamed(&tokenizer, &ids), expected);
    }

    #[test]
    fn byte_level_bpe_round_trips_any_text(text in "[^<]*") {
        let tokenizer = bpe();
        let ids = tokenizer.encode(&text, false).unwrap();
        prop_assert_eq!(tokenizer.decode(&ids).unwrap(), text.clone());
        prop_assert_eq!(streamed(&tokenizer, &ids), text);
    }

    #[test]
    fn byte_level_bpe_matches_its_tokenizer_json(text in "\\PC*|[ abdehlortwxHi中文你好😀\n]{0,32}") {
        let built = bpe();
        let json = tokenizers::Tokenizer::from_bytes(
            serde_json::to_vec(&testing::bpe_tokenizer_json()).unwrap(),
        )
        .unwrap();
        let expected = json.encode(text.as_str(), false).unwrap().get_ids().to_vec();
        prop_assert_eq!(built.encode(&text, false).unwrap(), expected);
    }
}
