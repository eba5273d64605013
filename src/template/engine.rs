//! The sandboxed minijinja engine that runs template bodies.
//!
//! A body reaches nothing but the values it is given: the environment has no
//! loader (so no `include`, `import` or `extends`), no access to files or to
//! the process environment, no clock and no randomness, so the same values
//! always give the same prompt. Fuel bounds the work a body can do and the
//! output is capped in size.

use std::collections::BTreeSet;

use minijinja::value::{Kwargs, Value};
use minijinja::{AutoEscape, Environment, Error, ErrorKind, State, UndefinedBehavior};

use super::front_matter::line_and_column;
use crate::backend::{ChatMessage, Role};

/// The work one render may do: each instruction costs one unit, each 64
/// bytes produced another. Enough for any honest prompt many times over,
/// and stops a runaway loop in well under a second.
const FUEL: u64 = 2_000_000;

/// The largest prompt a template may produce.
pub(crate) const MAX_OUTPUT_BYTES: usize = 4 * 1024 * 1024;

/// Names a body uses that are not variables and cannot be declared as one.
const KEYWORDS: &[&str] = &[
    "loop", "caller", "self", "super", "varargs", "kwargs", "true", "false", "none", "True",
    "False", "None",
];

/// What every prompt environment shares, ours and models' chat templates:
/// whitespace-sensitive text (block tags on their own lines leave no blank
/// lines behind, as in Hugging Face chat templates), nothing HTML-escaped,
/// bounded work, and Python string methods (`.upper()`, `.split()`,
/// `.strip()`) for people who know Jinja from Python.
pub(crate) fn plain_text_environment<'source>(fuel: u64) -> Environment<'source> {
    let mut env = Environment::new();
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .expect("the default delimiters are valid"),
    );
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_fuel(Some(fuel));
    env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
    env
}

/// A fresh environment. Cheap to build; one per compile or render keeps
/// templates from seeing each other.
pub(crate) fn environment<'source>() -> Environment<'source> {
    let mut env = plain_text_environment(FUEL);
    // A misspelt variable is an error, never a silent empty string.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_debug(true);
    minijinja_contrib::add_to_environment(&mut env);
    for role in [Role::System, Role::User, Role::Assistant] {
        env.add_function(role.as_str(), message(role));
    }
    env
}

/// Names a body may use without declaring them.
pub(crate) fn reserved_names() -> BTreeSet<String> {
    let env = environment();
    env.globals()
        .map(|(name, _)| name.to_owned())
        .chain(KEYWORDS.iter().map(|k| (*k).to_owned()))
        .collect()
}

/// The messages a chat template has produced so far in one render.
#[derive(Debug, Default)]
struct Transcript {
    messages: Vec<ChatMessage>,
    inside: bool,
}

/// `{% call user() %}…{% endcall %}` adds the block's text as one message.
fn message(role: Role) -> impl Fn(&mut State, Kwargs) -> Result<String, Error> + Send + Sync {
    move |state: &mut State, kwargs: Kwargs| {
        let Some(caller) = kwargs.get::<Option<Value>>("caller")? else {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "{0}() holds a message: write {{% call {0}() %}}…{{% endcall %}}",
                    role.as_str()
                ),
            ));
        };
        kwargs.assert_all_used()?;
        let transcript = state.get_or_insert_extension(Transcript::default());
        if transcript.inside {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                "a message cannot contain another message",
            ));
        }
        transcript.inside = true;
        let content = caller.call(state, &[]);
        let transcript = state.get_or_insert_extension(Transcript::default());
        transcript.inside = false;
        let content = content?;
        let content = content
            .as_str()
            .map_or_else(|| content.to_string(), str::to_owned);
        // Messages are trimmed, and a message left empty by its conditions is
        // dropped: backends reject empty messages and models see the gap.
        let content = content.trim();
        if !content.is_empty() {
            transcript.messages.push(ChatMessage {
                role,
                content: content.to_owned(),
            });
        }
        Ok(String::new())
    }
}

/// What one run of a body produced.
#[derive(Debug)]
pub(crate) struct Output {
    /// The text written outside any message.
    pub text: String,
    pub messages: Vec<ChatMessage>,
}

/// Compiles `body`, reporting syntax errors.
pub(crate) fn compile<'a>(
    env: &'a Environment<'a>,
    body: &'a str,
) -> Result<minijinja::Template<'a, 'a>, Error> {
    env.template_from_named_str("template", body)
}

/// Runs a compiled body with `context`.
pub(crate) fn run(template: &minijinja::Template<'_, '_>, context: Value) -> Result<Output, Error> {
    let mut captured = template.render_captured(context)?;
    let messages = captured.with_state_mut(|state| {
        state
            .get_extension_mut::<Transcript>()
            .map(|t| std::mem::take(&mut t.messages))
            .unwrap_or_default()
    });
    Ok(Output {
        text: captured.into_output(),
        messages,
    })
}

/// An engine error as a sentence and a position in the body (1-based).
pub(crate) fn describe(error: &Error, body: &str) -> (String, Option<(u32, Option<u32>)>) {
    let message = match error.kind() {
        ErrorKind::OutOfFuel => {
            "rendering took too many steps and was stopped (is a loop running away?)".to_owned()
        }
        ErrorKind::SyntaxError => format!("syntax error: {}", error.detail().unwrap_or("invalid")),
        kind => match error.detail() {
            Some(detail) => format!("{kind}: {detail}"),
            None => kind.to_string(),
        },
    };
    let position = match (error.range(), error.line()) {
        (Some(range), _) if range.start <= body.len() => {
            let (line, column) = line_and_column(body, range.start);
            Some((line, Some(column)))
        }
        (_, Some(line)) => Some((u32::try_from(line).unwrap_or(u32::MAX), None)),
        _ => None,
    };
    (message, position)
}

/// Where `name` is first used as a variable in `body`: the byte offset of
/// the first whole-word use inside a `{{ }}` or `{% %}` tag that is not an
/// attribute (`x.name`) or inside a string literal.
pub(crate) fn first_use(body: &str, name: &str) -> Option<usize> {
    let mut rest = 0;
    while let Some(open) = body[rest..].find('{').map(|i| rest + i) {
        let close = match body.get(open + 1..open + 2) {
            Some("{") => "}}",
            Some("%") => "%}",
            Some("#") => "#}",
            _ => {
                rest = open + 1;
                continue;
            }
        };
        let start = open + 2;
        let end = body[start..].find(close).map_or(body.len(), |i| start + i);
        if close != "#}"
            && let Some(at) = find_identifier(&body[start..end], name)
        {
            return Some(start + at);
        }
        rest = (end + close.len()).min(body.len());
    }
    None
}

fn find_identifier(tag: &str, name: &str) -> Option<usize> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let mut quote: Option<char> = None;
    let mut previous: Option<char> = None;
    for (index, c) in tag.char_indices() {
        match quote {
            Some(q) if c == q && previous != Some('\\') => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None => {
                let starts_word = !previous.is_some_and(|p| is_word(p) || p == '.');
                if starts_word
                    && tag[index..].starts_with(name)
                    && !tag[index + name.len()..]
                        .chars()
                        .next()
                        .is_some_and(is_word)
                {
                    return Some(index);
                }
            }
        }
        previous = Some(c);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use minijinja::context;

    fn run_str(body: &str, ctx: Value) -> Result<Output, Error> {
        let env = environment();
        let template = compile(&env, body)?;
        run(&template, ctx)
    }

    #[test]
    fn message_blocks_collect_messages_in_order_and_loops_work() {
        let body = "{% call system() %}\n  Be {{ tone }}.\n{% endcall %}\n{% for q in ['a', 'b'] %}\n{% call user() %}{{ q }}?{% endcall %}\n{% call assistant() %}{{ q | upper }}{% endcall %}\n{% endfor %}\n";
        let out = run_str(body, context!(tone => "brief")).unwrap();
        let got: Vec<_> = out
            .messages
            .iter()
            .map(|m| format!("{}:{}", m.role.as_str(), m.content))
            .collect();
        assert_eq!(
            got,
            [
                "system:Be brief.",
                "user:a?",
                "assistant:A",
                "user:b?",
                "assistant:B"
            ]
        );
        assert_eq!(out.text.trim(), "");
    }

    #[test]
    fn empty_messages_are_dropped() {
        let body =
            "{% call system() %}{% if x %}X{% endif %}{% endcall %}{% call user() %}u{% endcall %}";
        let out = run_str(body, context!(x => false)).unwrap();
        assert_eq!(out.messages.len(), 1);
        assert_eq!(out.messages[0].role, Role::User);
    }

    #[test]
    fn messages_cannot_nest_or_be_called_bare() {
        let nested = run_str(
            "{% call user() %}{% call system() %}x{% endcall %}{% endcall %}",
            context!(),
        )
        .unwrap_err();
        assert!(
            describe(&nested, "")
                .0
                .contains("cannot contain another message")
        );
        let bare = run_str("{{ user() }}", context!()).unwrap_err();
        assert!(
            describe(&bare, "").0.contains("{% call user() %}"),
            "{bare}"
        );
    }

    #[test]
    fn values_are_never_html_escaped() {
        let out = run_str("{{ s }}", context!(s => "<b>&\"</b>")).unwrap();
        assert_eq!(out.text, "<b>&\"</b>");
    }

    #[test]
    fn python_string_methods_work() {
        let out = run_str(
            "{{ s.strip().title() }}|{{ 'a,b'.split(',') | join('+') }}",
            context!(s => "  hello world "),
        )
        .unwrap();
        assert_eq!(out.text, "Hello World|a+b");
    }

    #[test]
    fn runaway_loops_run_out_of_fuel_quickly() {
        let started = std::time::Instant::now();
        let error = run_str(
            "{% for i in range(100000) %}{% for j in range(100000) %}{{ i }}{% endfor %}{% endfor %}",
            context!(),
        )
        .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::OutOfFuel);
        assert!(describe(&error, "").0.contains("too many steps"));
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn huge_allocations_are_refused_before_they_happen() {
        for body in [
            "{{ 'x' * 4000000000 }}",
            "{% set ns = namespace(s='abcdefgh') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
        ] {
            let error = run_str(body, context!()).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::OutOfFuel, "{body}: {error}");
        }
    }

    #[test]
    fn templates_cannot_reach_other_templates_or_the_outside() {
        for body in [
            "{% include 'secrets.md' %}",
            "{% import 'x' as x %}",
            "{% extends 'base' %}",
        ] {
            let error = run_str(body, context!()).unwrap_err();
            let (message, _) = describe(&error, body);
            assert!(!message.is_empty(), "{body}");
        }
        for body in [
            "{{ env('HOME') }}",
            "{{ now() }}",
            "{{ open('/etc/passwd') }}",
        ] {
            assert!(run_str(body, context!()).is_err(), "{body} must not run");
        }
    }

    #[test]
    fn undefined_names_are_errors_with_a_position() {
        let body = "line one\n  {{ missing }}";
        let error = run_str(body, context!()).unwrap_err();
        let (message, position) = describe(&error, body);
        assert!(message.contains("missing"), "{message}");
        assert_eq!(position, Some((2, Some(6))));
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let body = "ok\n{% if x %}\nnever closed";
        let env = environment();
        let error = compile(&env, body).unwrap_err();
        let (message, position) = describe(&error, body);
        assert!(message.starts_with("syntax error: "), "{message}");
        assert_eq!(position.map(|p| p.0), Some(3));
    }

    #[test]
    fn first_use_skips_text_strings_comments_and_attributes() {
        let body = "name {# name #}{{ 'name' }}{{ user.name }}{{ names }}\n{% if name %}";
        let at = first_use(body, "name").unwrap();
        assert_eq!(&body[at - 6..at], "{% if ");
        assert_eq!(first_use("{{ x }}", "name"), None);
    }

    #[test]
    fn message_functions_and_helpers_are_reserved() {
        let reserved = reserved_names();
        for name in ["system", "user", "assistant", "range", "loop", "namespace"] {
            assert!(reserved.contains(name), "{name}");
        }
    }
}
