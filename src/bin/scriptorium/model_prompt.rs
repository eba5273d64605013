//! `scriptorium model prompt`: the exact text a local model is fed for a
//! conversation, as its chat template renders it.

use std::fs::File;
use std::io::{BufReader, Write};
use std::path::PathBuf;

use anyhow::Context;
use candle_core::quantized::gguf_file::Content;
use scriptorium::backend::ChatMessage;
use scriptorium::backend::local::ChatTemplate;

#[derive(Debug, clap::Args)]
pub struct PromptArgs {
    /// The model: a .gguf file
    pub model: String,
    /// The conversation: a JSON file of [{"role": ..., "content": ...}]
    #[arg(long, value_name = "FILE.json")]
    pub messages: PathBuf,
    /// End after the last message instead of opening the assistant's reply
    #[arg(long)]
    pub no_generation_prompt: bool,
}

pub async fn run(args: PromptArgs) -> anyhow::Result<()> {
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
    let model = args.model.clone();
    // The header holds the whole vocabulary: read it off the async runtime.
    let content = tokio::task::spawn_blocking(move || -> anyhow::Result<Content> {
        let mut file =
            BufReader::new(File::open(&model).with_context(|| format!("cannot open {model}"))?);
        Content::read(&mut file).with_context(|| format!("{model} is not a GGUF model"))
    })
    .await??;
    let template = ChatTemplate::for_model(&content)?;
    if template.is_fallback() {
        eprintln!("note: {} has no chat template; using ChatML", args.model);
    }
    let text = template.render(
        &messages,
        !args.no_generation_prompt,
        serde_json::Value::Null,
    )?;
    // Exactly the text: no newline after it.
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(())
}
