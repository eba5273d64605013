//! Tauri commands, one file per area; each command maps onto one core call.

mod app;
mod backends;
mod chat;
mod history;
mod links;
mod models;
mod templates;

pub use app::*;
pub use backends::*;
pub use chat::*;
pub use history::*;
pub use links::*;
pub use models::*;
pub use templates::*;
