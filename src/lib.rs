//! Scriptorium core: everything the desktop app and the CLI share.
//!
//! [`Studio::open`] is the entry point: it prepares the data folder, opens
//! the SQLite store (migrating it forward, never destructively) and hands out
//! the services that the front ends call.

pub mod backend;
mod background;
pub mod chat;
pub mod doctor;
pub mod error;
pub mod generation;
pub mod history;
pub mod links;
pub mod logging;
pub mod paths;
pub mod secrets;
pub mod settings;
pub mod store;
mod studio;
pub mod template;

pub use error::{ApiError, Error, Result};
pub use studio::{Studio, StudioInfo};

/// The version of this build, shown by `--version`, `doctor` and the app.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
