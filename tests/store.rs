//! The store against real SQLite files in temporary folders.

use std::path::Path;

use scriptorium::settings::{self, LanguagePref, SettingsUpdate, ThemePref};
use scriptorium::store::SCHEMA_VERSION;
use scriptorium::{ApiError, Studio};

fn sqlite(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).unwrap()
}

#[tokio::test]
async fn a_new_home_gets_a_migrated_wal_database() {
    let home = tempfile::tempdir().unwrap();
    let studio = Studio::open(home.path()).unwrap();
    let info = studio.info().await.unwrap();
    assert_eq!(info.schema_version, SCHEMA_VERSION);

    let db = studio.data_dir().db_path();
    assert!(db.is_file());
    let conn = sqlite(&db);
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for table in ["backends", "generation_choices", "generations", "settings"] {
        assert!(
            tables.iter().any(|t| t == table),
            "{table} missing: {tables:?}"
        );
    }
}

#[tokio::test]
async fn foreign_keys_are_enforced_on_writes() {
    let home = tempfile::tempdir().unwrap();
    let studio = Studio::open(home.path()).unwrap();
    let orphan = studio
        .store()
        .write(|conn| {
            Ok(conn.execute(
                "INSERT INTO generation_choices (generation_id, idx) VALUES (999, 0)",
                [],
            ))
        })
        .await
        .unwrap();
    let err = orphan.unwrap_err();
    assert_eq!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::ConstraintViolation)
    );
}

#[tokio::test]
async fn reopening_keeps_data_and_version() {
    let home = tempfile::tempdir().unwrap();
    {
        let studio = Studio::open(home.path()).unwrap();
        studio
            .settings()
            .update(SettingsUpdate {
                language: Some(LanguagePref::ZhCn),
                theme: None,
            })
            .await
            .unwrap();
    }
    let studio = Studio::open(home.path()).unwrap();
    let settings = studio.settings().get().await.unwrap();
    assert_eq!(settings.language, LanguagePref::ZhCn);
    assert_eq!(settings.theme, ThemePref::System);
    assert_eq!(studio.info().await.unwrap().schema_version, SCHEMA_VERSION);
}

#[tokio::test]
async fn settings_updates_change_only_what_they_name() {
    let home = tempfile::tempdir().unwrap();
    let settings = Studio::open(home.path()).unwrap().settings();
    let after_theme = settings
        .update(SettingsUpdate {
            language: None,
            theme: Some(ThemePref::Dark),
        })
        .await
        .unwrap();
    assert_eq!(after_theme.theme, ThemePref::Dark);
    assert_eq!(after_theme.language, LanguagePref::System);
    let after_language = settings
        .update(SettingsUpdate {
            language: Some(LanguagePref::En),
            theme: None,
        })
        .await
        .unwrap();
    assert_eq!(after_language.theme, ThemePref::Dark);
    assert_eq!(after_language.language, LanguagePref::En);
    assert_eq!(settings.get().await.unwrap(), after_language);
}

#[tokio::test]
async fn the_local_thread_count_is_kept_checked_and_readable_before_the_studio_opens() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("scriptorium.db");
    assert_eq!(
        settings::read_at_start(&db).local_threads,
        None,
        "no store yet"
    );

    let studio = Studio::open(home.path()).unwrap();
    let settings = studio.settings();
    assert_eq!(
        settings
            .set_local_threads(Some(3))
            .await
            .unwrap()
            .local_threads,
        Some(3)
    );
    let refused = ApiError::from(settings.set_local_threads(Some(0)).await.unwrap_err());
    assert_eq!(refused.code, "invalid_thread_count");
    assert_eq!(
        refused.message,
        "Local models can run on 1 to 256 threads, not 0."
    );
    assert_eq!(settings.get().await.unwrap().local_threads, Some(3));
    assert_eq!(settings::read_at_start(&db).local_threads, Some(3));

    settings.set_local_threads(None).await.unwrap();
    assert_eq!(settings::read_at_start(&db).local_threads, None);
}

#[tokio::test]
async fn concurrent_writes_are_serialised_and_reads_see_them() {
    let home = tempfile::tempdir().unwrap();
    let studio = Studio::open(home.path()).unwrap();
    let writes = (0..200).map(|i| {
        let store = studio.store().clone();
        tokio::spawn(async move {
            store
                .write(move |conn| {
                    conn.execute(
                        "INSERT INTO backends (name, kind) VALUES (?1, 'openai')",
                        [format!("server-{i}")],
                    )?;
                    Ok(())
                })
                .await
        })
    });
    for write in writes.collect::<Vec<_>>() {
        write.await.unwrap().unwrap();
    }
    let report = studio.doctor().await.unwrap();
    assert_eq!(report.backends, 200);
    assert_eq!(report.generations, 0);
}

#[tokio::test]
async fn doctor_counts_model_files() {
    let home = tempfile::tempdir().unwrap();
    let studio = Studio::open(home.path()).unwrap();
    let models = studio.data_dir().models_dir();
    std::fs::write(models.join("tiny.gguf"), b"GGUF").unwrap();
    std::fs::write(models.join("notes.txt"), b"not a model").unwrap();
    assert_eq!(studio.doctor().await.unwrap().models, 1);
}

#[test]
fn a_file_that_is_not_sqlite_is_reported_and_left_untouched() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("scriptorium.db");
    let text = "These are my notes, not a database.\n".repeat(200);
    std::fs::write(&db, &text).unwrap();

    let err = Studio::open(home.path()).unwrap_err();
    assert_eq!(err.code(), "not_a_database");
    assert!(err.to_string().contains("left untouched"), "{err}");
    assert_eq!(std::fs::read_to_string(&db).unwrap(), text);
    assert!(!home.path().join("scriptorium.db-wal").exists());
}

#[test]
fn a_database_from_a_newer_version_is_reported_and_left_untouched() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("scriptorium.db");
    {
        let conn = sqlite(&db);
        conn.execute_batch("CREATE TABLE future (x); PRAGMA user_version = 999;")
            .unwrap();
    }
    let before = std::fs::read(&db).unwrap();

    let err = Studio::open(home.path()).unwrap_err();
    assert_eq!(err.code(), "schema_too_new");
    let message = err.to_string();
    assert!(
        message.contains("999") && message.contains(&SCHEMA_VERSION.to_string()),
        "{message}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

#[test]
fn an_unusable_data_folder_is_one_clear_sentence() {
    let scratch = tempfile::tempdir().unwrap();
    let file = scratch.path().join("occupied");
    std::fs::write(&file, "a file where the folder should be").unwrap();

    let err = Studio::open(&file).unwrap_err();
    let api = ApiError::from(&err);
    assert_eq!(api.code, "data_dir_unusable");
    assert!(
        api.message.starts_with("Cannot use the data folder"),
        "{}",
        api.message
    );
    assert!(api.message.ends_with('.') && !api.message.contains('\n'));
    assert!(api.details.is_some(), "the OS error travels as details");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "a file where the folder should be"
    );
}

#[tokio::test]
async fn closing_leaves_a_whole_database_file_and_no_wal() {
    let home = tempfile::tempdir().unwrap();
    let db = {
        let studio = Studio::open(home.path()).unwrap();
        studio
            .settings()
            .update(SettingsUpdate {
                language: Some(LanguagePref::En),
                theme: None,
            })
            .await
            .unwrap();
        // A read leaves a pooled read-only connection open until the end.
        studio.settings().get().await.unwrap();
        studio.data_dir().db_path()
    };
    let wal = db.with_extension("db-wal");
    assert!(!wal.exists(), "{} is left behind", wal.display());
}
