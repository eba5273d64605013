//! `scriptorium model prompt`: the exact text a local model is fed for a
//! conversation, as its chat template renders it.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use scriptorium::Studio;
use scriptorium::backend::ChatMessage;
use scriptorium::backend::local::{ChatTemplate, gguf};

#[derive(Debug, clap::Args)]
pub struct PromptArgs {
    /// The model: an id from `scriptorium model list`, or a .gguf file
    pub model: String,
    /// The conversation: a JSON file of [{"role": ..., "content": ...}]
    #[arg(long, value_name = "FILE.json")]
    pub messages: PathBuf,
    /// End after the last message instead of opening the assistant's reply
    #[arg(long)]
    pub no_generation_prompt: bool,
    /// Extra request fields as a JSON object: the template sees them as
    /// variables, as in `chat --extra` (Qwen3's enable_thinking)
    #[arg(long, value_name = "JSON")]
    pub extra: Option<String>,
}

pub async fn run(studio: &Studio, args: PromptArgs) -> anyhow::Result<()> {
    let messages: Vec<ChatMessage> = serde_json::from_str(
        &std::fs::read_to_string(&args.messages)
            .with_context(|| format!("cannot read {}", args.messages.display()))?,
    )
    .with_context(|| {
        format!(
            "{} is not a list of {{\"role\", \"content\"}} messages",
            args.messages.display()
        )
    })?;
    let model = studio.models().resolve(&args.model).await?;
    // The header holds the whole vocabulary: read it off the async runtime.
    let content = tokio::task::spawn_blocking(move || gguf::read(&model)).await??;
    let template = ChatTemplate::for_model(&content)?;
    if template.is_fallback() {
        eprintln!("note: {} has no chat template; using ChatML", args.model);
    }
    let extra = crate::generate::extra_fields(args.extra.as_deref())?;
    let text = template.render(
        &messages,
        !args.no_generation_prompt,
        serde_json::Value::Object(extra),
    )?;
    // Exactly the text: no newline after it.
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(())
}
