//! The generation history: pages, details, marks, tags, delete, re-run,
//! compare, export, import and statistics.

use scriptorium::ApiError;
use scriptorium::generation::{GenerationRecord, RunEvent};
use scriptorium::history::{
    Comparison, ExportFormat, ExportSelection, HistoryFacets, HistoryPage, HistoryQuery,
    HistoryStats, ImportSummary,
};
use tauri::State;
use tauri::ipc::Channel;
use tokio_util::sync::CancellationToken;

use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn history_page(
    state: State<'_, AppState>,
    query: HistoryQuery,
    after: Option<String>,
    limit: u32,
) -> Result<HistoryPage, ApiError> {
    Ok(state.studio()?.history().page(query, after, limit).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn history_facets(state: State<'_, AppState>) -> Result<HistoryFacets, ApiError> {
    Ok(state.studio()?.history().facets().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_generation(
    state: State<'_, AppState>,
    id: i64,
) -> Result<GenerationRecord, ApiError> {
    Ok(state.studio()?.history().get(id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_favourite(
    state: State<'_, AppState>,
    id: i64,
    favourite: bool,
) -> Result<(), ApiError> {
    Ok(state
        .studio()?
        .history()
        .set_favourite(id, favourite)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_generation_tags(
    state: State<'_, AppState>,
    id: i64,
    tags: Vec<String>,
) -> Result<Vec<String>, ApiError> {
    Ok(state.studio()?.history().set_tags(id, tags).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_generations(
    state: State<'_, AppState>,
    ids: Vec<i64>,
) -> Result<u32, ApiError> {
    Ok(state.studio()?.history().delete(ids).await?)
}

/// Starts the re-run and returns its id; its events follow on `on_event`.
/// It runs (and is recorded) to the end even if the page goes away.
#[tauri::command]
#[specta::specta]
pub async fn rerun_generation(
    state: State<'_, AppState>,
    id: i64,
    on_event: Channel<RunEvent>,
) -> Result<i64, ApiError> {
    let mut run = state
        .studio()?
        .history()
        .rerun(id, CancellationToken::new())
        .await?;
    let new_id = run.id;
    tauri::async_runtime::spawn(async move {
        while let Some(event) = run.events.recv().await {
            if on_event.send(event).is_err() {
                break;
            }
        }
    });
    Ok(new_id)
}

#[tauri::command]
#[specta::specta]
pub async fn compare_generations(
    state: State<'_, AppState>,
    first: i64,
    second: i64,
) -> Result<Comparison, ApiError> {
    Ok(state.studio()?.history().compare(first, second).await?)
}

/// Writes the selection to the Downloads folder; returns the file written.
#[tauri::command]
#[specta::specta]
pub async fn export_history(
    state: State<'_, AppState>,
    selection: ExportSelection,
    format: ExportFormat,
) -> Result<String, ApiError> {
    let studio = state.studio()?;
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    let path = scriptorium::template::default_export_dir(studio.data_dir()).join(format!(
        "scriptorium-history-{stamp}.{}",
        format.extension()
    ));
    studio
        .history()
        .export_to(selection, format, path.clone())
        .await?;
    Ok(path.display().to_string())
}

/// Imports a JSON Lines file the person picked; the webview reads it.
#[tauri::command]
#[specta::specta]
pub async fn import_history(
    state: State<'_, AppState>,
    text: String,
) -> Result<ImportSummary, ApiError> {
    Ok(state.studio()?.history().import(text).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn history_stats(
    state: State<'_, AppState>,
    since: Option<String>,
) -> Result<HistoryStats, ApiError> {
    Ok(state.studio()?.history().stats(since).await?)
}
