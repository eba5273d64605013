//! Local inference against llama.cpp, side by side on the same GGUF files
//! and thread count: prompt processing and decode tokens/s, the memory
//! bandwidth bound of decoding, and the time to first token of a story
//! continued after a small edit at its end, with and without prefix reuse.
//!
//! The models are real-shaped (Qwen2.5-0.5B) with random weights, made by
//! `scripts/models/make_bench_model.py` into target/bench-models/; llama.cpp
//! runs through `scripts/models/bench_llamacpp.py` in the virtualenv that
//! scripts/models/README.md sets up.

#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use candle_core::Device;
use futures::StreamExt;
use scriptorium::backend::local::model::Transformer;
use scriptorium::backend::local::{Engine, EngineOptions, LocalTokenizer, gguf, threads};
use scriptorium::backend::{GenerateRequest, Params, Prompt};
use tokio_util::sync::CancellationToken;

const PROMPT_TOKENS: usize = 512;
const DECODE_TOKENS: usize = 128;
const ROUNDS: usize = 3;
const STORY_TOKENS: usize = 2000;
const EDIT_TOKENS: usize = 20;

fn main() {
    // As the app and the command line start: the count settled once.
    let threads = threads::settle(None) as usize;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let models_dir = root.join("target/bench-models");
    let python = root.join("target/models-venv/bin/python");
    let mut models: Vec<PathBuf> = std::fs::read_dir(&models_dir)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e}; run scripts/models/make_bench_model.py",
                models_dir.display()
            )
        })
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "gguf"))
        .collect();
    models.sort();
    println!("threads: {threads} (candle's pool; llama.cpp is given the same)");
    let bandwidth = read_bandwidth(threads);
    println!(
        "memory read bandwidth: {:.1} GB/s ({threads} threads summing 1 GiB)\n",
        bandwidth / 1e9
    );

    for model in &models {
        let bytes = std::fs::metadata(model).unwrap().len() as f64;
        println!("{}", model.file_name().unwrap().to_string_lossy());
        let (mut our_pp, mut our_tg, mut their_pp, mut their_tg) = (vec![], vec![], vec![], vec![]);
        let mut transformer = load(model);
        for _ in 0..2 {
            let (pp, tg) = llama_cpp(&python, model, threads);
            their_pp.extend(pp);
            their_tg.extend(tg);
            for _ in 0..ROUNDS {
                let (pp, tg) = ours(&mut transformer);
                our_pp.push(pp);
                our_tg.push(tg);
            }
        }
        let (our_pp, our_tg) = (median(our_pp), median(our_tg));
        let (their_pp, their_tg) = (median(their_pp), median(their_tg));
        println!(
            "  prompt processing ({PROMPT_TOKENS} tokens): ours {our_pp:.1} tok/s, llama.cpp {their_pp:.1} tok/s, ratio {:.2}",
            our_pp / their_pp
        );
        println!(
            "  decode ({DECODE_TOKENS} tokens): ours {our_tg:.1} tok/s, llama.cpp {their_tg:.1} tok/s, ratio {:.2}",
            our_tg / their_tg
        );
        println!(
            "  decode bound by bandwidth: {:.1} tok/s ({:.0} MB of weights per token)",
            bandwidth / bytes,
            bytes / 1e6
        );
    }
    if let Some(model) = models.first() {
        prefix_reuse(model);
    }
}

fn load(path: &Path) -> Transformer {
    let content = gguf::read(path).unwrap();
    let mut reader = std::io::BufReader::new(std::fs::File::open(path).unwrap());
    Transformer::load(&content, &mut reader, &Device::Cpu).unwrap()
}

/// One round as llama-bench does it: a prompt into an empty cache in one
/// batch, then one token at a time.
fn ours(model: &mut Transformer) -> (f64, f64) {
    let mut rng = fastrand::Rng::with_seed(0);
    let vocab = model.vocab() as u32 - 1_000;
    let tokens: Vec<u32> = (0..PROMPT_TOKENS + DECODE_TOKENS)
        .map(|_| rng.u32(..vocab))
        .collect();
    candle_core::utils::with_threadpool(|| {
        model.truncate_cache(0);
        let started = Instant::now();
        model.forward(&tokens[..PROMPT_TOKENS]).unwrap();
        let pp = PROMPT_TOKENS as f64 / started.elapsed().as_secs_f64();
        let started = Instant::now();
        for &token in &tokens[PROMPT_TOKENS..] {
            model.forward(&[token]).unwrap();
        }
        let tg = DECODE_TOKENS as f64 / started.elapsed().as_secs_f64();
        (pp, tg)
    })
}

fn llama_cpp(python: &Path, model: &Path, threads: usize) -> (Vec<f64>, Vec<f64>) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/models/bench_llamacpp.py");
    let output = Command::new(python)
        .arg(script)
        .arg(model)
        .args(["--threads", &threads.to_string()])
        .args(["--prompt-tokens", &PROMPT_TOKENS.to_string()])
        .args(["--decode-tokens", &DECODE_TOKENS.to_string()])
        .args(["--rounds", &ROUNDS.to_string(), "--json"])
        .output()
        .expect("running llama.cpp (see scripts/models/README.md)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let all = |key: &str| -> Vec<f64> {
        report[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    };
    (all("pp_tokens_per_s_all"), all("tg_tokens_per_s_all"))
}

/// Time to the first token of a story continued after its last
/// `EDIT_TOKENS` tokens changed: with the story in the cache, and with a
/// story the cache shares nothing with.
fn prefix_reuse(model: &Path) {
    let content = gguf::read(model).unwrap();
    let rows = content.tensor_infos["token_embd.weight"].shape.dims()[0];
    let tokenizer = LocalTokenizer::load(model, &content, rows).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let engine = Engine::start(EngineOptions::default());
    let first_token = |text: String| -> Duration {
        let request = GenerateRequest {
            model: String::new(),
            prompt: Prompt::Completion { text },
            params: Params {
                temperature: Some(0.0),
                max_tokens: Some(1),
                ..Params::default()
            },
        };
        runtime.block_on(async {
            let started = Instant::now();
            let mut events = engine.generate(model.to_owned(), request, CancellationToken::new());
            events.next().await.unwrap().unwrap();
            let elapsed = started.elapsed();
            while events.next().await.is_some() {}
            elapsed
        })
    };
    let (mut reused, mut fresh) = (vec![], vec![]);
    for round in 0..3 {
        let warm = story(&tokenizer, round * 2);
        first_token(warm.clone());
        reused.push(first_token(edited(&tokenizer, &warm, round)).as_secs_f64());
        let other = story(&tokenizer, round * 2 + 1);
        fresh.push(first_token(edited(&tokenizer, &other, round)).as_secs_f64());
    }
    let (reused, fresh) = (median(reused), median(fresh));
    println!(
        "\ncontinuing a {STORY_TOKENS}-token story after a {EDIT_TOKENS}-token edit at its end \
         (time to first token): with prefix reuse {:.0} ms, without {:.0} ms, ratio {:.3}",
        reused * 1e3,
        fresh * 1e3,
        reused / fresh
    );
}

/// A text of about `STORY_TOKENS` tokens.
fn story(tokenizer: &LocalTokenizer, seed: u64) -> String {
    const WORDS: &[&str] = &[
        "the",
        "keeper",
        "lighthouse",
        "wrote",
        "letters",
        "storm",
        "sea",
        "night",
        "ship",
        "lamp",
        "island",
        "harbour",
        "winter",
        "gulls",
        "rope",
        "bread",
        "quiet",
        "tide",
    ];
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut text = String::new();
    while tokenizer.encode(&text, false).unwrap().len() < STORY_TOKENS {
        for _ in 0..100 {
            text.push_str(WORDS[rng.usize(..WORDS.len())]);
            text.push(if rng.u8(..10) == 0 { '.' } else { ' ' });
        }
    }
    text
}

/// `text` with about its last `EDIT_TOKENS` tokens replaced.
fn edited(tokenizer: &LocalTokenizer, text: &str, round: u64) -> String {
    let tokens = tokenizer.encode(text, false).unwrap();
    let kept = tokenizer
        .decode(&tokens[..tokens.len() - EDIT_TOKENS])
        .unwrap();
    format!("{kept} and then, on night {round}, the lamp went out over the grey water")
}

/// Sums 1 GiB of memory from every thread: what decoding, which reads every
/// weight once per token, can hope for at best.
fn read_bandwidth(threads: usize) -> f64 {
    let words = (1usize << 30) / 8;
    let buffer: Vec<u64> = (0..words as u64).collect();
    let chunk = words.div_ceil(threads);
    let mut best = f64::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        let total: u64 = std::thread::scope(|scope| {
            let handles: Vec<_> = buffer
                .chunks(chunk)
                .map(|part| scope.spawn(move || part.iter().fold(0u64, |a, &b| a.wrapping_add(b))))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap())
                .fold(0, u64::wrapping_add)
        });
        std::hint::black_box(total);
        best = best.min(started.elapsed().as_secs_f64());
    }
    (words * 8) as f64 / best
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
