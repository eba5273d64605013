//! `scriptorium doctor`

use scriptorium::Studio;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print one JSON object instead of a table
    #[arg(long)]
    json: bool,
}

pub async fn run(studio: &Studio, args: Args) -> anyhow::Result<()> {
    let report = studio.doctor().await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let rows = [
        ("version", report.version),
        ("data dir", report.data_dir),
        ("database", report.db_path),
        ("schema version", report.schema_version.to_string()),
        ("logs", report.log_dir),
        ("backends", report.backends.to_string()),
        ("models", report.models.to_string()),
        ("generations", report.generations.to_string()),
    ];
    for (label, value) in rows {
        println!("{label:<15} {value}");
    }
    Ok(())
}
