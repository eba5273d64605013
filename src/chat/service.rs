//! The chat service: conversations, turns that stream into the tree, and
//! branch navigation.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rusqlite::types::Value as SqlValue;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::model::{
    ChatSettings, ContextReport, Conversation, ConversationSummary, ConversationView, Message,
    MessageStatus, Turn, TurnStarted,
};
use super::rows::{self, Field, NewMessage};
use super::tree::Tree;
use super::trim::{self, Item};
use crate::backend::{ChatMessage, GenerateRequest, Prompt, Role};
use crate::generation::{GenerationSpec, RunEvent, tokens};
use crate::template::Values;
use crate::{Error, Result, Studio};

/// Title length taken from the first message.
const TITLE_CHARS: usize = 60;

/// Turns in flight, by assistant message id, so they can be stopped.
#[derive(Debug, Clone, Default)]
pub struct ChatRuns(Arc<Mutex<HashMap<i64, CancellationToken>>>);

impl ChatRuns {
    fn insert(&self, id: i64, token: CancellationToken) {
        self.lock().insert(id, token);
    }

    fn remove(&self, id: i64) {
        self.lock().remove(&id);
    }

    /// Cancels the turn writing `id`; false when none runs.
    fn cancel(&self, id: i64) -> bool {
        match self.lock().remove(&id) {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, CancellationToken>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A new conversation, optionally from a chat persona template.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct NewConversation {
    pub title: String,
    /// A chat template id; its rendered system message becomes the system prompt.
    pub persona: Option<String>,
    pub language: Option<String>,
    pub values: Values,
    pub settings: ChatSettings,
}

#[derive(Debug, Clone)]
pub struct ChatService {
    studio: Studio,
}

impl ChatService {
    pub(crate) fn new(studio: Studio) -> ChatService {
        ChatService { studio }
    }

    pub async fn list(&self, query: &str) -> Result<Vec<ConversationSummary>> {
        let query = query.to_owned();
        self.studio
            .store()
            .read(move |conn| rows::list(conn, &query))
            .await
    }

    pub async fn create(&self, new: NewConversation) -> Result<Conversation> {
        let mut settings = new.settings;
        if let Some(persona) = &new.persona {
            let rendering = self
                .studio
                .templates()
                .render(persona, new.language.as_deref(), &new.values)
                .await
                .map_err(|error| Error::InvalidChat {
                    reason: error.to_string(),
                })?;
            if let Prompt::Chat { messages } = &rendering.prompt {
                let system: Vec<&str> = messages
                    .iter()
                    .filter(|m| m.role == Role::System)
                    .map(|m| m.content.as_str())
                    .collect();
                if settings.system_prompt.is_empty() {
                    settings.system_prompt = system.join("\n\n");
                }
            }
            settings.params.temperature =
                settings.params.temperature.or(rendering.params.temperature);
            settings.params.max_tokens = settings.params.max_tokens.or(rendering.params.max_tokens);
        }
        let title = new.title.trim().to_owned();
        let persona = new.persona;
        let id = self
            .studio
            .store()
            .write(move |conn| {
                rows::insert_conversation(conn, &title, persona.as_deref(), &settings)
            })
            .await?;
        self.conversation(id).await
    }

    pub async fn conversation(&self, id: i64) -> Result<Conversation> {
        self.studio
            .store()
            .read(move |conn| rows::load_conversation(conn, id))
            .await
    }

    /// The conversation with its tree, the branch on screen and its context.
    pub async fn view(&self, id: i64) -> Result<ConversationView> {
        let (conversation, messages) = self
            .studio
            .store()
            .read(move |conn| {
                Ok((
                    rows::load_conversation(conn, id)?,
                    rows::messages(conn, id)?,
                ))
            })
            .await?;
        Ok(view_of(conversation, messages))
    }

    pub async fn rename(&self, id: i64, title: String) -> Result<()> {
        let title = title.trim().to_owned();
        self.set(id, Field::Title, SqlValue::Text(title)).await
    }

    pub async fn set_pinned(&self, id: i64, pinned: bool) -> Result<()> {
        self.set(id, Field::Pinned, SqlValue::Integer(pinned.into()))
            .await
    }

    /// Hides the conversation; [`ChatService::restore`] undoes it until the
    /// next start purges it.
    pub async fn delete(&self, id: i64) -> Result<()> {
        self.studio
            .store()
            .write(move |conn| rows::set_deleted(conn, id, true))
            .await
    }

    pub async fn restore(&self, id: i64) -> Result<()> {
        self.studio
            .store()
            .write(move |conn| rows::set_deleted(conn, id, false))
            .await
    }

    pub(crate) async fn purge_deleted(&self) -> Result<usize> {
        self.studio
            .store()
            .write(|conn| rows::purge_deleted(conn))
            .await
    }

    pub async fn update_settings(&self, id: i64, settings: ChatSettings) -> Result<()> {
        self.studio
            .store()
            .write(move |conn| rows::update_settings(conn, id, &settings))
            .await
    }

    /// Shows the branch through `message`, down to its newest leaf.
    pub async fn switch_to(&self, message: i64) -> Result<ConversationView> {
        let (conversation_id, _) = self.message(message).await?;
        let view = self.view(conversation_id).await?;
        let tree = tree_of(&view.messages);
        let head = tree.newest_leaf(message);
        self.set(conversation_id, Field::Head, SqlValue::Integer(head))
            .await?;
        self.view(conversation_id).await
    }

    /// Deletes `message` and everything below it; the head moves to a
    /// remaining sibling if it was on that branch.
    pub async fn delete_branch(&self, message: i64) -> Result<ConversationView> {
        let (conversation_id, _) = self.message(message).await?;
        self.runs_below(conversation_id, message).await?;
        self.studio
            .store()
            .write(move |conn| {
                let conversation = rows::load_conversation(conn, conversation_id)?;
                let messages = rows::messages(conn, conversation_id)?;
                let head = tree_of(&messages).head_after_delete(conversation.head_id, message);
                let tx = conn.transaction()?;
                rows::delete_message(&tx, message)?;
                rows::set_field(
                    &tx,
                    conversation_id,
                    Field::Head,
                    head.map_or(SqlValue::Null, SqlValue::Integer),
                )?;
                tx.commit()?;
                Ok(())
            })
            .await?;
        self.view(conversation_id).await
    }

    pub async fn pin_message(&self, message: i64, pinned: bool) -> Result<()> {
        self.studio
            .store()
            .write(move |conn| rows::set_message_pinned(conn, message, pinned))
            .await
    }

    /// Adds the turn's messages, then streams the answer into the new
    /// assistant message. The events end with `Finished` once the message
    /// is saved.
    pub async fn start(
        &self,
        conversation_id: i64,
        turn: Turn,
    ) -> Result<(TurnStarted, mpsc::UnboundedReceiver<RunEvent>)> {
        let added = self
            .studio
            .store()
            .write(move |conn| add_turn(conn, conversation_id, &turn))
            .await?;
        let view = self.view(conversation_id).await?;
        let settings = view.conversation.settings.clone();
        let by_id: HashMap<i64, &Message> = view.messages.iter().map(|m| (m.id, m)).collect();
        let sent: Vec<ChatMessage> = system_message(&settings)
            .into_iter()
            .chain(
                view.branch
                    .iter()
                    .filter(|id| **id != added.assistant && !view.context.dropped.contains(id))
                    .filter_map(|id| by_id.get(id))
                    .map(|m| ChatMessage::new(m.role, m.content.clone())),
            )
            .collect();
        let user = added
            .user
            .and_then(|id| by_id.get(&id).map(|m| (*m).clone()));
        let assistant =
            by_id
                .get(&added.assistant)
                .map(|m| (*m).clone())
                .ok_or(Error::MessageNotFound {
                    id: added.assistant,
                })?;
        let context = view.context.clone();

        let cancel = CancellationToken::new();
        let spec = GenerationSpec {
            kind: "chat".to_owned(),
            backend: settings.backend.clone(),
            request: GenerateRequest {
                model: settings.model.clone(),
                prompt: Prompt::Chat { messages: sent },
                params: settings.params.clone(),
            },
        };
        let run = match self.studio.generate(spec, cancel.clone()).await {
            Ok(run) => run,
            Err(error) => {
                let message = error.to_string();
                let id = assistant.id;
                self.studio
                    .store()
                    .write(move |conn| {
                        rows::finish_message(conn, id, "", "", MessageStatus::Error, Some(&message))
                    })
                    .await?;
                return Err(error);
            }
        };
        let assistant_id = assistant.id;
        let generation_id = run.id;
        self.studio
            .store()
            .write(move |conn| rows::set_generation(conn, assistant_id, generation_id))
            .await?;
        let runs = self.studio.chat_runs();
        runs.insert(assistant_id, cancel);
        let (sender, events) = mpsc::unbounded_channel();
        let store = self.studio.store().clone();
        let mut run_events = run.events;
        tokio::spawn(async move {
            while let Some(first) = run_events.recv().await {
                // Whatever queued up while the UI was busy goes as one batch.
                let mut batch = vec![first];
                while let Ok(next) = run_events.try_recv() {
                    batch.push(next);
                }
                for event in super::coalesce::coalesce(batch) {
                    if let RunEvent::Finished(outcome) = &event {
                        let choice = outcome.choices.first().cloned().unwrap_or_default();
                        let status = MessageStatus::from(outcome.status);
                        let error = outcome.error.as_ref().map(|e| e.message.clone());
                        let saved = store
                            .write(move |conn| {
                                rows::finish_message(
                                    conn,
                                    assistant_id,
                                    &choice.text,
                                    &choice.reasoning,
                                    status,
                                    error.as_deref(),
                                )
                            })
                            .await;
                        if let Err(error) = saved {
                            tracing::error!(%error, "saving a chat answer failed");
                        }
                        runs.remove(assistant_id);
                    }
                    let _ = sender.send(event);
                }
            }
        });
        let mut assistant = assistant;
        assistant.generation_id = Some(generation_id);
        Ok((
            TurnStarted {
                user,
                assistant,
                context,
            },
            events,
        ))
    }

    /// Stops the answer being written into `message`; the text so far stays.
    pub fn stop(&self, message: i64) -> bool {
        self.studio.chat_runs().cancel(message)
    }

    async fn runs_below(&self, conversation_id: i64, message: i64) -> Result<()> {
        let view = self.view(conversation_id).await?;
        for id in tree_of(&view.messages).subtree(message) {
            self.stop(id);
        }
        Ok(())
    }

    async fn message(&self, id: i64) -> Result<(i64, Message)> {
        self.studio
            .store()
            .read(move |conn| rows::load_message(conn, id))
            .await
    }

    async fn set(&self, id: i64, field: Field, value: SqlValue) -> Result<()> {
        self.studio
            .store()
            .write(move |conn| rows::set_field(conn, id, field, value))
            .await
    }
}

pub(super) fn tree_of(messages: &[Message]) -> Tree {
    Tree::new(messages.iter().map(|m| (m.id, m.parent_id)))
}

fn system_message(settings: &ChatSettings) -> Option<ChatMessage> {
    let text = settings.system_prompt.trim();
    (!text.is_empty()).then(|| ChatMessage::new(Role::System, text))
}

/// Builds the view: the branch from the head, measured against the window.
pub(super) fn view_of(conversation: Conversation, messages: Vec<Message>) -> ConversationView {
    let tree = tree_of(&messages);
    let branch = tree.branch(conversation.head_id);
    let context = context_of(&conversation.settings, &messages, &branch);
    ConversationView {
        conversation,
        messages,
        branch,
        context,
    }
}

fn context_of(settings: &ChatSettings, messages: &[Message], branch: &[i64]) -> ContextReport {
    let by_id: HashMap<i64, &Message> = messages.iter().map(|m| (m.id, m)).collect();
    let items: Vec<Item> = branch
        .iter()
        .filter_map(|id| by_id.get(id))
        // An answer still empty (about to stream) takes no room.
        .filter(|m| !(m.role == Role::Assistant && m.content.is_empty()))
        .map(|m| Item::new(m.id, &m.content, m.pinned))
        .collect();
    let system = system_message(settings)
        .map(|m| tokens::estimate(&m.content) + trim::PER_MESSAGE)
        .unwrap_or(0);
    let budget = trim::budget(settings.context_tokens, settings.params.max_tokens);
    let trimmed = trim::trim(system, &items, budget);
    ContextReport {
        total_tokens: trimmed.total,
        sent_tokens: trimmed.sent,
        budget,
        dropped: trimmed.dropped,
    }
}

struct Added {
    user: Option<i64>,
    assistant: i64,
}

/// Inserts a turn's messages and moves the head to the new answer, in one
/// transaction.
fn add_turn(conn: &mut rusqlite::Connection, conversation_id: i64, turn: &Turn) -> Result<Added> {
    let tx = conn.transaction()?;
    let conversation = rows::load_conversation(&tx, conversation_id)?;
    let messages = rows::messages(&tx, conversation_id)?;
    let in_conversation = |id: i64| -> Result<&Message> {
        messages
            .iter()
            .find(|m| m.id == id)
            .ok_or(Error::MessageNotFound { id })
    };
    let user = |parent: Option<i64>, text: &str| -> Result<i64> {
        if text.trim().is_empty() {
            return Err(Error::InvalidChat {
                reason: "the message is empty".to_owned(),
            });
        }
        rows::insert_message(
            &tx,
            &NewMessage {
                conversation_id,
                parent_id: parent,
                role: Role::User,
                content: text,
                reasoning: "",
                status: MessageStatus::Done,
                pinned: false,
            },
        )
    };
    let (user_id, parent) = match turn {
        Turn::Send { parent, text } => {
            if let Some(parent) = parent {
                in_conversation(*parent)?;
            }
            let id = user(*parent, text)?;
            (Some(id), id)
        }
        Turn::Edit { message, text } => {
            let original = in_conversation(*message)?;
            if original.role != Role::User {
                return Err(Error::InvalidChat {
                    reason: "only your own messages can be edited".to_owned(),
                });
            }
            let id = user(original.parent_id, text)?;
            (Some(id), id)
        }
        Turn::Regenerate { message } => {
            let original = in_conversation(*message)?;
            let parent = match (original.role, original.parent_id) {
                (Role::Assistant, Some(parent)) => parent,
                _ => {
                    return Err(Error::InvalidChat {
                        reason: "only answers can be regenerated".to_owned(),
                    });
                }
            };
            (None, parent)
        }
    };
    let assistant = rows::insert_message(
        &tx,
        &NewMessage {
            conversation_id,
            parent_id: Some(parent),
            role: Role::Assistant,
            content: "",
            reasoning: "",
            status: MessageStatus::Streaming,
            pinned: false,
        },
    )?;
    rows::set_field(
        &tx,
        conversation_id,
        Field::Head,
        SqlValue::Integer(assistant),
    )?;
    if conversation.title.is_empty()
        && let Turn::Send { text, .. } = turn
    {
        rows::set_field(
            &tx,
            conversation_id,
            Field::Title,
            SqlValue::Text(title_from(text)),
        )?;
    }
    tx.commit()?;
    Ok(Added {
        user: user_id,
        assistant,
    })
}

fn title_from(text: &str) -> String {
    let line = text.trim().lines().next().unwrap_or_default().trim();
    let mut title: String = line.chars().take(TITLE_CHARS).collect();
    if line.chars().count() > TITLE_CHARS {
        title.push('…');
    }
    title
}

impl ChatService {
    /// The conversation as Markdown or JSON.
    pub async fn export(
        &self,
        id: i64,
        scope: super::ExportScope,
        format: super::ConversationFormat,
    ) -> Result<String> {
        let view = self.view(id).await?;
        Ok(match format {
            super::ConversationFormat::Markdown => super::export::to_markdown(&view, scope),
            super::ConversationFormat::Json => super::export::to_json(&view, scope),
        })
    }

    /// Adds a conversation from a JSON export; ids are new, the tree and
    /// the head are the same.
    pub async fn import(&self, json: &str) -> Result<Conversation> {
        let exported = super::export::parse(json)?;
        let id = self
            .studio
            .store()
            .write(move |conn| {
                let tx = conn.transaction()?;
                let id = rows::insert_conversation(
                    &tx,
                    &exported.title,
                    exported.persona.as_deref(),
                    &exported.settings,
                )?;
                let mut ids = HashMap::new();
                for message in &exported.messages {
                    let new_id = rows::insert_message(
                        &tx,
                        &NewMessage {
                            conversation_id: id,
                            parent_id: message.parent_id.and_then(|p| ids.get(&p).copied()),
                            role: message.role,
                            content: &message.content,
                            reasoning: &message.reasoning,
                            status: match message.status {
                                MessageStatus::Streaming => MessageStatus::Interrupted,
                                other => other,
                            },
                            pinned: message.pinned,
                        },
                    )?;
                    ids.insert(message.id, new_id);
                }
                let head = exported.head_id.and_then(|h| ids.get(&h).copied());
                rows::set_field(
                    &tx,
                    id,
                    Field::Head,
                    head.map_or(SqlValue::Null, SqlValue::Integer),
                )?;
                tx.commit()?;
                Ok(id)
            })
            .await?;
        self.conversation(id).await
    }

    /// The conversation and message that generation `id` wrote, if it was
    /// a chat answer still kept (history links back through this).
    pub async fn message_for_generation(&self, id: i64) -> Result<Option<(i64, i64)>> {
        self.studio
            .store()
            .read(move |conn| rows::message_for_generation(conn, id))
            .await
    }

    /// The request exactly as sent for the answer `message`.
    pub async fn sent_request(&self, message: i64) -> Result<crate::generation::GenerationRecord> {
        let (_, message_row) = self.message(message).await?;
        let generation = message_row.generation_id.ok_or(Error::InvalidChat {
            reason: "this message was not generated".to_owned(),
        })?;
        self.studio.generation(generation).await
    }
}

impl ChatService {
    /// Writes the export into `dir` under a name from the title; never
    /// replaces a file that is there.
    pub async fn export_to_dir(
        &self,
        id: i64,
        scope: super::ExportScope,
        format: super::ConversationFormat,
        dir: std::path::PathBuf,
    ) -> Result<std::path::PathBuf> {
        let text = self.export(id, scope, format).await?;
        let title = self.conversation(id).await?.title;
        let extension = match format {
            super::ConversationFormat::Markdown => "md",
            super::ConversationFormat::Json => "json",
        };
        let stem = super::export::file_stem(&title, id);
        tokio::task::spawn_blocking(move || {
            let io = |source| Error::Io {
                path: dir.clone(),
                source,
            };
            std::fs::create_dir_all(&dir).map_err(io)?;
            for attempt in 0u32.. {
                let name = match attempt {
                    0 => format!("{stem}.{extension}"),
                    n => format!("{stem}-{n}.{extension}"),
                };
                let path = dir.join(name);
                match std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&path)
                {
                    Ok(mut file) => {
                        use std::io::Write as _;
                        file.write_all(text.as_bytes()).map_err(io)?;
                        return Ok(path);
                    }
                    Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
                    Err(error) => return Err(io(error)),
                }
            }
            unreachable!("some file name is free")
        })
        .await
        .map_err(|_| Error::StoreClosed)?
    }
}
