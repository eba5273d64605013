//! Tokens that are not plain text: chat markers and other control tokens,
//! added pieces, and the tokens that end a generation.

use tokenizers::{AddedToken, Tokenizer};

use super::TokenizerError;
use super::metadata::{GgufVocab, TokenType};

/// Tokens llama.cpp treats as ending a generation whatever the metadata
/// says (`llama_vocab::impl::load`), because converters often name only one
/// of a model's end tokens.
const END_OF_GENERATION: &[&str] = &[
    "<|eot_id|>",
    "<|im_end|>",
    "<|end|>",
    "<|return|>",
    "<|call|>",
    "<end_of_turn>",
    "<|endoftext|>",
    "<|eom_id|>",
    "<EOT>",
    "_<EOT>",
    "<|end_of_text|>",
    "<end_of_utterance>",
    "</s>",
    "<eos>",
    "<｜end▁of▁sentence｜>",
    // Qwen2.5-Coder's fill-in-the-middle separators.
    "<|fim_pad|>",
    "<|repo_name|>",
    "<|file_sep|>",
];

/// The ids that end a generation: EOS, EOT, EOM, then every end-like
/// token of the vocabulary, without repeats.
pub(crate) fn end_of_generation_ids(vocab: &GgufVocab) -> Vec<u32> {
    let mut ids: Vec<u32> = [vocab.eos, vocab.eot, vocab.eom]
        .into_iter()
        .flatten()
        .collect();
    for text in END_OF_GENERATION {
        if let Some(id) = vocab.id_of(text) {
            ids.push(id);
        }
    }
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(*id));
    ids
}

/// Adds the vocabulary's control, unknown and user-defined tokens to a
/// tokenizer built from the GGUF, so that each is found whole in the text
/// before the model splits the rest, as llama.cpp does when it parses
/// special tokens. Control tokens (and end-like ones, whatever their type)
/// are special: decoding leaves them out. User-defined tokens are not:
/// llama.cpp and Hugging Face show them, and Qwen3's `<think>` must show.
pub(crate) fn add_tokens(
    tokenizer: &mut Tokenizer,
    vocab: &GgufVocab,
) -> Result<(), TokenizerError> {
    let rstrip_controls = strips_after_controls(vocab);
    let mut special = Vec::new();
    let mut plain = Vec::new();
    for (text, kind) in vocab.tokens.iter().zip(&vocab.types) {
        if text.is_empty() {
            continue;
        }
        let end_like = END_OF_GENERATION.contains(&text.as_str());
        match kind {
            TokenType::Control | TokenType::Unknown => special.push(text),
            TokenType::UserDefined if end_like => special.push(text),
            TokenType::UserDefined => plain.push(text),
            _ if end_like => special.push(text),
            _ => {}
        }
    }
    let added = |text: &String, is_special: bool| {
        let rstrip = rstrip_controls && phi3_rstrips(text);
        AddedToken::from(text.clone(), is_special)
            .normalized(false)
            .rstrip(rstrip)
    };
    tokenizer
        .add_special_tokens(special.iter().map(|t| added(t, true)))
        .map_err(TokenizerError::build)?;
    tokenizer
        .add_tokens(plain.iter().map(|t| added(t, false)))
        .map_err(TokenizerError::build)?;
    Ok(())
}

/// llama.cpp's one name-keyed quirk: in Phi-3 models, added tokens eat the
/// whitespace after them (their tokenizer.json sets `rstrip`).
fn strips_after_controls(vocab: &GgufVocab) -> bool {
    vocab.name.as_deref().is_some_and(|name| {
        let name = name.to_lowercase();
        name.contains("phi-3") || name.contains("phi3")
    })
}

fn phi3_rstrips(text: &str) -> bool {
    !matches!(text, "<unk>" | "<s>" | "<|endoftext|>")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::local::tokenizer::testing;

    #[test]
    fn end_ids_start_with_the_metadata_then_end_like_tokens() {
        let mut vocab = testing::bpe_vocab();
        let im_end = vocab.id_of("<|im_end|>").unwrap();
        let endoftext = vocab.id_of("<|endoftext|>").unwrap();
        vocab.eos = Some(im_end);
        assert_eq!(end_of_generation_ids(&vocab), [im_end, endoftext]);
        vocab.eos = None;
        vocab.eot = Some(endoftext);
        assert_eq!(end_of_generation_ids(&vocab), [endoftext, im_end]);
    }

    #[test]
    fn phi3_control_tokens_strip_the_whitespace_after_them() {
        let mut vocab = testing::bpe_vocab();
        assert!(!strips_after_controls(&vocab));
        vocab.name = Some("Phi-3 Mini 4k Instruct".into());
        assert!(strips_after_controls(&vocab));
        assert!(phi3_rstrips("<|user|>"));
        assert!(!phi3_rstrips("<s>"));
    }
}
