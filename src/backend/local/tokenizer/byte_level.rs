//! GPT-2 style byte-level BPE (`tokenizer.ggml.model = "gpt2"`): Llama 3,
//! Qwen 2/2.5/3, SmolLM, Phi-2, DeepSeek V3 and most newer models.
//!
//! The text is split into words by the model's pre-tokenizer regexes, each
//! word's bytes are mapped to printable characters, and the merges join
//! them. `tokenizer.ggml.pre` names the regexes; the table below follows
//! llama.cpp's `llm_tokenizer_bpe`, written as Hugging Face's tokenizer.json
//! files write them (a `Split` per llama.cpp regex, then `ByteLevel`), so a
//! tokenizer built here and the model's own tokenizer.json agree.

use tokenizers::decoders::byte_level::ByteLevel as ByteLevelDecoder;
use tokenizers::models::bpe::BPE;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::digits::Digits;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::{PreTokenizerWrapper, SplitDelimiterBehavior, Tokenizer};

use super::TokenizerError;
use super::metadata::GgufVocab;

/// Llama 3's regex (also Falcon 3, Pixtral, DBRX): up to three digits per
/// word.
const LLAMA3: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// Qwen 2's regex: Llama 3's with one digit per word.
const QWEN2: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// Qwen 3.5's: Qwen 2's with combining marks kept in words.
const QWEN35: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// GPT-2's regex, as llama.cpp lists it after other splits.
const GPT2: &str = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)";

/// Mistral's Tekken (Nemo): case changes split words.
const TEKKEN: &str = r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// GPT-4o's (Llama 4).
const GPT4O: &str = r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+";

const DEEPSEEK_CODER: [&str; 5] = [
    r"[\r\n]",
    r"\s?\p{L}+",
    r"\s?\p{P}+",
    r"[一-龥ࠀ-一가-퟿]+",
    r"\p{N}",
];

/// DeepSeek V3's three regexes, applied one after the other.
const DEEPSEEK_V3: [&str; 3] = [
    r"\p{N}{1,3}",
    r"[一-龥぀-ゟ゠-ヿ]+",
    r##"[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"##,
];

const FALCON: [&str; 3] = [r"[\p{P}\$\+<=>\^~\|`]+", GPT2, r"[0-9][0-9][0-9]"];

/// What llama.cpp falls back to when a GGUF names no pre-tokenizer.
const LLAMA_CPP_DEFAULT: [&str; 4] = [r"[\p{P}\$\+<=>\^~\|]+", GPT2, r"\p{N}+", r"[0-9][0-9][0-9]"];

/// How a "gpt2" vocabulary splits text into words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Splits {
    /// GPT-2's own regex, inside the byte-level step.
    Gpt2,
    /// Every digit apart, then GPT-2's regex (SmolLM, StarCoder).
    DigitsThenGpt2,
    /// Regexes applied one after the other, then the byte-level step.
    Regexes(&'static [&'static str]),
}

/// The pre-tokenizer `tokenizer.ggml.pre` names, with the two settings
/// llama.cpp ties to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PreTokenizer {
    splits: Splits,
    /// A word that is itself in the vocabulary skips the merges.
    ignore_merges: bool,
    /// BOS comes first when the GGUF does not say.
    adds_bos: bool,
}

impl PreTokenizer {
    const fn new(splits: Splits) -> Self {
        PreTokenizer {
            splits,
            ignore_merges: false,
            adds_bos: false,
        }
    }

    /// Llama 3 and Tekken: merges ignored for whole words, BOS by default.
    const fn llama3_like(splits: Splits) -> Self {
        PreTokenizer {
            splits,
            ignore_merges: true,
            adds_bos: true,
        }
    }

    /// llama.cpp's table (`llama_vocab::impl::load`), for the names with
    /// a regex pre-tokenizer.
    pub(crate) fn from_name(pre: Option<&str>) -> Result<Self, TokenizerError> {
        use Splits::{DigitsThenGpt2, Gpt2, Regexes};
        Ok(match pre.unwrap_or("") {
            "" | "default" => Self::new(Regexes(&LLAMA_CPP_DEFAULT)),
            "llama3" | "llama-v3" | "llama-bpe" | "falcon3" | "falcon-h1" | "pixtral"
            | "midm-2.0" | "lfm2" => Self::llama3_like(Regexes(&[LLAMA3])),
            "dbrx" | "smaug-bpe" => Self::new(Regexes(&[LLAMA3])),
            "tekken" => Self::llama3_like(Regexes(&[TEKKEN])),
            "qwen2" | "deepseek-r1-qwen" | "stablelm2" | "megrez" => Self::new(Regexes(&[QWEN2])),
            "qwen35" => Self::new(Regexes(&[QWEN35])),
            "gpt-4o" | "llama4" => Self::new(Regexes(&[GPT4O])),
            "smollm" | "starcoder" | "refact" | "command-r" | "codeshell" | "exaone"
            | "minerva-7b" => Self::new(DigitsThenGpt2),
            "gpt-2" | "phi-2" | "mpt" | "olmo" | "jais" | "exaone4" => Self::new(Gpt2),
            "falcon" => Self::new(Regexes(&FALCON)),
            "deepseek-coder" => Self::new(Regexes(&DEEPSEEK_CODER)),
            "deepseek-v3" => Self::new(Regexes(&DEEPSEEK_V3)),
            other => {
                return Err(TokenizerError::UnsupportedPreTokenizer {
                    pre: other.to_owned(),
                });
            }
        })
    }

    pub(crate) fn adds_bos_by_default(self) -> bool {
        self.adds_bos
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
        let steps = match self.splits {
            Splits::Gpt2 => return Ok(byte_level(true)),
            Splits::DigitsThenGpt2 => vec![
                PreTokenizerWrapper::Digits(Digits::new(true)),
                byte_level(true),
            ],
            Splits::Regexes(patterns) => {
                let mut steps = patterns
                    .iter()
                    .map(|pattern| split(pattern))
                    .collect::<Result<Vec<_>, _>>()?;
                steps.push(byte_level(false));
                steps
            }
        };
        Ok(PreTokenizerWrapper::Sequence(Sequence::new(steps)))
    }
}

fn split(pattern: &str) -> Result<PreTokenizerWrapper, TokenizerError> {
    Split::new(
        SplitPattern::Regex(pattern.to_owned()),
        SplitDelimiterBehavior::Isolated,
        false,
    )
    .map(PreTokenizerWrapper::Split)
    .map_err(|e| TokenizerError::Build {
        reason: format!("the pre-tokenizer regex {pattern:?} is invalid: {e}"),
    })
}

/// The tokenizer of a "gpt2" vocabulary, without its added tokens.
pub(crate) fn build(vocab: &GgufVocab, pre: PreTokenizer) -> Result<Tokenizer, TokenizerError> {
    let ids = vocab.ids();
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
        .ignore_merges(pre.ignore_merges)
        .build()
        .map_err(TokenizerError::build)?;
    let mut tokenizer = Tokenizer::new(model);
    tokenizer.with_pre_tokenizer(Some(pre.build()?));
    tokenizer.with_decoder(Some(ByteLevelDecoder::default()));
    Ok(tokenizer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(pre: &str, text: &str) -> Vec<String> {
        use tokenizers::{OffsetReferential, OffsetType, PreTokenizedString, PreTokenizer as _};
        let mut pretokenized = PreTokenizedString::from(text);
        PreTokenizer::from_name(Some(pre))
            .unwrap()
            .build()
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
        let llama3 = PreTokenizer::from_name(Some("llama-bpe")).unwrap();
        assert!(llama3.ignore_merges && llama3.adds_bos_by_default());
        let dbrx = PreTokenizer::from_name(Some("dbrx")).unwrap();
        assert_eq!(dbrx.splits, llama3.splits);
        assert!(!dbrx.ignore_merges && !dbrx.adds_bos_by_default());
        assert_eq!(
            PreTokenizer::from_name(None).unwrap().splits,
            Splits::Regexes(&LLAMA_CPP_DEFAULT)
        );
        for name in [
            "qwen2",
            "qwen35",
            "smollm",
            "gpt-2",
            "tekken",
            "falcon",
            "deepseek-coder",
            "deepseek-v3",
            "gpt-4o",
        ] {
            let pre = PreTokenizer::from_name(Some(name)).unwrap();
            pre.build().unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let error = PreTokenizer::from_name(Some("kimi-k2")).unwrap_err();
        assert!(error.to_string().contains("(\"kimi-k2\") is not supported"));
    }

    #[test]
    fn digits_are_grouped_as_each_model_groups_them() {
        let text = "Year 12345!";
        assert_eq!(words("llama-bpe", text), ["Year", " ", "123", "45", "!"]);
        assert_eq!(
            words("qwen2", text),
            ["Year", " ", "1", "2", "3", "4", "5", "!"]
        );
        assert_eq!(
            words("smollm", text),
            ["Year", " ", "1", "2", "3", "4", "5", "!"]
        );
        assert_eq!(words("gpt-2", text), ["Year", " 12345", "!"]);
    }

    #[test]
    fn whitespace_and_contractions_split_like_the_reference_regexes() {
        // Byte-level pre-tokenizers map bytes to printable characters, so
        // compare positions in the original text.
        assert_eq!(
            words("qwen2", "I'M  here\n\n  ok"),
            ["I", "'M", " ", " here", "\n\n", " ", " ok"]
        );
        assert_eq!(words("gpt-2", "I'M  here"), ["I", "'", "M", " ", " here"]);
        assert_eq!(words("llama-bpe", "你好，世界"), ["你好", "，世界"]);
    }
}
