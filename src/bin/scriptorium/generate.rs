//! `scriptorium chat` and `scriptorium complete`: stream a generation to
//! stdout, record it in history.

use std::io::{IsTerminal, Read, Write};

use anyhow::{Context, bail};
use scriptorium::Studio;
use scriptorium::backend::{ChatMessage, Event, GenerateRequest, Params, Prompt, Role};
use scriptorium::generation::{GenerationSpec, GenerationStatus, Outcome, Run, RunEvent};
use scriptorium::template::{RecommendedParams, Rendering};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::vars::VarArgs;

#[derive(Debug, clap::Args)]
pub struct ChatArgs {
    /// A system prompt
    #[arg(long, conflicts_with = "template")]
    system: Option<String>,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, clap::Args)]
pub struct CompleteArgs {
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, clap::Args)]
struct Common {
    /// Build the prompt from this template; PROMPT, if given, follows it
    #[arg(long, value_name = "ID")]
    template: Option<String>,
    /// The template's language version [default: en, else any]
    #[arg(long, requires = "template")]
    lang: Option<String>,
    #[command(flatten)]
    vars: VarArgs,
    /// The backend to use [default: the default backend]
    #[arg(long)]
    backend: Option<String>,
    /// The model [default: the backend's default model]; for the local
    /// backend, a model id from `scriptorium model list` or a .gguf path
    #[arg(long, short)]
    model: Option<String>,
    /// Generate N independent choices
    #[arg(short = 'n', default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=16))]
    n: u32,
    #[arg(long)]
    temperature: Option<f32>,
    #[arg(long)]
    top_p: Option<f32>,
    #[arg(long)]
    top_k: Option<u32>,
    #[arg(long)]
    min_p: Option<f32>,
    #[arg(long)]
    max_tokens: Option<u32>,
    /// Stop at this text (repeatable)
    #[arg(long)]
    stop: Vec<String>,
    #[arg(long)]
    seed: Option<i64>,
    #[arg(long)]
    presence_penalty: Option<f32>,
    #[arg(long)]
    frequency_penalty: Option<f32>,
    #[arg(long)]
    repetition_penalty: Option<f32>,
    /// Extra request fields as a JSON object, passed through as they are
    #[arg(long, value_name = "JSON")]
    extra: Option<String>,
    /// Print one JSON object (choices, usage, timings, id) at the end
    #[arg(long)]
    json: bool,
    /// The prompt; `-` reads it from standard input
    #[arg(required_unless_present = "template")]
    prompt: Option<String>,
}

pub async fn chat(studio: &Studio, args: ChatArgs) -> anyhow::Result<()> {
    let text = read_prompt(args.common.prompt.as_deref())?;
    let (prompt, recommended) = match render(studio, &args.common).await? {
        Some(rendering) => {
            let mut messages = match rendering.prompt {
                Prompt::Chat { messages } => messages,
                Prompt::Completion { text } => vec![ChatMessage::new(Role::User, text)],
            };
            messages.extend(text.map(|text| ChatMessage::new(Role::User, text)));
            (messages, Some(rendering.params))
        }
        None => {
            let system = args
                .system
                .map(|system| ChatMessage::new(Role::System, system));
            let user = ChatMessage::new(Role::User, text.unwrap_or_default());
            (system.into_iter().chain([user]).collect(), None)
        }
    };
    run(
        studio,
        "chat",
        Prompt::Chat { messages: prompt },
        recommended,
        args.common,
    )
    .await
}

pub async fn complete(studio: &Studio, args: CompleteArgs) -> anyhow::Result<()> {
    let text = read_prompt(args.common.prompt.as_deref())?;
    let (prompt, recommended) = match render(studio, &args.common).await? {
        Some(rendering) => match rendering.prompt {
            Prompt::Completion { text: rendered } => (
                rendered + text.as_deref().unwrap_or(""),
                Some(rendering.params),
            ),
            Prompt::Chat { .. } => bail!(
                "The template {} produces chat messages: use `scriptorium chat --template`.",
                rendering.template
            ),
        },
        None => (text.unwrap_or_default(), None),
    };
    run(
        studio,
        "complete",
        Prompt::Completion { text: prompt },
        recommended,
        args.common,
    )
    .await
}

/// The template's rendering, when one is asked for.
async fn render(studio: &Studio, args: &Common) -> anyhow::Result<Option<Rendering>> {
    let Some(id) = &args.template else {
        return Ok(None);
    };
    let values = args.vars.values()?;
    Ok(Some(
        studio
            .templates()
            .render(id, args.lang.as_deref(), &values)
            .await?,
    ))
}

fn read_prompt(prompt: Option<&str>) -> anyhow::Result<Option<String>> {
    if prompt != Some("-") {
        return Ok(prompt.map(str::to_owned));
    }
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("Cannot read the prompt from standard input.")?;
    Ok(Some(text))
}

/// Streams the generation; a template's recommended parameters apply where
/// the command line sets none.
async fn run(
    studio: &Studio,
    kind: &str,
    prompt: Prompt,
    recommended: Option<RecommendedParams>,
    args: Common,
) -> anyhow::Result<()> {
    let recommended = recommended.unwrap_or_default();
    let extra = extra_fields(args.extra.as_deref())?;
    let params = Params {
        temperature: args.temperature.or(recommended.temperature),
        top_p: args.top_p,
        top_k: args.top_k,
        min_p: args.min_p,
        max_tokens: args.max_tokens.or(recommended.max_tokens),
        stop: if args.stop.is_empty() {
            recommended.stop
        } else {
            args.stop
        },
        n: args.n,
        seed: args.seed,
        presence_penalty: args.presence_penalty,
        frequency_penalty: args.frequency_penalty,
        repetition_penalty: args.repetition_penalty,
        extra,
    };
    let spec = GenerationSpec {
        kind: kind.to_owned(),
        backend: args.backend,
        request: GenerateRequest {
            model: args.model.unwrap_or_default(),
            prompt,
            params,
        },
    };
    let cancel = CancellationToken::new();
    let on_interrupt = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_interrupt.cancel();
        }
    });

    let run = studio.generate(spec, cancel).await?;
    print_run(run, args.n, args.json).await
}

/// Streams a run to stdout as it comes (or one JSON object at the end) and
/// turns how it ended into the exit status.
pub async fn print_run(mut run: Run, n: u32, json: bool) -> anyhow::Result<()> {
    let labelled = n > 1;
    let mut stdout = std::io::stdout().lock();
    let mut outcome = None;
    if labelled && !json {
        writeln!(stdout, "[1/{n}]")?;
    }
    while let Some(event) = run.events.recv().await {
        match event {
            // The first choice streams live; the others follow, labelled.
            RunEvent::Event(Event::Delta { choice: 0, text }) if !json => {
                stdout.write_all(text.as_bytes())?;
                stdout.flush()?;
            }
            RunEvent::Event(_) => {}
            RunEvent::Finished(done) => outcome = Some(done),
        }
    }
    let outcome = outcome.context("The generation ended without an outcome.")?;
    if json {
        writeln!(
            stdout,
            "{}",
            serde_json::to_string_pretty(&json_report(&outcome))?
        )?;
    } else {
        for choice in outcome.choices.iter().filter(|c| c.index > 0) {
            write!(stdout, "\n\n[{}/{n}]\n{}", choice.index + 1, choice.text)?;
        }
        let ends_with_newline = outcome
            .choices
            .last()
            .is_some_and(|c| c.text.ends_with('\n'));
        if std::io::stdout().is_terminal() && !ends_with_newline {
            writeln!(stdout)?;
        }
    }
    stdout.flush()?;
    match outcome.status {
        GenerationStatus::Done => Ok(()),
        GenerationStatus::Cancelled => bail!(
            "Cancelled; what was generated is kept as generation {}.",
            outcome.id
        ),
        _ => {
            let message = outcome
                .error
                .map(|e| e.message)
                .unwrap_or_else(|| "The generation failed.".into());
            let partial = outcome.choices.iter().any(|c| !c.text.is_empty());
            if partial {
                bail!(
                    "{message} The partial answer is kept as generation {}.",
                    outcome.id
                )
            }
            bail!("{message}")
        }
    }
}

fn json_report(outcome: &Outcome) -> serde_json::Value {
    json!({
        "id": outcome.id,
        "status": outcome.status,
        "backend": outcome.backend,
        "model": outcome.model,
        "choices": outcome.choices,
        "usage": outcome.usage,
        "timings": {"ttftMs": outcome.ttft_ms, "totalMs": outcome.total_ms},
        "error": outcome.error,
    })
}

/// `--extra`: further request fields, a JSON object.
pub fn extra_fields(
    json: Option<&str>,
) -> anyhow::Result<serde_json::Map<String, serde_json::Value>> {
    match json.map(serde_json::from_str) {
        None => Ok(Default::default()),
        Some(Ok(serde_json::Value::Object(map))) => Ok(map),
        Some(_) => bail!("--extra must be a JSON object, like '{{\"top_k\": 40}}'."),
    }
}
