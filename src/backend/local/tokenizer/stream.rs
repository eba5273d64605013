//! Text from tokens as they are generated, one piece per token, never with
//! half a character: a character whose bytes span several tokens (byte
//! fallback, byte-level BPE) is held back until it is complete.

use std::sync::Arc;

use tokenizers::Tokenizer;

use super::TokenizerError;

/// Turns generated token ids into text pieces.
///
/// Concatenated, the pieces are the text that follows the prompt: a token
/// that starts with a space yields that space even when it is the first one
/// generated (decoding it alone would drop it, as a whole text never starts
/// with SentencePiece's prefix space). Special tokens yield nothing.
#[derive(Clone)]
pub struct StreamDecoder {
    tokenizer: Arc<Tokenizer>,
    /// Tokens that give context to the next one, then the held-back ones.
    ids: Vec<u32>,
    /// The text of the context tokens, already given out.
    prefix: String,
    /// Where the context ends in `ids`.
    prefix_index: usize,
    /// What a fresh decoder starts from.
    primer: Vec<u32>,
}

/// The tokenizer is far too long to print.
impl std::fmt::Debug for StreamDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamDecoder")
            .field("ids", &self.ids)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl StreamDecoder {
    /// `primer` is a token or two of plain text that every generated token
    /// is decoded after, so decoders that treat the first token specially
    /// (stripping a prefix space) never see a generated token first.
    pub(crate) fn new(tokenizer: Arc<Tokenizer>, primer: Vec<u32>) -> Self {
        let mut decoder = StreamDecoder {
            tokenizer,
            ids: Vec::new(),
            prefix: String::new(),
            prefix_index: 0,
            primer,
        };
        decoder.reset();
        decoder
    }

    fn reset(&mut self) {
        self.ids = self.primer.clone();
        self.prefix = self.decode(&self.primer).unwrap_or_default();
        self.prefix_index = 0;
    }

    fn decode(&self, ids: &[u32]) -> Result<String, TokenizerError> {
        self.tokenizer
            .decode(ids, true)
            .map_err(|e| TokenizerError::Decode {
                reason: e.to_string(),
            })
    }

    /// The text `id` completes, if any: `None` while a character is
    /// incomplete, and for special tokens.
    pub fn step(&mut self, id: u32) -> Result<Option<String>, TokenizerError> {
        // The algorithm of `tokenizers::DecodeStream`, on owned state so the
        // decoder can live as long as the generation does.
        tokenizers::step_decode_stream(
            &self.tokenizer,
            vec![id],
            true,
            &mut self.ids,
            &mut self.prefix,
            &mut self.prefix_index,
        )
        .map_err(|e| TokenizerError::Decode {
            reason: e.to_string(),
        })
    }

    /// The text still held back when the generation ends (a character cut
    /// off by the token limit comes out as U+FFFD), and a fresh start.
    pub fn flush(&mut self) -> Result<Option<String>, TokenizerError> {
        let text = self.decode(&self.ids)?;
        let rest = text
            .strip_prefix(self.prefix.as_str())
            .filter(|rest| !rest.is_empty())
            .map(str::to_owned);
        self.reset();
        Ok(rest)
    }
}
