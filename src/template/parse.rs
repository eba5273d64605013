//! Reading a template file into a checked [`Template`]: front matter,
//! metadata rules, body syntax, and the variables the body uses.

use serde::Deserialize;

use super::engine;
use super::error::{Place, TemplateError};
use super::front_matter::{self, line_and_column};
use super::model::{
    ChoiceOption, PromptFormat, RecommendedParams, Template, TemplateKind, VarType, VarValue,
    Variable,
};
use super::values;

/// The longest id: it also names exported files.
const MAX_ID_CHARS: usize = 64;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    id: String,
    name: String,
    kind: TemplateKind,
    #[serde(default)]
    description: String,
    language: String,
    #[serde(default)]
    params: RawParams,
    #[serde(default)]
    variables: Vec<RawVariable>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParams {
    temperature: Option<f32>,
    max_tokens: Option<u32>,
    #[serde(default)]
    stop: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVariable {
    name: String,
    #[serde(rename = "type")]
    ty: VarType,
    label: Option<String>,
    default: Option<VarValue>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    help: String,
    #[serde(default)]
    options: Vec<RawOption>,
    sample: Option<VarValue>,
}

/// An option is a bare value, or a value with the label a form shows.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawOption {
    Value(String),
    Labeled { value: String, label: String },
}

impl Template {
    /// Parses and checks a template file: front matter, then the body.
    pub fn parse(source: &str) -> Result<Template, TemplateError> {
        let unnamed = "(unnamed)";
        let split = front_matter::split(source).map_err(|e| TemplateError::Syntax {
            place: Place::at(unnamed, e.line, e.column),
            message: e.message,
        })?;
        let raw: RawTemplate = front_matter::parse(&split).map_err(|e| TemplateError::Syntax {
            place: Place::at(unnamed, e.line, e.column),
            message: format!("in the front matter: {}", e.message),
        })?;
        let label = format!("“{}” ({})", raw.name.trim(), raw.id);
        let invalid = |message: String, near: Option<&str>| TemplateError::Invalid {
            place: match near.and_then(|needle| line_of(split.front, needle)) {
                Some(line) => Place::at(&label, line + 1, None),
                None => Place::template(&label),
            },
            message,
        };

        check_id(&raw.id).map_err(|m| invalid(m, Some("id")))?;
        check_language(&raw.language).map_err(|m| invalid(m, Some("language")))?;
        if raw.name.trim().is_empty() {
            return Err(invalid("the name is empty".into(), Some("name")));
        }
        let params = check_params(raw.params).map_err(|m| invalid(m, Some("params")))?;
        let reserved = engine::reserved_names();
        let mut variables: Vec<Variable> = Vec::with_capacity(raw.variables.len());
        for raw_variable in raw.variables {
            let quoted = raw_variable.name.clone();
            let variable =
                check_variable(raw_variable, &reserved).map_err(|m| invalid(m, Some(&quoted)))?;
            if variables.iter().any(|v| v.name == variable.name) {
                return Err(invalid(
                    format!("the variable `{}` is declared twice", variable.name),
                    Some(&quoted),
                ));
            }
            variables.push(variable);
        }

        let mut template = Template {
            id: raw.id,
            name: raw.name.trim().to_owned(),
            kind: raw.kind,
            description: raw.description.trim().to_owned(),
            language: raw.language,
            variables,
            params,
            format: PromptFormat::Completion,
            body: split.body.to_owned(),
            body_offset: split.body_offset,
        };
        template.format = template.check_body()?;
        Ok(template)
    }

    /// Compiles the body and checks that it uses only declared variables;
    /// returns what it produces.
    fn check_body(&self) -> Result<PromptFormat, TemplateError> {
        let env = engine::environment();
        let compiled = engine::compile(&env, &self.body).map_err(|error| {
            let (message, position) = engine::describe(&error, &self.body);
            TemplateError::Syntax {
                place: self.place(position),
                message,
            }
        })?;
        let used = compiled.undeclared_variables(false);
        let reserved = engine::reserved_names();
        let mut unknown: Vec<&String> = used
            .iter()
            .filter(|name| !reserved.contains(*name) && self.variable(name).is_none())
            .collect();
        // Report the one used first, so fixing errors goes top to bottom.
        unknown.sort_by_key(|name| engine::first_use(&self.body, name).unwrap_or(usize::MAX));
        if let Some(name) = unknown.first() {
            let position = engine::first_use(&self.body, name).map(|offset| {
                let (line, column) = line_and_column(&self.body, offset);
                (line, Some(column))
            });
            return Err(TemplateError::UnknownVariable {
                place: self.place(position),
                name: (*name).clone(),
            });
        }
        let chat = ["system", "user", "assistant"]
            .iter()
            .any(|role| used.contains(*role));
        Ok(if chat {
            PromptFormat::Chat
        } else {
            PromptFormat::Completion
        })
    }

    /// A body position (line, column) as a place in the file.
    pub(crate) fn place(&self, position: Option<(u32, Option<u32>)>) -> Place {
        match position {
            Some((line, column)) => Place::at(self.label(), line + self.body_offset, column),
            None => Place::template(self.label()),
        }
    }
}

fn check_id(id: &str) -> Result<(), String> {
    let valid = !id.is_empty()
        && id.chars().count() <= MAX_ID_CHARS
        && id.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
        && !id.contains("..")
        && !id.ends_with('.');
    if valid {
        Ok(())
    } else {
        Err(format!(
            "the id {id:?} is not valid: use up to {MAX_ID_CHARS} lowercase letters, digits, '.', '-' and '_', starting with a letter or digit"
        ))
    }
}

/// A language tag such as `en`, `zh-CN` or `pt-BR`.
fn check_language(language: &str) -> Result<(), String> {
    let mut parts = language.split('-');
    let primary = parts.next().unwrap_or_default();
    let valid = (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts
            .all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if valid {
        Ok(())
    } else {
        Err(format!(
            "the language {language:?} is not a language tag such as \"en\" or \"zh-CN\""
        ))
    }
}

fn check_params(raw: RawParams) -> Result<RecommendedParams, String> {
    if let Some(t) = raw.temperature
        && !(0.0..=2.0).contains(&t)
    {
        return Err(format!("the temperature {t} is outside 0 to 2"));
    }
    if raw.max_tokens == Some(0) {
        return Err("max_tokens must be at least 1".into());
    }
    if raw.stop.iter().any(String::is_empty) {
        return Err("a stop sequence is empty".into());
    }
    Ok(RecommendedParams {
        temperature: raw.temperature,
        max_tokens: raw.max_tokens,
        stop: raw.stop,
    })
}

fn check_variable(
    raw: RawVariable,
    reserved: &std::collections::BTreeSet<String>,
) -> Result<Variable, String> {
    let name = raw.name;
    let identifier = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !identifier {
        return Err(format!(
            "the variable name {name:?} is not valid: use letters, digits and '_', not starting with a digit"
        ));
    }
    if reserved.contains(&name) {
        return Err(format!(
            "`{name}` is a name templates already use; call the variable something else"
        ));
    }
    let options: Vec<ChoiceOption> = raw
        .options
        .into_iter()
        .map(|option| match option {
            RawOption::Value(value) => ChoiceOption {
                label: value.clone(),
                value,
            },
            RawOption::Labeled { value, label } => ChoiceOption { value, label },
        })
        .collect();
    match raw.ty {
        VarType::Choice if options.is_empty() => {
            return Err(format!("the choice `{name}` has no options"));
        }
        VarType::Choice => {
            for (index, option) in options.iter().enumerate() {
                if options[..index].iter().any(|o| o.value == option.value) {
                    return Err(format!(
                        "the choice `{name}` lists the option {:?} twice",
                        option.value
                    ));
                }
            }
        }
        _ if !options.is_empty() => {
            return Err(format!("`{name}` has options but is not a choice"));
        }
        _ => {}
    }
    if raw.required && raw.default.is_some() {
        return Err(format!(
            "`{name}` is required and has a default; a default already guarantees a value, so drop one"
        ));
    }
    let variable = Variable {
        label: raw
            .label
            .filter(|l| !l.trim().is_empty())
            .unwrap_or_else(|| name.replace('_', " ")),
        name,
        ty: raw.ty,
        default: raw.default,
        required: raw.required,
        help: raw.help.trim().to_owned(),
        options,
        sample: raw.sample,
    };
    for (what, value) in [("default", &variable.default), ("sample", &variable.sample)] {
        if let Some(value) = value
            && values::coerce(&variable, value).is_none()
        {
            return Err(format!(
                "the {what} of `{}` must be {}, not {}",
                variable.name,
                values::expectation(&variable),
                value.describe()
            ));
        }
    }
    Ok(variable)
}

/// The 1-based line of the front matter where `needle` first appears.
fn line_of(front: &str, needle: &str) -> Option<u32> {
    front
        .lines()
        .position(|line| line.contains(needle))
        .map(|index| u32::try_from(index + 1).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"+++
id = "story.test"
name = "Test"
kind = "story"
language = "en"
description = "A test."

[params]
temperature = 0.8
max_tokens = 300

[[variables]]
name = "text"
type = "long_text"
required = true
sample = "Once."

[[variables]]
name = "length"
type = "choice"
options = ["short", { value = "long", label = "Long, please" }]
default = "short"

[[variables]]
name = "words"
type = "number"
default = 250
+++
{% call user() %}{{ text }} ({{ length }}, {{ words }}){% endcall %}
"#;

    fn with(from: &str, to: &str) -> String {
        assert!(GOOD.contains(from), "{from}");
        GOOD.replacen(from, to, 1)
    }

    fn parse_error(source: &str) -> TemplateError {
        Template::parse(source).unwrap_err()
    }

    #[test]
    fn a_complete_template_parses() {
        let template = Template::parse(GOOD).unwrap();
        assert_eq!(template.key().to_string(), "story.test (en)");
        assert_eq!(template.format, PromptFormat::Chat);
        assert_eq!(template.params.max_tokens, Some(300));
        let length = template.variable("length").unwrap();
        assert_eq!(length.options[0].label, "short");
        assert_eq!(length.options[1].label, "Long, please");
        assert_eq!(template.variable("words").unwrap().label, "words");
        assert_eq!(template.body_offset, 28);
    }

    #[test]
    fn yaml_front_matter_is_equivalent() {
        let yaml = "---\nid: y\nname: Y\nkind: utility\nlanguage: zh-CN\nvariables:\n  - name: text\n    type: text\n    default: 你好\n---\n{{ text }}";
        let template = Template::parse(yaml).unwrap();
        assert_eq!(template.format, PromptFormat::Completion);
        assert_eq!(template.language, "zh-CN");
        assert_eq!(template.variables[0].default, Some(VarValue::from("你好")));
    }

    #[test]
    fn syntax_errors_name_the_template_line_and_column() {
        let source = with("({{ length }}", "({{ length }");
        let error = parse_error(&source);
        assert_eq!(error.code(), "template_syntax");
        let message = error.to_string();
        assert!(
            message.starts_with("Template “Test” (story.test), line 29, column"),
            "{message}"
        );
    }

    #[test]
    fn unknown_variables_point_at_their_first_use() {
        let source = with("({{ length }}", "({{ lenght }}");
        let error = parse_error(&source);
        assert_eq!(error.code(), "template_unknown_variable");
        let place = error.place().unwrap();
        assert_eq!((place.line, place.column), (Some(29), Some(33)));
        assert!(
            error
                .to_string()
                .contains("`lenght` is not a declared variable")
        );
    }

    #[test]
    fn front_matter_errors_point_into_the_front_matter() {
        let error = parse_error(&with("temperature = 0.8", "temperature = \"hot\""));
        assert_eq!(error.code(), "template_syntax");
        assert_eq!(error.place().unwrap().line, Some(9), "{error}");
        let error = parse_error(&with("max_tokens", "max_token"));
        assert!(error.to_string().contains("max_token"), "{error}");
    }

    #[test]
    fn invalid_metadata_is_refused_with_a_reason() {
        let cases = [
            (with("\"story.test\"", "\"Story Test\""), "is not valid"),
            (with("\"en\"", "\"english\""), "not a language tag"),
            (with("name = \"Test\"", "name = \" \""), "name is empty"),
            (
                with("temperature = 0.8", "temperature = 3.5"),
                "outside 0 to 2",
            ),
            (with("max_tokens = 300", "max_tokens = 0"), "at least 1"),
            (
                with("name = \"words\"", "name = \"text\""),
                "declared twice",
            ),
            (with("name = \"words\"", "name = \"range\""), "already use"),
            (with("name = \"words\"", "name = \"2nd\""), "not valid"),
            (
                with("default = 250", "default = \"many\""),
                "must be a number",
            ),
            (
                with("default = \"short\"", "default = \"medium\""),
                "one of \"short\", \"long\"",
            ),
            (
                with("sample = \"Once.\"", "default = \"Once.\""),
                "required and has a default",
            ),
            (
                with(
                    "options = [\"short\", { value = \"long\", label = \"Long, please\" }]",
                    "options = []",
                ),
                "no options",
            ),
            (
                with(
                    "options = [\"short\", { value = \"long\", label = \"Long, please\" }]",
                    "options = [\"short\", \"short\"]",
                ),
                "twice",
            ),
        ];
        for (source, expected) in cases {
            let error = parse_error(&source);
            assert!(
                error.to_string().contains(expected),
                "expected {expected:?} in: {error}"
            );
        }
    }

    #[test]
    fn variable_errors_point_at_the_declaration() {
        let error = parse_error(&with("default = 250", "default = \"many\""));
        assert_eq!(error.code(), "template_invalid");
        // The first line of the front matter naming "words".
        assert_eq!(error.place().unwrap().line, Some(25), "{error}");
    }

    #[test]
    fn a_body_without_messages_is_a_completion_prompt() {
        let source = with(
            "{% call user() %}{{ text }} ({{ length }}, {{ words }}){% endcall %}",
            "{{ text }}",
        );
        assert_eq!(
            Template::parse(&source).unwrap().format,
            PromptFormat::Completion
        );
    }
}
