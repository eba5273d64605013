//! Text from tokens as they are generated, one piece per token, never with
//! half a character: a character whose bytes span several tokens (byte
//! fallback, byte-level BPE) is held back until it is complete.

use std::sync::Arc;

use tokenizers::Tokenizer;

use super::TokenizerError;

/// Byte tokens held back at most, waiting for a character to complete.
const MAX_HELD: usize = 8;

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
    /// How many of `ids` are context: the tokens of the last piece.
    context: usize,
    /// The text of the context tokens, given out.
    prefix: String,
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
            context: 0,
            prefix: String::new(),
            primer,
        };
        decoder.reset();
        decoder
    }

    fn reset(&mut self) {
        self.ids = self.primer.clone();
        self.context = self.ids.len();
        self.prefix = self.decode(&self.primer).unwrap_or_default();
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
        self.ids.push(id);
        let held = self.ids.len() - self.context;
        let text = self.decode(&self.ids)?;
        // A character takes at most four byte tokens; past that the bytes
        // are not going to form one, and they go out as they are.
        if text.ends_with(char::REPLACEMENT_CHARACTER) && held < MAX_HELD {
            return Ok(None);
        }
        let new = self.new_text(text)?;
        if new.is_empty() {
            return Ok(None);
        }
        self.ids.drain(..self.context);
        self.context = self.ids.len();
        self.prefix = self.decode(&self.ids)?;
        Ok(Some(new))
    }

    /// What `text`, the decoded context and held tokens, adds to the
    /// context. Decoding the held tokens with their context keeps the
    /// spaces SentencePiece writes; when more bytes regroup the context's
    /// text (a byte run that turns out invalid), what was given out stays
    /// given out and the held tokens are decoded alone.
    fn new_text(&self, text: String) -> Result<String, TokenizerError> {
        match text.strip_prefix(self.prefix.as_str()) {
            Some(new) => Ok(new.to_owned()),
            None => self.decode(&self.ids[self.context..]),
        }
    }

    /// The text still held back when the generation ends (a character cut
    /// off by the token limit comes out as U+FFFD), and a fresh start.
    pub fn flush(&mut self) -> Result<Option<String>, TokenizerError> {
        let text = self.decode(&self.ids)?;
        let rest = Some(self.new_text(text)?).filter(|rest| !rest.is_empty());
        self.reset();
        Ok(rest)
    }
}
