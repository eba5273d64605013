//! A weight matrix, multiplied the way that is fastest for the batch.

use std::sync::Arc;

use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{D, Module, Result, Tensor};

/// From this many rows on, a dense product beats quantized dot products.
pub const DENSE_FROM_ROWS: usize = 32;

/// candle's repacked VNNI kernels take Q8_0 weights whose rows are whole
/// 256-value super-blocks, 16 rows at a time.
const SUPER_BLOCK: usize = 256;
const TILE_ROWS: usize = 16;

#[derive(Debug)]
pub struct Linear {
    weight: QMatMul,
}

impl Linear {
    pub fn new(weight: QTensor) -> Result<Linear> {
        Linear::shared(Arc::new(weight))
    }

    /// A weight that is also used elsewhere (a tied output head is the
    /// embedding table); it is copied only if it gets widened.
    pub fn shared(weight: Arc<QTensor>) -> Result<Linear> {
        let weight = if gemv_reads(&[GgmlDType::Q5_0]) {
            weight
        } else {
            super::widen::widen_q5_0(&weight)?.map_or(weight, Arc::new)
        };
        Ok(Linear {
            weight: QMatMul::from_arc(weight)?,
        })
    }

    /// `x` (…, in) times the weight's transpose: (…, out).
    ///
    /// One token at a time, reading the compact quantized weights is the
    /// whole cost, so quantized kernels run (ours where we have one for the
    /// format, `gemv/`; else candle's). A prompt multiplies the same weights
    /// by hundreds of rows: dequantizing them once and using a dense GEMM,
    /// which reuses every weight across rows, is several times faster than
    /// one quantized dot product per row and column.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let rows = x.elem_count() / x.dim(D::Minus1)?;
        match &self.weight {
            QMatMul::QTensor(weight) if rows >= DENSE_FROM_ROWS => {
                let dense = weight.dequantize(x.device())?;
                x.broadcast_matmul(&dense.t()?)
            }
            QMatMul::QTensor(weight) if ours(&[weight]) => {
                let mut products = gemv(&[weight], x)?;
                Ok(products.remove(0))
            }
            _ => self.weight.forward(x),
        }
    }

    fn quantized(&self) -> Option<&QTensor> {
        match &self.weight {
            QMatMul::QTensor(weight) => Some(weight),
            _ => None,
        }
    }
}

/// Several weights applied to the same input (query, key and value; gate
/// and up): while decoding, one pass over all of them with the input
/// quantized once (ours where we read their formats; else candle's repacked
/// kernels, where the machine has AVX-512 VNNI); otherwise one by one.
pub fn forward_shared(linears: &[&Linear], x: &Tensor) -> Result<Vec<Tensor>> {
    let one_by_one = || linears.iter().map(|linear| linear.forward(x)).collect();
    let rows = x.elem_count() / x.dim(D::Minus1)?;
    if rows >= DENSE_FROM_ROWS {
        return one_by_one();
    }
    let weights: Option<Vec<&QTensor>> = linears.iter().map(|linear| linear.quantized()).collect();
    let Some(weights) = weights else {
        return one_by_one();
    };
    if ours(&weights) {
        return gemv(&weights, x);
    }
    if let Some(outputs) = QTensor::gemv_fused_shared_lhs(&weights, &x.contiguous()?)? {
        return Ok(outputs);
    }
    one_by_one()
}

/// Whether our kernels multiply `weights`, together. Not Q8_0 weights that
/// candle's repacked kernels take: those reuse each input row across 16
/// weight rows, and measured about even with ours for one row streamed
/// from memory, 3× faster for eight (BENCHMARKS.md).
fn ours(weights: &[&QTensor]) -> bool {
    let candle_repacks = |weight: &QTensor| {
        weight.dtype() == GgmlDType::Q8_0
            && weight.shape().dims2().is_ok_and(|(rows, columns)| {
                columns.is_multiple_of(SUPER_BLOCK) && rows.is_multiple_of(TILE_ROWS)
            })
    };
    let dtypes: Vec<GgmlDType> = weights.iter().map(|weight| weight.dtype()).collect();
    gemv_reads(&dtypes) && !weights.iter().any(|weight| candle_repacks(weight))
}

/// Whether our kernels multiply weights of `dtypes`, together, on this
/// machine.
fn gemv_reads(dtypes: &[GgmlDType]) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        super::gemv::reads(dtypes)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = dtypes;
        false
    }
}

/// `weights` (formats our kernels read together) times `x` (…, in): one
/// (…, out) product per weight.
fn gemv(weights: &[&QTensor], x: &Tensor) -> Result<Vec<Tensor>> {
    #[cfg(target_arch = "x86_64")]
    {
        let columns = x.dim(D::Minus1)?;
        let values = x
            .flatten_all()?
            .to_dtype(candle_core::DType::F32)?
            .to_vec1::<f32>()?;
        let products = super::gemv::matmul(weights, &values, columns)?;
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
        candle_core::bail!("no kernel of ours runs on this machine")
    }
}

#[cfg(test)]
mod tests {
    use candle_core::Device;

    use super::*;

    fn random(rng: &mut fastrand::Rng, shape: (usize, usize)) -> Tensor {
        let values: Vec<f32> = (0..shape.0 * shape.1).map(|_| rng.f32() - 0.5).collect();
        Tensor::from_vec(values, shape, &Device::Cpu).unwrap()
    }

    /// Weights sharing an input give the same products together (candle's
    /// fused pass, for a format our kernels do not read) as apart.
    #[test]
    fn shared_inputs_give_the_separate_products() {
        let mut rng = fastrand::Rng::with_seed(3);
        let linears: Vec<Linear> = [64, 32, 32]
            .into_iter()
            .map(|rows| {
                let weight = random(&mut rng, (rows, 1024));
                Linear::new(QTensor::quantize(&weight, GgmlDType::Q4K).unwrap()).unwrap()
            })
            .collect();
        let x = random(&mut rng, (1, 1024)).unsqueeze(0).unwrap();
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

    /// Q8_0 weights go to our kernels only where candle's repacked ones do
    /// not take them.
    #[test]
    fn whole_super_block_q8_0_rows_stay_with_candle() {
        let q8_0 = |rows: usize, columns: usize| {
            let zeros =
                Tensor::zeros((rows, columns), candle_core::DType::F32, &Device::Cpu).unwrap();
            QTensor::quantize(&zeros, GgmlDType::Q8_0).unwrap()
        };
        let (whole, partial) = (q8_0(32, 1024), q8_0(32, 896));
        assert!(!ours(&[&whole]));
        assert!(!ours(&[&partial, &whole]));
        assert_eq!(ours(&[&partial]), gemv_reads(&[GgmlDType::Q8_0]));
    }

    /// Q5_0 and Q8_0 weights, whichever kernel reads them here (ours, or
    /// candle's, or widened), give the products of their dequantized
    /// values, alone and sharing an input, one row at a time and batched.
    #[test]
    fn weights_give_the_dequantized_products() {
        let device = Device::Cpu;
        let mut rng = fastrand::Rng::with_seed(5);
        for dtype in [GgmlDType::Q5_0, GgmlDType::Q8_0] {
            let weights: Vec<QTensor> = [48, 16]
                .into_iter()
                .map(|rows| QTensor::quantize(&random(&mut rng, (rows, 896)), dtype).unwrap())
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
                let x = random(&mut rng, (batch, 896)).unsqueeze(0).unwrap();
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
                        assert!(worst < 0.05, "{dtype:?}, batch {batch}: {worst}");
                    }
                }
            }
        }
    }
}
