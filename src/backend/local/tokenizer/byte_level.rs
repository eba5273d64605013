//! GPT-2 style byte-level BPE (`tokenizer.ggml.model = "gpt2"`): Llama 3,
//! Qwen 2/2.5/3, SmolLM, Phi-2, DeepSeek V3 and most newer models.
//!
//! The text is split into words by the model's pre-tokenizer regexes, each
//! word's bytes are mapped to printable characters, and the merges join
//! them. `tokenizer.ggml.pre` names the regexes; the table below follows
//! llama.cpp's `llm_tokenizer_bpe`, written as Hugging Face's tokenizer.json
//! files write them (a `Split` per llama.cpp regex, then `ByteLevel`), so a
//! tokenizer built here and the model's own tokenizer.json agree.

use ahash::AHashMap;
use tokenizers::decoders::byte_level::ByteLevel as ByteLevelDecoder;
use tokenizers::models::bpe::BPE;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::digits::Digits;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::{PreTokenizerWrapper, SplitDelimiterBehavior, Tokenizer};

use super::TokenizerError;
use super::metadata::GgufVocab;

/// Llama 3's regex (also Falcon 3, Pixtral): up to three digits per word.
const LLAMA3: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// Qwen 2's regex: Llama 3's with one digit per word.
const QWEN2: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// DeepSeek V3's three regexes, applied one after the other.
const DEEPSEEK_V3: [&str; 3] = [
    r"\p{N}{1,3}",
    r"[一-龥぀-ゟ゠-ヿ]+",
    r##"[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"##,
];

/// What llama.cpp falls back to when a GGUF names no pre-tokenizer.
const LLAMA_CPP_DEFAULT: [&str; 4] = [
    r"[\p{P}\$\+<=>\^~\|]+",
    r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)",
    r"\p{N}+",
    r"[0-9][0-9][0-9]",
];

/// The pre-tokenizers this module knows, by llama.cpp's names for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PreTokenizer {
    /// GPT-2's own regex.
    Gpt2,
    Llama3,
    Qwen2,
    /// GPT-2's regex after splitting every digit apart (SmolLM, StarCoder).
    DigitsThenGpt2,
    DeepseekV3,
    /// No `tokenizer.ggml.pre`: llama.cpp's default regexes.
    LlamaCppDefault,
}

impl PreTokenizer {
    pub(crate) fn from_name(pre: Option<&str>) -> Result<Self, TokenizerError> {
        Ok(match pre.unwrap_or("") {
            "" | "default" => PreTokenizer::LlamaCppDefault,
            "llama3" | "llama-v3" | "llama-bpe" | "falcon3" | "pixtral" => PreTokenizer::Llama3,
            "qwen2" | "deepseek-r1-qwen" | "stablelm2" | "megrez" => PreTokenizer::Qwen2,
            "smollm" | "starcoder" | "refact" | "command-r" | "codeshell" | "exaone"
            | "minerva-7b" => PreTokenizer::DigitsThenGpt2,
            "gpt-2" | "phi-2" | "mpt" | "olmo" | "roberta-bpe" => PreTokenizer::Gpt2,
            "deepseek-v3" => PreTokenizer::DeepseekV3,
            other => {
                return Err(TokenizerError::UnsupportedPreTokenizer {
                    pre: other.to_owned(),
                });
            }
        })
    }

    /// Whether a word that is itself in the vocabulary skips the merges
    /// (Llama 3's tokenizer.json sets `ignore_merges`; llama.cpp too).
    fn ignores_merges(self) -> bool {
        self == PreTokenizer::Llama3
    }

    /// Whether llama.cpp adds BOS by default for this pre-tokenizer when
    /// the GGUF does not say.
    pub(crate) fn adds_bos_by_default(self) -> bool {
        self == PreTokenizer::Llama3
    }

    fn build(self) -> Result<PreTokenizerWrapper, TokenizerError> {
        let byte_level = |use_regex: bool| {
            PreTokenizerWrapper::ByteLevel(
                ByteLevel::default()
                    .add_prefix_space(false)
                    .trim_offsets(false)
                    .use_regex(use_regex),
            )
        };
        let splits = |patterns: &[&str]| -> Result<Vec<PreTokenizerWrapper>, TokenizerError> {
            patterns
                .iter()
                .map(|pattern| {
                    Split::new(
                        SplitPattern::Regex((*pattern).to_owned()),
                        SplitDelimiterBehavior::Isolated,
                        false,
                    )
                    .map(PreTokenizerWrapper::Split)
                    .map_err(|e| TokenizerError::Build {
                        reason: format!("the pre-tokenizer regex {pattern:?} is invalid: {e}"),
                    })
                })
                .collect()
        };
        let steps = match self {
            PreTokenizer::Gpt2 => return Ok(byte_level(true)),
            PreTokenizer::DigitsThenGpt2 => vec![
                PreTokenizerWrapper::Digits(Digits::new(true)),
                byte_level(true),
            ],
            PreTokenizer::Llama3 => [splits(&[LLAMA3])?, vec![byte_level(false)]].concat(),
            PreTokenizer::Qwen2 => [splits(&[QWEN2])?, vec![byte_level(false)]].concat(),
            PreTokenizer::DeepseekV3 => [splits(&DEEPSEEK_V3)?, vec![byte_level(false)]].concat(),
            PreTokenizer::LlamaCppDefault => {
                [splits(&LLAMA_CPP_DEFAULT)?, vec![byte_level(false)]].concat()
            }
        };
        Ok(PreTokenizerWrapper::Sequence(Sequence::new(steps)))
    }
}

/// The tokenizer of a "gpt2" vocabulary, without its added tokens.
pub(crate) fn build(vocab: &GgufVocab, pre: PreTokenizer) -> Result<Tokenizer, TokenizerError> {
    let ids: AHashMap<String, u32> = vocab
        .tokens
        .iter()
        .enumerate()
        .map(|(id, token)| (token.clone(), id as u32))
        .collect();
    let merges = vocab
        .merges
        .iter()
        .map(|merge| {
            merge
                .split_once(' ')
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
                .ok_or_else(|| {
                    TokenizerError::metadata(
                        "tokenizer.ggml.merges",
                        format!("holds {merge:?}, which is not two tokens"),
                    )
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let model = BPE::builder()
        .vocab_and_merges(ids, merges)
        .ignore_merges(pre.ignores_merges())
        .build()
        .map_err(|e| TokenizerError::Build {
            reason: e.to_string(),
        })?;
    let mut tokenizer = Tokenizer::new(model);
    tokenizer.with_pre_tokenizer(Some(pre.build()?));
    tokenizer.with_decoder(Some(ByteLevelDecoder::default()));
    Ok(tokenizer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(pre: PreTokenizer, text: &str) -> Vec<String> {
        use tokenizers::{OffsetReferential, OffsetType, PreTokenizedString, PreTokenizer as _};
        let mut pretokenized = PreTokenizedString::from(text);
        pre.build()
            .unwrap()
            .pre_tokenize(&mut pretokenized)
            .unwrap();
        pretokenized
            .get_splits(OffsetReferential::Original, OffsetType::Byte)
            .into_iter()
            .map(|(_, (start, end), _)| text[start..end].to_owned())
            .collect()
    }

    #[test]
    fn names_map_to_llama_cpp_pre_tokenizers() {
        for (name, expected) in [
            (None, PreTokenizer::LlamaCppDefault),
            (Some("llama-bpe"), PreTokenizer::Llama3),
            (Some("qwen2"), PreTokenizer::Qwen2),
            (Some("smollm"), PreTokenizer::DigitsThenGpt2),
            (Some("gpt-2"), PreTokenizer::Gpt2),
            (Some("deepseek-v3"), PreTokenizer::DeepseekV3),
        ] {
            assert_eq!(PreTokenizer::from_name(name).unwrap(), expected, "{name:?}");
        }
        let error = PreTokenizer::from_name(Some("tekken")).unwrap_err();
        assert!(error.to_string().contains("(\"tekken\") is not supported"));
    }

    #[test]
    fn digits_are_grouped_as_each_model_groups_them() {
        let text = "Year 12345!";
        assert_eq!(
            words(PreTokenizer::Llama3, text),
            ["Year", " ", "123", "45", "!"]
        );
        assert_eq!(
            words(PreTokenizer::Qwen2, text),
            ["Year", " ", "1", "2", "3", "4", "5", "!"]
        );
        assert_eq!(
            words(PreTokenizer::DigitsThenGpt2, text),
            ["Year", " ", "1", "2", "3", "4", "5", "!"]
        );
        assert_eq!(words(PreTokenizer::Gpt2, text), ["Year", " 12345", "!"]);
    }

    #[test]
    fn whitespace_and_contractions_split_like_the_reference_regexes() {
        // Byte-level pre-tokenizers map bytes to printable characters, so
        // compare positions in the original text.
        assert_eq!(
            words(PreTokenizer::Qwen2, "I'M  here\n\n  ok"),
            ["I", "'M", " ", " here", "\n\n", " ", " ok"]
        );
        assert_eq!(
            words(PreTokenizer::Gpt2, "I'M  here"),
            ["I", "'", "M", " ", " here"]
        );
        assert_eq!(
            words(PreTokenizer::Llama3, "你好，世界"),
            ["你好", "，世界"]
        );
    }
}
