//! Q5_0 weights rewritten as Q8_0, exactly: where our own Q5_0 kernel
//! (`gemv/`, x86-64 with AVX2) cannot run.
//!
//! candle has no vectorised kernel for Q5_0, which llama.cpp's quantizer
//! falls back to for rows that are not a multiple of 256 values (Qwen2.5
//! 0.5B, Gemma 3 1B in Q4_K_M); decoding such a model with candle's scalar
//! code ran at a fifth of llama.cpp's speed. A Q5_0 value is a 5-bit
//! integer in -16..=15 times its block's scale, and Q8_0 stores 8-bit
//! integers times the same kind of per-32 scale, so every value carries
//! over unchanged: 1.5× the bytes, read by candle's SIMD kernels.

use std::borrow::Cow;

use candle_core::Result;
use candle_core::quantized::{GgmlDType, QStorage, QTensor};

/// `tensor` as Q8_0 when it is Q5_0; `None` for any other type.
pub fn widen_q5_0(tensor: &QTensor) -> Result<Option<QTensor>> {
    if tensor.dtype() != GgmlDType::Q5_0 {
        return Ok(None);
    }
    let data = tensor.data()?;
    let q5_0_bytes = GgmlDType::Q5_0.type_size();
    let mut widened = Vec::with_capacity(data.len() / q5_0_bytes * GgmlDType::Q8_0.type_size());
    for block in data.chunks_exact(q5_0_bytes) {
        // d (f16), qh (32 high bits, little-endian), qs (16 bytes of two
        // low nibbles: values j and j + 16).
        let (scale, rest) = block.split_at(2);
        let (high, low) = rest.split_at(4);
        let high = u32::from_le_bytes([high[0], high[1], high[2], high[3]]);
        widened.extend_from_slice(scale);
        let value = |nibble: u8, bit: u32| -> u8 {
            let five = nibble | (((high >> bit) & 1) as u8) << 4;
            (five as i8 - 16) as u8
        };
        widened.extend(
            low.iter()
                .enumerate()
                .map(|(j, &byte)| value(byte & 0x0f, j as u32)),
        );
        widened.extend(
            low.iter()
                .enumerate()
                .map(|(j, &byte)| value(byte >> 4, j as u32 + 16)),
        );
    }
    let storage = QStorage::from_data(Cow::Owned(widened), &tensor.device(), GgmlDType::Q8_0)?;
    QTensor::new(storage, tensor.shape().clone()).map(Some)
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Tensor};

    use super::*;

    #[test]
    fn every_value_carries_over_exactly() {
        let device = Device::Cpu;
        let values: Vec<f32> = (0..64 * 96)
            .map(|i| ((i * 7919 % 2001) as f32 - 1000.0) / 37.0)
            .collect();
        let source = Tensor::from_vec(values, (64, 96), &device).unwrap();
        let q5 = QTensor::quantize(&source, GgmlDType::Q5_0).unwrap();
        let q8 = widen_q5_0(&q5).unwrap().unwrap();
        assert_eq!(q8.dtype(), GgmlDType::Q8_0);
        assert_eq!(q8.shape(), q5.shape());
        let before: Vec<f32> = q5
            .dequantize(&device)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        let after: Vec<f32> = q8
            .dequantize(&device)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        assert_eq!(before, after);
    }

    #[test]
    fn other_types_are_left_alone() {
        let device = Device::Cpu;
        let source = Tensor::ones((4, 32), candle_core::DType::F32, &device).unwrap();
        let q4 = QTensor::quantize(&source, GgmlDType::Q4_0).unwrap();
        assert!(widen_q5_0(&q4).unwrap().is_none());
    }
}
