//! How many threads local inference runs on.
//!
//! candle sizes its worker pool once per process, from `CANDLE_NUM_THREADS`
//! or `RAYON_NUM_THREADS`, the first time a kernel runs; without them it
//! also works the count out again from the machine (on Linux by reading
//! /proc/cpuinfo) for every matrix product, which costs decoding about 7 %.
//! So the count is settled once per process, before any other thread
//! starts, by exporting it: a changed setting applies from the next start.

use std::path::Path;
use std::sync::OnceLock;

use serde::Serialize;

/// The variables candle reads its thread count from, preferred first.
const VARIABLES: [&str; 2] = ["CANDLE_NUM_THREADS", "RAYON_NUM_THREADS"];

/// The most threads a setting may ask for.
pub const MAX_THREADS: u32 = 256;

/// What the environment asked for when the process started, recorded by
/// [`settle`] before it exports its own count over it.
static FROM_LAUNCH: OnceLock<Option<u32>> = OnceLock::new();

/// The thread count of local inference, as the Models page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct LocalThreads {
    /// What this process runs local models with.
    pub in_force: u32,
    /// The machine's physical cores: what "automatic" means, unless the
    /// environment asks for a count.
    pub automatic: u32,
    /// The count the environment (`CANDLE_NUM_THREADS` or
    /// `RAYON_NUM_THREADS`) asked for when the process started: "automatic"
    /// then means this.
    pub from_environment: Option<u32>,
    /// The machine's logical processors: more threads than this only wait.
    pub available: u32,
}

impl LocalThreads {
    pub fn now() -> LocalThreads {
        let automatic = automatic();
        let current = asked_by_environment(|name| std::env::var(name).ok());
        LocalThreads {
            in_force: resolve(None, current, automatic),
            automatic,
            from_environment: FROM_LAUNCH.get().copied().unwrap_or(current),
            available: available(automatic),
        }
    }
}

/// Whether a setting may ask for `count` threads.
pub fn is_valid(count: u32) -> bool {
    (1..=MAX_THREADS).contains(&count)
}

/// Settles the count for this process and returns it: `setting` when the
/// person chose one, else what the environment already asks for, else the
/// physical cores.
///
/// Call it first in `main`, before any other thread exists: it changes the
/// process environment, which is only sound while nothing else can read it.
#[expect(
    unsafe_code,
    reason = "candle reads its thread count only from the environment"
)]
pub fn settle(setting: Option<u32>) -> u32 {
    let asked = asked_by_environment(|name| std::env::var(name).ok());
    let asked = *FROM_LAUNCH.get_or_init(|| asked);
    let count = resolve(setting, asked, automatic());
    let value = count.to_string();
    for name in VARIABLES {
        // SAFETY: the caller runs this before starting any thread (see
        // above), so no other thread reads or writes the environment now.
        unsafe { std::env::set_var(name, &value) };
    }
    count
}

/// [`settle`] with the setting stored in the database at `db_path`.
pub fn settle_from_store(db_path: &Path) -> u32 {
    settle(crate::settings::read_at_start(db_path).local_threads)
}

/// The count: the setting, else what the environment asks for, else the
/// physical cores.
fn resolve(setting: Option<u32>, from_environment: Option<u32>, automatic: u32) -> u32 {
    setting
        .filter(|&count| is_valid(count))
        .or(from_environment)
        .unwrap_or(automatic)
}

/// The count the environment asks for, read as candle reads it.
fn asked_by_environment(env: impl Fn(&str) -> Option<String>) -> Option<u32> {
    VARIABLES.iter().find_map(|name| {
        let count = env(name)?.trim().parse().ok()?;
        is_valid(count).then_some(count)
    })
}

/// The physical cores, read once: counting them reads `/proc` (or asks
/// the system) each time, and the Models page asks on every visit.
fn automatic() -> u32 {
    static PHYSICAL: OnceLock<u32> = OnceLock::new();
    *PHYSICAL.get_or_init(|| u32::try_from(num_cpus::get_physical().max(1)).unwrap_or(MAX_THREADS))
}

fn available(automatic: u32) -> u32 {
    let logical = std::thread::available_parallelism().map_or(1, |count| count.get());
    u32::try_from(logical).unwrap_or(MAX_THREADS).max(automatic)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        |name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        }
    }

    #[test]
    fn a_chosen_count_wins_over_the_environment() {
        let vars = [("RAYON_NUM_THREADS", "8")];
        assert_eq!(resolve(Some(3), asked_by_environment(env(&vars)), 2), 3);
    }

    #[test]
    fn without_a_choice_the_environment_decides_as_candle_would() {
        let both = [("RAYON_NUM_THREADS", "8"), ("CANDLE_NUM_THREADS", "5")];
        assert_eq!(resolve(None, asked_by_environment(env(&both)), 2), 5);
        let rayon = [("RAYON_NUM_THREADS", " 8 ")];
        assert_eq!(resolve(None, asked_by_environment(env(&rayon)), 2), 8);
    }

    #[test]
    fn otherwise_the_physical_cores() {
        assert_eq!(resolve(None, asked_by_environment(env(&[])), 4), 4);
    }

    #[test]
    fn counts_out_of_range_or_unreadable_are_passed_over() {
        let vars = [("CANDLE_NUM_THREADS", "0"), ("RAYON_NUM_THREADS", "many")];
        assert_eq!(asked_by_environment(env(&vars)), None);
        assert_eq!(resolve(Some(0), asked_by_environment(env(&vars)), 2), 2);
        assert_eq!(resolve(Some(MAX_THREADS + 1), None, 2), 2);
        assert_eq!(resolve(Some(MAX_THREADS), None, 2), MAX_THREADS);
    }
}
