//! `scriptorium template`: list, show, render, import and export prompt
//! templates.

use std::path::PathBuf;

use scriptorium::Studio;
use scriptorium::template::{Origin, TemplateError, TemplateKey, TemplateKind};

use crate::vars::VarArgs;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// List the templates: built-ins, your edits of them, and your own
    List {
        /// Only templates of this kind: chat, story, translate or utility
        #[arg(long)]
        kind: Option<TemplateKind>,
        /// Only templates in this language (en, zh-CN, ...)
        #[arg(long)]
        lang: Option<String>,
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Print a template's file: front matter and body
    Show {
        id: String,
        /// The language version [default: en, else any]
        #[arg(long)]
        lang: Option<String>,
    },
    /// Render a template and print the exact messages or prompt
    Render(RenderArgs),
    /// Import template files (.md with front matter); all or none
    Import {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Overwrite your templates that have the same id and language
        #[arg(long)]
        replace: bool,
    },
    /// Write templates as .md files into a folder
    Export {
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
        /// The folder to write into (created if needed)
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
        /// Only this language version [default: every language]
        #[arg(long)]
        lang: Option<String>,
    },
}

#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    id: String,
    /// The language version [default: en, else any]
    #[arg(long)]
    lang: Option<String>,
    #[command(flatten)]
    vars: VarArgs,
    /// Print the rendering as JSON: messages or prompt, and parameters
    #[arg(long)]
    json: bool,
}

pub async fn run(studio: &Studio, command: Command) -> anyhow::Result<()> {
    let templates = studio.templates();
    match command {
        Command::List { kind, lang, json } => {
            let list: Vec<_> = templates
                .list()
                .await?
                .into_iter()
                .filter(|t| kind.is_none_or(|k| t.kind == k))
                .filter(|t| lang.as_ref().is_none_or(|l| t.language == *l))
                .collect();
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
                return Ok(());
            }
            for t in list {
                let origin = match t.origin {
                    Origin::BuiltIn => "built-in",
                    Origin::Modified => "modified",
                    Origin::Custom => "custom",
                };
                let problem = if t.problem.is_some() {
                    "  (does not read)"
                } else {
                    ""
                };
                println!(
                    "{:<28} {:<6} {:<10} {:<9} {}{problem}",
                    t.id, t.language, t.kind, origin, t.name
                );
            }
            Ok(())
        }
        Command::Show { id, lang } => {
            let entry = templates.get(&id, lang.as_deref()).await?;
            print!("{}", entry.source);
            if !entry.source.ends_with('\n') {
                println!();
            }
            Ok(())
        }
        Command::Render(args) => {
            let values = args.vars.values()?;
            let rendering = templates
                .render(&args.id, args.lang.as_deref(), &values)
                .await?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&rendering)?);
            } else {
                println!("{}", rendering.prompt);
            }
            Ok(())
        }
        Command::Import { files, replace } => {
            for outcome in templates.import_paths(files, replace).await? {
                let status = serde_json::to_value(outcome.status)?;
                println!(
                    "{:<10} {} “{}” from {}",
                    status.as_str().unwrap_or_default(),
                    outcome.template,
                    outcome.name,
                    outcome.file
                );
            }
            Ok(())
        }
        Command::Export { ids, output, lang } => {
            let all = templates.list().await?;
            let mut keys = Vec::new();
            for id in &ids {
                let found: Vec<TemplateKey> = all
                    .iter()
                    .filter(|t| t.id == *id && lang.as_ref().is_none_or(|l| t.language == *l))
                    .map(|t| TemplateKey::new(&t.id, &t.language))
                    .collect();
                if found.is_empty() {
                    return Err(TemplateError::NotFound {
                        id: id.clone(),
                        language: lang.clone(),
                    }
                    .into());
                }
                keys.extend(found);
            }
            for path in templates.export_to_dir(&keys, output).await? {
                println!("{}", path.display());
            }
            Ok(())
        }
    }
}
