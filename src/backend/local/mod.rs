//! Local models: GGUF files run in-process.

pub mod tokenizer;

pub use tokenizer::{LocalTokenizer, StreamDecoder, TokenizerError, TokenizerSource};
