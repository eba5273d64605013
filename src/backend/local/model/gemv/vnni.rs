//! The VNNI kernels: one instruction multiplies and sums a block's bytes
//! (`vpdpbusd`), and F16C reads the scales. Q8_0 rows need not be whole
//! super-blocks, as candle's VNNI kernels need them.
//!
//! `vpdpbusd` multiplies unsigned by signed bytes, so the weights are read
//! as stored plus an offset (16 for Q5_0, 128 for Q8_0), and each lane of
//! the accumulator starts from minus the offset times its four input
//! values' sum ([`super::Input::negated_sums`], shifted), which takes the
//! excess off.
//!
//! Two instruction sets have it: AVX-512 VNNI (servers; there a mask
//! register sets Q5_0's fifth bits in one instruction) and AVX-VNNI (recent
//! desktop and laptop processors, without AVX-512). The kernels are written
//! once and compiled for each.

use std::ops::Range;

use super::Job;

/// Proof that this machine has one form of VNNI and the rest its kernels
/// use; only [`Vnni::available`] makes one.
#[derive(Debug, Clone, Copy)]
pub struct Vnni(Form);

#[derive(Debug, Clone, Copy)]
enum Form {
    Avx512,
    Avx,
}

impl Vnni {
    /// The forms this machine has, AVX-512 first.
    pub fn available() -> impl Iterator<Item = Vnni> {
        use std::arch::is_x86_feature_detected as has;
        let base = has!("avx2") && has!("fma") && has!("f16c");
        let avx512 = has!("avx512f") && has!("avx512bw") && has!("avx512vl") && has!("avx512vnni");
        [
            (Form::Avx512, base && avx512),
            (Form::Avx, base && has!("avxvnni")),
        ]
        .into_iter()
        .filter_map(|(form, detected)| detected.then_some(Vnni(form)))
    }

    /// [`Job::fill`] for weight rows `range`.
    #[expect(
        unsafe_code,
        reason = "a function compiled for instructions found at run time is unsafe to call"
    )]
    pub fn fill(self, job: &Job, range: Range<usize>) {
        // SAFETY: a `Vnni` exists only where `available` found every
        // feature that its form's `fill` is compiled for.
        unsafe {
            match self.0 {
                Form::Avx512 => avx512::fill(job, range),
                Form::Avx => avx::fill(job, range),
            }
        }
    }
}

/// The kernels for one instruction set: `$features` to compile for,
/// `$dpbusd` its multiply-and-sum, and `$add_fifth_bits(nibbles, bits)`,
/// which adds 16 to byte j of `nibbles` where bit j of `bits` is set.
macro_rules! kernels {
    ($features:literal, $dpbusd:ident, $add_fifth_bits:ident) => {
        use std::arch::x86_64::{
            __m128i, __m256, __m256i, _mm_cvtph_ps, _mm_cvtsi32_si128, _mm_cvtss_f32,
            _mm_srli_epi16, _mm256_and_si256, _mm256_cvtepi32_ps, _mm256_fmadd_ps,
            _mm256_set_m128i, _mm256_set1_epi8, _mm256_set1_ps, _mm256_setzero_ps,
            _mm256_slli_epi32, _mm256_xor_si256,
        };
        use std::ops::Range;

        use super::super::{Format, Input, Job};

        #[target_feature(enable = $features)]
        pub fn fill(job: &Job, range: Range<usize>) {
            job.fill(range, |format, weights, input| match format {
                Format::Q5_0 => dot_q5_0(weights, input),
                Format::Q8_0 => dot_q8_0(weights, input),
            });
        }

        /// One row of Q5_0 blocks dotted with one quantized input row.
        #[inline]
        #[target_feature(enable = $features)]
        fn dot_q5_0(weights: &[u8], input: &Input) -> f32 {
            let low_nibbles = _mm256_set1_epi8(0x0f);
            dot::<4>(weights, Format::Q5_0, input, |block| {
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
                $add_fifth_bits(nibbles, fifth_bits)
            })
        }

        /// One row of Q8_0 blocks dotted with one quantized input row.
        #[inline]
        #[target_feature(enable = $features)]
        fn dot_q8_0(weights: &[u8], input: &Input) -> f32 {
            let sign_bits = _mm256_set1_epi8(i8::MIN);
            dot::<7>(weights, Format::Q8_0, input, |block| {
                let values: [u8; 32] = block[2..].try_into().expect("a Q8_0 block has 32 values");
                // Flipping the sign bit adds 128.
                _mm256_xor_si256(pulp::cast(values), sign_bits)
            })
        }

        /// The dot product of weight blocks, each an f16 scale followed by
        /// values that `unsigned` reads as 32 bytes (stored value plus
        /// 2^`OFFSET_BITS`), with the input.
        #[inline]
        #[target_feature(enable = $features)]
        fn dot<const OFFSET_BITS: i32>(
            weights: &[u8],
            format: Format,
            input: &Input,
            unsigned: impl Fn(&[u8]) -> __m256i,
        ) -> f32 {
            let mut sum = _mm256_setzero_ps();
            let blocks = weights
                .chunks_exact(format.block_bytes())
                .zip(&input.values)
                .zip(&input.scales)
                .zip(&input.negated_sums);
            for (((block, values), &input_scale), negated_sums) in blocks {
                let weight_scale = _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(i32::from(
                    u16::from_le_bytes([block[0], block[1]]),
                ))));
                let excess = _mm256_slli_epi32::<OFFSET_BITS>(pulp::cast(*negated_sums));
                let products = $dpbusd(
                    excess,
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
    };
}

mod avx512 {
    use std::arch::x86_64::{_mm256_dpbusd_epi32, _mm256_mask_add_epi8};

    kernels!(
        "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni",
        _mm256_dpbusd_epi32,
        add_fifth_bits
    );

    #[inline]
    #[target_feature(enable = "avx2,avx512f,avx512bw,avx512vl")]
    fn add_fifth_bits(nibbles: __m256i, bits: u32) -> __m256i {
        _mm256_mask_add_epi8(nibbles, bits, nibbles, _mm256_set1_epi8(16))
    }
}

mod avx {
    use std::arch::x86_64::{
        _mm256_cmpeq_epi8, _mm256_dpbusd_avx_epi32, _mm256_or_si256, _mm256_set_epi64x,
        _mm256_set1_epi32, _mm256_set1_epi64x, _mm256_shuffle_epi8,
    };

    kernels!(
        "avx2,fma,f16c,avxvnni",
        _mm256_dpbusd_avx_epi32,
        add_fifth_bits
    );

    #[inline]
    #[target_feature(enable = "avx2")]
    fn add_fifth_bits(nibbles: __m256i, bits: u32) -> __m256i {
        // Byte j takes byte j / 8 of `bits`; with every bit but j % 8 set
        // it is all ones exactly when bit j is set.
        let spread = _mm256_shuffle_epi8(
            _mm256_set1_epi32(bits as i32),
            _mm256_set_epi64x(
                0x0303_0303_0303_0303,
                0x0202_0202_0202_0202,
                0x0101_0101_0101_0101,
                0,
            ),
        );
        let others = _mm256_set1_epi64x(0x7fbf_dfef_f7fb_fdfe);
        let set = _mm256_cmpeq_epi8(_mm256_or_si256(spread, others), _mm256_set1_epi64x(-1));
        _mm256_or_si256(nibbles, _mm256_and_si256(set, _mm256_set1_epi8(16)))
    }
}
