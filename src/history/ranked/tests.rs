//! The ranked index against FTS5 on real stores: the same matches for any
//! search, every change followed, and a lost or broken index rebuilt.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::Studio;
use crate::backend::Prompt;
use crate::generation::{ChoiceOutput, GenerationRecord, GenerationStatus};
use crate::history::search_text::match_expression;
use crate::history::{HistoryQuery, HistorySort};
use crate::secrets::SecretsMode;

fn open(home: &Path) -> Studio {
    Studio::open_with(home, SecretsMode::FileOnly).unwrap()
}

fn record(id: i64, prompt: &str, output: &str) -> GenerationRecord {
    GenerationRecord {
        id,
        kind: "complete".into(),
        backend: None,
        model: None,
        params: serde_json::json!({}),
        prompt: Prompt::Completion {
            text: prompt.into(),
        },
        status: GenerationStatus::Done,
        error: None,
        choices: vec![ChoiceOutput {
            index: 0,
            text: output.into(),
            reasoning: String::new(),
            finish_reason: Some("stop".into()),
        }],
        usage: None,
        ttft_ms: None,
        total_ms: None,
        created_at: format!("2026-01-01T00:{:02}:{:02}.000Z", id / 60 % 60, id % 60),
        finished_at: None,
        favourite: false,
        tags: Vec::new(),
        source: None,
        rerun_of: None,
        tokens_per_second: None,
    }
}

async fn import(studio: &Studio, records: &[GenerationRecord]) {
    let jsonl: String = records
        .iter()
        .map(|r| serde_json::to_string(r).unwrap() + "\n")
        .collect();
    studio.history().import(jsonl).await.unwrap();
}

async fn ready(studio: &Studio) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !studio.history().ranked_search_ready().await.unwrap() {
        assert!(
            Instant::now() < deadline,
            "the search index never caught up"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The search keys FTS5 matches for `query`.
async fn fts5_keys(studio: &Studio, query: &str) -> Option<BTreeSet<i64>> {
    let expression = match_expression(query)?;
    let keys = studio
        .store()
        .read(move |conn| {
            let mut statement =
                conn.prepare("SELECT rowid FROM generation_fts WHERE generation_fts MATCH ?1")?;
            let keys = statement
                .query_map([expression], |row| row.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(keys)
        })
        .await
        .unwrap();
    Some(keys)
}

/// The search keys the ranked index matches for `query`, all of them.
fn index_keys(studio: &Studio, query: &str) -> Option<BTreeSet<i64>> {
    let snapshot = studio.ranked_index().expect("the index is open");
    let query = snapshot.query(query)?;
    let keys = snapshot.best(query.as_ref(), 0, 100_000).unwrap();
    Some(keys.into_iter().collect())
}

const WORDS: &[&str] = &[
    "café",
    "Cafe",
    "cafe\u{301}",
    "naïve",
    "NAIVE",
    "Straße",
    "strasse",
    "øre",
    "ore",
    "Ångström",
    "angstrom",
    "İstanbul",
    "istanbul",
    "Αθήνα",
    "αθηνα",
    "don't",
    "v1.2",
    "x_y",
    "e-mail",
    "lantern",
    "Lantern",
    "sea",
    "light",
    "the",
    "½",
    "Ⅻ",
    "नमस्ते",
];
const CJK: &[&str] = &[
    "灯", "塔", "東", "京", "高", "兴", "タ", "ワ", "ー", "・", "한", "국",
];
const GAPS: &[&str] = &[" ", " ", " ", ", ", "。", "\n", "-", "'", ""];

fn text(rng: &mut fastrand::Rng) -> String {
    let mut text = String::new();
    for _ in 0..rng.usize(3..30) {
        if rng.bool() {
            text.push_str(WORDS[rng.usize(..WORDS.len())]);
        } else {
            for _ in 0..rng.usize(1..5) {
                text.push_str(CJK[rng.usize(..CJK.len())]);
            }
        }
        text.push_str(GAPS[rng.usize(..GAPS.len())]);
    }
    text
}

/// A search as a person might type it: a piece of some text, a few words
/// or characters, sometimes quoted.
fn query(rng: &mut fastrand::Rng, texts: &[String]) -> String {
    let query = match rng.usize(..3) {
        0 => {
            let chars: Vec<char> = texts[rng.usize(..texts.len())].chars().collect();
            let start = rng.usize(..chars.len());
            let end = (start + rng.usize(1..12)).min(chars.len());
            chars[start..end].iter().collect()
        }
        1 => (0..rng.usize(1..3))
            .map(|_| WORDS[rng.usize(..WORDS.len())])
            .collect::<Vec<_>>()
            .join(" "),
        _ => (0..rng.usize(1..4))
            .map(|_| CJK[rng.usize(..CJK.len())])
            .collect(),
    };
    if rng.usize(..4) == 0 {
        format!("\"{query}\"")
    } else {
        query.replace('*', " ")
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_index_finds_what_fts5_finds() {
    let home = tempfile::tempdir().unwrap();
    let studio = open(home.path());
    let mut rng = fastrand::Rng::with_seed(7);
    let texts: Vec<String> = (0..400).map(|_| text(&mut rng)).collect();
    let records: Vec<GenerationRecord> = texts
        .chunks(2)
        .zip(1..)
        .map(|(pair, id)| record(id, &pair[0], &pair[1]))
        .collect();
    import(&studio, &records).await;
    ready(&studio).await;

    let (mut compared, mut found) = (0, 0);
    for _ in 0..1_500 {
        let query = query(&mut rng, &texts);
        let Some(fts5) = fts5_keys(&studio, &query).await else {
            continue;
        };
        let Some(index) = index_keys(&studio, &query) else {
            continue;
        };
        assert_eq!(index, fts5, "{query:?}");
        compared += 1;
        if !fts5.is_empty() {
            found += 1;
        }
    }
    assert!(
        compared > 1_000 && found > 500,
        "{compared} compared, {found} found"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_phrase_does_not_run_from_the_prompt_into_the_output() {
    let home = tempfile::tempdir().unwrap();
    let studio = open(home.path());
    import(
        &studio,
        &[record(1, "the red", "dragon 灯"), record(2, "塔", "x")],
    )
    .await;
    ready(&studio).await;
    for query in ["\"red dragon\"", "灯塔", "\"the red\" dragon"] {
        assert_eq!(
            index_keys(&studio, query),
            fts5_keys(&studio, query).await,
            "{query}"
        );
    }
    assert_eq!(index_keys(&studio, "\"red dragon\"").unwrap().len(), 0);
    assert_eq!(index_keys(&studio, "\"the red\" dragon").unwrap().len(), 1);
}

async fn best_ids(studio: &Studio, text: &str) -> (Vec<i64>, Option<String>) {
    let query = HistoryQuery {
        text: text.into(),
        sort: HistorySort::Relevance,
        ..HistoryQuery::default()
    };
    let page = studio.history().page(query, None, 1).await.unwrap();
    (page.items.iter().map(|item| item.id).collect(), page.next)
}

async fn search_log_len(studio: &Studio) -> i64 {
    studio
        .store()
        .read(|conn| Ok(conn.query_row("SELECT count(*) FROM search_log", [], |row| row.get(0))?))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn changes_are_followed_and_the_applied_log_pruned() {
    let home = tempfile::tempdir().unwrap();
    let studio = open(home.path());
    import(
        &studio,
        &[
            record(1, "a lantern", "lantern lantern lantern"),
            record(2, "a lantern", "and the sea"),
        ],
    )
    .await;
    ready(&studio).await;
    let (best, next) = best_ids(&studio, "lantern").await;
    assert_eq!(best, [1]);
    // The cursor tells which ranked the page: the index.
    assert!(next.is_some_and(|next| next.starts_with("i:")));

    studio.history().delete(vec![1]).await.unwrap();
    assert!(!studio.history().ranked_search_ready().await.unwrap());
    ready(&studio).await;
    assert_eq!(best_ids(&studio, "lantern").await.0, [2]);
    assert_eq!(index_keys(&studio, "lantern").unwrap().len(), 1);

    let deadline = Instant::now() + Duration::from_secs(30);
    while search_log_len(&studio).await > 0 {
        assert!(Instant::now() < deadline, "the applied log is never pruned");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_or_broken_index_is_rebuilt_and_an_unsaved_change_caught_up() {
    let home = tempfile::tempdir().unwrap();
    let index_dir = home.path().join("search-index");
    {
        let studio = open(home.path());
        import(&studio, &[record(1, "a lantern", "by the sea")]).await;
        ready(&studio).await;
    }
    {
        // Closed right after a change: the index may not have seen it.
        let studio = open(home.path());
        import(&studio, &[record(2, "a lantern", "in the storm")]).await;
    }
    let studio = open(home.path());
    ready(&studio).await;
    assert_eq!(index_keys(&studio, "lantern").unwrap().len(), 2);
    drop(studio);

    std::fs::remove_dir_all(&index_dir).unwrap();
    let studio = open(home.path());
    ready(&studio).await;
    assert_eq!(index_keys(&studio, "lantern").unwrap().len(), 2);
    drop(studio);

    std::fs::write(index_dir.join("meta.json"), b"{ not json").unwrap();
    let studio = open(home.path());
    ready(&studio).await;
    assert_eq!(index_keys(&studio, "storm").unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_process_leaves_the_index_to_the_first_and_ranks_with_fts5() {
    let home = tempfile::tempdir().unwrap();
    let first = open(home.path());
    import(
        &first,
        &[
            record(1, "a lantern", "lantern"),
            record(2, "a lantern", "x"),
        ],
    )
    .await;
    ready(&first).await;

    // A second open of the same folder stands for a second process: the
    // index's lock is a file lock, which one process cannot take twice.
    let second = open(home.path());
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(!second.history().ranked_search_ready().await.unwrap());
    let (best, next) = best_ids(&second, "lantern").await;
    assert_eq!(best, [1]);
    assert!(next.is_some_and(|next| next.starts_with("r:")));
    assert!(first.history().ranked_search_ready().await.unwrap());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_older_than_its_index_has_the_index_rebuilt() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("scriptorium.db");
    let copy = home.path().join("older.db");
    {
        let studio = open(home.path());
        import(&studio, &[record(1, "a lantern", "by the sea")]).await;
        ready(&studio).await;
    }
    std::fs::copy(&db, &copy).unwrap();
    {
        let studio = open(home.path());
        import(&studio, &[record(2, "a lantern", "in the storm")]).await;
        ready(&studio).await;
        assert_eq!(index_keys(&studio, "storm").unwrap().len(), 1);
    }
    // Put back as a backup would, or as a power cut leaves a database
    // whose last transactions never reached the disk.
    std::fs::copy(&copy, &db).unwrap();
    let studio = open(home.path());
    ready(&studio).await;
    assert_eq!(index_keys(&studio, "storm").unwrap().len(), 0);
    assert_eq!(index_keys(&studio, "lantern").unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_row_deleted_under_a_later_page_does_not_end_the_paging() {
    let home = tempfile::tempdir().unwrap();
    let studio = open(home.path());
    // Generation n says "lantern" n times: ranked 6, 5, 4, 3, 2, 1.
    let records: Vec<GenerationRecord> = (1..=6)
        .map(|n| record(n, "a note", &"lantern ".repeat(n as usize)))
        .collect();
    import(&studio, &records).await;
    ready(&studio).await;
    let query = HistoryQuery {
        text: "lantern".into(),
        sort: HistorySort::Relevance,
        ..HistoryQuery::default()
    };
    let history = studio.history();
    let first = history.page(query.clone(), None, 2).await.unwrap();
    assert_eq!(first.items.iter().map(|i| i.id).collect::<Vec<_>>(), [6, 5]);

    // The index has not caught up with the delete yet: it still ranks 4.
    history.delete(vec![4]).await.unwrap();
    let second = history.page(query.clone(), first.next, 2).await.unwrap();
    assert_eq!(
        second.items.iter().map(|i| i.id).collect::<Vec<_>>(),
        [3, 2]
    );
    let third = history.page(query, second.next, 2).await.unwrap();
    assert_eq!(third.items.iter().map(|i| i.id).collect::<Vec<_>>(), [1]);
    assert_eq!(third.next, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cursor_past_every_match_reads_nothing() {
    let home = tempfile::tempdir().unwrap();
    let studio = open(home.path());
    import(&studio, &[record(1, "a lantern", "by the sea")]).await;
    ready(&studio).await;
    let query = HistoryQuery {
        text: "lantern".into(),
        sort: HistorySort::Relevance,
        ..HistoryQuery::default()
    };
    // The largest offset a cursor can carry: no room is asked for it.
    let page = studio
        .history()
        .page(query, Some(format!("i:{}", u32::MAX)), 500)
        .await
        .unwrap();
    assert!(page.items.is_empty());
    assert_eq!(page.next, None);
}
