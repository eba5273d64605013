//! `--var NAME=VALUE` and `--var-file NAME=FILE`: values for a template.

use anyhow::{anyhow, bail};
use scriptorium::template::{Values, VarValue};

#[derive(Debug, clap::Args)]
pub struct VarArgs {
    /// A template variable's value
    #[arg(long = "var", value_name = "NAME=VALUE")]
    vars: Vec<String>,
    /// A template variable's value read from a file (trailing newlines dropped)
    #[arg(long = "var-file", value_name = "NAME=FILE")]
    var_files: Vec<String>,
}

impl VarArgs {
    /// The values given; a name given twice is a mistake worth stopping for.
    pub fn values(&self) -> anyhow::Result<Values> {
        let mut values = Values::new();
        let mut add = |name: &str, value: String| -> anyhow::Result<()> {
            if values
                .insert(name.to_owned(), VarValue::Text(value))
                .is_some()
            {
                bail!("`{name}` is given twice.");
            }
            Ok(())
        };
        for var in &self.vars {
            let (name, value) = split(var, "--var NAME=VALUE")?;
            add(name, value.to_owned())?;
        }
        for var in &self.var_files {
            let (name, path) = split(var, "--var-file NAME=FILE")?;
            let text =
                std::fs::read_to_string(path).map_err(|e| anyhow!("Cannot read {path}: {e}."))?;
            add(name, text.trim_end_matches(['\n', '\r']).to_owned())?;
        }
        Ok(values)
    }
}

fn split<'a>(arg: &'a str, usage: &str) -> anyhow::Result<(&'a str, &'a str)> {
    match arg.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name, value)),
        _ => bail!("{arg:?} is not {usage}."),
    }
}
