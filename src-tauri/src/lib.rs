//! The desktop shell: one window, thin commands into the Scriptorium core.
//! No domain logic lives here.

mod bindings;
#[cfg(test)]
mod command_names;
mod commands;
mod downloads;
mod state;

use scriptorium::backend::local::threads;
use scriptorium::paths::{self, DataDir};
use scriptorium::{Studio, logging};
use tauri::Manager;

use state::AppState;

/// Starts the app; returns when the last window closes.
pub fn run() {
    let data_dir = DataDir::new(paths::default_data_dir());
    // First, while this is the only thread: it sets the environment.
    threads::settle_from_store(&data_dir.db_path());
    let _logs = logging::init(Some(&data_dir.log_dir()), "info");
    let state = AppState::open(Studio::open(data_dir.root()));
    let commands = bindings::builder();

    tauri::Builder::default()
        // First, so a second launch hands over before anything else starts.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            focus_main_window(app)
        }))
        // The window may only show the open-file dialog (importing a model).
        .plugin(tauri_plugin_dialog::init())
        // Used from Rust only (open_link); the window has no opener permission.
        .plugin(tauri_plugin_opener::init())
        .plugin(
            tauri_plugin_window_state::Builder::new()
                // An absolute name keeps the file in our data folder.
                .with_filename(
                    data_dir
                        .root()
                        .join("window-state.json")
                        .display()
                        .to_string(),
                )
                .build(),
        )
        .manage(state)
        .invoke_handler(commands.invoke_handler())
        .setup(move |app| {
            commands.mount_events(app);
            exit_on_terminate(app.handle().clone());
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("the desktop app failed to start");
}

/// A SIGTERM (log-out, shutdown, a test driver) ends the app the way closing
/// the window does, so the window state and the store are saved.
fn exit_on_terminate(app: tauri::AppHandle) {
    #[cfg(unix)]
    tauri::async_runtime::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
                tracing::info!("terminated: exiting cleanly");
                app.exit(0);
            }
            Err(error) => tracing::warn!(%error, "cannot watch for SIGTERM"),
        }
    });
}

fn focus_main_window(app: &tauri::AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn app_and_cli_share_one_data_folder() {
        let config: serde_json::Value =
            serde_json::from_str(include_str!("../tauri.conf.json")).unwrap();
        assert_eq!(config["identifier"], scriptorium::paths::APP_IDENTIFIER);
    }
}
