//! The minijinja environment that renders model chat templates as
//! transformers' `ImmutableSandboxedEnvironment` does: trimmed blocks,
//! lenient undefined values, loop controls, Python string and dict methods,
//! Python's printing of `None`/`True`/floats, and transformers' globals
//! `raise_exception` and `strftime_now` and its `tojson`.

use std::sync::Arc;

use minijinja::value::{Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind, Output, State, UndefinedBehavior};

use super::json;

/// The current local time, as `strftime_now` sees it.
pub type Clock = Arc<dyn Fn() -> jiff::Zoned + Send + Sync>;

/// Chat templates loop over the conversation a few times; this is far more
/// than a long conversation needs and stops a runaway loop quickly.
const FUEL: u64 = 20_000_000;

/// What `raise_exception(message)` raised, kept apart from other errors so
/// the caller can say the template refused the conversation.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Raised(pub String);

pub(crate) fn environment(clock: Clock) -> Environment<'static> {
    let mut env = crate::template::plain_text_environment(FUEL);
    // Jinja's default: a missing name or key is falsy and prints nothing;
    // templates test `message.tool_calls` and `x is defined` all the time.
    env.set_undefined_behavior(UndefinedBehavior::Lenient);
    env.set_formatter(python_formatter);
    // The Jinja filters and globals minijinja keeps in its contrib crate.
    env.add_filter("truncate", minijinja_contrib::filters::truncate);
    env.add_filter("striptags", minijinja_contrib::filters::striptags);
    env.add_filter("filesizeformat", minijinja_contrib::filters::filesizeformat);
    env.add_function("cycler", minijinja_contrib::globals::cycler);
    env.add_function("joiner", minijinja_contrib::globals::joiner);
    // What transformers adds.
    env.add_filter("tojson", json::tojson);
    env.add_function("raise_exception", raise_exception);
    env.add_function("strftime_now", move |format: &str| {
        strftime_now(&clock, format)
    });
    env
}

/// `{{ value }}` as Python's `str()`: `None`, `True`, `1e-05`.
fn python_formatter(out: &mut Output, state: &mut State, value: &Value) -> Result<(), Error> {
    let python = match value.kind() {
        ValueKind::None => Some("None".to_owned()),
        ValueKind::Bool => Some((if value.is_true() { "True" } else { "False" }).to_owned()),
        ValueKind::Number if !value.is_integer() => {
            f64::try_from(value.clone()).ok().map(json::python_float)
        }
        _ => None,
    };
    match python {
        Some(text) => out.write_str(&text).map_err(Error::from),
        None => minijinja::escape_formatter(out, state, value),
    }
}

fn raise_exception(message: String) -> Result<Value, Error> {
    Err(Error::new(ErrorKind::InvalidOperation, message.clone()).with_source(Raised(message)))
}

/// `datetime.now().strftime(format)`.
fn strftime_now(clock: &Clock, format: &str) -> Result<String, Error> {
    jiff::fmt::strtime::format(format, &clock()).map_err(|e| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("strftime_now({format:?}) failed: {e}"),
        )
    })
}
