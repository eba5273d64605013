//! API keys: in the OS keychain, or, where no keychain service runs, in a
//! file in the data folder that only its owner can read (mode 0600).
//! Never in the database, the logs, exports or error messages.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::paths::APP_IDENTIFIER;

/// `file` keeps keys in the data folder even where a keychain exists
/// (headless machines, tests that must not touch the real keychain).
pub const SECRETS_ENV: &str = "SCRIPTORIUM_SECRETS";

/// A secret string whose `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// `None` for an empty or blank key.
    pub fn new(key: impl Into<String>) -> Option<ApiKey> {
        let key = key.into().trim().to_owned();
        (!key.is_empty()).then_some(ApiKey(key))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// Where a backend's key is kept, so the UI and CLI can say so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum KeyLocation {
    Keychain,
    File { path: String },
}

impl fmt::Display for KeyLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyLocation::Keychain => f.write_str("the system keychain"),
            KeyLocation::File { path } => write!(f, "{path} (readable by you only)"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("Cannot {action} the API key: {reason}.")]
pub struct SecretsError {
    action: &'static str,
    reason: String,
}

/// Where keys may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretsMode {
    /// The OS keychain, or the file where none answers.
    KeychainOrFile,
    /// Always the file in the data folder.
    FileOnly,
}

impl SecretsMode {
    /// The mode `SCRIPTORIUM_SECRETS` asks for.
    pub fn from_env() -> SecretsMode {
        if std::env::var(SECRETS_ENV).is_ok_and(|v| v == "file") {
            SecretsMode::FileOnly
        } else {
            SecretsMode::KeychainOrFile
        }
    }
}

/// The key store of one data folder. Blocking: call from a blocking thread.
#[derive(Debug, Clone)]
pub struct Secrets {
    file: PathBuf,
    use_keychain: bool,
}

impl Secrets {
    pub fn new(data_dir: &Path, mode: SecretsMode) -> Secrets {
        Secrets {
            file: data_dir.join("secrets.json"),
            use_keychain: mode == SecretsMode::KeychainOrFile,
        }
    }

    /// Stores `key` for `account`, in the keychain when one answers.
    pub fn set(&self, account: &str, key: &ApiKey) -> Result<KeyLocation, SecretsError> {
        if let Some(entry) = self.keychain_entry(account) {
            match entry.set_password(key.expose()) {
                Ok(()) => {
                    // A key that moved into the keychain leaves the file.
                    self.write_file_entry(account, None)?;
                    return Ok(KeyLocation::Keychain);
                }
                Err(error) => {
                    tracing::info!(%error, "no usable keychain; keeping the key in a file")
                }
            }
        }
        self.write_file_entry(account, Some(key))?;
        Ok(self.file_location())
    }

    pub fn get(&self, account: &str) -> Result<Option<ApiKey>, SecretsError> {
        if let Some(entry) = self.keychain_entry(account)
            && let Ok(key) = entry.get_password()
        {
            return Ok(ApiKey::new(key));
        }
        Ok(self.read_file()?.remove(account).and_then(ApiKey::new))
    }

    pub fn location(&self, account: &str) -> Result<Option<KeyLocation>, SecretsError> {
        if let Some(entry) = self.keychain_entry(account)
            && entry.get_password().is_ok()
        {
            return Ok(Some(KeyLocation::Keychain));
        }
        Ok(self
            .read_file()?
            .contains_key(account)
            .then(|| self.file_location()))
    }

    pub fn delete(&self, account: &str) -> Result<(), SecretsError> {
        if let Some(entry) = self.keychain_entry(account) {
            let _ = entry.delete_credential();
        }
        self.write_file_entry(account, None)
    }

    fn keychain_entry(&self, account: &str) -> Option<keyring::Entry> {
        if !self.use_keychain {
            return None;
        }
        keyring::Entry::new(APP_IDENTIFIER, account).ok()
    }

    fn file_location(&self) -> KeyLocation {
        KeyLocation::File {
            path: self.file.display().to_string(),
        }
    }

    fn read_file(&self) -> Result<BTreeMap<String, String>, SecretsError> {
        let failed = |reason: String| SecretsError {
            action: "read",
            reason,
        };
        match std::fs::read_to_string(&self.file) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|_| failed(format!("{} is not a valid key file", self.file.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(failed(format!("{} ({e})", self.file.display()))),
        }
    }

    /// Rewrites the file with `account` set or removed, atomically and with
    /// owner-only permissions from the first byte.
    fn write_file_entry(&self, account: &str, key: Option<&ApiKey>) -> Result<(), SecretsError> {
        let mut keys = self.read_file()?;
        let changed = match key {
            Some(key) => {
                keys.insert(account.to_owned(), key.expose().to_owned())
                    .as_deref()
                    != Some(key.expose())
            }
            None => keys.remove(account).is_some(),
        };
        if !changed {
            return Ok(());
        }
        let failed = |e: std::io::Error| SecretsError {
            action: "save",
            reason: format!("{} ({e})", self.file.display()),
        };
        let temporary = self.file.with_extension("json.tmp");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temporary).map_err(failed)?;
        let json = serde_json::to_string_pretty(&keys).expect("keys serialize");
        file.write_all(json.as_bytes()).map_err(failed)?;
        file.sync_all().map_err(failed)?;
        std::fs::rename(&temporary, &self.file).map_err(failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_store(dir: &Path) -> Secrets {
        Secrets::new(dir, SecretsMode::FileOnly)
    }

    #[test]
    fn keys_never_show_in_debug_output() {
        let key = ApiKey::new("sk-very-secret").unwrap();
        assert_eq!(format!("{key:?}"), "ApiKey(<redacted>)");
        assert!(ApiKey::new("   ").is_none());
    }

    #[test]
    fn file_store_round_trip_with_owner_only_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = file_store(dir.path());
        let key = ApiKey::new("sk-test-1").unwrap();
        let location = secrets.set("backend:a", &key).unwrap();
        assert!(matches!(location, KeyLocation::File { .. }));
        assert_eq!(secrets.get("backend:a").unwrap(), Some(key));
        assert_eq!(secrets.get("backend:b").unwrap(), None);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("secrets.json"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        secrets.delete("backend:a").unwrap();
        assert_eq!(secrets.get("backend:a").unwrap(), None);
        assert_eq!(secrets.location("backend:a").unwrap(), None);
    }
}
