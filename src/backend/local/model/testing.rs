//! Tiny random-weight models of every architecture, written as GGUF in
//! memory, for tests that check the model against itself (cache reuse,
//! chunking). Parity with an independent engine is checked against the
//! committed fixtures in tests/.

use std::io::Cursor;

use candle_core::quantized::gguf_file::{self, Content, Value};
use candle_core::quantized::{GgmlDType, QTensor};
use candle_core::{Device, Tensor};

pub const VOCAB: usize = 96;
const EMBEDDING: usize = 64;
const HEADS: usize = 4;
const KV_HEADS: usize = 2;
const HEAD: usize = 16;
const FFN: usize = 128;

/// A GGUF file of `architecture` with two layers and random weights.
pub fn tiny_model(architecture: &str, sliding_window: Option<u32>) -> Vec<u8> {
    let device = Device::Cpu;
    let mut metadata: Vec<(String, Value)> = vec![(
        "general.architecture".into(),
        Value::String(architecture.into()),
    )];
    let mut key = |suffix: &str, value: Value| {
        metadata.push((format!("{architecture}.{suffix}"), value));
    };
    key("embedding_length", Value::U32(EMBEDDING as u32));
    key("block_count", Value::U32(2));
    key("feed_forward_length", Value::U32(FFN as u32));
    key("attention.head_count", Value::U32(HEADS as u32));
    key("attention.head_count_kv", Value::U32(KV_HEADS as u32));
    key("attention.key_length", Value::U32(HEAD as u32));
    key("context_length", Value::U32(128));
    key("attention.layer_norm_rms_epsilon", Value::F32(1e-5));
    key("rope.freq_base", Value::F32(10_000.0));
    if let Some(window) = sliding_window {
        key("attention.sliding_window", Value::U32(window));
    }

    let mut seed = 0u64;
    let mut random = |shape: &[usize], dtype: GgmlDType, scale: f64| {
        seed += 1;
        let values: Vec<f32> = {
            let mut rng = fastrand::Rng::with_seed(seed);
            (0..shape.iter().product::<usize>())
                .map(|_| ((rng.f64() * 2.0 - 1.0) * scale) as f32)
                .collect()
        };
        let tensor = Tensor::from_vec(values, shape, &device).unwrap();
        QTensor::quantize(&tensor, dtype).unwrap()
    };
    let norm = |random: &mut dyn FnMut(&[usize], GgmlDType, f64) -> QTensor, size| {
        let noise = random(&[size], GgmlDType::F32, 0.2)
            .dequantize(&Device::Cpu)
            .unwrap();
        QTensor::quantize(&(noise + 1.0).unwrap(), GgmlDType::F32).unwrap()
    };
    let q8 = GgmlDType::Q8_0;
    let (q_dim, kv_dim) = (HEADS * HEAD, KV_HEADS * HEAD);
    let mut tensors: Vec<(String, QTensor)> = vec![
        (
            "token_embd.weight".into(),
            random(&[VOCAB, EMBEDDING], q8, 1.0),
        ),
        ("output_norm.weight".into(), norm(&mut random, EMBEDDING)),
        ("output.weight".into(), random(&[VOCAB, EMBEDDING], q8, 0.5)),
    ];
    for layer in 0..2 {
        let mut add = |name: &str, tensor: QTensor| {
            tensors.push((format!("blk.{layer}.{name}"), tensor));
        };
        add("attn_norm.weight", norm(&mut random, EMBEDDING));
        add("ffn_norm.weight", norm(&mut random, EMBEDDING));
        add("attn_output.weight", random(&[EMBEDDING, q_dim], q8, 0.3));
        add("ffn_down.weight", random(&[EMBEDDING, FFN], q8, 0.3));
        if architecture == "phi3" {
            add(
                "attn_qkv.weight",
                random(&[q_dim + 2 * kv_dim, EMBEDDING], q8, 0.3),
            );
            add("ffn_up.weight", random(&[2 * FFN, EMBEDDING], q8, 0.3));
        } else {
            add("attn_q.weight", random(&[q_dim, EMBEDDING], q8, 0.3));
            add("attn_k.weight", random(&[kv_dim, EMBEDDING], q8, 0.3));
            add("attn_v.weight", random(&[kv_dim, EMBEDDING], q8, 0.3));
            add("ffn_gate.weight", random(&[FFN, EMBEDDING], q8, 0.3));
            add("ffn_up.weight", random(&[FFN, EMBEDDING], q8, 0.3));
        }
        if architecture == "qwen2" {
            add("attn_q.bias", random(&[q_dim], GgmlDType::F32, 0.1));
            add("attn_k.bias", random(&[kv_dim], GgmlDType::F32, 0.1));
            add("attn_v.bias", random(&[kv_dim], GgmlDType::F32, 0.1));
        }
        if architecture == "qwen3" || architecture == "gemma3" {
            add("attn_q_norm.weight", norm(&mut random, HEAD));
            add("attn_k_norm.weight", norm(&mut random, HEAD));
        }
        if architecture == "gemma3" {
            add("post_attention_norm.weight", norm(&mut random, EMBEDDING));
            add("post_ffw_norm.weight", norm(&mut random, EMBEDDING));
        }
    }
    let mut file = Cursor::new(Vec::new());
    let metadata: Vec<(&str, &Value)> = metadata.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let tensors: Vec<(&str, &QTensor)> = tensors.iter().map(|(k, v)| (k.as_str(), v)).collect();
    gguf_file::write(&mut file, &metadata, &tensors).unwrap();
    file.into_inner()
}

pub fn load(bytes: &[u8]) -> super::Transformer {
    let mut reader = Cursor::new(bytes);
    let content = Content::read(&mut reader).unwrap();
    super::Transformer::load(&content, &mut reader, &Device::Cpu).unwrap()
}
