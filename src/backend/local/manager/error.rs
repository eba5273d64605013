//! What can go wrong managing local models, each as one sentence.

use std::path::{Path, PathBuf};

use crate::ApiError;
use crate::backend::local::gguf::GgufError;

#[derive(Debug, thiserror::Error)]
pub enum ManagerError {
    /// The file is not a model Scriptorium can run.
    #[error(transparent)]
    Gguf(#[from] GgufError),

    #[error("Cannot {action} {}: {source}.", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("The disk holding {} is full{kept}.", dir.display())]
    DiskFull { dir: PathBuf, kept: String },

    #[error("There is no local model {id:?}.")]
    NotFound { id: String },

    #[error("There is no local model {name:?}, and no model file at that path.")]
    NotFoundAnywhere { name: String },

    #[error(
        "{id:?} cannot name a model: a model's name is its file name without .gguf, with no slashes and no leading dot."
    )]
    InvalidId { id: String },

    #[error("A model named {id:?} is already installed; delete it first to replace it.")]
    Exists { id: String },

    #[error("{repo:?} is not a Hugging Face repository; write it as owner/name.")]
    InvalidRepo { repo: String },

    #[error("{file:?} is not a GGUF model file name (it must end in .gguf).")]
    NotAGgufName { file: String },

    #[error("The hub address {endpoint:?} is not valid: {reason}.")]
    InvalidEndpoint { endpoint: String, reason: String },

    #[error("The repository {repo} has no file {file} at revision {revision}.")]
    NoSuchFile {
        repo: String,
        file: String,
        revision: String,
    },

    #[error("The repository {repo} has no revision {revision}.")]
    NoSuchRevision { repo: String, revision: String },

    #[error("{}", not_found_message(repo, *has_token))]
    NoSuchRepo { repo: String, has_token: bool },

    #[error("{}", access_message(repo, *has_token))]
    AccessDenied { repo: String, has_token: bool },

    #[error("The hub answered {status} for {file}: {message}")]
    Http {
        file: String,
        status: u16,
        message: String,
    },

    #[error("Cannot reach {endpoint}: {reason}.")]
    Connect { endpoint: String, reason: String },

    #[error(
        "The connection was lost after {} of {file}: {reason}; download again to resume.",
        progress(*downloaded, *total)
    )]
    ConnectionLost {
        file: String,
        downloaded: u64,
        total: Option<u64>,
        reason: String,
    },

    #[error("The download of {file} is damaged ({reason}); it was deleted, download it again.")]
    Damaged { file: String, reason: String },

    #[error("{file} is already being downloaded.")]
    InProgress { file: String },

    #[error("{}", cancelled_message(part, *downloaded))]
    Cancelled { part: PathBuf, downloaded: u64 },
}

impl ManagerError {
    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ManagerError::Gguf(error) => error.code(),
            ManagerError::Io { .. } => "io",
            ManagerError::DiskFull { .. } => "disk_full",
            ManagerError::NotFound { .. } | ManagerError::NotFoundAnywhere { .. } => {
                "model_not_found"
            }
            ManagerError::InvalidId { .. } => "invalid_model_id",
            ManagerError::Exists { .. } => "model_exists",
            ManagerError::InvalidRepo { .. } => "invalid_repo",
            ManagerError::NotAGgufName { .. } => "not_gguf",
            ManagerError::InvalidEndpoint { .. } => "invalid_endpoint",
            ManagerError::NoSuchFile { .. }
            | ManagerError::NoSuchRevision { .. }
            | ManagerError::NoSuchRepo { .. } => "hub_not_found",
            ManagerError::AccessDenied { .. } => "hub_access_denied",
            ManagerError::Http { .. } => "http",
            ManagerError::Connect { .. } => "connect",
            ManagerError::ConnectionLost { .. } => "connection_lost",
            ManagerError::Damaged { .. } => "download_damaged",
            ManagerError::InProgress { .. } => "download_in_progress",
            ManagerError::Cancelled { .. } => "cancelled",
        }
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> ManagerError {
        let path = path.into();
        move |source| ManagerError::Io {
            action,
            path,
            source,
        }
    }
}

impl From<&ManagerError> for ApiError {
    fn from(error: &ManagerError) -> Self {
        ApiError::new(error.code(), error)
    }
}

impl From<ManagerError> for ApiError {
    fn from(error: ManagerError) -> Self {
        ApiError::from(&error)
    }
}

fn not_found_message(repo: &str, has_token: bool) -> String {
    if has_token {
        format!("There is no repository {repo} that your HF_TOKEN can see.")
    } else {
        format!(
            "There is no repository {repo}; if it is private, set HF_TOKEN to an access token that can read it."
        )
    }
}

fn access_message(repo: &str, has_token: bool) -> String {
    if has_token {
        format!(
            "The token in HF_TOKEN cannot download from {repo}: accept the model's terms on its hub page, or use a token with access."
        )
    } else {
        format!(
            "{repo} is gated or private: accept the model's terms on its hub page, then set HF_TOKEN to an access token."
        )
    }
}

fn cancelled_message(part: &Path, downloaded: u64) -> String {
    if downloaded == 0 {
        return "The download was stopped before it began.".to_owned();
    }
    format!(
        "The download was stopped; the {} downloaded so far are kept in {}, and downloading again resumes from there.",
        human_bytes(downloaded),
        part.display()
    )
}

fn progress(downloaded: u64, total: Option<u64>) -> String {
    match total {
        Some(total) => format!("{} of {}", human_bytes(downloaded), human_bytes(total)),
        None => human_bytes(downloaded),
    }
}

/// Sizes as people read them: `812 KB`, `1.1 GB` (decimal units, as the hub
/// and file managers show them).
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    match unit {
        0 => format!("{bytes} bytes"),
        _ if value < 10.0 => format!("{value:.1} {}", UNITS[unit]),
        _ => format!("{value:.0} {}", UNITS[unit]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_naturally() {
        let cases = [
            (0, "0 bytes"),
            (999, "999 bytes"),
            (1_000, "1.0 KB"),
            (812_345, "812 KB"),
            (1_117_320_736, "1.1 GB"),
            (20_190_000_000, "20 GB"),
        ];
        for (bytes, expected) in cases {
            assert_eq!(human_bytes(bytes), expected);
        }
    }

    #[test]
    fn access_messages_say_what_to_do() {
        let without = ManagerError::AccessDenied {
            repo: "meta/llama".into(),
            has_token: false,
        };
        assert!(without.to_string().contains("set HF_TOKEN"), "{without}");
        let lost = ManagerError::ConnectionLost {
            file: "m.gguf".into(),
            downloaded: 1_500_000,
            total: Some(3_000_000),
            reason: "connection reset".into(),
        };
        assert_eq!(
            lost.to_string(),
            "The connection was lost after 1.5 MB of 3.0 MB of m.gguf: connection reset; download again to resume."
        );
    }
}
