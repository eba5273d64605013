//! The transformer: one decoder implementation for every supported
//! architecture, run with candle's quantized kernels.
//!
//! It is ours rather than candle-transformers' so that the key/value cache
//! can be truncated to a shared prefix, which candle's models cannot do.

pub mod config;
#[cfg(target_arch = "x86_64")]
mod gemv;
mod kv_cache;
mod linear;
mod rope;
#[cfg(test)]
pub mod testing;
mod widen;

use std::io::{Read, Seek};
use std::sync::Arc;

use candle_core::quantized::QTensor;
use candle_core::quantized::gguf_file::Content;
use candle_core::{D, DType, Device, Tensor};
use linear::{Linear, forward_shared};

use config::Activation;
pub use config::{Architecture, ModelConfig};
use kv_cache::KvCache;
pub use linear::DENSE_FROM_ROWS;
use rope::Rope;

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("The model cannot be used: {0}.")]
    Unsupported(String),
    #[error("The model file is not usable: {0}.")]
    Invalid(String),
    #[error("The text is {needed} tokens long, but the model's context holds {available}.")]
    ContextFull { needed: usize, available: usize },
    #[error("Inference failed: {0}")]
    Candle(#[from] candle_core::Error),
}

/// A loaded model with its key/value cache.
#[derive(Debug)]
pub struct Transformer {
    config: ModelConfig,
    embeddings: Embeddings,
    layers: Vec<Layer>,
    output_norm: Tensor,
    output: Linear,
    /// One rope table per distinct (base, scale); layers index into it.
    ropes: Vec<Rope>,
    caches: Vec<KvCache>,
    vocab: usize,
    device: Device,
}

#[derive(Debug)]
enum Embeddings {
    Quantized(Arc<QTensor>),
    /// Rows whose size is not a whole number of quantized blocks.
    Dense(Tensor),
}

#[derive(Debug)]
struct Layer {
    attention_norm: Tensor,
    projections: Projections,
    q_norm: Option<Tensor>,
    k_norm: Option<Tensor>,
    attention_output: Linear,
    post_attention_norm: Option<Tensor>,
    ffn_norm: Tensor,
    ffn: Ffn,
    ffn_down: Linear,
    post_ffn_norm: Option<Tensor>,
    rope: usize,
    window: Option<usize>,
}

#[derive(Debug)]
enum Projections {
    Separate {
        q: Linear,
        k: Linear,
        v: Linear,
        biases: Option<[Tensor; 3]>,
    },
    /// Phi-3: one matrix yields query, key and value.
    Fused(Linear),
}

#[derive(Debug)]
enum Ffn {
    Separate {
        gate: Linear,
        up: Linear,
    },
    /// Phi-3: one matrix yields gate then up.
    Fused(Linear),
}

/// Reads tensors by name, checking each shape before it is used.
struct Loader<'a, R> {
    content: &'a Content,
    reader: &'a mut R,
    device: &'a Device,
    /// Reports the share of tensor bytes read so far.
    progress: &'a mut dyn FnMut(f32),
    read: usize,
    total: usize,
}

impl<R: Read + Seek> Loader<'_, R> {
    fn has(&self, name: &str) -> bool {
        self.content.tensor_infos.contains_key(name)
    }

    fn quantized(&mut self, name: &str, shape: &[usize]) -> Result<QTensor, ModelError> {
        let info = self
            .content
            .tensor_infos
            .get(name)
            .ok_or_else(|| ModelError::Invalid(format!("the tensor {name} is missing")))?;
        if info.shape.dims() != shape {
            return Err(ModelError::Invalid(format!(
                "the tensor {name} has shape {:?}, expected {shape:?}",
                info.shape.dims()
            )));
        }
        let tensor = self.content.tensor(self.reader, name, self.device)?;
        self.read += tensor.storage_size_in_bytes();
        (self.progress)((self.read as f32 / self.total.max(1) as f32).min(1.0));
        Ok(tensor)
    }

    fn linear(&mut self, name: &str, shape: &[usize]) -> Result<Linear, ModelError> {
        Ok(Linear::new(self.quantized(name, shape)?)?)
    }

    fn dense(&mut self, name: &str, shape: &[usize]) -> Result<Tensor, ModelError> {
        Ok(self.quantized(name, shape)?.dequantize(self.device)?)
    }

    fn optional_dense(
        &mut self,
        name: &str,
        shape: &[usize],
    ) -> Result<Option<Tensor>, ModelError> {
        if self.has(name) {
            self.dense(name, shape).map(Some)
        } else {
            Ok(None)
        }
    }
}

impl Transformer {
    /// Loads the model `content` describes, reading tensors from `reader`.
    pub fn load<R: Read + Seek>(
        content: &Content,
        reader: &mut R,
        device: &Device,
    ) -> Result<Transformer, ModelError> {
        Transformer::load_with_progress(content, reader, device, &mut |_| {})
    }

    /// Like [`Transformer::load`], reporting progress from 0 to 1.
    pub fn load_with_progress<R: Read + Seek>(
        content: &Content,
        reader: &mut R,
        device: &Device,
        progress: &mut dyn FnMut(f32),
    ) -> Result<Transformer, ModelError> {
        let config = ModelConfig::from_metadata(&content.metadata)?;
        let total = content
            .tensor_infos
            .values()
            .map(|info| {
                let elements = info.shape.elem_count();
                elements / info.ggml_dtype.block_size() * info.ggml_dtype.type_size()
            })
            .sum();
        let mut loader = Loader {
            content,
            reader,
            device,
            progress,
            read: 0,
            total,
        };
        let d = config.embedding;
        let head = config.head_dim;
        let q_dim = config.heads * head;
        let kv_dim = config.kv_heads * head;
        let vocab = content
            .tensor_infos
            .get("token_embd.weight")
            .map(|info| info.shape.dims().first().copied().unwrap_or(0))
            .ok_or_else(|| ModelError::Invalid("the tensor token_embd.weight is missing".into()))?;
        if loader.has("rope_factors_long.weight") || loader.has("rope_factors_short.weight") {
            return Err(ModelError::Unsupported(
                "long-context rope factors (Phi-3 128k) are not supported".into(),
            ));
        }

        let embedding_table = Arc::new(loader.quantized("token_embd.weight", &[vocab, d])?);
        let output = if loader.has("output.weight") {
            loader.linear("output.weight", &[vocab, d])?
        } else {
            // Tied: the output head is the embedding table, read once.
            Linear::shared(Arc::clone(&embedding_table))?
        };
        let embeddings = if d % embedding_table.dtype().block_size() == 0 {
            Embeddings::Quantized(embedding_table)
        } else {
            Embeddings::Dense(embedding_table.dequantize(device)?)
        };
        let frequency_factors = match loader.optional_dense("rope_freqs.weight", &[head / 2])? {
            Some(factors) => Some(factors.to_vec1::<f32>()?),
            None => None,
        };

        let positions = config.context_length.max(1);
        let mut ropes: Vec<((f32, f32), Rope)> = Vec::new();
        let mut layers = Vec::with_capacity(config.layers);
        for index in 0..config.layers {
            let rope_key = config.rope_of_layer(index);
            let rope = match ropes.iter().position(|(key, _)| *key == rope_key) {
                Some(found) => found,
                None => {
                    let (base, scale) = rope_key;
                    ropes.push((
                        rope_key,
                        Rope::new(
                            head,
                            base,
                            scale,
                            frequency_factors.as_deref(),
                            positions,
                            config.rope_style,
                            device,
                        )?,
                    ));
                    ropes.len() - 1
                }
            };
            let name = |tensor: &str| format!("blk.{index}.{tensor}.weight");
            let bias = |tensor: &str| format!("blk.{index}.{tensor}.bias");
            let projections = if loader.has(&name("attn_qkv")) {
                Projections::Fused(loader.linear(&name("attn_qkv"), &[q_dim + 2 * kv_dim, d])?)
            } else {
                let biases = if loader.has(&bias("attn_q")) {
                    Some([
                        loader.dense(&bias("attn_q"), &[q_dim])?,
                        loader.dense(&bias("attn_k"), &[kv_dim])?,
                        loader.dense(&bias("attn_v"), &[kv_dim])?,
                    ])
                } else {
                    None
                };
                Projections::Separate {
                    q: loader.linear(&name("attn_q"), &[q_dim, d])?,
                    k: loader.linear(&name("attn_k"), &[kv_dim, d])?,
                    v: loader.linear(&name("attn_v"), &[kv_dim, d])?,
                    biases,
                }
            };
            let ffn_size = ffn_size(content, &name("ffn_down"), d)?;
            let ffn = if loader.has(&name("ffn_gate")) {
                Ffn::Separate {
                    gate: loader.linear(&name("ffn_gate"), &[ffn_size, d])?,
                    up: loader.linear(&name("ffn_up"), &[ffn_size, d])?,
                }
            } else {
                Ffn::Fused(loader.linear(&name("ffn_up"), &[2 * ffn_size, d])?)
            };
            layers.push(Layer {
                attention_norm: loader.dense(&name("attn_norm"), &[d])?,
                projections,
                q_norm: loader.optional_dense(&name("attn_q_norm"), &[head])?,
                k_norm: loader.optional_dense(&name("attn_k_norm"), &[head])?,
                attention_output: loader.linear(&name("attn_output"), &[d, q_dim])?,
                post_attention_norm: loader.optional_dense(&name("post_attention_norm"), &[d])?,
                ffn_norm: loader.dense(&name("ffn_norm"), &[d])?,
                ffn,
                ffn_down: loader.linear(&name("ffn_down"), &[d, ffn_size])?,
                post_ffn_norm: loader.optional_dense(&name("post_ffw_norm"), &[d])?,
                rope,
                window: config.window_of_layer(index),
            });
        }
        let output_norm = loader.dense("output_norm.weight", &[d])?;
        Ok(Transformer {
            caches: (0..config.layers).map(|_| KvCache::default()).collect(),
            ropes: ropes.into_iter().map(|(_, rope)| rope).collect(),
            config,
            embeddings,
            layers,
            output_norm,
            output,
            vocab,
            device: device.clone(),
        })
    }

    /// Rows of the embedding table: the vocabulary the tokenizer must match.
    pub fn vocab(&self) -> usize {
        self.vocab
    }

    /// How many positions the cache holds.
    pub fn cached(&self) -> usize {
        self.caches.first().map_or(0, KvCache::len)
    }

    /// Forgets cached positions from `len` on.
    pub fn truncate_cache(&mut self, len: usize) {
        for cache in &mut self.caches {
            cache.truncate(len);
        }
    }

    /// The most positions the model can attend over.
    pub fn context_length(&self) -> usize {
        self.ropes.first().map_or(0, Rope::positions)
    }

    /// Feeds `tokens`, which follow the cached positions, and returns the
    /// logits after the last of them (a vector of `vocab` values).
    pub fn forward(&mut self, tokens: &[u32]) -> Result<Tensor, ModelError> {
        let start = self.cached();
        let count = tokens.len();
        if count == 0 {
            return Err(ModelError::Invalid("there are no tokens to feed".into()));
        }
        if start + count > self.context_length() {
            return Err(ModelError::ContextFull {
                needed: start + count,
                available: self.context_length(),
            });
        }
        let ids = Tensor::new(tokens, &self.device)?;
        let mut x = match &self.embeddings {
            Embeddings::Quantized(table) => table.embedding(&ids)?,
            Embeddings::Dense(table) => table.index_select(&ids, 0)?,
        }
        .unsqueeze(0)?;
        if self.config.scale_embeddings {
            x = x.affine((self.config.embedding as f64).sqrt(), 0.0)?;
        }
        for (index, layer) in self.layers.iter().enumerate() {
            let rope = &self.ropes[layer.rope];
            x = layer.forward(&x, start, rope, &mut self.caches[index], &self.config)?;
        }
        let last = x.narrow(1, count - 1, 1)?;
        let last = candle_nn::ops::rms_norm(&last, &self.output_norm, self.config.rms_eps)?;
        Ok(self.output.forward(&last)?.flatten_all()?)
    }
}

/// The feed-forward width, read off the down projection (metadata may be a
/// per-layer array).
fn ffn_size(content: &Content, down: &str, embedding: usize) -> Result<usize, ModelError> {
    match content.tensor_infos.get(down).map(|info| info.shape.dims()) {
        Some([rows, columns]) if *rows == embedding => Ok(*columns),
        Some(dims) => Err(ModelError::Invalid(format!(
            "the tensor {down} has shape {dims:?}, expected [{embedding}, _]"
        ))),
        None => Err(ModelError::Invalid(format!("the tensor {down} is missing"))),
    }
}

impl Layer {
    fn forward(
        &self,
        x: &Tensor,
        start: usize,
        rope: &Rope,
        cache: &mut KvCache,
        config: &ModelConfig,
    ) -> candle_core::Result<Tensor> {
        let eps = config.rms_eps;
        let h = candle_nn::ops::rms_norm(x, &self.attention_norm, eps)?;
        let attention = self.attention(&h, start, rope, cache, config)?;
        let attention = match &self.post_attention_norm {
            Some(norm) => candle_nn::ops::rms_norm(&attention, norm, eps)?,
            None => attention,
        };
        let x = (x + attention)?;
        let h = candle_nn::ops::rms_norm(&x, &self.ffn_norm, eps)?;
        let (gate, up) = match &self.ffn {
            Ffn::Separate { gate, up } => {
                let [gate, up]: [Tensor; 2] = forward_shared(&[gate, up], &h)?
                    .try_into()
                    .expect("two weights, two products");
                (gate, up)
            }
            Ffn::Fused(both) => {
                let both = both.forward(&h)?;
                let half = both.dim(D::Minus1)? / 2;
                (
                    both.narrow(D::Minus1, 0, half)?,
                    both.narrow(D::Minus1, half, half)?,
                )
            }
        };
        let gate = match config.activation {
            Activation::Silu => candle_nn::ops::silu(&gate)?,
            Activation::GeluTanh => gate.gelu()?,
        };
        let ffn = self.ffn_down.forward(&(gate * up)?)?;
        let ffn = match &self.post_ffn_norm {
            Some(norm) => candle_nn::ops::rms_norm(&ffn, norm, eps)?,
            None => ffn,
        };
        x + ffn
    }

    fn attention(
        &self,
        h: &Tensor,
        start: usize,
        rope: &Rope,
        cache: &mut KvCache,
        config: &ModelConfig,
    ) -> candle_core::Result<Tensor> {
        let (batch, count, _) = h.dims3()?;
        let head = config.head_dim;
        let (q, k, v) = match &self.projections {
            Projections::Separate { q, k, v, biases } => {
                let [q, k, v]: [Tensor; 3] = forward_shared(&[q, k, v], h)?
                    .try_into()
                    .expect("three weights, three products");
                let (mut q, mut k, mut v) = (q, k, v);
                if let Some([q_bias, k_bias, v_bias]) = biases {
                    q = q.broadcast_add(q_bias)?;
                    k = k.broadcast_add(k_bias)?;
                    v = v.broadcast_add(v_bias)?;
                }
                (q, k, v)
            }
            Projections::Fused(qkv) => {
                let qkv = qkv.forward(h)?;
                let q_dim = config.heads * head;
                let kv_dim = config.kv_heads * head;
                (
                    qkv.narrow(D::Minus1, 0, q_dim)?,
                    qkv.narrow(D::Minus1, q_dim, kv_dim)?,
                    qkv.narrow(D::Minus1, q_dim + kv_dim, kv_dim)?,
                )
            }
        };
        let split = |t: Tensor, heads: usize| {
            t.contiguous()?
                .reshape((batch, count, heads, head))?
                .transpose(1, 2)
        };
        let mut q = split(q, config.heads)?;
        let mut k = split(k, config.kv_heads)?;
        let v = split(v, config.kv_heads)?.contiguous()?;
        if let Some(norm) = &self.q_norm {
            q = candle_nn::ops::rms_norm(&q.contiguous()?, norm, config.rms_eps)?;
        }
        if let Some(norm) = &self.k_norm {
            k = candle_nn::ops::rms_norm(&k.contiguous()?, norm, config.rms_eps)?;
        }
        let q = (rope.apply(&q, start)? * f64::from(config.attention_scale))?;
        let k = rope.apply(&k, start)?;
        let (k, v) = cache.append(&k, &v)?;
        let total = start + count;

        // Query heads that share a key/value head are stacked along the
        // token axis, so keys and values are never copied per head.
        let group = config.heads / config.kv_heads;
        let q = q.reshape((batch, config.kv_heads, group * count, head))?;
        let scores = q.matmul(&k.t()?)?;
        let scores = match attention_mask(count, start, self.window, group, h.device())? {
            Some(mask) => scores.broadcast_add(&mask)?,
            None => scores,
        };
        let weights = candle_nn::ops::softmax_last_dim(&scores)?;
        let out = weights
            .matmul(&v)?
            .reshape((batch, config.heads, count, head))?
            .transpose(1, 2)?
            .reshape((batch, count, config.heads * head))?;
        debug_assert_eq!(k.dim(2)?, total);
        self.attention_output.forward(&out)
    }
}

/// Additive mask for `count` queries starting at `start` over every cached
/// position: causal, and within the window for windowed layers. `None` when
/// nothing is masked (one query, no window in reach).
fn attention_mask(
    count: usize,
    start: usize,
    window: Option<usize>,
    group: usize,
    device: &Device,
) -> candle_core::Result<Option<Tensor>> {
    let total = start + count;
    let window_reached = window.is_some_and(|size| total > size);
    if count == 1 && !window_reached {
        return Ok(None);
    }
    let mut mask = Vec::with_capacity(group * count * total);
    for _ in 0..group {
        for query in start..total {
            mask.extend((0..total).map(|key| {
                let hidden = key > query || window.is_some_and(|size| query - key >= size);
                if hidden { f32::NEG_INFINITY } else { 0.0 }
            }));
        }
    }
    Tensor::from_vec(mask, (group * count, total), device)?
        .to_dtype(DType::F32)
        .map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARCHITECTURES: [(&str, Option<u32>); 6] = [
        ("llama", None),
        ("qwen2", None),
        ("qwen3", None),
        ("phi3", None),
        ("gemma3", None),
        // A window shorter than the sequences below, so it really masks.
        ("gemma3", Some(5)),
    ];

    fn logits(model: &mut Transformer, tokens: &[u32]) -> Vec<f32> {
        model.forward(tokens).unwrap().to_vec1().unwrap()
    }

    fn assert_close(a: &[f32], b: &[f32], what: &str) {
        let worst = a
            .iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max);
        assert!(worst < 2e-3, "{what}: logits differ by {worst}");
    }

    /// A prompt fed at once, in pieces, or one token at a time gives the
    /// same logits: the cache and the masks are right.
    #[test]
    fn chunked_and_whole_prompts_agree() {
        let tokens: Vec<u32> = (0..14).map(|i| (i * 7 % 90) as u32).collect();
        for (architecture, window) in ARCHITECTURES {
            let mut model = testing::load(&testing::tiny_model(architecture, window));
            let whole = logits(&mut model, &tokens);
            assert_eq!(whole.len(), testing::VOCAB);
            assert_eq!(model.cached(), tokens.len());
            model.truncate_cache(0);
            logits(&mut model, &tokens[..5]);
            let chunked = logits(&mut model, &tokens[5..]);
            assert_close(&whole, &chunked, architecture);
            model.truncate_cache(0);
            let stepped = tokens
                .iter()
                .map(|&t| logits(&mut model, &[t]))
                .last()
                .unwrap();
            assert_close(&whole, &stepped, architecture);
        }
    }

    /// Truncating to a shared prefix and feeding the rest equals starting
    /// afresh: what prefix reuse relies on.
    #[test]
    fn a_truncated_cache_continues_like_a_fresh_one() {
        let first: Vec<u32> = (0..12).map(|i| (i * 5 % 90) as u32).collect();
        let mut second = first[..8].to_vec();
        second.extend([40, 41, 42]);
        for (architecture, window) in ARCHITECTURES {
            let bytes = testing::tiny_model(architecture, window);
            let mut reused = testing::load(&bytes);
            logits(&mut reused, &first);
            reused.truncate_cache(8);
            let continued = logits(&mut reused, &second[8..]);
            let fresh = logits(&mut testing::load(&bytes), &second);
            assert_close(&continued, &fresh, architecture);
        }
    }

    fn load_error(edit: impl FnOnce(&mut Content)) -> String {
        let bytes = testing::tiny_model("qwen2", None);
        let mut reader = std::io::Cursor::new(&bytes);
        let mut content = Content::read(&mut reader).unwrap();
        edit(&mut content);
        Transformer::load(&content, &mut reader, &Device::Cpu)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn missing_and_misshapen_tensors_are_named() {
        assert_eq!(
            load_error(|content| {
                content.tensor_infos.remove("blk.1.attn_k.bias");
            }),
            "The model file is not usable: the tensor blk.1.attn_k.bias is missing."
        );
        assert_eq!(
            load_error(|content| {
                let info = content.tensor_infos.get_mut("blk.0.ffn_up.weight").unwrap();
                info.shape = candle_core::Shape::from((64, 64));
            }),
            "The model file is not usable: the tensor blk.0.ffn_up.weight has shape [64, 64], \
             expected [128, 64]."
        );
        assert_eq!(
            load_error(|content| {
                content.tensor_infos.remove("token_embd.weight");
            }),
            "The model file is not usable: the tensor token_embd.weight is missing."
        );
    }

    #[test]
    fn a_sequence_longer_than_the_context_is_refused() {
        let mut model = testing::load(&testing::tiny_model("llama", None));
        let error = model.forward(&vec![1; 129]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "The text is 129 tokens long, but the model's context holds 128."
        );
    }

    #[test]
    fn masks_the_future_and_beyond_the_window() {
        let mask = attention_mask(2, 2, Some(3), 1, &Device::Cpu)
            .unwrap()
            .unwrap();
        let rows: Vec<Vec<f32>> = mask.to_vec2().unwrap();
        let ninf = f32::NEG_INFINITY;
        // Query 2 sees keys 0..=2 (window 3); query 3 sees keys 1..=3.
        assert_eq!(rows, [vec![0.0, 0.0, 0.0, ninf], vec![ninf, 0.0, 0.0, 0.0]]);
        assert!(
            attention_mask(1, 10, None, 4, &Device::Cpu)
                .unwrap()
                .is_none()
        );
    }
}
