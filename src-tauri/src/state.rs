//! What the shell holds: the opened studio, or why it could not be opened,
//! and the model downloads under way.

use scriptorium::{ApiError, Studio, StudioInfo};
use serde::Serialize;

use crate::downloads::Downloads;

#[derive(Debug)]
pub struct AppState {
    studio: Result<(Studio, StudioInfo), ApiError>,
    downloads: Downloads,
}

/// How start-up went, so the UI can show the app or a readable error screen.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum StartupStatus {
    Ready { info: StudioInfo },
    Failed { error: ApiError },
}

impl AppState {
    pub fn open(opened: scriptorium::Result<Studio>) -> AppState {
        let studio = opened
            .and_then(|studio| {
                let info = tauri::async_runtime::block_on(studio.info())?;
                Ok((studio, info))
            })
            .map_err(ApiError::from);
        AppState {
            studio,
            downloads: Downloads::default(),
        }
    }

    pub fn studio(&self) -> Result<&Studio, ApiError> {
        self.studio
            .as_ref()
            .map(|(studio, _)| studio)
            .map_err(Clone::clone)
    }

    pub fn downloads(&self) -> &Downloads {
        &self.downloads
    }

    pub fn startup_status(&self) -> StartupStatus {
        match &self.studio {
            Ok((_, info)) => StartupStatus::Ready { info: info.clone() },
            Err(error) => StartupStatus::Failed {
                error: error.clone(),
            },
        }
    }
}
