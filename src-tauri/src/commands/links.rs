//! Links in model output open in the system browser, never in the window.

use scriptorium::ApiError;
use tauri_plugin_opener::OpenerExt;

/// Opens an http(s) link the person clicked; anything else is refused.
#[tauri::command]
#[specta::specta]
pub fn open_link(app: tauri::AppHandle, url: String) -> Result<(), ApiError> {
    let parsed = scriptorium::links::checked_web_link(&url)?;
    app.opener()
        .open_url(parsed.as_str(), None::<&str>)
        .map_err(|error| ApiError {
            code: "open_link".to_owned(),
            message: format!("Cannot open the link: {error}."),
            details: None,
        })
}
