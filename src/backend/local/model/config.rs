//! The shape of a transformer, read from GGUF metadata.
//!
//! Every supported architecture is the same decoder block with a few
//! switches (biases, per-head norms, fused projections, extra norms, sliding
//! windows); this is where those switches are set, once, from the keys
//! llama.cpp's converter writes.

use std::collections::HashMap;

use candle_core::quantized::gguf_file::Value;

use super::ModelError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Architecture {
    /// Llama, Mistral, SmolLM2.
    Llama,
    Qwen2,
    Qwen3,
    Phi3,
    Gemma3,
}

impl Architecture {
    pub const SUPPORTED: &'static str = "llama, qwen2, qwen3, phi3, gemma3";

    fn parse(name: &str) -> Option<Architecture> {
        Some(match name {
            "llama" => Architecture::Llama,
            "qwen2" => Architecture::Qwen2,
            "qwen3" => Architecture::Qwen3,
            "phi3" => Architecture::Phi3,
            "gemma3" => Architecture::Gemma3,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Architecture::Llama => "llama",
            Architecture::Qwen2 => "qwen2",
            Architecture::Qwen3 => "qwen3",
            Architecture::Phi3 => "phi3",
            Architecture::Gemma3 => "gemma3",
        }
    }
}

/// How rotary embeddings pair up dimensions: llama.cpp's converter permutes
/// Llama's query and key weights so that adjacent pairs rotate; the others
/// keep Hugging Face's halves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RopeStyle {
    Interleaved,
    Halves,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    Silu,
    /// GELU, tanh approximation (Gemma).
    GeluTanh,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModelConfig {
    pub architecture: Architecture,
    pub embedding: usize,
    pub layers: usize,
    pub heads: usize,
    pub kv_heads: usize,
    pub head_dim: usize,
    pub context_length: usize,
    pub rms_eps: f32,
    pub rope_base: f32,
    /// Positions are multiplied by this (linear rope scaling); 1 for none.
    pub rope_position_scale: f32,
    pub rope_style: RopeStyle,
    pub activation: Activation,
    /// Sliding-window attention: the window, and the rope base of the
    /// windowed layers (Gemma 3: five windowed layers, then one global).
    pub sliding_window: Option<SlidingWindow>,
    /// Query scale before the dot product.
    pub attention_scale: f32,
    /// Gemma multiplies the token embeddings by √embedding.
    pub scale_embeddings: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SlidingWindow {
    pub size: usize,
    /// Every `period`-th layer (counting from 1) attends globally.
    pub period: usize,
    pub rope_base: f32,
}

impl ModelConfig {
    pub fn from_metadata(metadata: &HashMap<String, Value>) -> Result<ModelConfig, ModelError> {
        let keys = Keys(metadata);
        let name = keys.string("general.architecture")?;
        let architecture = Architecture::parse(name).ok_or_else(|| {
            ModelError::Unsupported(format!(
                "the \"{name}\" architecture is not supported (supported: {})",
                Architecture::SUPPORTED
            ))
        })?;
        let key = |suffix: &str| format!("{name}.{suffix}");
        let embedding = keys.usize(&key("embedding_length"))?;
        let heads = keys.usize(&key("attention.head_count"))?;
        let kv_heads = keys
            .optional_usize(&key("attention.head_count_kv"))?
            .unwrap_or(heads);
        if heads == 0 || kv_heads == 0 || !heads.is_multiple_of(kv_heads) {
            return Err(ModelError::Invalid(format!(
                "{heads} attention heads cannot share {kv_heads} key/value heads"
            )));
        }
        let head_dim = match keys.optional_usize(&key("attention.key_length"))? {
            Some(length) => length,
            None if embedding % heads == 0 => embedding / heads,
            None => {
                return Err(ModelError::Invalid(format!(
                    "an embedding of {embedding} does not split into {heads} heads"
                )));
            }
        };
        if head_dim % 2 != 0 {
            return Err(ModelError::Invalid(format!(
                "rotary embeddings need an even head size, not {head_dim}"
            )));
        }
        if let Some(rope_dims) = keys.optional_usize(&key("rope.dimension_count"))?
            && rope_dims != head_dim
        {
            return Err(ModelError::Unsupported(format!(
                "partial rotary embeddings ({rope_dims} of {head_dim} dimensions) are not supported"
            )));
        }
        let rope_position_scale = match keys.optional_string(&key("rope.scaling.type"))? {
            None | Some("none") => 1.0,
            Some("linear") => 1.0 / keys.f32(&key("rope.scaling.factor"))?,
            Some(other) => {
                return Err(ModelError::Unsupported(format!(
                    "\"{other}\" rope scaling is not supported"
                )));
            }
        };
        let gemma = architecture == Architecture::Gemma3;
        let sliding_window = match keys.optional_usize(&key("attention.sliding_window"))? {
            Some(size) if gemma => Some(SlidingWindow {
                size,
                period: 6,
                rope_base: 10_000.0,
            }),
            _ => None,
        };
        Ok(ModelConfig {
            architecture,
            embedding,
            layers: keys.usize(&key("block_count"))?,
            heads,
            kv_heads,
            head_dim,
            context_length: keys.usize(&key("context_length"))?,
            rms_eps: keys.f32(&key("attention.layer_norm_rms_epsilon"))?,
            rope_base: keys
                .optional_f32(&key("rope.freq_base"))?
                .unwrap_or(10_000.0),
            rope_position_scale,
            rope_style: match architecture {
                Architecture::Llama => RopeStyle::Interleaved,
                _ => RopeStyle::Halves,
            },
            activation: if gemma {
                Activation::GeluTanh
            } else {
                Activation::Silu
            },
            sliding_window,
            attention_scale: 1.0 / (head_dim as f32).sqrt(),
            scale_embeddings: gemma,
        })
    }

    /// The window layer `index` attends within, if it is a windowed layer.
    pub fn window_of_layer(&self, index: usize) -> Option<usize> {
        self.sliding_window
            .filter(|window| !(index + 1).is_multiple_of(window.period))
            .map(|window| window.size)
    }

    /// The rope base and position scale of layer `index`: windowed layers
    /// keep their own base and no scaling, as llama.cpp runs them.
    pub fn rope_of_layer(&self, index: usize) -> (f32, f32) {
        match self.sliding_window {
            Some(window) if self.window_of_layer(index).is_some() => (window.rope_base, 1.0),
            _ => (self.rope_base, self.rope_position_scale),
        }
    }
}

/// Typed access to metadata, with errors that name the key.
struct Keys<'a>(&'a HashMap<String, Value>);

impl Keys<'_> {
    fn get(&self, key: &str) -> Result<&Value, ModelError> {
        self.0
            .get(key)
            .ok_or_else(|| ModelError::Invalid(format!("the metadata key {key} is missing")))
    }

    fn string(&self, key: &str) -> Result<&str, ModelError> {
        self.get(key)?
            .to_string()
            .map(String::as_str)
            .map_err(|_| wrong_type(key, "text"))
    }

    fn optional_string(&self, key: &str) -> Result<Option<&str>, ModelError> {
        self.0.get(key).map(|_| self.string(key)).transpose()
    }

    fn usize(&self, key: &str) -> Result<usize, ModelError> {
        let value = self.get(key)?;
        let number = match value {
            Value::U8(v) => u64::from(*v),
            Value::U16(v) => u64::from(*v),
            Value::U32(v) => u64::from(*v),
            Value::U64(v) => *v,
            Value::I8(v) => u64::try_from(*v).map_err(|_| wrong_type(key, "a count"))?,
            Value::I16(v) => u64::try_from(*v).map_err(|_| wrong_type(key, "a count"))?,
            Value::I32(v) => u64::try_from(*v).map_err(|_| wrong_type(key, "a count"))?,
            Value::I64(v) => u64::try_from(*v).map_err(|_| wrong_type(key, "a count"))?,
            _ => return Err(wrong_type(key, "a count")),
        };
        // No real model comes near this; it keeps absurd files from sizing
        // allocations.
        if number > 1 << 24 {
            return Err(ModelError::Invalid(format!(
                "the metadata key {key} is implausibly large ({number})"
            )));
        }
        Ok(number as usize)
    }

    fn optional_usize(&self, key: &str) -> Result<Option<usize>, ModelError> {
        self.0.get(key).map(|_| self.usize(key)).transpose()
    }

    fn f32(&self, key: &str) -> Result<f32, ModelError> {
        let number = match self.get(key)? {
            Value::F32(v) => *v,
            Value::F64(v) => *v as f32,
            _ => return Err(wrong_type(key, "a number")),
        };
        if number.is_finite() && number > 0.0 {
            Ok(number)
        } else {
            Err(ModelError::Invalid(format!(
                "the metadata key {key} must be a positive number, not {number}"
            )))
        }
    }

    fn optional_f32(&self, key: &str) -> Result<Option<f32>, ModelError> {
        self.0.get(key).map(|_| self.f32(key)).transpose()
    }
}

fn wrong_type(key: &str, expected: &str) -> ModelError {
    ModelError::Invalid(format!("the metadata key {key} is not {expected}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(architecture: &str, extra: &[(&str, Value)]) -> HashMap<String, Value> {
        let mut map = HashMap::new();
        map.insert(
            "general.architecture".into(),
            Value::String(architecture.into()),
        );
        let base = [
            ("embedding_length", Value::U32(64)),
            ("block_count", Value::U32(2)),
            ("attention.head_count", Value::U32(4)),
            ("attention.head_count_kv", Value::U32(2)),
            ("context_length", Value::U32(256)),
            ("attention.layer_norm_rms_epsilon", Value::F32(1e-6)),
        ];
        for (key, value) in base {
            map.insert(format!("{architecture}.{key}"), value);
        }
        for (key, value) in extra {
            map.insert(format!("{architecture}.{key}"), value.clone());
        }
        map
    }

    #[test]
    fn llama_rotates_adjacent_pairs_and_others_rotate_halves() {
        let llama = ModelConfig::from_metadata(&metadata("llama", &[])).unwrap();
        assert_eq!(llama.rope_style, RopeStyle::Interleaved);
        assert_eq!(llama.head_dim, 16);
        assert_eq!(llama.rope_base, 10_000.0);
        let qwen = ModelConfig::from_metadata(&metadata("qwen2", &[])).unwrap();
        assert_eq!(qwen.rope_style, RopeStyle::Halves);
    }

    #[test]
    fn gemma_windows_five_layers_of_six() {
        let config = ModelConfig::from_metadata(&metadata(
            "gemma3",
            &[
                ("attention.sliding_window", Value::U32(512)),
                ("attention.key_length", Value::U32(32)),
                ("rope.freq_base", Value::F32(1e6)),
            ],
        ))
        .unwrap();
        let windows: Vec<_> = (0..7).map(|layer| config.window_of_layer(layer)).collect();
        assert_eq!(
            windows,
            [
                Some(512),
                Some(512),
                Some(512),
                Some(512),
                Some(512),
                None,
                Some(512)
            ]
        );
        assert_eq!(config.rope_of_layer(0), (10_000.0, 1.0));
        assert_eq!(config.rope_of_layer(5), (1e6, 1.0));
        assert_eq!(config.head_dim, 32);
        assert!(config.scale_embeddings);
        assert_eq!(config.activation, Activation::GeluTanh);
    }

    #[test]
    fn unknown_architectures_are_named() {
        let error = ModelConfig::from_metadata(&metadata("mamba", &[])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "The model cannot be used: the \"mamba\" architecture is not supported \
             (supported: llama, qwen2, qwen3, phi3, gemma3)."
        );
    }

    #[test]
    fn missing_and_absurd_keys_are_named() {
        let mut map = metadata("qwen3", &[]);
        map.remove("qwen3.block_count");
        let error = ModelConfig::from_metadata(&map).unwrap_err();
        assert!(
            error.to_string().contains("qwen3.block_count is missing"),
            "{error}"
        );

        let map = metadata("qwen3", &[("context_length", Value::U64(u64::MAX))]);
        let error = ModelConfig::from_metadata(&map).unwrap_err();
        assert!(error.to_string().contains("implausibly large"), "{error}");

        let map = metadata("qwen3", &[("attention.head_count_kv", Value::U32(3))]);
        let error = ModelConfig::from_metadata(&map).unwrap_err();
        assert!(error.to_string().contains("cannot share"), "{error}");
    }
}
