//! The AVX2 kernel for Q5_0: llama.cpp's dot product of Q5_0 weights with
//! a Q8_0 input, in pulp's safe intrinsics.

use std::arch::x86_64::{__m128i, __m256, __m256i};
use std::ops::Range;

use pulp::x86::V3;

use super::{Format, Input, Job};

const BLOCK_BYTES: usize = Format::Q5_0.block_bytes();

/// [`Job::fill`] for weight rows `range`, all Q5_0.
pub fn fill(simd: V3, job: &Job, range: Range<usize>) {
    simd.vectorize(|| {
        job.fill(range, |format, weights, input| {
            debug_assert_eq!(format, Format::Q5_0);
            dot(simd, weights, input)
        });
    });
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
    use half::f16;

    use super::*;

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
}
