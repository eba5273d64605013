//! The generation history against real stores: search in every script,
//! filters and keyset pages, marks and tags, delete, re-run, compare,
//! stats, and the export → import law.

use std::path::Path;
use std::time::Duration;

use proptest::prelude::*;
use scriptorium::Studio;
use scriptorium::backend::registry::{BackendDraft, BackendKind, BackendSettings};
use scriptorium::backend::{ChatMessage, GenerateRequest, Params, Prompt, Role};
use scriptorium::generation::{
    ChoiceOutput, GenerationLinks, GenerationRecord, GenerationSpec, GenerationStatus, SourceKind,
    SourceLink, TokenUsage,
};
use scriptorium::history::{
    DiffOpKind, ExportFormat, ExportSelection, HistoryItem, HistoryQuery, HistorySort,
};
use scriptorium::secrets::SecretsMode;
use scriptorium_test_server::{Reply, TestServer};
use serde_json::json;
use tokio_util::sync::CancellationToken;

const CHAT: &str = "POST /v1/chat/completions";

fn open(home: &Path) -> Studio {
    Studio::open_with(home, SecretsMode::FileOnly).unwrap()
}

async fn add_backend(studio: &Studio, server: &TestServer) {
    studio
        .backends()
        .add(
            BackendDraft {
                name: "loopback".into(),
                kind: BackendKind::Openai,
                base_url: server.base_url(),
                default_model: Some("test-model".into()),
                settings: BackendSettings::default(),
            },
            None,
        )
        .await
        .unwrap();
}

fn chat(text: &str) -> GenerationSpec {
    GenerationSpec {
        kind: "chat".into(),
        backend: None,
        request: GenerateRequest {
            model: String::new(),
            prompt: Prompt::Chat {
                messages: vec![
                    ChatMessage::new(Role::System, "Be vivid."),
                    ChatMessage::new(Role::User, text),
                ],
            },
            params: Params {
                temperature: Some(0.8),
                seed: Some(7),
                ..Params::default()
            },
        },
    }
}

async fn generate(studio: &Studio, spec: GenerationSpec) -> i64 {
    let run = studio
        .generate(spec, CancellationToken::new())
        .await
        .unwrap();
    run.outcome().await.unwrap().id
}

async fn search(studio: &Studio, text: &str) -> Vec<HistoryItem> {
    let query = HistoryQuery {
        text: text.into(),
        ..HistoryQuery::default()
    };
    studio.history().page(query, None, 50).await.unwrap().items
}

fn ids(items: &[HistoryItem]) -> Vec<i64> {
    items.iter().map(|item| item.id).collect()
}

fn hits(item: &HistoryItem) -> Vec<&str> {
    item.snippet
        .iter()
        .filter(|part| part.hit)
        .map(|part| part.text.as_str())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn finds_words_and_chinese_and_japanese_substrings_of_two_characters() {
    let server = TestServer::start().await;
    let home = tempfile::tempdir().unwrap();
    let studio = open(home.path());
    add_backend(&studio, &server).await;
    for answer in [
        ["The red dragon", " slept under Tokyo Tower."],
        ["我今天很高兴，", "因为龙睡着了。"],
        ["東京タワーの下で", "竜が眠っていた。"],
    ] {
        server.push(CHAT, Reply::chat_stream(&answer));
    }
    let dragon = generate(&studio, chat("Tell me about a dragon")).await;
    let chinese = generate(&studio, chat("写一句话")).await;
    let japanese = generate(&studio, chat("一文を書いて")).await;

    for (query, expected) in [
        ("dragon", vec![dragon]),
        ("DRAGON", vec![dragon]),
        ("drag*", vec![dragon]),
        ("\"red dragon\"", vec![dragon]),
        ("\"dragon red\"", vec![]),
        ("vivid", vec![japanese, chinese, dragon]),
        ("高兴", vec![chinese]),
        ("兴", vec![chinese]),
        ("很高兴", vec![chinese]),
        ("高 睡", vec![chinese]),
        ("兴高", vec![]),
        ("東京", vec![japanese]),
        ("タワー", vec![japanese]),
        ("一文", vec![japanese]),
        ("tower", vec![dragon]),
        ("AND", vec![]),
        ("\"unclosed", vec![]),
        ("NEAR(dragon", vec![]),
        ("!!!", vec![]),
    ] {
        assert_eq!(ids(&search(&studio, query).await), expected, "{query:?}");
    }

    let found = search(&studio, "高兴").await;
    assert_eq!(hits(&found[0]), vec!["高兴"]);
    let text: String = found[0].snippet.iter().map(|p| p.text.as_str()).collect();
    assert!(text.contains("我今天很高兴，因为龙睡着了。"), "{text}");
    assert_eq!(found[0].output_preview, "我今天很高兴，因为龙睡着了。");
    assert_eq!(found[0].prompt_preview, "写一句话");
    assert_eq!(hits(&search(&studio, "Dragon").await[0]), vec!["dragon"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_streaming_generation_is_listed_at_once_and_searchable_when_it_ends() {
    let server = TestServer::start().await;
    let home = tempfile::tempdir().unwrap();
    let studio = open(home.path());
    add_backend(&studio, &server).await;
    server.push(
        CHAT,
        Reply::chat_stream(&["slow ", "molasses ", "flows"]).paced(Duration::from_millis(400)),
    );
    let run = studio
        .generate(chat("Go slowly"), CancellationToken::new())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    let listed = studio
        .history()
        .page(HistoryQuery::default(), None, 10)
        .await
        .unwrap();
    assert_eq!(listed.items[0].id, run.id);
    assert_eq!(listed.items[0].status, GenerationStatus::Streaming);
    assert!(search(&studio, "molasses").await.is_empty());
    run.outcome().await.unwrap();
    assert_eq!(
        ids(&search(&studio, "molasses").await),
        vec![listed.items[0].id]
    );
}

/// A finished generation for import, made at `second` past midnight.
fn record(id: i64, second: u32, text: &str) -> GenerationRecord {
    GenerationRecord {
        id,
        kind: if id % 3 == 0 { "complete" } else { "chat" }.into(),
        backend: Some(if id % 2 == 0 { "even" } else { "odd" }.into()),
        model: Some(format!("model-{}", id % 4)),
        params: json!({"temperature": 0.5}),
        prompt: Prompt::Completion {
            text: format!("prompt {id}"),
        },
        status: if id % 5 == 0 {
            GenerationStatus::Error
        } else {
            GenerationStatus::Done
        },
        error: None,
        choices: vec![ChoiceOutput {
            index: 0,
            text: text.into(),
            reasoning: String::new(),
            finish_reason: Some("stop".into()),
        }],
        usage: Some(TokenUsage {
            prompt: 10,
            completion: 40,
            estimated: false,
            cached: Some(6),
        }),
        ttft_ms: Some(100 + id as u32),
        total_ms: Some(1100 + id as u32),
        created_at: format!(
            "2026-0{}-1{}T00:{:02}:{:02}.000Z",
            1 + second / 3600 % 3,
            second % 7,
            second / 60 % 60,
            second % 60
        ),
        finished_at: None,
        favourite: id % 4 == 1,
        tags: if id % 3 == 1 {
            vec!["keep".into()]
        } else {
            vec![]
        },
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

/// Every page of `query`, `size` rows at a time.
async fn all_pages(studio: &Studio, query: &HistoryQuery, size: u32) -> Vec<i64> {
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = studio
            .history()
            .page(query.clone(), after, size)
            .await
            .unwrap();
        assert!(page.items.len() <= size as usize);
        seen.extend(ids(&page.items));
        match page.next {
            Some(next) => after = Some(next),
            None => return seen,
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn filters_and_keyset_pages_cover_every_row_once_in_order() {
    let home = tempfile::tempdir().unwrap();
    let studio = open(home.path());
    let records: Vec<GenerationRecord> = (1..=60)
        .map(|id| record(id, (id as u32 * 7919) % 20_000, "a quiet harbour at dawn"))
        .collect();
    import(&studio, &records).await;

    let mut newest = records.clone();
    newest.sort_by(|a, b| (&b.created_at, b.id).cmp(&(&a.created_at, a.id)));
    let expect = |keep: &dyn Fn(&GenerationRecord) -> bool| -> Vec<i64> {
        newest.iter().filter(|r| keep(r)).map(|r| r.id).collect()
    };
    let cases: Vec<(HistoryQuery, Vec<i64>)> = vec![
        (HistoryQuery::default(), expect(&|_| true)),
        (
            HistoryQuery {
                text: "harbour".into(),
                ..HistoryQuery::default()
            },
            expect(&|_| true),
        ),
        (
            HistoryQuery {
                kind: Some("complete".into()),
                ..HistoryQuery::default()
            },
            expect(&|r| r.kind == "complete"),
        ),
        (
            HistoryQuery {
                text: "dawn".into(),
                model: Some("model-1".into()),
                backend: Some("odd".into()),
                ..HistoryQuery::default()
            },
            expect(&|r| r.model.as_deref() == Some("model-1")),
        ),
        (
            HistoryQuery {
                status: Some(GenerationStatus::Error),
                ..HistoryQuery::default()
            },
            expect(&|r| r.status == GenerationStatus::Error),
        ),
        (
            HistoryQuery {
                favourite: true,
                ..HistoryQuery::default()
            },
            expect(&|r| r.favourite),
        ),
        (
            HistoryQuery {
                tag: Some("keep".into()),
                text: "quiet".into(),
                ..HistoryQuery::default()
            },
            expect(&|r| r.tags.contains(&"keep".to_owned())),
        ),
        (
            HistoryQuery {
                since: Some("2026-02-11".into()),
                until: Some("2026-02-13".into()),
                ..HistoryQuery::default()
            },
            expect(&|r| {
                r.created_at.as_str() >= "2026-02-11" && r.created_at.as_str() < "2026-02-14"
            }),
        ),
    ];
    for (query, expected) in cases {
        assert!(!expected.is_empty(), "{query:?} tests nothing");
        for size in [1, 7, 500] {
            assert_eq!(
                all_pages(&studio, &query, size).await,
                expected,
                "{query:?} by {size}"
            );
        }
    }

    // The same text everywhere ranks every row alike. The ranked index
    // orders ties its own way: the same on every page size, every row once.
    ranked_search_ready(&studio).await;
    for (query, mut expected) in [
        (
            HistoryQuery {
                text: "harbour".into(),
                sort: HistorySort::Relevance,
                ..HistoryQuery::default()
            },
            expect(&|_| true),
        ),
        (
            HistoryQuery {
                text: "harbour".into(),
                kind: Some("complete".into()),
                sort: HistorySort::Relevance,
                ..HistoryQuery::default()
            },
            expect(&|r| r.kind == "complete"),
        ),
    ] {
        let ranked = all_pages(&studio, &query, 500).await;
        for size in [1, 7] {
            assert_eq!(all_pages(&studio, &query, size).await, ranked, "by {size}");
        }
        let mut sorted = ranked.clone();
        sorted.sort_unstable();
        expected.sort_unstable();
        assert_eq!(sorted, expected, "{query:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn best_match_with_filters_walks_the_index_or_leaves_a_narrow_filter_to_fts5() {
    let home = tempfile::tempdir().unwrap();
    let studio = open(home.path());
    // 1,200 matches, denser as ids grow; two generations of a model of
    // their own, ranked last.
    let records: Vec<GenerationRecord> = (1..=1_200)
        .map(|id| {
            let mut record = record(id, id as u32, &"lantern ".repeat(1 + id as usize / 100));
            record.choices[0].text.push_str(&"dusk ".repeat(20));
            if id <= 2 {
                record.model = Some("rare-model".into());
            }
            record
        })
        .collect();
    import(&studio, &records).await;
    ranked_search_ready(&studio).await;

    let search = |filter: fn(&mut HistoryQuery)| {
        let mut query = HistoryQuery {
            text: "lantern".into(),
            sort: HistorySort::Relevance,
            ..HistoryQuery::default()
        };
        filter(&mut query);
        query
    };
    type Case = (
        fn(&mut HistoryQuery),
        fn(&GenerationRecord) -> bool,
        &'static str,
    );
    let cases: [Case; 4] = [
        (
            |q| q.kind = Some("complete".into()),
            |r| r.kind == "complete",
            "i:",
        ),
        (|q| q.favourite = true, |r| r.favourite, "i:"),
        (
            |q| q.tag = Some("keep".into()),
            |r| r.tags.contains(&"keep".to_owned()),
            "i:",
        ),
        // Two matches in 1,200, ranked last: not worth walking the index for.
        (|q| q.model = Some("rare-model".into()), |r| r.id <= 2, "r:"),
    ];
    for (filter, keep, ranked_by) in cases {
        let query = search(filter);
        let first = studio.history().page(query.clone(), None, 1).await.unwrap();
        let expected: Vec<i64> = records.iter().filter(|r| keep(r)).map(|r| r.id).collect();
        assert!(first.next.unwrap().starts_with(ranked_by), "{query:?}");
        // Denser first: the best is no further down than the hundredth
        // densest that passes.
        let floor = expected.iter().rev().nth(99).copied().unwrap_or(0);
        assert!(first.items[0].id >= floor, "{query:?}");
        let mut found = all_pages(&studio, &query, 50).await;
        found.sort_unstable();
        assert_eq!(found, expected, "{query:?}");
    }
}

async fn ranked_search_ready(studio: &Studio) {
    for _ in 0..3000 {
        if studio.history().ranked_search_ready().await.unwrap() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the search index never caught up");
}

#[tokio::test(flavor = "multi_thread")]
async fn relevance_ranks_denser_matches_first_and_pages_without_repeats() {
    let home = tempfile::tempdir().unwrap();
    let studio = open(home.path());
    let mut records: Vec<GenerationRecord> = (1..=30)
        .map(|id| {
            record(
                id,
                id as u32,
                "one lantern among many other things in a long list",
            )
        })
        .collect();
    records[4].choices[0].text = "lantern lantern lantern".into();
    import(&studio, &records).await;
    let query = HistoryQuery {
        text: "lantern".into(),
        sort: HistorySort::Relevance,
        ..HistoryQuery::default()
    };
    // Right after the import either may rank (FTS5 until the ranked index
    // has caught up); once it has, the index does. Both must agree.
    for _ in ["either", "index"] {
        let ranked = all_pages(&studio, &query, 4).await;
        assert_eq!(ranked[0], 5);
        let mut sorted = ranked.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (1..=30).collect::<Vec<_>>());
        ranked_search_ready(&studio).await;
    }

    let wrong = studio
        .history()
        .page(
            HistoryQuery::default(),
            studio.history().page(query, None, 2).await.unwrap().next,
            2,
        )
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), "invalid_history_query");
}

fn integrity(db: &Path) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    // Compares the index with the content table, entry by entry.
    conn.execute(
        "INSERT INTO generation_fts (generation_fts, rank) VALUES ('integrity-check', 1)",
        [],
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn favourite_tag_and_delete_keep_the_index_in_step() {
    let home = tempfile::tempdir().unwrap();
    let studio = open(home.path());
    let records: Vec<GenerationRecord> = (1..=4)
        .map(|id| record(id, id as u32, "a copper kettle sings"))
        .collect();
    import(&studio, &records).await;
    let history = studio.history();

    history.set_favourite(2, true).await.unwrap();
    assert_eq!(
        history
            .set_tags(2, vec![" draft ".into(), "好".into(), "draft".into()])
            .await
            .unwrap(),
        vec!["draft", "好"]
    );
    let stored = history.get(2).await.unwrap();
    assert!(stored.favourite);
    assert_eq!(stored.tags, vec!["draft", "好"]);
    assert_eq!(
        history
            .set_tags(2, vec![String::new()])
            .await
            .unwrap_err()
            .code(),
        "invalid_tag"
    );
    assert_eq!(
        history.set_favourite(99, true).await.unwrap_err().code(),
        "generation_not_found"
    );
    let facets = history.facets().await.unwrap();
    assert_eq!(facets.kinds, vec!["chat", "complete"]);
    assert_eq!(facets.backends, vec!["even", "odd"]);
    assert_eq!(
        facets.models,
        vec!["model-0", "model-1", "model-2", "model-3"]
    );
    assert_eq!(
        facets
            .tags
            .iter()
            .map(|t| (t.tag.as_str(), t.count))
            .collect::<Vec<_>>(),
        vec![("draft", 1), ("keep", 2), ("好", 1)]
    );

    assert_eq!(history.delete(vec![2, 3, 42]).await.unwrap(), 2);
    assert_eq!(ids(&search(&studio, "kettle").await), vec![4, 1]);
    assert_eq!(
        history.get(2).await.unwrap_err().code(),
        "generation_not_found"
    );
    integrity(&studio.data_dir().db_path());
    let left: i64 = studio
        .store()
        .read(|conn| {
            Ok(conn.query_row(
                "SELECT (SELECT count(*) FROM generation_tags) + (SELECT count(*) FROM generation_search)",
                [],
                |row| row.get(0),
            )?)
        })
        .await
        .unwrap();
    assert_eq!(left, 2 + 2, "the tags of 1 and 4, and their search rows");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rerun_sends_the_same_request_and_links_back() {
    let server = TestServer::start().await;
    let home = tempfile::tempdir().unwrap();
    let studio = open(home.path());
    add_backend(&studio, &server).await;
    let first = generate(&studio, chat("Name a ship")).await;
    let run = studio
        .history()
        .rerun(first, CancellationToken::new())
        .await
        .unwrap();
    let second = run.outcome().await.unwrap().id;
    let requests = server.requests();
    assert_eq!(requests[0].body, requests[1].body);
    let rerun = studio.history().get(second).await.unwrap();
    assert_eq!(rerun.rerun_of, Some(first));
    assert_eq!(
        rerun.prompt,
        studio.history().get(first).await.unwrap().prompt
    );

    // Deleting the original keeps the re-run, unlinked.
    studio.history().delete(vec![first]).await.unwrap();
    assert_eq!(studio.history().get(second).await.unwrap().rerun_of, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_generation_remembers_the_message_it_was_made_for() {
    let server = TestServer::start().await;
    let home = tempfile::tempdir().unwrap();
    let studio = open(home.path());
    add_backend(&studio, &server).await;
    let source = SourceLink {
        kind: SourceKind::Message,
        id: 42,
    };
    let run = studio
        .generate_linked(
            chat("Reply to message 42"),
            GenerationLinks {
                source: Some(source),
                rerun_of: Some(999),
            },
            CancellationToken::new(),
        )
        .await
        .unwrap();
    let id = run.outcome().await.unwrap().id;
    let record = studio.history().get(id).await.unwrap();
    assert_eq!(record.source, Some(source));
    assert_eq!(record.rerun_of, None, "no generation 999 to link to");
}

#[tokio::test(flavor = "multi_thread")]
async fn compare_diffs_prompts_and_answers() {
    let home = tempfile::tempdir().unwrap();
    let studio = open(home.path());
    import(
        &studio,
        &[
            record(1, 1, "The red dragon slept."),
            record(2, 2, "The green dragon slept."),
        ],
    )
    .await;
    let comparison = studio.history().compare(1, 2).await.unwrap();
    let changed: Vec<(DiffOpKind, &str)> = comparison
        .output
        .iter()
        .filter(|p| p.op != DiffOpKind::Same)
        .map(|p| (p.op, p.text.as_str()))
        .collect();
    assert_eq!(
        changed,
        vec![(DiffOpKind::Removed, "red"), (DiffOpKind::Added, "green")]
    );
    assert_eq!(comparison.first.id, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn stats_count_per_day_and_model_and_time_per_backend() {
    let home = tempfile::tempdir().unwrap();
    let studio = open(home.path());
    let records: Vec<GenerationRecord> = (1..=8).map(|id| record(id, 0, "x")).collect();
    import(&studio, &records).await;
    let stats = studio.history().stats(None).await.unwrap();
    assert_eq!(stats.generations, 8);
    assert_eq!((stats.prompt_tokens, stats.completion_tokens), (80, 320));
    assert_eq!(stats.per_day.iter().map(|d| d.generations).sum::<u32>(), 8);
    assert!(
        stats
            .per_day
            .iter()
            .all(|d| d.day == "2026-01-10" && d.tokens % 50 == 0)
    );
    let odd = stats
        .per_backend
        .iter()
        .find(|b| b.backend == "odd")
        .unwrap();
    assert_eq!(odd.generations, 4);
    assert_eq!(odd.first_token_ms.p50, Some(103.0));
    assert_eq!(odd.tokens_per_second.p50, Some(40.0));
    assert_eq!(
        studio
            .history()
            .stats(Some("2027-01-01".into()))
            .await
            .unwrap()
            .generations,
        0
    );
    assert!(studio.history().stats(Some("soon".into())).await.is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn markdown_export_fences_model_output() {
    let home = tempfile::tempdir().unwrap();
    let studio = open(home.path());
    import(
        &studio,
        &[record(1, 1, "```\n<script>alert(1)</script>\n```")],
    )
    .await;
    let markdown = studio
        .history()
        .export_string(
            ExportSelection::Ids { ids: vec![1] },
            ExportFormat::Markdown,
        )
        .await
        .unwrap();
    assert!(markdown.contains("## #1 · chat · odd / model-1 · 2026-01-11T00:00:01.000Z · done ★"));
    assert!(
        markdown.contains("````text\n```\n<script>alert(1)</script>\n```\n````"),
        "{markdown}"
    );
}

/// Where liveness cannot be told, a start takes a streaming generation of
/// another process for cut off; when that process ends it, search follows.
#[tokio::test(flavor = "multi_thread")]
async fn a_generation_ended_after_recovery_took_it_for_dead_is_found_whole() {
    let server = TestServer::start().await;
    let home = tempfile::tempdir().unwrap();
    let studio = open(home.path());
    add_backend(&studio, &server).await;
    server.push(
        CHAT,
        Reply::chat_stream(&["early ", "words ", "then ", "latecomers"])
            .paced(Duration::from_millis(300)),
    );
    let run = studio
        .generate(chat("Take your time"), CancellationToken::new())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(450)).await;
    // A second start takes the row (which names this very process) for
    // one left by an earlier run, marks it interrupted and indexes it.
    let second = open(home.path());
    assert_eq!(
        second.history().get(1).await.unwrap().status,
        GenerationStatus::Interrupted
    );
    drop(second);
    assert_eq!(ids(&search(&studio, "early").await), vec![1]);
    assert!(search(&studio, "latecomers").await.is_empty());
    run.outcome().await.unwrap();
    assert_eq!(ids(&search(&studio, "latecomers").await), vec![1]);
    integrity(&studio.data_dir().db_path());
}

/// A database as version 0.5 left it, with one finished generation.
#[tokio::test(flavor = "multi_thread")]
async fn generations_recorded_before_search_existed_are_indexed_by_the_upgrade() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("scriptorium.db");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        for sql in [
            include_str!("../src/store/migrations/0001_settings.sql"),
            include_str!("../src/store/migrations/0002_backends.sql"),
            include_str!("../src/store/migrations/0003_generations.sql"),
            include_str!("../src/store/migrations/0004_generation_owner.sql"),
            include_str!("../src/store/migrations/0005_templates.sql"),
        ] {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute_batch(
            r#"PRAGMA user_version = 5;
            INSERT INTO generations (kind, prompt, status) VALUES
                ('chat', '{"format":"chat","messages":[{"role":"user","content":"老问题"}]}', 'done'),
                ('chat', '{"format":"completion","text":"never ended"}', 'streaming');
            INSERT INTO generation_choices (generation_id, idx, text) VALUES (1, 0, '旧的答案'), (2, 0, 'partial');"#,
        )
        .unwrap();
    }
    let studio = open(home.path());
    assert_eq!(ids(&search(&studio, "问题").await), vec![1]);
    assert_eq!(ids(&search(&studio, "答案").await), vec![1]);
    // The unfinished one was interrupted by its process's end: indexed too.
    assert_eq!(ids(&search(&studio, "partial").await), vec![2]);
    assert_eq!(
        studio.history().get(2).await.unwrap().status,
        GenerationStatus::Interrupted
    );
    integrity(&db);
}

#[tokio::test(flavor = "multi_thread")]
async fn importing_twice_adds_nothing_and_taken_ids_move_with_their_links() {
    let home = tempfile::tempdir().unwrap();
    let studio = open(home.path());
    let mut rerun = record(2, 2, "again");
    rerun.rerun_of = Some(1);
    let file = [record(1, 1, "first"), rerun];
    import(&studio, &file).await;
    let again = serde_json::to_string(&file[0]).unwrap();
    let summary = studio.history().import(again).await.unwrap();
    assert_eq!((summary.imported, summary.skipped), (0, 1));

    let other = tempfile::tempdir().unwrap();
    let elsewhere = open(other.path());
    import(
        &elsewhere,
        &[record(1, 50, "mine"), record(2, 51, "mine too")],
    )
    .await;
    import(&elsewhere, &file).await;
    let moved = elsewhere.history().get(4).await.unwrap();
    assert_eq!(moved.choices[0].text, "again");
    assert_eq!(moved.rerun_of, Some(3));

    let broken = studio
        .history()
        .import("{\"id\": 1}\n".into())
        .await
        .unwrap_err();
    assert_eq!(broken.code(), "history_import");
}

fn arbitrary_record() -> impl Strategy<Value = GenerationRecord> {
    let text = "[a-z 你好世界東京タワー\n`\"<>&*]{0,30}";
    (
        (
            prop::sample::select(vec!["chat", "complete", "story", "translate"]),
            prop::option::of(prop::sample::select(vec!["loopback", "远程"])),
            prop::option::of("[a-z0-9.-]{1,12}"),
            prop::option::of(0.0f64..2.0),
            prop::bool::ANY,
            text,
            prop::collection::vec((text, text, prop::option::of("[a-z]{1,6}")), 0..3),
        ),
        (
            prop::sample::select(vec![
                GenerationStatus::Done,
                GenerationStatus::Cancelled,
                GenerationStatus::Error,
                GenerationStatus::Interrupted,
            ]),
            prop::option::of(text),
            prop::option::of((0u32..100_000, 0u32..100_000, prop::bool::ANY)),
            prop::option::of(0u32..60_000),
            prop::option::of(0u32..600_000),
            prop::bool::ANY,
            prop::collection::vec(prop::sample::select(vec!["a", "好", "long tag"]), 0..3),
            prop::option::of((
                prop::sample::select(vec![SourceKind::Message, SourceKind::Segment]),
                1i64..99,
            )),
        ),
    )
        .prop_map(
            |(
                (kind, backend, model, temperature, chat, prompt, choices),
                (status, error, usage, ttft_ms, total_ms, favourite, tags, source),
            )| GenerationRecord {
                id: 0,
                kind: kind.into(),
                backend: backend.map(str::to_owned),
                model,
                params: json!({"temperature": temperature, "n": 1}),
                prompt: if chat {
                    Prompt::Chat {
                        messages: vec![ChatMessage::new(Role::User, prompt)],
                    }
                } else {
                    Prompt::Completion { text: prompt }
                },
                status,
                error,
                choices: choices
                    .into_iter()
                    .enumerate()
                    .map(|(index, (text, reasoning, finish_reason))| ChoiceOutput {
                        index: index as u32,
                        text,
                        reasoning,
                        finish_reason,
                    })
                    .collect(),
                usage: usage.map(|(prompt, completion, estimated)| TokenUsage {
                    prompt,
                    completion,
                    estimated,
                    cached: None,
                }),
                ttft_ms,
                total_ms,
                created_at: String::new(),
                finished_at: None,
                favourite,
                tags: tags.into_iter().map(str::to_owned).collect(),
                source: source.map(|(kind, id)| SourceLink { kind, id }),
                rerun_of: None,
                tokens_per_second: None,
            },
        )
}

fn arbitrary_history() -> impl Strategy<Value = Vec<GenerationRecord>> {
    prop::collection::vec(
        (arbitrary_record(), 1i64..4, prop::option::of(0usize..8)),
        0..8,
    )
    .prop_map(|rows| {
        let mut id = 0;
        let mut records: Vec<GenerationRecord> = Vec::new();
        for (index, (mut record, gap, rerun)) in rows.into_iter().enumerate() {
            id += gap;
            record.id = id;
            record.created_at = format!(
                "2026-05-0{}T12:00:{:02}.{:03}Z",
                1 + index % 3,
                index,
                index * 7
            );
            record.finished_at = (index % 2 == 0).then(|| record.created_at.clone());
            record.rerun_of = rerun.and_then(|r| records.get(r)).map(|r| r.id);
            records.push(record);
        }
        records
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Export, import into an empty folder, export again: the same file.
    #[test]
    fn export_then_import_into_an_empty_home_gives_the_same_rows(records in arbitrary_history()) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let all = || ExportSelection::Query { query: HistoryQuery::default() };
            let source = tempfile::tempdir().unwrap();
            let source = open(source.path());
            import(&source, &records).await;
            let exported = source.history().export_string(all(), ExportFormat::Jsonl).await.unwrap();
            prop_assert_eq!(exported.lines().count(), records.len());

            let target = tempfile::tempdir().unwrap();
            let target = open(target.path());
            let summary = target.history().import(exported.clone()).await.unwrap();
            prop_assert_eq!(summary.imported as usize, records.len());
            let again = target.history().export_string(all(), ExportFormat::Jsonl).await.unwrap();
            prop_assert_eq!(again, exported);
            Ok(())
        })?;
    }
}
