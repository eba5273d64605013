include!("src/command_names.rs");

fn main() {
    // Declaring the app's commands makes each one need an explicit
    // `allow-*` permission in a capability: nothing is callable by default.
    let manifest = tauri_build::AppManifest::new().commands(COMMAND_NAMES);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri build script");
}
