//! Quantized weights times a few input rows, read straight from the
//! compact weights: decoding's matrix products.
//!
//! The weights are dotted with the input quantized to Q8_0, as llama.cpp
//! does, spread over candle's worker pool, by the fastest kernel the
//! machine runs:
//! - Q5_0, which llama.cpp's quantizer falls back to for rows that are not
//!   a whole number of 256-value super-blocks (Qwen2.5 0.5B, Gemma 3 1B in
//!   Q4_K_M), and which candle multiplies with scalar code only: VNNI
//!   (`vnni.rs`: AVX-512 VNNI, else AVX-VNNI), else AVX2 (`avx2.rs`,
//!   x86-64-v3). Elsewhere the weights are widened to Q8_0 at load instead
//!   (`widen.rs`).
//! - Q8_0, with VNNI, whatever the row width: faster than candle's repacked
//!   VNNI kernels even where those apply (rows of whole super-blocks; see
//!   BENCHMARKS.md), and candle's AVX2 ones cannot keep up with memory.

mod avx2;
mod vnni;

use std::ops::Range;
use std::sync::OnceLock;
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
}

/// A kernel, holding the proof that this machine runs it.
#[derive(Debug, Clone, Copy)]
enum Kernel {
    Vnni(vnni::Vnni),
    Avx2(V3),
}

impl Kernel {
    /// Those this machine runs, fastest first; found out once.
    fn available() -> &'static [Kernel] {
        static AVAILABLE: OnceLock<Vec<Kernel>> = OnceLock::new();
        AVAILABLE.get_or_init(|| {
            vnni::Vnni::available()
                .map(Kernel::Vnni)
                .chain(V3::try_new().map(Kernel::Avx2))
                .collect()
        })
    }

    /// The fastest kernel here that reads weights of every one of `dtypes`.
    fn fastest(dtypes: &[GgmlDType]) -> Option<Kernel> {
        Kernel::available().iter().copied().find(|kernel| {
            dtypes
                .iter()
                .all(|&dtype| Format::of(dtype).is_some_and(|format| kernel.reads(format)))
        })
    }

    fn reads(self, format: Format) -> bool {
        match self {
            Kernel::Vnni(_) => true,
            Kernel::Avx2(_) => format == Format::Q5_0,
        }
    }

    /// Fills the products of weight rows `range`.
    fn fill(self, job: &Job, range: Range<usize>) {
        match self {
            Kernel::Vnni(vnni) => vnni.fill(job, range),
            Kernel::Avx2(simd) => avx2::fill(simd, job, range),
        }
    }
}

/// Whether weights of `dtypes`, together, are multiplied here rather than
/// by candle.
pub fn reads(dtypes: &[GgmlDType]) -> bool {
    Kernel::fastest(dtypes).is_some()
}

/// Each of `weights` (out × `columns`, in formats this machine [`reads`])
/// times each row of `x` (rows × `columns`, row-major): per weight, rows ×
/// out values, row-major. Every weight takes the same input, quantized
/// once; all run in one pass of the worker pool.
pub fn matmul(weights: &[&QTensor], x: &[f32], columns: usize) -> Result<Vec<Vec<f32>>> {
    let dtypes: Vec<GgmlDType> = weights.iter().map(|weight| weight.dtype()).collect();
    let Some(kernel) = Kernel::fastest(&dtypes) else {
        bail!("no kernel here reads {dtypes:?} weights together");
    };
    matmul_with(kernel, weights, x, columns)
}

fn matmul_with(
    kernel: Kernel,
    weights: &[&QTensor],
    x: &[f32],
    columns: usize,
) -> Result<Vec<Vec<f32>>> {
    if columns == 0 || !columns.is_multiple_of(BLOCK) || !x.len().is_multiple_of(columns) {
        bail!(
            "{} input values are not rows of a multiple of {BLOCK} columns, {columns} here",
            x.len()
        );
    }
    let rows = x.len() / columns;
    let mut matrices = Vec::with_capacity(weights.len());
    let mut start = 0;
    for weight in weights {
        let (out, inner) = weight.shape().dims2()?;
        let format = Format::of(weight.dtype()).filter(|&format| kernel.reads(format));
        let Some(format) = format else {
            bail!(
                "the {kernel:?} kernel does not read {:?} weights",
                weight.dtype()
            );
        };
        let data = weight.data()?;
        let row_bytes = columns / BLOCK * format.block_bytes();
        if inner != columns || data.len() != out * row_bytes {
            bail!(
                "a {format:?} weight of {out} × {inner} in {} bytes cannot take rows of {columns}",
                data.len()
            );
        }
        matrices.push(Matrix {
            data,
            out,
            format,
            row_bytes,
            start,
        });
        start += out;
    }
    let job = Job {
        outputs: matrices
            .iter()
            .map(|matrix| (0..rows * matrix.out).map(|_| AtomicU32::new(0)).collect())
            .collect(),
        matrices,
        inputs: x.chunks_exact(columns).map(Input::quantize).collect(),
    };
    candle_core::utils::barrier_pool().execute_chunked(start, |range| kernel.fill(&job, range));
    Ok(job
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

/// One weight of a [`Job`].
struct Matrix<'a> {
    data: std::borrow::Cow<'a, [u8]>,
    out: usize,
    format: Format,
    row_bytes: usize,
    /// Where its rows start in the count across all weights.
    start: usize,
}

/// One multiplication's weights, input and products, shared by the pool's
/// threads.
struct Job<'a> {
    matrices: Vec<Matrix<'a>>,
    inputs: Vec<Input>,
    /// Per weight, rows × out products as f32 bits.
    outputs: Vec<Vec<AtomicU32>>,
}

impl Job<'_> {
    /// Stores `dot(format, weight row, input row)` of weight rows `range`
    /// (counted across all weights) with every input row.
    #[inline(always)]
    fn fill(&self, range: Range<usize>, dot: impl Fn(Format, &[u8], &Input) -> f32) {
        for global in range {
            let which = self
                .matrices
                .partition_point(|matrix| matrix.start <= global)
                - 1;
            let matrix = &self.matrices[which];
            let row = global - matrix.start;
            let weights = &matrix.data[row * matrix.row_bytes..(row + 1) * matrix.row_bytes];
            for (index, input) in self.inputs.iter().enumerate() {
                let product = dot(matrix.format, weights, input);
                self.outputs[which][index * matrix.out + row]
                    .store(product.to_bits(), Ordering::Relaxed);
            }
        }
    }
}

/// An input row as Q8_0, as ggml quantizes it: per 32 values, a scale (kept
/// at f16 precision, as stored) and 32 signed bytes.
struct Input {
    scales: Vec<f32>,
    values: Vec<[i8; BLOCK]>,
    /// Per block, minus the sum of each four consecutive values: the VNNI
    /// kernels read every weight too high by a constant and take that times
    /// the sums off again, lane by lane, so that no lane holds more than
    /// its own products (float sums of large lanes that cancel only at the
    /// end lose the small result).
    negated_sums: Vec<[i32; 8]>,
}

impl Input {
    fn quantize(row: &[f32]) -> Input {
        let blocks = row.chunks_exact(BLOCK);
        let mut input = Input {
            scales: Vec::with_capacity(blocks.len()),
            values: Vec::with_capacity(blocks.len()),
            negated_sums: Vec::with_capacity(blocks.len()),
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
            let mut negated_sums = [0i32; 8];
            for (sum, four) in negated_sums.iter_mut().zip(values.chunks_exact(4)) {
                *sum = -four.iter().map(|&v| i32::from(v)).sum::<i32>();
            }
            input.negated_sums.push(negated_sums);
            input.values.push(values);
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
            .iter()
            .flat_map(|&kernel| {
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

    /// `weight` times `x` as the kernel should compute it: the weights
    /// dequantized, the input quantized the same way, in f64.
    fn exact(weight: &QTensor, x: &[f32], columns: usize) -> Vec<f64> {
        let values = dequantized(weight);
        let out = values.len() / columns;
        let mut products = Vec::new();
        for row in x.chunks_exact(columns) {
            let input = Input::quantize(row);
            for o in 0..out {
                products.push(
                    (0..columns)
                        .map(|c| {
                            let quantized = f64::from(input.values[c / BLOCK][c % BLOCK])
                                * f64::from(input.scales[c / BLOCK]);
                            f64::from(values[o * columns + c]) * quantized
                        })
                        .sum(),
                );
            }
        }
        products
    }

    fn assert_close(ours: &[f32], exact: &[f64], what: &str) {
        assert_eq!(ours.len(), exact.len(), "{what}");
        for (index, (&ours, &exact)) in ours.iter().zip(exact).enumerate() {
            let ours = f64::from(ours);
            assert!(
                (ours - exact).abs() < 1e-4 * exact.abs().max(1.0),
                "{what}, product {index}: {ours} vs {exact}"
            );
        }
    }

    /// The kernel adds nothing but float rounding, for each format alone
    /// and for both in one pass where the kernel reads both.
    #[test]
    fn products_match_the_dequantized_weights() {
        let device = Device::Cpu;
        let (out, columns, rows) = (48, 896, 3);
        let dense = Tensor::from_vec(random(out * columns, 1), (out, columns), &device).unwrap();
        let x = random(rows * columns, 2);
        let quantized = |format: Format, scale: f64| {
            QTensor::quantize(&(&dense * scale).unwrap(), format.dtype()).unwrap()
        };
        for (kernel, format) in cases() {
            let weights = [quantized(format, 1.0), quantized(format, -0.5)];
            let products = matmul_with(kernel, &[&weights[0], &weights[1]], &x, columns).unwrap();
            for (weight, product) in weights.iter().zip(products) {
                assert_close(
                    &product,
                    &exact(weight, &x, columns),
                    &format!("{kernel:?} on {format:?}"),
                );
            }
        }
        for &kernel in Kernel::available() {
            if !FORMATS.iter().all(|&format| kernel.reads(format)) {
                continue;
            }
            let weights = [quantized(Format::Q5_0, 1.0), quantized(Format::Q8_0, 0.5)];
            let products = matmul_with(kernel, &[&weights[0], &weights[1]], &x, columns).unwrap();
            for (weight, product) in weights.iter().zip(products) {
                let what = format!("{kernel:?} on {:?} beside another format", weight.dtype());
                assert_close(&product, &exact(weight, &x, columns), &what);
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
                let product = matmul_with(kernel, &[&weight], &x, BLOCK).unwrap()[0][0];
                assert_eq!(
                    product,
                    expected[position] * 127.0,
                    "{kernel:?} on {format:?}, value {position}"
                );
            }
        }
    }

    /// Whole blocks of the most negative and most positive weights against
    /// whole blocks of ±127: the largest sums the kernels can meet, exact.
    #[test]
    fn the_largest_sums_come_out_exact() {
        let block = |format: Format, stored: i32| -> QTensor {
            let mut bytes = f16::ONE.to_le_bytes().to_vec();
            match format {
                // Every fifth bit and nibble from the stored value + 16.
                Format::Q5_0 => {
                    let raw = (stored + 16) as u32;
                    let fifth = if raw & 16 == 0 { 0 } else { u32::MAX };
                    bytes.extend(fifth.to_le_bytes());
                    let nibble = (raw & 15) as u8;
                    bytes.extend([nibble | (nibble << 4); 16]);
                }
                Format::Q8_0 => bytes.extend([stored as i8 as u8; BLOCK]),
            }
            block_weight(format, bytes)
        };
        for (kernel, format) in cases() {
            let (lowest, highest) = match format {
                Format::Q5_0 => (-16, 15),
                Format::Q8_0 => (-128, 127),
            };
            for stored in [lowest, highest] {
                for input in [-127.0f32, 127.0] {
                    let product =
                        matmul_with(kernel, &[&block(format, stored)], &[input; BLOCK], BLOCK)
                            .unwrap()[0][0];
                    assert_eq!(
                        product,
                        32.0 * stored as f32 * input,
                        "{kernel:?} on {format:?}: {stored} × {input}"
                    );
                }
            }
        }
    }

    /// A long row of small products: each lane's running sum stays what the
    /// products add up to, exact in f32, however large the offset the
    /// kernel reads the weights with.
    #[test]
    fn a_long_row_of_small_products_stays_exact() {
        let blocks = 512;
        for (kernel, format) in cases() {
            let mut row = Vec::new();
            for _ in 0..blocks {
                row.extend(f16::ONE.to_le_bytes());
                match format {
                    // Stored 1: nibble 1, fifth bit set (1 + 16 - 16).
                    Format::Q5_0 => {
                        row.extend(u32::MAX.to_le_bytes());
                        row.extend([0x11; 16]);
                    }
                    Format::Q8_0 => row.extend([1; BLOCK]),
                }
            }
            let storage = QStorage::from_data(row.into(), &Device::Cpu, format.dtype()).unwrap();
            let weight = QTensor::new(storage, (1, blocks * BLOCK)).unwrap();
            let x = vec![127.0; blocks * BLOCK];
            let product = matmul_with(kernel, &[&weight], &x, x.len()).unwrap()[0][0];
            assert_eq!(product, 127.0 * x.len() as f32, "{kernel:?} on {format:?}");
        }
    }

    #[test]
    fn other_formats_mixes_and_shapes_are_refused() {
        let device = Device::Cpu;
        let dense = Tensor::from_vec(random(32 * 64, 3), (32, 64), &device).unwrap();
        let q4 = QTensor::quantize(&dense, GgmlDType::Q4_0).unwrap();
        let q5 = QTensor::quantize(&dense, GgmlDType::Q5_0).unwrap();
        let q8 = QTensor::quantize(&dense, GgmlDType::Q8_0).unwrap();
        let x = random(64, 4);
        for &kernel in Kernel::available() {
            assert!(matmul_with(kernel, &[&q4], &x, 64).is_err());
            assert!(
                matmul_with(kernel, &[&q5], &random(96, 4), 96).is_err(),
                "wider input"
            );
            assert!(
                matmul_with(kernel, &[&q5], &x, 48).is_err(),
                "not whole blocks"
            );
            assert!(
                matmul_with(kernel, &[&q5], &random(80, 4), 64).is_err(),
                "not whole rows"
            );
            assert!(matmul_with(kernel, &[&q5], &x, 0).is_err());
            let reads_q8_0 = kernel.reads(Format::Q8_0);
            assert_eq!(matmul_with(kernel, &[&q8], &x, 64).is_ok(), reads_q8_0);
            assert_eq!(matmul_with(kernel, &[&q5, &q8], &x, 64).is_ok(), reads_q8_0);
        }
        assert!(!reads(&[GgmlDType::Q4_0]));
        assert!(!reads(&[GgmlDType::Q5_0, GgmlDType::Q4_0]));
    }

    /// Which formats the app multiplies itself follows from the machine's
    /// instructions, so a dispatch that stopped reaching a kernel would
    /// show here.
    #[test]
    fn the_machine_decides_what_is_read_here() {
        let vnni = vnni::Vnni::available().next().is_some();
        let avx2 = V3::try_new().is_some();
        assert_eq!(reads(&[GgmlDType::Q8_0]), vnni);
        assert_eq!(reads(&[GgmlDType::Q5_0]), vnni || avx2);
        assert_eq!(reads(&[GgmlDType::Q5_0, GgmlDType::Q8_0]), vnni);
    }
}
