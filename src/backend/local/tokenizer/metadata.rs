//! The tokenizer a GGUF file describes in its `tokenizer.ggml.*` metadata,
//! read into plain Rust values once so the builders never touch GGUF types.

use std::collections::HashMap;

use candle_core::quantized::gguf_file::Value;

use super::TokenizerError;

/// What llama.cpp's converter says a token is (`gguf.TokenType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenType {
    Normal,
    Unknown,
    /// Chat markers, BOS/EOS: never produced from plain text by merges and
    /// not shown when decoding.
    Control,
    /// Added pieces matched whole in the text and shown when decoding
    /// (Qwen3's `<think>`, Gemma's runs of spaces).
    UserDefined,
    Unused,
    /// `<0xXX>`: SentencePiece's byte fallback.
    Byte,
}

impl TokenType {
    fn from_gguf(value: i64) -> TokenType {
        match value {
            2 => TokenType::Unknown,
            3 => TokenType::Control,
            4 => TokenType::UserDefined,
            5 => TokenType::Unused,
            6 => TokenType::Byte,
            // 1, and anything a newer converter invents, is a plain token.
            _ => TokenType::Normal,
        }
    }
}

/// The GGUF's tokenizer description.
#[derive(Debug, Clone)]
pub(crate) struct GgufVocab {
    /// `tokenizer.ggml.model`: "gpt2", "llama", ...
    pub model: String,
    /// `tokenizer.ggml.pre`: which pre-tokenizer a "gpt2" model uses.
    pub pre: Option<String>,
    pub tokens: Vec<String>,
    /// One per token; `Normal` when the file has no types.
    pub types: Vec<TokenType>,
    /// SentencePiece scores; empty for BPE models.
    pub scores: Vec<f32>,
    /// BPE merges, "left right".
    pub merges: Vec<String>,
    pub bos: Option<u32>,
    pub eos: Option<u32>,
    pub eot: Option<u32>,
    pub eom: Option<u32>,
    pub unk: Option<u32>,
    pub add_bos: Option<bool>,
    pub add_space_prefix: Option<bool>,
    /// `general.name`: llama.cpp keys one tokenizer quirk on it (Phi-3).
    pub name: Option<String>,
}

const PREFIX: &str = "tokenizer.ggml.";

impl GgufVocab {
    pub(crate) fn from_metadata(metadata: &HashMap<String, Value>) -> Result<Self, TokenizerError> {
        let meta = Metadata(metadata);
        let model = meta
            .string("model")?
            .ok_or_else(|| TokenizerError::metadata("tokenizer.ggml.model", "is missing"))?;
        let tokens = meta
            .strings("tokens")?
            .ok_or_else(|| TokenizerError::metadata("tokenizer.ggml.tokens", "is missing"))?;
        let n = tokens.len();
        let types = match meta.array("token_type")? {
            Some(values) => {
                let types = values
                    .iter()
                    .map(|v| integer(v).map(TokenType::from_gguf))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| {
                        TokenizerError::metadata("tokenizer.ggml.token_type", "holds non-integers")
                    })?;
                same_length("tokenizer.ggml.token_type", types.len(), n)?;
                types
            }
            None => vec![TokenType::Normal; n],
        };
        let scores = match meta.array("scores")? {
            Some(values) => {
                let scores = values
                    .iter()
                    .map(float)
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| {
                        TokenizerError::metadata("tokenizer.ggml.scores", "holds non-numbers")
                    })?;
                same_length("tokenizer.ggml.scores", scores.len(), n)?;
                scores
            }
            None => Vec::new(),
        };
        let vocab = GgufVocab {
            pre: meta.string("pre")?,
            merges: meta.strings("merges")?.unwrap_or_default(),
            bos: meta.token_id("bos_token_id", n)?,
            eos: meta.token_id("eos_token_id", n)?,
            eot: meta.token_id("eot_token_id", n)?,
            eom: meta.token_id("eom_token_id", n)?,
            unk: meta.token_id("unknown_token_id", n)?,
            add_bos: meta.bool("add_bos_token")?,
            add_space_prefix: meta.bool("add_space_prefix")?,
            name: match metadata.get("general.name") {
                Some(Value::String(name)) => Some(name.clone()),
                _ => None,
            },
            model,
            tokens,
            types,
            scores,
        };
        Ok(vocab)
    }

    /// Every token's id, as a tokenizer model's vocabulary; the last of
    /// duplicates wins, as in `id_of`.
    pub(crate) fn ids(&self) -> ahash::AHashMap<String, u32> {
        self.tokens
            .iter()
            .enumerate()
            .map(|(id, token)| (token.clone(), id as u32))
            .collect()
    }

    pub(crate) fn id_of(&self, text: &str) -> Option<u32> {
        // The last of duplicates wins, as in llama.cpp's token map.
        self.tokens
            .iter()
            .rposition(|t| t == text)
            .map(|i| i as u32)
    }
}

/// The text of the token that `tokenizer.ggml.<name>` names, without
/// reading the whole vocabulary (the chat template needs only BOS and EOS).
pub(crate) fn token_text(metadata: &HashMap<String, Value>, name: &str) -> Option<String> {
    let id = integer(metadata.get(&format!("{PREFIX}{name}"))?)?;
    let Some(Value::Array(tokens)) = metadata.get("tokenizer.ggml.tokens") else {
        return None;
    };
    match tokens.get(usize::try_from(id).ok()?)? {
        Value::String(text) => Some(text.clone()),
        _ => None,
    }
}

fn same_length(key: &str, len: usize, tokens: usize) -> Result<(), TokenizerError> {
    if len == tokens {
        Ok(())
    } else {
        Err(TokenizerError::metadata(
            key,
            format!("has {len} entries for {tokens} tokens"),
        ))
    }
}

/// Typed access to `tokenizer.ggml.<name>`, with errors that name the key.
struct Metadata<'a>(&'a HashMap<String, Value>);

impl Metadata<'_> {
    fn get(&self, name: &str) -> Option<(String, &Value)> {
        let key = format!("{PREFIX}{name}");
        self.0.get(&key).map(|value| (key, value))
    }

    fn string(&self, name: &str) -> Result<Option<String>, TokenizerError> {
        match self.get(name) {
            None => Ok(None),
            Some((_, Value::String(s))) => Ok(Some(s.clone())),
            Some((key, _)) => Err(TokenizerError::metadata(&key, "is not a string")),
        }
    }

    fn bool(&self, name: &str) -> Result<Option<bool>, TokenizerError> {
        match self.get(name) {
            None => Ok(None),
            Some((_, Value::Bool(b))) => Ok(Some(*b)),
            Some((key, value)) => match integer(value) {
                Some(i) => Ok(Some(i != 0)),
                None => Err(TokenizerError::metadata(&key, "is not a boolean")),
            },
        }
    }

    fn token_id(&self, name: &str, tokens: usize) -> Result<Option<u32>, TokenizerError> {
        let Some((key, value)) = self.get(name) else {
            return Ok(None);
        };
        match integer(value) {
            // Converters write -1 (or u32::MAX) for "none".
            Some(id) if id < 0 || id == i64::from(u32::MAX) => Ok(None),
            Some(id) if (id as u64) < tokens as u64 => Ok(Some(id as u32)),
            Some(id) => Err(TokenizerError::metadata(
                &key,
                format!("is {id}, outside the {tokens} tokens"),
            )),
            None => Err(TokenizerError::metadata(&key, "is not an integer")),
        }
    }

    fn array(&self, name: &str) -> Result<Option<&Vec<Value>>, TokenizerError> {
        match self.get(name) {
            None => Ok(None),
            Some((_, Value::Array(values))) => Ok(Some(values)),
            Some((key, _)) => Err(TokenizerError::metadata(&key, "is not an array")),
        }
    }

    fn strings(&self, name: &str) -> Result<Option<Vec<String>>, TokenizerError> {
        let Some(values) = self.array(name)? else {
            return Ok(None);
        };
        values
            .iter()
            .map(|v| match v {
                Value::String(s) => Some(s.clone()),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .map(Some)
            .ok_or_else(|| {
                TokenizerError::metadata(&format!("{PREFIX}{name}"), "holds non-strings")
            })
    }
}

fn integer(value: &Value) -> Option<i64> {
    Some(match *value {
        Value::U8(v) => v.into(),
        Value::I8(v) => v.into(),
        Value::U16(v) => v.into(),
        Value::I16(v) => v.into(),
        Value::U32(v) => v.into(),
        Value::I32(v) => v.into(),
        Value::U64(v) => i64::try_from(v).ok()?,
        Value::I64(v) => v,
        _ => return None,
    })
}

fn float(value: &Value) -> Option<f32> {
    match *value {
        Value::F32(v) => Some(v),
        Value::F64(v) => Some(v as f32),
        _ => integer(value).map(|i| i as f32),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Value {
        Value::Array(items.iter().map(|s| Value::String((*s).into())).collect())
    }

    fn metadata(entries: Vec<(&str, Value)>) -> HashMap<String, Value> {
        entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect()
    }

    #[test]
    fn reads_ids_flags_and_types_of_any_integer_width() {
        let meta = metadata(vec![
            ("tokenizer.ggml.model", Value::String("llama".into())),
            (
                "tokenizer.ggml.tokens",
                strings(&["<unk>", "<s>", "</s>", "a"]),
            ),
            (
                "tokenizer.ggml.token_type",
                Value::Array(vec![
                    Value::I32(2),
                    Value::I32(3),
                    Value::I32(3),
                    Value::I32(1),
                ]),
            ),
            ("tokenizer.ggml.bos_token_id", Value::U32(1)),
            ("tokenizer.ggml.eos_token_id", Value::U64(2)),
            ("tokenizer.ggml.eot_token_id", Value::I32(-1)),
            ("tokenizer.ggml.add_bos_token", Value::Bool(true)),
            ("general.name", Value::String("Tiny".into())),
        ]);
        let vocab = GgufVocab::from_metadata(&meta).unwrap();
        assert_eq!(vocab.model, "llama");
        assert_eq!((vocab.bos, vocab.eos, vocab.eot), (Some(1), Some(2), None));
        assert_eq!(vocab.add_bos, Some(true));
        assert_eq!(vocab.add_space_prefix, None);
        assert_eq!(vocab.types[0], TokenType::Unknown);
        assert_eq!(vocab.types[3], TokenType::Normal);
        assert!(vocab.scores.is_empty());
        assert_eq!(vocab.name.as_deref(), Some("Tiny"));
        assert_eq!(vocab.id_of("a"), Some(3));
        assert_eq!(token_text(&meta, "bos_token_id").as_deref(), Some("<s>"));
        assert_eq!(token_text(&meta, "eot_token_id"), None);
        assert_eq!(token_text(&meta, "pad_token_id"), None);
    }

    #[test]
    fn broken_metadata_names_the_key() {
        let missing =
            GgufVocab::from_metadata(&metadata(vec![("tokenizer.ggml.tokens", strings(&["a"]))]))
                .unwrap_err();
        assert!(
            missing
                .to_string()
                .contains("tokenizer.ggml.model is missing")
        );

        let short_types = GgufVocab::from_metadata(&metadata(vec![
            ("tokenizer.ggml.model", Value::String("gpt2".into())),
            ("tokenizer.ggml.tokens", strings(&["a", "b"])),
            (
                "tokenizer.ggml.token_type",
                Value::Array(vec![Value::I32(1)]),
            ),
        ]))
        .unwrap_err();
        assert!(
            short_types
                .to_string()
                .contains("tokenizer.ggml.token_type has 1 entries for 2 tokens"),
            "{short_types}"
        );

        let bad_id = GgufVocab::from_metadata(&metadata(vec![
            ("tokenizer.ggml.model", Value::String("gpt2".into())),
            ("tokenizer.ggml.tokens", strings(&["a", "b"])),
            ("tokenizer.ggml.eos_token_id", Value::U32(7)),
        ]))
        .unwrap_err();
        assert!(
            bad_id
                .to_string()
                .contains("tokenizer.ggml.eos_token_id is 7, outside the 2 tokens")
        );
    }
}
