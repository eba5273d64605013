//! A model's own tokenizer.json, when one is placed beside the GGUF: it is
//! what the model was trained with, so it wins over the tokenizer rebuilt
//! from metadata, but only once it is shown to belong to the model.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use tokenizers::Tokenizer;

use super::TokenizerError;
use super::metadata::{GgufVocab, TokenType};
use super::sentencepiece::SPACE;

/// `<stem>.tokenizer.json` beside `<stem>.gguf`, else `tokenizer.json` in
/// the same folder.
pub(crate) fn find_beside(model_path: &Path) -> Option<PathBuf> {
    let folder = model_path.parent()?;
    let own = model_path
        .file_stem()
        .map(|stem| folder.join(format!("{}.tokenizer.json", stem.to_string_lossy())));
    own.into_iter()
        .chain([folder.join("tokenizer.json")])
        .find(|path| path.is_file())
}

/// Loads `path` and checks it against the GGUF's vocabulary.
pub(crate) fn load(path: &Path, vocab: &GgufVocab) -> Result<Tokenizer, TokenizerError> {
    let mut tokenizer = Tokenizer::from_file(path).map_err(|e| TokenizerError::File {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    check_matches(&tokenizer, vocab).map_err(|reason| TokenizerError::FileMismatch {
        path: path.to_owned(),
        reason,
    })?;
    // Prompts are never cut or padded by the tokenizer; the engine decides.
    tokenizer.with_padding(None);
    tokenizer
        .with_truncation(None)
        .map_err(|e| TokenizerError::File {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
    Ok(tokenizer)
}

/// Same tokens with the same ids. llama.cpp's converter pads a vocabulary
/// up to the model's embedding size with `[PAD<id>]` placeholders the
/// tokenizer.json does not have, and writes user-defined tokens with real
/// spaces where the tokenizer.json has `▁`; neither is a difference.
fn check_matches(tokenizer: &Tokenizer, vocab: &GgufVocab) -> Result<(), String> {
    let is_padding =
        |id: usize| vocab.types[id] == TokenType::Unused && vocab.tokens[id].starts_with("[PAD");
    let model_count = (0..vocab.tokens.len())
        .filter(|&id| !is_padding(id))
        .count();
    let file_ids: HashSet<u32> = tokenizer.get_vocab(true).into_values().collect();
    if file_ids.len() != model_count {
        return Err(format!(
            "it has {} tokens and the model {model_count}",
            file_ids.len()
        ));
    }
    for (id, (expected, kind)) in vocab.tokens.iter().zip(&vocab.types).enumerate() {
        match tokenizer.id_to_token(id as u32) {
            None if is_padding(id) => {}
            None => {
                return Err(format!(
                    "it has no token {id}, which is {expected:?} in the model"
                ));
            }
            Some(found) if same_token(&found, expected, *kind) => {}
            Some(found) => {
                return Err(format!(
                    "token {id} is {found:?} there and {expected:?} in the model"
                ));
            }
        }
    }
    Ok(())
}

fn same_token(found: &str, expected: &str, kind: TokenType) -> bool {
    found == expected || (kind == TokenType::UserDefined && found.replace(SPACE, " ") == expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_models_own_file_comes_before_a_shared_one() {
        let folder = tempfile::tempdir().unwrap();
        let model = folder.path().join("tiny.Q8_0.gguf");
        assert_eq!(find_beside(&model), None);
        std::fs::write(folder.path().join("tokenizer.json"), "{}").unwrap();
        assert_eq!(
            find_beside(&model),
            Some(folder.path().join("tokenizer.json"))
        );
        std::fs::write(folder.path().join("tiny.Q8_0.tokenizer.json"), "{}").unwrap();
        assert_eq!(
            find_beside(&model),
            Some(folder.path().join("tiny.Q8_0.tokenizer.json"))
        );
    }

    #[test]
    fn user_defined_tokens_may_differ_only_in_how_spaces_are_written() {
        assert!(same_token("▁▁", "  ", TokenType::UserDefined));
        assert!(!same_token("▁▁", "  ", TokenType::Normal));
        assert!(same_token("a", "a", TokenType::Normal));
    }
}
