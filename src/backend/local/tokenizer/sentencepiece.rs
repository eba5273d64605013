//! SentencePiece BPE (`tokenizer.ggml.model = "llama"`): Llama 1/2,
//! Mistral 7B, Gemma, Phi-3 and TinyLlama.
//!
//! Spaces become `▁`, a `▁` is put in front of the text (and after every
//! special token) unless `tokenizer.ggml.add_space_prefix` is false (Gemma),
//! and characters missing from the vocabulary fall back to `<0xXX>` byte
//! tokens. SentencePiece merges the adjacent pair whose joined piece scores
//! highest; a BPE over merges ranked by those scores does the same, which is
//! how Hugging Face converts these models (`SentencePieceExtractor`), so the
//! merges are derived here exactly as it derives them.

use std::collections::HashMap;

use tokenizers::decoders::byte_fallback::ByteFallback;
use tokenizers::decoders::fuse::Fuse;
use tokenizers::decoders::sequence::Sequence as DecoderSequence;
use tokenizers::decoders::strip::Strip;
use tokenizers::models::bpe::BPE;
use tokenizers::normalizers::prepend::Prepend;
use tokenizers::normalizers::replace::Replace;
use tokenizers::normalizers::utils::Sequence as NormalizerSequence;
use tokenizers::{DecoderWrapper, NormalizerWrapper, Tokenizer};

use super::TokenizerError;
use super::metadata::{GgufVocab, TokenType};

/// SentencePiece's stand-in for a space.
pub(crate) const SPACE: char = '▁';

/// The tokenizer of a "llama" vocabulary, without its added tokens.
pub(crate) fn build(vocab: &GgufVocab) -> Result<Tokenizer, TokenizerError> {
    if vocab.scores.len() != vocab.tokens.len() {
        return Err(TokenizerError::metadata(
            "tokenizer.ggml.scores",
            "is missing; a SentencePiece vocabulary needs its scores",
        ));
    }
    let ids = vocab.ids();
    let unk = vocab
        .unk
        .or_else(|| {
            vocab
                .types
                .iter()
                .position(|t| *t == TokenType::Unknown)
                .map(|i| i as u32)
        })
        .map(|id| vocab.tokens[id as usize].clone());
    let mut builder = BPE::builder()
        .vocab_and_merges(ids, merges_from_scores(&vocab.tokens, &vocab.scores))
        .fuse_unk(true)
        .byte_fallback(true);
    if let Some(unk) = unk {
        builder = builder.unk_token(unk);
    }
    let model = builder.build().map_err(TokenizerError::build)?;

    let add_space_prefix = vocab.add_space_prefix.unwrap_or(true);
    let spaces = NormalizerWrapper::Replace(replace(" ", &SPACE.to_string())?);
    let normalizer = if add_space_prefix {
        NormalizerWrapper::Sequence(NormalizerSequence::new(vec![
            NormalizerWrapper::Prepend(Prepend::new(SPACE.to_string())),
            spaces,
        ]))
    } else {
        spaces
    };
    let mut decoders = vec![
        DecoderWrapper::Replace(replace(&SPACE.to_string(), " ")?),
        DecoderWrapper::ByteFallback(ByteFallback::new()),
        DecoderWrapper::Fuse(Fuse::new()),
    ];
    if add_space_prefix {
        // The prefix space is not part of the text.
        decoders.push(DecoderWrapper::Strip(Strip::new(' ', 1, 0)));
    }

    let mut tokenizer = Tokenizer::new(model);
    tokenizer
        .with_normalizer(Some(normalizer))
        .map_err(TokenizerError::build)?;
    tokenizer.with_decoder(Some(DecoderSequence::new(decoders)));
    Ok(tokenizer)
}

fn replace(pattern: &str, content: &str) -> Result<Replace, TokenizerError> {
    Replace::new(pattern, content).map_err(TokenizerError::build)
}

/// Every split of a piece into two pieces of the vocabulary is a merge,
/// ranked by the joined piece's score, highest first; ties keep vocabulary
/// order, and the splits of one piece are ordered by their pieces' ids.
/// This is transformers' `SentencePieceExtractor.extract`.
pub(crate) fn merges_from_scores(tokens: &[String], scores: &[f32]) -> Vec<(String, String)> {
    let ids: HashMap<&str, usize> = tokens
        .iter()
        .enumerate()
        .map(|(id, token)| (token.as_str(), id))
        .collect();
    let mut merges: Vec<(usize, usize, f32)> = Vec::new();
    let mut local = Vec::new();
    for (id, piece) in tokens.iter().enumerate() {
        local.clear();
        for (at, _) in piece.char_indices().skip(1) {
            if let (Some(&left), Some(&right)) = (ids.get(&piece[..at]), ids.get(&piece[at..])) {
                local.push((left, right));
            }
        }
        local.sort_unstable();
        merges.extend(local.iter().map(|&(left, right)| (left, right, scores[id])));
    }
    // Stable, so equal scores keep the order above.
    merges.sort_by(|a, b| b.2.total_cmp(&a.2));
    merges
        .into_iter()
        .map(|(left, right, _)| (tokens[left].clone(), tokens[right].clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn merges_follow_the_joined_pieces_scores() {
        let tokens = owned(&["a", "b", "c", "ab", "bc", "abc"]);
        let scores = [0.0, 0.0, 0.0, -2.0, -1.0, -3.0];
        let merges = merges_from_scores(&tokens, &scores);
        let merges: Vec<_> = merges.iter().map(|(l, r)| format!("{l} {r}")).collect();
        // "bc" scores best; "abc" has two splits, ordered by their ids.
        assert_eq!(merges, ["b c", "a b", "a bc", "ab c"]);
    }

    #[test]
    fn missing_scores_are_an_error() {
        let vocab = GgufVocab {
            model: "llama".into(),
            pre: None,
            tokens: owned(&["a"]),
            types: vec![TokenType::Normal],
            scores: Vec::new(),
            merges: Vec::new(),
            bos: None,
            eos: None,
            eot: None,
            eom: None,
            unk: None,
            add_bos: None,
            add_space_prefix: None,
            name: None,
        };
        let error = build(&vocab).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("tokenizer.ggml.scores is missing")
        );
    }
}
