//! Q5_0 weights times a few input rows, read straight from the compact
//! weights.
//!
//! llama.cpp's quantizer falls back to Q5_0 for rows that are not a whole
//! number of 256-value super-blocks (Qwen2.5 0.5B, Gemma 3 1B in Q4_K_M),
//! and candle multiplies Q5_0 with scalar code only. This is llama.cpp's
//! AVX2 dot product of Q5_0 weights with an input quantized to Q8_0, in
//! pulp's safe intrinsics, spread over candle's worker pool. Without AVX2
//! the weights are widened to Q8_0 at load instead (`widen.rs`).

use std::arch::x86_64::{__m128i, __m256, __m256i};
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

/// Whether this machine runs the kernel: x86-64 with AVX2 and FMA.
pub fn available() -> bool {
    V3::is_available()
}

/// Each of `weights` (Q5_0, out × in) times each of the `rows` rows of `x`
/// (rows × in, row-major): per weight, rows × out values, row-major.
/// Every weight takes the same input, quantized once; all run in one pass
/// of the worker pool.
pub fn matmul(weights: &[&QTensor], x: &[f32], rows: usize) -> Result<Vec<Vec<f32>>> {
    let Some(simd) = V3::try_new() else {
        bail!("the Q5_0 kernel needs AVX2 and FMA");
    };
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
    let inputs: Vec<Input> = x.chunks_exact(columns).map(Input::quantize).collect();
    let row_bytes = columns / BLOCK * BLOCK_BYTES;
    let outputs: Vec<Vec<AtomicU32>> = matrices
        .iter()
        .map(|(_, out)| (0..rows * out).map(|_| AtomicU32::new(0)).collect())
        .collect();
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
    candle_core::utils::barrier_pool().execute_chunked(total, |range| {
        simd.vectorize(|| {
            for global in range {
                let which = starts.partition_point(|&start| start <= global) - 1;
                let (data, out) = &matrices[which];
                let row = global - starts[which];
                let weights = &data[row * row_bytes..(row + 1) * row_bytes];
                for (index, input) in inputs.iter().enumerate() {
                    let product = dot(simd, weights, input);
                    outputs[which][index * out + row].store(product.to_bits(), Ordering::Relaxed);
                }
            }
        })
    });
    Ok(outputs
        .into_iter()
        .map(|values| {
            values
                .into_iter()
                .map(|bits| f32::from_bits(bits.into_inner()))
                .collect()
        })
        .collect())
}

/// An input row as Q8_0, as ggml quantizes it: per 32 values, a scale (kept
/// at f16 precision, as stored) and 32 signed bytes.
struct Input {
    scales: Vec<f32>,
    values: Vec<[i8; BLOCK]>,
}

impl Input {
    fn quantize(row: &[f32]) -> Input {
        let blocks = row.chunks_exact(BLOCK);
        let mut input = Input {
            scales: Vec::with_capacity(blocks.len()),
            values: Vec::with_capacity(blocks.len()),
        };
        for block in blocks {
            let largest = block.iter().fold(0f32, |max, v| max.max(v.abs()));
            let scale = largest / 127.0;
            let inverse = if scale == 0.0 { 0.0 } else { 1.0 / scale };
            let mut values = [0i8; BLOCK];
            for (value, &x) in values.iter_mut().zip(block) {
                *value = (x * inverse).round() as i8;
            }
            input.scales.push(f16::from_f32(scale).to_f32());
            input.values.push(values);
        }
        input
    }
}

/// One weight row (Q5_0 blocks) dotted with one quantized input row.
#[inline(always)]
fn dot(simd: V3, weights: &[u8], input: &Input) -> f32 {
    let low_nibbles = simd.avx._mm256_set1_epi8(0x0f);
    let clear_fifth_bit = simd.avx._mm256_set1_epi8(0xf0_u8 as i8);
    let ones = simd.avx._mm256_set1_epi16(1);
    let mut sum = simd.avx._mm256_setzero_ps();
    let blocks = weights.chunks_exact(BLOCK_BYTES);
    for ((block, values), &input_scale) in blocks.zip(&input.values).zip(&input.scales) {
        let scale = f16_to_f32(u16::from_le_bytes([block[0], block[1]])) * input_scale;
        let fifth_bits = u32::from_le_bytes([block[2], block[3], block[4], block[5]]);
        let packed: [u8; 16] = block[6..].try_into().expect("a block has 16 value bytes");
        let packed: __m128i = pulp::cast(packed);
        // Values 0..16 from the low nibbles, 16..32 from the high ones.
        let nibbles = simd.avx2._mm256_and_si256(
            simd.avx
                ._mm256_set_m128i(simd.sse2._mm_srli_epi16::<4>(packed), packed),
            low_nibbles,
        );
        // A clear fifth bit makes the byte 0xf0 | nibble: the signed value
        // nibble - 16; a set one leaves nibble = (nibble + 16) - 16.
        let set = bytes_from_bits(simd, fifth_bits);
        let signed = simd
            .avx2
            ._mm256_or_si256(nibbles, simd.avx2._mm256_andnot_si256(set, clear_fifth_bit));
        let input: __m256i = pulp::cast(*values);
        // maddubs multiplies unsigned by signed bytes: move the weights'
        // signs onto the input.
        let pairs = simd.avx2._mm256_maddubs_epi16(
            simd.avx2._mm256_sign_epi8(signed, signed),
            simd.avx2._mm256_sign_epi8(input, signed),
        );
        let products = simd
            .avx
            ._mm256_cvtepi32_ps(simd.avx2._mm256_madd_epi16(pairs, ones));
        sum = simd
            .fma
            ._mm256_fmadd_ps(simd.avx._mm256_set1_ps(scale), products, sum);
    }
    let lanes: [f32; 8] = pulp::cast::<__m256, [f32; 8]>(sum);
    lanes.iter().sum()
}

/// An f16 as f32, exactly, in a few instructions the loop keeps inline (a
/// call to `half`'s run-time dispatched conversion per block cost more than
/// the block's arithmetic): the exponent and mantissa move into place and
/// one multiplication by 2^112 rebiases the exponent, subnormals included.
#[inline(always)]
fn f16_to_f32(bits: u16) -> f32 {
    let bits = u32::from(bits);
    let sign = (bits & 0x8000) << 16;
    let magnitude = bits & 0x7fff;
    let scaled = f32::from_bits(magnitude << 13) * f32::from_bits(0x7780_0000);
    // Infinities and NaNs keep the largest exponent.
    let scaled = if magnitude >= 0x7c00 {
        f32::from_bits(scaled.to_bits() | 0x7f80_0000)
    } else {
        scaled
    };
    f32::from_bits(scaled.to_bits() | sign)
}

/// 0xff in byte j where bit j of `bits` is set, else 0.
#[inline(always)]
fn bytes_from_bits(simd: V3, bits: u32) -> __m256i {
    // Byte j takes byte j / 8 of `bits`, then every bit but j % 8 is set.
    let spread = simd.avx2._mm256_shuffle_epi8(
        simd.avx._mm256_set1_epi32(bits as i32),
        simd.avx._mm256_set_epi64x(
            0x0303_0303_0303_0303,
            0x0202_0202_0202_0202,
            0x0101_0101_0101_0101,
            0,
        ),
    );
    let others = simd.avx._mm256_set1_epi64x(0x7fbf_dfef_f7fb_fdfe);
    simd.avx2._mm256_cmpeq_epi8(
        simd.avx2._mm256_or_si256(spread, others),
        simd.avx._mm256_set1_epi64x(-1),
    )
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
        if !available() {
            return;
        }
        let device = Device::Cpu;
        let (out, columns, rows) = (48, 896, 3);
        let dense = Tensor::from_vec(random(out * columns, 1), (out, columns), &device).unwrap();
        let first = QTensor::quantize(&dense, GgmlDType::Q5_0).unwrap();
        let second = QTensor::quantize(&(dense * -0.5).unwrap(), GgmlDType::Q5_0).unwrap();
        let x = random(rows * columns, 2);
        let products = matmul(&[&first, &second], &x, rows).unwrap();
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
                        "row {index}, output {o}: {ours} vs {exact}"
                    );
                }
            }
        }
    }

    /// Every fifth-bit and nibble pattern, one value at a time.
    #[test]
    fn each_value_of_a_block_lands_in_its_place() {
        if !available() {
            return;
        }
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
        for position in 0..BLOCK {
            // 127 at one position quantizes to exactly 127 with scale 1.
            let mut x = vec![0.0; BLOCK];
            x[position] = 127.0;
            let product = matmul(&[&weight], &x, 1).unwrap()[0][0];
            assert_eq!(product, expected[position] * 127.0, "value {position}");
        }
    }

    #[test]
    fn every_f16_converts_as_half_converts_it() {
        for bits in 0..=u16::MAX {
            let ours = f16_to_f32(bits);
            let theirs = f16::from_bits(bits).to_f32();
            assert!(
                ours.to_bits() == theirs.to_bits() || (ours.is_nan() && theirs.is_nan()),
                "{bits:#06x}: {ours} vs {theirs}"
            );
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
