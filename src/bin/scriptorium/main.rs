//! `scriptorium`: the studio's core from the command line.

// Printing is this binary's job: stdout carries results, stderr diagnostics.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod backend;
mod doctor;
mod generate;
mod history;
mod model;
mod model_prompt;
mod model_threads;
mod template;
mod vars;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use scriptorium::backend::local::threads;
use scriptorium::paths::{self, DataDir};
use scriptorium::{Studio, logging};

#[derive(Debug, Parser)]
#[command(name = "scriptorium", version, about, long_about = None)]
struct Cli {
    /// Data folder [default: the platform's app-data folder]
    #[arg(long, global = true, env = paths::HOME_ENV, value_name = "DIR")]
    home: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show where data lives and what the store holds
    Doctor(doctor::Args),
    /// Manage model backends (OpenAI-compatible servers)
    #[command(subcommand)]
    Backend(backend::Command),
    /// Chat with a model: stream its answer to stdout
    Chat(generate::ChatArgs),
    /// Continue raw text with a model (story continuation with base models)
    Complete(generate::CompleteArgs),
    /// List, show, render, import and export prompt templates
    #[command(subcommand)]
    Template(template::Command),
    /// Search, show, export, import, re-run and count past generations
    #[command(subcommand)]
    History(history::Command),
    /// Manage local models (GGUF)
    #[command(subcommand)]
    Model(model::Command),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let data_dir = DataDir::new(cli.home.clone().unwrap_or_else(paths::default_data_dir));
    // First, while this is the only thread: it sets the environment.
    threads::settle_from_store(&data_dir.db_path());
    // stderr stays for the command's own messages; the log file gets the rest.
    let _logs = logging::init(Some(&data_dir.log_dir()), "off");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("starting the async runtime");
    match runtime.block_on(run(cli.command, &data_dir)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::debug!(?error, "command failed");
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, data_dir: &DataDir) -> anyhow::Result<()> {
    let studio = tokio::task::block_in_place(|| Studio::open(data_dir.root()))?;
    match command {
        Command::Doctor(args) => doctor::run(&studio, args).await,
        Command::Backend(command) => backend::run(&studio, command).await,
        Command::Chat(args) => generate::chat(&studio, args).await,
        Command::Complete(args) => generate::complete(&studio, args).await,
        Command::Template(command) => template::run(&studio, command).await,
        Command::History(command) => history::run(&studio, command).await,
        Command::Model(command) => model::run(&studio, command).await,
    }
}
