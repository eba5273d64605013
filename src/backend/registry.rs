//! The backends a person has set up, persisted in SQLite (never their keys).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use super::local::{self, LocalBackend};
use super::openai::{OpenAiBackend, OpenAiOptions, RetryPolicy, Timeouts};
use super::{Backend, ModelInfo};
use crate::secrets::{ApiKey, KeyLocation, Secrets};
use crate::store::Store;
use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// Any OpenAI-compatible HTTP server.
    Openai,
    /// GGUF models run in-process; built in, never stored.
    Local,
}

impl BackendKind {
    fn as_str(self) -> &'static str {
        match self {
            BackendKind::Openai => "openai",
            BackendKind::Local => "local",
        }
    }

    fn parse(text: &str) -> Option<BackendKind> {
        (text == "openai").then_some(BackendKind::Openai)
    }
}

/// Connection settings, stored as the row's JSON `config`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct BackendSettings {
    /// Extra HTTP headers (not for keys: those go to the keychain).
    pub headers: BTreeMap<String, String>,
    /// `http://`, `https://` or `socks5://` URL; empty uses the environment.
    pub proxy: Option<String>,
    pub connect_timeout_secs: f32,
    pub first_byte_timeout_secs: f32,
    pub idle_timeout_secs: f32,
    pub max_retries: u32,
    pub max_concurrent: u32,
    pub stream: bool,
}

impl Default for BackendSettings {
    fn default() -> Self {
        let timeouts = Timeouts::default();
        BackendSettings {
            headers: BTreeMap::new(),
            proxy: None,
            connect_timeout_secs: timeouts.connect.as_secs_f32(),
            first_byte_timeout_secs: timeouts.first_byte.as_secs_f32(),
            idle_timeout_secs: timeouts.idle.as_secs_f32(),
            max_retries: RetryPolicy::default().max_retries,
            max_concurrent: 4,
            stream: true,
        }
    }
}

/// What a person enters to add or change a backend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct BackendDraft {
    pub name: String,
    pub kind: BackendKind,
    pub base_url: String,
    pub default_model: Option<String>,
    #[serde(default)]
    pub settings: BackendSettings,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct BackendRecord {
    pub id: u32,
    pub name: String,
    pub kind: BackendKind,
    pub base_url: String,
    pub default_model: Option<String>,
    pub settings: BackendSettings,
    pub created_at: String,
}

/// The answer to "Test connection".
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ConnectionReport {
    pub models: Vec<ModelInfo>,
    pub latency_ms: u32,
}

/// A backend ready to use, with the settings it was opened with.
#[derive(Debug, Clone)]
pub struct OpenBackend {
    pub record: BackendRecord,
    pub backend: Arc<dyn Backend>,
}

/// Adds, changes and opens backends. Clones share their open connections.
#[derive(Debug, Clone)]
pub struct Backends {
    store: Store,
    secrets: Secrets,
    /// Open backends by name: each keeps its connection pool and its limit
    /// on concurrent requests across all callers.
    open: Arc<Mutex<HashMap<String, OpenBackend>>>,
    local: Arc<LocalBackend>,
}

fn account(name: &str) -> String {
    format!("backend:{name}")
}

impl Backends {
    pub(crate) fn new(store: Store, secrets: Secrets, local: LocalBackend) -> Self {
        Backends {
            store,
            secrets,
            open: Arc::default(),
            local: Arc::new(local),
        }
    }

    pub async fn list(&self) -> Result<Vec<BackendRecord>> {
        self.store
            .read(|conn| {
                let mut query = conn.prepare(&format!("{SELECT} ORDER BY name COLLATE NOCASE"))?;
                let rows = query.query_map([], record_from_row)?;
                Ok(rows.collect::<rusqlite::Result<_>>()?)
            })
            .await
    }

    pub async fn get(&self, name: &str) -> Result<BackendRecord> {
        let wanted = name.to_owned();
        self.store
            .read(move |conn| {
                conn.query_row(
                    &format!("{SELECT} WHERE name = ?1"),
                    [&wanted],
                    record_from_row,
                )
                .optional()?
                .ok_or(Error::BackendNotFound { name: wanted })
            })
            .await
    }

    /// Adds a backend; `key`, when given, goes to the keychain.
    #[tracing::instrument(skip_all, err, fields(name = %draft.name))]
    pub async fn add(&self, draft: BackendDraft, key: Option<ApiKey>) -> Result<BackendRecord> {
        let draft = validate(draft)?;
        let name = draft.name.clone();
        let config = serde_json::to_string(&draft.settings).expect("settings serialize");
        self.store
            .write(move |conn| {
                let inserted = conn.execute(
                    "INSERT INTO backends (name, kind, base_url, default_model, config)
                     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name) DO NOTHING",
                    params![
                        draft.name,
                        draft.kind.as_str(),
                        draft.base_url,
                        draft.default_model,
                        config
                    ],
                )?;
                if inserted == 0 {
                    return Err(Error::BackendExists { name: draft.name });
                }
                Ok(())
            })
            .await?;
        if let Some(key) = key {
            self.set_key(&name, key).await?;
        }
        self.get(&name).await
    }

    /// Changes a backend; a new name moves its key along.
    #[tracing::instrument(skip_all, err, fields(name = %name))]
    pub async fn update(&self, name: &str, draft: BackendDraft) -> Result<BackendRecord> {
        let draft = validate(draft)?;
        let (old, new) = (name.to_owned(), draft.name.clone());
        let config = serde_json::to_string(&draft.settings).expect("settings serialize");
        self.store
            .write(move |conn| {
                let taken = old != draft.name
                    && conn
                        .query_row(
                            "SELECT 1 FROM backends WHERE name = ?1",
                            [&draft.name],
                            |_| Ok(()),
                        )
                        .optional()?
                        .is_some();
                if taken {
                    return Err(Error::BackendExists { name: draft.name });
                }
                let changed = conn.execute(
                    "UPDATE backends SET name = ?2, kind = ?3, base_url = ?4, default_model = ?5,
                         config = ?6, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                     WHERE name = ?1",
                    params![
                        old,
                        draft.name,
                        draft.kind.as_str(),
                        draft.base_url,
                        draft.default_model,
                        config
                    ],
                )?;
                if changed == 0 {
                    return Err(Error::BackendNotFound { name: old });
                }
                Ok(())
            })
            .await?;
        if name != new
            && let Some(key) = self
                .blocking_secrets(|s, account| s.get(&account), name)
                .await?
        {
            self.set_key(&new, key).await?;
            self.blocking_secrets(|s, account| s.delete(&account), name)
                .await?;
        }
        self.forget(name);
        self.get(&new).await
    }

    #[tracing::instrument(skip_all, err, fields(name = %name))]
    pub async fn remove(&self, name: &str) -> Result<()> {
        let wanted = name.to_owned();
        self.store
            .write(move |conn| {
                match conn.execute("DELETE FROM backends WHERE name = ?1", [&wanted])? {
                    0 => Err(Error::BackendNotFound { name: wanted }),
                    _ => Ok(()),
                }
            })
            .await?;
        self.blocking_secrets(|s, account| s.delete(&account), name)
            .await?;
        self.forget(name);
        Ok(())
    }

    /// Stores the key for `name` and says where it went.
    pub async fn set_key(&self, name: &str, key: ApiKey) -> Result<KeyLocation> {
        self.get(name).await?;
        let location = self
            .blocking_secrets(move |s, account| s.set(&account, &key), name)
            .await?;
        self.forget(name);
        Ok(location)
    }

    pub async fn remove_key(&self, name: &str) -> Result<()> {
        self.get(name).await?;
        self.blocking_secrets(|s, account| s.delete(&account), name)
            .await?;
        self.forget(name);
        Ok(())
    }

    pub async fn key_location(&self, name: &str) -> Result<Option<KeyLocation>> {
        self.blocking_secrets(|s, account| s.location(&account), name)
            .await
    }

    /// The backend ready to use, opened once and then shared until it is
    /// changed or removed.
    pub async fn open(&self, name: &str) -> Result<OpenBackend> {
        if name == local::BACKEND_NAME {
            return Ok(OpenBackend {
                record: local_record(),
                backend: self.local.clone(),
            });
        }
        if let Some(open) = self.lock().get(name) {
            return Ok(open.clone());
        }
        let record = self.get(name).await?;
        let key = self
            .blocking_secrets(|s, account| s.get(&account), name)
            .await?;
        let backend: Arc<dyn Backend> = match record.kind {
            BackendKind::Openai => Arc::new(OpenAiBackend::new(openai_options(&record, key))?),
            BackendKind::Local => self.local.clone(),
        };
        let opened = OpenBackend { record, backend };
        Ok(self.lock().entry(name.to_owned()).or_insert(opened).clone())
    }

    /// What the built-in local backend's engine is doing.
    pub fn local_status(&self) -> local::EngineStatus {
        self.local.status()
    }

    /// Lists the models and measures how long the server took.
    pub async fn test(&self, name: &str) -> Result<ConnectionReport> {
        let opened = self.open(name).await?;
        let started = Instant::now();
        let models = opened.backend.models().await?;
        Ok(ConnectionReport {
            models,
            latency_ms: u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX),
        })
    }

    fn forget(&self, name: &str) {
        self.lock().remove(name);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, OpenBackend>> {
        self.open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs a keychain call off the async runtime: keychains may block.
    async fn blocking_secrets<T: Send + 'static>(
        &self,
        call: impl FnOnce(&Secrets, String) -> std::result::Result<T, crate::secrets::SecretsError>
        + Send
        + 'static,
        name: &str,
    ) -> Result<T> {
        let secrets = self.secrets.clone();
        let account = account(name);
        tokio::task::spawn_blocking(move || call(&secrets, account))
            .await
            .map_err(|_| Error::StoreClosed)?
            .map_err(Error::from)
    }
}

const SELECT: &str =
    "SELECT id, name, kind, base_url, default_model, config, created_at FROM backends";

fn record_from_row(row: &Row<'_>) -> rusqlite::Result<BackendRecord> {
    let kind: String = row.get(2)?;
    let config: String = row.get(5)?;
    Ok(BackendRecord {
        id: row.get(0)?,
        name: row.get(1)?,
        kind: BackendKind::parse(&kind).unwrap_or(BackendKind::Openai),
        base_url: row.get::<_, Option<String>>(3)?.unwrap_or_default(),
        default_model: row.get(4)?,
        // Settings written by a newer version fall back to defaults field by field.
        settings: serde_json::from_str(&config).unwrap_or_default(),
        created_at: row.get(6)?,
    })
}

/// The built-in local backend as the other backends are described.
fn local_record() -> BackendRecord {
    BackendRecord {
        id: 0,
        name: local::BACKEND_NAME.to_owned(),
        kind: BackendKind::Local,
        base_url: String::new(),
        default_model: None,
        settings: BackendSettings::default(),
        created_at: String::new(),
    }
}

fn validate(mut draft: BackendDraft) -> Result<BackendDraft> {
    let invalid = |reason: String| Error::InvalidBackend { reason };
    draft.name = draft.name.trim().to_owned();
    draft.base_url = draft.base_url.trim().trim_end_matches('/').to_owned();
    draft.default_model = draft
        .default_model
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty());
    draft.settings.proxy = draft
        .settings
        .proxy
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty());
    if draft.name.is_empty() {
        return Err(invalid("a backend needs a name".into()));
    }
    if draft.name == local::BACKEND_NAME {
        return Err(invalid(format!(
            "\"{}\" is the built-in backend for local models; choose another name",
            local::BACKEND_NAME
        )));
    }
    let url = url::Url::parse(&draft.base_url)
        .map_err(|_| invalid(format!("{:?} is not a URL", draft.base_url)))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(
            "the base URL must start with http:// or https://".into(),
        ));
    }
    if draft
        .settings
        .headers
        .keys()
        .any(|h| h.eq_ignore_ascii_case("authorization"))
    {
        return Err(invalid(
            "put the API key in the key field, not in an Authorization header".into(),
        ));
    }
    let timeouts = [
        draft.settings.connect_timeout_secs,
        draft.settings.first_byte_timeout_secs,
        draft.settings.idle_timeout_secs,
    ];
    if timeouts.iter().any(|t| !t.is_finite() || *t <= 0.0) {
        return Err(invalid(
            "timeouts must be positive numbers of seconds".into(),
        ));
    }
    Ok(draft)
}

fn openai_options(record: &BackendRecord, api_key: Option<ApiKey>) -> OpenAiOptions {
    let settings = &record.settings;
    OpenAiOptions {
        api_key,
        headers: settings.headers.clone(),
        proxy: settings.proxy.clone(),
        timeouts: Timeouts {
            connect: Duration::from_secs_f32(settings.connect_timeout_secs),
            first_byte: Duration::from_secs_f32(settings.first_byte_timeout_secs),
            idle: Duration::from_secs_f32(settings.idle_timeout_secs),
        },
        retry: RetryPolicy {
            max_retries: settings.max_retries,
            ..RetryPolicy::default()
        },
        max_concurrent: settings.max_concurrent,
        stream: settings.stream,
        ..OpenAiOptions::new(&record.base_url)
    }
}
