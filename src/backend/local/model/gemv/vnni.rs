//! The AVX-512 VNNI kernels: one instruction multiplies and sums a block's
//! bytes (`vpdpbusd`), and F16C reads the scales. For Q5_0 a mask register
//! sets the fifth bits, where the AVX2 kernel (`avx2.rs`) needs a dozen
//! instructions for the same; Q8_0 rows need not be whole super-blocks, as
//! candle's VNNI kernels need them.
//!
//! `vpdpbusd` multiplies unsigned by signed bytes, so the weights are read
//! as stored plus their format's offset, and the accumulator starts from
//! the input's sums times minus the offset ([`Input::corrections`]), which
//! takes the excess off.

use std::arch::x86_64::{
    __m128i, __m256, __m256i, _mm_cvtph_ps, _mm_cvtsi32_si128, _mm_cvtss_f32, _mm_srli_epi16,
    _mm256_and_si256, _mm256_cvtepi32_ps, _mm256_dpbusd_epi32, _mm256_fmadd_ps,
    _mm256_mask_add_epi8, _mm256_set_m128i, _mm256_set1_epi8, _mm256_set1_ps, _mm256_setzero_ps,
    _mm256_xor_si256,
};
use std::ops::Range;

use super::{Format, Input, Rows};

/// Proof that this machine has the instructions the kernels are compiled
/// for.
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
        // that these functions are compiled for.
        unsafe {
            match rows.format {
                Format::Q5_0 => fill_q5_0(rows, range),
                Format::Q8_0 => fill_q8_0(rows, range),
            }
        }
    }
}

#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
fn fill_q5_0(rows: &Rows, range: Range<usize>) {
    rows.fill(range, |weights, input| dot_q5_0(weights, input));
}

#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
fn fill_q8_0(rows: &Rows, range: Range<usize>) {
    rows.fill(range, |weights, input| dot_q8_0(weights, input));
}

/// One row of Q5_0 blocks dotted with one quantized input row.
#[inline]
#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
fn dot_q5_0(weights: &[u8], input: &Input) -> f32 {
    let low_nibbles = _mm256_set1_epi8(0x0f);
    let sixteen = _mm256_set1_epi8(16);
    dot(weights, Format::Q5_0, input, |block| {
        let fifth_bits = u32::from_le_bytes([block[2], block[3], block[4], block[5]]);
        let packed: [u8; 16] = block[6..]
            .try_into()
            .expect("a Q5_0 block has 16 value bytes");
        let packed: __m128i = pulp::cast(packed);
        // Values 0..16 from the low nibbles, 16..32 from the high ones.
        let nibbles = _mm256_and_si256(
            _mm256_set_m128i(_mm_srli_epi16::<4>(packed), packed),
            low_nibbles,
        );
        _mm256_mask_add_epi8(nibbles, fifth_bits, nibbles, sixteen)
    })
}

/// One row of Q8_0 blocks dotted with one quantized input row.
#[inline]
#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
fn dot_q8_0(weights: &[u8], input: &Input) -> f32 {
    let sign_bits = _mm256_set1_epi8(i8::MIN);
    dot(weights, Format::Q8_0, input, |block| {
        let values: [u8; 32] = block[2..].try_into().expect("a Q8_0 block has 32 values");
        // Flipping the sign bit adds 128.
        _mm256_xor_si256(pulp::cast(values), sign_bits)
    })
}

/// The dot product of weight blocks, each an f16 scale followed by values
/// that `unsigned` reads as 32 bytes (stored value plus the format's
/// offset), with the input.
#[inline]
#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
fn dot(weights: &[u8], format: Format, input: &Input, unsigned: impl Fn(&[u8]) -> __m256i) -> f32 {
    let mut sum = _mm256_setzero_ps();
    let blocks = weights
        .chunks_exact(format.block_bytes())
        .zip(&input.values)
        .zip(&input.scales)
        .zip(&input.corrections);
    for (((block, values), &input_scale), corrections) in blocks {
        let weight_scale = _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(i32::from(
            u16::from_le_bytes([block[0], block[1]]),
        ))));
        let products = _mm256_dpbusd_epi32(
            pulp::cast::<[i32; 8], __m256i>(*corrections),
            unsigned(block),
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
