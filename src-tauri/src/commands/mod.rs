//! Tauri commands, one file per area; each command maps onto one core call.

mod app;
mod backends;
mod history;
mod templates;

pub use app::*;
pub use backends::*;
pub use history::*;
pub use templates::*;
