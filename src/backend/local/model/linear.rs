//! A weight matrix, multiplied the way that is fastest for the batch.

use std::borrow::Cow;
use std::sync::Arc;

use candle_core::quantized::{GgmlDType, QMatMul, QStorage, QTensor};
use candle_core::{D, Module, Result, Tensor};

/// From this many rows on, a dense product beats quantized dot products.
pub const DENSE_FROM_ROWS: usize = 32;

/// candle's repacked Q8_0 kernels (VNNI) take rows of whole 256-value
/// super-blocks, 16 output rows at a time.
const SUPER_BLOCK: usize = 256;
const TILE_ROWS: usize = 16;

#[derive(Debug)]
pub struct Linear {
    weight: QMatMul,
    /// Zero columns appended to the weight; inputs get as many zeros.
    padding: usize,
}

impl Linear {
    pub fn new(weight: QTensor) -> Result<Linear> {
        Linear::shared(Arc::new(weight))
    }

    /// A weight that is also used elsewhere (a tied output head is the
    /// embedding table); it is copied only if it gets padded.
    pub fn shared(weight: Arc<QTensor>) -> Result<Linear> {
        let weight = if reads_q5_0() {
            weight
        } else {
            super::widen::widen_q5_0(&weight)?.map_or(weight, Arc::new)
        };
        let (weight, padding) = match pad_for_repacked_kernels(&weight, has_vnni())? {
            Some((padded, padding)) => (Arc::new(padded), padding),
            None => (weight, 0),
        };
        Ok(Linear {
            weight: QMatMul::from_arc(weight)?,
            padding,
        })
    }

    /// `x` (…, in) times the weight's transpose: (…, out).
    ///
    /// One token at a time, reading the compact quantized weights is the
    /// whole cost, so quantized kernels run (candle's; ours for Q5_0, which
    /// candle multiplies with scalar code). A prompt multiplies
    /// the same weights by hundreds of rows: dequantizing them once and
    /// using a dense GEMM, which reuses every weight across rows, is several
    /// times faster than one quantized dot product per row and column.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let x = pad(x, self.padding)?;
        let x = &x;
        let rows = x.elem_count() / x.dim(D::Minus1)?;
        match &self.weight {
            QMatMul::QTensor(weight) if rows >= DENSE_FROM_ROWS => {
                let dense = weight.dequantize(x.device())?;
                x.broadcast_matmul(&dense.t()?)
            }
            QMatMul::QTensor(weight) if weight.dtype() == GgmlDType::Q5_0 => {
                let mut products = q5_0_matmul(&[weight], x)?;
                Ok(products.remove(0))
            }
            _ => self.weight.forward(x),
        }
    }

    fn q5_0(&self) -> Option<&QTensor> {
        match &self.weight {
            QMatMul::QTensor(weight) if weight.dtype() == GgmlDType::Q5_0 => Some(weight),
            _ => None,
        }
    }
}

/// Whether Q5_0 weights are multiplied as they are; otherwise they are
/// widened to Q8_0 (`widen.rs`) when loaded.
fn reads_q5_0() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        super::q5_0::available()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Q5_0 `weights` times `x` (…, in): one (…, out) product per weight.
fn q5_0_matmul(weights: &[&QTensor], x: &Tensor) -> Result<Vec<Tensor>> {
    #[cfg(target_arch = "x86_64")]
    {
        let columns = x.dim(D::Minus1)?;
        let rows = x.elem_count() / columns;
        let values = x
            .flatten_all()?
            .to_dtype(candle_core::DType::F32)?
            .to_vec1::<f32>()?;
        let products = super::q5_0::matmul(weights, &values, rows)?;
        weights
            .iter()
            .zip(products)
            .map(|(weight, product)| {
                let mut shape = x.dims().to_vec();
                *shape.last_mut().expect("an input has a last dimension") =
                    weight.shape().dims2()?.0;
                Tensor::from_vec(product, shape, x.device())
            })
            .collect()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (weights, x);
        candle_core::bail!("Q5_0 weights are widened to Q8_0 on this machine")
    }
}

/// Several weights applied to the same input (query, key and value; gate
/// and up): while decoding, one pass over all of them with the input
/// quantized once (ours for Q5_0, candle's repacked kernels for the rest);
/// otherwise one by one.
pub fn forward_shared(linears: &[&Linear], x: &Tensor) -> Result<Vec<Tensor>> {
    let one_by_one = || linears.iter().map(|linear| linear.forward(x)).collect();
    let rows = x.elem_count() / x.dim(D::Minus1)?;
    if rows >= DENSE_FROM_ROWS {
        return one_by_one();
    }
    let q5_0: Option<Vec<&QTensor>> = linears.iter().map(|linear| linear.q5_0()).collect();
    if let Some(weights) = q5_0 {
        return q5_0_matmul(&weights, x);
    }
    let padding = linears.first().map_or(0, |linear| linear.padding);
    let weights: Option<Vec<&QTensor>> = linears
        .iter()
        .map(|linear| match &linear.weight {
            QMatMul::QTensor(weight) if linear.padding == padding => Some(weight.as_ref()),
            _ => None,
        })
        .collect();
    if let Some(weights) = weights {
        let x = pad(x, padding)?.contiguous()?;
        if let Some(outputs) = QTensor::gemv_fused_shared_lhs(&weights, &x)? {
            return Ok(outputs);
        }
    }
    one_by_one()
}

fn pad(x: &Tensor, padding: usize) -> Result<Tensor> {
    if padding == 0 {
        Ok(x.clone())
    } else {
        x.pad_with_zeros(D::Minus1, 0, padding)
    }
}

/// A Q8_0 weight whose rows are not whole super-blocks runs candle's
/// plain AVX2 dot products, which cannot keep up with memory; with zero
/// columns up to the next super-block it runs the VNNI kernels, about twice
/// as fast per byte (Qwen2.5 0.5B's 896-wide rows become 1,024). Only done
/// where those kernels exist and the zeros add at most a sixth of the
/// bytes; the zeros change no product.
fn pad_for_repacked_kernels(weight: &QTensor, vnni: bool) -> Result<Option<(QTensor, usize)>> {
    let (rows, columns) = weight.shape().dims2()?;
    let padding = columns.next_multiple_of(SUPER_BLOCK) - columns;
    let worth_it = weight.dtype() == GgmlDType::Q8_0
        && padding > 0
        && padding * 6 <= columns
        && rows.is_multiple_of(TILE_ROWS)
        && vnni;
    if !worth_it {
        return Ok(None);
    }
    let (block, block_bytes) = (GgmlDType::Q8_0.block_size(), GgmlDType::Q8_0.type_size());
    let row_bytes = columns / block * block_bytes;
    let zero_bytes = padding / block * block_bytes;
    let data = weight.data()?;
    let mut padded = Vec::with_capacity(rows * (row_bytes + zero_bytes));
    for row in data.chunks_exact(row_bytes) {
        padded.extend_from_slice(row);
        // A zero f16 scale and zero values: a block of zeros.
        padded.resize(padded.len() + zero_bytes, 0);
    }
    let storage = QStorage::from_data(Cow::Owned(padded), &weight.device(), GgmlDType::Q8_0)?;
    Ok(Some((
        QTensor::new(storage, (rows, columns + padding))?,
        padding,
    )))
}

#[cfg(target_arch = "x86_64")]
fn has_vnni() -> bool {
    (std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512vnni"))
        || std::arch::is_x86_feature_detected!("avxvnni")
}

#[cfg(not(target_arch = "x86_64"))]
fn has_vnni() -> bool {
    false
}

#[cfg(test)]
mod tests {
    use candle_core::Device;

    use super::*;

    /// Whatever the kernel, a padded weight gives the products of the
    /// unpadded one, one row at a time and for a whole batch.
    #[test]
    fn padding_changes_no_product() {
        let device = Device::Cpu;
        let values = |count: usize, seed: u64| -> Vec<f32> {
            let mut rng = fastrand::Rng::with_seed(seed);
            (0..count).map(|_| rng.f32() * 2.0 - 1.0).collect()
        };
        let (rows, columns) = (32, 896);
        let weight = Tensor::from_vec(values(rows * columns, 1), (rows, columns), &device).unwrap();
        let quantized = || QTensor::quantize(&weight, GgmlDType::Q8_0).unwrap();
        let linear = Linear::new(quantized()).unwrap();
        if has_vnni() {
            assert_eq!(linear.padding, 128);
        }
        let dense = quantized().dequantize(&device).unwrap();
        for batch in [1, DENSE_FROM_ROWS] {
            let x =
                Tensor::from_vec(values(batch * columns, 2), (1, batch, columns), &device).unwrap();
            let ours: Vec<f32> = linear
                .forward(&x)
                .unwrap()
                .flatten_all()
                .unwrap()
                .to_vec1()
                .unwrap();
            let exact: Vec<f32> = x
                .broadcast_matmul(&dense.t().unwrap())
                .unwrap()
                .flatten_all()
                .unwrap()
                .to_vec1()
                .unwrap();
            let worst = ours
                .iter()
                .zip(&exact)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f32::max);
            // Quantized activations: a few hundredths on products of ~±10.
            assert!(worst < 0.1, "batch {batch}: {worst}");
        }
    }

    /// Weights sharing an input give the same products together as apart.
    #[test]
    fn shared_inputs_give_the_separate_products() {
        let device = Device::Cpu;
        let mut rng = fastrand::Rng::with_seed(3);
        let mut random = |shape: (usize, usize)| {
            let values: Vec<f32> = (0..shape.0 * shape.1).map(|_| rng.f32() - 0.5).collect();
            Tensor::from_vec(values, shape, &device).unwrap()
        };
        let linears: Vec<Linear> = [64, 32, 32]
            .into_iter()
            .map(|rows| {
                Linear::new(QTensor::quantize(&random((rows, 896)), GgmlDType::Q8_0).unwrap())
                    .unwrap()
            })
            .collect();
        let x = random((1, 896)).unsqueeze(0).unwrap();
        let together = forward_shared(&linears.iter().collect::<Vec<_>>(), &x).unwrap();
        for (linear, product) in linears.iter().zip(together) {
            let apart: Vec<f32> = linear
                .forward(&x)
                .unwrap()
                .flatten_all()
                .unwrap()
                .to_vec1()
                .unwrap();
            let product: Vec<f32> = product.flatten_all().unwrap().to_vec1().unwrap();
            assert_eq!(product.len(), apart.len());
            let worst = product
                .iter()
                .zip(&apart)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f32::max);
            assert!(worst < 1e-4, "{worst}");
        }
    }

    /// Q5_0 weights, read as they are by our kernel or widened, give the
    /// products of their dequantized values, alone and sharing an input.
    #[test]
    fn q5_0_weights_give_the_dequantized_products() {
        let device = Device::Cpu;
        let mut rng = fastrand::Rng::with_seed(5);
        let mut random = |shape: (usize, usize)| {
            let values: Vec<f32> = (0..shape.0 * shape.1).map(|_| rng.f32() - 0.5).collect();
            Tensor::from_vec(values, shape, &device).unwrap()
        };
        let weights: Vec<QTensor> = [48, 16]
            .into_iter()
            .map(|rows| QTensor::quantize(&random((rows, 896)), GgmlDType::Q5_0).unwrap())
            .collect();
        let exact: Vec<Tensor> = weights
            .iter()
            .map(|weight| weight.dequantize(&device).unwrap())
            .collect();
        let linears: Vec<Linear> = weights
            .into_iter()
            .map(|weight| Linear::new(weight).unwrap())
            .collect();
        for batch in [1, 3, DENSE_FROM_ROWS] {
            let x = random((batch, 896)).unsqueeze(0).unwrap();
            let shared = forward_shared(&linears.iter().collect::<Vec<_>>(), &x).unwrap();
            for ((linear, dense), together) in linears.iter().zip(&exact).zip(shared) {
                let expected = x.broadcast_matmul(&dense.t().unwrap()).unwrap();
                for product in [linear.forward(&x).unwrap(), together] {
                    assert_eq!(product.dims(), expected.dims());
                    let worst = (product - &expected)
                        .unwrap()
                        .abs()
                        .unwrap()
                        .flatten_all()
                        .unwrap()
                        .max(0)
                        .unwrap()
                        .to_scalar::<f32>()
                        .unwrap();
                    // Quantized activations: hundredths on products of ~±5.
                    assert!(worst < 0.05, "batch {batch}: {worst}");
                }
            }
        }
    }

    #[test]
    fn small_or_whole_rows_are_not_padded() {
        let device = Device::Cpu;
        // Asked as a machine with the VNNI kernels, so that it means something
        // on any machine.
        let padding = |rows: usize, columns: usize| {
            let weight = Tensor::ones((rows, columns), candle_core::DType::F32, &device).unwrap();
            let weight = QTensor::quantize(&weight, GgmlDType::Q8_0).unwrap();
            pad_for_repacked_kernels(&weight, true)
                .unwrap()
                .map_or(0, |(_, padding)| padding)
        };
        assert_eq!(padding(32, 896), 128, "an eighth more bytes is worth it");
        assert_eq!(padding(32, 640), 0, "a fifth more bytes is too many");
        assert_eq!(padding(32, 1024), 0);
        assert_eq!(padding(8, 896), 0, "not a whole tile of rows");
    }
}
