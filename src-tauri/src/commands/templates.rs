//! The prompt template library: browse, preview, edit, import and export.

use scriptorium::ApiError;
use scriptorium::template::{
    self, ImportFile, ImportOutcome, Preview, TemplateEntry, TemplateKey, TemplateSummary, Values,
};
use tauri::State;

use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn list_templates(state: State<'_, AppState>) -> Result<Vec<TemplateSummary>, ApiError> {
    Ok(state.studio()?.templates().list().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_template(
    state: State<'_, AppState>,
    key: TemplateKey,
) -> Result<TemplateEntry, ApiError> {
    Ok(state
        .studio()?
        .templates()
        .get(&key.id, Some(&key.language))
        .await?)
}

/// Checks and renders unsaved text, for the editor's live preview.
#[tauri::command]
#[specta::specta]
pub async fn preview_template(
    state: State<'_, AppState>,
    source: String,
    values: Values,
) -> Result<Preview, ApiError> {
    Ok(state.studio()?.templates().preview(source, values).await?)
}

/// The text a new template starts from.
#[tauri::command]
#[specta::specta]
pub fn template_starter() -> String {
    template::NEW_TEMPLATE.to_owned()
}

#[tauri::command]
#[specta::specta]
pub async fn save_template(
    state: State<'_, AppState>,
    source: String,
    replacing: Option<TemplateKey>,
) -> Result<TemplateEntry, ApiError> {
    Ok(state.studio()?.templates().save(source, replacing).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn duplicate_template(
    state: State<'_, AppState>,
    key: TemplateKey,
) -> Result<TemplateEntry, ApiError> {
    Ok(state.studio()?.templates().duplicate(&key).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_template(state: State<'_, AppState>, key: TemplateKey) -> Result<(), ApiError> {
    Ok(state.studio()?.templates().delete(&key).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn reset_template(
    state: State<'_, AppState>,
    key: TemplateKey,
) -> Result<TemplateEntry, ApiError> {
    Ok(state.studio()?.templates().reset(&key).await?)
}

/// Imports files the person picked; the webview reads them, Rust checks them.
#[tauri::command]
#[specta::specta]
pub async fn import_templates(
    state: State<'_, AppState>,
    files: Vec<ImportFile>,
    replace: bool,
) -> Result<Vec<ImportOutcome>, ApiError> {
    Ok(state.studio()?.templates().import(files, replace).await?)
}

/// Writes the templates to the Downloads folder; returns the files written.
#[tauri::command]
#[specta::specta]
pub async fn export_templates(
    state: State<'_, AppState>,
    keys: Vec<TemplateKey>,
) -> Result<Vec<String>, ApiError> {
    let studio = state.studio()?;
    let dir = template::default_export_dir(studio.data_dir());
    let written = studio.templates().export_to_dir(&keys, dir).await?;
    Ok(written.iter().map(|p| p.display().to_string()).collect())
}
