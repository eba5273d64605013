//! Finds OpenAI-compatible servers already running on this machine.

use std::time::Duration;

use futures::future::join_all;
use serde::Serialize;

use super::openai::{OpenAiBackend, OpenAiOptions, RetryPolicy, Timeouts};
use super::presets::{PRESETS, Preset};
use super::{Backend, ModelInfo};

/// Each port gets this long, all at once, so a probe takes at most this.
pub const PROBE_TIMEOUT: Duration = Duration::from_millis(300);

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct FoundServer {
    pub preset: Preset,
    pub models: Vec<ModelInfo>,
}

/// Asks every local preset for its model list; those that answer are found.
#[tracing::instrument]
pub async fn local_servers() -> Vec<FoundServer> {
    probe(PRESETS.iter().filter(|p| p.local).copied()).await
}

/// Probes the given presets at once; each gets [`PROBE_TIMEOUT`].
pub async fn probe(presets: impl Iterator<Item = Preset>) -> Vec<FoundServer> {
    let probes = presets.map(|preset| async move {
        let options = OpenAiOptions {
            timeouts: Timeouts {
                connect: PROBE_TIMEOUT,
                first_byte: PROBE_TIMEOUT,
                idle: PROBE_TIMEOUT,
            },
            retry: RetryPolicy {
                max_retries: 0,
                ..RetryPolicy::default()
            },
            ..OpenAiOptions::new(preset.base_url)
        };
        let backend = OpenAiBackend::new(options).ok()?;
        let models = tokio::time::timeout(PROBE_TIMEOUT, backend.models())
            .await
            .ok()?
            .ok()?;
        Some(FoundServer { preset, models })
    });
    join_all(probes).await.into_iter().flatten().collect()
}
