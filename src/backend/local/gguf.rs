//! A validating GGUF reader.
//!
//! It reads what candle's reader reads (versions 2 and 3: metadata, tensor
//! descriptions, the tensor-data offset) into candle's own
//! [`Content`], so the engine loads tensors with [`Content::tensor`]. Unlike
//! candle's reader it checks every length, count, shape and tensor range
//! against the file first, so a damaged, truncated or hostile file is refused
//! with one sentence that names it, never with a panic or a huge allocation,
//! and a tensor type candle cannot run is refused by name before any weight
//! is loaded.

mod error;
mod ggml_type;
mod parse;

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

pub use candle_core::quantized::gguf_file::{Content, TensorInfo, Value};
pub use error::GgufError;
pub use ggml_type::GgmlType;
pub(crate) use parse::unsigned;

/// The metadata key of the tensor-data alignment.
pub const ALIGNMENT_KEY: &str = "general.alignment";

/// Reads and checks the header of the GGUF file at `path`: all its metadata
/// and its tensor table. Tensor data is not read, only located.
pub fn read(path: &Path) -> Result<Content, GgufError> {
    read_with(path, &|_| true)
}

/// [`read`], keeping only the metadata values whose key `keep` accepts; the
/// others are checked just as well but skipped without being stored, so a
/// summary of a model with a 150k-token vocabulary stays quick.
pub fn read_with(path: &Path, keep: &dyn Fn(&str) -> bool) -> Result<Content, GgufError> {
    read_as(path, path, keep)
}

/// [`read_with`], naming the file `shown` in errors: a download is checked
/// as `name.gguf.part` but reported as the `name.gguf` it was to become.
pub(crate) fn read_as(
    path: &Path,
    shown: &Path,
    keep: &dyn Fn(&str) -> bool,
) -> Result<Content, GgufError> {
    let io = |source| GgufError::Io {
        path: shown.to_owned(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    parse::parse(BufReader::with_capacity(1 << 16, file), size, shown, keep)
}

#[cfg(test)]
pub(crate) mod testing {
    //! GGUF files for tests, written by candle's own writer.

    use candle_core::quantized::{GgmlDType, QTensor, gguf_file};
    use candle_core::{Device, Tensor};

    use super::Value;

    /// A small model-like file with every value type and two tensors. The
    /// last tensor's data ends exactly at the end of the file (no padding),
    /// so cutting any byte off must be noticed.
    pub(crate) fn tiny_model() -> Vec<u8> {
        let metadata = vec![
            ("general.architecture", Value::String("llama".into())),
            ("general.name", Value::String("Tiny Test".into())),
            ("general.file_type", Value::U32(7)),
            ("llama.context_length", Value::U32(4096)),
            ("tokenizer.chat_template", Value::String("{{ x }}".into())),
            (
                "tokenizer.ggml.tokens",
                Value::Array(vec![Value::String("<s>".into()), Value::String("a".into())]),
            ),
            ("test.u8", Value::U8(1)),
            ("test.i8", Value::I8(-1)),
            ("test.u16", Value::U16(2)),
            ("test.i16", Value::I16(-2)),
            ("test.i32", Value::I32(-3)),
            ("test.f32", Value::F32(0.5)),
            ("test.bool", Value::Bool(true)),
            ("test.u64", Value::U64(u64::MAX)),
            ("test.i64", Value::I64(i64::MIN)),
            ("test.f64", Value::F64(-0.25)),
            (
                "test.nested",
                Value::Array(vec![
                    Value::Array(vec![Value::U8(1), Value::U8(2)]),
                    Value::Array(vec![]),
                ]),
            ),
        ];
        let tensors = vec![
            ("blk.0.weight", quantized(&[2, 32], GgmlDType::Q8_0)),
            ("output_norm.weight", quantized(&[8], GgmlDType::F32)),
        ];
        write(&metadata, &tensors)
    }

    pub(crate) fn quantized(shape: &[usize], dtype: GgmlDType) -> QTensor {
        let count: usize = shape.iter().product();
        let values: Vec<f32> = (0..count).map(|i| i as f32 / 8.0 - 1.0).collect();
        let tensor = Tensor::from_vec(values, shape, &Device::Cpu).unwrap();
        QTensor::quantize(&tensor, dtype).unwrap()
    }

    pub(crate) fn write(metadata: &[(&str, Value)], tensors: &[(&str, QTensor)]) -> Vec<u8> {
        let metadata: Vec<(&str, &Value)> = metadata.iter().map(|(k, v)| (*k, v)).collect();
        let tensors: Vec<(&str, &QTensor)> = tensors.iter().map(|(k, t)| (*k, t)).collect();
        let mut out = std::io::Cursor::new(Vec::new());
        gguf_file::write(&mut out, &metadata, &tensors).unwrap();
        out.into_inner()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;
    use std::path::PathBuf;
    use std::time::{Duration, Instant};

    use candle_core::Device;
    use candle_core::quantized::GgmlDType;
    use proptest::prelude::*;

    use super::testing::{quantized, tiny_model, write};
    use super::*;

    fn parse(bytes: &[u8]) -> Result<Content, GgufError> {
        parse_keeping(bytes, &|_| true)
    }

    fn parse_keeping(bytes: &[u8], keep: &dyn Fn(&str) -> bool) -> Result<Content, GgufError> {
        let path = PathBuf::from("/models/test.gguf");
        parse::parse(Cursor::new(bytes), bytes.len() as u64, &path, keep)
    }

    fn message(bytes: &[u8]) -> String {
        parse(bytes).unwrap_err().to_string()
    }

    /// A file built byte by byte, for what candle's writer cannot produce.
    struct Raw(Vec<u8>);

    impl Raw {
        fn new(version: u32, tensors: u64, entries: u64) -> Raw {
            let mut raw = Raw(b"GGUF".to_vec());
            raw.u32(version).u64(tensors).u64(entries);
            raw
        }
        fn u32(&mut self, v: u32) -> &mut Raw {
            self.0.extend(v.to_le_bytes());
            self
        }
        fn u64(&mut self, v: u64) -> &mut Raw {
            self.0.extend(v.to_le_bytes());
            self
        }
        fn str(&mut self, s: &str) -> &mut Raw {
            self.u64(s.len() as u64);
            self.0.extend(s.as_bytes());
            self
        }
        fn tensor(&mut self, name: &str, dims: &[u64], type_id: u32, offset: u64) -> &mut Raw {
            self.str(name).u32(dims.len() as u32);
            for &dim in dims {
                self.u64(dim);
            }
            self.u32(type_id).u64(offset)
        }
        /// Pads to the default alignment and appends `data` bytes of zeros.
        fn data(&mut self, data: usize) -> Vec<u8> {
            let padded = self.0.len().next_multiple_of(32);
            self.0.resize(padded + data, 0);
            self.0.clone()
        }
    }

    #[test]
    fn reads_what_candle_reads() {
        let bytes = tiny_model();
        let ours = parse(&bytes).unwrap();
        let theirs = Content::read(&mut Cursor::new(&bytes)).unwrap();
        assert!(matches!(
            ours.magic,
            candle_core::quantized::gguf_file::VersionedMagic::GgufV2
        ));
        assert_eq!(ours.tensor_data_offset, theirs.tensor_data_offset);
        assert_eq!(ours.metadata.len(), theirs.metadata.len());
        for (key, value) in &theirs.metadata {
            assert_eq!(
                format!("{:?}", ours.metadata[key]),
                format!("{value:?}"),
                "{key}"
            );
        }
        assert_eq!(ours.tensor_infos.len(), 2);
        for (name, info) in &theirs.tensor_infos {
            let mine = &ours.tensor_infos[name];
            assert_eq!(
                (mine.ggml_dtype, mine.shape.dims(), mine.offset),
                (info.ggml_dtype, info.shape.dims(), info.offset),
                "{name}"
            );
        }
        // The engine loads tensors through candle from what we read.
        let weight = ours
            .tensor(&mut Cursor::new(&bytes), "blk.0.weight", &Device::Cpu)
            .unwrap();
        assert_eq!(weight.dtype(), GgmlDType::Q8_0);
        assert_eq!(weight.shape().dims(), &[2, 32]);
        let norm = ours
            .tensor(&mut Cursor::new(&bytes), "output_norm.weight", &Device::Cpu)
            .unwrap()
            .dequantize(&Device::Cpu)
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        assert_eq!(
            norm,
            [-1.0, -0.875, -0.75, -0.625, -0.5, -0.375, -0.25, -0.125]
        );
    }

    #[test]
    fn reads_version_3_and_all_candle_types() {
        let types = [
            GgmlDType::F32,
            GgmlDType::F16,
            GgmlDType::BF16,
            GgmlDType::Q4_0,
            GgmlDType::Q4_1,
            GgmlDType::Q5_0,
            GgmlDType::Q5_1,
            GgmlDType::Q8_0,
            GgmlDType::Q2K,
            GgmlDType::Q3K,
            GgmlDType::Q4K,
            GgmlDType::Q5K,
            GgmlDType::Q6K,
        ];
        let names: Vec<String> = types.iter().map(|dtype| format!("t.{dtype:?}")).collect();
        let tensors: Vec<(&str, _)> = names
            .iter()
            .zip(types)
            .map(|(name, dtype)| (name.as_str(), quantized(&[1, 256], dtype)))
            .collect();
        let mut bytes = write(&[], &tensors);
        bytes[4] = 3;
        let content = parse(&bytes).unwrap();
        for dtype in types {
            let info = &content.tensor_infos[&format!("t.{dtype:?}")];
            assert_eq!(info.ggml_dtype, dtype);
            content
                .tensor(
                    &mut Cursor::new(&bytes),
                    &format!("t.{dtype:?}"),
                    &Device::Cpu,
                )
                .unwrap();
        }
    }

    #[test]
    fn skipped_values_are_checked_but_not_kept() {
        let bytes = tiny_model();
        let content = parse_keeping(&bytes, &|key| key.starts_with("general.")).unwrap();
        let mut keys: Vec<_> = content.metadata.keys().cloned().collect();
        keys.sort();
        assert_eq!(
            keys,
            ["general.architecture", "general.file_type", "general.name"]
        );
        assert_eq!(content.tensor_infos.len(), 2);
    }

    #[test]
    fn wrong_magic_names_what_the_file_starts_with() {
        assert_eq!(
            message(b"<!DOCTYPE html><html>"),
            r#"/models/test.gguf is not a GGUF model file (it starts with "<!DOCTYP")."#
        );
        assert_eq!(
            message(b""),
            "/models/test.gguf is not a GGUF model file (it is empty)."
        );
        assert!(message(b"GGU").contains("starts with \"GGU\""));
    }

    #[test]
    fn other_versions_are_refused() {
        let mut bytes = tiny_model();
        bytes[4] = 1;
        assert_eq!(
            message(&bytes),
            "/models/test.gguf is a GGUF file of version 1, which Scriptorium cannot read (it reads versions 2 and 3)."
        );
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = tiny_model();
        for len in 0..bytes.len() {
            for keep_all in [true, false] {
                let keep = move |_: &str| keep_all;
                let error = parse_keeping(&bytes[..len], &keep).unwrap_err();
                assert!(
                    matches!(
                        error,
                        GgufError::Truncated { .. } | GgufError::NotGguf { .. }
                    ),
                    "cut at {len}: {error}"
                );
            }
        }
        assert!(
            message(&bytes[..bytes.len() - 1])
                .contains("is truncated: tensor output_norm.weight needs bytes")
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Damage anywhere is an error or a different valid file, never a
        /// panic, and the summary mode agrees on which.
        #[test]
        fn damaged_files_never_panic(
            changes in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)
        ) {
            let mut bytes = tiny_model();
            for (index, byte) in changes {
                let at = index.index(bytes.len());
                bytes[at] = byte;
            }
            let full = parse(&bytes);
            let header_only = parse_keeping(&bytes, &|_| false);
            prop_assert_eq!(full.is_ok(), header_only.is_ok());
        }
    }

    /// Fails well within `limit`, so nothing was allocated or read for the
    /// absurd count.
    fn fails_fast(bytes: &[u8], expected: &str) {
        let started = Instant::now();
        let error = message(bytes);
        assert!(
            started.elapsed() < Duration::from_millis(200),
            "slow: {error}"
        );
        assert!(error.contains(expected), "{error}");
    }

    #[test]
    fn absurd_counts_and_lengths_fail_fast() {
        fails_fast(
            &Raw::new(3, u64::MAX, 0).data(64),
            "is truncated: its header announces 18446744073709551615 tensors",
        );
        fails_fast(
            &Raw::new(3, 0, u64::MAX).data(64),
            "and 18446744073709551615 metadata entries",
        );
        let key_too_long = Raw::new(3, 0, 1).u64(u64::MAX).data(64);
        fails_fast(
            &key_too_long,
            "metadata entry 1 holds a text of 18446744073709551615 bytes, but only",
        );
        let value_too_long = Raw::new(3, 0, 1).str("k").u32(8).u64(u64::MAX).data(64);
        fails_fast(&value_too_long, "the value of k holds a text of");
        let array_too_long = Raw::new(3, 0, 1)
            .str("k")
            .u32(9)
            .u32(4)
            .u64(u64::MAX)
            .data(64);
        fails_fast(
            &array_too_long,
            "the value of k holds an array of 18446744073709551615 items",
        );
        let strings_too_many = Raw::new(3, 0, 1)
            .str("k")
            .u32(9)
            .u32(8)
            .u64(1 << 40)
            .data(64);
        fails_fast(&strings_too_many, "holds an array of 1099511627776 items");
        let dims = Raw::new(3, 1, 0).str("w").u32(5).data(64);
        fails_fast(
            &dims,
            "tensor w has 5 dimensions, but GGUF allows at most 4",
        );
        let elements = Raw::new(3, 1, 0).tensor("w", &[u64::MAX, 2], 0, 0).data(64);
        fails_fast(&elements, "more values than any computer holds");
        let huge = Raw::new(3, 1, 0)
            .tensor("w", &[1 << 40, 1 << 20], 0, 0)
            .data(64);
        fails_fast(&huge, "is truncated: tensor w needs bytes");
    }

    #[test]
    fn too_many_values_are_refused() {
        // 9 million one-byte values fit in 9 MB but would take 300 MB held.
        let mut raw = Raw::new(3, 0, 1);
        raw.str("k").u32(9).u32(0).u64(9_000_000);
        let bytes = raw.data(9_000_000);
        assert!(message(&bytes).contains("more than 8388608 values"));
    }

    #[test]
    fn tensors_must_lie_inside_the_file_and_be_aligned() {
        let beyond = Raw::new(3, 1, 0).tensor("w", &[32], 0, 64).data(128);
        assert!(
            message(&beyond).contains(
                "is truncated: tensor w needs bytes 128 to 256, but the file ends at byte 192"
            ),
            "{}",
            message(&beyond)
        );
        let misaligned = Raw::new(3, 1, 0).tensor("w", &[8], 0, 4).data(64);
        assert!(message(&misaligned).contains(
            "is damaged: tensor w starts at offset 4, which is not a multiple of the alignment 32"
        ));
        let rows = Raw::new(3, 1, 0).tensor("w", &[33], 8, 0).data(64);
        assert!(
            message(&rows)
                .contains("rows of 33 values, not a multiple of the 32-value blocks of Q8_0")
        );
    }

    #[test]
    fn tensor_types_are_named() {
        let iq = Raw::new(3, 1, 0)
            .tensor("blk.0.ffn", &[256], 16, 0)
            .data(256);
        assert_eq!(
            message(&iq),
            format!(
                "/models/test.gguf stores tensor blk.0.ffn as IQ2_XXS, which Scriptorium cannot run yet (it runs {}).",
                GgmlType::supported_names()
            )
        );
        let unknown = Raw::new(3, 1, 0).tensor("w", &[32], 999, 0).data(256);
        assert_eq!(
            message(&unknown),
            "/models/test.gguf stores tensor w as ggml type 999, which this version of Scriptorium does not know."
        );
    }

    #[test]
    fn structural_damage_is_named() {
        let twice = Raw::new(3, 2, 0)
            .tensor("w", &[8], 0, 0)
            .tensor("w", &[8], 0, 32)
            .data(64);
        assert!(message(&twice).contains("two tensors are named w"));
        let key_twice = Raw::new(3, 0, 2)
            .str("k")
            .u32(4)
            .u32(1)
            .str("k")
            .u32(4)
            .u32(2)
            .data(0);
        assert!(message(&key_twice).contains("the metadata key k appears twice"));
        let mut bad_bool = Raw::new(3, 0, 1);
        bad_bool.str("k").u32(7).0.push(2);
        let bad_bool = bad_bool.data(0);
        assert!(message(&bad_bool).contains("the value of k holds 2 where a boolean"));
        let bad_type = Raw::new(3, 0, 1).str("k").u32(13).u32(0).data(0);
        assert!(message(&bad_type).contains("has value type 13, which GGUF does not define"));
        let mut deep = Raw::new(3, 0, 1);
        deep.str("k").u32(9);
        for _ in 0..20 {
            deep.u32(9).u64(1);
        }
        assert!(message(&deep.data(64)).contains("nests arrays more than 16 deep"));
        let alignment = Raw::new(3, 0, 1).str(ALIGNMENT_KEY).u32(4).u32(24).data(0);
        assert!(
            message(&alignment).contains("its general.alignment is U32(24), not a power of two")
        );
    }

    #[test]
    fn custom_alignment_moves_the_data() {
        let bytes = Raw::new(3, 1, 1)
            .str(ALIGNMENT_KEY)
            .u32(4)
            .u32(64)
            .tensor("w", &[8], 0, 0)
            .data(0);
        let mut bytes = bytes;
        bytes.resize(bytes.len().next_multiple_of(64) + 32, 0);
        let content = parse(&bytes).unwrap();
        assert_eq!(content.tensor_data_offset % 64, 0);
    }

    #[test]
    fn reads_from_disk_and_reports_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.gguf");
        std::fs::write(&path, tiny_model()).unwrap();
        assert_eq!(read(&path).unwrap().tensor_infos.len(), 2);
        let missing = read(&dir.path().join("none.gguf")).unwrap_err();
        assert_eq!(missing.code(), "io");
        assert!(missing.to_string().starts_with("Cannot read "), "{missing}");
    }
}
