//! The GGUF layout, read defensively.
//!
//! Every length, count and offset in the file is checked against the bytes
//! that are left before anything is allocated for it, so a damaged or hostile
//! file costs an error, never a panic or an allocation larger than the file.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::Path;

use candle_core::quantized::gguf_file::{Content, TensorInfo, Value, VersionedMagic};

use super::{ALIGNMENT_KEY, GgmlType, GgufError};

const MAGIC: &[u8; 4] = b"GGUF";
/// GGML_MAX_DIMS.
const MAX_DIMS: u32 = 4;
/// Arrays of arrays are legal; nothing real nests them this deep.
const MAX_DEPTH: u32 = 16;
/// Metadata values in one file. The largest vocabularies (260k tokens, with
/// scores, types and merges) need about 2 million; a value takes 32 bytes in
/// memory, so this also bounds what a file of tiny values can make us hold.
const MAX_VALUES: u64 = 1 << 23;
const DEFAULT_ALIGNMENT: u64 = 32;

/// A length prefix (versions 2 and 3).
const LEN: u64 = 8;
/// The smallest metadata entry: an empty key, a type, a one-byte value.
const MIN_ENTRY: u64 = LEN + 4 + 1;
/// The smallest tensor description: an empty name, no dimensions, a type
/// and an offset.
const MIN_TENSOR_INFO: u64 = LEN + 4 + 4 + 8;

/// Reads the header of a GGUF file of `size` bytes from `reader`, which is
/// positioned at its start. Metadata values whose key `keep` refuses are
/// checked and skipped; `general.alignment` is always kept.
pub(super) fn parse<R: Read>(
    reader: R,
    size: u64,
    path: &Path,
    keep: &dyn Fn(&str) -> bool,
) -> Result<Content, GgufError> {
    Parser {
        reader,
        pos: 0,
        size,
        path,
        place: "the header".to_owned(),
        values: 0,
    }
    .content(keep)
}

struct Parser<'a, R> {
    reader: R,
    /// Bytes consumed so far; never more than `size`.
    pos: u64,
    size: u64,
    path: &'a Path,
    /// What is being read, for the error messages.
    place: String,
    values: u64,
}

/// A tensor description, with the bytes its data takes.
struct Described {
    name: String,
    info: TensorInfo,
    bytes: u64,
}

impl<R: Read> Parser<'_, R> {
    fn content(mut self, keep: &dyn Fn(&str) -> bool) -> Result<Content, GgufError> {
        let magic = self.magic()?;
        let tensor_count = self.u64()?;
        let entry_count = self.u64()?;
        let needed = entry_count
            .saturating_mul(MIN_ENTRY)
            .saturating_add(tensor_count.saturating_mul(MIN_TENSOR_INFO));
        if needed > self.remaining() {
            return Err(self.truncated(format!(
                "its header announces {tensor_count} tensors and {entry_count} metadata entries, which need at least {needed} bytes, but only {} follow",
                self.remaining()
            )));
        }

        let mut metadata = HashMap::new();
        let mut keys = HashSet::new();
        for index in 1..=entry_count {
            self.place = format!("metadata entry {index}");
            let key = self.string(true)?.unwrap_or_default();
            self.place = format!("the value of {key}");
            let value_type = self.u32()?;
            let kept = key == ALIGNMENT_KEY || keep(&key);
            let value = self.value(value_type, 0, kept)?;
            if !keys.insert(key.clone()) {
                return Err(self.damaged(format!("the metadata key {key} appears twice")));
            }
            if let Some(value) = value {
                metadata.insert(key, value);
            }
        }

        let mut tensors = Vec::with_capacity(tensor_count.min(4096) as usize);
        let mut names = HashSet::new();
        for index in 1..=tensor_count {
            self.place = format!("tensor description {index}");
            let described = self.tensor_info()?;
            if !names.insert(described.name.clone()) {
                return Err(self.damaged(format!("two tensors are named {}", described.name)));
            }
            tensors.push(described);
        }

        let alignment = self.alignment(&metadata)?;
        let tensor_data_offset = self
            .pos
            .checked_next_multiple_of(alignment)
            .ok_or_else(|| {
                self.damaged(format!(
                    "general.alignment {alignment} is larger than any file"
                ))
            })?;
        for tensor in &tensors {
            self.check_placement(tensor, tensor_data_offset, alignment)?;
        }
        Ok(Content {
            magic,
            metadata,
            tensor_infos: tensors.into_iter().map(|t| (t.name, t.info)).collect(),
            tensor_data_offset,
        })
    }

    fn magic(&mut self) -> Result<VersionedMagic, GgufError> {
        // Up to 8 bytes, so a file that is not GGUF can be described.
        let mut head = Vec::with_capacity(8);
        (&mut self.reader)
            .take(8)
            .read_to_end(&mut head)
            .map_err(|e| self.io(e))?;
        self.pos = head.len() as u64;
        if !head.starts_with(MAGIC) {
            return Err(GgufError::NotGguf {
                path: self.path.to_owned(),
                start: head,
            });
        }
        let Ok(version) = <[u8; 4]>::try_from(&head[4..]) else {
            return Err(self.truncated(format!("it ends at byte {}, inside the header", self.size)));
        };
        match u32::from_le_bytes(version) {
            2 => Ok(VersionedMagic::GgufV2),
            3 => Ok(VersionedMagic::GgufV3),
            version => Err(GgufError::UnsupportedVersion {
                path: self.path.to_owned(),
                version,
            }),
        }
    }

    /// Reads a value; `None` when it is not `kept` (it is still checked).
    fn value(
        &mut self,
        value_type: u32,
        depth: u32,
        kept: bool,
    ) -> Result<Option<Value>, GgufError> {
        self.count_values(1)?;
        let value = match value_type {
            0 => Value::U8(u8::from_le_bytes(self.bytes()?)),
            1 => Value::I8(i8::from_le_bytes(self.bytes()?)),
            2 => Value::U16(u16::from_le_bytes(self.bytes()?)),
            3 => Value::I16(i16::from_le_bytes(self.bytes()?)),
            4 => Value::U32(self.u32()?),
            5 => Value::I32(i32::from_le_bytes(self.bytes()?)),
            6 => Value::F32(f32::from_le_bytes(self.bytes()?)),
            7 => match self.bytes::<1>()? {
                [0] => Value::Bool(false),
                [1] => Value::Bool(true),
                [other] => {
                    return Err(self.damaged(format!(
                        "{} holds {other} where a boolean (0 or 1) belongs",
                        self.place
                    )));
                }
            },
            8 => match self.string(kept)? {
                Some(text) => Value::String(text),
                None => return Ok(None),
            },
            9 => return self.array(depth, kept),
            10 => Value::U64(self.u64()?),
            11 => Value::I64(i64::from_le_bytes(self.bytes()?)),
            12 => Value::F64(f64::from_le_bytes(self.bytes()?)),
            other => return Err(self.unknown_value_type(other)),
        };
        Ok(kept.then_some(value))
    }

    fn array(&mut self, depth: u32, kept: bool) -> Result<Option<Value>, GgufError> {
        if depth >= MAX_DEPTH {
            return Err(self.damaged(format!(
                "{} nests arrays more than {MAX_DEPTH} deep",
                self.place
            )));
        }
        let item_type = self.u32()?;
        let Some(item_size) = min_size(item_type) else {
            return Err(self.unknown_value_type(item_type));
        };
        let count = self.u64()?;
        self.claim(count.saturating_mul(item_size), || {
            format!("an array of {count} items")
        })?;
        if !kept && !matches!(item_type, 7..=9) {
            // Numbers, any bit pattern valid: skip them in one go.
            self.count_values(count)?;
            return self.skip(count * item_size).map(|()| None);
        }
        if count > MAX_VALUES.saturating_sub(self.values) {
            // Refused before any item is read.
            return Err(self.too_many_values());
        }
        // The claim above bounds `count` by the file size; the cap keeps a
        // file of one-byte items from reserving 32 bytes for each up front.
        let mut items = Vec::with_capacity(if kept { count.min(1 << 16) as usize } else { 0 });
        for _ in 0..count {
            if let Some(item) = self.value(item_type, depth + 1, kept)? {
                items.push(item);
            }
        }
        Ok(kept.then_some(Value::Array(items)))
    }

    fn tensor_info(&mut self) -> Result<Described, GgufError> {
        let name = self.string(true)?.unwrap_or_default();
        self.place = format!("the description of tensor {name}");
        let dim_count = self.u32()?;
        if dim_count > MAX_DIMS {
            return Err(self.damaged(format!(
                "tensor {name} has {dim_count} dimensions, but GGUF allows at most {MAX_DIMS}"
            )));
        }
        // GGUF lists the fastest-varying dimension first; candle wants it last.
        let mut dims = Vec::with_capacity(dim_count as usize);
        for _ in 0..dim_count {
            dims.push(self.u64()?);
        }
        let type_id = self.u32()?;
        let offset = self.u64()?;

        let ggml_type = GgmlType::from_id(type_id).ok_or_else(|| GgufError::UnknownType {
            path: self.path.to_owned(),
            tensor: name.clone(),
            id: type_id,
        })?;
        let dtype = ggml_type.candle.ok_or_else(|| GgufError::UnsupportedType {
            path: self.path.to_owned(),
            tensor: name.clone(),
            type_name: ggml_type.name,
        })?;
        let elements = dims
            .iter()
            .try_fold(1u64, |product, &dim| product.checked_mul(dim))
            .filter(|&n| usize::try_from(n).is_ok() && i64::try_from(n).is_ok())
            .ok_or_else(|| {
                self.damaged(format!(
                    "tensor {name} has dimensions {dims:?}, more values than any computer holds"
                ))
            })?;
        let block = dtype.block_size() as u64;
        let row = dims.first().copied().unwrap_or(1);
        if !row.is_multiple_of(block) {
            return Err(self.damaged(format!(
                "tensor {name} has rows of {row} values, not a multiple of the {block}-value blocks of {}",
                ggml_type.name
            )));
        }
        // Too large to fit saturates, and fails the placement check.
        let bytes = (elements / block).saturating_mul(dtype.type_size() as u64);
        let shape: Vec<usize> = dims.iter().rev().map(|&dim| dim as usize).collect();
        Ok(Described {
            name,
            info: TensorInfo {
                ggml_dtype: dtype,
                shape: shape.into(),
                offset,
            },
            bytes,
        })
    }

    fn alignment(&self, metadata: &HashMap<String, Value>) -> Result<u64, GgufError> {
        let Some(value) = metadata.get(ALIGNMENT_KEY) else {
            return Ok(DEFAULT_ALIGNMENT);
        };
        unsigned(value)
            .filter(|a| a.is_power_of_two())
            .ok_or_else(|| {
                self.damaged(format!(
                    "its {ALIGNMENT_KEY} is {value:?}, not a power of two"
                ))
            })
    }

    fn check_placement(
        &self,
        tensor: &Described,
        data_offset: u64,
        alignment: u64,
    ) -> Result<(), GgufError> {
        let name = &tensor.name;
        let offset = tensor.info.offset;
        if !offset.is_multiple_of(alignment) {
            return Err(self.damaged(format!(
                "tensor {name} starts at offset {offset}, which is not a multiple of the alignment {alignment}"
            )));
        }
        let start = data_offset.saturating_add(offset);
        let end = start.saturating_add(tensor.bytes);
        if end > self.size {
            return Err(self.truncated(format!(
                "tensor {name} needs bytes {start} to {end}, but the file ends at byte {}",
                self.size
            )));
        }
        Ok(())
    }

    fn string(&mut self, kept: bool) -> Result<Option<String>, GgufError> {
        let len = self.u64()?;
        self.claim(len, || format!("a text of {len} bytes"))?;
        if !kept {
            return self.skip(len).map(|()| None);
        }
        // Bounded by the file size just above.
        let mut bytes = vec![0; len as usize];
        self.reader.read_exact(&mut bytes).map_err(|e| self.io(e))?;
        self.pos += len;
        // Some writers add a NUL terminator the format does not have.
        while bytes.last() == Some(&0) {
            bytes.pop();
        }
        Ok(Some(String::from_utf8(bytes).unwrap_or_else(|invalid| {
            String::from_utf8_lossy(invalid.as_bytes()).into_owned()
        })))
    }

    fn u32(&mut self) -> Result<u32, GgufError> {
        self.bytes().map(u32::from_le_bytes)
    }

    fn u64(&mut self) -> Result<u64, GgufError> {
        self.bytes().map(u64::from_le_bytes)
    }

    fn bytes<const N: usize>(&mut self) -> Result<[u8; N], GgufError> {
        if self.remaining() < N as u64 {
            return Err(self.truncated(format!(
                "it ends at byte {}, inside {}",
                self.size, self.place
            )));
        }
        let mut buf = [0; N];
        self.reader.read_exact(&mut buf).map_err(|e| self.io(e))?;
        self.pos += N as u64;
        Ok(buf)
    }

    fn skip(&mut self, len: u64) -> Result<(), GgufError> {
        let skipped = std::io::copy(&mut (&mut self.reader).take(len), &mut std::io::sink())
            .map_err(|e| self.io(e))?;
        if skipped < len {
            return Err(self.io(std::io::ErrorKind::UnexpectedEof.into()));
        }
        self.pos += len;
        Ok(())
    }

    /// Fails unless `len` more bytes are in the file.
    fn claim(&self, len: u64, what: impl FnOnce() -> String) -> Result<(), GgufError> {
        if len > self.remaining() {
            return Err(self.truncated(format!(
                "{} holds {}, but only {} bytes follow",
                self.place,
                what(),
                self.remaining()
            )));
        }
        Ok(())
    }

    fn count_values(&mut self, count: u64) -> Result<(), GgufError> {
        self.values = self.values.saturating_add(count);
        if self.values > MAX_VALUES {
            return Err(self.too_many_values());
        }
        Ok(())
    }

    fn too_many_values(&self) -> GgufError {
        self.damaged(format!(
            "its metadata holds more than {MAX_VALUES} values, more than any model needs"
        ))
    }

    fn remaining(&self) -> u64 {
        self.size - self.pos
    }

    fn unknown_value_type(&self, value_type: u32) -> GgufError {
        self.damaged(format!(
            "{} has value type {value_type}, which GGUF does not define",
            self.place
        ))
    }

    fn truncated(&self, detail: String) -> GgufError {
        GgufError::Truncated {
            path: self.path.to_owned(),
            detail,
        }
    }

    fn damaged(&self, detail: String) -> GgufError {
        GgufError::Damaged {
            path: self.path.to_owned(),
            detail,
        }
    }

    fn io(&self, source: std::io::Error) -> GgufError {
        if source.kind() == std::io::ErrorKind::UnexpectedEof {
            // The size was taken up front: the file shrank while being read.
            return self.truncated(format!("it got shorter while {} was read", self.place));
        }
        GgufError::Io {
            path: self.path.to_owned(),
            source,
        }
    }
}

/// The bytes one value of `value_type` takes at least, `None` for a type
/// GGUF does not define.
fn min_size(value_type: u32) -> Option<u64> {
    match value_type {
        0 | 1 | 7 => Some(1),
        2 | 3 => Some(2),
        4..=6 => Some(4),
        10..=12 => Some(8),
        8 => Some(LEN),
        9 => Some(4 + LEN),
        _ => None,
    }
}

/// A non-negative integer of any width.
pub(crate) fn unsigned(value: &Value) -> Option<u64> {
    match *value {
        Value::U8(v) => Some(v.into()),
        Value::U16(v) => Some(v.into()),
        Value::U32(v) => Some(v.into()),
        Value::U64(v) => Some(v),
        Value::I8(v) => u64::try_from(v).ok(),
        Value::I16(v) => u64::try_from(v).ok(),
        Value::I32(v) => u64::try_from(v).ok(),
        Value::I64(v) => u64::try_from(v).ok(),
        _ => None,
    }
}
