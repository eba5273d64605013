//! Small hand-built vocabularies, as GGUF metadata and as Hugging Face
//! tokenizer.json files, for the tokenizer tests.

use std::collections::HashMap;

use candle_core::quantized::gguf_file::{Content, Value, VersionedMagic};
use serde_json::json;

use super::metadata::GgufVocab;

pub(crate) const NORMAL: i32 = 1;
pub(crate) const UNKNOWN: i32 = 2;
pub(crate) const CONTROL: i32 = 3;
pub(crate) const USER_DEFINED: i32 = 4;
pub(crate) const UNUSED: i32 = 5;
pub(crate) const BYTE: i32 = 6;

/// GPT-2's byte-to-character table, written out independently of the
/// tokenizers crate: printable bytes stand for themselves, the others are
/// shifted past U+00FF in byte order.
pub(crate) fn byte_chars() -> Vec<(u8, char)> {
    let printable = |b: u8| matches!(b, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF);
    let mut table: Vec<(u8, char)> = (0..=255u8)
        .filter(|b| printable(*b))
        .map(|b| (b, char::from(b)))
        .collect();
    for (shifted, b) in (0..=255u8).filter(|b| !printable(*b)).enumerate() {
        table.push((b, char::from_u32(256 + shifted as u32).unwrap()));
    }
    table
}

/// `text` as a byte-level BPE vocabulary spells it.
pub(crate) fn byte_level(text: &str) -> String {
    let table: HashMap<u8, char> = byte_chars().into_iter().collect();
    text.bytes().map(|b| table[&b]).collect()
}

/// The merges of the small BPE vocabulary, in rank order, as text.
const BPE_MERGES: &[(&str, &str)] = &[
    (" ", "t"),
    ("h", "e"),
    (" t", "he"),
    ("l", "l"),
    ("e", "ll"),
    ("H", "ell"),
    ("Hell", "o"),
    (" ", "w"),
    ("o", "r"),
    (" w", "or"),
    ("l", "d"),
    (" wor", "ld"),
    ("\n", "\n"),
    (" ", " "),
    ("\u{e4}", "\u{bd}"), // 你 is E4 BD A0
    ("\u{e4}\u{bd}", "\u{142}"),
    ("\u{e5}", "\u{a5}"), // 好 is E5 A5 BD
    ("\u{e5}\u{a5}", "\u{bd}"),
    ("\u{e4}\u{bd}\u{142}", "\u{e5}\u{a5}\u{bd}"),
];

/// Pieces of the BPE vocabulary given in byte-level spelling already.
fn bpe_merge_pieces() -> Vec<(String, String)> {
    BPE_MERGES
        .iter()
        .map(|(a, b)| {
            // Byte-level spelling of text, except the CJK byte characters
            // that are written above as their byte-level characters.
            let spell = |s: &str| {
                if s.chars().any(|c| c as u32 > 0x7f) {
                    s.to_owned()
                } else {
                    byte_level(s)
                }
            };
            (spell(a), spell(b))
        })
        .collect()
}

/// Tokens of the small BPE vocabulary with their GGUF token types: the 256
/// byte characters, one token per merge, then chat markers.
pub(crate) fn bpe_tokens() -> Vec<(String, i32)> {
    let mut tokens: Vec<(String, i32)> = byte_chars()
        .into_iter()
        .map(|(_, c)| (c.to_string(), NORMAL))
        .collect();
    for (a, b) in bpe_merge_pieces() {
        tokens.push((format!("{a}{b}"), NORMAL));
    }
    for (text, kind) in [
        ("<|endoftext|>", CONTROL),
        ("<|im_start|>", CONTROL),
        ("<|im_end|>", CONTROL),
        ("<think>", USER_DEFINED),
        ("</think>", USER_DEFINED),
    ] {
        tokens.push((text.to_owned(), kind));
    }
    tokens
}

fn strings<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Value {
    Value::Array(
        items
            .into_iter()
            .map(|s| Value::String(s.as_ref().to_owned()))
            .collect(),
    )
}

fn types(items: impl IntoIterator<Item = i32>) -> Value {
    Value::Array(items.into_iter().map(Value::I32).collect())
}

/// GGUF metadata of the small byte-level BPE vocabulary ("qwen2").
pub(crate) fn bpe_metadata() -> HashMap<String, Value> {
    let tokens = bpe_tokens();
    let id = |text: &str| tokens.iter().position(|(t, _)| t == text).unwrap() as u32;
    HashMap::from([
        ("tokenizer.ggml.model".into(), Value::String("gpt2".into())),
        ("tokenizer.ggml.pre".into(), Value::String("qwen2".into())),
        (
            "tokenizer.ggml.tokens".into(),
            strings(tokens.iter().map(|(t, _)| t)),
        ),
        (
            "tokenizer.ggml.token_type".into(),
            types(tokens.iter().map(|(_, k)| *k)),
        ),
        (
            "tokenizer.ggml.merges".into(),
            strings(bpe_merge_pieces().iter().map(|(a, b)| format!("{a} {b}"))),
        ),
        (
            "tokenizer.ggml.eos_token_id".into(),
            Value::U32(id("<|im_end|>")),
        ),
        (
            "tokenizer.ggml.padding_token_id".into(),
            Value::U32(id("<|endoftext|>")),
        ),
        ("tokenizer.ggml.add_bos_token".into(), Value::Bool(false)),
    ])
}

pub(crate) fn bpe_vocab() -> GgufVocab {
    GgufVocab::from_metadata(&bpe_metadata()).unwrap()
}

/// The small BPE vocabulary as Hugging Face writes a Qwen2 tokenizer.json.
pub(crate) fn bpe_tokenizer_json() -> serde_json::Value {
    let tokens = bpe_tokens();
    let vocab: serde_json::Map<String, serde_json::Value> = tokens
        .iter()
        .enumerate()
        .filter(|(_, (_, kind))| *kind == NORMAL)
        .map(|(id, (t, _))| (t.clone(), json!(id)))
        .collect();
    let added: Vec<_> = tokens
        .iter()
        .enumerate()
        .filter(|(_, (_, kind))| *kind != NORMAL)
        .map(|(id, (t, kind))| {
            json!({"id": id, "content": t, "single_word": false, "lstrip": false,
                   "rstrip": false, "normalized": false, "special": *kind == CONTROL})
        })
        .collect();
    let merges: Vec<_> = bpe_merge_pieces()
        .into_iter()
        .map(|(a, b)| json!([a, b]))
        .collect();
    json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added,
        "normalizer": null,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"},
             "behavior": "Isolated", "invert": false},
            {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false}
        ]},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false},
        "decoder": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false},
        "model": {"type": "BPE", "dropout": null, "unk_token": null,
                  "continuing_subword_prefix": "", "end_of_word_suffix": "",
                  "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
                  "vocab": vocab, "merges": merges}
    })
}

/// Pieces of the small SentencePiece vocabulary after its byte tokens,
/// best score first.
const SPM_PIECES: &[&str] = &[
    "▁t", "he", "▁the", "ll", "ell", "Hell", "Hello", "▁Hello", "▁w", "or", "▁wor", "ld", "▁world",
    "中文", "▁▁",
];

/// Single characters of the small SentencePiece vocabulary.
const SPM_CHARS: &[&str] = &[
    "▁", "t", "h", "e", "l", "H", "o", "w", "r", "d", "中", "文", "a", "b", "x",
];

/// Tokens, scores and types of the small SentencePiece vocabulary:
/// `<unk>`, `<s>`, `</s>`, 256 byte tokens, merged pieces, characters,
/// then chat markers.
pub(crate) fn spm_tokens() -> Vec<(String, f32, i32)> {
    let mut tokens = vec![
        ("<unk>".to_owned(), 0.0, UNKNOWN),
        ("<s>".to_owned(), 0.0, CONTROL),
        ("</s>".to_owned(), 0.0, CONTROL),
    ];
    tokens.extend((0..=255u8).map(|b| (format!("<0x{b:02X}>"), 0.0, BYTE)));
    tokens.extend(
        SPM_PIECES
            .iter()
            .enumerate()
            .map(|(i, p)| ((*p).to_owned(), -(i as f32) - 1.0, NORMAL)),
    );
    tokens.extend(
        SPM_CHARS
            .iter()
            .enumerate()
            .map(|(i, c)| ((*c).to_owned(), -100.0 - i as f32, NORMAL)),
    );
    tokens.push(("<|user|>".to_owned(), 0.0, CONTROL));
    tokens.push(("<|end|>".to_owned(), 0.0, CONTROL));
    tokens.push(("<start_of_turn>".to_owned(), 0.0, CONTROL));
    tokens
}

/// GGUF metadata of the small SentencePiece vocabulary; `add_space_prefix`
/// is written only when given (llama.cpp's default is true).
pub(crate) fn spm_metadata(add_space_prefix: Option<bool>) -> HashMap<String, Value> {
    let tokens = spm_tokens();
    let mut metadata = HashMap::from([
        ("tokenizer.ggml.model".into(), Value::String("llama".into())),
        (
            "tokenizer.ggml.tokens".into(),
            strings(tokens.iter().map(|(t, _, _)| t)),
        ),
        (
            "tokenizer.ggml.scores".into(),
            Value::Array(tokens.iter().map(|(_, s, _)| Value::F32(*s)).collect()),
        ),
        (
            "tokenizer.ggml.token_type".into(),
            types(tokens.iter().map(|(_, _, k)| *k)),
        ),
        ("tokenizer.ggml.bos_token_id".into(), Value::U32(1)),
        ("tokenizer.ggml.eos_token_id".into(), Value::U32(2)),
        ("tokenizer.ggml.unknown_token_id".into(), Value::U32(0)),
    ]);
    if let Some(add) = add_space_prefix {
        metadata.insert("tokenizer.ggml.add_space_prefix".into(), Value::Bool(add));
    }
    metadata
}

pub(crate) fn content(metadata: HashMap<String, Value>) -> Content {
    Content {
        magic: VersionedMagic::GgufV3,
        metadata,
        tensor_infos: HashMap::new(),
        tensor_data_offset: 0,
    }
}

/// The number of tokens `metadata` lists.
pub(crate) fn token_count(metadata: &HashMap<String, Value>) -> usize {
    match &metadata["tokenizer.ggml.tokens"] {
        Value::Array(tokens) => tokens.len(),
        _ => unreachable!("test metadata lists tokens"),
    }
}

/// Appends llama.cpp-style `[PAD<id>]` placeholders to a vocabulary.
pub(crate) fn pad(metadata: &mut HashMap<String, Value>, extra: usize) {
    let n = token_count(metadata);
    let Some(Value::Array(tokens)) = metadata.get_mut("tokenizer.ggml.tokens") else {
        unreachable!()
    };
    tokens.extend((n..n + extra).map(|id| Value::String(format!("[PAD{id}]"))));
    let Some(Value::Array(types)) = metadata.get_mut("tokenizer.ggml.token_type") else {
        unreachable!()
    };
    types.extend((0..extra).map(|_| Value::I32(UNUSED)));
}
