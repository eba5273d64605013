//! Why a file cannot be read as a GGUF model, each as one sentence that
//! names the file.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum GgufError {
    #[error("Cannot read {}: {source}.", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{} is not a GGUF model file ({}).", path.display(), describe_start(start))]
    NotGguf { path: PathBuf, start: Vec<u8> },

    #[error(
        "{} is a GGUF file of version {version}, which Scriptorium cannot read (it reads versions 2 and 3).",
        path.display()
    )]
    UnsupportedVersion { path: PathBuf, version: u32 },

    /// The file ends, or a length in it points, past its last byte.
    #[error("{} is truncated: {detail}.", path.display())]
    Truncated { path: PathBuf, detail: String },

    /// The bytes are there but do not follow the format.
    #[error("{} is damaged: {detail}.", path.display())]
    Damaged { path: PathBuf, detail: String },

    #[error(
        "{} stores tensor {tensor} as {type_name}, which Scriptorium cannot run yet (it runs {}).",
        path.display(),
        super::GgmlType::supported_names()
    )]
    UnsupportedType {
        path: PathBuf,
        tensor: String,
        type_name: &'static str,
    },

    #[error(
        "{} stores tensor {tensor} as ggml type {id}, which this version of Scriptorium does not know.",
        path.display()
    )]
    UnknownType {
        path: PathBuf,
        tensor: String,
        id: u32,
    },
}

impl GgufError {
    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            GgufError::Io { .. } => "io",
            GgufError::NotGguf { .. } => "not_gguf",
            GgufError::UnsupportedVersion { .. } => "gguf_version",
            GgufError::Truncated { .. } => "gguf_truncated",
            GgufError::Damaged { .. } => "gguf_damaged",
            GgufError::UnsupportedType { .. } | GgufError::UnknownType { .. } => {
                "gguf_unsupported_type"
            }
        }
    }
}

/// The first bytes as a person can recognise them: text when they are
/// printable (an HTML error page saved by mistake shows as `"<!DOCTYP"`),
/// else hex.
fn describe_start(start: &[u8]) -> String {
    if start.is_empty() {
        return "it is empty".to_owned();
    }
    if start.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        return format!("it starts with {:?}", String::from_utf8_lossy(start));
    }
    let hex: Vec<String> = start.iter().map(|b| format!("{b:02x}")).collect();
    format!("it starts with the bytes {}", hex.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_is_shown_as_text_or_hex() {
        let path = PathBuf::from("/m/x.gguf");
        let text = GgufError::NotGguf {
            path: path.clone(),
            start: b"<!DOCTYP".to_vec(),
        };
        assert_eq!(
            text.to_string(),
            r#"/m/x.gguf is not a GGUF model file (it starts with "<!DOCTYP")."#
        );
        let binary = GgufError::NotGguf {
            path: path.clone(),
            start: vec![0x50, 0x4b, 0x03, 0x04],
        };
        assert_eq!(
            binary.to_string(),
            "/m/x.gguf is not a GGUF model file (it starts with the bytes 50 4b 03 04)."
        );
        let empty = GgufError::NotGguf {
            path,
            start: Vec::new(),
        };
        assert!(empty.to_string().ends_with("(it is empty)."), "{empty}");
    }
}
