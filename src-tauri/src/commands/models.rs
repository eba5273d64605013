//! Local models: the models folder, the download catalog and the engine.

use std::path::Path;

use scriptorium::ApiError;
use scriptorium::backend::local::{
    CATALOG, CatalogEntry, DownloadProgress, EngineStatus, HubFile, HubOptions, ImportMode,
    LocalModel, LocalThreads, ManagerError,
};
use scriptorium::settings::Settings;
use tauri::State;
use tauri::ipc::Channel;

use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn list_local_models(state: State<'_, AppState>) -> Result<Vec<LocalModel>, ApiError> {
    Ok(state.studio()?.models().list().await?)
}

#[tauri::command]
#[specta::specta]
pub fn model_catalog() -> Vec<CatalogEntry> {
    CATALOG.to_vec()
}

/// Brings a model file the person picked into the models folder.
#[tauri::command]
#[specta::specta]
pub async fn import_model(
    state: State<'_, AppState>,
    path: String,
    mode: ImportMode,
) -> Result<LocalModel, ApiError> {
    Ok(state
        .studio()?
        .models()
        .import(Path::new(&path), mode)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_model(state: State<'_, AppState>, id: String) -> Result<(), ApiError> {
    Ok(state.studio()?.models().delete(&id).await?)
}

/// Downloads `file` from the hub into the models folder, with its progress
/// on `progress`. A cancelled or failed download keeps its bytes: the next
/// download of the same file resumes.
#[tauri::command]
#[specta::specta]
pub async fn download_model(
    state: State<'_, AppState>,
    file: HubFile,
    progress: Channel<DownloadProgress>,
) -> Result<LocalModel, ApiError> {
    let models = state.studio()?.models();
    let Some(running) = state.downloads().start(&file) else {
        return Err(ManagerError::InProgress { file: file.file }.into());
    };
    let report = |done: DownloadProgress| {
        // A closed window stops listening; the download goes on.
        let _ = progress.send(done);
    };
    let hub = HubOptions::from_env();
    Ok(models
        .download(&hub, &file, &report, running.token())
        .await?)
}

/// Stops the download of `file`; false when none runs.
#[tauri::command]
#[specta::specta]
pub fn cancel_download(state: State<'_, AppState>, file: HubFile) -> bool {
    state.downloads().cancel(&file)
}

/// Which local model is in memory, if any.
#[tauri::command]
#[specta::specta]
pub fn local_engine_status(state: State<'_, AppState>) -> Result<EngineStatus, ApiError> {
    Ok(state.studio()?.backends().local_status())
}

/// The thread count local models run with now, and what can be chosen.
#[tauri::command]
#[specta::specta]
pub fn local_threads() -> LocalThreads {
    LocalThreads::now()
}

/// Chooses the thread count of local models (`None`: the physical cores);
/// it applies from the next start.
#[tauri::command]
#[specta::specta]
pub async fn set_local_threads(
    state: State<'_, AppState>,
    count: Option<u32>,
) -> Result<Settings, ApiError> {
    Ok(state.studio()?.settings().set_local_threads(count).await?)
}
