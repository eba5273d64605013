//! What can go wrong loading or running a local model's tokenizer, each as
//! one sentence that names the file or the metadata key concerned.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum TokenizerError {
    #[error(
        "This model's tokenizer ({model:?}) is not supported; Scriptorium reads byte-level BPE (\"gpt2\") and SentencePiece (\"llama\") tokenizers, or a tokenizer.json placed beside the model."
    )]
    UnsupportedModel { model: String },

    #[error(
        "This model's pre-tokenizer ({pre:?}) is not supported; place its tokenizer.json beside the model to use it."
    )]
    UnsupportedPreTokenizer { pre: String },

    #[error("The model's tokenizer metadata is unusable: {key} {reason}.")]
    Metadata { key: String, reason: String },

    #[error(
        "The tokenizer has {tokens} tokens but the model has {rows} token embeddings, so they do not belong together."
    )]
    VocabSize { tokens: usize, rows: usize },

    #[error("Cannot read the tokenizer file {}: {reason}.", path.display())]
    File { path: PathBuf, reason: String },

    #[error("The tokenizer file {} does not belong to this model: {reason}.", path.display())]
    FileMismatch { path: PathBuf, reason: String },

    #[error("Cannot build the tokenizer from the model's metadata: {reason}.")]
    Build { reason: String },

    #[error("Cannot tokenize the text: {reason}.")]
    Encode { reason: String },

    #[error("Cannot turn tokens back into text: {reason}.")]
    Decode { reason: String },
}

impl TokenizerError {
    pub(crate) fn metadata(key: &str, reason: impl Into<String>) -> Self {
        TokenizerError::Metadata {
            key: key.to_owned(),
            reason: reason.into(),
        }
    }

    /// A tokenizer part that `tokenizers` would not build.
    pub(crate) fn build(error: impl std::fmt::Display) -> Self {
        TokenizerError::Build {
            reason: error.to_string(),
        }
    }

    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            TokenizerError::UnsupportedModel { .. }
            | TokenizerError::UnsupportedPreTokenizer { .. } => "tokenizer_unsupported",
            TokenizerError::Metadata { .. } | TokenizerError::Build { .. } => "tokenizer_metadata",
            TokenizerError::VocabSize { .. } | TokenizerError::FileMismatch { .. } => {
                "tokenizer_mismatch"
            }
            TokenizerError::File { .. } => "tokenizer_file",
            TokenizerError::Encode { .. } | TokenizerError::Decode { .. } => "tokenizer",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_what_is_wrong() {
        let error = TokenizerError::UnsupportedModel {
            model: "bert".into(),
        };
        assert!(error.to_string().contains("(\"bert\") is not supported"));
        let error = TokenizerError::FileMismatch {
            path: "/m/x.tokenizer.json".into(),
            reason: "it has 10 tokens and the model 12".into(),
        };
        assert_eq!(
            error.to_string(),
            "The tokenizer file /m/x.tokenizer.json does not belong to this model: it has 10 tokens and the model 12."
        );
        assert_eq!(error.code(), "tokenizer_mismatch");
    }
}
