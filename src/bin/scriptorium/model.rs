//! `scriptorium model`: the local models (GGUF files) of this data folder.

use std::path::PathBuf;

use anyhow::bail;
use indicatif::{ProgressBar, ProgressStyle};
use scriptorium::Studio;
use scriptorium::backend::local::manager::human_bytes;
use scriptorium::backend::local::{
    CATALOG, CatalogEntry, DownloadProgress, HubFile, HubOptions, ImportMode, LocalModel,
};
use tokio_util::sync::CancellationToken;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// List the models with their architecture, size and quantization
    List {
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Check a GGUF file and bring it into the models folder
    Import {
        file: PathBuf,
        /// Link to the file instead of copying it (it must then stay put)
        #[arg(long)]
        link: bool,
    },
    /// Download a GGUF file from Hugging Face (resumes an interrupted download)
    Download {
        /// A repository (owner/name), or a key from `scriptorium model catalog`
        repo: String,
        /// The file in the repository (not needed with a catalog key)
        file: Option<String>,
        /// A branch, tag or commit
        #[arg(long, default_value = "main")]
        revision: String,
    },
    /// Delete a model
    Rm { id: String },
    /// Print the exact text a model is fed for a conversation
    Prompt(crate::model_prompt::PromptArgs),
    /// Show or choose how many threads local models run on
    Threads(crate::model_threads::ThreadsArgs),
    /// Models ready to download, with the one to start with marked *
    Catalog {
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(studio: &Studio, command: Command) -> anyhow::Result<()> {
    let models = studio.models();
    match command {
        Command::Prompt(args) => crate::model_prompt::run(studio, args).await,
        Command::Threads(args) => crate::model_threads::run(studio, args).await,
        Command::List { json } => {
            let list = models.list().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else if list.is_empty() {
                eprintln!(
                    "No local models yet: download one (`scriptorium model catalog`) or import a GGUF file."
                );
            } else {
                print_table(&list);
            }
            Ok(())
        }
        Command::Import { file, link } => {
            let mode = if link {
                ImportMode::Link
            } else {
                ImportMode::Copy
            };
            let model = models.import(&file, mode).await?;
            eprintln!("Imported {}: {}.", model.id, describe(&model));
            Ok(())
        }
        Command::Download {
            repo,
            file,
            revision,
        } => download(studio, repo, file, revision).await,
        Command::Rm { id } => {
            models.delete(&id).await?;
            eprintln!("Deleted {id}.");
            Ok(())
        }
        Command::Catalog { json } => {
            if json {
                println!("{}", serde_json::to_string_pretty(CATALOG)?);
                return Ok(());
            }
            let installed: Vec<String> = models.list().await?.into_iter().map(|m| m.id).collect();
            for entry in CATALOG {
                let marker = if entry.recommended { "*" } else { " " };
                let state = if installed.iter().any(|id| id == entry.model_id()) {
                    "installed"
                } else {
                    ""
                };
                println!(
                    "{marker} {:<14} {:<24} ~{:<8} {:<9} {}",
                    entry.key,
                    entry.name,
                    human_bytes(entry.size),
                    state,
                    entry.description
                );
            }
            eprintln!("Download one with `scriptorium model download KEY`.");
            Ok(())
        }
    }
}

async fn download(
    studio: &Studio,
    repo: String,
    file: Option<String>,
    revision: String,
) -> anyhow::Result<()> {
    let target = match (file, CatalogEntry::find(&repo)) {
        (Some(file), _) => HubFile::new(repo, file),
        (None, Some(entry)) => entry.hub_file(),
        (None, None) => bail!(
            "Name the file to download from {repo} (scriptorium model download {repo} FILE.gguf), or use a key from `scriptorium model catalog`."
        ),
    }
    .at_revision(revision);

    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
        )?
        .progress_chars("=> "),
    );
    bar.set_message(target.file.clone());
    let progress = {
        let bar = bar.clone();
        move |p: DownloadProgress| {
            if let Some(total) = p.total {
                bar.set_length(total);
            }
            bar.set_position(p.downloaded);
        }
    };
    let cancel = CancellationToken::new();
    let on_interrupt = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.cancel();
            }
        })
    };
    let result = studio
        .models()
        .download(&HubOptions::from_env(), &target, &progress, &cancel)
        .await;
    on_interrupt.abort();
    bar.finish_and_clear();
    let model = result?;
    eprintln!("Downloaded {}: {}.", model.id, describe(&model));
    Ok(())
}

fn print_table(models: &[LocalModel]) {
    println!(
        "{:<40} {:<10} {:>7} {:<8} {:>8} {:>8}",
        "ID", "ARCH", "PARAMS", "QUANT", "CONTEXT", "SIZE"
    );
    for model in models {
        let Some(summary) = &model.summary else {
            println!(
                "{:<40} {}",
                model.id,
                model.problem.as_deref().unwrap_or("unreadable")
            );
            continue;
        };
        println!(
            "{:<40} {:<10} {:>7} {:<8} {:>8} {:>8}",
            model.id,
            summary.architecture.as_deref().unwrap_or("-"),
            parameters(summary.parameters),
            summary.quantization.as_deref().unwrap_or("-"),
            summary
                .context_length
                .map_or("-".to_owned(), |n| n.to_string()),
            human_bytes(summary.file_size),
        );
    }
}

/// `qwen2, 1.5B parameters, Q4_K_M, 1.1 GB`.
fn describe(model: &LocalModel) -> String {
    let Some(summary) = &model.summary else {
        return model.problem.clone().unwrap_or_default();
    };
    let mut parts = Vec::new();
    parts.extend(summary.architecture.clone());
    parts.push(format!("{} parameters", parameters(summary.parameters)));
    parts.extend(summary.quantization.clone());
    parts.push(human_bytes(summary.file_size));
    parts.join(", ")
}

/// `1.5B`, `630M`, `173K`, `72`.
fn parameters(count: u64) -> String {
    let count = count as f64;
    if count >= 1e9 {
        format!("{:.1}B", count / 1e9)
    } else if count >= 1e6 {
        format!("{:.0}M", count / 1e6)
    } else if count >= 1e3 {
        format!("{:.0}K", count / 1e3)
    } else {
        format!("{count}")
    }
}

#[cfg(test)]
mod tests {
    use super::parameters;

    #[test]
    fn parameter_counts_read_as_the_models_page_shows_them() {
        assert_eq!(parameters(1_543_714_304), "1.5B");
        assert_eq!(parameters(630_167_424), "630M");
        assert_eq!(parameters(173_376), "173K");
        assert_eq!(parameters(128), "128");
    }
}
