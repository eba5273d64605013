//! Q5_0 weights times a few input rows, read straight from the compact
//! weights.
//!
//! llama.cpp's quantizer falls back to Q5_0 for rows that are not a whole
//! number of 256-value super-blocks (Qwen2.5 0.5B, Gemma 3 1B in Q4_K_M),
//! and candle multiplies Q5_0 with scalar code only. The weights are dotted
//! with the input quantized to Q8_0, as llama.cpp does, spread over
//! candle's worker pool, by the fastest kernel the machine runs: AVX-512
//! VNNI (`vnni.rs`), else AVX2 (`avx2.rs`). Without AVX2 the weights are
//! widened to Q8_0 at load instead (`widen.rs`).

mod avx2;
mod vnni;

use std::ops::Range;
use std::sync::atomic::{AtomicU32, Ordering};

use candle_core::quantized::{GgmlDType, QTensor};
use candle_core::{Result, bail};
use half::f16;
use pulp::x86::V3;

/// Values per block, in the weights and in the quantized input.
const BLOCK: usize = 32;
/// d (f16), qh (the 32 fifth bits), qs (16 bytes: values j and j + 16 in
/// the low and high nibble of byte j).
const BLOCK_BYTES: usize = 22;

/// A dot product of Q5_0 weight rows with quantized input rows, holding
/// the proof that this machine runs it.
#[derive(Debug, Clone, Copy)]
enum Kernel {
    Vnni(vnni::Vnni),
    Avx2(V3),
}

impl Kernel {
    /// Those this machine runs, fastest first.
    fn available() -> impl Iterator<Item = Kernel> {
        [
            vnni::Vnni::try_new().map(Kernel::Vnni),
            V3::try_new().map(Kernel::Avx2),
        ]
        .into_iter()
        .flatten()
    }

    /// Fills the products of weight rows `range`.
    fn fill(self, rows: &Rows, range: Range<usize>) {
        match self {
            Kernel::Vnni(vnni) => vnni.fill(rows, range),
            Kernel::Avx2(simd) => avx2::fill(simd, rows, range),
        }
    }
}

/// Whether this machine multiplies Q5_0 weights as they are.
pub fn available() -> bool {
    Kernel::available().next().is_some()
}

/// Each of `weights` (Q5_0, out × in) times each of the `rows` rows of `x`
/// (rows × in, row-major): per weight, rows × out values, row-major.
/// Every weight takes the same input, quantized once; all run in one pass
/// of the worker pool.
pub fn matmul(weights: &[&QTensor], x: &[f32], rows: usize) -> Result<Vec<Vec<f32>>> {
    let Some(kernel) = Kernel::available().next() else {
        bail!("the Q5_0 kernel needs AVX2 and FMA");
    };
    matmul_with(kernel, weights, x, rows)
}

fn matmul_with(
    kernel: Kernel,
    weights: &[&QTensor],
    x: &[f32],
    rows: usize,
) -> Result<Vec<Vec<f32>>> {
    let columns = x.len() / rows.max(1);
    let mut matrices = Vec::with_capacity(weights.len());
    for weight in weights {
        let (out, inner) = weight.shape().dims2()?;
        if weight.dtype() != GgmlDType::Q5_0 || inner != columns || !columns.is_multiple_of(BLOCK) {
            bail!(
                "a {:?} weight of {out} × {inner} cannot take rows of {columns} here",
                weight.dtype()
            );
        }
        matrices.push((weight.data()?, out));
    }
    debug_assert_eq!(GgmlDType::Q5_0.type_size(), BLOCK_BYTES);
    // The pool hands out ranges of weight rows counted across all weights.
    let starts: Vec<usize> = matrices
        .iter()
        .scan(0, |start, (_, out)| {
            let first = *start;
            *start += out;
            Some(first)
        })
        .collect();
    let total = starts
        .last()
        .zip(matrices.last())
        .map_or(0, |(s, m)| s + m.1);
    let work = Rows {
        outputs: matrices
            .iter()
            .map(|(_, out)| (0..rows * out).map(|_| AtomicU32::new(0)).collect())
            .collect(),
        matrices: matrices
            .iter()
            .map(|(data, out)| (data.as_ref(), *out))
            .collect(),
        starts,
        inputs: x.chunks_exact(columns).map(Input::quantize).collect(),
        row_bytes: columns / BLOCK * BLOCK_BYTES,
    };
    candle_core::utils::barrier_pool().execute_chunked(total, |range| kernel.fill(&work, range));
    Ok(work
        .outputs
        .into_iter()
        .map(|values| {
            values
                .into_iter()
                .map(|bits| f32::from_bits(bits.into_inner()))
                .collect()
        })
        .collect())
}

/// One multiplication's weights, input and products, shared by the pool's
/// threads.
struct Rows<'a> {
    /// Each weight's data and output count.
    matrices: Vec<(&'a [u8], usize)>,
    /// Where each weight's rows start in the count across all weights.
    starts: Vec<usize>,
    inputs: Vec<Input>,
    row_bytes: usize,
    /// Per weight, rows × out products as f32 bits.
    outputs: Vec<Vec<AtomicU32>>,
}

impl Rows<'_> {
    /// Stores `dot` of weight rows `range` (counted across all weights) with
    /// every input row.
    #[inline(always)]
    fn fill(&self, range: Range<usize>, dot: impl Fn(&[u8], &Input) -> f32) {
        for global in range {
            let which = self.starts.partition_point(|&start| start <= global) - 1;
            let (data, out) = self.matrices[which];
            let row = global - self.starts[which];
            let weights = &data[row * self.row_bytes..(row + 1) * self.row_bytes];
            for (index, input) in self.inputs.iter().enumerate() {
                let product = dot(weights, input);
                self.outputs[which][index * out + row].store(product.to_bits(), Ordering::Relaxed);
            }
        }
    }
}

/// An input row as Q8_0, as ggml quantizes it: per 32 values, a scale (kept
/// at f16 precision, as stored) and 32 signed bytes.
struct Input {
    scales: Vec<f32>,
    values: Vec<[i8; BLOCK]>,
    /// Per block, -16 times the sum of each four consecutive values: what
    /// the VNNI kernel, which reads every weight 16 too high, takes off.
    corrections: Vec<[i32; 8]>,
}

impl Input {
    fn quantize(row: &[f32]) -> Input {
        let blocks = row.chunks_exact(BLOCK);
        let mut input = Input {
            scales: Vec::with_capacity(blocks.len()),
            values: Vec::with_capacity(blocks.len()),
            corrections: Vec::with_capacity(blocks.len()),
        };
        for block in blocks {
            let largest = block.iter().fold(0f32, |max, v| max.max(v.abs()));
            let scale = largest / 127.0;
            let inverse = if scale == 0.0 { 0.0 } else { 1.0 / scale };
            let mut values = [0i8; BLOCK];
            for (value, &x) in values.iter_mut().zip(block) {
                *value = (x * inverse).round() as i8;
            }
            let mut corrections = [0i32; 8];
            for (correction, four) in corrections.iter_mut().zip(values.chunks_exact(4)) {
                *correction = -16 * four.iter().map(|&v| i32::from(v)).sum::<i32>();
            }
            input.scales.push(f16::from_f32(scale).to_f32());
            input.values.push(values);
            input.corrections.push(corrections);
        }
        input
    }
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Tensor};

    use super::*;

    fn dequantized(weight: &QTensor) -> Vec<f32> {
        let dense = weight.dequantize(&Device::Cpu).unwrap();
        dense.flatten_all().unwrap().to_vec1().unwrap()
    }

    fn random(count: usize, seed: u64) -> Vec<f32> {
        let mut rng = fastrand::Rng::with_seed(seed);
        (0..count).map(|_| rng.f32() * 2.0 - 1.0).collect()
    }

    /// Against the weights dequantized and the input quantized the same
    /// way, multiplied in f64: the kernel adds nothing but float rounding.
    #[test]
    fn products_match_the_dequantized_weights() {
        for kernel in Kernel::available() {
            products_match_for(kernel);
        }
    }

    fn products_match_for(kernel: Kernel) {
        let device = Device::Cpu;
        let (out, columns, rows) = (48, 896, 3);
        let dense = Tensor::from_vec(random(out * columns, 1), (out, columns), &device).unwrap();
        let first = QTensor::quantize(&dense, GgmlDType::Q5_0).unwrap();
        let second = QTensor::quantize(&(dense * -0.5).unwrap(), GgmlDType::Q5_0).unwrap();
        let x = random(rows * columns, 2);
        let products = matmul_with(kernel, &[&first, &second], &x, rows).unwrap();
        for (weight, product) in [&first, &second].into_iter().zip(products) {
            let values = dequantized(weight);
            for (index, row) in x.chunks_exact(columns).enumerate() {
                let input = Input::quantize(row);
                for o in 0..out {
                    let exact: f64 = (0..columns)
                        .map(|c| {
                            let quantized = f64::from(input.values[c / BLOCK][c % BLOCK])
                                * f64::from(input.scales[c / BLOCK]);
                            f64::from(values[o * columns + c]) * quantized
                        })
                        .sum();
                    let ours = f64::from(product[index * out + o]);
                    assert!(
                        (ours - exact).abs() < 1e-4 * exact.abs().max(1.0),
                        "{kernel:?}, row {index}, output {o}: {ours} vs {exact}"
                    );
                }
            }
        }
    }

    /// Every fifth-bit and nibble pattern, one value at a time.
    #[test]
    fn each_value_of_a_block_lands_in_its_place() {
        let device = Device::Cpu;
        let mut block = vec![0u8; BLOCK_BYTES];
        block[..2].copy_from_slice(&f16::ONE.to_le_bytes());
        block[2..6].copy_from_slice(&0xa5c3_0f96_u32.to_le_bytes());
        for (j, byte) in block[6..].iter_mut().enumerate() {
            *byte = (j as u8) | ((15 - j as u8) << 4);
        }
        let weight = QTensor::new(
            candle_core::quantized::QStorage::from_data(
                std::borrow::Cow::Owned(block),
                &device,
                GgmlDType::Q5_0,
            )
            .unwrap(),
            (1, BLOCK),
        )
        .unwrap();
        let expected = dequantized(&weight);
        for kernel in Kernel::available() {
            for position in 0..BLOCK {
                // 127 at one position quantizes to exactly 127 with scale 1.
                let mut x = vec![0.0; BLOCK];
                x[position] = 127.0;
                let product = matmul_with(kernel, &[&weight], &x, 1).unwrap()[0][0];
                assert_eq!(
                    product,
                    expected[position] * 127.0,
                    "{kernel:?}, value {position}"
                );
            }
        }
    }

    #[test]
    fn other_types_and_widths_are_refused() {
        if !available() {
            return;
        }
        let device = Device::Cpu;
        let dense = Tensor::from_vec(random(32 * 64, 3), (32, 64), &device).unwrap();
        let q8 = QTensor::quantize(&dense, GgmlDType::Q8_0).unwrap();
        assert!(matmul(&[&q8], &random(64, 4), 1).is_err());
        let q5 = QTensor::quantize(&dense, GgmlDType::Q5_0).unwrap();
        assert!(matmul(&[&q5], &random(96, 4), 1).is_err());
    }
}
