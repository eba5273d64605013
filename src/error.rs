//! Errors of the core, each with a stable code and a one-sentence message.

use std::path::PathBuf;

use serde::Serialize;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("Cannot use the data folder {}: {reason}.", path.display())]
    DataDirUnusable {
        path: PathBuf,
        reason: String,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "{} is not a Scriptorium database (it is not an SQLite file); it was left untouched.",
        path.display()
    )]
    NotADatabase { path: PathBuf },

    #[error(
        "The database {} comes from a newer Scriptorium (schema version {found}, this version knows up to {supported}); it was left untouched, update Scriptorium to open it.",
        path.display()
    )]
    SchemaTooNew {
        path: PathBuf,
        found: u32,
        supported: u32,
    },

    #[error("Cannot open the database {}: {source}.", path.display())]
    OpenDatabase {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },

    #[error("Cannot upgrade the database {} to this version: {source}.", path.display())]
    Migration {
        path: PathBuf,
        #[source]
        source: rusqlite_migration::Error,
    },

    #[error("Database error: {0}.")]
    Database(#[from] rusqlite::Error),

    #[error("The database has been closed.")]
    StoreClosed,

    #[error("There is no backend named {name:?}.")]
    BackendNotFound { name: String },

    #[error("A backend named {name:?} already exists.")]
    BackendExists { name: String },

    #[error("This backend cannot be saved: {reason}.")]
    InvalidBackend { reason: String },

    #[error(
        "No backend chosen: add one (Settings, or `scriptorium backend add`) or pick a default."
    )]
    NoBackend,

    #[error("No model chosen for {backend:?}: pick one, or set the backend's default model.")]
    NoModel { backend: String },

    #[error("There is no generation {id}.")]
    GenerationNotFound { id: i64 },

    #[error("This history search cannot run: {reason}.")]
    InvalidHistoryQuery { reason: String },

    #[error("{tag:?} cannot be a tag: a tag has 1 to 64 characters and no line breaks.")]
    InvalidTag { tag: String },

    #[error(
        "Nothing was imported: line {line} of the file does not read as a generation ({reason})."
    )]
    HistoryImport { line: usize, reason: String },

    #[error("Generation {id} cannot be run again: {reason}.")]
    CannotRerun { id: i64, reason: String },
    #[error("There is no conversation {id}.")]
    ConversationNotFound { id: i64 },

    #[error("There is no message {id}.")]
    MessageNotFound { id: i64 },

    #[error("This cannot be done in a chat: {reason}.")]
    InvalidChat { reason: String },

    #[error("Local models can run on 1 to {max} threads, not {count}.")]
    InvalidThreadCount { count: u32, max: u32 },

    #[error("Only http and https links can be opened, not {url:?}.")]
    LinkRefused { url: String },

    #[error(transparent)]
    Backend(#[from] crate::backend::BackendError),

    #[error(transparent)]
    Secrets(#[from] crate::secrets::SecretsError),

    #[error("Cannot read the folder {}: {source}.", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// A stable, machine-readable code: front ends branch on it, never on text.
    pub fn code(&self) -> &'static str {
        match self {
            Error::DataDirUnusable { .. } => "data_dir_unusable",
            Error::NotADatabase { .. } => "not_a_database",
            Error::SchemaTooNew { .. } => "schema_too_new",
            Error::OpenDatabase { .. } => "open_database",
            Error::Migration { .. } => "migration",
            Error::Database(_) => "database",
            Error::StoreClosed => "store_closed",
            Error::BackendNotFound { .. } => "backend_not_found",
            Error::BackendExists { .. } => "backend_exists",
            Error::InvalidBackend { .. } => "invalid_backend",
            Error::NoBackend => "no_backend",
            Error::NoModel { .. } => "no_model",
            Error::GenerationNotFound { .. } => "generation_not_found",
            Error::InvalidHistoryQuery { .. } => "invalid_history_query",
            Error::InvalidTag { .. } => "invalid_tag",
            Error::HistoryImport { .. } => "history_import",
            Error::CannotRerun { .. } => "cannot_rerun",
            Error::ConversationNotFound { .. } => "conversation_not_found",
            Error::MessageNotFound { .. } => "message_not_found",
            Error::InvalidChat { .. } => "invalid_chat",
            Error::InvalidThreadCount { .. } => "invalid_thread_count",
            Error::LinkRefused { .. } => "link_refused",
            Error::Backend(error) => error.code(),
            Error::Secrets(_) => "secrets",
            Error::Io { .. } => "io",
        }
    }
}

/// An error as it crosses into a front end (IPC, `--json`): a stable code,
/// the one-sentence message, and the underlying causes for the curious.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ApiError {
    pub code: String,
    pub message: String,
    pub details: Option<String>,
}

impl ApiError {
    /// The error's own sentence as the message, its causes as the details.
    pub fn new(code: &str, error: &(dyn std::error::Error + 'static)) -> ApiError {
        let mut causes = Vec::new();
        let mut source = error.source();
        while let Some(cause) = source {
            causes.push(cause.to_string());
            source = cause.source();
        }
        ApiError {
            code: code.to_owned(),
            message: error.to_string(),
            details: (!causes.is_empty()).then(|| causes.join("\n")),
        }
    }
}

impl From<&Error> for ApiError {
    fn from(error: &Error) -> Self {
        ApiError::new(error.code(), error)
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        ApiError::from(&error)
    }
}
