//! Quantized weights times a few input rows, read straight from the
//! compact weights: decoding's matrix products.
//!
//! The weights are dotted with the input quantized to Q8_0, as llama.cpp
//! does, spread over candle's worker pool, by the fastest kernel the
//! machine runs:
//! - Q5_0, which llama.cpp's quantizer falls back to for rows that are not
//!   a whole number of 256-value super-blocks (Qwen2.5 0.5B, Gemma 3 1B in
//!   Q4_K_M), and which candle multiplies with scalar code only: VNNI
//!   (`vnni.rs`: AVX-512 VNNI, else AVX-VNNI), else AVX2 (`avx2.rs`).
//!   Without AVX2 the weights are widened to Q8_0 at load instead
//!   (`widen.rs`).
//! - Q8_0, with VNNI: candle's own VNNI kernels take only rows of whole
//!   super-blocks, and its AVX2 ones cannot keep up with memory.

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

/// A weight format the kernels read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// d (f16), qh (the 32 fifth bits), qs (16 bytes: values j and j + 16
    /// in the low and high nibble of byte j); value = (nibble | fifth bit
    /// << 4) - 16.
    Q5_0,
    /// d (f16), 32 signed bytes.
    Q8_0,
}

impl Format {
    fn of(dtype: GgmlDType) -> Option<Format> {
        match dtype {
            GgmlDType::Q5_0 => Some(Format::Q5_0),
            GgmlDType::Q8_0 => Some(Format::Q8_0),
            _ => None,
        }
    }

    const fn block_bytes(self) -> usize {
        match self {
            Format::Q5_0 => 22,
            Format::Q8_0 => 34,
        }
    }

    /// What the VNNI kernel adds to each stored value to make it unsigned.
    fn offset(self) -> i32 {
        match self {
            Format::Q5_0 => 16,
            Format::Q8_0 => 128,
        }
    }
}

/// A kernel, holding the proof that this machine runs it.
#[derive(Debug, Clone, Copy)]
enum Kernel {
    Avx512Vnni(vnni::Avx512Vnni),
    AvxVnni(vnni::AvxVnni),
    Avx2(V3),
}

impl Kernel {
    /// Those this machine runs, fastest first.
    fn available() -> impl Iterator<Item = Kernel> {
        [
            vnni::Avx512Vnni::try_new().map(Kernel::Avx512Vnni),
            vnni::AvxVnni::try_new().map(Kernel::AvxVnni),
            V3::try_new().map(Kernel::Avx2),
        ]
        .into_iter()
        .flatten()
    }

    /// The fastest kernel that reads `format` here.
    fn fastest(format: Format) -> Option<Kernel> {
        Kernel::available().find(|kernel| kernel.reads(format))
    }

    fn reads(self, format: Format) -> bool {
        match self {
            Kernel::Avx512Vnni(_) | Kernel::AvxVnni(_) => true,
            Kernel::Avx2(_) => format == Format::Q5_0,
        }
    }

    /// Fills the products of weight rows `range`.
    fn fill(self, rows: &Rows, range: Range<usize>) {
        match self {
            Kernel::Avx512Vnni(vnni) => vnni.fill(rows, range),
            Kernel::AvxVnni(vnni) => vnni.fill(rows, range),
            Kernel::Avx2(simd) => avx2::fill(simd, rows, range),
        }
    }
}

/// Whether weights of `dtype` are multiplied here rather than by candle.
pub fn reads(dtype: GgmlDType) -> bool {
    Format::of(dtype).and_then(Kernel::fastest).is_some()
}

/// Each of `weights` (one format, out × in) times each of the `rows` rows
/// of `x` (rows × in, row-major): per weight, rows × out values, row-major.
/// Every weight takes the same input, quantized once; all run in one pass
/// of the worker pool.
pub fn matmul(weights: &[&QTensor], x: &[f32], rows: usize) -> Result<Vec<Vec<f32>>> {
    let dtype = weights.first().map(|weight| weight.dtype());
    let Some(kernel) = dtype.and_then(Format::of).and_then(Kernel::fastest) else {
        bail!("no kernel here multiplies {dtype:?} weights");
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
    let format = weights
        .first()
        .and_then(|weight| Format::of(weight.dtype()));
    let Some(format) = format.filter(|&format| kernel.reads(format)) else {
        bail!("the {kernel:?} kernel does not read these weights");
    };
    let mut matrices = Vec::with_capacity(weights.len());
    for weight in weights {
        let (out, inner) = weight.shape().dims2()?;
        if Format::of(weight.dtype()) != Some(format)
            || inner != columns
            || !columns.is_multiple_of(BLOCK)
        {
            bail!(
                "a {:?} weight of {out} × {inner} cannot take rows of {columns} with {format:?} weights",
                weight.dtype()
            );
        }
        matrices.push((weight.data()?, out));
    }
    debug_assert!(
        weights
            .iter()
            .all(|w| w.dtype().type_size() == format.block_bytes())
    );
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
        format,
        outputs: matrices
            .iter()
            .map(|(_, out)| (0..rows * out).map(|_| AtomicU32::new(0)).collect())
            .collect(),
        matrices: matrices
            .iter()
            .map(|(data, out)| (data.as_ref(), *out))
            .collect(),
        starts,
        inputs: x
            .chunks_exact(columns)
            .map(|row| Input::quantize(row, format.offset()))
            .collect(),
        row_bytes: columns / BLOCK * format.block_bytes(),
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
    format: Format,
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
    /// Per block, minus the weights' [`Format::offset`] times the sum of
    /// each four consecutive values: what the VNNI kernel, which reads every
    /// weight that much too high, takes off.
    corrections: Vec<[i32; 8]>,
}

impl Input {
    fn quantize(row: &[f32], offset: i32) -> Input {
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
                *correction = -offset * four.iter().map(|&v| i32::from(v)).sum::<i32>();
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
    use candle_core::quantized::QStorage;
    use candle_core::{Device, Tensor};

    use super::*;

    const FORMATS: [Format; 2] = [Format::Q5_0, Format::Q8_0];

    impl Format {
        fn dtype(self) -> GgmlDType {
            match self {
                Format::Q5_0 => GgmlDType::Q5_0,
                Format::Q8_0 => GgmlDType::Q8_0,
            }
        }
    }

    /// Every kernel this machine runs, with each format it reads.
    fn cases() -> Vec<(Kernel, Format)> {
        Kernel::available()
            .flat_map(|kernel| {
                FORMATS
                    .into_iter()
                    .filter(move |&format| kernel.reads(format))
                    .map(move |format| (kernel, format))
            })
            .collect()
    }

    fn dequantized(weight: &QTensor) -> Vec<f32> {
        let dense = weight.dequantize(&Device::Cpu).unwrap();
        dense.flatten_all().unwrap().to_vec1().unwrap()
    }

    fn random(count: usize, seed: u64) -> Vec<f32> {
        let mut rng = fastrand::Rng::with_seed(seed);
        (0..count).map(|_| rng.f32() * 2.0 - 1.0).collect()
    }

    /// One row of one block, as stored.
    fn block_weight(format: Format, block: Vec<u8>) -> QTensor {
        let storage = QStorage::from_data(block.into(), &Device::Cpu, format.dtype()).unwrap();
        QTensor::new(storage, (1, BLOCK)).unwrap()
    }

    /// Against the weights dequantized and the input quantized the same
    /// way, multiplied in f64: the kernel adds nothing but float rounding.
    #[test]
    fn products_match_the_dequantized_weights() {
        let device = Device::Cpu;
        let (out, columns, rows) = (48, 896, 3);
        let dense = Tensor::from_vec(random(out * columns, 1), (out, columns), &device).unwrap();
        let x = random(rows * columns, 2);
        for (kernel, format) in cases() {
            let first = QTensor::quantize(&dense, format.dtype()).unwrap();
            let second = QTensor::quantize(&(&dense * -0.5).unwrap(), format.dtype()).unwrap();
            let products = matmul_with(kernel, &[&first, &second], &x, rows).unwrap();
            for (weight, product) in [&first, &second].into_iter().zip(products) {
                let values = dequantized(weight);
                for (index, row) in x.chunks_exact(columns).enumerate() {
                    let input = Input::quantize(row, format.offset());
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
                            "{kernel:?} on {format:?}, row {index}, output {o}: {ours} vs {exact}"
                        );
                    }
                }
            }
        }
    }

    /// Each stored value, the extremes included, multiplied in its place:
    /// every fifth-bit and nibble pattern of Q5_0, and Q8_0 bytes from
    /// -128 to 127.
    #[test]
    fn each_value_of_a_block_lands_in_its_place() {
        let mut q5_0 = f16::ONE.to_le_bytes().to_vec();
        q5_0.extend(0xa5c3_0f96_u32.to_le_bytes());
        q5_0.extend((0..16u8).map(|j| j | ((15 - j) << 4)));
        let mut q8_0 = f16::ONE.to_le_bytes().to_vec();
        q8_0.extend(
            [-128i8, 127, -1, 0, 1, -127, 64, -64]
                .repeat(4)
                .iter()
                .map(|&v| v as u8),
        );
        for (kernel, format) in cases() {
            let block = match format {
                Format::Q5_0 => q5_0.clone(),
                Format::Q8_0 => q8_0.clone(),
            };
            let weight = block_weight(format, block);
            let expected = dequantized(&weight);
            for position in 0..BLOCK {
                // 127 at one position quantizes to exactly 127 with scale 1.
                let mut x = vec![0.0; BLOCK];
                x[position] = 127.0;
                let product = matmul_with(kernel, &[&weight], &x, 1).unwrap()[0][0];
                assert_eq!(
                    product,
                    expected[position] * 127.0,
                    "{kernel:?} on {format:?}, value {position}"
                );
            }
        }
    }

    #[test]
    fn other_formats_mixes_and_widths_are_refused() {
        let device = Device::Cpu;
        let dense = Tensor::from_vec(random(32 * 64, 3), (32, 64), &device).unwrap();
        let q4 = QTensor::quantize(&dense, GgmlDType::Q4_0).unwrap();
        let q5 = QTensor::quantize(&dense, GgmlDType::Q5_0).unwrap();
        let q8 = QTensor::quantize(&dense, GgmlDType::Q8_0).unwrap();
        let x = random(64, 4);
        for kernel in Kernel::available() {
            assert!(matmul_with(kernel, &[&q4], &x, 1).is_err());
            assert!(matmul_with(kernel, &[&q5, &q8], &x, 1).is_err());
            assert!(matmul_with(kernel, &[&q5], &random(96, 4), 1).is_err());
            assert_eq!(
                matmul_with(kernel, &[&q8], &x, 1).is_ok(),
                kernel.reads(Format::Q8_0)
            );
        }
        assert!(!reads(GgmlDType::Q4_0));
    }
}
