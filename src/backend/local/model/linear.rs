//! A weight matrix, multiplied the way that is fastest for the batch.

use candle_core::quantized::{QMatMul, QTensor};
use candle_core::{D, Module, Result, Tensor};

/// From this many rows on, a dense product beats quantized dot products.
pub const DENSE_FROM_ROWS: usize = 32;

#[derive(Debug)]
pub struct Linear(QMatMul);

impl Linear {
    pub fn new(weight: QTensor) -> Result<Linear> {
        QMatMul::from_qtensor(weight).map(Linear)
    }

    /// `x` (…, in) times the weight's transpose: (…, out).
    ///
    /// One token at a time, reading the compact quantized weights is the
    /// whole cost, so candle's quantized kernels run. A prompt multiplies
    /// the same weights by hundreds of rows: dequantizing them once and
    /// using a dense GEMM, which reuses every weight across rows, is several
    /// times faster than one quantized dot product per row and column.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let rows = x.elem_count() / x.dim(D::Minus1)?;
        match &self.0 {
            QMatMul::QTensor(weight) if rows >= DENSE_FROM_ROWS => {
                let dense = weight.dequantize(x.device())?;
                x.broadcast_matmul(&dense.t()?)
            }
            _ => self.0.forward(x),
        }
    }
}
