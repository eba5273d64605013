//! Typed application settings, stored one JSON value per key.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, params};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::backend::local::threads;
use crate::store::Store;
use crate::{Error, Result};

/// The interface language: the system's, or one the person chose.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum LanguagePref {
    #[default]
    #[serde(rename = "system")]
    System,
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-CN")]
    ZhCn,
}

/// The colour theme: the system's, or one the person chose.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum ThemePref {
    #[default]
    System,
    Light,
    Dark,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    pub language: LanguagePref,
    pub theme: ThemePref,
    /// The backend used when a request names none.
    pub default_backend: Option<String>,
    /// Threads for local models; `None`: the physical cores. Read once at
    /// start (see `backend::local::threads`).
    pub local_threads: Option<u32>,
}

/// A partial change: `None` leaves a setting as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct SettingsUpdate {
    pub language: Option<LanguagePref>,
    pub theme: Option<ThemePref>,
}

/// Reads and changes settings through the store.
#[derive(Debug, Clone)]
pub struct SettingsService {
    store: Store,
}

impl SettingsService {
    pub(crate) fn new(store: Store) -> Self {
        SettingsService { store }
    }

    #[tracing::instrument(skip_all, err)]
    pub async fn get(&self) -> Result<Settings> {
        self.store.read(load).await
    }

    /// Chooses the backend used when a request names none (`None`: no default).
    #[tracing::instrument(skip_all, err)]
    pub async fn set_default_backend(&self, name: Option<String>) -> Result<Settings> {
        self.set("defaultBackend", serde_json::json!(name)).await
    }

    /// Chooses how many threads local models run on (`None`: the physical
    /// cores), from the next start.
    #[tracing::instrument(skip_all, err)]
    pub async fn set_local_threads(&self, count: Option<u32>) -> Result<Settings> {
        if let Some(count) = count.filter(|&count| !threads::is_valid(count)) {
            return Err(Error::InvalidThreadCount {
                count,
                max: threads::MAX_THREADS,
            });
        }
        self.set("localThreads", serde_json::json!(count)).await
    }

    /// Stores one setting that may be cleared, which `update` cannot express.
    async fn set(&self, key: &'static str, value: Value) -> Result<Settings> {
        self.store
            .write(move |conn| {
                let tx = conn.transaction()?;
                store_value(&tx, key, &value)?;
                let settings = load(&tx)?;
                tx.commit()?;
                Ok(settings)
            })
            .await
    }

    /// Applies `update` atomically and returns the settings now in force.
    #[tracing::instrument(skip_all, err)]
    pub async fn update(&self, update: SettingsUpdate) -> Result<Settings> {
        self.store
            .write(move |conn| {
                let tx = conn.transaction()?;
                let changes = serde_json::to_value(&update).expect("settings serialize");
                for (key, value) in as_object(changes) {
                    if !value.is_null() {
                        store_value(&tx, &key, &value)?;
                    }
                }
                let settings = load(&tx)?;
                tx.commit()?;
                Ok(settings)
            })
            .await
    }
}

/// The stored settings, read before the studio opens and before any thread
/// starts: defaults when there is no store yet or it cannot be read, which
/// opening the studio reports properly right after.
pub fn read_at_start(db_path: &Path) -> Settings {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    Connection::open_with_flags(db_path, flags)
        .ok()
        .and_then(|conn| load(&conn).ok())
        .unwrap_or_default()
}

fn store_value(conn: &Connection, key: &str, value: &Value) -> Result<()> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE
         SET value = excluded.value,
             updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        params![key, value.to_string()],
    )?;
    Ok(())
}

/// Reads every stored key over the defaults. A stored value this build does
/// not understand (written by a newer version, say) keeps its default rather
/// than making all settings unreadable.
fn load(conn: &Connection) -> Result<Settings> {
    let mut merged =
        as_object(serde_json::to_value(Settings::default()).expect("settings serialize"));
    let mut rows = conn.prepare("SELECT key, value FROM settings")?;
    let stored = rows.query_map([], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
    })?;
    for row in stored {
        let (key, raw) = row?;
        let Ok(value) = serde_json::from_str::<Value>(&raw) else {
            continue;
        };
        let mut candidate = merged.clone();
        candidate.insert(key.clone(), value);
        if serde_json::from_value::<Settings>(Value::Object(candidate.clone())).is_ok() {
            merged = candidate;
        } else {
            tracing::warn!(
                key,
                "ignoring a stored setting this version does not understand"
            );
        }
    }
    Ok(serde_json::from_value(Value::Object(merged)).expect("merged settings are valid"))
}

fn as_object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!("settings serialize to an object"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preferences_use_the_names_the_ui_knows() {
        let settings = Settings {
            language: LanguagePref::ZhCn,
            theme: ThemePref::Dark,
            default_backend: Some("local".into()),
            local_threads: Some(3),
        };
        assert_eq!(
            serde_json::to_value(&settings).unwrap(),
            serde_json::json!({"language": "zh-CN", "theme": "dark", "defaultBackend": "local", "localThreads": 3})
        );
    }

    #[test]
    fn unknown_and_invalid_stored_values_fall_back_to_defaults() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(include_str!("store/migrations/0001_settings.sql"))
            .unwrap();
        conn.execute_batch(
            r#"INSERT INTO settings (key, value) VALUES
                 ('theme', '"dark"'),
                 ('language', '"klingon"'),
                 ('fromTheFuture', '42');"#,
        )
        .unwrap();
        let settings = load(&conn).unwrap();
        assert_eq!(settings.theme, ThemePref::Dark);
        assert_eq!(settings.language, LanguagePref::System);
    }
}
