//! The `scriptorium` binary as a person or a script runs it.

use assert_cmd::Command;
use predicates::prelude::*;

fn scriptorium(home: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("scriptorium").unwrap();
    cmd.env("SCRIPTORIUM_HOME", home)
        .env_remove("SCRIPTORIUM_LOG");
    cmd
}

#[test]
fn version_and_help() {
    let home = tempfile::tempdir().unwrap();
    scriptorium(home.path())
        .arg("--version")
        .assert()
        .success()
        .stdout(format!("scriptorium {}\n", env!("CARGO_PKG_VERSION")));
    scriptorium(home.path())
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("doctor").and(predicate::str::contains("--home")));
}

#[test]
fn doctor_json_describes_a_fresh_home() {
    let home = tempfile::tempdir().unwrap();
    let output = scriptorium(home.path())
        .args(["doctor", "--json"])
        .assert()
        .success()
        .get_output()
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["dataDir"], home.path().display().to_string());
    assert_eq!(
        report["dbPath"],
        home.path().join("scriptorium.db").display().to_string()
    );
    assert!(report["schemaVersion"].as_u64().unwrap() >= 3);
    assert_eq!(report["backends"], 0);
    assert_eq!(report["models"], 0);
    assert_eq!(report["generations"], 0);
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn doctor_table_names_every_figure() {
    let home = tempfile::tempdir().unwrap();
    scriptorium(home.path())
        .arg("doctor")
        .assert()
        .success()
        .stdout(
            predicate::str::contains("data dir")
                .and(predicate::str::contains("schema version"))
                .and(predicate::str::contains("generations")),
        );
}

#[test]
fn home_flag_overrides_the_environment() {
    let env_home = tempfile::tempdir().unwrap();
    let flag_home = tempfile::tempdir().unwrap();
    scriptorium(env_home.path())
        .arg("--home")
        .arg(flag_home.path())
        .args(["doctor", "--json"])
        .assert()
        .success();
    assert!(flag_home.path().join("scriptorium.db").is_file());
    assert!(!env_home.path().join("scriptorium.db").exists());
}

#[test]
fn runs_leave_a_log_file_in_the_data_folder() {
    let home = tempfile::tempdir().unwrap();
    scriptorium(home.path()).arg("doctor").assert().success();
    let logs: Vec<_> = std::fs::read_dir(home.path().join("logs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        logs.iter()
            .any(|name| name.starts_with("scriptorium") && name.ends_with(".log")),
        "{logs:?}"
    );
}

fn one_line_error(stderr: &[u8]) -> String {
    let text = String::from_utf8(stderr.to_vec()).unwrap();
    assert_eq!(text.lines().count(), 1, "expected one line, got: {text}");
    assert!(text.starts_with("error: "), "{text}");
    text
}

#[test]
fn not_a_database_fails_with_one_line_and_keeps_the_file() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("scriptorium.db");
    std::fs::write(&db, "plain text, precious").unwrap();
    let output = scriptorium(home.path())
        .arg("doctor")
        .assert()
        .failure()
        .get_output()
        .clone();
    let line = one_line_error(&output.stderr);
    assert!(line.contains("is not a Scriptorium database"), "{line}");
    assert!(output.stdout.is_empty());
    assert_eq!(
        std::fs::read_to_string(&db).unwrap(),
        "plain text, precious"
    );
}

#[test]
fn newer_schema_fails_with_one_line() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("scriptorium.db");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("PRAGMA user_version = 500;")
        .unwrap();
    let output = scriptorium(home.path())
        .arg("doctor")
        .assert()
        .failure()
        .get_output()
        .clone();
    let line = one_line_error(&output.stderr);
    assert!(line.contains("newer Scriptorium"), "{line}");
}

#[test]
fn unusable_data_folder_fails_with_one_line() {
    let scratch = tempfile::tempdir().unwrap();
    let file = scratch.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let output = scriptorium(&file.join("home"))
        .arg("doctor")
        .assert()
        .failure()
        .get_output()
        .clone();
    let line = one_line_error(&output.stderr);
    assert!(line.contains("Cannot use the data folder"), "{line}");
}
