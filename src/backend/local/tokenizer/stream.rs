//! Text from tokens as they are generated, one piece per token, never with
//! half a character: a character whose bytes span several tokens (byte
//! fallback, byte-level BPE) is held back until it is complete.

use std::collections::HashSet;
use std::sync::Arc;

use tokenizers::{DecoderWrapper, Tokenizer};

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
    /// How each ordinary token's text maps to bytes, when it does.
    bytes: TokenBytes,
}

/// Raw bytes of tokens, so held-back text is judged on bytes, not on
/// decoded text, in which a real U+FFFD and an invalid byte look alike.
#[derive(Clone)]
struct TokenBytes {
    /// Byte-level BPE (GPT-2 style): every character of a token is a byte.
    byte_level: bool,
    /// Added and special tokens: never bytes.
    added: HashSet<u32>,
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
        let bytes = TokenBytes {
            byte_level: matches!(tokenizer.get_decoder(), Some(DecoderWrapper::ByteLevel(_))),
            added: tokenizer.get_added_tokens_decoder().into_keys().collect(),
        };
        let mut decoder = StreamDecoder {
            bytes,
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
        let new = match self.held_bytes() {
            // The held bytes say for themselves whether a character is
            // complete. (Decoding them with their context cannot: in
            // SentencePiece's byte fallback one invalid byte turns the whole
            // run into U+FFFD, and a real U+FFFD looks like a cut one.)
            Some(bytes) => match std::str::from_utf8(&bytes) {
                Ok(text) => text.to_owned(),
                Err(error) if error.error_len().is_none() => return Ok(None),
                Err(_) => String::from_utf8_lossy(&bytes).into_owned(),
            },
            None => {
                let held = self.ids.len() - self.context;
                let text = self.decode(&self.ids)?;
                // A character takes at most four byte tokens; past that
                // the bytes are not going to form one.
                if text.ends_with(char::REPLACEMENT_CHARACTER) && held < MAX_HELD {
                    return Ok(None);
                }
                self.new_text(text)?
            }
        };
        if new.is_empty() {
            return Ok(None);
        }
        self.ids.drain(..self.context);
        self.context = self.ids.len();
        self.prefix = self.decode(&self.ids)?;
        Ok(Some(new))
    }

    /// The bytes of the held tokens, when every one of them is bytes:
    /// a byte-fallback token (`<0xE4>`) or a byte-level BPE token.
    fn held_bytes(&self) -> Option<Vec<u8>> {
        let mut bytes = Vec::new();
        for &id in &self.ids[self.context..] {
            if self.bytes.added.contains(&id) {
                return None;
            }
            let token = self.tokenizer.id_to_token(id)?;
            if let Some(byte) = byte_fallback(&token) {
                bytes.push(byte);
            } else if self.bytes.byte_level {
                for c in token.chars() {
                    bytes.push(byte_level_byte(c)?);
                }
            } else {
                return None;
            }
        }
        Some(bytes)
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

/// `<0xE4>` is the byte 0xE4.
fn byte_fallback(token: &str) -> Option<u8> {
    let hex = token.strip_prefix("<0x")?.strip_suffix('>')?;
    (hex.len() == 2).then(|| u8::from_str_radix(hex, 16).ok())?
}

/// GPT-2's byte-level alphabet: printable bytes stand for themselves, the
/// others were moved to U+0100 and up, in order.
fn byte_level_byte(c: char) -> Option<u8> {
    let printable =
        |b: u32| (33..=126).contains(&b) || (161..=172).contains(&b) || (174..=255).contains(&b);
    let code = c as u32;
    if code < 256 {
        return printable(code).then_some(code as u8);
    }
    // The others, counted from U+0100: 0..=32, then 127..=160, then 173.
    match code - 256 {
        n @ 0..=32 => Some(n as u8),
        n @ 33..=66 => Some((n + 94) as u8),
        67 => Some(173),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::byte_level_byte;

    /// Against GPT-2's `bytes_to_unicode`, built as it builds it.
    #[test]
    fn the_byte_level_alphabet_maps_back_to_every_byte() {
        let printable = |b: u32| {
            (33..=126).contains(&b) || (161..=172).contains(&b) || (174..=255).contains(&b)
        };
        let mut moved = 256;
        for byte in 0u32..256 {
            let c = if printable(byte) {
                byte
            } else {
                moved += 1;
                moved - 1
            };
            assert_eq!(
                byte_level_byte(char::from_u32(c).unwrap()),
                Some(byte as u8)
            );
        }
        for code in moved..0x400 {
            assert_eq!(
                byte_level_byte(char::from_u32(code).unwrap()),
                None,
                "{code:#x}"
            );
        }
        assert_eq!(byte_level_byte(' '), None);
    }
}
