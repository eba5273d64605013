//! The AVX-512 VNNI kernel: one instruction multiplies and sums a block's
//! bytes (`vpdpbusd`), a mask register sets the fifth bits, and F16C reads
//! the scales, where the AVX2 kernel needs a dozen instructions for the
//! same (`avx2.rs`).
//!
//! `vpdpbusd` multiplies unsigned by signed bytes, so the weights are read
//! as stored plus 16 (0..32) and the accumulator starts from the input's
//! sums times -16 ([`Input::corrections`]), which takes the excess off.

use std::arch::x86_64::{
    __m128i, __m256, __m256i, _mm_cvtph_ps, _mm_cvtsi32_si128, _mm_cvtss_f32, _mm_srli_epi16,
    _mm256_and_si256, _mm256_cvtepi32_ps, _mm256_dpbusd_epi32, _mm256_fmadd_ps,
    _mm256_mask_add_epi8, _mm256_set_m128i, _mm256_set1_epi8, _mm256_set1_ps, _mm256_setzero_ps,
};
use std::ops::Range;

use super::{BLOCK_BYTES, Input, Rows};

/// Proof that this machine has the instructions [`fill_rows`] enables.
#[derive(Debug, Clone, Copy)]
pub struct Vnni(());

impl Vnni {
    pub fn try_new() -> Option<Vnni> {
        let detected = std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma")
            && std::arch::is_x86_feature_detected!("f16c")
            && std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vl")
            && std::arch::is_x86_feature_detected!("avx512vnni");
        detected.then_some(Vnni(()))
    }

    /// [`Rows::fill`] for weight rows `range`.
    #[expect(
        unsafe_code,
        reason = "a function compiled for instructions found at run time is unsafe to call"
    )]
    pub fn fill(self, rows: &Rows, range: Range<usize>) {
        // SAFETY: a `Vnni` exists only where `try_new` found every feature
        // that `fill_rows` is compiled for.
        unsafe { fill_rows(rows, range) }
    }
}

#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
fn fill_rows(rows: &Rows, range: Range<usize>) {
    rows.fill(range, |weights, input| dot(weights, input));
}

/// One weight row (Q5_0 blocks) dotted with one quantized input row.
#[inline]
#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
fn dot(weights: &[u8], input: &Input) -> f32 {
    let low_nibbles = _mm256_set1_epi8(0x0f);
    let sixteen = _mm256_set1_epi8(16);
    let mut sum = _mm256_setzero_ps();
    let blocks = weights
        .chunks_exact(BLOCK_BYTES)
        .zip(&input.values)
        .zip(&input.scales)
        .zip(&input.corrections);
    for (((block, values), &input_scale), corrections) in blocks {
        let weight_scale = _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(i32::from(
            u16::from_le_bytes([block[0], block[1]]),
        ))));
        let fifth_bits = u32::from_le_bytes([block[2], block[3], block[4], block[5]]);
        let packed: [u8; 16] = block[6..].try_into().expect("a block has 16 value bytes");
        let packed: __m128i = pulp::cast(packed);
        // Values 0..16 from the low nibbles, 16..32 from the high ones.
        let nibbles = _mm256_and_si256(
            _mm256_set_m128i(_mm_srli_epi16::<4>(packed), packed),
            low_nibbles,
        );
        let unsigned = _mm256_mask_add_epi8(nibbles, fifth_bits, nibbles, sixteen);
        let products = _mm256_dpbusd_epi32(
            pulp::cast::<[i32; 8], __m256i>(*corrections),
            unsigned,
            pulp::cast::<[i8; 32], __m256i>(*values),
        );
        sum = _mm256_fmadd_ps(
            _mm256_set1_ps(weight_scale * input_scale),
            _mm256_cvtepi32_ps(products),
            sum,
        );
    }
    pulp::cast::<__m256, [f32; 8]>(sum).iter().sum()
}
