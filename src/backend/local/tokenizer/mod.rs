//! The tokenizer of a local GGUF model.
//!
//! A model's own `tokenizer.json` placed beside it is used when present
//! (`<stem>.tokenizer.json` next to `<stem>.gguf`, else `tokenizer.json` in
//! the same folder), after checking that it has the model's vocabulary.
//! Otherwise the tokenizer is rebuilt from the GGUF's `tokenizer.ggml.*`
//! metadata as llama.cpp reads it: byte-level BPE for "gpt2" vocabularies,
//! SentencePiece BPE for "llama" ones. Either way the result is a
//! `tokenizers::Tokenizer`, and special tokens in the text (`<|im_start|>`,
//! `<start_of_turn>`) are always parsed as the single tokens they are, as a
//! rendered chat template needs.

mod byte_level;
mod error;
mod file;
mod metadata;
mod sentencepiece;
mod special;
mod stream;
#[cfg(test)]
pub(crate) mod testing;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use candle_core::quantized::gguf_file::Content;
use tokenizers::Tokenizer;

pub use error::TokenizerError;
pub use stream::StreamDecoder;

use byte_level::PreTokenizer;
use metadata::GgufVocab;
pub(crate) use metadata::token_text;

/// Where a [`LocalTokenizer`] came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenizerSource {
    /// The model's tokenizer.json.
    File(PathBuf),
    /// Rebuilt from the GGUF's metadata.
    Metadata,
}

/// A local model's tokenizer with its BOS and end-of-generation tokens.
/// Cheap to clone.
#[derive(Clone)]
pub struct LocalTokenizer {
    tokenizer: Arc<Tokenizer>,
    source: TokenizerSource,
    vocab_size: usize,
    bos: Option<u32>,
    add_bos: bool,
    eos: Vec<u32>,
    /// Plain text the stream decoder decodes generated tokens after.
    primer: Vec<u32>,
}

impl LocalTokenizer {
    /// The model's tokenizer: its tokenizer.json when one is beside
    /// `model_path`, else the one its metadata describes. `vocab_rows` is
    /// the number of rows of the model's token embedding.
    #[tracing::instrument(skip_all, fields(model = %model_path.display()), err)]
    pub fn load(
        model_path: &Path,
        content: &Content,
        vocab_rows: usize,
    ) -> Result<Self, TokenizerError> {
        match file::find_beside(model_path) {
            Some(path) => Self::from_file(&path, content, vocab_rows),
            None => Self::from_metadata(content, vocab_rows),
        }
    }

    /// The tokenizer the GGUF's metadata describes.
    pub fn from_metadata(content: &Content, vocab_rows: usize) -> Result<Self, TokenizerError> {
        let vocab = vocabulary(content, vocab_rows)?;
        let mut tokenizer = match vocab.model.as_str() {
            "gpt2" => byte_level::build(&vocab, PreTokenizer::from_name(vocab.pre.as_deref())?)?,
            "llama" => sentencepiece::build(&vocab)?,
            other => {
                return Err(TokenizerError::UnsupportedModel {
                    model: other.to_owned(),
                });
            }
        };
        special::add_tokens(&mut tokenizer, &vocab)?;
        Self::new(tokenizer, TokenizerSource::Metadata, &vocab)
    }

    /// The tokenizer.json at `path`, which must have the GGUF's vocabulary.
    pub fn from_file(
        path: &Path,
        content: &Content,
        vocab_rows: usize,
    ) -> Result<Self, TokenizerError> {
        let vocab = vocabulary(content, vocab_rows)?;
        let tokenizer = file::load(path, &vocab)?;
        Self::new(tokenizer, TokenizerSource::File(path.to_owned()), &vocab)
    }

    fn new(
        tokenizer: Tokenizer,
        source: TokenizerSource,
        vocab: &GgufVocab,
    ) -> Result<Self, TokenizerError> {
        let add_bos = vocab.add_bos.unwrap_or(match vocab.model.as_str() {
            "llama" => true,
            _ => PreTokenizer::from_name(vocab.pre.as_deref())
                .is_ok_and(PreTokenizer::adds_bos_by_default),
        });
        let mut local = LocalTokenizer {
            tokenizer: Arc::new(tokenizer),
            source,
            vocab_size: vocab.tokens.len(),
            bos: vocab.bos,
            add_bos,
            eos: special::end_of_generation_ids(vocab),
            primer: Vec::new(),
        };
        let primer = local.encode("a", false)?;
        if local.decode(&primer)? == "a" {
            local.primer = primer;
        }
        tracing::debug!(source = ?local.source, tokens = local.vocab_size, "tokenizer ready");
        Ok(local)
    }

    /// The token ids of `text`. Special tokens written in the text are
    /// parsed as such. With `add_bos`, the BOS token comes first, unless the
    /// text already starts with it (a chat template that writes
    /// `bos_token` itself).
    pub fn encode(&self, text: &str, add_bos: bool) -> Result<Vec<u32>, TokenizerError> {
        let encoding =
            self.tokenizer
                .encode_fast(text, false)
                .map_err(|e| TokenizerError::Encode {
                    reason: e.to_string(),
                })?;
        let ids = encoding.get_ids();
        let mut out = Vec::with_capacity(ids.len() + 1);
        if let Some(bos) = self.bos.filter(|bos| add_bos && ids.first() != Some(bos)) {
            out.push(bos);
        }
        out.extend_from_slice(ids);
        Ok(out)
    }

    /// The text of `ids`, without special tokens.
    pub fn decode(&self, ids: &[u32]) -> Result<String, TokenizerError> {
        if let Some(id) = ids.iter().find(|id| **id as usize >= self.vocab_size) {
            return Err(TokenizerError::Decode {
                reason: format!(
                    "token {id} is outside the vocabulary of {} tokens",
                    self.vocab_size
                ),
            });
        }
        self.tokenizer
            .decode(ids, true)
            .map_err(|e| TokenizerError::Decode {
                reason: e.to_string(),
            })
    }

    /// A decoder for the tokens of one generation.
    pub fn stream_decoder(&self) -> StreamDecoder {
        StreamDecoder::new(Arc::clone(&self.tokenizer), self.primer.clone())
    }

    /// The tokens that end a generation: EOS first, then EOT, EOM and the
    /// vocabulary's other end-of-turn tokens.
    pub fn eos_ids(&self) -> &[u32] {
        &self.eos
    }

    pub fn bos_id(&self) -> Option<u32> {
        self.bos
    }

    /// Whether the model expects a BOS token before a prompt.
    pub fn add_bos(&self) -> bool {
        self.add_bos
    }

    pub fn vocab_size(&self) -> usize {
        self.vocab_size
    }

    pub fn source(&self) -> &TokenizerSource {
        &self.source
    }
}

fn vocabulary(content: &Content, vocab_rows: usize) -> Result<GgufVocab, TokenizerError> {
    let vocab = GgufVocab::from_metadata(&content.metadata)?;
    if vocab.tokens.len() != vocab_rows {
        return Err(TokenizerError::VocabSize {
            tokens: vocab.tokens.len(),
            rows: vocab_rows,
        });
    }
    Ok(vocab)
}

/// The vocabulary is far too long to print.
impl fmt::Debug for LocalTokenizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalTokenizer")
            .field("source", &self.source)
            .field("vocab_size", &self.vocab_size)
            .field("bos", &self.bos)
            .field("add_bos", &self.add_bos)
            .field("eos", &self.eos)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
