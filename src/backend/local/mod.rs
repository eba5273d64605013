//! Local models: GGUF files run in-process with candle, and the folder that
//! keeps them.

pub mod gguf;
pub mod summary;

pub use summary::ModelSummary;
