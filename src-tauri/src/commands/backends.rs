//! Model backends: list, add, change, remove, keys, connection tests.

use scriptorium::ApiError;
use scriptorium::backend::presets::{PRESETS, Preset};
use scriptorium::backend::probe::{self, FoundServer};
use scriptorium::backend::registry::{BackendDraft, BackendRecord, ConnectionReport};
use scriptorium::secrets::{ApiKey, KeyLocation};
use scriptorium::settings::Settings;
use serde::Serialize;
use tauri::State;

use crate::state::AppState;

/// A backend as the settings page shows it: never its key, only where it is.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BackendView {
    pub backend: BackendRecord,
    pub key: Option<KeyLocation>,
}

async fn view(state: &AppState, backend: BackendRecord) -> Result<BackendView, ApiError> {
    let key = state
        .studio()?
        .backends()
        .key_location(&backend.name)
        .await?;
    Ok(BackendView { backend, key })
}

#[tauri::command]
#[specta::specta]
pub async fn list_backends(state: State<'_, AppState>) -> Result<Vec<BackendView>, ApiError> {
    let mut views = Vec::new();
    for backend in state.studio()?.backends().list().await? {
        views.push(view(&state, backend).await?);
    }
    Ok(views)
}

#[tauri::command]
#[specta::specta]
pub fn list_presets() -> Vec<Preset> {
    PRESETS.to_vec()
}

#[tauri::command]
#[specta::specta]
pub async fn probe_local_servers() -> Vec<FoundServer> {
    probe::local_servers().await
}

#[tauri::command]
#[specta::specta]
pub async fn add_backend(
    state: State<'_, AppState>,
    draft: BackendDraft,
    api_key: Option<String>,
) -> Result<BackendView, ApiError> {
    let backend = state
        .studio()?
        .backends()
        .add(draft, api_key.and_then(ApiKey::new))
        .await?;
    view(&state, backend).await
}

#[tauri::command]
#[specta::specta]
pub async fn update_backend(
    state: State<'_, AppState>,
    name: String,
    draft: BackendDraft,
) -> Result<BackendView, ApiError> {
    let studio = state.studio()?;
    let backend = studio.backends().update(&name, draft).await?;
    // The default follows a renamed backend.
    let settings = studio.settings();
    if name != backend.name && settings.get().await?.default_backend.as_deref() == Some(&name) {
        settings
            .set_default_backend(Some(backend.name.clone()))
            .await?;
    }
    view(&state, backend).await
}

#[tauri::command]
#[specta::specta]
pub async fn set_backend_key(
    state: State<'_, AppState>,
    name: String,
    api_key: String,
) -> Result<Option<KeyLocation>, ApiError> {
    let backends = state.studio()?.backends();
    match ApiKey::new(api_key) {
        Some(key) => Ok(Some(backends.set_key(&name, key).await?)),
        None => {
            backends.remove_key(&name).await?;
            Ok(None)
        }
    }
}

#[tauri::command]
#[specta::specta]
pub async fn delete_backend(
    state: State<'_, AppState>,
    name: String,
) -> Result<Settings, ApiError> {
    let studio = state.studio()?;
    studio.backends().remove(&name).await?;
    let settings = studio.settings();
    if settings.get().await?.default_backend.as_deref() == Some(&name) {
        return Ok(settings.set_default_backend(None).await?);
    }
    Ok(settings.get().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn test_backend(
    state: State<'_, AppState>,
    name: String,
) -> Result<ConnectionReport, ApiError> {
    Ok(state.studio()?.backends().test(&name).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_default_backend(
    state: State<'_, AppState>,
    name: Option<String>,
) -> Result<Settings, ApiError> {
    Ok(state.studio()?.settings().set_default_backend(name).await?)
}
