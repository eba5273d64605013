//! The history at a million generations: fills a store with realistic
//! rows (mixed English and Chinese, 200–4,000 characters each) straight
//! through SQL, then times what a person waits for through the real API:
//! recording one finished generation, searching (best match first both
//! through the ranked index and through FTS5, side by side), the first page
//! of the list, and start-up, against the same start-up with an empty store.
//!
//! `cargo bench -p scriptorium --bench history`
//! `HISTORY_BENCH_ROWS=20000` for a smaller run; `HISTORY_BENCH_DIR=/path`
//! keeps the filled store there and reuses it on the next run.

// A bench binary reports on stdout.
#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rusqlite::{Connection, params};
use scriptorium::Studio;
use scriptorium::history::search_text::index_form;
use scriptorium::history::{HistoryQuery, HistorySort};
use scriptorium::secrets::SecretsMode;

const BATCH: usize = 5_000;
const PAGE: u32 = 50;
const SEARCH_ROUNDS: usize = 60;
const INSERT_ROUNDS: usize = 400;
const STARTUP_ROUNDS: usize = 30;
/// The history spans a year, oldest first.
const SPAN_MS: i64 = 365 * 24 * 3600 * 1000;
const START_MS: i64 = 1_764_547_200_000; // 2025-12-01T00:00:00Z

const ENGLISH_HEAD: &[&str] = &[
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "was",
    "he",
    "she",
    "it",
    "that",
    "his",
    "her",
    "with",
    "as",
    "for",
    "on",
    "at",
    "by",
    "from",
    "light",
    "night",
    "door",
    "sea",
    "old",
    "house",
    "voice",
    "hand",
    "time",
    "eyes",
    "city",
    "river",
    "window",
    "morning",
    "letter",
    "silence",
    "storm",
    "garden",
    "stone",
    "road",
    "winter",
    "fire",
    "ship",
    "mother",
    "king",
    "dream",
    "lighthouse",
    "keeper",
    "harbour",
    "lantern",
    "dragon",
    "forest",
    "mirror",
    "journey",
];
const CHINESE_HEAD: &[&str] = &[
    "我们", "时间", "没有", "一个", "什么", "自己", "知道", "已经", "因为", "所以", "他们", "看见",
    "声音", "窗外", "夜晚", "城市", "河流", "母亲", "故事", "记得", "慢慢", "突然", "灯塔", "海风",
    "月光", "森林", "旅行", "信件", "沉默", "花园", "石头", "冬天", "火焰", "梦想", "镜子", "龙王",
    "港口", "灯笼", "早晨", "道路",
];
const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ren", "sa", "tor", "vel", "an", "is", "qua", "dor", "bel", "nim", "zu",
    "fa", "gri", "hol", "jen", "ox", "pri", "rus", "sel", "tam", "ul", "wen", "yo",
];
const HANZI: &str = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙灯塔海风月";

/// Ranks drawn with probability proportional to 1 / rank: a few words
/// everywhere, most words rare, as in real text.
struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    fn new(n: usize) -> Zipf {
        let mut total = 0.0;
        let cumulative = (1..=n)
            .map(|rank| {
                total += 1.0 / rank as f64;
                total
            })
            .collect();
        Zipf { cumulative }
    }

    fn sample(&self, rng: &mut fastrand::Rng) -> usize {
        let target = rng.f64() * self.cumulative.last().unwrap();
        self.cumulative.partition_point(|&c| c < target)
    }
}

struct Vocabulary {
    english: Vec<String>,
    chinese: Vec<String>,
    zipf_en: Zipf,
    zipf_zh: Zipf,
}

impl Vocabulary {
    fn new() -> Vocabulary {
        let mut rng = fastrand::Rng::with_seed(11);
        let mut english: Vec<String> = ENGLISH_HEAD.iter().map(|w| w.to_string()).collect();
        while english.len() < 30_000 {
            let syllables = rng.usize(2..5);
            english.push(
                (0..syllables)
                    .map(|_| SYLLABLES[rng.usize(..SYLLABLES.len())])
                    .collect(),
            );
        }
        let hanzi: Vec<char> = HANZI.chars().collect();
        let mut chinese: Vec<String> = CHINESE_HEAD.iter().map(|w| w.to_string()).collect();
        while chinese.len() < 8_000 {
            let length = if rng.u8(..10) < 8 { 2 } else { 1 };
            chinese.push(
                (0..length)
                    .map(|_| hanzi[rng.usize(..hanzi.len())])
                    .collect(),
            );
        }
        Vocabulary {
            zipf_en: Zipf::new(english.len()),
            zipf_zh: Zipf::new(chinese.len()),
            english,
            chinese,
        }
    }

    /// About `chars` characters of English or Chinese prose.
    fn text(&self, rng: &mut fastrand::Rng, chinese: bool, chars: usize) -> String {
        let mut out = String::with_capacity(chars * 3);
        let mut count = 0;
        let mut sentence = 0;
        while count < chars {
            if chinese {
                // Chinese prose still carries the odd English name.
                let word = if rng.u8(..50) == 0 {
                    format!(" {} ", self.english[self.zipf_en.sample(rng)])
                } else {
                    self.chinese[self.zipf_zh.sample(rng)].clone()
                };
                count += word.chars().count();
                out.push_str(&word);
                sentence += 1;
                if sentence > rng.usize(6..14) {
                    out.push(if rng.bool() { '，' } else { '。' });
                    sentence = 0;
                }
            } else {
                let word = &self.english[self.zipf_en.sample(rng)];
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(word);
                count += word.len() + 1;
                sentence += 1;
                if sentence > rng.usize(8..20) {
                    out.push('.');
                    sentence = 0;
                }
            }
        }
        out
    }
}

struct Row {
    id: i64,
    kind: &'static str,
    backend: &'static str,
    model: &'static str,
    prompt_json: String,
    prompt_text: String,
    output: String,
    status: &'static str,
    prompt_tokens: u32,
    completion_tokens: u32,
    ttft_ms: u32,
    total_ms: u32,
    created_ms: i64,
    favourite: bool,
}

const MODELS: &[(&str, &str)] = &[
    ("openai", "gpt-4.1-mini"),
    ("openai", "gpt-4.1"),
    ("deepseek", "deepseek-chat"),
    ("deepseek", "deepseek-reasoner"),
    ("local", "qwen2.5-7b-instruct"),
    ("local", "llama-3.1-8b"),
];

fn make_row(vocabulary: &Vocabulary, rng: &mut fastrand::Rng, id: i64, rows: i64) -> Row {
    let chinese = rng.u8(..10) < 4;
    let total = rng.usize(200..=4_000);
    let prompt_chars = (total / 5).max(40);
    let prompt_text = vocabulary.text(rng, chinese, prompt_chars);
    let output = vocabulary.text(rng, chinese, total - prompt_chars);
    let chat = rng.u8(..10) < 7;
    let prompt_json = if chat {
        serde_json::json!({"format": "chat", "messages": [{"role": "user", "content": prompt_text}]})
    } else {
        serde_json::json!({"format": "completion", "text": prompt_text})
    }
    .to_string();
    let (backend, model) = MODELS[rng.usize(..MODELS.len())];
    let completion_tokens = scriptorium::generation::tokens::estimate(&output);
    let ttft_ms = rng.u32(80..1500);
    Row {
        id,
        kind: if chat { "chat" } else { "complete" },
        backend,
        model,
        prompt_tokens: scriptorium::generation::tokens::estimate(&prompt_text),
        prompt_json,
        prompt_text,
        output,
        status: if rng.u8(..100) < 95 { "done" } else { "error" },
        completion_tokens,
        ttft_ms,
        total_ms: ttft_ms + completion_tokens * rng.u32(10..60),
        created_ms: START_MS + SPAN_MS * id / rows,
        favourite: rng.u16(..1000) == 0,
    }
}

fn timestamp(ms: i64) -> String {
    let conn = Connection::open_in_memory().unwrap();
    conn.query_row(
        "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', ?1 / 1000.0, 'unixepoch')",
        [ms],
        |row| row.get(0),
    )
    .unwrap()
}

/// Writes `rows` generations in batches, one transaction each, on one
/// connection, the search rows included (the triggers index them).
fn fill(db: &Path, rows: i64) {
    let (sender, batches) = mpsc::sync_channel::<Vec<Row>>(4);
    let producer = std::thread::spawn(move || {
        let vocabulary = Vocabulary::new();
        let mut rng = fastrand::Rng::with_seed(42);
        let mut id = 1;
        while id <= rows {
            let end = (id + BATCH as i64).min(rows + 1);
            let batch = (id..end)
                .map(|id| make_row(&vocabulary, &mut rng, id, rows))
                .collect();
            sender.send(batch).unwrap();
            id = end;
        }
    });
    let mut conn = Connection::open(db).unwrap();
    conn.pragma_update(None, "synchronous", "OFF").unwrap();
    let clock = Connection::open_in_memory().unwrap();
    let started = Instant::now();
    let mut written = 0;
    for batch in batches {
        let tx = conn.transaction().unwrap();
        {
            let mut generation = tx
                .prepare_cached(
                    "INSERT INTO generations (id, kind, backend_name, model, params, prompt, status,
                         prompt_tokens, completion_tokens, tokens_estimated, ttft_ms, total_ms,
                         created_at, finished_at, favourite)
                     VALUES (?1, ?2, ?3, ?4, '{\"temperature\":0.8,\"n\":1}', ?5, ?6, ?7, ?8, 1, ?9,
                         ?10, ?11, ?11, ?12)",
                )
                .unwrap();
            let mut choice = tx
                .prepare_cached(
                    "INSERT INTO generation_choices (generation_id, idx, text, finish_reason)
                     VALUES (?1, 0, ?2, 'stop')",
                )
                .unwrap();
            let mut search = tx
                .prepare_cached(
                    "INSERT INTO generation_search (key, generation_id, prompt, output)
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .unwrap();
            for row in &batch {
                let created: String = clock
                    .query_row(
                        "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', ?1 / 1000.0, 'unixepoch')",
                        [row.created_ms],
                        |r| r.get(0),
                    )
                    .unwrap();
                generation
                    .execute(params![
                        row.id,
                        row.kind,
                        row.backend,
                        row.model,
                        row.prompt_json,
                        row.status,
                        row.prompt_tokens,
                        row.completion_tokens,
                        row.ttft_ms,
                        row.total_ms,
                        created,
                        row.favourite
                    ])
                    .unwrap();
                choice.execute(params![row.id, row.output]).unwrap();
                search
                    .execute(params![
                        (row.created_ms << 10) + (row.id & 1023),
                        row.id,
                        index_form(&row.prompt_text),
                        index_form(&row.output)
                    ])
                    .unwrap();
            }
        }
        tx.commit().unwrap();
        written += batch.len();
        if written % 100_000 < BATCH {
            println!(
                "  filled {written} rows in {:.0} s",
                started.elapsed().as_secs_f64()
            );
        }
    }
    producer.join().unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    println!(
        "fill: {rows} generations in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// Merges the search index as the app's maintenance thread would have,
/// step by step, until no level has segments left to merge: the state a
/// store that grew over time is in, rather than the one a bulk fill leaves.
fn settle_index(db: &Path) {
    let conn = Connection::open(db).unwrap();
    let started = Instant::now();
    loop {
        let before = conn.total_changes();
        conn.execute(
            "INSERT INTO generation_fts (generation_fts, rank) VALUES ('merge', 2000)",
            [],
        )
        .unwrap();
        // FTS5 counts at least two changes when a merge step did work.
        if conn.total_changes() - before < 2 {
            break;
        }
    }
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    println!(
        "search index merged to its steady state in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

fn percentile(mut samples: Vec<Duration>, q: f64) -> Duration {
    samples.sort_unstable();
    let index = ((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len());
    samples[index - 1]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn size_of(dir: &Path) -> u64 {
    ["scriptorium.db", "scriptorium.db-wal"]
        .iter()
        .filter_map(|name| std::fs::metadata(dir.join(name)).ok())
        .map(|m| m.len())
        .sum()
}

fn tree_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok()?.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn count(dir: &Path) -> i64 {
    Connection::open(dir.join("scriptorium.db"))
        .and_then(|conn| conn.query_row("SELECT count(*) FROM generations", [], |r| r.get(0)))
        .unwrap_or(0)
}

/// One finished generation as the import API records it.
fn one_generation(rng: &mut fastrand::Rng, vocabulary: &Vocabulary, n: usize) -> String {
    let chinese = n.is_multiple_of(3);
    let prompt = vocabulary.text(rng, chinese, 300);
    let output = vocabulary.text(rng, chinese, 1_500);
    serde_json::json!({
        "id": 0, "kind": "chat", "backend": "local", "model": "qwen2.5-7b-instruct",
        "params": {"temperature": 0.8, "n": 1},
        "prompt": {"format": "chat", "messages": [{"role": "user", "content": prompt}]},
        "status": "done", "error": null,
        "choices": [{"index": 0, "text": output, "reasoning": "", "finishReason": "stop"}],
        "usage": {"prompt": 80, "completion": 400, "estimated": false},
        "ttftMs": 300, "totalMs": 9000,
        "createdAt": timestamp(START_MS + SPAN_MS + n as i64 * 1000),
        "finishedAt": null, "favourite": false, "tags": [], "source": null, "rerunOf": null,
        "tokensPerSecond": null
    })
    .to_string()
}

fn query(text: &str, sort: HistorySort) -> HistoryQuery {
    HistoryQuery {
        text: text.into(),
        sort,
        ..HistoryQuery::default()
    }
}

/// Times the first page of `query`; also says how many rows it showed and
/// its cursor, whose prefix names the way it was found.
async fn time_page(
    studio: &Studio,
    query: &HistoryQuery,
    rounds: usize,
) -> (Vec<Duration>, usize, String) {
    let history = studio.history();
    let mut samples = Vec::new();
    let (mut found, mut next) = (0, String::new());
    for _ in 0..rounds {
        let started = Instant::now();
        let page = history.page(query.clone(), None, PAGE).await.unwrap();
        samples.push(started.elapsed());
        found = page.items.len();
        next = page.next.unwrap_or_default();
    }
    (samples, found, next)
}

async fn matches(studio: &Studio, text: &str) -> i64 {
    let expression = scriptorium::history::search_text::match_expression(text).unwrap();
    studio
        .store()
        .read(move |conn| {
            Ok(conn.query_row(
                "SELECT count(*) FROM generation_fts WHERE generation_fts MATCH ?1",
                [expression],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap()
}

/// Studio::open, and with the first page of the list, as the app starts.
fn startup(dir: &Path, runtime: &tokio::runtime::Runtime) -> (Duration, Duration) {
    let started = Instant::now();
    let studio = Studio::open_with(dir, SecretsMode::FileOnly).unwrap();
    let opened = started.elapsed();
    let page = runtime
        .block_on(studio.history().page(HistoryQuery::default(), None, PAGE))
        .unwrap();
    let elapsed = started.elapsed();
    assert!(page.items.len() <= PAGE as usize);
    drop(studio);
    (opened, elapsed)
}

fn main() {
    let rows: i64 = std::env::var("HISTORY_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let temp = tempfile::tempdir().unwrap();
    let dir: PathBuf = std::env::var_os("HISTORY_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| temp.path().join("full"));
    std::fs::create_dir_all(&dir).unwrap();
    let empty = temp.path().join("empty");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();

    // A reused store also holds the generations earlier runs inserted.
    if count(&dir) >= rows {
        println!(
            "reusing the store in {} ({} generations)",
            dir.display(),
            count(&dir)
        );
    } else {
        assert_eq!(count(&dir), 0, "{} holds another store", dir.display());
        drop(Studio::open_with(&dir, SecretsMode::FileOnly).unwrap());
        fill(&dir.join("scriptorium.db"), rows);
        // As after an upgrade from a version without it: the ranked index
        // is built from the whole store.
        std::fs::remove_dir_all(dir.join("search-index")).unwrap();
    }
    settle_index(&dir.join("scriptorium.db"));
    println!(
        "store: {:.2} GiB",
        size_of(&dir) as f64 / (1u64 << 30) as f64
    );

    let vocabulary = Vocabulary::new();
    // Rank 21 of 30,000 words: in most English rows; rank 25,000: in about
    // one row in a thousand.
    let rare = vocabulary.english[25_000].clone();
    let existing = count(&dir);
    let studio = Studio::open_with(&dir, SecretsMode::FileOnly).unwrap();
    let started = Instant::now();
    runtime.block_on(async {
        while !studio.history().ranked_search_ready().await.unwrap() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    println!(
        "ranked search index ready {:.1} s after opening: {:.2} GiB",
        started.elapsed().as_secs_f64(),
        tree_size(&dir.join("search-index")) as f64 / (1u64 << 30) as f64
    );
    // A second studio on the same folder cannot take the ranked index's
    // lock, so FTS5 ranks its best-match searches: the reference.
    let fts5 = Studio::open_with(&dir, SecretsMode::FileOnly).unwrap();
    runtime.block_on(async {
        println!("\nsearch ({PAGE} per page; p50 / p95 of {SEARCH_ROUNDS}, of 10 for FTS5 ranking)");
        for (label, text) in [
            ("common word", "light"),
            ("rare word", rare.as_str()),
            ("Chinese, 2 characters", "灯塔"),
            ("two common words", "light sea"),
        ] {
            let runs = [
                ("newest first", &studio, HistorySort::Newest, SEARCH_ROUNDS, "f:"),
                ("best first, index", &studio, HistorySort::Relevance, SEARCH_ROUNDS, "i:"),
                ("best first, FTS5", &fts5, HistorySort::Relevance, 10, "r:"),
            ];
            for (how, studio, sort, rounds, cursor) in runs {
                let (samples, found, next) = time_page(studio, &query(text, sort), rounds).await;
                // A search with one page only has no cursor to tell by.
                assert!(next.is_empty() || next.starts_with(cursor), "{how}: {next}");
                println!(
                    "  {label:<22} {text:<10} {how:<18}: {:>8.2} / {:>8.2} ms  ({found} shown of {} matches)",
                    ms(percentile(samples.clone(), 0.5)),
                    ms(percentile(samples, 0.95)),
                    matches(studio, text).await,
                );
            }
        }
        let (samples, _, _) = time_page(&studio, &HistoryQuery::default(), SEARCH_ROUNDS).await;
        println!(
            "\nfirst page of the list: {:.2} / {:.2} ms (p50 / p95)",
            ms(percentile(samples.clone(), 0.5)),
            ms(percentile(samples, 0.95))
        );
    });
    // Its writer and housekeeping would compete with the inserts.
    drop(fts5);

    runtime.block_on(async {
        let mut rng = fastrand::Rng::with_seed(7);
        let lines: Vec<String> = (0..INSERT_ROUNDS)
            // After every generation there is, so a reused store takes them too.
            .map(|n| one_generation(&mut rng, &vocabulary, n + existing as usize))
            .collect();
        let history = studio.history();
        let mut samples = Vec::new();
        for line in lines {
            let started = Instant::now();
            let summary = history.import(line).await.unwrap();
            samples.push(started.elapsed());
            assert_eq!(summary.imported, 1);
        }
        println!(
            "insert one finished generation: {:.2} / {:.2} ms (p50 / p99 of {INSERT_ROUNDS})",
            ms(percentile(samples.clone(), 0.5)),
            ms(percentile(samples, 0.99))
        );
    });
    drop(studio);

    // An empty store's first page is empty; one of a thousand rows shows a
    // full page, so it tells what the million rows cost apart from that.
    drop(Studio::open_with(&empty, SecretsMode::FileOnly).unwrap());
    let small = temp.path().join("small");
    drop(Studio::open_with(&small, SecretsMode::FileOnly).unwrap());
    fill(&small.join("scriptorium.db"), 1_000);
    let stores = [
        (format!("{} generations", count(&dir)), dir.as_path()),
        ("empty".to_owned(), empty.as_path()),
        ("1,000 generations".to_owned(), small.as_path()),
    ];
    let mut samples = vec![(Vec::new(), Vec::new()); stores.len()];
    for _ in 0..STARTUP_ROUNDS {
        for ((_, store), (open, total)) in stores.iter().zip(samples.iter_mut()) {
            let (opened, elapsed) = startup(store, &runtime);
            open.push(opened);
            total.push(elapsed);
        }
    }
    println!("\nstart-up, median of {STARTUP_ROUNDS}: Studio::open / with the first page");
    let reference = percentile(samples[0].1.clone(), 0.5);
    for ((label, _), (open, total)) in stores.iter().zip(samples) {
        let total = percentile(total, 0.5);
        println!(
            "  {label:<22} {:>6.2} / {:>6.2} ms  (the full store takes {:.2}x this)",
            ms(percentile(open, 0.5)),
            ms(total),
            reference.as_secs_f64() / total.as_secs_f64()
        );
    }
}
