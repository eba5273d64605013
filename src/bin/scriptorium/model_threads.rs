//! `scriptorium model threads`: how many threads local models run on.

use scriptorium::Studio;
use scriptorium::backend::local::LocalThreads;
use serde::Serialize;

#[derive(Debug, clap::Args)]
pub struct ThreadsArgs {
    /// A thread count, or `auto` for the physical cores; applies from the
    /// next start (of a command, or of the app)
    #[arg(value_parser = parse_choice)]
    pub choice: Option<Choice>,
    /// Print JSON instead of a sentence
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy)]
pub enum Choice {
    Auto,
    Count(u32),
}

fn parse_choice(text: &str) -> Result<Choice, String> {
    if text.eq_ignore_ascii_case("auto") {
        return Ok(Choice::Auto);
    }
    text.parse()
        .map(Choice::Count)
        .map_err(|_| format!("{text:?} is neither a thread count nor `auto`"))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    /// The stored choice; null: automatic.
    setting: Option<u32>,
    #[serde(flatten)]
    threads: LocalThreads,
}

pub async fn run(studio: &Studio, args: ThreadsArgs) -> anyhow::Result<()> {
    let settings = match args.choice {
        None => studio.settings().get().await?,
        Some(choice) => {
            let count = match choice {
                Choice::Auto => None,
                Choice::Count(count) => Some(count),
            };
            studio.settings().set_local_threads(count).await?
        }
    };
    let report = Report {
        setting: settings.local_threads,
        threads: LocalThreads::now(),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let LocalThreads {
        in_force,
        automatic,
        from_environment,
        available,
    } = report.threads;
    let chosen = match (report.setting, from_environment) {
        (Some(count), _) => count.to_string(),
        (None, Some(count)) => format!("automatic ({count}, as the environment asks)"),
        (None, None) => "automatic (the physical cores)".to_owned(),
    };
    println!(
        "Threads for local models: {chosen}. This command ran with {in_force}; \
         the machine has {automatic} physical cores and {available} logical processors."
    );
    Ok(())
}
