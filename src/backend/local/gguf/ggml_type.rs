//! The ggml tensor types as GGUF files number them, and which of them candle
//! can run.
//!
//! candle's own id table is private and knows only the types it runs; ours
//! knows every type llama.cpp writes, so a file with, say, IQ2_XXS tensors is
//! refused with that name instead of "unknown dtype 16".

use candle_core::quantized::GgmlDType;

/// A known ggml type: its id in GGUF files, its llama.cpp name, and the
/// candle type that runs it, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GgmlType {
    pub id: u32,
    pub name: &'static str,
    pub candle: Option<GgmlDType>,
}

/// `enum ggml_type` of ggml.h; ids the format has retired keep their names,
/// so old files are named correctly too. Q8_1 and Q8_K have candle types, but
/// candle cannot load them from a file (they only ever hold activations).
const TYPES: &[(u32, &str, Option<GgmlDType>)] = &[
    (0, "F32", Some(GgmlDType::F32)),
    (1, "F16", Some(GgmlDType::F16)),
    (2, "Q4_0", Some(GgmlDType::Q4_0)),
    (3, "Q4_1", Some(GgmlDType::Q4_1)),
    (4, "Q4_2", None),
    (5, "Q4_3", None),
    (6, "Q5_0", Some(GgmlDType::Q5_0)),
    (7, "Q5_1", Some(GgmlDType::Q5_1)),
    (8, "Q8_0", Some(GgmlDType::Q8_0)),
    (9, "Q8_1", None),
    (10, "Q2_K", Some(GgmlDType::Q2K)),
    (11, "Q3_K", Some(GgmlDType::Q3K)),
    (12, "Q4_K", Some(GgmlDType::Q4K)),
    (13, "Q5_K", Some(GgmlDType::Q5K)),
    (14, "Q6_K", Some(GgmlDType::Q6K)),
    (15, "Q8_K", None),
    (16, "IQ2_XXS", None),
    (17, "IQ2_XS", None),
    (18, "IQ3_XXS", None),
    (19, "IQ1_S", None),
    (20, "IQ4_NL", None),
    (21, "IQ3_S", None),
    (22, "IQ2_S", None),
    (23, "IQ4_XS", None),
    (24, "I8", None),
    (25, "I16", None),
    (26, "I32", None),
    (27, "I64", None),
    (28, "F64", None),
    (29, "IQ1_M", None),
    (30, "BF16", Some(GgmlDType::BF16)),
    (31, "Q4_0_4_4", None),
    (32, "Q4_0_4_8", None),
    (33, "Q4_0_8_8", None),
    (34, "TQ1_0", None),
    (35, "TQ2_0", None),
    (36, "IQ4_NL_4_4", None),
    (37, "IQ4_NL_4_8", None),
    (38, "IQ4_NL_8_8", None),
    (39, "MXFP4", None),
    (40, "NVFP4", None),
    (41, "Q1_0", None),
];

impl GgmlType {
    /// The type a GGUF file means by `id`; `None` for ids newer than this table.
    pub fn from_id(id: u32) -> Option<GgmlType> {
        TYPES
            .iter()
            .find(|(known, _, _)| *known == id)
            .map(|&(id, name, candle)| GgmlType { id, name, candle })
    }

    /// The name of a type candle runs.
    pub fn name_of(dtype: GgmlDType) -> &'static str {
        TYPES
            .iter()
            .find(|(_, _, candle)| *candle == Some(dtype))
            .map_or("unknown", |(_, name, _)| name)
    }

    /// The names of the types candle runs, for error messages.
    pub fn supported_names() -> String {
        TYPES
            .iter()
            .filter(|(_, _, candle)| candle.is_some())
            .map(|(_, name, _)| *name)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_ascending() {
        assert!(TYPES.windows(2).all(|pair| pair[0].0 < pair[1].0));
    }

    #[test]
    fn candle_types_keep_their_ids() {
        // candle writes the same ids: a file it writes must read back as the
        // type it was written with.
        let cases = [
            (0, GgmlDType::F32),
            (1, GgmlDType::F16),
            (8, GgmlDType::Q8_0),
            (12, GgmlDType::Q4K),
            (14, GgmlDType::Q6K),
            (30, GgmlDType::BF16),
        ];
        for (id, dtype) in cases {
            assert_eq!(GgmlType::from_id(id).unwrap().candle, Some(dtype), "{id}");
        }
    }

    #[test]
    fn unsupported_types_are_named() {
        let iq = GgmlType::from_id(16).unwrap();
        assert_eq!((iq.name, iq.candle), ("IQ2_XXS", None));
        assert_eq!(GgmlType::from_id(999), None);
        assert_eq!(GgmlType::name_of(GgmlDType::Q4K), "Q4_K");
        let names = GgmlType::supported_names();
        assert!(names.starts_with("F32, F16, Q4_0"), "{names}");
        assert!(names.contains("Q6_K") && names.contains("BF16"), "{names}");
        assert!(!names.contains("IQ") && !names.contains("Q8_K"), "{names}");
    }
}
