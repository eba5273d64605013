//! Chat: conversations, streamed turns and branch navigation.

use scriptorium::ApiError;
use scriptorium::chat::{
    ChatSettings, Conversation, ConversationFormat, ConversationSummary, ConversationView,
    ExportScope, NewConversation, Turn, TurnStarted,
};
use scriptorium::generation::{GenerationRecord, RunEvent};
use tauri::State;
use tauri::ipc::Channel;

use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn list_conversations(
    state: State<'_, AppState>,
    query: String,
) -> Result<Vec<ConversationSummary>, ApiError> {
    Ok(state.studio()?.chat().list(&query).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn create_conversation(
    state: State<'_, AppState>,
    draft: NewConversation,
) -> Result<Conversation, ApiError> {
    Ok(state.studio()?.chat().create(draft).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_conversation(
    state: State<'_, AppState>,
    id: i64,
) -> Result<ConversationView, ApiError> {
    Ok(state.studio()?.chat().view(id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn rename_conversation(
    state: State<'_, AppState>,
    id: i64,
    title: String,
) -> Result<(), ApiError> {
    Ok(state.studio()?.chat().rename(id, title).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn pin_conversation(
    state: State<'_, AppState>,
    id: i64,
    pinned: bool,
) -> Result<(), ApiError> {
    Ok(state.studio()?.chat().set_pinned(id, pinned).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_conversation(state: State<'_, AppState>, id: i64) -> Result<(), ApiError> {
    Ok(state.studio()?.chat().delete(id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn restore_conversation(state: State<'_, AppState>, id: i64) -> Result<(), ApiError> {
    Ok(state.studio()?.chat().restore(id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn update_chat_settings(
    state: State<'_, AppState>,
    id: i64,
    settings: ChatSettings,
) -> Result<(), ApiError> {
    Ok(state.studio()?.chat().update_settings(id, settings).await?)
}

/// Adds the turn's messages and streams the answer through `events`, one
/// channel per request; the last event is `finished`.
#[tauri::command]
#[specta::specta]
pub async fn send_turn(
    state: State<'_, AppState>,
    conversation: i64,
    turn: Turn,
    events: Channel<RunEvent>,
) -> Result<TurnStarted, ApiError> {
    let (started, mut receiver) = state.studio()?.chat().start(conversation, turn).await?;
    tauri::async_runtime::spawn(async move {
        while let Some(event) = receiver.recv().await {
            if events.send(event).is_err() {
                // The window went away; the answer is still saved.
                break;
            }
        }
    });
    Ok(started)
}

#[tauri::command]
#[specta::specta]
pub fn stop_turn(state: State<'_, AppState>, message: i64) -> Result<bool, ApiError> {
    Ok(state.studio()?.chat().stop(message))
}

#[tauri::command]
#[specta::specta]
pub async fn switch_branch(
    state: State<'_, AppState>,
    message: i64,
) -> Result<ConversationView, ApiError> {
    Ok(state.studio()?.chat().switch_to(message).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_branch(
    state: State<'_, AppState>,
    message: i64,
) -> Result<ConversationView, ApiError> {
    Ok(state.studio()?.chat().delete_branch(message).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn pin_message(
    state: State<'_, AppState>,
    message: i64,
    pinned: bool,
) -> Result<(), ApiError> {
    Ok(state.studio()?.chat().pin_message(message, pinned).await?)
}

/// The request exactly as it was sent for an answer.
#[tauri::command]
#[specta::specta]
pub async fn sent_request(
    state: State<'_, AppState>,
    message: i64,
) -> Result<GenerationRecord, ApiError> {
    Ok(state.studio()?.chat().sent_request(message).await?)
}

/// Writes the conversation to the Downloads folder; returns the file.
#[tauri::command]
#[specta::specta]
pub async fn export_conversation(
    state: State<'_, AppState>,
    id: i64,
    scope: ExportScope,
    format: ConversationFormat,
) -> Result<String, ApiError> {
    let studio = state.studio()?;
    let dir = scriptorium::template::default_export_dir(studio.data_dir());
    let path = studio.chat().export_to_dir(id, scope, format, dir).await?;
    Ok(path.display().to_string())
}

/// Imports a JSON export the person picked; the webview reads the file.
#[tauri::command]
#[specta::specta]
pub async fn import_conversation(
    state: State<'_, AppState>,
    json: String,
) -> Result<Conversation, ApiError> {
    Ok(state.studio()?.chat().import(&json).await?)
}
