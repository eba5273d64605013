//! Figures over the history: generations and tokens per day and model,
//! latency and speed per backend. Read from the timeline index alone.

use std::collections::BTreeMap;

use rusqlite::Connection;
use serde::Serialize;

use crate::Result;
use crate::generation::tokens_per_second;

/// Upper bounds of the latency histogram, in milliseconds (the last bucket
/// holds the rest).
const LATENCY_BOUNDS_MS: &[f64] = &[100.0, 250.0, 500.0, 1000.0, 2000.0, 5000.0, 10_000.0];
/// Upper bounds of the speed histogram, in tokens per second.
const SPEED_BOUNDS: &[f64] = &[5.0, 10.0, 20.0, 40.0, 80.0, 160.0, 320.0];

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct HistoryStats {
    pub since: Option<String>,
    pub generations: u32,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub by_status: Vec<StatusCount>,
    /// One row per day (UTC) and model, oldest first.
    pub per_day: Vec<DayStats>,
    /// One row per backend, by name.
    pub per_backend: Vec<BackendStats>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct StatusCount {
    pub status: String,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct DayStats {
    /// `YYYY-MM-DD`
    pub day: String,
    pub model: String,
    pub generations: u32,
    /// Prompt and completion tokens together.
    pub tokens: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct BackendStats {
    pub backend: String,
    pub generations: u32,
    /// Time to the first token, in milliseconds.
    pub first_token_ms: Distribution,
    pub tokens_per_second: Distribution,
}

/// Percentiles and a histogram of one measure.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Distribution {
    /// How many values there were.
    pub count: u32,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub p99: Option<f64>,
    pub max: Option<f64>,
    /// Counts of values up to each bound, the last without bound.
    pub buckets: Vec<Bucket>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Bucket {
    /// `None` for the last, open bucket.
    pub up_to: Option<f64>,
    pub count: u32,
}

impl Distribution {
    fn of(mut values: Vec<f64>, bounds: &[f64]) -> Distribution {
        values.sort_by(f64::total_cmp);
        let at = |q: f64| {
            (!values.is_empty()).then(|| {
                let index = ((values.len() as f64 * q).ceil() as usize).clamp(1, values.len());
                values[index - 1]
            })
        };
        let mut buckets: Vec<Bucket> = bounds
            .iter()
            .map(|&b| Bucket {
                up_to: Some(b),
                count: 0,
            })
            .chain([Bucket {
                up_to: None,
                count: 0,
            }])
            .collect();
        for &value in &values {
            let index = bounds
                .iter()
                .position(|&b| value <= b)
                .unwrap_or(bounds.len());
            buckets[index].count += 1;
        }
        Distribution {
            count: u32::try_from(values.len()).unwrap_or(u32::MAX),
            p50: at(0.5),
            p90: at(0.9),
            p99: at(0.99),
            max: values.last().copied(),
            buckets,
        }
    }
}

#[derive(Default)]
struct Backend {
    generations: u32,
    first_token: Vec<f64>,
    speed: Vec<f64>,
}

pub(super) fn stats(conn: &Connection, since: Option<&str>) -> Result<HistoryStats> {
    let mut statement = conn.prepare_cached(
        "SELECT substr(created_at, 1, 10), model, backend_name, status,
                prompt_tokens, completion_tokens, ttft_ms, total_ms
         FROM generations WHERE created_at >= ?1",
    )?;
    let mut rows = statement.query([since.unwrap_or("")])?;
    let mut out = HistoryStats {
        since: since.map(str::to_owned),
        ..HistoryStats::default()
    };
    let mut days: BTreeMap<(String, String), (u32, u64)> = BTreeMap::new();
    let mut statuses: BTreeMap<String, u32> = BTreeMap::new();
    let mut backends: BTreeMap<String, Backend> = BTreeMap::new();
    while let Some(row) = rows.next()? {
        let day: String = row.get(0)?;
        let model: Option<String> = row.get(1)?;
        let backend: Option<String> = row.get(2)?;
        let status: String = row.get(3)?;
        let prompt: Option<u32> = row.get(4)?;
        let completion: Option<u32> = row.get(5)?;
        let ttft: Option<u32> = row.get(6)?;
        let total: Option<u32> = row.get(7)?;
        let tokens = u64::from(prompt.unwrap_or(0)) + u64::from(completion.unwrap_or(0));
        out.generations += 1;
        out.prompt_tokens += u64::from(prompt.unwrap_or(0));
        out.completion_tokens += u64::from(completion.unwrap_or(0));
        *statuses.entry(status).or_default() += 1;
        let per_day = days.entry((day, model.unwrap_or_default())).or_default();
        per_day.0 += 1;
        per_day.1 += tokens;
        let per_backend = backends.entry(backend.unwrap_or_default()).or_default();
        per_backend.generations += 1;
        per_backend.first_token.extend(ttft.map(f64::from));
        per_backend
            .speed
            .extend(tokens_per_second(completion, ttft, total));
    }
    out.by_status = statuses
        .into_iter()
        .map(|(status, count)| StatusCount { status, count })
        .collect();
    out.per_day = days
        .into_iter()
        .map(|((day, model), (generations, tokens))| DayStats {
            day,
            model,
            generations,
            tokens,
        })
        .collect();
    out.per_backend = backends
        .into_iter()
        .map(|(backend, b)| BackendStats {
            backend,
            generations: b.generations,
            first_token_ms: Distribution::of(b.first_token, LATENCY_BOUNDS_MS),
            tokens_per_second: Distribution::of(b.speed, SPEED_BOUNDS),
        })
        .collect();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank_and_buckets_cover_all() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        let d = Distribution::of(values, &[10.0, 50.0]);
        assert_eq!(d.count, 100);
        assert_eq!(
            (d.p50, d.p90, d.p99, d.max),
            (Some(50.0), Some(90.0), Some(99.0), Some(100.0))
        );
        let counts: Vec<u32> = d.buckets.iter().map(|b| b.count).collect();
        assert_eq!(counts, vec![10, 40, 50]);
        assert_eq!(d.buckets[2].up_to, None);

        let empty = Distribution::of(Vec::new(), &[1.0]);
        assert_eq!((empty.count, empty.p50), (0, None));
    }
}
