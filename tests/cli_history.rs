//! `scriptorium history` as a person runs it, and what a `kill -9` at any
//! moment of a generation leaves behind.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use scriptorium::Studio;
use scriptorium::generation::GenerationStatus;
use scriptorium::history::HistoryQuery;
use scriptorium::secrets::SecretsMode;
use scriptorium_test_server::{Reply, TestServer};
use serde_json::Value;

fn scriptorium(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_scriptorium"));
    command
        .env("SCRIPTORIUM_HOME", home)
        .env("SCRIPTORIUM_SECRETS", "file")
        .env_remove("SCRIPTORIUM_LOG")
        .stdin(Stdio::null());
    command
}

/// Runs the CLI off the async runtime, so the test server keeps serving.
async fn run(home: &Path, args: &[&str]) -> Output {
    let mut command = scriptorium(home);
    command.args(args);
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

async fn json(home: &Path, args: &[&str]) -> Value {
    serde_json::from_slice(&run(home, args).await.stdout).unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

async fn add_backend(home: &Path, server: &TestServer) {
    run(
        home,
        &[
            "backend",
            "add",
            "loopback",
            "--base-url",
            &server.base_url(),
            "--model",
            "test-model",
        ],
    )
    .await;
}

fn found_ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn search_show_favourite_export_import_rerun_and_stats() {
    let server = TestServer::start().await;
    server.push(
        "POST /v1/chat/completions",
        Reply::chat_stream(&["The lighthouse ", "keeper waved."]),
    );
    server.push(
        "POST /v1/chat/completions",
        Reply::chat_stream(&["灯塔看守人", "很高兴。"]),
    );
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    add_backend(home, &server).await;
    run(home, &["chat", "--temperature", "0.3", "Who waved?"]).await;
    run(home, &["chat", "谁很高兴？"]).await;

    let found = json(home, &["history", "search", "高兴", "--json"]).await;
    assert_eq!(found_ids(&found), vec![2]);
    assert_eq!(found["items"][0]["snippet"][1]["text"], "高兴");
    assert_eq!(found["items"][0]["snippet"][1]["hit"], true);
    let listed = json(home, &["history", "search", "--json", "--limit", "1"]).await;
    assert_eq!(found_ids(&listed), vec![2]);
    assert!(listed["next"].is_string());
    let table = text(&run(home, &["history", "search", "lighthouse"]).await.stdout);
    assert!(table.contains("[lighthouse] keeper waved."), "{table}");
    assert!(table.trim_start().starts_with("1 "), "{table}");

    let shown = json(home, &["history", "show", "1", "--json"]).await;
    assert_eq!(
        shown["params"]["temperature"]
            .as_f64()
            .map(|t| (t * 10.0).round()),
        Some(3.0)
    );
    assert_eq!(shown["choices"][0]["text"], "The lighthouse keeper waved.");
    let shown = text(&run(home, &["history", "show", "1"]).await.stdout);
    assert!(shown.contains("── user ──\nWho waved?"), "{shown}");

    run(home, &["history", "favourite", "1"]).await;
    run(
        home,
        &["history", "tag", "1", "--add", "keeper", "--add", "sea"],
    )
    .await;
    let favourites = json(
        home,
        &["history", "search", "--favourite", "--tag", "sea", "--json"],
    )
    .await;
    assert_eq!(found_ids(&favourites), vec![1]);

    let file = home.join("out/all.jsonl");
    let file = file.to_str().unwrap();
    let exported = run(
        home,
        &["history", "export", "--format", "jsonl", "-o", file],
    )
    .await;
    assert_eq!(
        text(&exported.stderr),
        format!("Exported 2 generations to {file}.\n")
    );
    let markdown = home.join("found.md");
    run(
        home,
        &[
            "history",
            "export",
            "高兴",
            "--format",
            "md",
            "-o",
            markdown.to_str().unwrap(),
        ],
    )
    .await;
    let markdown = std::fs::read_to_string(markdown).unwrap();
    assert!(markdown.contains("灯塔看守人很高兴。") && !markdown.contains("lighthouse"));

    let other = tempfile::tempdir().unwrap();
    let imported = run(other.path(), &["history", "import", file]).await;
    assert_eq!(
        text(&imported.stderr),
        "Imported 2 generations (0 already here).\n"
    );
    let there = json(other.path(), &["history", "search", "keeper", "--json"]).await;
    assert_eq!(found_ids(&there), vec![1]);
    assert_eq!(there["items"][0]["favourite"], true);
    assert_eq!(
        there["items"][0]["tags"],
        serde_json::json!(["keeper", "sea"])
    );

    let rerun = run(home, &["history", "rerun", "1"]).await;
    assert_eq!(text(&rerun.stdout), "Hello from the test server.");
    let requests = server.requests();
    assert_eq!(requests[0].body, requests[2].body, "the same request again");
    let latest = json(home, &["history", "show", "3", "--json"]).await;
    assert_eq!(latest["rerunOf"], 1);

    let stats = json(home, &["history", "stats", "--json"]).await;
    assert_eq!(stats["generations"], 3);
    assert_eq!(stats["perBackend"][0]["backend"], "loopback");
    assert_eq!(stats["perBackend"][0]["generations"], 3);

    run(home, &["history", "rm", "2"]).await;
    assert!(found_ids(&json(home, &["history", "search", "高兴", "--json"]).await).is_empty());
}

/// What a reader thread saw on the child's stdout: bytes, and when.
type Printed = Arc<Mutex<Vec<(Instant, Vec<u8>)>>>;

fn printed_before(printed: &Printed, deadline: Instant) -> String {
    let chunks = printed.lock().unwrap();
    let bytes: Vec<u8> = chunks
        .iter()
        .filter(|(at, _)| *at <= deadline)
        .flat_map(|(_, bytes)| bytes.iter().copied())
        .collect();
    String::from_utf8_lossy(&bytes)
        .trim_end_matches('\u{FFFD}')
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_at_any_moment_leaves_a_consistent_store_and_the_partial_text_found() {
    const ROUNDS: u64 = 24;
    let server = TestServer::start().await;
    let tokens: Vec<String> = (0..120)
        .map(|i| {
            if i % 2 == 0 {
                format!("tide{i} ")
            } else {
                "潮汐 ".into()
            }
        })
        .collect();
    let tokens: Vec<&str> = tokens.iter().map(String::as_str).collect();
    let answer = tokens.concat();
    let home = tempfile::tempdir().unwrap();
    add_backend(home.path(), &server).await;
    let db = home.path().join("scriptorium.db");

    let last_id = || -> i64 {
        rusqlite::Connection::open(&db)
            .unwrap()
            .query_row("SELECT coalesce(max(id), 0) FROM generations", [], |row| {
                row.get(0)
            })
            .unwrap()
    };
    for round in 0..ROUNDS {
        let before = last_id();
        server.push(
            "POST /v1/chat/completions",
            Reply::chat_stream(&tokens).paced(Duration::from_millis(8)),
        );
        // From before the store is open to deep into the stream.
        let delay = Duration::from_millis(round * 1000 / ROUNDS + (round * 37) % 40);
        let mut chat = scriptorium(home.path());
        chat.args(["chat", "Describe the tide"])
            .stdout(Stdio::piped());
        let printed: Printed = Arc::default();
        let seen = Arc::clone(&printed);
        let killed_at = tokio::task::spawn_blocking(move || {
            let mut child = chat.spawn().unwrap();
            let mut stdout = child.stdout.take().unwrap();
            let reader = std::thread::spawn(move || {
                let mut buffer = [0u8; 512];
                while let Ok(read @ 1..) = stdout.read(&mut buffer) {
                    seen.lock()
                        .unwrap()
                        .push((Instant::now(), buffer[..read].to_vec()));
                }
            });
            std::thread::sleep(delay);
            child.kill().unwrap();
            let killed_at = Instant::now();
            child.wait().unwrap();
            reader.join().unwrap();
            killed_at
        })
        .await
        .unwrap();

        let conn = rusqlite::Connection::open(&db).unwrap();
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .unwrap();
        assert_eq!(check, "ok", "round {round} after {delay:?}");
        drop(conn);

        // The next start: recovery marks the cut-off generation.
        let studio = Studio::open_with(home.path(), SecretsMode::FileOnly).unwrap();
        let streaming = studio
            .history()
            .page(
                HistoryQuery {
                    status: Some(GenerationStatus::Streaming),
                    ..HistoryQuery::default()
                },
                None,
                10,
            )
            .await
            .unwrap();
        assert!(streaming.items.is_empty(), "round {round}: still streaming");
        let newest = studio
            .history()
            .page(HistoryQuery::default(), None, 1)
            .await
            .unwrap()
            .items;
        let printed = printed_before(&printed, killed_at - Duration::from_millis(750));
        let Some(newest) = newest.first().filter(|item| item.id > before) else {
            assert!(
                printed.is_empty(),
                "round {round}: printed {printed:?} but kept nothing"
            );
            continue;
        };
        let record = studio.history().get(newest.id).await.unwrap();
        let kept = record
            .choices
            .first()
            .map(|c| c.text.clone())
            .unwrap_or_default();
        assert!(
            matches!(
                record.status,
                GenerationStatus::Interrupted | GenerationStatus::Done
            ),
            "round {round}: {:?}",
            record.status
        );
        assert!(answer.starts_with(&kept), "round {round}: kept {kept:?}");
        assert!(
            kept.starts_with(&printed),
            "round {round}: flushed late: kept {kept:?}, printed {printed:?}"
        );
        if kept.contains("tide0 ") {
            let found = studio
                .history()
                .page(
                    HistoryQuery {
                        text: "tide0".into(),
                        ..HistoryQuery::default()
                    },
                    None,
                    1,
                )
                .await
                .unwrap();
            assert_eq!(
                found.items[0].id, record.id,
                "round {round}: partial text not indexed"
            );
        }
        drop(studio);
    }

    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "INSERT INTO generation_fts (generation_fts, rank) VALUES ('integrity-check', 1)",
        [],
    )
    .unwrap();
    let generations: i64 = conn
        .query_row("SELECT count(*) FROM generations", [], |row| row.get(0))
        .unwrap();
    assert!(
        generations >= (ROUNDS as i64) / 2,
        "most rounds got as far as a row: {generations}"
    );
    let cut_with_text: i64 = conn
        .query_row(
            "SELECT count(*) FROM generations g JOIN generation_choices c ON c.generation_id = g.id
             WHERE g.status = 'interrupted' AND c.text <> ''",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert!(
        cut_with_text >= (ROUNDS as i64) / 3,
        "most kills were mid-stream: {cut_with_text}"
    );
}
