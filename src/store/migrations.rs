//! Schema migrations, compiled into the binary.
//!
//! Add-only: a released migration is never edited or removed, a change is a
//! new file. The schema version is SQLite's `user_version`.

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

const STEPS: &[&str] = &[
    include_str!("migrations/0001_settings.sql"),
    include_str!("migrations/0002_backends.sql"),
    include_str!("migrations/0003_generations.sql"),
    include_str!("migrations/0004_generation_owner.sql"),
    include_str!("migrations/0005_templates.sql"),
    // 0006 belongs to another feature; the numbers are file names only.
    include_str!("migrations/0007_conversations.sql"),
];

/// The schema version this build writes and understands.
pub const SCHEMA_VERSION: u32 = STEPS.len() as u32;

fn migrations() -> Migrations<'static> {
    Migrations::new(STEPS.iter().map(|sql| M::up(sql)).collect())
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
