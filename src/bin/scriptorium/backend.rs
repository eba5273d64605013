//! `scriptorium backend`: the model servers this data folder knows.

use std::collections::BTreeMap;
use std::io::Read;

use anyhow::{Context, bail};
use scriptorium::Studio;
use scriptorium::backend::presets;
use scriptorium::backend::registry::{BackendDraft, BackendKind, BackendSettings};
use scriptorium::secrets::ApiKey;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Add an OpenAI-compatible server
    Add(AddArgs),
    /// List the backends and where their keys are kept
    List {
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Ask a backend for its models and time the answer
    Test { name: String },
    /// Use this backend when a command names none
    Default { name: String },
    /// Remove a backend and its key
    Rm { name: String },
}

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    name: String,
    /// A known service (see `--preset help`)
    #[arg(
        long,
        conflicts_with = "base_url",
        required_unless_present = "base_url"
    )]
    preset: Option<String>,
    /// The server's OpenAI-compatible base URL, e.g. http://127.0.0.1:8080/v1
    #[arg(long)]
    base_url: Option<String>,
    /// The model used when a request names none
    #[arg(long)]
    model: Option<String>,
    /// Read the API key from this environment variable
    #[arg(long, value_name = "VAR", conflicts_with = "api_key_stdin")]
    api_key_env: Option<String>,
    /// Read the API key from standard input
    #[arg(long)]
    api_key_stdin: bool,
    /// HTTP(S) or SOCKS5 proxy URL for this backend
    #[arg(long)]
    proxy: Option<String>,
    /// An extra header sent with every request
    #[arg(long = "header", value_name = "NAME=VALUE")]
    headers: Vec<String>,
}

pub async fn run(studio: &Studio, command: Command) -> anyhow::Result<()> {
    let backends = studio.backends();
    match command {
        Command::Add(args) => add(studio, args).await,
        Command::List { json } => {
            let list = backends.list().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
                return Ok(());
            }
            if list.is_empty() {
                eprintln!(
                    "No backends yet: add one with `scriptorium backend add NAME --preset ollama`."
                );
            }
            let default = studio.settings().get().await?.default_backend;
            for backend in list {
                let key = match backends.key_location(&backend.name).await? {
                    Some(location) => format!("key in {location}"),
                    None => "no key".into(),
                };
                let marker = if default.as_deref() == Some(&backend.name) {
                    "*"
                } else {
                    " "
                };
                println!(
                    "{marker} {:<16} {:<40} {:<24} {key}",
                    backend.name,
                    backend.base_url,
                    backend.default_model.as_deref().unwrap_or("-"),
                );
            }
            Ok(())
        }
        Command::Test { name } => {
            let report = backends.test(&name).await?;
            println!(
                "{name}: {} models in {} ms",
                report.models.len(),
                report.latency_ms
            );
            for model in report.models {
                println!("  {}", model.id);
            }
            Ok(())
        }
        Command::Default { name } => {
            backends.get(&name).await?;
            studio
                .settings()
                .set_default_backend(Some(name.clone()))
                .await?;
            eprintln!("{name} is now the default backend.");
            Ok(())
        }
        Command::Rm { name } => {
            backends.remove(&name).await?;
            let settings = studio.settings();
            if settings.get().await?.default_backend.as_deref() == Some(&name) {
                settings.set_default_backend(None).await?;
            }
            eprintln!("Removed {name}.");
            Ok(())
        }
    }
}

async fn add(studio: &Studio, args: AddArgs) -> anyhow::Result<()> {
    let preset = match args.preset.as_deref() {
        Some(id) => Some(presets::find(id).with_context(|| {
            let known: Vec<_> = presets::PRESETS.iter().map(|p| p.id).collect();
            format!(
                "There is no preset {id:?}; known presets: {}.",
                known.join(", ")
            )
        })?),
        None => None,
    };
    let base_url = args
        .base_url
        .or(preset.map(|p| p.base_url.to_owned()))
        .expect("clap requires --preset or --base-url");
    let mut headers = BTreeMap::new();
    for header in &args.headers {
        let (name, value) = header
            .split_once('=')
            .with_context(|| format!("--header {header:?} is not NAME=VALUE."))?;
        headers.insert(name.trim().to_owned(), value.trim().to_owned());
    }
    let key = if let Some(var) = &args.api_key_env {
        let value = std::env::var(var)
            .with_context(|| format!("The environment variable {var} is not set."))?;
        Some(
            ApiKey::new(value)
                .with_context(|| format!("The environment variable {var} is empty."))?,
        )
    } else if args.api_key_stdin {
        let mut value = String::new();
        std::io::stdin()
            .read_to_string(&mut value)
            .context("Cannot read the key from standard input.")?;
        Some(ApiKey::new(value).context("Standard input held no key.")?)
    } else {
        None
    };
    if key.is_none() && preset.is_some_and(|p| p.needs_key) {
        bail!(
            "{} needs an API key: pass --api-key-env VAR or --api-key-stdin.",
            preset.map_or("", |p| p.name)
        );
    }
    let draft = BackendDraft {
        name: args.name,
        kind: BackendKind::Openai,
        base_url,
        default_model: args
            .model
            .or(preset.and_then(|p| p.default_model.map(str::to_owned))),
        settings: BackendSettings {
            headers,
            proxy: args.proxy,
            ..BackendSettings::default()
        },
    };
    let backends = studio.backends();
    let record = backends.add(draft, key).await?;
    match backends.key_location(&record.name).await? {
        Some(location) => eprintln!("Added {}; its key is kept in {location}.", record.name),
        None => eprintln!("Added {}.", record.name),
    }
    Ok(())
}
