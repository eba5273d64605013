//! Start-up status, settings and the health report.

use scriptorium::ApiError;
use scriptorium::doctor::DoctorReport;
use scriptorium::settings::{Settings, SettingsUpdate};
use tauri::State;

use crate::state::{AppState, StartupStatus};

#[tauri::command]
#[specta::specta]
pub fn startup_status(state: State<'_, AppState>) -> StartupStatus {
    state.startup_status()
}

#[tauri::command]
#[specta::specta]
pub async fn get_settings(state: State<'_, AppState>) -> Result<Settings, ApiError> {
    Ok(state.studio()?.settings().get().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn update_settings(
    state: State<'_, AppState>,
    update: SettingsUpdate,
) -> Result<Settings, ApiError> {
    Ok(state.studio()?.settings().update(update).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn doctor(state: State<'_, AppState>) -> Result<DoctorReport, ApiError> {
    Ok(state.studio()?.doctor().await?)
}
