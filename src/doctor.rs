//! A health report of one data folder, for `scriptorium doctor` and the
//! app's About section.

use serde::Serialize;

use crate::{Result, Studio};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct DoctorReport {
    pub version: String,
    pub data_dir: String,
    pub db_path: String,
    pub log_dir: String,
    pub schema_version: u32,
    pub backends: u32,
    pub models: u32,
    pub generations: u32,
}

impl Studio {
    #[tracing::instrument(skip_all, err)]
    pub async fn doctor(&self) -> Result<DoctorReport> {
        let (backends, generations) = self
            .store()
            .read(|conn| {
                let count = |table: &str| {
                    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
                        row.get::<_, u32>(0)
                    })
                };
                Ok((count("backends")?, count("generations")?))
            })
            .await?;
        let info = self.info().await?;
        Ok(DoctorReport {
            version: info.version,
            data_dir: info.data_dir,
            db_path: info.db_path,
            log_dir: info.log_dir,
            schema_version: info.schema_version,
            backends,
            models: self.count_model_files().await?,
            generations,
        })
    }

    /// Local model files in the models folder.
    async fn count_model_files(&self) -> Result<u32> {
        let dir = self.data_dir().models_dir();
        tokio::task::spawn_blocking(move || {
            let entries = match std::fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
                Err(source) => return Err(crate::Error::Io { path: dir, source }),
            };
            let models = entries
                .filter_map(|entry| entry.ok())
                .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "gguf"))
                .count();
            Ok(u32::try_from(models).unwrap_or(u32::MAX))
        })
        .await
        .map_err(|_| crate::Error::StoreClosed)?
    }
}
