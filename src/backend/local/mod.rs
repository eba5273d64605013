//! Local models: GGUF files run in-process.

pub mod chat_template;
pub mod tokenizer;

pub use chat_template::{ChatTemplate, ChatTemplateError};
pub use tokenizer::{LocalTokenizer, StreamDecoder, TokenizerError, TokenizerSource};
