//! Schema migrations, compiled into the binary.
//!
//! Add-only: a released migration is never edited or removed, a change is a
//! new file. The schema version is SQLite's `user_version`.

use rusqlite::{Connection, Transaction};
use rusqlite_migration::{HookError, HookResult, M, Migrations};

const STEPS: &[&str] = &[
    include_str!("migrations/0001_settings.sql"),
    include_str!("migrations/0002_backends.sql"),
    include_str!("migrations/0003_generations.sql"),
    include_str!("migrations/0004_generation_owner.sql"),
    include_str!("migrations/0005_templates.sql"),
    include_str!("migrations/0006_history.sql"),
    include_str!("migrations/0007_conversations.sql"),
    include_str!("migrations/0008_cached_tokens.sql"),
    include_str!("migrations/0009_search_log.sql"),
];

/// Rust code run after a migration's SQL, in its transaction.
type Hook = fn(&Transaction) -> HookResult;

/// Migrations that also run Rust code, by step number.
const HOOKS: &[(usize, Hook)] = &[
    // Text search covers the generations recorded before it existed.
    (6, |tx| {
        crate::history::index::index_all_unindexed(tx)
            .map(|_| ())
            .map_err(|error| HookError::Hook(error.to_string()))
    }),
];

/// The schema version this build writes and understands.
pub const SCHEMA_VERSION: u32 = STEPS.len() as u32;

fn migrations() -> Migrations<'static> {
    Migrations::new(
        STEPS
            .iter()
            .enumerate()
            .map(
                |(index, sql)| match HOOKS.iter().find(|(step, _)| *step == index + 1) {
                    Some((_, hook)) => M::up_with_hook(sql, *hook),
                    None => M::up(sql),
                },
            )
            .collect(),
    )
}

pub(super) fn schema_version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

pub(super) fn migrate(conn: &mut Connection) -> Result<(), rusqlite_migration::Error> {
    migrations().to_latest(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        migrations().validate().unwrap();
    }

    #[test]
    fn every_step_says_why_it_exists() {
        for (index, sql) in STEPS.iter().enumerate() {
            assert!(
                sql.starts_with("--"),
                "migration {} has no comment",
                index + 1
            );
        }
    }
}
