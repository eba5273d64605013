//! Tauri commands, one file per area; each command maps onto one core call.

mod app;

pub use app::*;
