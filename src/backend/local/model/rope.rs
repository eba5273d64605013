//! Rotary position embeddings: cos/sin tables and their application.

use candle_core::{D, DType, Device, Result, Tensor};

use super::config::RopeStyle;

/// Tables for positions `0..positions` of one rope configuration.
#[derive(Debug, Clone)]
pub struct Rope {
    cos: Tensor,
    sin: Tensor,
    style: RopeStyle,
}

impl Rope {
    /// `frequency_factors` divide the per-pair frequencies (Llama 3.1+
    /// ships them as `rope_freqs.weight`); `position_scale` is linear
    /// scaling.
    pub fn new(
        head_dim: usize,
        base: f32,
        position_scale: f32,
        frequency_factors: Option<&[f32]>,
        positions: usize,
        style: RopeStyle,
        device: &Device,
    ) -> Result<Rope> {
        let pairs = head_dim / 2;
        let inverse: Vec<f32> = (0..pairs)
            .map(|i| {
                let frequency = 1.0 / base.powf(2.0 * i as f32 / head_dim as f32);
                frequency / frequency_factors.map_or(1.0, |factors| factors[i])
            })
            .collect();
        let inverse = Tensor::from_vec(inverse, (1, pairs), device)?;
        let positions = Tensor::arange(0u32, positions as u32, device)?
            .to_dtype(DType::F32)?
            .affine(f64::from(position_scale), 0.0)?
            .reshape((positions, 1))?;
        let angles = positions.broadcast_mul(&inverse)?;
        Ok(Rope {
            cos: angles.cos()?,
            sin: angles.sin()?,
            style,
        })
    }

    /// Rotates `x` (batch, heads, tokens, head_dim) whose first token sits
    /// at position `start`.
    pub fn apply(&self, x: &Tensor, start: usize) -> Result<Tensor> {
        let tokens = x.dim(D::Minus2)?;
        let cos = self.cos.narrow(0, start, tokens)?;
        let sin = self.sin.narrow(0, start, tokens)?;
        let x = x.contiguous()?;
        match self.style {
            RopeStyle::Interleaved => candle_nn::rotary_emb::rope_i(&x, &cos, &sin),
            RopeStyle::Halves => candle_nn::rotary_emb::rope(&x, &cos, &sin),
        }
    }

    pub fn positions(&self) -> usize {
        self.cos.dims()[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Position 0 is the identity; position p turns pair i by p·base^(-2i/d).
    #[test]
    fn rotates_pairs_by_position() {
        let device = Device::Cpu;
        let x = Tensor::new(&[1f32, 0.0, 1.0, 0.0], &device)
            .unwrap()
            .reshape((1, 1, 1, 4))
            .unwrap();
        let rope = Rope::new(4, 100.0, 1.0, None, 8, RopeStyle::Interleaved, &device).unwrap();
        let same: Vec<f32> = rope
            .apply(&x, 0)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        assert_eq!(same, [1.0, 0.0, 1.0, 0.0]);
        let turned: Vec<f32> = rope
            .apply(&x, 3)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        // Pair 0 turns by 3 rad, pair 1 by 3 / 100^(2/4) = 0.3 rad.
        let expected = [3f32.cos(), 3f32.sin(), 0.3f32.cos(), 0.3f32.sin()];
        for (got, want) in turned.iter().zip(expected) {
            assert!((got - want).abs() < 1e-5, "{turned:?} vs {expected:?}");
        }
    }

    #[test]
    fn factors_and_scaling_slow_the_rotation() {
        let device = Device::Cpu;
        let x = Tensor::new(&[1f32, 0.0], &device)
            .unwrap()
            .reshape((1, 1, 1, 2))
            .unwrap();
        let plain = Rope::new(2, 10.0, 1.0, None, 8, RopeStyle::Halves, &device).unwrap();
        let factored =
            Rope::new(2, 10.0, 1.0, Some(&[2.0]), 8, RopeStyle::Halves, &device).unwrap();
        let scaled = Rope::new(2, 10.0, 0.5, None, 8, RopeStyle::Halves, &device).unwrap();
        let at = |rope: &Rope, position| -> Vec<f32> {
            rope.apply(&x, position)
                .unwrap()
                .flatten_all()
                .unwrap()
                .to_vec1()
                .unwrap()
        };
        assert_eq!(at(&factored, 4), at(&plain, 2));
        assert_eq!(at(&scaled, 4), at(&plain, 2));
    }
}
