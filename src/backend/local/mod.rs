//! Local models: GGUF files run in-process with candle.

pub mod model;
pub mod sampler;
mod stop;
