//! Local models: GGUF files run in-process with candle, and the folder that
//! keeps them.

pub mod catalog;
pub mod gguf;
pub mod manager;
pub mod summary;

pub use catalog::{CATALOG, CatalogEntry};
pub use manager::{
    DownloadProgress, HubFile, HubOptions, ImportMode, LocalModel, ManagerError, ModelManager,
};
pub use summary::ModelSummary;
