/// Every command the UI may call; `build.rs` turns each into an `allow-*`
/// permission. Tests keep this list, the capability and the bindings in step.
pub const COMMAND_NAMES: &[&str] = &[
    "startup_status",
    "get_settings",
    "update_settings",
    "doctor",
];
