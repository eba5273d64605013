//! What a model file is, read from its header alone: what the model list
//! and the model picker show.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::gguf::{self, Content, GgmlType, GgufError, Value};

/// A GGUF model at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ModelSummary {
    /// `general.architecture`: llama, qwen2, qwen3, gemma3, phi3, ...
    pub architecture: Option<String>,
    /// `general.name`, as the publisher named it.
    pub name: Option<String>,
    /// The number of weights: every tensor's elements, summed.
    pub parameters: u64,
    /// llama.cpp's name for the file type (`Q4_K_M`), else the type most of
    /// the weight matrices use (`Q4_K`).
    pub quantization: Option<String>,
    /// `{architecture}.context_length`: the longest context it was trained for.
    pub context_length: Option<u64>,
    pub file_size: u64,
    /// Whether the file carries its chat template (`tokenizer.chat_template`).
    pub has_chat_template: bool,
}

const ARCHITECTURE: &str = "general.architecture";
const NAME: &str = "general.name";
const FILE_TYPE: &str = "general.file_type";
const CHAT_TEMPLATE: &str = "tokenizer.chat_template";
/// Set in `general.file_type` when llama.cpp guessed the type.
const FTYPE_GUESSED: u64 = 1024;

impl ModelSummary {
    /// Reads the summary of the model at `path`: the header only, skipping
    /// the vocabulary, so it is quick even for multi-gigabyte files.
    pub fn read(path: &Path) -> Result<ModelSummary, GgufError> {
        let keep = |key: &str| {
            key.starts_with("general.") || key.ends_with(".context_length") || key == CHAT_TEMPLATE
        };
        let content = gguf::read_with(path, &keep)?;
        let file_size = std::fs::metadata(path)
            .map_err(|source| GgufError::Io {
                path: path.to_owned(),
                source,
            })?
            .len();
        Ok(ModelSummary::of(&content, file_size))
    }

    /// The summary of a header already read.
    pub fn of(content: &Content, file_size: u64) -> ModelSummary {
        let text = |key: &str| match content.metadata.get(key) {
            Some(Value::String(text)) if !text.trim().is_empty() => Some(text.trim().to_owned()),
            _ => None,
        };
        let architecture = text(ARCHITECTURE);
        let context_length = architecture.as_ref().and_then(|arch| {
            let key = format!("{arch}.context_length");
            content.metadata.get(&key).and_then(gguf::unsigned)
        });
        let quantization = content
            .metadata
            .get(FILE_TYPE)
            .and_then(gguf::unsigned)
            .and_then(|ftype| ftype_name(ftype & !FTYPE_GUESSED))
            .map(str::to_owned)
            .or_else(|| main_matrix_type(content));
        ModelSummary {
            name: text(NAME),
            architecture,
            parameters: content
                .tensor_infos
                .values()
                .map(|info| info.shape.elem_count() as u64)
                .sum(),
            quantization,
            context_length,
            file_size,
            has_chat_template: content.metadata.contains_key(CHAT_TEMPLATE),
        }
    }
}

/// The type holding the most weights among the matrices (2-D tensors):
/// vectors such as norms stay F32 in every quantization.
fn main_matrix_type(content: &Content) -> Option<String> {
    let mut weights: HashMap<&'static str, u64> = HashMap::new();
    for info in content.tensor_infos.values() {
        if info.shape.rank() == 2 {
            *weights
                .entry(GgmlType::name_of(info.ggml_dtype))
                .or_default() += info.shape.elem_count() as u64;
        }
    }
    // Ties go to the name that sorts first, so the label is stable.
    weights
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(name, _)| name.to_owned())
}

/// `enum llama_ftype` of llama.h, as llama.cpp names the types.
fn ftype_name(ftype: u64) -> Option<&'static str> {
    Some(match ftype {
        0 => "F32",
        1 => "F16",
        2 => "Q4_0",
        3 => "Q4_1",
        4 => "Q4_1_SOME_F16",
        7 => "Q8_0",
        8 => "Q5_0",
        9 => "Q5_1",
        10 => "Q2_K",
        11 => "Q3_K_S",
        12 => "Q3_K_M",
        13 => "Q3_K_L",
        14 => "Q4_K_S",
        15 => "Q4_K_M",
        16 => "Q5_K_S",
        17 => "Q5_K_M",
        18 => "Q6_K",
        19 => "IQ2_XXS",
        20 => "IQ2_XS",
        21 => "Q2_K_S",
        22 => "IQ3_XS",
        23 => "IQ3_XXS",
        24 => "IQ1_S",
        25 => "IQ4_NL",
        26 => "IQ3_S",
        27 => "IQ3_M",
        28 => "IQ2_S",
        29 => "IQ2_M",
        30 => "IQ4_XS",
        31 => "IQ1_M",
        32 => "BF16",
        36 => "TQ1_0",
        37 => "TQ2_0",
        38 => "MXFP4_MOE",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use candle_core::quantized::GgmlDType;

    use super::*;
    use crate::backend::local::gguf::testing::{quantized, tiny_model, write};

    fn summary_of(bytes: &[u8]) -> ModelSummary {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.gguf");
        std::fs::write(&path, bytes).unwrap();
        ModelSummary::read(&path).unwrap()
    }

    #[test]
    fn summary_of_a_tiny_model() {
        let bytes = tiny_model();
        assert_eq!(
            summary_of(&bytes),
            ModelSummary {
                architecture: Some("llama".into()),
                name: Some("Tiny Test".into()),
                parameters: 2 * 32 + 8,
                quantization: Some("Q8_0".into()),
                context_length: Some(4096),
                file_size: bytes.len() as u64,
                has_chat_template: true,
            }
        );
    }

    #[test]
    fn quantization_labels() {
        let cases = [
            (Some(Value::U32(15)), "Q4_K_M"),
            (Some(Value::U32(15 | 1024)), "Q4_K_M"),
            (Some(Value::I32(18)), "Q6_K"),
            // Unknown or absent: the type of most matrix weights.
            (Some(Value::U32(500)), "Q4_K"),
            (None, "Q4_K"),
        ];
        for (file_type, expected) in cases {
            let mut metadata = vec![("general.architecture", Value::String("qwen3".into()))];
            metadata.extend(file_type.map(|v| ("general.file_type", v)));
            let tensors = [
                ("big", quantized(&[4, 256], GgmlDType::Q4K)),
                ("small", quantized(&[1, 256], GgmlDType::Q6K)),
                ("norm", quantized(&[2048], GgmlDType::F32)),
            ];
            let summary = summary_of(&write(&metadata, &tensors));
            assert_eq!(summary.quantization.as_deref(), Some(expected));
            assert_eq!(summary.context_length, None);
            assert!(!summary.has_chat_template);
        }
    }

    #[test]
    fn a_large_vocabulary_is_summarised_quickly() {
        let tokens = Value::Array(
            (0..150_000)
                .map(|i| Value::String(format!("tok{i}")))
                .collect(),
        );
        let scores = Value::Array((0..150_000).map(|i| Value::F32(i as f32)).collect());
        let metadata = [
            ("general.architecture", Value::String("qwen2".into())),
            ("qwen2.context_length", Value::U64(32768)),
            ("tokenizer.ggml.tokens", tokens),
            ("tokenizer.ggml.scores", scores),
        ];
        let bytes = write(&metadata, &[("w", quantized(&[8], GgmlDType::F32))]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.gguf");
        std::fs::write(&path, &bytes).unwrap();
        let started = Instant::now();
        let summary = ModelSummary::read(&path).unwrap();
        // Generous for a debug build on a busy machine; it takes milliseconds.
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(summary.context_length, Some(32768));
        let full = gguf::read(&path).unwrap();
        assert_eq!(
            full.metadata["tokenizer.ggml.tokens"]
                .to_vec()
                .unwrap()
                .len(),
            150_000
        );
    }
}
